package task

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/windows"
)

// pathSeparators mark a program name as a path rather than a name to look up.
const pathSeparators = `/\:`

// shellCommand runs line with cmd /C. The command line is passed verbatim:
// exec's argument quoting would mangle cmd's own quoting rules. /d skips
// AutoRun commands; /s with the outer quotes keeps line's own quotes intact.
func shellCommand(line string) *exec.Cmd {
	comspec := os.Getenv("ComSpec")
	if comspec == "" {
		root := os.Getenv("SystemRoot")
		if root == "" {
			root = `C:\Windows`
		}
		comspec = filepath.Join(root, "System32", "cmd.exe")
	}
	cmd := &exec.Cmd{Path: comspec, Args: []string{comspec, "/d", "/s", "/c", line}}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CmdLine: syscall.EscapeArg(comspec) + ` /d /s /c "` + line + `"`,
	}
	return cmd
}

// configureTree keeps console programs from opening a console window (Herald
// is a GUI program without one).
func configureTree(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NO_WINDOW
}

// processTree is a started command and the processes it spawned, held in a
// job object. Processes the command starts join the job with it. (A child
// started in the instant between process start and assignment escapes it;
// Go offers no way to start a process suspended and resume it.)
type processTree struct {
	job  windows.Handle // 0 when no job could be made: fall back to taskkill
	proc *os.Process
}

func attachTree(cmd *exec.Cmd) *processTree {
	t := &processTree{proc: cmd.Process}
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return t
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
	if err == nil {
		err = windows.AssignProcessToJobObject(job, h)
		windows.CloseHandle(h)
	}
	if err != nil {
		windows.CloseHandle(job)
		return t
	}
	t.job = job
	return t
}

// interrupt stops the tree: Windows has no polite signal for console
// programs that works across a tree.
func (t *processTree) interrupt() { t.kill() }

// kill terminates every process in the tree.
func (t *processTree) kill() {
	if t.job != 0 {
		if windows.TerminateJobObject(t.job, 1) == nil {
			return
		}
	}
	// taskkill walks the parent links from the command's pid.
	tk := exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(t.proc.Pid))
	tk.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NO_WINDOW}
	_ = tk.Run()
	_ = t.proc.Kill()
}

// release closes the job handle. The job is not kill-on-close, so processes
// that detached their output keep running, as on Unix.
func (t *processTree) release() {
	if t.job != 0 {
		windows.CloseHandle(t.job)
		t.job = 0
	}
}

// signalText returns "": Windows processes end with an exit code.
func signalText(*os.ProcessState) string { return "" }

// programCandidates lists where name may be, in PATH order, trying the
// PATHEXT extensions when name has none of its own.
func programCandidates(name string, env []string) []string {
	exts := strings.Split(strings.ToLower(envValue(env, "PATHEXT")), ";")
	if envValue(env, "PATHEXT") == "" {
		exts = []string{".com", ".exe", ".bat", ".cmd"}
	}
	var out []string
	for _, dir := range filepath.SplitList(envValue(env, "PATH")) {
		if !filepath.IsAbs(dir) {
			continue
		}
		if filepath.Ext(name) != "" {
			out = append(out, filepath.Join(dir, name))
		}
		for _, ext := range exts {
			if ext != "" {
				out = append(out, filepath.Join(dir, name+ext))
			}
		}
	}
	return out
}

func isExecutable(fi fs.FileInfo) bool { return !fi.IsDir() }

func envKeyEqual(a, b string) bool { return strings.EqualFold(a, b) }

var procGetOEMCP = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetOEMCP")

// consoleCodePage is the code page console programs write in: a child of
// Herald gets a console of its own, whose code page is the OEM one
// (cmd's echo writes it even into a pipe).
func consoleCodePage() uint32 {
	cp, _, _ := procGetOEMCP.Call()
	return uint32(cp)
}
