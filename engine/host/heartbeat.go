package host

import (
	"context"
	"errors"
	"strings"

	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/secret"
)

// heartbeatSecretID files the heartbeat URL under an id unique to one
// database, like the API token: two data folders don't share it.
func (e *Env) heartbeatSecretID(ctx context.Context) (string, error) {
	inst, err := e.Store.InstanceID(ctx)
	if err != nil {
		return "", err
	}
	return dispatch.HeartbeatSecretID + "-" + inst, nil
}

// HeartbeatURL reads Herald's heartbeat URL from the keyring; "" when none
// is set. The URL may hold a token: show it masked.
func (e *Env) HeartbeatURL(ctx context.Context) (string, error) {
	id, err := e.heartbeatSecretID(ctx)
	if err != nil {
		return "", err
	}
	u, err := e.Secrets.Get(id, dispatch.HeartbeatSecretField)
	if errors.Is(err, secret.ErrNotFound) {
		return "", nil
	}
	if err == nil && u != "" {
		e.Redactor.Add(u)
	}
	return u, err
}

// SetHeartbeatURL checks and stores the heartbeat URL in the keyring; ""
// (or "off", "default") removes it. It never goes to the database.
func (e *Env) SetHeartbeatURL(ctx context.Context, v string) error {
	id, err := e.heartbeatSecretID(ctx)
	if err != nil {
		return err
	}
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "", "off", "default", "none":
		if err := e.Secrets.Delete(id, dispatch.HeartbeatSecretField); err != nil && !errors.Is(err, secret.ErrNotFound) {
			return err
		}
		return nil
	}
	if err := dispatch.CheckHeartbeatURL(v); err != nil {
		return err
	}
	e.Redactor.Add(v)
	return e.Secrets.Set(id, dispatch.HeartbeatSecretField, v)
}

// startWatch starts the dead-man's switches, the while-you-were-away
// summary and the heartbeat (the URL is read from the keyring at each ping,
// so `herald settings set heartbeat.url=…` in another process applies).
func (e *Env) startWatch(ctx context.Context, settings func() dispatch.Settings) {
	hb := &dispatch.Heartbeat{
		URL:  func() (string, error) { return e.HeartbeatURL(ctx) },
		HTTP: e.Registry.Deps.HTTP,
		Log:  e.Log,
	}
	e.Dispatcher.StartWatch(ctx, settings, hb.Ping)
}
