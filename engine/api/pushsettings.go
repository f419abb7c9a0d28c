package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"

	"github.com/heraldpush/herald/engine/dispatch"
)

// --- GET and PATCH /api/v1/push/settings -----------------------------------
//
// The global push settings as `herald settings show` and `settings set`
// know them: GET answers the stored document; PATCH takes an object of
// key → value in the CLI's form ({"quiet.windows": "23:00-07:30",
// "burst.max": "5"}), applies them in key order through the same parser,
// and stores them only if every one is good (400 naming the first bad key
// otherwise).

func (s *Server) pushSettings(w http.ResponseWriter, r *http.Request) {
	set, err := dispatch.LoadSettings(r.Context(), s.p.Store)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, set)
}

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
	set, err := dispatch.LoadSettings(ctx, s.p.Store)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		if err := set.Set(k, kv[k], s.channelIDs(ctx)); err != nil {
			field := k
			var fe *dispatch.FieldError
			if errors.As(err, &fe) {
				field = fe.Field
			}
			writeError(w, http.StatusBadRequest, err.Error(), field)
			return
		}
	}
	save := s.p.SavePushSettings
	if save == nil {
		save = func(ctx context.Context, set dispatch.Settings) error {
			if err := dispatch.SaveSettings(ctx, s.p.Store, set); err != nil {
				return err
			}
			if s.p.Dispatcher != nil {
				s.p.Dispatcher.SettingsChanged()
			}
			return nil
		}
	}
	if err := save(ctx, set); err != nil {
		var fe *dispatch.FieldError
		if errors.As(err, &fe) {
			writeError(w, http.StatusBadRequest, err.Error(), fe.Field)
			return
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, set)
}

// channelIDs resolves channel names (or ids) to ids for "channels".
func (s *Server) channelIDs(ctx context.Context) func(names []string) ([]string, error) {
	return func(names []string) ([]string, error) {
		ids := make([]string, len(names))
		for i, n := range names {
			c, err := s.p.Registry.Get(ctx, n)
			if err != nil {
				return nil, err
			}
			ids[i] = c.ID
		}
		return ids, nil
	}
}
