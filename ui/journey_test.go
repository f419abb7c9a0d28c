package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/testenv"
	"github.com/heraldpush/herald/ui/settings"
)

// The journey a person makes on a first start, on the real window (the
// tabs buildTabs makes over a real data folder, SQLite and keyring, with
// the engine running) in Fyne's test driver: the welcome is shown and
// dismissed; a webhook channel is added from the form and tested, and the
// local receiver gets a JSON POST with a title and a body; a failing task
// is added and run now, its failure is pushed, and History shows the run
// and its push. Every step is captured (en and zh, dark and light) into
// the folder the test logs ($HERALD_SCREENSHOTS when set); in Chinese every
// text on screen must be Chinese apart from proper names and the user's
// own data.
//
// Fyne's test driver rather than xdotool on the real binary: it taps the
// widgets themselves, so no coordinates, focus or window-manager timing can
// make it flaky, and it reads what each screen shows for the language
// check. The real binary's restart (the welcome must not come back) is
// TestWelcomeOnlyOnFirstStart in cmd/herald.
//
// It runs in a child process: it loads the translations, which no test can
// unload, and other tests of this package read untranslated keys.
func TestJourney(t *testing.T) {
	dir := os.Getenv("HERALD_JOURNEY_SHOTS")
	if os.Getenv("HERALD_TEST_CHILD") != "journey" {
		testenv.NeedKeyring(t)
		dir = shotDir(t)
		t.Logf("screenshots in %s", dir)
		testenv.RunSelf(t, "TestJourney", map[string]string{"HERALD_TEST_CHILD": "journey", "HERALD_JOURNEY_SHOTS": dir})
		return
	}
	for _, lc := range []string{"en", "zh"} {
		for _, th := range []string{"dark", "light"} {
			t.Run(lc+"-"+th, func(t *testing.T) {
				j := openJourney(t, lc, th, dir)
				j.welcome()
				j.channel()
				j.task()
				j.history()
			})
		}
	}
}

// shotDir is $HERALD_SCREENSHOTS (kept after the test) or a temp folder.
func shotDir(t *testing.T) string {
	dir := os.Getenv("HERALD_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "journey")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

const (
	journeyChannel = "journey hook"
	journeyTask    = "journey task"
	journeyOutput  = "journey-output"
	journeyCommand = "echo " + journeyOutput + "; exit 3"
)

// journey is one run of the journey: a data folder, the engine, the
// window and the webhook receiver.
type journey struct {
	t      *testing.T
	ctx    context.Context
	env    *host.Env
	w      *window
	recv   *receiver
	lang   string
	theme  string
	prefix string // screenshot names
	step   int
}

func openJourney(t *testing.T, lc, th, dir string) *journey {
	if err := loadTranslations(lc); err != nil {
		t.Fatal(err)
	}
	a := serialise(t, test.NewTempApp(t))
	ctx, cancel := context.WithCancel(context.Background())
	env, err := host.Open(ctx, t.TempDir(), host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.StartEngine(ctx); err != nil {
		t.Fatal(err)
	}
	j := &journey{t: t, ctx: ctx, env: env, recv: newReceiver(t), lang: lc, theme: th, prefix: filepath.Join(dir, lc+"-"+th)}
	// The theme as if chosen before; the first start is still unwelcomed.
	prefs, err := settings.Update(ctx, env, func(p *settings.Prefs) { p.Theme = th })
	if err != nil {
		t.Fatal(err)
	}
	// What Run does, on the test driver's app (newWindow would open a
	// real GLFW app).
	applyTheme(a, prefs.Theme, uiChinese(lc))
	win := a.NewWindow(lang.L("app.name"))
	win.Resize(fyne.NewSize(1024, 800)) // taller than the default: History's pushes in view
	j.w = &window{ctx: ctx, env: env, app: a, win: win, prefs: prefs}
	j.do(func() {
		j.w.buildTabs(Params{Env: env, Version: "0.9.0"})
		j.w.followEngine(true)
		win.Show()
		j.w.greet(prefs, false)
	})
	t.Cleanup(func() {
		j.settle()
		// Channels and tasks keep secrets in the keyring: remove them.
		bg := context.Background()
		if cs, err := env.Registry.List(bg); err == nil {
			for _, c := range cs {
				_ = env.Registry.Remove(bg, c.Name)
			}
		}
		if ts, err := env.Tasks.List(bg); err == nil {
			for _, tk := range ts {
				_ = env.Tasks.Remove(bg, tk.Name)
			}
		}
		env.StopEngine(10 * time.Second)
		cancel()
		j.settle()
		j.do(win.Close)
		env.Close()
	})
	return j
}

func (j *journey) settle() {
	j.w.settleViews()
}

// welcome: a first start greets; "Later" dismisses it for good, even
// when a setting is changed afterwards (the Settings tab must not store
// the preferences it read before the dismissal); a restart, which greets
// from the stored preferences, shows no welcome.
func (j *journey) welcome() {
	j.waitFor("the welcome dialog", func() bool { return j.hasText(lang.L("welcome.title")) })
	j.shot("welcome")
	j.tap(lang.L("welcome.later"))
	j.waitFor("the welcome to be stored as seen", func() bool { return j.prefs().Welcomed })
	if j.dialogShown() {
		j.t.Fatal("the welcome dialog stayed open after Later")
	}
	j.selectTab(4)
	j.choose(lang.L("settings.theme.system"))
	j.choose(lang.L("settings.theme." + j.theme))
	p := j.prefs()
	if p.Theme != j.theme {
		j.t.Errorf("stored theme %q after choosing %s in Settings", p.Theme, j.theme)
	}
	if !p.Welcomed {
		j.t.Error("changing the theme in Settings stored the welcome as not seen: it comes back on the next start")
	}
	j.selectTab(0)
	j.do(func() { j.w.greet(p, false) }) // what the next start does
	if j.dialogShown() {
		j.shot("restart-welcome-again")
		j.t.Error("a restart showed the welcome again")
		j.do(func() { j.w.win.Canvas().Overlays().Top().Hide() })
	}
}

func (j *journey) prefs() settings.Prefs {
	j.t.Helper()
	p, err := settings.Load(j.ctx, j.env)
	if err != nil {
		j.t.Fatal(err)
	}
	return p
}

// channel: add a webhook with only its URL, then Test it.
func (j *journey) channel() {
	j.selectTab(0)
	j.tap(lang.L("channels.add"))
	j.choose(lang.L("kind.webhook.name"))
	j.typeInto(lang.L("channels.form.name"), journeyChannel)
	j.typeInto(lang.L("channel.webhook.url.label"), j.recv.URL)
	j.shot("channel-form")
	j.tap(lang.L("channels.save"))
	j.waitFor("the saved channel's Test button", func() bool { return j.button(lang.L("channels.test")) != nil })
	j.tap(lang.L("channels.test"))
	req := j.recv.next(j.t, "the test message")
	j.waitFor("the test result", func() bool { return j.shows("channels.test_ok", "At", "Answer") })
	j.shot("channel-tested")
	if title, body, ok := req.titleBody(j.t, "test message"); ok && (title == "" || body == "") {
		j.t.Errorf("test message: title %q, body %q; want both", title, body)
	}
}

// task: a command that fails, run now; its failure is pushed (the default
// push settings send manual failures to every channel).
func (j *journey) task() {
	j.selectTab(2)
	j.tap(lang.L("tasks.add"))
	j.typeInto(lang.L("tasks.form.name"), journeyTask)
	j.typeInto(lang.L("tasks.form.command"), journeyCommand)
	j.shot("task-form")
	j.tap(lang.L("tasks.form.save"))
	j.waitFor("the task's Run now button", func() bool { return j.button(lang.L("tasks.run_now")) != nil })
	j.tap(lang.L("tasks.run_now"))
	req := j.recv.next(j.t, "the failed run's push")
	j.waitFor("the task's last run", func() bool {
		return j.hasText(lang.L("history.status.failure")) || j.shows("tasks.last.result", "At", "Status", "Trigger")
	})
	j.shot("task-run")
	title, body, ok := req.titleBody(j.t, "run push")
	if ok && !strings.Contains(title+body, journeyTask) {
		j.t.Errorf("run push: title %q, body %q; want the task's name in them", title, body)
	}
}

// history: the run is listed; selecting it shows its output and its push.
func (j *journey) history() {
	j.selectTab(3)
	var runs *widget.List
	j.waitFor("the run in History", func() bool {
		runs = j.list()
		n := 0
		if runs != nil {
			j.do(func() { n = runs.Length() })
		}
		return n > 0 && j.hasText(journeyTask)
	})
	j.do(func() { runs.Select(0) })
	push := lang.L("history.push.title", map[string]any{"Channel": journeyChannel, "State": "\x00"})
	push = strings.SplitN(push, "\x00", 2)[0]
	j.waitFor("the run's push in History", func() bool { return j.hasText(push) })
	j.scrollTo(push)
	j.shot("history")
}

// --- driving and reading the window ---

// visible calls fn for everything drawn: the content and the dialogs.
func (j *journey) visible(fn func(fyne.CanvasObject)) {
	j.do(func() {
		c := j.w.win.Canvas()
		walk(c.Content(), fn)
		for _, o := range c.Overlays().List() {
			walk(o, fn)
		}
	})
}

func (j *journey) selectTab(i int) { j.do(func() { j.w.tabs.SelectIndex(i) }) }

func (j *journey) dialogShown() bool {
	shown := false
	j.do(func() { shown = j.w.win.Canvas().Overlays().Top() != nil })
	return shown
}

// texts are the strings drawn on screen, in drawing order.
func (j *journey) texts() []string {
	var out []string
	j.visible(func(o fyne.CanvasObject) {
		if tx, ok := o.(*canvas.Text); ok && strings.TrimSpace(tx.Text) != "" {
			out = append(out, tx.Text)
		}
	})
	return out
}

func (j *journey) hasText(s string) bool {
	for _, tx := range j.texts() {
		if strings.Contains(tx, s) {
			return true
		}
	}
	return false
}

// shows reports whether a text starts as the key's translation does up to
// its first argument (args names them; "" values mark where to cut).
func (j *journey) shows(key string, args ...string) bool {
	data := map[string]any{}
	for _, a := range args {
		data[a] = "\x00"
	}
	prefix := strings.TrimSpace(strings.SplitN(lang.L(key, data), "\x00", 2)[0])
	for _, tx := range j.texts() {
		if strings.HasPrefix(strings.TrimSpace(tx), prefix) {
			return true
		}
	}
	return false
}

func (j *journey) button(text string) *widget.Button {
	var found *widget.Button
	j.visible(func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && found == nil && b.Text == text && !b.Disabled() {
			found = b
		}
	})
	return found
}

func (j *journey) list() *widget.List {
	var found *widget.List
	j.visible(func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.List); ok && found == nil {
			found = l
		}
	})
	return found
}

// scrollTo scrolls the innermost scroller showing text to its end (where
// History's detail lists the pushes), for the screenshot.
func (j *journey) scrollTo(text string) {
	j.do(func() {
		var inner *container.Scroll
		j.visible(func(o fyne.CanvasObject) {
			s, ok := o.(*container.Scroll)
			if !ok {
				return
			}
			walk(s.Content, func(o fyne.CanvasObject) {
				if tx, ok := o.(*canvas.Text); ok && strings.Contains(tx.Text, text) {
					inner = s
				}
			})
		})
		if inner != nil {
			inner.ScrollToBottom()
		}
	})
}

// tap taps the enabled button showing text, once the tabs settled.
func (j *journey) tap(text string) {
	j.t.Helper()
	j.settle()
	b := j.button(text)
	if b == nil {
		j.t.Fatalf("no %q button on screen; texts: %q", text, j.texts())
	}
	j.do(func() { test.Tap(b) })
	j.settle()
}

// choose picks option in the select that offers it.
func (j *journey) choose(option string) {
	j.t.Helper()
	j.settle()
	var sel *widget.Select
	j.visible(func(o fyne.CanvasObject) {
		if s, ok := o.(*widget.Select); ok && sel == nil {
			for _, opt := range s.Options {
				if opt == option {
					sel = s
				}
			}
		}
	})
	if sel == nil {
		j.t.Fatalf("no select offers %q", option)
	}
	j.do(func() { sel.SetSelected(option) })
	j.settle()
}

// typeInto types into the first entry drawn after the label (a form row's
// label is drawn before its input, whatever the layout).
func (j *journey) typeInto(label, text string) {
	j.t.Helper()
	j.settle()
	var entry *widget.Entry
	seen := false
	j.visible(func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *canvas.Text:
			if strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(x.Text), "*")) == label {
				seen = true
			}
		case *widget.Entry:
			if seen && entry == nil {
				entry = x
			}
		}
	})
	if entry == nil {
		j.t.Fatalf("no entry after the label %q; texts: %q", label, j.texts())
	}
	j.do(func() { test.Type(entry, text) })
}

// waitFor polls ok with the tabs settled, up to a deadline.
func (j *journey) waitFor(what string, ok func() bool) {
	j.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		j.settle()
		if ok() {
			return
		}
		if time.Now().After(deadline) {
			j.t.Fatalf("timed out waiting for %s; on screen: %q", what, j.texts())
		}
	}
}

// shot captures the window, checks it is not blank, and in Chinese checks
// every text on it.
func (j *journey) shot(name string) {
	j.t.Helper()
	j.settle()
	j.step++
	path := fmt.Sprintf("%s-%d-%s.png", j.prefix, j.step, name)
	var img image.Image
	j.do(func() { img = j.w.win.Canvas().Capture() })
	f, err := os.Create(path)
	if err == nil {
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		j.t.Fatal(err)
	}
	if n := colours(img); n < 20 {
		j.t.Errorf("%s looks blank: %d colours", path, n)
	}
	if j.lang == "zh" {
		if bad := notChinese(j.texts()); len(bad) > 0 {
			j.t.Errorf("%s: texts that are not Chinese: %q", name, bad)
		}
	}
}

// colours counts the distinct colours of img, up to 1000.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// --- the Chinese check ---

// properNames stay in Latin letters in Chinese: product, service and
// protocol names.
var properNames = []string{
	"Herald", "Webhook", "URL", "JSON", "HTTPS", "HTTP", "QD", "GET", "POST", "Cron", "API", "SMTP",
	"Bark", "Gotify", "Mailgun", "ntfy", "WxPusher", "PushPlus", "Telegram", "Lark", "Server",
}

// userData is what the journey typed or produced; values, not labels.
var userData = []*regexp.Regexp{
	regexp.MustCompile(regexp.QuoteMeta(journeyCommand)),
	regexp.MustCompile(regexp.QuoteMeta(journeyChannel)),
	regexp.MustCompile(regexp.QuoteMeta(journeyTask)),
	regexp.MustCompile(regexp.QuoteMeta(journeyOutput)),
	regexp.MustCompile(`https?://\S+`),
	regexp.MustCompile(`(^|\s)/\S+`),                      // the data folder
	regexp.MustCompile(`\{[^{}]*\}`),                      // placeholders and JSON in examples
	regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s|m|h)\b`), // durations
	regexp.MustCompile(`^[a-z_]+(;[a-z_]+)+$`),            // a QD string's parameters (QD's names)
	regexp.MustCompile(`^(json|form)$`),                   // a choice's value shown as its default
}

// segments splits a line into the parts a list row joins with " · ", so
// an English part in a Chinese row ("失败 · exit status 3") is found too.
// (Finer splits would flag the Latin examples in Chinese help texts.)
var segments = regexp.MustCompile(`\s·\s`)

// notChinese lists the texts with a part that has Latin letters and no
// Chinese once proper names and the user's data are taken out.
func notChinese(texts []string) []string {
	var bad []string
	for _, s := range texts {
		rest := s
		for _, re := range userData {
			rest = re.ReplaceAllString(rest, "")
		}
		for _, n := range properNames {
			rest = strings.ReplaceAll(rest, n, "")
		}
		for _, part := range segments.Split(rest, -1) {
			latin := strings.ContainsFunc(part, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) })
			han := strings.ContainsFunc(part, func(r rune) bool { return unicode.Is(unicode.Han, r) })
			if latin && !han {
				bad = append(bad, s)
				break
			}
		}
	}
	return bad
}

// --- the webhook receiver ---

type received struct {
	method, contentType string
	body                []byte
}

// titleBody decodes the request as the final webhook sends it: a JSON
// POST {"title": …, "body": …}. ok is false (after an error) otherwise.
func (r received) titleBody(t *testing.T, what string) (title, body string, ok bool) {
	t.Helper()
	if r.method != http.MethodPost || !strings.Contains(r.contentType, "json") {
		t.Errorf("%s: %s with Content-Type %q and body %q; want a JSON POST", what, r.method, r.contentType, r.body)
		return "", "", false
	}
	var m struct{ Title, Body *string }
	if err := json.Unmarshal(r.body, &m); err != nil || m.Title == nil || m.Body == nil {
		t.Errorf("%s: body %q; want JSON with \"title\" and \"body\" (%v)", what, r.body, err)
		return "", "", false
	}
	return *m.Title, *m.Body, true
}

type receiver struct {
	*httptest.Server
	got chan received
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan received, 16)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.got <- received{req.Method, req.Header.Get("Content-Type"), body}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":0}`)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) next(t *testing.T, what string) received {
	t.Helper()
	select {
	case got := <-r.got:
		return got
	case <-time.After(30 * time.Second):
		t.Fatalf("the receiver got no request for %s", what)
	}
	return received{}
}

// --- one UI goroutine ---

// do runs fn on the UI goroutine and waits for it.
func (j *journey) do(fn func()) {
	fyne.CurrentApp().Driver().(*uiLoop).run(fn)
}

// The Chinese check itself: what it lets through and what it flags.
func TestNotChinese(t *testing.T) {
	for _, c := range []struct {
		text string
		bad  bool
	}{
		{"推送注册", false},
		{"Herald 设置", false},
		{"Webhook", false},
		{journeyTask, false},
		{"http://127.0.0.1:8080/x", false},
		{"1.5s", false},
		{"12:00", false},
		{"失败 · 手动 · 2ms · exit status 3", true},
		{"exit status 3", true},
		{"Test", true},
		{"Add channel", true},
	} {
		if got := len(notChinese([]string{c.text})) > 0; got != c.bad {
			t.Errorf("%q flagged %t, want %t", c.text, got, c.bad)
		}
	}
}
