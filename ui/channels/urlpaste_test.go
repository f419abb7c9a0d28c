package channels

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// pasteEntry finds the Add pane's URL entry.
func (f *fixture) pasteEntry() *widget.Entry {
	f.t.Helper()
	var entry *widget.Entry
	walk(f.v.form.object, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && strings.Contains(e.PlaceHolder, "shoutrrr") {
			entry = e
		}
	})
	if entry == nil {
		f.t.Fatal("the Add pane has no URL entry")
	}
	return entry
}

// pasteMessage is the text the URL row shows under its entry.
func (f *fixture) pasteMessage() string {
	msg := ""
	walk(f.v.form.object, func(o fyne.CanvasObject) {
		l, ok := o.(*widget.Label)
		if ok && l.Visible() && l.Text != "" && (l.Importance == widget.DangerImportance || l.Importance == widget.SuccessImportance) && msg == "" {
			msg = l.Text
		}
	})
	return msg
}

func (f *fixture) pasteURL(u string) (msg string) {
	f.t.Helper()
	entry := f.pasteEntry()
	test.Type(entry, u)
	entry.OnSubmitted(entry.Text)
	entry.SetText("")
	return f.pasteMessage()
}

// A pasted URL picks the kind and fills its fields, keeping the name; the
// form then saves the channel as "channel add" would.
func TestPasteURLFillsTheForm(t *testing.T) {
	fx := newFixture(t)
	f := fx.openAdd("dingtalk")
	test.Type(f.name, "alerts")

	msg := fx.pasteURL("ntfys://user:s3cretpass@ntfy.example.com/alerts?priority=high")
	f = fx.v.form.form
	if f.kind.ID != "ntfy" || !strings.Contains(msg, "ntfy") {
		t.Fatalf("kind %s, message %q", f.kind.ID, msg)
	}
	want := map[string]string{"server": "https://ntfy.example.com", "topic": "alerts", "username": "user", "password": "s3cretpass", "priority": "high"}
	for k, v := range want {
		if got := f.byKey[k].value(); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if f.name.Text != "alerts" {
		t.Errorf("name %q, want the one typed", f.name.Text)
	}

	// Another URL of the same kind resets what it does not set.
	fx.pasteURL("ntfy://n.example.com/other")
	if v := fx.v.form.form.byKey["password"].value(); v != "" {
		t.Errorf("password %q kept from the last URL", v)
	}
	fx.pasteURL("ntfys://user:s3cretpass@ntfy.example.com/alerts?priority=high")

	test.Tap(fx.v.form.save)
	fx.wait()
	c, err := fx.env.Registry.Get(context.Background(), "alerts")
	if err != nil {
		t.Fatalf("not saved: %v (status %q)", err, fx.v.form.status.Text)
	}
	got, _ := fx.env.Registry.Settings(context.Background(), c)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("saved %s = %q, want %q", k, got[k], v)
		}
	}
}

// A bad URL leaves the form alone and says which part is wrong, in the
// window's words, without its secret parts.
func TestPasteURLShowsTheProblem(t *testing.T) {
	fx := newFixture(t)
	f := fx.openAdd("telegram")
	for u, want := range map[string]string{
		"tgram://123456789:SECRETSECRETSECRETSECRETSECRET12/": "the path segment {chat_id} is missing",
		"zulip://bot:KEYSECRET@example.zulipchat.com":         "Herald does not support Zulip",
		"not a url": "scheme://",
	} {
		msg := fx.pasteURL(u)
		if !strings.Contains(msg, want) || strings.Contains(msg, "SECRET") {
			t.Errorf("%s: message %q, want %q and no secret", u, msg, want)
		}
		if fx.v.form.form != f {
			t.Errorf("%s: the form changed", u)
		}
	}
}
