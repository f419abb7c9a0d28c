// Package single keeps one Herald window per data folder: the first start
// listens on a Unix socket in the data folder; a second start connects,
// asks the first to show its window, and exits.
package single

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// socketName is the socket file in the data folder.
const socketName = "herald.sock"

// maxSocketPath is below the smallest sun_path (104 bytes on macOS).
const maxSocketPath = 100

// Instance is the running first instance.
type Instance struct {
	ln     net.Listener
	path   string
	mu     sync.Mutex
	onShow func()
	done   chan struct{}
}

// ErrRunning means another instance answered and was asked to show itself.
var ErrRunning = errors.New("herald is already running; asked it to show its window")

// socketPath is the socket for dataDir; a path too long for a Unix socket
// moves to the temp folder under a name derived from the data folder.
func socketPath(dataDir string) string {
	p := filepath.Join(dataDir, socketName)
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join(os.TempDir(), "herald-"+hex.EncodeToString(sum[:8])+".sock")
}

// Acquire makes this process the instance for dataDir, or, when another
// one answers, asks it to show its window and returns ErrRunning.
func Acquire(dataDir string) (*Instance, error) {
	p := socketPath(dataDir)
	if conn, err := net.DialTimeout("unix", p, time.Second); err == nil {
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := fmt.Fprintln(conn, "show"); err != nil {
			return nil, fmt.Errorf("ask the running Herald to show itself: %w", err)
		}
		reply, _ := bufio.NewReader(conn).ReadString('\n')
		if strings.TrimSpace(reply) == "ok" {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("another Herald holds %s but did not answer", p)
	}
	// Nobody answers: a socket file left by a crash is stale.
	_ = os.Remove(p)
	ln, err := net.Listen("unix", p)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", p, err)
	}
	_ = os.Chmod(p, 0o600)
	in := &Instance{ln: ln, path: p, done: make(chan struct{})}
	go in.serve()
	return in, nil
}

// OnShow sets what a second start triggers (show and raise the window).
func (in *Instance) OnShow(fn func()) {
	in.mu.Lock()
	in.onShow = fn
	in.mu.Unlock()
}

func (in *Instance) serve() {
	defer close(in.done)
	for {
		conn, err := in.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			if strings.TrimSpace(line) != "show" {
				return
			}
			in.mu.Lock()
			fn := in.onShow
			in.mu.Unlock()
			if fn != nil {
				fn()
			}
			fmt.Fprintln(conn, "ok")
		}()
	}
}

// Close stops listening and removes the socket.
func (in *Instance) Close() error {
	err := in.ln.Close()
	<-in.done
	_ = os.Remove(in.path)
	return err
}
