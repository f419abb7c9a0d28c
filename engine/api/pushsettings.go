package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/registry"
)

// --- GET/PATCH /api/v1/settings/push ----------------------------------------

// pushSettings answers the global push settings as stored.
func (s *Server) pushSettings(w http.ResponseWriter, r *http.Request) {
	ps, err := dispatch.LoadSettings(r.Context(), s.p.Store)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ps)
}

// patchPushSettings changes push settings from an object of `herald
// settings set` keys and values ({"reminder.interval": "4h",
// "escalation.channels": "pager", "fallback.team": "phone"}); channel
// names are resolved. Nothing is saved unless every key is good.
func (s *Server) patchPushSettings(w http.ResponseWriter, r *http.Request) {
	var req map[string]string
	if !decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	ps, err := dispatch.LoadSettings(ctx, s.p.Store)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(req)) {
		if err := ps.Set(k, req[k], s.resolveChannels(ctx)); err != nil {
			s.settingError(w, r, k, err)
			return
		}
	}
	if err := dispatch.SaveSettings(ctx, s.p.Store, ps); err != nil {
		s.settingError(w, r, "", err)
		return
	}
	if s.p.Dispatcher != nil {
		s.p.Dispatcher.SettingsChanged()
	}
	writeJSON(w, http.StatusOK, ps)
}

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
