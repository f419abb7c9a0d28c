// Package host is the engine's host: it opens what every way of running
// Herald needs — the data folder, the log, the store, the keyring — builds
// the registry, the task service, the dispatcher and the local API, runs
// their lifecycle, and offers the use cases the CLI, the API and the window
// share (Send, Retry, Test). It knows nothing of app/ or ui/.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/logfile"
	"github.com/heraldpush/herald/engine/redact"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/secret"
	"github.com/heraldpush/herald/engine/store"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/tasks"
)

// EnvDataDir overrides the data folder when --data-dir is not given.
const EnvDataDir = "HERALD_DATA_DIR"

// herald.log is rotated when it is over maxLogSize, while Herald runs,
// keeping keepLogs older files (herald.log.1 …): at most 20 MiB of logs.
const (
	maxLogSize = 5 << 20
	keepLogs   = 3
)

// outboxPoll is how often the delivery loop looks at the outbox when
// nothing woke it.
const outboxPoll = 60 * time.Second

// DataDir resolves the data folder: the flag, then $HERALD_DATA_DIR, then the
// OS config folder (~/.config/herald, %AppData%\herald, ~/Library/Application Support/herald).
func DataDir(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	if v := os.Getenv(EnvDataDir); v != "" {
		return filepath.Abs(v)
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config folder (set --data-dir or %s): %w", EnvDataDir, err)
	}
	return filepath.Join(dir, "herald"), nil
}

// Env is an opened Herald data folder.
type Env struct {
	DataDir    string
	Store      *store.Store
	Redactor   *redact.Redactor
	Log        *slog.Logger
	Registry   *registry.Registry
	Tasks      *tasks.Service
	Dispatcher *dispatch.Dispatcher
	// Secrets is the keyring channel, task and API secrets live in.
	Secrets  secret.Store
	logFile  *logfile.File
	commits  commits // commits.go
	stopSync func()
	// lastSettings is the push settings last applied to the dispatcher (JSON).
	lastSettings string
	api          *api.Server
	desktop      atomic.Pointer[func(title, body string) error]
	// APIAddr is where the local API listens while the engine runs ("" when off).
	APIAddr string
	config  configWatch
}

// Options tune Open.
type Options struct {
	// LogTo receives log records in addition to herald.log (e.g. stderr for
	// the daemon); nil for none.
	LogTo io.Writer
	// HTTP overrides the client channels send with (tests).
	HTTP *http.Client
	// Secrets replaces the OS keyring (tests: &secret.Memory{}); nil for
	// the OS keyring.
	Secrets secret.Store
}

// Open opens (creating) the data folder dir.
func Open(ctx context.Context, dir string, opts Options) (*Env, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	red := &redact.Redactor{}
	lf, err := logfile.Open(filepath.Join(dir, "herald.log"), maxLogSize, keepLogs)
	if err != nil {
		return nil, err
	}
	var w io.Writer = lf
	if opts.LogTo != nil {
		w = io.MultiWriter(lf, opts.LogTo)
	}
	log := slog.New(redact.NewHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}), red))
	st, err := store.Open(ctx, filepath.Join(dir, "herald.db"))
	if err != nil {
		lf.Close()
		return nil, err
	}
	secrets := opts.Secrets
	if secrets == nil {
		secrets = secret.Keyring{}
	}
	client := opts.HTTP
	if client == nil {
		client = &http.Client{Timeout: channel.DefaultTimeout}
	}
	env := &Env{
		DataDir:  dir,
		Store:    st,
		Redactor: red,
		Log:      log,
		Secrets:  secrets,
		logFile:  lf,
		Registry: &registry.Registry{
			Store:    st,
			Secrets:  secrets,
			Redactor: red,
			Deps:     channel.Deps{HTTP: client, Redactor: red},
			Log:      log,
		},
	}
	env.Tasks, err = tasks.New(tasks.Params{
		Store:    st,
		Secrets:  secrets,
		Redactor: red,
		Log:      log,
	})
	if err != nil {
		env.Close()
		return nil, err
	}
	// The window starts after the engine; desktop channels call through
	// this indirection so they work once it is there.
	env.Registry.Deps.Desktop = func(title, body string) error {
		if fn := env.desktop.Load(); fn != nil {
			return (*fn)(title, body)
		}
		return errNoWindow
	}
	env.Dispatcher = dispatch.New(dispatch.Params{
		Store:    st,
		Registry: env.Registry,
		Redactor: red,
		Log:      log,
		// Pushes queued here wake the claim loop at once, and those of
		// other processes when the engine's change probe sees their commit
		// (StartEngine): the poll is only a safety net.
		PollInterval: outboxPoll,
	})
	if s, err := dispatch.LoadSettings(ctx, st); err == nil {
		env.Dispatcher.SetRateLimits(dispatch.RatesFrom(s))
	}
	planner := &dispatch.Planner{Registry: env.Registry, Location: time.Local}
	env.followConfig()
	env.Tasks.OnRecord(tasks.RunHook{
		Prepare: planner.PlanRun,
		// Only a run that queued pushes wakes the claim loop: most runs
		// queue none, and a wake costs the loop a turn of store reads.
		After: func(_ task.Run, queued int) {
			if queued > 0 {
				env.Dispatcher.Notify()
			}
		},
	})
	return env, nil
}

// DeliverRequested delivers outbox row id for another herald process of
// this data folder (the owner socket's handler): errors come back redacted.
func (e *Env) DeliverRequested(ctx context.Context, id int64, seen int) (store.Delivery, error) {
	d, err := e.Dispatcher.DeliverRequested(ctx, id, seen)
	if err != nil {
		e.Log.Warn("deliver for a herald command", "outbox", id, "error", err)
		return d, errors.New(e.Redactor.Error(err))
	}
	return d, nil
}

var errNoWindow = errors.New("no Herald window is running in this process; the desktop app shows it when it runs")

// SetDesktopNotifier lets desktop channels show notifications through the
// running window (nil: none).
func (e *Env) SetDesktopNotifier(fn func(title, body string) error) {
	if fn == nil {
		e.desktop.Store(nil)
		return
	}
	e.desktop.Store(&fn)
}

// Close closes the store and the log.
func (e *Env) Close() error {
	e.stopConfigWatch()
	e.stopCommitWatch()
	err := e.Store.Close()
	if cerr := e.logFile.Close(); err == nil {
		err = cerr
	}
	return err
}
