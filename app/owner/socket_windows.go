package owner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// endpoint is the named pipe for dataDir: \\.\pipe\herald-<hash of the
// folder>. Windows paths are case-insensitive, so the hash is of the
// folder's absolute, resolved, lower-case path: every spelling of one folder
// meets at one pipe. A pipe works on every Windows Herald runs on; AF_UNIX
// needs Windows 10 1803.
func endpoint(dataDir string) string {
	p, err := filepath.Abs(dataDir)
	if err != nil {
		p = dataDir
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	sum := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(p))))
	return `\\.\pipe\herald-` + hex.EncodeToString(sum[:16])
}

// pipeBuffer is each direction's buffer: more than a request (maxRequest)
// or a usual answer takes.
const pipeBuffer = 64 << 10

// listen creates the pipe for this user alone: owned by the user, with a
// DACL that grants the user and no one else. go-winio creates it as the
// first instance, so a pipe another process made under the name first is an
// error, not shared.
func listen(name string) (net.Listener, error) {
	me, err := currentUser()
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", name, err)
	}
	// The owner is set: an elevated process would otherwise make the
	// Administrators group the owner, which dial refuses.
	sddl := "O:" + me.String() + "D:P(A;;GA;;;" + me.String() + ")"
	ln, err := winio.ListenPipe(name, &winio.PipeConfig{
		SecurityDescriptor: sddl,
		// Room for a whole request and answer, as a socket has: neither side
		// then waits for the other to read (a refused over-long request).
		InputBufferSize:  pipeBuffer,
		OutputBufferSize: pipeBuffer,
	})
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", name, err)
	}
	if underWine() {
		takePlaceholder(name)
	}
	return ln, nil
}

// takePlaceholder connects once to go-winio's first pipe instance, which
// only keeps the name: Windows lets no client connect to it, but Wine does,
// and that client would wait for an answer forever. It must run before the
// first Accept, while the placeholder is the only instance.
func takePlaceholder(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	if conn, err := winio.DialPipeContext(ctx, name); err == nil {
		conn.Close()
	}
}

// underWine reports whether Wine runs Herald: its ntdll exports
// wine_get_version, Windows' does not.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

func currentUser() (*windows.SID, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("read the current user: %w", err)
	}
	return u.User.Sid, nil
}

// dial connects to the pipe and makes sure this user's herald made it:
// pipe names are machine-wide, and a pipe another user created under the
// name could otherwise answer in the owner's place.
func dial(ctx context.Context, name string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := winio.DialPipeContext(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := ownedByCurrentUser(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return conn, nil
}

func ownedByCurrentUser(conn net.Conn) error {
	f, ok := conn.(interface{ Fd() uintptr })
	if !ok {
		return fmt.Errorf("a %T has no handle to check its owner", conn)
	}
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the pipe's owner: %w", err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("read the pipe's owner: %w", err)
	}
	me, err := currentUser()
	if err != nil {
		return err
	}
	if !owner.Equals(me) {
		return fmt.Errorf("the pipe belongs to %s, not to this user (%s)", owner, me)
	}
	return nil
}

// removeEndpoint has nothing to do: a pipe goes with its last handle.
func removeEndpoint(string) {}
