package ownerstart

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/owner"
	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
)

// lockedDir is a data folder with the local API off (no port taken) and
// its owner lock held for the test.
func lockedDir(t *testing.T) *owner.Lock {
	t.Helper()
	dir := t.TempDir()
	env, err := host.Open(t.Context(), dir, host.Options{Secrets: &secret.Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	err = env.SaveAPISettings(t.Context(), api.Settings{Enabled: false, Port: 18473})
	env.Close()
	if err != nil {
		t.Fatal(err)
	}
	lock, err := owner.TryLock(dir, owner.RoleWindow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Release() })
	return lock
}

// The started process answers as the owner until stop, which closes the
// endpoint and the store.
func TestStartAnswersUntilStop(t *testing.T) {
	ctx := t.Context()
	lock := lockedDir(t)
	env, srv, stop, err := Start(ctx, lock, host.Options{Secrets: &secret.Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	if env == nil || srv == nil {
		t.Fatalf("Start gave env %v, server %v", env, srv)
	}
	h, err := owner.Ping(ctx, lock.Dir())
	if err != nil {
		t.Fatalf("ping the started owner: %v", err)
	}
	if h.PID != os.Getpid() {
		t.Errorf("owner PID %d, want this process %d", h.PID, os.Getpid())
	}
	stop()
	if _, err := owner.Ping(ctx, lock.Dir()); !errors.Is(err, owner.ErrNoOwner) {
		t.Errorf("ping after stop: %v, want ErrNoOwner", err)
	}
	if _, err := env.Store.ChannelByName(ctx, "any"); err == nil {
		t.Error("the store still answers after stop")
	}
}

// A data folder that cannot be opened is an error saying so, with nothing
// to stop.
func TestStartOpenFails(t *testing.T) {
	lock := lockedDir(t)
	// herald.log as a folder: the log cannot be opened.
	log := filepath.Join(lock.Dir(), "herald.log")
	if err := os.Remove(log); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(log, 0o700); err != nil {
		t.Fatal(err)
	}
	env, srv, stop, err := Start(t.Context(), lock, host.Options{Secrets: &secret.Memory{}})
	if err == nil || !strings.HasPrefix(err.Error(), "open the data folder: ") {
		t.Fatalf("error %v, want one about opening the data folder", err)
	}
	if env != nil || srv != nil || stop != nil {
		t.Errorf("on error Start gave env %v, server %v, stop %v", env, srv, stop != nil)
	}
}
