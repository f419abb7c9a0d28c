package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/testenv"
)

// heraldBin is the binary under test: $HERALD_BIN (built once by `make test`)
// or one built here.
var heraldBin string

func TestMain(m *testing.M) {
	claimChild()
	heraldBin = os.Getenv("HERALD_BIN")
	if heraldBin == "" {
		dir, err := os.MkdirTemp("", "herald-bin")
		if err != nil {
			panic(err)
		}
		heraldBin = filepath.Join(dir, "herald")
		build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", heraldBin, ".")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			panic("build herald: " + err.Error())
		}
		defer os.RemoveAll(dir)
	}
	buildTrayBeside(heraldBin)
	code := m.Run()
	os.Exit(code)
}

// buildTrayBeside builds the slim tray binary (cmd/herald-tray) as
// bin + "-tray", where herald looks for it, unless it is there already
// (`make test` builds both).
func buildTrayBeside(bin string) {
	if _, err := os.Stat(bin + "-tray"); err == nil {
		return
	}
	build := exec.Command("go", "build", "-o", bin+"-tray", "../herald-tray")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build herald-tray: " + err.Error())
	}
}

func herald(t *testing.T, dataDir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(heraldBin, append([]string{"--data-dir", dataDir}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func TestVersion(t *testing.T) {
	out, err := herald(t, t.TempDir(), "--version")
	if err != nil || !strings.HasPrefix(out, "herald ") || !strings.Contains(out, "commit") {
		t.Fatalf("--version: %q, %v", out, err)
	}
}

// The daemon runs a task every second, records its runs, picks up a task
// added by another herald process while it runs, and exits 0 on SIGTERM.
func TestDaemonRunsTasksAndStopsOnSIGTERM(t *testing.T) {
	testenv.NeedKeyring(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "ticks")
	if out, err := herald(t, dir, "task", "add", "tick", "--command", "echo tick >> "+marker, "--cron", "* * * * * *"); err != nil {
		t.Fatalf("task add: %v\n%s", err, out)
	}

	// The local API on a free loopback port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if out, err := herald(t, dir, "api", "port", strconv.Itoa(port)); err != nil {
		t.Fatalf("api port: %v\n%s", err, out)
	}
	tokOut, err := herald(t, dir, "api", "token")
	if err != nil {
		t.Fatalf("api token: %v\n%s", err, tokOut)
	}
	token := strings.TrimSpace(tokOut)

	var logBuf bytes.Buffer
	d := exec.Command(heraldBin, "--data-dir", dir, "daemon")
	d.Stdout, d.Stderr = &logBuf, &logBuf
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Wait() }()
	defer d.Process.Kill()

	waitFor(t, 8*time.Second, "3 ticks", func() bool {
		data, _ := os.ReadFile(marker)
		return strings.Count(string(data), "tick") >= 3
	})
	apiGet := func(auth string) (int, string) {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/api/v1/tasks", port), nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("API request: %v\n%s", err, logBuf.String())
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := apiGet(token); code != 200 || !strings.Contains(body, `"tick"`) {
		t.Fatalf("GET /api/v1/tasks with the token: %d %s", code, body)
	}
	if code, _ := apiGet("wrong"); code != 401 {
		t.Fatalf("GET /api/v1/tasks with a wrong token: %d, want 401", code)
	}

	// A task added by the CLI while the daemon runs is scheduled without a restart.
	marker2 := filepath.Join(dir, "late")
	if out, err := herald(t, dir, "task", "add", "late", "--command", "echo late >> "+marker2, "--every", "1s"); err != nil {
		t.Fatalf("task add while running: %v\n%s", err, out)
	}
	waitFor(t, 10*time.Second, "the late task to run", func() bool {
		data, _ := os.ReadFile(marker2)
		return strings.Contains(string(data), "late")
	})

	if err := d.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("daemon exit: %v\n%s", err, logBuf.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("daemon did not stop on SIGTERM\n%s", logBuf.String())
	}
	if !strings.Contains(logBuf.String(), "herald daemon: stopped") {
		t.Errorf("daemon output:\n%s", logBuf.String())
	}

	out, err := herald(t, dir, "task", "history", "tick", "--json", "--limit", "100")
	if err != nil {
		t.Fatalf("history: %v\n%s", err, out)
	}
	var runs []struct{ Status, Trigger string }
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatalf("history json: %v\n%s", err, out)
	}
	ticks, _ := os.ReadFile(marker)
	if n := strings.Count(string(ticks), "tick"); len(runs) < n || n < 3 {
		t.Fatalf("%d ticks but %d recorded runs", n, len(runs))
	}
	for _, r := range runs {
		if r.Trigger != "auto" || (r.Status != "success" && r.Status != "skipped") {
			t.Fatalf("unexpected run %+v", r)
		}
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
