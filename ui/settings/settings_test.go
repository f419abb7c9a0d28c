package settings

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/secret"
)

var loadEnglish sync.Once

// english loads this tab's English strings so tests read what a user reads.
func english(t *testing.T) {
	t.Helper()
	loadEnglish.Do(func() {
		data, err := os.ReadFile("../../assets/translations/en.json")
		if err != nil {
			t.Fatal(err)
		}
		// Whatever the machine's locale, these tests read English.
		os.Setenv("LANGUAGE", "en")
		if err := lang.AddTranslationsForLocale(data, fyne.Locale("en")); err != nil {
			t.Fatal(err)
		}
	})
}

// harness is an opened tab in a test window with what it told the window.
type harness struct {
	ctx     context.Context
	env     *host.Env
	win     fyne.Window
	v       *View
	changed []Prefs
}

// open shows the tab for env; opts' callbacks, when nil, record into h.
func open(t *testing.T, env *host.Env, opts Options) *harness {
	t.Helper()
	english(t)
	test.NewTempApp(t)
	h := &harness{ctx: context.Background(), env: env}
	if opts.OnPrefsChanged == nil {
		opts.OnPrefsChanged = func(p Prefs) { h.changed = append(h.changed, p) }
	}
	h.win = test.NewTempWindow(t, widget.NewLabel(""))
	h.v = New(h.ctx, env, h.win, opts)
	// Under the test driver fyne.Do runs on the loader's goroutine, so the
	// first load touches widgets from there: let it finish first.
	h.v.Wait()
	h.win.SetContent(h.v.Object())
	h.win.Resize(fyne.NewSize(720, 1000))
	// The token lives in the keyring under this data folder's instance id
	// (the host's naming); leave the keyring as it was.
	inst, err := env.Store.InstanceID(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = secret.Keyring{}.Delete(api.TokenSecretID+"-"+inst, api.TokenSecretField) })
	return h
}

func (h *harness) prefs(t *testing.T) Prefs {
	t.Helper()
	p, err := Load(h.ctx, h.env)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (h *harness) apiSettings(t *testing.T) api.Settings {
	t.Helper()
	s, err := h.env.LoadAPISettings(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// button finds the button labelled text under o.
func button(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, obj := range test.LaidOutObjects(o) {
		if b, ok := obj.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no %q button", text)
	return nil
}

func TestEachControlPersists(t *testing.T) {
	tests := []struct {
		name string
		act  func(v *View)
		want func(p *Prefs)
	}{
		{"language", func(v *View) { v.language.SetSelected("简体中文") }, func(p *Prefs) { p.Language = LanguageChinese }},
		{"theme", func(v *View) { v.theme.SetSelected("Dark") }, func(p *Prefs) { p.Theme = ThemeDark }},
		{"close to tray", func(v *View) { test.Tap(v.closeToTray) }, func(p *Prefs) { p.CloseToTray = false }},
		{"notify on failure", func(v *View) { test.Tap(v.notifyOnFailure) }, func(p *Prefs) { p.NotifyOnFailure = false }},
		{"start at login", func(v *View) { test.Tap(v.startAtLogin) }, func(p *Prefs) { p.StartAtLogin = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var login []bool
			h := open(t, openEnv(t), Options{SetStartAtLogin: func(on bool) error { login = append(login, on); return nil }})

			tt.act(h.v)

			want := DefaultPrefs()
			tt.want(&want)
			if got := h.prefs(t); got != want {
				t.Fatalf("stored %+v, want %+v", got, want)
			}
			if len(h.changed) != 1 || h.changed[0] != want {
				t.Fatalf("OnPrefsChanged got %+v, want one call with %+v", h.changed, want)
			}
			if tt.name == "start at login" && (len(login) != 1 || !login[0]) {
				t.Fatalf("SetStartAtLogin calls %v, want [true]", login)
			} else if tt.name != "start at login" && len(login) != 0 {
				t.Fatalf("SetStartAtLogin called %v by another control", login)
			}
		})
	}

	t.Run("api enabled", func(t *testing.T) {
		h := open(t, openEnv(t), Options{})
		test.Tap(h.v.apiEnabled)
		if s := h.apiSettings(t); s.Enabled {
			t.Fatalf("API still enabled after unticking: %+v", s)
		}
	})
	t.Run("api port", func(t *testing.T) {
		h := open(t, openEnv(t), Options{})
		h.v.port.SetText("8123")
		if s := h.apiSettings(t); s.Port != 8123 || !s.Enabled {
			t.Fatalf("stored %+v, want port 8123", s)
		}
	})
}

func TestThemeAndLanguageReachTheWindow(t *testing.T) {
	h := open(t, openEnv(t), Options{})
	h.v.theme.SetSelected("Light")
	h.v.language.SetSelected("English")
	h.v.theme.SetSelected("System default")
	got := []string{}
	for _, p := range h.changed {
		got = append(got, p.Theme+"/"+p.Language)
	}
	want := "light/system light/en system/en"
	if strings.Join(got, " ") != want {
		t.Fatalf("OnPrefsChanged saw %v, want %s", got, want)
	}
}

func TestReopenShowsStoredValues(t *testing.T) {
	ctx := context.Background()
	env := openEnv(t)
	stored := Prefs{Language: LanguageChinese, Theme: ThemeDark, CloseToTray: false, NotifyOnFailure: false, StartAtLogin: true}
	if _, err := Update(ctx, env, func(p *Prefs) { *p = stored }); err != nil {
		t.Fatal(err)
	}
	if err := env.SaveAPISettings(ctx, api.Settings{Enabled: false, Port: 9000}); err != nil {
		t.Fatal(err)
	}
	h := open(t, env, Options{SetStartAtLogin: func(bool) error { return nil }})
	v := h.v
	if v.language.Selected != "简体中文" || v.theme.Selected != "Dark" {
		t.Errorf("language %q theme %q, want 简体中文 and Dark", v.language.Selected, v.theme.Selected)
	}
	if v.closeToTray.Checked || v.notifyOnFailure.Checked || !v.startAtLogin.Checked {
		t.Errorf("checks: close to tray %v, notify %v, login %v; want false false true",
			v.closeToTray.Checked, v.notifyOnFailure.Checked, v.startAtLogin.Checked)
	}
	if v.apiEnabled.Checked || v.port.Text != "9000" {
		t.Errorf("api enabled %v port %q, want false and 9000", v.apiEnabled.Checked, v.port.Text)
	}
	if len(h.changed) != 0 {
		t.Errorf("opening the tab reported changes: %+v", h.changed)
	}
	if got := h.prefs(t); got != stored {
		t.Errorf("opening the tab changed what is stored: %+v", got)
	}

	// Another process (the CLI) changes the port; Refresh shows it.
	if err := env.SaveAPISettings(ctx, api.Settings{Enabled: true, Port: 9100}); err != nil {
		t.Fatal(err)
	}
	v.Refresh()
	v.Wait()
	if !v.apiEnabled.Checked || v.port.Text != "9100" {
		t.Errorf("after Refresh: api enabled %v port %q, want true and 9100", v.apiEnabled.Checked, v.port.Text)
	}
}

func TestPortRejectedWithTheEnginesError(t *testing.T) {
	h := open(t, openEnv(t), Options{})
	v := h.v
	tests := []struct {
		text, wantErr string
		wantPort      int
	}{
		{"70000", "must be between 1 and 65535", api.DefaultSettings().Port},
		{"0", "must be between 1 and 65535", api.DefaultSettings().Port},
		{"http", "The port must be a number", api.DefaultSettings().Port},
		{"8200", "", 8200},
	}
	for _, tt := range tests {
		v.port.SetText(tt.text)
		if tt.wantErr == "" {
			if v.portErr.Visible() {
				t.Errorf("%q: error still shown: %q", tt.text, v.portErr.Text)
			}
		} else if !v.portErr.Visible() || !strings.Contains(v.portErr.Text, tt.wantErr) {
			t.Errorf("%q: error shown %v %q, want one containing %q", tt.text, v.portErr.Visible(), v.portErr.Text, tt.wantErr)
		}
		if s := h.apiSettings(t); s.Port != tt.wantPort {
			t.Errorf("%q: stored port %d, want %d", tt.text, s.Port, tt.wantPort)
		}
	}
}

func TestTokenMaskedCopiedAndRegenerated(t *testing.T) {
	h := open(t, openEnv(t), Options{})
	v := h.v
	srv, err := h.env.API(h.ctx, api.DefaultPort)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.Token(h.ctx)
	if err != nil || tok == "" {
		t.Fatalf("token: %q %v", tok, err)
	}
	if v.tokenText.Text != tokenMask || strings.Contains(v.tokenText.Text, tok[len(tok)-4:]) {
		t.Fatalf("token shown as %q, want the mask", v.tokenText.Text)
	}
	clip := fyne.CurrentApp().Clipboard()
	test.Tap(v.copyToken)
	if clip.Content() != tok {
		t.Fatalf("clipboard %q, want the token", clip.Content())
	}

	// Cancelling the confirmation keeps the token.
	test.Tap(v.regenToken)
	test.Tap(button(t, h.win.Canvas().Overlays().Top(), "Cancel"))
	v.Wait()
	fresh := func() string {
		t.Helper()
		s, err := h.env.API(h.ctx, api.DefaultPort)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.Token(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if got := fresh(); got != tok {
		t.Fatal("cancelled Regenerate changed the token")
	}

	test.Tap(v.regenToken)
	test.Tap(button(t, h.win.Canvas().Overlays().Top(), "Regenerate"))
	v.Wait()
	newTok := fresh()
	if newTok == tok {
		t.Fatal("token unchanged after Regenerate")
	}
	if v.tokenText.Text != tokenMask || v.tokenErr.Visible() {
		t.Fatalf("after Regenerate: shown %q, error %q", v.tokenText.Text, v.tokenErr.Text)
	}
	test.Tap(v.copyToken)
	if clip.Content() != newTok {
		t.Fatalf("Copy after Regenerate gave %q, want the new token", clip.Content())
	}
}

func TestStartAtLogin(t *testing.T) {
	t.Run("unavailable", func(t *testing.T) {
		h := open(t, openEnv(t), Options{})
		if !h.v.startAtLogin.Disabled() || !h.v.loginNote.Visible() {
			t.Fatalf("toggle disabled %v, note shown %v; want both", h.v.startAtLogin.Disabled(), h.v.loginNote.Visible())
		}
	})
	t.Run("the OS refuses", func(t *testing.T) {
		h := open(t, openEnv(t), Options{SetStartAtLogin: func(bool) error { return errors.New("autostart folder is read-only") }})
		if h.v.startAtLogin.Disabled() || h.v.loginNote.Visible() {
			t.Fatal("toggle disabled although a setter was given")
		}
		test.Tap(h.v.startAtLogin)
		if h.v.startAtLogin.Checked {
			t.Error("toggle stays on after the OS refused")
		}
		if !h.v.prefsErr.Visible() || !strings.Contains(h.v.prefsErr.Text, "autostart folder is read-only") {
			t.Errorf("error shown %v %q", h.v.prefsErr.Visible(), h.v.prefsErr.Text)
		}
		if h.prefs(t).StartAtLogin || len(h.changed) != 0 {
			t.Errorf("stored %+v, changes %+v after a refusal", h.prefs(t), h.changed)
		}
	})
}

// The toggle shows whether the OS starts Herald at login, not the stored
// preference: an entry removed by an uninstall or left pointing at a moved
// exe must not show as on.
func TestStartAtLoginShowsOSState(t *testing.T) {
	tests := []struct {
		name   string
		stored bool
		state  func() (bool, error)
		want   bool
	}{
		{"entry gone, preference on", true, func() (bool, error) { return false, nil }, false},
		{"entry there, preference off", false, func() (bool, error) { return true, nil }, true},
		{"state unreadable: the preference", true, func() (bool, error) { return false, errors.New("registry") }, true},
		{"no state reader: the preference", true, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := openEnv(t)
			if _, err := Update(context.Background(), env, func(p *Prefs) { p.StartAtLogin = tt.stored }); err != nil {
				t.Fatal(err)
			}
			h := open(t, env, Options{SetStartAtLogin: func(bool) error { return nil }, StartAtLoginState: tt.state})
			if h.v.startAtLogin.Checked != tt.want {
				t.Fatalf("toggle shows %v, want %v", h.v.startAtLogin.Checked, tt.want)
			}
			if len(h.changed) != 0 || h.prefs(t).StartAtLogin != tt.stored {
				t.Fatalf("showing the state changed the preference: %+v", h.changed)
			}
		})
	}
	t.Run("toggled, then refreshed", func(t *testing.T) {
		entry := false
		h := open(t, openEnv(t), Options{
			SetStartAtLogin:   func(on bool) error { entry = on; return nil },
			StartAtLoginState: func() (bool, error) { return entry, nil },
		})
		test.Tap(h.v.startAtLogin)
		if !entry || !h.v.startAtLogin.Checked {
			t.Fatalf("after the tap: entry %v, toggle %v", entry, h.v.startAtLogin.Checked)
		}
		entry = false // removed outside Herald
		h.v.Refresh()
		h.v.Wait()
		if h.v.startAtLogin.Checked {
			t.Fatal("toggle still on after the entry was removed and the tab refreshed")
		}
	})
}

func TestOpenDataFolder(t *testing.T) {
	h := open(t, openEnv(t), Options{})
	var opened []*url.URL
	h.v.openURL = func(u *url.URL) error { opened = append(opened, u); return nil }
	if h.v.dataDir.Text != h.env.DataDir {
		t.Fatalf("data folder shown %q, want %q", h.v.dataDir.Text, h.env.DataDir)
	}
	test.Tap(button(t, h.v.Object(), "Open"))
	if len(opened) != 1 || opened[0].Scheme != "file" || opened[0].Path != h.env.DataDir {
		t.Fatalf("opened %v, want file://%s", opened, h.env.DataDir)
	}

	h.v.openURL = func(*url.URL) error { return errors.New("no file manager") }
	test.Tap(button(t, h.v.Object(), "Open"))
	if !h.v.openErr.Visible() || !strings.Contains(h.v.openErr.Text, "no file manager") {
		t.Fatalf("open failure shown %v %q", h.v.openErr.Visible(), h.v.openErr.Text)
	}
}

func TestVersionShown(t *testing.T) {
	env := openEnv(t)
	if h := open(t, env, Options{Version: "1.2.3"}); h.v.version.Text != "1.2.3" {
		t.Errorf("version shown %q, want 1.2.3", h.v.version.Text)
	}
	if h := open(t, env, Options{}); h.v.version.Text != "development build" {
		t.Errorf("no version shown as %q, want development build", h.v.version.Text)
	}
}

func TestLayout(t *testing.T) {
	env := openEnv(t)
	env.DataDir = "/home/me/.config/herald" // a temp dir would change every run
	h := open(t, env, Options{Version: "1.2.3", SetStartAtLogin: func(bool) error { return nil }})
	test.AssertRendersToMarkup(t, "settings.xml", h.win.Canvas())
}

// The tab holds the preferences it read when it opened; the welcome is
// dismissed afterwards through another path. Changing the theme must not
// write the tab's stale welcomed:false back over the dismissal.
func TestChangeKeepsFieldsChangedElsewhere(t *testing.T) {
	english(t)
	env := openEnv(t)
	h := open(t, env, Options{})
	if h.v.prefs.Welcomed {
		t.Fatal("a fresh store reads as welcomed")
	}
	if _, err := Update(h.ctx, env, func(p *Prefs) { p.Welcomed = true }); err != nil {
		t.Fatal(err)
	}
	h.v.theme.SetSelected("Dark")
	got := h.prefs(t)
	if !got.Welcomed || got.Theme != ThemeDark {
		t.Fatalf("stored after the theme change = %+v; want welcomed and dark", got)
	}
	if len(h.changed) != 1 || !h.changed[0].Welcomed {
		t.Fatalf("the window was told %+v; want the stored prefs, welcomed", h.changed)
	}
}
