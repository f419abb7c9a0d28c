package host

import (
	"context"
	"net"
	"strconv"

	"github.com/heraldpush/herald/engine/api"
)

// LoadAPISettings reads the API settings, defaults where unset.
func (e *Env) LoadAPISettings(ctx context.Context) (api.Settings, error) {
	return api.LoadSettings(ctx, e.Store)
}

// SaveAPISettings validates and stores the API settings; a running engine
// applies them at its next start.
func (e *Env) SaveAPISettings(ctx context.Context, s api.Settings) error {
	return api.SaveSettings(ctx, e.Store, s)
}

// API builds the local API server for this data folder (not started).
func (e *Env) API(ctx context.Context, port int) (*api.Server, error) {
	inst, err := e.Store.InstanceID(ctx)
	if err != nil {
		return nil, err
	}
	return api.New(api.Params{
		Registry:         e.Registry,
		Tasks:            e.Tasks,
		Dispatcher:       e.Dispatcher,
		Store:            e.Store,
		Redactor:         e.Redactor,
		Log:              e.Log,
		Secrets:          api.InstanceSecrets{Inner: e.Secrets, Instance: inst},
		Send:             e.Send,
		SavePushSettings: e.SavePushSettings,
		Addr:             net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
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
