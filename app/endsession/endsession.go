// Package endsession ends Herald cleanly when the user's session ends. A
// Windows GUI program gets no SIGTERM at logoff or shutdown: Windows asks
// its top-level windows (WM_QUERYENDSESSION, then WM_ENDSESSION) and ends
// the process as soon as they answer. Watch keeps a hidden window that
// answers only after Herald has stopped its engine and closed its store.
// Elsewhere the session's end is a signal, and Watch does nothing.
package endsession

import (
	"context"
	"errors"
	"time"
)

// ErrSessionEnding is the cause of the context Herald cancels when the
// session ends.
var ErrSessionEnding = errors.New("the session is ending")

// SessionGrace is how long running tasks and pushes may finish when the
// session ends: Windows gives a program a few seconds before it kills it
// (or asks the user to), and the store must be closed by then.
const SessionGrace = 2 * time.Second

// Grace is how long a shutdown under ctx lets work finish: normal, or
// SessionGrace when ctx was cancelled because the session is ending.
func Grace(ctx context.Context, normal time.Duration) time.Duration {
	if errors.Is(context.Cause(ctx), ErrSessionEnding) {
		return min(normal, SessionGrace)
	}
	return normal
}
