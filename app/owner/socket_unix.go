//go:build !windows

package owner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// socketName is the owner's socket in the data folder.
const socketName = "herald.sock"

// maxSocketPath is below the smallest sun_path (104 bytes on macOS).
const maxSocketPath = 100

// endpoint is the socket for dataDir; a path too long for a Unix socket
// moves to the temp folder under a name derived from the data folder.
func endpoint(dataDir string) string {
	p := filepath.Join(dataDir, socketName)
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join(os.TempDir(), "herald-"+hex.EncodeToString(sum[:8])+".sock")
}

// listen replaces a socket file left by a crash (the caller holds the lock)
// and lets only this user connect.
func listen(path string) (net.Listener, error) {
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict %s: %w", path, err)
	}
	return ln, nil
}

func dial(ctx context.Context, path string) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	return d.DialContext(ctx, "unix", path)
}

func removeEndpoint(path string) { _ = os.Remove(path) }
