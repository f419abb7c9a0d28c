// Package settings is the Settings/About tab (设置/关于) of Herald's window and
// the typed store of the window's own preferences (Prefs). Every control
// writes through on change; the engine validates what it owns (the local
// API's port) and the tab shows its answer.
package settings

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/api"
	"github.com/heraldpush/herald/ui/loader"
	"github.com/heraldpush/herald/ui/localize"
	"github.com/heraldpush/herald/ui/wheel"
)

// Options are what the tab needs from the window around it.
type Options struct {
	// Version is shown under About ("" for a development build).
	Version string
	// OnPrefsChanged is called on the UI goroutine after a preference was
	// stored, with all of them, so the window applies theme, language and
	// tray behaviour at once. Nil: nobody listens.
	OnPrefsChanged func(Prefs)
	// SetStartAtLogin turns starting at login on or off in the OS. Nil when
	// this build cannot, which disables the toggle.
	SetStartAtLogin func(on bool) error
	// StartAtLoginState reads whether the OS starts Herald at login, which
	// the toggle shows (the entry may be gone or stale while the stored
	// preference says on). Nil: the toggle shows the preference.
	StartAtLoginState func() (bool, error)
}

// tokenMask stands for the API token on screen: fixed length, so it tells
// nothing about the token.
const tokenMask = "••••••••••••••••"

// Language names are shown in their own language, whatever the UI's.
var languageNames = map[string]string{
	LanguageEnglish: "English",
	LanguageChinese: "简体中文",
}

// Engine is what the tab uses of the engine (*host.Env in the app).
type Engine interface {
	SettingStore
	LoadAPISettings(ctx context.Context) (api.Settings, error)
	SaveAPISettings(ctx context.Context, s api.Settings) error
	// API builds (does not start) an API server on port, for its token.
	API(ctx context.Context, port int) (*api.Server, error)
	// APIListening is where the running API listens, "" when it does not.
	APIListening() string
	// Folder is the data folder.
	Folder() string
}

// View is the Settings/About tab.
type View struct {
	ctx  context.Context
	eng  Engine
	win  fyne.Window
	opts Options

	prefs Prefs
	api   api.Settings
	token string
	// loginOn is the OS's start-at-login state when it could be read.
	loginOn *bool

	// filling is set while widgets are set from stored values, so their
	// change callbacks don't write back what was just read.
	filling bool
	// openURL opens the data folder; tests replace it.
	openURL func(*url.URL) error
	// loader reads the stored values and the token (the keyring may be
	// slow or ask to be unlocked) off the UI goroutine.
	loader *loader.Loader
	mu     sync.Mutex
	want   request // what the next load does; guarded by mu

	root            fyne.CanvasObject
	prefsErr        *widget.Label
	language        *widget.Select
	theme           *widget.Select
	closeToTray     *widget.Check
	startAtLogin    *widget.Check
	loginNote       *widget.Label
	notifyOnFailure *widget.Check
	apiEnabled      *widget.Check
	port            *widget.Entry
	portErr         *widget.Label
	apiStatus       *widget.Label
	tokenText       *widget.Label
	tokenBusy       *widget.Activity
	tokenErr        *widget.Label
	copyToken       *widget.Button
	regenToken      *widget.Button
	dataDir         *widget.Label
	openDataDir     *widget.Button
	openErr         *widget.Label
	version         *widget.Label
	backup          *backupCard // nil when the engine cannot back up
}

// New builds the tab and fills it from the store.
func New(ctx context.Context, eng Engine, win fyne.Window, opts Options) *View {
	v := &View{ctx: ctx, eng: eng, win: win, opts: opts, prefs: DefaultPrefs(), api: api.DefaultSettings()}
	v.openURL = func(u *url.URL) error { return fyne.CurrentApp().OpenURL(u) }
	v.build()
	v.loader = loader.New(ctx, v.load)
	v.Refresh()
	return v
}

// request is what the next load is asked to do; requests merge.
type request struct {
	refresh bool // read the stored values, then the token
	regen   bool // make a new token
	port    int  // the API port to ask for the token when the settings can't be read
}

// Wait returns once what was asked before it is read and shown (tests).
func (v *View) Wait() { v.loader.Wait() }

func (v *View) ask(change func(*request)) {
	v.mu.Lock()
	change(&v.want)
	v.mu.Unlock()
	v.loader.Request()
}

// load reads what was asked, off the UI goroutine; the function it returns
// shows it.
func (v *View) load(ctx context.Context) func() {
	v.mu.Lock()
	q := v.want
	v.want = request{}
	v.mu.Unlock()
	if !q.refresh && !q.regen {
		return nil
	}
	var (
		p          Prefs
		s          api.Settings
		perr, aerr error
	)
	port := q.port
	var loginOn *bool
	if q.refresh {
		p, perr = Load(ctx, v.eng)
		s, aerr = v.eng.LoadAPISettings(ctx)
		if aerr == nil {
			port = s.Port
		}
		loginOn = v.readLoginState()
	}
	srv, err := v.eng.API(ctx, port)
	tok := ""
	if err == nil {
		if q.regen {
			tok, err = srv.RegenerateToken(ctx)
		} else {
			tok, err = srv.Token(ctx)
		}
	}
	return func() {
		if q.refresh {
			if perr == nil {
				v.prefs = p
			}
			if aerr == nil {
				v.api = s
			}
			v.loginOn = loginOn
			v.fill()
			v.showLoadErr(v.prefsErr, perr)
			v.showLoadErr(v.portErr, aerr)
		}
		v.tokenDone(tok, err)
	}
}

// Object is the tab's content.
func (v *View) Object() fyne.CanvasObject { return v.root }

func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func noteLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.LowImportance
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (v *View) build() {
	v.prefsErr = errorLabel()

	v.language = widget.NewSelect([]string{
		lang.L("settings.language.system"), languageNames[LanguageEnglish], languageNames[LanguageChinese],
	}, func(string) { v.prefChanged(func(p *Prefs) { p.Language = v.languageValue() }) })
	v.theme = widget.NewSelect([]string{
		lang.L("settings.theme.system"), lang.L("settings.theme.light"), lang.L("settings.theme.dark"),
	}, func(string) { v.prefChanged(func(p *Prefs) { p.Theme = v.themeValue() }) })
	appearance := widget.NewForm(
		widget.NewFormItem(lang.L("settings.language"), v.language),
		widget.NewFormItem(lang.L("settings.theme"), v.theme),
	)

	v.closeToTray = widget.NewCheck(lang.L("settings.close_to_tray"), func(on bool) {
		v.prefChanged(func(p *Prefs) { p.CloseToTray = on })
	})
	v.startAtLogin = widget.NewCheck(lang.L("settings.start_at_login"), v.startAtLoginChanged)
	v.loginNote = noteLabel(lang.L("settings.start_at_login.unavailable"))
	if v.opts.SetStartAtLogin == nil {
		v.startAtLogin.Disable()
	} else {
		v.loginNote.Hide()
	}
	v.notifyOnFailure = widget.NewCheck(lang.L("settings.notify_on_failure"), func(on bool) {
		v.prefChanged(func(p *Prefs) { p.NotifyOnFailure = on })
	})
	behaviour := container.NewVBox(v.closeToTray, v.startAtLogin, v.loginNote, v.notifyOnFailure)

	v.apiEnabled = widget.NewCheck(lang.L("settings.api.enabled"), func(on bool) {
		v.apiChanged(func(s *api.Settings) { s.Enabled = on })
	})
	v.port = widget.NewEntry()
	v.port.OnChanged = v.portChanged
	v.portErr = errorLabel()
	v.tokenText = widget.NewLabel("")
	v.tokenBusy = widget.NewActivity()
	v.tokenBusy.Hide()
	v.tokenErr = errorLabel()
	v.copyToken = widget.NewButton(lang.L("settings.api.copy"), v.copyTokenTapped)
	v.regenToken = widget.NewButton(lang.L("settings.api.regenerate"), v.regenerateTapped)
	tokenRow := container.NewBorder(nil, nil, nil,
		container.NewHBox(v.tokenBusy, v.copyToken, v.regenToken), v.tokenText)
	v.apiStatus = noteLabel("")
	api := container.NewVBox(
		v.apiEnabled,
		widget.NewForm(
			widget.NewFormItem(lang.L("settings.api.port"), container.NewVBox(narrow(v.port), v.portErr)),
			widget.NewFormItem(lang.L("settings.api.token"), container.NewVBox(tokenRow, v.tokenErr)),
		),
		v.apiStatus,
	)

	v.version = widget.NewLabel("")
	v.dataDir = widget.NewLabel(v.eng.Folder())
	v.dataDir.Selectable = true
	v.dataDir.Wrapping = fyne.TextWrapBreak
	v.openDataDir = widget.NewButton(lang.L("settings.data_dir.open"), v.openDataDirTapped)
	v.openErr = errorLabel()
	about := widget.NewForm(
		widget.NewFormItem(lang.L("settings.version"), v.version),
		widget.NewFormItem(lang.L("settings.data_dir"), container.NewVBox(
			container.NewBorder(nil, nil, nil, v.openDataDir, v.dataDir), v.openErr)),
	)

	v.root = wheel.NewVScroll(container.NewVBox(
		v.prefsErr,
		widget.NewCard(lang.L("settings.section.appearance"), "", appearance),
		widget.NewCard(lang.L("settings.section.behaviour"), "", behaviour),
		widget.NewCard(lang.L("settings.section.api"), "", api),
		v.backupSection(),
		widget.NewCard(lang.L("settings.section.about"), "", about),
	))
}

// Refresh shows the stored values again (another process, the CLI, may have
// changed them) and re-reads the API token. Call on the UI goroutine.
func (v *View) Refresh() {
	if v.backup != nil {
		v.backup.refresh()
	}
	v.tokenStarted()
	port := v.api.Port
	v.ask(func(q *request) { q.refresh, q.port = true, port })
}

// fill sets every control from v.prefs and v.api without writing back.
func (v *View) fill() {
	v.filling = true
	defer func() { v.filling = false }()
	v.language.SetSelectedIndex(indexOf([]string{LanguageSystem, LanguageEnglish, LanguageChinese}, v.prefs.Language))
	v.theme.SetSelectedIndex(indexOf([]string{ThemeSystem, ThemeLight, ThemeDark}, v.prefs.Theme))
	v.closeToTray.SetChecked(v.prefs.CloseToTray)
	v.startAtLogin.SetChecked(v.startsAtLogin())
	v.notifyOnFailure.SetChecked(v.prefs.NotifyOnFailure)
	v.apiEnabled.SetChecked(v.api.Enabled)
	v.port.SetText(strconv.Itoa(v.api.Port))
	v.portErr.Hide()
	if addr := v.eng.APIListening(); addr != "" {
		v.apiStatus.SetText(lang.L("settings.api.listening", map[string]any{"Addr": addr}) + " " + lang.L("settings.api.restart_note"))
	} else {
		v.apiStatus.SetText(lang.L("settings.api.not_running") + " " + lang.L("settings.api.restart_note"))
	}
	if v.opts.Version != "" {
		v.version.SetText(v.opts.Version)
	} else {
		v.version.SetText(lang.L("settings.version.dev"))
	}
	v.dataDir.SetText(v.eng.Folder())
}

func indexOf(values []string, v string) int {
	for i, x := range values {
		if x == v {
			return i
		}
	}
	return 0
}

func (v *View) languageValue() string {
	return []string{LanguageSystem, LanguageEnglish, LanguageChinese}[max(v.language.SelectedIndex(), 0)]
}

func (v *View) themeValue() string {
	return []string{ThemeSystem, ThemeLight, ThemeDark}[max(v.theme.SelectedIndex(), 0)]
}

// showLoadErr shows a failed read in l, or hides l when err is nil.
func (v *View) showLoadErr(l *widget.Label, err error) {
	if err == nil {
		l.Hide()
		return
	}
	l.SetText(lang.L("settings.load_failed", map[string]any{"Error": localize.Error(err)}))
	l.Show()
}

// prefChanged applies change to the preferences, stores them and tells the
// window. When storing fails the controls go back to what is stored.
func (v *View) prefChanged(change func(*Prefs)) {
	if v.filling {
		return
	}
	// Only the changed field is written, onto what is stored now: v.prefs
	// may be stale (the welcome was dismissed since, or the CLI changed
	// something).
	p, err := Update(v.ctx, v.eng, change)
	if err != nil {
		v.prefsErr.SetText(lang.L("settings.not_saved", map[string]any{"Error": localize.Error(err)}))
		v.prefsErr.Show()
		v.fill()
		return
	}
	v.prefsErr.Hide()
	v.prefs = p
	if v.opts.OnPrefsChanged != nil {
		v.opts.OnPrefsChanged(p)
	}
}

func (v *View) startAtLoginChanged(on bool) {
	if v.filling {
		return
	}
	if v.opts.SetStartAtLogin == nil {
		return
	}
	if err := v.opts.SetStartAtLogin(on); err != nil {
		v.prefsErr.SetText(lang.L("settings.start_at_login.failed", map[string]any{"Error": localize.Error(err)}))
		v.prefsErr.Show()
		v.fill()
		return
	}
	v.loginOn = &on
	v.prefChanged(func(p *Prefs) { p.StartAtLogin = on })
}

// readLoginState asks the OS whether Herald starts at login; nil when it
// can't tell (the toggle then shows the preference).
func (v *View) readLoginState() *bool {
	if v.opts.StartAtLoginState == nil {
		return nil
	}
	on, err := v.opts.StartAtLoginState()
	if err != nil {
		return nil
	}
	return &on
}

// startsAtLogin is what the toggle shows: the OS's state when known.
func (v *View) startsAtLogin() bool {
	if v.loginOn != nil {
		return *v.loginOn
	}
	return v.prefs.StartAtLogin
}

// apiChanged stores changed API settings; the engine validates them and its
// refusal is shown under the port.
func (v *View) apiChanged(change func(*api.Settings)) {
	if v.filling {
		return
	}
	s := v.api
	change(&s)
	if err := v.eng.SaveAPISettings(v.ctx, s); err != nil {
		v.portErr.SetText(lang.L("settings.not_saved", map[string]any{"Error": localize.Error(err)}))
		v.portErr.Show()
		return
	}
	v.portErr.Hide()
	v.api = s
}

func (v *View) portChanged(text string) {
	if v.filling {
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		v.portErr.SetText(lang.L("settings.api.port_not_number"))
		v.portErr.Show()
		return
	}
	v.apiChanged(func(s *api.Settings) { s.Port = n })
}

func (v *View) tokenStarted() {
	v.tokenBusy.Show()
	v.tokenBusy.Start()
	v.tokenText.SetText(lang.L("settings.api.token_loading"))
	v.copyToken.Disable()
	v.regenToken.Disable()
}

func (v *View) tokenDone(tok string, err error) {
	v.tokenBusy.Stop()
	v.tokenBusy.Hide()
	v.regenToken.Enable()
	if err == nil {
		v.token = tok
		v.tokenErr.Hide()
	} else {
		// A failed regeneration leaves the old token in force: keep it.
		v.tokenErr.SetText(lang.L("settings.api.token_failed", map[string]any{"Error": localize.Error(err)}))
		v.tokenErr.Show()
	}
	if v.token == "" {
		v.tokenText.SetText(lang.L("settings.api.token_unavailable"))
		return
	}
	v.tokenText.SetText(tokenMask)
	v.copyToken.Enable()
}

func (v *View) copyTokenTapped() {
	if v.token == "" {
		return
	}
	fyne.CurrentApp().Clipboard().SetContent(v.token)
}

func (v *View) regenerateTapped() {
	d := dialog.NewConfirm(lang.L("settings.api.regenerate_title"), lang.L("settings.api.regenerate_confirm"),
		func(ok bool) {
			if ok {
				v.regenerate()
			}
		}, v.win)
	d.SetConfirmText(lang.L("settings.api.regenerate"))
	d.SetDismissText(lang.L("settings.cancel"))
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

func (v *View) regenerate() {
	v.tokenStarted()
	port := v.api.Port
	v.ask(func(q *request) { q.regen, q.port = true, port })
}

func (v *View) openDataDirTapped() {
	u, err := url.Parse(storage.NewFileURI(v.eng.Folder()).String())
	if err == nil {
		err = v.openURL(u)
	}
	if err != nil {
		v.openErr.SetText(lang.L("settings.data_dir.open_failed", map[string]any{"Error": localize.Error(err)}))
		v.openErr.Show()
		return
	}
	v.openErr.Hide()
}

// portWidth fits a port number (five digits) with room to spare.
const portWidth float32 = 140

// narrow keeps a number entry as wide as a number needs, not the form.
func narrow(e *widget.Entry) fyne.CanvasObject {
	return container.NewHBox(container.NewGridWrap(fyne.NewSize(portWidth, e.MinSize().Height), e))
}
