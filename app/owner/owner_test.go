package owner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/store"
)

// A free folder is locked and says who holds it; a held one names its
// holder, whatever the role; releasing frees it and removes the holder file.
func TestTryLock(t *testing.T) {
	for _, role := range []Role{RoleWindow, RoleDaemon, RoleCLI} {
		t.Run(string(role), func(t *testing.T) {
			dir := testDir(t)
			l, err := TryLock(dir, role)
			if err != nil {
				t.Fatal(err)
			}
			_, err = TryLock(dir, RoleDaemon)
			var held *HeldError
			if !errors.As(err, &held) || held.Holder.Role != role || held.Holder.PID != os.Getpid() {
				t.Fatalf("second TryLock: %v, want held by %s", err, role)
			}
			if want := fmt.Sprintf("(pid %d)", os.Getpid()); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("error %q does not name the holder and folder", err)
			}
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, holderName)); !os.IsNotExist(err) {
				t.Fatalf("holder file left: %v", err)
			}
			l2, err := TryLock(dir, RoleDaemon)
			if err != nil {
				t.Fatalf("after release: %v", err)
			}
			l2.Release()
		})
	}
}

// Acquire waits for a transient holder and refuses a lasting one at once.
func TestAcquire(t *testing.T) {
	tests := []struct {
		holder   Role
		wantWait bool // waits, then gets the lock once the holder lets go
	}{
		{RoleCLI, true},
		{"", true}, // holder file not written yet
		{RoleWindow, false},
		{RoleDaemon, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.holder), func(t *testing.T) {
			dir := testDir(t)
			first, err := TryLock(dir, tt.holder)
			if err != nil {
				t.Fatal(err)
			}
			if tt.holder == "" {
				os.Remove(filepath.Join(dir, holderName))
			}
			got := make(chan error, 1)
			var noted atomic.Bool
			go func() {
				l, err := Acquire(context.Background(), dir, RoleDaemon, func(Holder) { noted.Store(true) })
				if err == nil {
					l.Release()
				}
				got <- err
			}()
			if !tt.wantWait {
				var held *HeldError
				if err := <-got; !errors.As(err, &held) || held.Holder.Role != tt.holder {
					t.Fatalf("Acquire: %v, want refused naming the %s", err, tt.holder)
				}
				first.Release()
				return
			}
			// Still waiting after several polls.
			select {
			case err := <-got:
				t.Fatalf("Acquire returned %v while %q held the lock", err, tt.holder)
			case <-time.After(5 * pollEvery):
			}
			first.Release()
			if err := <-got; err != nil {
				t.Fatalf("Acquire after release: %v", err)
			}
		})
	}
}

func TestAcquireGivesUpWhenCtxEnds(t *testing.T) {
	dir := testDir(t)
	first, err := TryLock(dir, RoleCLI)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 3*pollEvery)
	defer cancel()
	_, err = Acquire(ctx, dir, RoleDaemon, nil)
	var held *HeldError
	if !errors.As(err, &held) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire: %v", err)
	}
}

// serveAs starts an owner of role for dir whose deliveries fn answers.
func serveAs(t *testing.T, dir string, role Role, fn DeliverFunc) *Server {
	t.Helper()
	l, err := TryLock(dir, role)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen(l, fn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); l.Release() })
	return s
}

func serve(t *testing.T, dir string, fn DeliverFunc) *Server {
	t.Helper()
	return serveAs(t, dir, RoleDaemon, fn)
}

// A daemon has no window to show; a window shows itself, also when asked
// while it was starting (before OnShow).
func TestShow(t *testing.T) {
	ctx := context.Background()
	dir := testDir(t)
	serve(t, dir, nil)
	var remote *RemoteError
	if err := Show(ctx, dir); !errors.As(err, &remote) || !strings.Contains(err.Error(), "the daemon") {
		t.Fatalf("Show of a daemon: %v", err)
	}

	dir = testDir(t)
	s := serveAs(t, dir, RoleWindow, nil)
	if err := Show(ctx, dir); err != nil {
		t.Fatalf("Show of a starting window: %v", err)
	}
	var shown atomic.Int32
	s.OnShow(func() { shown.Add(1) })
	if shown.Load() != 1 {
		t.Fatalf("the show asked while starting ran %d times", shown.Load())
	}
	if err := Show(ctx, dir); err != nil || shown.Load() != 2 {
		t.Fatalf("Show: %v, shown %d", err, shown.Load())
	}
}

// A daemon refuses to quit on request; a tray that set OnQuit quits.
func TestQuit(t *testing.T) {
	ctx := context.Background()
	dir := testDir(t)
	serve(t, dir, nil)
	var remote *RemoteError
	if err := Quit(ctx, dir); !errors.As(err, &remote) {
		t.Fatalf("Quit of a daemon: %v", err)
	}

	dir = testDir(t)
	s := serveAs(t, dir, RoleWindow, nil)
	quit := make(chan struct{})
	s.OnQuit(func() { close(quit) })
	if err := Quit(ctx, dir); err != nil {
		t.Fatalf("Quit: %v", err)
	}
	select {
	case <-quit:
	case <-time.After(10 * time.Second):
		t.Fatal("OnQuit did not run")
	}
}

func TestProtocol(t *testing.T) {
	dir := testDir(t)
	serve(t, dir, func(ctx context.Context, id int64, seen int) (store.Delivery, error) {
		if id == 404 {
			return store.Delivery{}, fmt.Errorf("outbox row %d does not exist", id)
		}
		return store.Delivery{OutboxID: id, OK: true, Answer: fmt.Sprintf("seen %d", seen)}, nil
	})
	ctx := context.Background()

	if h, err := Ping(ctx, dir); err != nil || h.Role != RoleDaemon || h.PID != os.Getpid() {
		t.Fatalf("Ping = %+v, %v", h, err)
	}
	var remote *RemoteError
	if d, err := Deliver(ctx, dir, 7, 2); err != nil || !d.OK || d.OutboxID != 7 || d.Answer != "seen 2" {
		t.Fatalf("Deliver = %+v, %v", d, err)
	}
	if _, err := Deliver(ctx, dir, 404, 0); !errors.As(err, &remote) || !strings.Contains(err.Error(), "outbox row 404 does not exist") {
		t.Fatalf("Deliver of a missing row: %v", err)
	}
	assertPrivate(t, dir)
}

// Raw requests a client could send, and what the owner answers.
func TestProtocolRejectsBadRequests(t *testing.T) {
	dir := testDir(t)
	serve(t, dir, func(ctx context.Context, id int64, seen int) (store.Delivery, error) {
		return store.Delivery{OK: true}, nil
	})
	tests := []struct{ name, send, want string }{
		{"unknown", `{"op":"explode"}`, `unknown request \"explode\"`},
		{"not json", `show`, "bad request"},
		{"no id", `{"op":"deliver"}`, "no outbox row id"},
		{"too long", `{"op":"` + strings.Repeat("x", maxRequest) + `"}`, "request longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := dial(context.Background(), endpoint(dir))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintln(conn, tt.send)
			line, _ := bufio.NewReader(conn).ReadString('\n')
			if !strings.Contains(line, `"error":`) || !strings.Contains(line, tt.want) {
				t.Fatalf("answer %q, want an error with %q", line, tt.want)
			}
		})
	}
}

// A client that hangs up cancels the delivery made for it.
func TestHangUpCancelsDelivery(t *testing.T) {
	dir := testDir(t)
	started, cancelled := make(chan struct{}), make(chan struct{})
	serve(t, dir, func(ctx context.Context, id int64, seen int) (store.Delivery, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return store.Delivery{}, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	if _, err := Deliver(ctx, dir, 1, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver: %v", err)
	}
	select {
	case <-cancelled:
	case <-time.After(30 * time.Second):
		t.Fatal("the owner kept delivering after the client hung up")
	}
}

// Reach finds the owner when one answers, takes the lock when none runs,
// and waits while a command holds it.
func TestReach(t *testing.T) {
	ctx := context.Background()
	t.Run("owner", func(t *testing.T) {
		dir := testDir(t)
		serve(t, dir, nil)
		h, l, err := Reach(ctx, dir, nil)
		if err != nil || l != nil || h == nil || h.Role != RoleDaemon {
			t.Fatalf("Reach = %v, %v, %v", h, l, err)
		}
	})
	t.Run("none", func(t *testing.T) {
		dir := testDir(t)
		h, l, err := Reach(ctx, dir, nil)
		if err != nil || h != nil || l == nil || l.Holder().Role != RoleCLI {
			t.Fatalf("Reach = %v, %v, %v", h, l, err)
		}
		l.Release()
	})
	t.Run("another command", func(t *testing.T) {
		dir := testDir(t)
		first, err := TryLock(dir, RoleCLI)
		if err != nil {
			t.Fatal(err)
		}
		go func() { time.Sleep(5 * pollEvery); first.Release() }()
		h, l, err := Reach(ctx, dir, nil)
		if err != nil || h != nil || l == nil {
			t.Fatalf("Reach = %v, %v, %v", h, l, err)
		}
		l.Release()
	})
	t.Run("silent owner", func(t *testing.T) {
		dir := testDir(t)
		first, err := TryLock(dir, RoleWindow)
		if err != nil {
			t.Fatal(err)
		}
		defer first.Release()
		ctx, cancel := context.WithTimeout(ctx, 5*pollEvery)
		defer cancel()
		if _, _, err := Reach(ctx, dir, nil); err == nil || !strings.Contains(err.Error(), "does not answer") {
			t.Fatalf("Reach: %v", err)
		}
	})
}
