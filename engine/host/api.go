package host

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/engine/secret"
)

// APISettings control the local HTTP API.
type APISettings struct {
	Enabled bool `json:"enabled"`
	Port    int  `json:"port"`
}

const apiSettingsKey = "api"

// DefaultAPISettings: on, 127.0.0.1:7787.
func DefaultAPISettings() APISettings { return APISettings{Enabled: true, Port: api.DefaultPort} }

// LoadAPISettings reads the API settings, defaults where unset.
func (e *Env) LoadAPISettings(ctx context.Context) (APISettings, error) {
	s := DefaultAPISettings()
	_, err := e.Store.Setting(ctx, apiSettingsKey, &s)
	return s, err
}

// SaveAPISettings validates and stores the API settings; a running engine
// applies them at its next start.
func (e *Env) SaveAPISettings(ctx context.Context, s APISettings) error {
	if s.Port < 1 || s.Port > 65535 {
		return fmt.Errorf("port: must be between 1 and 65535, got %d", s.Port)
	}
	return e.Store.SetSetting(ctx, apiSettingsKey, s)
}

// instanceSecrets files the API token under an id unique to this database,
// so two data folders on one machine don't share a token.
type instanceSecrets struct {
	inner    secret.Keyring
	instance string
}

func (s instanceSecrets) id(id string) string       { return id + "-" + s.instance }
func (s instanceSecrets) Set(id, f, v string) error { return s.inner.Set(s.id(id), f, v) }
func (s instanceSecrets) Get(id, f string) (string, error) {
	return s.inner.Get(s.id(id), f)
}
func (s instanceSecrets) Delete(id, f string) error { return s.inner.Delete(s.id(id), f) }

// API builds the local API server for this data folder (not started).
func (e *Env) API(ctx context.Context, port int) (*api.Server, error) {
	inst, err := e.Store.InstanceID(ctx)
	if err != nil {
		return nil, err
	}
	return api.New(api.Params{
		Registry:   e.Registry,
		Tasks:      e.Tasks,
		Dispatcher: e.Dispatcher,
		Store:      e.Store,
		Redactor:   e.Redactor,
		Log:        e.Log,
		Secrets:    instanceSecrets{instance: inst},
		Addr:       net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
	}), nil
}

// startAPI starts the API when enabled; a failure (port taken, no keyring)
// is logged and leaves the rest of the engine running.
func (e *Env) startAPI(ctx context.Context) {
	s, err := e.LoadAPISettings(ctx)
	if err != nil || !s.Enabled {
		return
	}
	srv, err := e.API(ctx, s.Port)
	if err != nil {
		e.Log.Warn("local API not started", "error", err)
		return
	}
	addr, err := srv.Start(ctx)
	if err != nil {
		e.Log.Warn("local API not started", "error", err)
		return
	}
	e.api, e.APIAddr = srv, addr
	e.Log.Info("local API listening", "addr", addr)
}
