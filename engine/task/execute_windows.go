package task

import (
	"fmt"
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

// configureTree starts the command suspended, so that attachTree can put it
// in a job before it can start anything, and leading a process group of its
// own, which can be sent CTRL_BREAK. When Herald has no console (the GUI) the
// command gets one of its own without a window.
func configureTree(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	flags := uint32(windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED)
	if !ownConsole() {
		flags |= windows.CREATE_NO_WINDOW
	}
	cmd.SysProcAttr.CreationFlags |= flags
}

// processTree is a started command and the processes it spawned, held in a
// job object: processes the command starts join the job with it.
type processTree struct {
	job  windows.Handle // 0 when no job could be made: fall back to taskkill
	proc *os.Process
}

// attachTree puts the suspended command in a new job and lets it run. It
// fails only when the command cannot be resumed; the command is then killed.
func attachTree(cmd *exec.Cmd) (*processTree, error) {
	t := &processTree{proc: cmd.Process}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE|processSuspendResume,
		false, uint32(cmd.Process.Pid))
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("cannot start the command: open process: %w", err)
	}
	defer windows.CloseHandle(h)
	t.job = newJob(h)
	if err := resumeProcess(h); err != nil {
		_ = cmd.Process.Kill()
		t.release()
		return nil, fmt.Errorf("cannot start the command: resume: %w", err)
	}
	return t, nil
}

// newJob returns a job holding process h, or 0. The job is not
// kill-on-close: processes that detached their output keep running once
// the run is over, as on Unix (a task may open an application).
func newJob(h windows.Handle) windows.Handle {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0
	}
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		windows.CloseHandle(job)
		return 0
	}
	return job
}

// processSuspendResume is PROCESS_SUSPEND_RESUME, which x/sys/windows lacks.
const processSuspendResume = 0x0800

var procNtResumeProcess = windows.NewLazySystemDLL("ntdll.dll").NewProc("NtResumeProcess")

// resumeProcess resumes a process created suspended.
func resumeProcess(h windows.Handle) error {
	if err := procNtResumeProcess.Find(); err != nil {
		return err
	}
	if st, _, _ := procNtResumeProcess.Call(uintptr(h)); st != 0 {
		return windows.NTStatus(st)
	}
	return nil
}

// interrupt asks the tree to stop: CTRL_BREAK to the command's console
// process group, WM_CLOSE to the windows of the job's processes.
func (t *processTree) interrupt() {
	_ = sendCtrlBreak(uint32(t.proc.Pid))
	if t.job != 0 {
		closeWindows(jobProcessIDs(t.job))
	}
}

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

// release closes the job handle; the job does not kill on close.
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
