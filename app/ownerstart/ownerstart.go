// Package ownerstart starts a desktop process as its data folder's delivery
// owner: the tray process (app/trayowner) and the window that owns the
// folder itself when there is no tray (app) start the same way.
package ownerstart

import (
	"context"
	"fmt"
	"time"

	"github.com/heraldpush/herald/app/endsession"
	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/host"
)

// stopGrace is how long the stop lets runs and in-flight pushes finish;
// shorter when the session ends: Windows ends the process soon after.
const stopGrace = 20 * time.Second

// Start opens lock's data folder with opts, starts its engine and answers
// on the owner endpoint. stop undoes it all, in order; it is nil when err
// is not. ctx's end is the engine's end; its session end shortens stop's
// grace.
func Start(ctx context.Context, lock *owner.Lock, opts host.Options) (env *host.Env, srv *owner.Server, stop func(), err error) {
	env, err = host.Open(ctx, lock.Dir(), opts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open the data folder: %w", err)
	}
	if err := env.StartEngine(ctx); err != nil {
		// The engine's errors may carry a channel's settings: only the
		// masked text goes on, not the error.
		msg := env.Redactor.Error(err)
		env.Close()
		return nil, nil, nil, fmt.Errorf("start the engine: %s", msg)
	}
	stopEngine := func() {
		env.StopEngine(endsession.Grace(ctx, stopGrace))
		env.Close()
	}
	srv, err = owner.Listen(lock, env.DeliverRequested)
	if err != nil {
		stopEngine()
		return nil, nil, nil, fmt.Errorf("answer as the data folder's owner: %w", err)
	}
	return env, srv, func() {
		// Before StopEngine: deliveries made for commands are cancelled
		// back to pending while the engine still records them.
		srv.Close()
		stopEngine()
	}, nil
}
