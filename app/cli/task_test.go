package cli_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/heraldpush/herald/app/cli"
	"github.com/heraldpush/herald/engine/testenv"
)

func TestTaskLifecycle(t *testing.T) {
	h := newHerald(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-0123456789" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write([]byte("status: ready"))
	}))
	defer srv.Close()

	h.must("task", "add", "hello", "--command", "echo hello from $GREETING_NAME", "--env", "GREETING_NAME=canary-env-value-42", "--every", "5m", "--timeout", "30s")
	h.must("task", "add", "health", "--http", srv.URL+"/health", "--header", "Authorization: Bearer tok-0123456789", "--expect-body", "ready", "--daily", "08:00,20:30", "--random-delay", "30s")

	list := h.must("task", "list")
	for _, want := range []string{"hello", "every 5m0s", "health", "daily at 08:00, 20:30 (+ up to 30s random delay)"} {
		if !strings.Contains(list, want) {
			t.Errorf("task list lacks %q:\n%s", want, list)
		}
	}
	show := h.must("task", "show", "hello")
	if !strings.Contains(show, "GREETING_NAME=") || strings.Contains(show, "canary-env-value-42") {
		t.Errorf("show must list env keys with masked values:\n%s", show)
	}
	if !strings.Contains(show, "next:") {
		t.Errorf("show lacks the next runs:\n%s", show)
	}

	out := h.must("task", "run", "hello")
	if !strings.Contains(out, "success (manual)") || !strings.Contains(out, "hello from [REDACTED]") {
		t.Errorf("task run output:\n%s", out)
	}
	out = h.must("task", "run", "health")
	if !strings.Contains(out, "success") || !strings.Contains(out, "HTTP 200") {
		t.Errorf("http task run output:\n%s", out)
	}

	h.must("task", "edit", "hello", "--command", "echo bye; exit 3")
	code, out, _ := h.run("", "task", "run", "hello")
	if code != cli.ExitFailed || !strings.Contains(out, "failure") || !strings.Contains(out, "exit code 3") {
		t.Errorf("failing run: exit %d\n%s", code, out)
	}

	hist := h.must("task", "history", "hello", "--json")
	var runs []struct {
		Status  string `json:"status"`
		Trigger string `json:"trigger"`
		Output  string `json:"output"`
	}
	if err := json.Unmarshal([]byte(hist), &runs); err != nil {
		t.Fatalf("history --json: %v\n%s", err, hist)
	}
	if len(runs) != 2 || runs[0].Status != "failure" || runs[1].Status != "success" || runs[0].Trigger != "manual" {
		t.Fatalf("history = %+v", runs)
	}
	if limited := h.must("task", "history", "hello", "--limit", "1"); strings.Count(limited, "\n") != 2 {
		t.Errorf("--limit 1 printed:\n%s", limited)
	}

	h.must("task", "disable", "hello")
	if list := h.must("task", "list"); !strings.Contains(list, "disabled") {
		t.Errorf("disabled task not shown as disabled:\n%s", list)
	}
	h.must("task", "enable", "hello")
	h.must("task", "edit", "hello", "--output-encoding", "GBK")
	if show := h.must("task", "show", "hello"); !strings.Contains(show, "encoding:  gbk") {
		t.Errorf("show lacks the forced encoding:\n%s", show)
	}
	h.must("task", "edit", "hello", "--output-encoding", "auto")
	if show := h.must("task", "show", "hello"); strings.Contains(show, "encoding:") {
		t.Errorf("auto encoding shown:\n%s", show)
	}
	h.must("task", "edit", "hello", "--rename", "greeting")
	h.must("task", "rm", "greeting")
	if code, _, errs := h.run("", "task", "show", "greeting"); code != cli.ExitBadArgs || !strings.Contains(errs, `no task called "greeting"`) {
		t.Errorf("show after rm: %d %q", code, errs)
	}
	h.assertNoSecrets([]string{"canary-env-value-42", "tok-0123456789"}, show, list)
}

func TestTaskBadInputExitsTwoAndSavesNothing(t *testing.T) {
	h := newHerald(t)
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"task", "add", "x", "--command", "true", "--http", "http://x"}, "--command and --http"},
		{[]string{"task", "add", "x", "--command", "true", "--cron", "61 * * * *"}, "cron:"},
		{[]string{"task", "add", "x", "--command", "true", "--cron", "* *"}, "has 2 fields"},
		{[]string{"task", "add", "x", "--command", "true", "--timeout", "-5s"}, "--timeout \"-5s\": must be positive"},
		{[]string{"task", "add", "x", "--command", "true", "--every", "soon"}, "--every \"soon\""},
		{[]string{"task", "add", "x", "--command", "true", "--daily", "25:00"}, `daily: "25:00" is out of range`},
		{[]string{"task", "add", "x", "--command", "true", "--at", "tomorrow"}, "--at \"tomorrow\""},
		{[]string{"task", "add", "x", "--command", "true", "--every", "5m", "--daily", "08:00"}, "give one of --cron, --every, --daily, --at"},
		{[]string{"task", "add", "x", "--command", "true", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"task", "add", "x"}, "give --command 'CMD' or --http URL"},
		{[]string{"task", "add", "x", "--http", "ftp://x"}, "url: must be an absolute http"},
		{[]string{"task", "add", "x", "--http", "http://x", "--expect-status", "999"}, "expect-status:"},
		{[]string{"task", "add", "x", "--command", "true", "--expect-body", "ok"}, "--expect-body: only for --http tasks"},
		{[]string{"task", "add", "x", "--command", "true", "--overlap", "merge"}, `overlap: must be skip or queue`},
		{[]string{"task", "add", "x", "--command", "true", "--output-encoding", "klingon"}, `output-encoding: "klingon" is not a known encoding`},
		{[]string{"task", "add", "x", "--http", "http://x", "--output-encoding", "gbk"}, "--output-encoding: only for --command tasks"},
		{[]string{"task", "run", "nope"}, `no task called "nope"`},
	}
	for _, tt := range tests {
		code, _, errs := h.run("", tt.args...)
		if code != cli.ExitBadArgs || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("herald %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), code, errs, tt.wantErr)
		}
	}
	if list := h.must("task", "list"); strings.Count(list, "\n") != 1 {
		t.Fatalf("bad input saved a task:\n%s", list)
	}
	h.must("task", "add", "dup", "--command", "true")
	if code, _, errs := h.run("", "task", "add", "DUP", "--command", "true"); code != cli.ExitBadArgs || !strings.Contains(errs, `a task called "DUP" already exists`) {
		t.Errorf("duplicate name: %d %q", code, errs)
	}
}

// A task without env values or headers needs no keyring: on a machine
// without one it can be added, run and listed.
func TestTaskWithoutSecretsNeedsNoKeyring(t *testing.T) {
	if dir := os.Getenv("HERALD_TEST_NOKEYRING_DIR"); dir != "" {
		h := &herald{t: t, dir: dir}
		h.must("task", "add", "plain", "--command", "echo plain-output", "--every", "1h")
		out := h.must("task", "run", "plain")
		os.Stdout.WriteString("RUN:" + out)
		return
	}
	out := testenv.RunSelf(t, "TestTaskWithoutSecretsNeedsNoKeyring", map[string]string{
		"HERALD_TEST_NOKEYRING_DIR": t.TempDir(),
		"DBUS_SESSION_BUS_ADDRESS":  "unix:path=/nonexistent/herald-test-bus",
	})
	if !strings.Contains(out, "RUN:run 1 of plain: success") || !strings.Contains(out, "plain-output") {
		t.Fatalf("without a keyring:\n%s", out)
	}
}
