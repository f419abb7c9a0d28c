//go:build unix

package task

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// pathSeparators mark a program name as a path rather than a name to look up.
const pathSeparators = "/"

// shellCommand runs line with /bin/sh -c.
func shellCommand(line string) *exec.Cmd { return exec.Command("/bin/sh", "-c", line) }

// configureTree makes the command lead a process group of its own, so that
// it and everything it starts can be signalled at once.
func configureTree(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// processTree is a started command and the processes it spawned: its
// process group.
type processTree struct{ pgid int }

func attachTree(cmd *exec.Cmd) (*processTree, error) { return &processTree{pgid: cmd.Process.Pid}, nil }

// interrupt asks the tree to stop (SIGTERM), giving it a chance to clean up.
func (t *processTree) interrupt() { _ = syscall.Kill(-t.pgid, syscall.SIGTERM) }

// kill stops whatever is left of the tree (SIGKILL).
func (t *processTree) kill() { _ = syscall.Kill(-t.pgid, syscall.SIGKILL) }

func (t *processTree) release() {}

// signalText describes a process killed by a signal, or returns "".
func signalText(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
	}
	return ""
}

// programCandidates lists where name may be, in PATH order. Empty and
// relative PATH entries are skipped, as exec.LookPath refuses them.
func programCandidates(name string, env []string) []string {
	var out []string
	for _, dir := range filepath.SplitList(envValue(env, "PATH")) {
		if filepath.IsAbs(dir) {
			out = append(out, filepath.Join(dir, name))
		}
	}
	return out
}

func isExecutable(fi fs.FileInfo) bool {
	return fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

func envKeyEqual(a, b string) bool { return a == b }

// consoleCodePage is UTF-8's code page: Unix programs write UTF-8 (or the
// locale's encoding, which nowadays is UTF-8).
func consoleCodePage() uint32 { return 65001 }
