package channels

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/heraldpush/herald/engine/task"
)

// TestPreviewDialog: the channel's Preview shows a task's failure and
// success as the templates make them and the masked request, and sends
// nothing.
func TestPreviewDialog(t *testing.T) {
	data, err := os.ReadFile(partsDir + "preview.en.json")
	if err == nil {
		err = lang.AddTranslations(fyne.NewStaticResource("preview.en.json", data))
	}
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	f := newFixture(t)
	const secret = "s3cretHookKey0123456789"
	f.add("webhook", "hook", map[string]string{"url": srv.URL + "/hook?key=" + secret})
	if _, err := f.env.AddTask(f.ctx, task.Task{Name: "backup", Kind: task.KindCommand, Command: &task.Command{Line: "exit 1"}}); err != nil {
		t.Fatal(err)
	}
	f.selectChannel("hook")
	if f.v.detail.pvBtn == nil || f.v.detail.pvBtn.Disabled() || f.v.detail.pvBtn.Text != "Preview" {
		t.Fatalf("no enabled Preview button: %+v", f.v.detail.pvBtn)
	}
	test.Tap(f.v.detail.pvBtn)
	f.wait()
	f.wait()
	d := f.v.lastPreview
	if d == nil {
		t.Fatal("no preview dialog")
	}
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
	f.wait()
	if d.title.Text == failTitle || !strings.Contains(d.title.Text, "backup") {
		t.Errorf("success title %q, failure title %q", d.title.Text, failTitle)
	}
	if !strings.Contains(d.rules.Text, "successes of automatic runs are not pushed") || strings.Contains(d.rules.Text, "gets the message") {
		t.Errorf("success rules:\n%s", d.rules.Text)
	}
	if hits.Load() != 0 {
		t.Errorf("the service got %d requests", hits.Load())
	}
}
