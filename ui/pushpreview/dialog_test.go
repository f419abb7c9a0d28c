package pushpreview

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/engine/testenv"
)

// rig is a real data folder with two webhook channels (hook, other: both
// behind a service that counts requests) and a failing task.
type rig struct {
	env  *host.Env
	win  fyne.Window
	hits *atomic.Int32
}

const secret = "s3cretHookKey0123456789"

func newRig(t *testing.T) *rig {
	t.Helper()
	testenv.NeedKeyring(t)
	test.NewTempApp(t)
	data, err := os.ReadFile("../../assets/translations/preview.en.json")
	if err == nil {
		err = lang.AddTranslations(fyne.NewStaticResource("preview.en.json", data))
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env, err := host.Open(ctx, t.TempDir(), host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	for _, name := range []string{"hook", "other"} {
		if _, err := env.Registry.Add(ctx, "webhook", name, map[string]string{"url": srv.URL + "/" + name + "?key=" + secret}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = env.Registry.Remove(context.Background(), name) })
	}
	if _, err := env.AddTask(ctx, task.Task{Name: "backup", Kind: task.KindCommand, Command: &task.Command{Line: "exit 1"}}); err != nil {
		t.Fatal(err)
	}
	win := test.NewWindow(nil)
	win.Resize(fyne.NewSize(1000, 760))
	t.Cleanup(win.Close)
	return &rig{env: env, win: win, hits: &hits}
}

// now runs the work and shows its result at once, on the test's goroutine.
func now(work func(context.Context) func()) {
	if apply := work(context.Background()); apply != nil {
		apply()
	}
}

// For one channel: a task's failure and success as the templates make
// them, the push rules' verdict, the masked request; nothing is sent.
func TestPreviewForChannel(t *testing.T) {
	r := newRig(t)
	list, err := r.env.ListChannels(context.Background())
	if err != nil || len(list) != 2 {
		t.Fatalf("channels %v, %v", list, err)
	}
	d := ForChannel(r.env, now, r.win, list[0])
	if d.task.Selected != "backup" || !strings.Contains(d.title.Text, "backup") {
		t.Fatalf("task %q, title %q", d.task.Selected, d.title.Text)
	}
	failTitle := d.title.Text
	for _, want := range []string{"If an automatic run of backup failed now:", "failures of automatic runs are pushed", "→ hook gets the message below."} {
		if !strings.Contains(d.rules.Text, want) {
			t.Errorf("rules lack %q:\n%s", want, d.rules.Text)
		}
	}
	if !strings.Contains(d.wire.Text, "POST /hook?key=[REDACTED] HTTP/1.1") || strings.Contains(d.wire.Text+d.notes.Text, secret) {
		t.Errorf("requests shown:\n%s", d.wire.Text)
	}
	if !strings.Contains(d.notes.Text, "Nothing was sent") {
		t.Errorf("notes: %q", d.notes.Text)
	}
	d.status.SetSelected("Success")
	if d.title.Text == failTitle || !strings.Contains(d.title.Text, "backup") {
		t.Errorf("success title %q, failure title %q", d.title.Text, failTitle)
	}
	if !strings.Contains(d.rules.Text, "successes of automatic runs are not pushed") || strings.Contains(d.rules.Text, "gets the message") {
		t.Errorf("success rules:\n%s", d.rules.Text)
	}
	if r.hits.Load() != 0 {
		t.Errorf("the service got %d requests", r.hits.Load())
	}
}

// With a choice (Push settings): the first channel is chosen, and choosing
// another shows its own requests; a channel the rules leave out is said so.
func TestPreviewWithChoice(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	s, err := r.env.PushSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := r.env.ListChannels(ctx)
	s.AllChannels, s.Channels = false, []string{list[0].ID}
	if err := r.env.SavePushSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	d := WithChoice(r.env, now, r.win)
	if d.channel.Selected != "hook" || !strings.Contains(d.wire.Text, "POST /hook?") || !strings.Contains(d.rules.Text, "→ hook gets the message below.") {
		t.Fatalf("channel %q, rules:\n%s\nrequests:\n%s", d.channel.Selected, d.rules.Text, d.wire.Text)
	}
	d.channel.SetSelected("other")
	if d.Channel() != "other" || !strings.Contains(d.wire.Text, "POST /other?key=[REDACTED]") ||
		!strings.Contains(d.rules.Text, "→ other is not among the channels it goes to") {
		t.Errorf("after choosing other, rules:\n%s\nrequests:\n%s", d.rules.Text, d.wire.Text)
	}
	if r.hits.Load() != 0 {
		t.Errorf("the service got %d requests", r.hits.Load())
	}
}
