package channels

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
)

// beside reports whether in's label sits beside its input (else above it).
func beside(in *fieldInput) bool {
	return in.label.Position().Y == in.box.Position().Y && in.label.Position().X < in.box.Position().X
}

// Labels go beside the inputs in a wide window and above them in a narrow
// one, where the inputs keep the pane's whole width.
func TestFormLabelsBesideOrAboveByWidth(t *testing.T) {
	fx := newFixture(t)
	f := fx.openAdd("email")
	for _, tt := range []struct {
		size   fyne.Size
		beside bool
	}{
		{fyne.NewSize(1280, 800), true},
		{fyne.NewSize(800, 600), false},
		{fyne.NewSize(1280, 800), true},
	} {
		fx.win.Resize(tt.size)
		in := f.byKey["host"]
		if got := beside(in); got != tt.beside {
			t.Errorf("%v: label beside = %t (label at %v, input at %v), want %t", tt.size, got, in.label.Position(), in.box.Position(), tt.beside)
		}
		if !tt.beside && in.box.Size().Width < in.label.Size().Width {
			t.Errorf("%v: input %v narrower than its label above", tt.size, in.box.Size())
		}
		if tt.beside && in.label.Size().Width != labelWidth {
			t.Errorf("%v: label column %v wide, want %v", tt.size, in.label.Size().Width, labelWidth)
		}
	}
	// A port needs a few digits, not the whole column.
	if w := f.byKey["port"].entry.Size().Width; w != numberWidth {
		t.Errorf("port entry is %v wide, want %v", w, numberWidth)
	}
}

// Rarely changed fields sit under a collapsed "Advanced" part; required
// fields and email's SMTP host never do.
func TestAdvancedFieldsCollapsed(t *testing.T) {
	fx := newFixture(t)
	for kind, want := range map[string][]string{
		"webhook":  {"method", "content_type", "proxy"},
		"dingtalk": {"pic_url", "api", "proxy"},
		"email":    {"ca_file"},
		"telegram": {"host", "proxy", "pic_url", "thread_id"},
	} {
		f := fx.openAdd(kind)
		if f.advRows == nil || f.advRows.Visible() {
			t.Errorf("%s: advanced part missing or open by default", kind)
			continue
		}
		var got []string
		for _, in := range f.inputs {
			if in.advanced {
				got = append(got, in.f.Key)
				if in.f.Required {
					t.Errorf("%s: required %s is under Advanced", kind, in.f.Key)
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: advanced = %v, want %v", kind, got, want)
		}
		test.Tap(f.advToggle)
		if !f.advRows.Visible() {
			t.Errorf("%s: tapping Advanced did not open it", kind)
		}
	}
}

// Save marks every invalid field at once, counts them by the buttons and
// scrolls the first into view; fixing a field clears its mark and the count.
func TestSaveSummaryCountsAndClears(t *testing.T) {
	fx := newFixture(t)
	fx.win.Resize(fyne.NewSize(800, 600))
	f := fx.openAdd("email")
	p := fx.v.form
	// Valid fields first, so the marked ones are further down.
	f.name.SetText("mail")
	f.byKey["host"].entry.SetText("smtp.example.com")
	f.byKey["port"].entry.SetText("not a port")
	f.byKey["to"].entry.SetText("not an address")
	p.scroll.ScrollToTop()
	test.Tap(p.save)
	fx.wait()

	marked := f.marked()
	if marked < 2 {
		t.Fatalf("marked %d fields, want the port, the recipient and the other required ones", marked)
	}
	want := "Nothing saved: fix the " + strconv.Itoa(marked) + " fields marked in red."
	if !p.status.Visible() || p.status.Text != want {
		t.Errorf("status = %q (shown %t), want %q", p.status.Text, p.status.Visible(), want)
	}
	if errorOf(f, "port") == "" || errorOf(f, "to") == "" {
		t.Errorf("port error %q, to error %q: want both marked at once", errorOf(f, "port"), errorOf(f, "to"))
	}
	first := f.firstMarked()
	d := fyne.CurrentApp().Driver()
	y := d.AbsolutePositionForObject(first).Y - d.AbsolutePositionForObject(p.scroll).Y
	if y < 0 || y > p.scroll.Size().Height {
		t.Errorf("first marked field is at %v, outside the visible %v (offset %v)", y, p.scroll.Size().Height, p.scroll.Offset.Y)
	}

	f.byKey["port"].entry.SetText("587")
	if got := errorOf(f, "port"); got != "" {
		t.Errorf("a valid port still shows %q", got)
	}
	if f.marked() != marked-1 {
		t.Errorf("marked %d after fixing the port, want %d", f.marked(), marked-1)
	}
	// Still invalid: the mark stays, with the current complaint.
	f.byKey["to"].entry.SetText("still bad")
	if errorOf(f, "to") == "" {
		t.Error("an invalid recipient lost its mark while edited")
	}
	for _, in := range f.inputs {
		if in.hasError() && in != f.byKey["to"] {
			in.setValue(validValue(in.f.Key))
			if in.hasError() {
				t.Fatalf("%s still marked after %q", in.f.Key, in.value())
			}
		}
	}
	if want := "Nothing saved: fix the 1 field marked in red."; p.status.Text != want {
		t.Errorf("status = %q, want %q", p.status.Text, want)
	}
	f.byKey["to"].entry.SetText("ops@example.com")
	if p.status.Visible() {
		t.Errorf("status %q still shown with nothing marked", p.status.Text)
	}
}

// validValue is a value the email form takes for key.
func validValue(key string) string {
	switch key {
	case "from", "to", "username":
		return "ops@example.com"
	case "password":
		return "app-password-123"
	}
	return "x"
}

// Test in the form sends the values as they are, and stores nothing.
func TestTestBeforeSaveStoresNothing(t *testing.T) {
	fx := newFixture(t)
	srv := webhooktest.NewServer(t)
	f := fx.openAdd("webhook")
	p := fx.v.form

	test.Tap(p.testBtn)
	fx.wait()
	if errorOf(f, "url") != "required" || p.status.Text != "Nothing sent: fix the 1 field marked in red." {
		t.Errorf("empty form: url error %q, status %q", errorOf(f, "url"), p.status.Text)
	}
	if len(srv.Received()) != 0 {
		t.Fatal("an invalid form sent a request")
	}

	f.name.SetText("hook")
	f.byKey["url"].entry.SetText(srv.URL + "/hook")
	test.Tap(p.testBtn)
	fx.wait()
	got := srv.Accepted()
	if len(got) != 1 {
		t.Fatalf("the service got %d requests, want 1; status %q", len(got), p.status.Text)
	}
	if got[0].Method != http.MethodPost || got[0].Title != "Herald test push" || !strings.Contains(got[0].Text, `"hook"`) {
		t.Errorf("sent %s title %q text %q", got[0].Method, got[0].Title, got[0].Text)
	}
	if p.status.Importance != widget.SuccessImportance || !strings.Contains(p.status.Text, "accepted") {
		t.Errorf("status = %q (importance %v)", p.status.Text, p.status.Importance)
	}
	if cs, err := fx.env.Registry.List(context.Background()); err != nil || len(cs) != 0 {
		t.Errorf("channels after a test: %v (%v), want none", cs, err)
	}
	if fx.v.form != p {
		t.Error("the form closed after a test")
	}
}

// The QD box shows only for kinds QD knows.
func TestQDBoxOnlyForQDKinds(t *testing.T) {
	fx := newFixture(t)
	for kind, want := range map[string]bool{"telegram": true, "webhook": true, "gotify": false, "ntfy": false, "feishu": false} {
		f := fx.openAdd(kind)
		if got := f.qd != nil; got != want {
			t.Errorf("%s: QD box shown = %t, want %t", kind, got, want)
		}
	}
}

// One documentation link per form, not one under each field.
func TestOneDocsLinkPerForm(t *testing.T) {
	fx := newFixture(t)
	f := fx.openAdd("dingtalk")
	n := 0
	walk(f.content, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Hyperlink); ok && l.Text == "Service documentation" {
			n++
		}
	})
	if n != 1 {
		t.Errorf("%d documentation links, want 1", n)
	}
}

// In the detail, Test stands out and Delete does not.
func TestDetailTestProminentDeleteNot(t *testing.T) {
	fx := newFixture(t)
	d := newDetailPane(fx.v)
	if d.testBtn.Importance != widget.HighImportance || d.deleteBtn.Importance != widget.LowImportance {
		t.Errorf("test importance %v, delete %v", d.testBtn.Importance, d.deleteBtn.Importance)
	}
}

// The mouse wheel over an input scrolls the form, which is taller than
// the window (the driver hands the event to the input's scroller
// otherwise).
func TestWheelOverAnInputScrollsTheForm(t *testing.T) {
	fx := newFixture(t)
	fx.win.Resize(fyne.NewSize(800, 600))
	f := fx.openAdd("email")
	p := fx.v.form
	in := f.byKey["username"].entry
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(in).AddXY(in.Size().Width/2, in.Size().Height/2)
	test.Scroll(fx.win.Canvas(), pos, 0, -40)
	if p.scroll.Offset.Y != 40 {
		t.Errorf("form offset = %v after wheeling down 40 over an entry, want 40", p.scroll.Offset.Y)
	}
}
