package api

import (
	"context"
	"fmt"

	"github.com/heraldpush/herald/engine/store"
)

// Settings control the local HTTP API.
type Settings struct {
	Enabled bool `json:"enabled"`
	Port    int  `json:"port"`
}

const settingsKey = "api"

// DefaultSettings: on, 127.0.0.1:7787.
func DefaultSettings() Settings { return Settings{Enabled: true, Port: DefaultPort} }

// LoadSettings reads the API settings, defaults where unset.
func LoadSettings(ctx context.Context, st *store.Store) (Settings, error) {
	s := DefaultSettings()
	_, err := st.Setting(ctx, settingsKey, &s)
	return s, err
}

// SaveSettings validates and stores the API settings; a running API applies
// them at its next start.
func SaveSettings(ctx context.Context, st *store.Store, s Settings) error {
	if s.Port < 1 || s.Port > 65535 {
		return fmt.Errorf("port: must be between 1 and 65535, got %d", s.Port)
	}
	return st.SetSetting(ctx, settingsKey, s)
}

// InstanceSecrets files the token under an id unique to one database, so
// two data folders on one machine don't share a token.
type InstanceSecrets struct {
	Inner    Secrets
	Instance string // store.Store.InstanceID
}

func (s InstanceSecrets) id(id string) string { return id + "-" + s.Instance }

// Set stores the value under the instance's id.
func (s InstanceSecrets) Set(id, f, v string) error { return s.Inner.Set(s.id(id), f, v) }

// Get reads the value under the instance's id.
func (s InstanceSecrets) Get(id, f string) (string, error) { return s.Inner.Get(s.id(id), f) }

// Delete removes the value under the instance's id.
func (s InstanceSecrets) Delete(id, f string) error { return s.Inner.Delete(s.id(id), f) }
