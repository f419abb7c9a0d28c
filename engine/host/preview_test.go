package host_test

import (
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/task"
)

// TestPreviewTaskMessage: the message of a task's failure and success as
// the templates make it, and the channel's request for it, with the
// channel's secret masked and nothing sent.
func TestPreviewTaskMessage(t *testing.T) {
	env := open(t)
	const secret = "tok3nS3cretValue42xyz"
	c := addWebhook(t, env, "hook", "http://127.0.0.1:1/hook?key="+secret)
	if _, err := env.AddTask(t.Context(), task.Task{Name: "backup", Kind: task.KindCommand, Command: &task.Command{Line: "exit 1"}}); err != nil {
		t.Fatal(err)
	}
	names, err := env.PreviewTaskNames(t.Context())
	if err != nil || len(names) != 1 || names[0] != "backup" {
		t.Fatalf("task names %v, %v", names, err)
	}
	for _, st := range []task.Status{task.StatusFailure, task.StatusSuccess} {
		m, res, err := env.PreviewTaskMessage(t.Context(), c, "backup", st)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Title, "backup") || len(res.Requests) != 1 {
			t.Fatalf("%s: message %+v, %d requests", st, m, len(res.Requests))
		}
		p, to, err := env.PreviewTaskPush(t.Context(), "backup", st)
		if err != nil {
			t.Fatal(err)
		}
		// Defaults: failures go to every channel, successes are not pushed.
		if wantTo := st.Failed(); (len(to) == 1 && to[0].ID == c.ID) != wantTo || (p.Message.Title == m.Title) != wantTo {
			t.Errorf("%s: push to %v with %+v; message for the channel %+v", st, to, p.Message, m)
		}
		req := res.Requests[0]
		if !strings.HasPrefix(req, "POST /hook?key=[REDACTED] HTTP/1.1\r\n") || strings.Contains(req, secret) {
			t.Errorf("%s: request %q", st, req)
		}
	}
}
