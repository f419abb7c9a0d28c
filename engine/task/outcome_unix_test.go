//go:build !windows

package task

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
)

// The shapes Outcome reads must be the ones Execute writes: a run of each
// kind of failure reads as its text, not as the stored English.
func TestOutcomeOfExecutedRuns(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()

	tests := []struct {
		name string
		task Task
		key  string
	}{
		{"exit code", commandTask(Command{Line: "exit 3"}, time.Minute), "run.exit_code"},
		{"timeout", commandTask(Command{Line: "sleep 30"}, 50*time.Millisecond), "run.timeout"},
		{"missing program", commandTask(Command{Args: []string{"herald-no-such-program"}}, time.Minute), "run.program_missing"},
		{"missing dir", commandTask(Command{Line: "true", Dir: "/herald/no/such/dir"}, time.Minute), "run.dir_missing"},
		{"http status", httpTask(HTTPCheck{URL: srv.URL}, time.Minute), "i18n.list"},
		{"refused", httpTask(HTTPCheck{URL: closed}, time.Minute), "run.http.request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := Execute(context.Background(), tt.task, TriggerManual, ExecOptions{})
			o := Outcome(run)
			if o.Key != tt.key {
				t.Fatalf("Outcome(%+v) = %v (%q), want key %s", run, o, o.Key, tt.key)
			}
			if zh := o.In(i18n.Chinese); !hasHan(zh) {
				t.Errorf("Chinese outcome %q has no Chinese", zh)
			}
		})
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
