package channels

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// The detail pane's Preview opens the dialog for the selected channel
// (what it shows is tested in ui/pushpreview).
func TestPreviewButtonOpensTheDialog(t *testing.T) {
	f := newFixture(t)
	f.add("webhook", "hook", map[string]string{"url": "http://127.0.0.1:9/hook"})
	f.selectChannel("hook")
	if f.v.detail.pvBtn == nil || f.v.detail.pvBtn.Disabled() {
		t.Fatalf("no enabled Preview button: %+v", f.v.detail.pvBtn)
	}
	test.Tap(f.v.detail.pvBtn)
	f.wait()
	if d := f.v.lastPreview; d == nil || d.Channel() != "hook" {
		t.Fatalf("preview dialog %+v, want one for hook", d)
	}
}
