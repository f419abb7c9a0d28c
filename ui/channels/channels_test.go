package channels

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel/dingtalk"
	"github.com/heraldpush/herald/engine/channel/dingtalk/dingtalktest"
	"github.com/heraldpush/herald/engine/channel/telegram"
	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/secret"
)

// errorOf is the error drawn under a field, "" when none is shown.
func errorOf(f *channelForm, key string) string {
	in := f.byKey[key]
	if in == nil || !in.err.Visible() {
		return ""
	}
	return in.err.Text
}

// Submitting an empty DingTalk form shows the engine's "required" next to
// the name and the token; a bad secret gets DingTalk's fix next to it; a
// valid form saves the channel with its secrets in the keyring only.
func TestAddValidatesNextToFieldsAndKeepsSecretsOutOfSQLite(t *testing.T) {
	fx := newFixture(t)
	srv := dingtalktest.NewServer(t)
	f := fx.openAdd("dingtalk")

	test.Tap(fx.v.form.save)
	fx.wait()
	if got := errorOf(f, "token"); got != "required" {
		t.Errorf("token error = %q, want required", got)
	}
	if !f.nameErr.Visible() || f.nameErr.Text != "required" {
		t.Errorf("name error = %q (shown %t), want required", f.nameErr.Text, f.nameErr.Visible())
	}
	for _, key := range []string{"secret", "pic_url", "at_mobiles", "at_all", "api"} {
		if got := errorOf(f, key); got != "" {
			t.Errorf("%s shows error %q on an empty form", key, got)
		}
	}
	if len(fx.rowNames()) != 0 {
		t.Fatalf("an invalid form saved a channel: %v", fx.rowNames())
	}

	test.Type(f.name, "Ops group")
	test.Type(f.byKey["token"].entry, dingtalktest.Token)
	test.Type(f.byKey["secret"].entry, "not-a-signing-secret")
	test.Type(f.byKey["api"].entry, srv.URL)
	test.Tap(fx.v.form.save)
	fx.wait()
	if got := errorOf(f, "secret"); !strings.Contains(got, "must start with SEC") {
		t.Errorf("secret error = %q, want DingTalk's \"must start with SEC\"", got)
	}
	if got := errorOf(f, "token"); got != "" {
		t.Errorf("a valid token still shows %q", got)
	}
	if f.nameErr.Visible() {
		t.Errorf("a valid name still shows %q", f.nameErr.Text)
	}
	if fx.v.form == nil {
		t.Fatal("the form closed although the secret is invalid")
	}

	f.byKey["secret"].entry.SetText(dingtalktest.Secret)
	test.Tap(fx.v.form.save)
	fx.wait()
	if fx.v.form != nil {
		t.Fatalf("the form stayed open; errors: secret %q, form %q", errorOf(f, "secret"), fx.v.form.status.Text)
	}
	if names := fx.rowNames(); len(names) != 1 || names[0] != "Ops group" {
		t.Fatalf("list = %v, want [Ops group]", names)
	}
	if got := fx.rowStatus("Ops group"); !strings.Contains(got, "DingTalk robot") || !strings.Contains(got, "never tested") {
		t.Errorf("row says %q", got)
	}
	c := fx.v.items[0]
	if fx.v.selected != c.ID || fx.v.detail.name.Text != "Ops group" {
		t.Errorf("the new channel is not shown (selected %q, detail %q)", fx.v.selected, fx.v.detail.name.Text)
	}
	for key, want := range map[string]string{"token": dingtalktest.Token, "secret": dingtalktest.Secret} {
		if got, err := (secret.Keyring{}).Get(c.ID, key); err != nil || got != want {
			t.Errorf("keyring %s = %q, %v; want the typed value", key, got, err)
		}
	}

	// SQLite must hold the channel but none of its secrets: read every file
	// of the database (WAL included) as bytes.
	var db []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(filepath.Join(fx.env.DataDir, "herald.db"+suffix))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		db = append(db, data...)
	}
	if !bytes.Contains(db, []byte("Ops group")) || !bytes.Contains(db, []byte(srv.URL)) {
		t.Fatal("the database files do not hold the channel: wrong files read")
	}
	for _, s := range []string{dingtalktest.Token, dingtalktest.Secret} {
		if bytes.Contains(db, []byte(s)) {
			t.Errorf("the database files contain a secret (%.8s…)", s)
		}
	}
}

// A QD string fills the QD fields; a bad one says what is wrong.
func TestQDImportFillsTheForm(t *testing.T) {
	fx := newFixture(t)
	f := fx.openAdd("telegram")
	if f.qd == nil {
		t.Fatal("no QD box for telegram")
	}
	const token = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
	f.byKey["thread_id"].entry.SetText("42") // not a QD field: left alone
	test.Type(f.qd, token+";-1001234567890;tg.example.com")
	test.Tap(f.qdFill)
	for key, want := range map[string]string{"token": token, "chat_id": "-1001234567890", "host": "tg.example.com", "proxy": "", "thread_id": "42"} {
		if got := f.byKey[key].entry.Text; got != want {
			t.Errorf("%s entry = %q, want %q", key, got, want)
		}
	}
	if !f.qdMsg.Visible() || !strings.Contains(f.qdMsg.Text, "Bot token") || f.qdMsg.Importance != widget.SuccessImportance {
		t.Errorf("QD message = %q (importance %v)", f.qdMsg.Text, f.qdMsg.Importance)
	}
	if !f.byKey["token"].entry.Password {
		t.Error("the token is not in a password entry")
	}

	// An empty position goes back to the default (placeholder shown).
	f.qd.SetText(token + ";-1001234567890;;")
	test.Tap(f.qdFill)
	if in := f.byKey["host"].entry; in.Text != "" || in.PlaceHolder != telegram.DefaultHost {
		t.Errorf("host = %q placeholder %q, want empty with the default as placeholder", in.Text, in.PlaceHolder)
	}

	f.qd.SetText("a;b;c;d;e;f;g")
	test.Tap(f.qdFill)
	if !f.qdMsg.Visible() || !strings.Contains(f.qdMsg.Text, "has 7 values") || f.qdMsg.Importance != widget.DangerImportance {
		t.Errorf("bad QD string message = %q (importance %v)", f.qdMsg.Text, f.qdMsg.Importance)
	}
	f.qd.SetText(";-100123")
	test.Tap(f.qdFill)
	if !strings.Contains(f.qdMsg.Text, "token") || !strings.Contains(f.qdMsg.Text, "missing") {
		t.Errorf("QD string without the token: message %q", f.qdMsg.Text)
	}
}

// gate holds requests to target until it is opened, so the test sees the
// tab while the push is on its way.
func gate(t *testing.T, target string) (proxyURL string, open func()) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		proxy.ServeHTTP(w, r)
	}))
	var once sync.Once
	open = func() { once.Do(func() { close(release) }) }
	// Cleanups run last-in first-out: open before Close waits for requests.
	t.Cleanup(srv.Close)
	t.Cleanup(open)
	return srv.URL, open
}

// Test sends through the dispatcher: a spinner while it is on its way,
// then the service's answer, and the row shows the new last test.
func TestTestShowsSuccessAgainstWebhook(t *testing.T) {
	fx := newFixture(t)
	srv := webhooktest.NewServer(t)
	front, open := gate(t, srv.URL)
	cfg := srv.Config()
	cfg["url"] = strings.Replace(cfg["url"], srv.URL, front, 1)
	fx.add("webhook", "hook", cfg)
	fx.selectChannel("hook")
	d := fx.v.detail

	if got := d.status.Text; !strings.Contains(got, "Never tested") {
		t.Errorf("before the first test: %q", got)
	}
	test.Tap(d.testBtn)
	if !d.spinner.Visible() || !d.testBtn.Disabled() || !strings.Contains(d.status.Text, "sending a test push") {
		t.Errorf("while sending: spinner %t, button disabled %t, text %q", d.spinner.Visible(), d.testBtn.Disabled(), d.status.Text)
	}
	if got := fx.rowStatus("hook"); !strings.Contains(got, "sending a test push") {
		t.Errorf("row while sending = %q", got)
	}
	open()
	fx.wait()

	if n := len(srv.Accepted()); n != 1 {
		t.Fatalf("webhook accepted %d messages, want 1 (violations %v)", n, srv.Violations())
	}
	if got := srv.Accepted()[0].Title; got != "Herald test push" {
		t.Errorf("pushed title %q", got)
	}
	if d.spinner.Visible() || d.testBtn.Disabled() {
		t.Error("spinner still shown or Test still disabled after the answer")
	}
	if d.status.Importance != widget.SuccessImportance || !strings.Contains(d.status.Text, ": accepted.") ||
		!strings.HasSuffix(d.status.Text, "The service answered: ok") {
		t.Errorf("result = %q (importance %v)", d.status.Text, d.status.Importance)
	}
	if got := fx.rowStatus("hook"); !strings.Contains(got, "test OK") {
		t.Errorf("row after the test = %q, want the last test OK", got)
	}
	if lt := fx.v.items[0].LastTest; lt == nil || !lt.OK || time.Since(lt.At) > time.Minute {
		t.Errorf("last test recorded as %+v", lt)
	}
}

// A DingTalk robot with the wrong signing secret answers 310000, and the
// tab shows that answer word for word.
func TestTestShowsTheServicesError(t *testing.T) {
	fx := newFixture(t)
	srv := dingtalktest.NewServer(t)
	cfg := srv.Config()
	cfg["secret"] = "SEC" + strings.Repeat("0", 64)
	fx.add("dingtalk", "ding", cfg)
	fx.selectChannel("ding")
	d := fx.v.detail

	test.Tap(d.testBtn)
	fx.wait()
	if d.status.Importance != widget.DangerImportance || !strings.Contains(d.status.Text, "310000 sign not match") {
		t.Errorf("result = %q (importance %v), want DingTalk's 310000 answer", d.status.Text, d.status.Importance)
	}
	if strings.Contains(d.status.Text, cfg["secret"]) {
		t.Error("the answer shows the secret")
	}
	if got := fx.rowStatus("ding"); !strings.Contains(got, "test failed") || !strings.Contains(got, "310000") {
		t.Errorf("row = %q, want the failed test with the answer", got)
	}
	// Shown again later (after a restart) from what the store recorded.
	delete(fx.v.tests, fx.v.items[0].ID)
	fx.v.Refresh()
	fx.wait()
	if d.status.Importance != widget.DangerImportance || !strings.Contains(d.status.Text, "310000 sign not match") {
		t.Errorf("stored last test shown as %q", d.status.Text)
	}
	if len(srv.Accepted()) != 0 {
		t.Error("the fake robot accepted a badly signed message")
	}
}

// 前值 shows what is stored, secrets masked until revealed from the keyring.
func TestPreviousValueMasksAndReveals(t *testing.T) {
	fx := newFixture(t)
	srv := dingtalktest.NewServer(t)
	fx.add("dingtalk", "ding", srv.Config())
	fx.selectChannel("ding")
	d := fx.v.detail
	if d.prevCard.Visible() {
		t.Fatal("stored values shown before asking")
	}
	test.Tap(d.prevBtn)
	rows := fx.prevRows()

	secretRow := rows["Signing secret"]
	if secretRow.value == nil || secretRow.value.Text != "••••" || secretRow.toggle == nil {
		t.Fatalf("secret row = %+v, want masked with a toggle", secretRow)
	}
	if rows["Access token or webhook URL"].value.Text != "••••" {
		t.Errorf("token shown as %q", rows["Access token or webhook URL"].value.Text)
	}
	if got := rows["API base URL"]; got.value.Text != srv.URL || got.toggle != nil {
		t.Errorf("api row = %q (toggle %v), want the stored URL without a toggle", got.value.Text, got.toggle != nil)
	}
	if got := rows["Mention everyone"].value.Text; got != "false (default)" {
		t.Errorf("at_all = %q, want its default", got)
	}
	if got := rows["Picture URL"].value.Text; got != "not set" {
		t.Errorf("pic_url = %q", got)
	}
	if got := rows["Proxy"].toggle; got != nil {
		t.Error("an unset secret has a reveal toggle")
	}

	test.Tap(secretRow.toggle)
	fx.wait()
	rows = fx.prevRows()
	if got := rows["Signing secret"]; got.value.Text != dingtalktest.Secret || got.toggle.Text != "Hide" {
		t.Fatalf("revealed secret = %q (button %q)", got.value.Text, got.toggle.Text)
	}
	if rows["Access token or webhook URL"].value.Text != "••••" {
		t.Error("revealing one secret revealed another")
	}
	test.Tap(rows["Signing secret"].toggle)
	if got := fx.prevRows()["Signing secret"].value.Text; got != "••••" {
		t.Errorf("hidden again = %q", got)
	}

	test.Tap(d.prevBtn)
	if d.prevCard.Visible() {
		t.Error("Previous value did not toggle off")
	}
}

// Delete asks first; Cancel keeps the channel, Delete removes it and its
// secrets.
func TestDeleteAsksFirst(t *testing.T) {
	fx := newFixture(t)
	srv := dingtalktest.NewServer(t)
	c := fx.add("dingtalk", "ding", srv.Config())
	fx.selectChannel("ding")

	test.Tap(fx.v.detail.deleteBtn)
	if texts := strings.Join(fx.overlayTexts(), " "); !strings.Contains(texts, "“ding”") {
		t.Errorf("confirm dialog says %q, want the channel's name", texts)
	}
	test.Tap(fx.overlayButton("Cancel"))
	fx.wait()
	if len(fx.rowNames()) != 1 {
		t.Fatal("Cancel deleted the channel")
	}

	test.Tap(fx.v.detail.deleteBtn)
	test.Tap(fx.overlayButton("Delete"))
	fx.wait()
	if len(fx.rowNames()) != 0 || !fx.v.empty.Visible() {
		t.Fatalf("list after delete = %v", fx.rowNames())
	}
	if cs, _ := fx.env.Registry.List(fx.ctx); len(cs) != 0 {
		t.Fatalf("registry still has %d channels", len(cs))
	}
	if fx.v.selected != "" {
		t.Error("the deleted channel is still selected")
	}
	if _, err := (secret.Keyring{}).Get(c.ID, "secret"); err == nil {
		t.Error("the secret stayed in the keyring")
	}
}

// Edit opens the same form prefilled (secrets masked in password entries)
// and validates on submit; rename checks the name through the registry.
func TestEditAndRename(t *testing.T) {
	fx := newFixture(t)
	srv := dingtalktest.NewServer(t)
	c := fx.add("dingtalk", "ding", srv.Config())
	fx.selectChannel("ding")

	test.Tap(fx.v.detail.editBtn)
	fx.wait()
	p := fx.v.form
	if p == nil || p.form == nil || p.editing == nil {
		t.Fatal("Edit did not open a prefilled form")
	}
	f := p.form
	if f.name != nil {
		t.Error("the edit form asks for a name; renaming is its own action")
	}
	tok := f.byKey["token"].entry
	if tok.Text != dingtalktest.Token || !tok.Password {
		t.Errorf("token entry = %q (password %t), want the stored token, masked", tok.Text, tok.Password)
	}
	if f.byKey["api"].entry.Text != srv.URL || f.byKey["at_all"].check.Checked {
		t.Errorf("api %q at_all %t", f.byKey["api"].entry.Text, f.byKey["at_all"].check.Checked)
	}

	f.byKey["at_mobiles"].entry.SetText("12")
	test.Tap(p.save)
	fx.wait()
	if got := errorOf(f, "at_mobiles"); got == "" {
		t.Fatal("an invalid mobile number shows no error")
	}
	f.byKey["at_mobiles"].entry.SetText("13800138000")
	f.byKey["at_all"].check.SetChecked(true)
	test.Tap(p.save)
	fx.wait()
	if fx.v.form != nil {
		t.Fatalf("edit not saved: %q", errorOf(f, "at_mobiles"))
	}
	got, err := fx.env.Registry.Get(fx.ctx, "ding")
	if err != nil || got.Config["at_mobiles"] != "13800138000" || got.Config["at_all"] != "true" {
		t.Fatalf("after edit: %v %v", got.Config, err)
	}
	if s, _ := (secret.Keyring{}).Get(c.ID, "secret"); s != dingtalktest.Secret {
		t.Error("editing lost the secret")
	}

	test.Tap(fx.v.detail.renameBtn)
	entry := fx.overlayEntry()
	entry.SetText("  ")
	test.Tap(fx.overlayButton("Rename"))
	fx.wait()
	if texts := fx.overlayTexts(); !containsText(texts, "required") {
		t.Errorf("empty name: dialog shows %q", texts)
	}
	entry.SetText("Ops robot")
	test.Tap(fx.overlayButton("Rename"))
	fx.wait()
	if fx.win.Canvas().Overlays().Top() != nil {
		t.Error("the rename dialog stayed open")
	}
	if names := fx.rowNames(); len(names) != 1 || names[0] != "Ops robot" || fx.v.detail.name.Text != "Ops robot" {
		t.Errorf("after rename: list %v, detail %q", names, fx.v.detail.name.Text)
	}
}

func containsText(texts []string, s string) bool {
	for _, t := range texts {
		if t == s {
			return true
		}
	}
	return false
}

// Every kind's form is generated: secrets in password entries, choices as
// selects, bools as checks, defaults as placeholders, one docs link.
func TestFormsFollowTheSchema(t *testing.T) {
	test.NewTempApp(t)
	all, names := kindOptions()
	if len(all) == 0 || len(names) != len(all) {
		t.Fatal("no kinds offered")
	}
	for _, k := range all {
		f := newChannelForm(k, true)
		for _, field := range k.Fields {
			in := f.byKey[field.Key]
			switch {
			case field.Type == "bool":
				if in.check == nil {
					t.Errorf("%s.%s: bool without a check", k.ID, field.Key)
				}
			case field.Type == "choice" && !field.Secret:
				if in.choice == nil {
					t.Errorf("%s.%s: choice without a select", k.ID, field.Key)
				}
			default:
				if in.entry == nil || in.entry.Password != field.Secret || in.entry.PlaceHolder != field.Default {
					t.Errorf("%s.%s: entry %+v", k.ID, field.Key, in.entry)
				}
			}
		}
	}
	f := newChannelForm(dingtalk.Kind, true)
	var links []string
	walk(f.content, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Hyperlink); ok {
			links = append(links, l.URL.String())
		}
	})
	// One link for the form: the kind's documentation, not one per field.
	if len(links) != 1 || links[0] != dingtalk.Kind.DocURL {
		t.Errorf("docs links = %v, want only %s", links, dingtalk.Kind.DocURL)
	}
}

// The add pane for DingTalk as drawn in the window, before and after an
// empty submit: errors sit right under their fields.
func TestAddFormMarkup(t *testing.T) {
	fx := newFixture(t)
	fx.win.Resize(fyne.NewSize(900, 700))
	fx.openAdd("dingtalk")
	test.AssertRendersToMarkup(t, "add_form_dingtalk.xml", fx.win.Canvas())
	test.Tap(fx.v.form.save)
	fx.wait()
	test.AssertRendersToMarkup(t, "add_form_dingtalk_errors.xml", fx.win.Canvas())
}
