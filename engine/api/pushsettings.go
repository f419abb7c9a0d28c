package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/tasks"
)

// pushSettingsJSON is the push settings document and whether a heartbeat
// URL is set (the URL itself may hold a token and is never answered).
type pushSettingsJSON struct {
	dispatch.Settings
	HeartbeatURLSet bool `json:"heartbeat_url_set"`
}

// getPushSettings answers the push settings.
func (s *Server) getPushSettings(w http.ResponseWriter, r *http.Request) {
	st, err := dispatch.LoadSettings(r.Context(), s.p.Store)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerPushSettings(w, r, st)
}

func (s *Server) answerPushSettings(w http.ResponseWriter, r *http.Request, st dispatch.Settings) {
	u, err := s.p.Secrets.Get(dispatch.HeartbeatSecretID, dispatch.HeartbeatSecretField)
	if err != nil && !errors.Is(err, secret.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pushSettingsJSON{Settings: st, HeartbeatURLSet: u != ""})
}

// patchPushSettings changes push settings given as {"key": "value"}, the
// keys and values of `herald settings set` ({"reminder.interval": "4h",
// "escalation.channels": "pager", "fallback.team": "phone", "quiet.windows": "23:00-07:30"}); channel names
// are resolved and heartbeat.url goes to the keyring. Nothing is stored
// when any key is bad.
func (s *Server) patchPushSettings(w http.ResponseWriter, r *http.Request) {
	var kv map[string]string
	if !decode(w, r, &kv) {
		return
	}
	if len(kv) == 0 {
		writeError(w, http.StatusBadRequest, `send an object of settings to change, e.g. {"quiet.windows": "23:00-07:30"}`, "")
		return
	}
	ctx := r.Context()
	st, err := dispatch.LoadSettings(ctx, s.p.Store)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hb, setHB := kv["heartbeat.url"]
	delete(kv, "heartbeat.url")
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		if err := st.Set(k, kv[k], s.resolveChannels(ctx)); err != nil {
			s.settingError(w, r, k, err)
			return
		}
	}
	if setHB {
		if err := s.setHeartbeatURL(hb); err != nil {
			s.settingError(w, r, "heartbeat.url", err)
			return
		}
	}
	save := s.p.SavePushSettings
	if save == nil {
		save = func(ctx context.Context, st dispatch.Settings) error {
			if err := dispatch.SaveSettings(ctx, s.p.Store, st); err != nil {
				return err
			}
			if s.p.Dispatcher != nil {
				s.p.Dispatcher.SettingsChanged()
			}
			return nil
		}
	}
	if err := save(ctx, st); err != nil {
		s.settingError(w, r, "", err)
		return
	}
	s.answerPushSettings(w, r, st)
}

func (s *Server) setHeartbeatURL(v string) error {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "", "off", "default", "none":
		if err := s.p.Secrets.Delete(dispatch.HeartbeatSecretID, dispatch.HeartbeatSecretField); err != nil && !errors.Is(err, secret.ErrNotFound) {
			return err
		}
		return nil
	}
	if err := dispatch.CheckHeartbeatURL(v); err != nil {
		return err
	}
	s.p.Redactor.Add(v)
	return s.p.Secrets.Set(dispatch.HeartbeatSecretID, dispatch.HeartbeatSecretField, v)
}

// patchTaskPush changes a task's push overrides given as {"key": "value"},
// as `herald task push NAME key=value…` (deadman, anomaly, channels…), and
// answers them.
func (s *Server) patchTaskPush(w http.ResponseWriter, r *http.Request) {
	var kv map[string]string
	if !decode(w, r, &kv) {
		return
	}
	ctx := r.Context()
	name := r.PathValue("name")
	t, err := s.p.Tasks.Get(ctx, name)
	if errors.Is(err, tasks.ErrBadInput) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("name: no task called %q", name), "name")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := dispatch.LoadOverrides(ctx, s.p.Store, t.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		if err := o.Set(k, kv[k], s.resolveChannels(ctx)); err != nil {
			s.settingError(w, r, k, err)
			return
		}
	}
	if err := dispatch.SaveOverrides(ctx, s.p.Store, t.ID, o); err != nil {
		s.settingError(w, r, "", err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// resolveChannels turns channel names into ids for the settings.
func (s *Server) resolveChannels(ctx context.Context) func(names []string) ([]string, error) {
	return func(names []string) ([]string, error) {
		ids := make([]string, 0, len(names))
		for _, n := range names {
			c, err := s.p.Registry.Get(ctx, n)
			if err != nil {
				return nil, err
			}
			ids = append(ids, c.ID)
		}
		return ids, nil
	}
}

// settingError answers 400 naming the setting for a bad key or value, 500
// for anything else.
func (s *Server) settingError(w http.ResponseWriter, r *http.Request, key string, err error) {
	var fe *dispatch.FieldError
	switch {
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, fe.Error(), fe.Field)
	case errors.Is(err, registry.ErrBadInput):
		writeError(w, http.StatusBadRequest, key+": "+err.Error(), key)
	default:
		s.fail(w, r, err)
	}
}
