package pushsettings

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/channel/webhook/webhooktest"
	"github.com/heraldpush/herald/engine/dispatch"
	"github.com/heraldpush/herald/engine/host"
	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/engine/testenv"
	_ "github.com/heraldpush/herald/ui/cleanlocale" // before Fyne reads LANG=C.UTF-8
)

// TestMain pins the language before Fyne picks one, so the golden and the
// English assertions do not depend on the machine's locale.
func TestMain(m *testing.M) {
	for k, val := range map[string]string{"LANGUAGE": "en", "LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "", "LANG": "en_US.UTF-8"} {
		os.Setenv(k, val)
	}
	os.Exit(m.Run())
}

var loadTranslations sync.Once

// newEnv is a real engine environment in a temp data folder with the
// tab's English strings loaded.
func newEnv(t *testing.T) *host.Env {
	t.Helper()
	testenv.NeedKeyring(t)
	loadTranslations.Do(func() {
		for _, name := range []string{"en.json", "views.en.json", "deadman.en.json", "remind.en.json", "quiet.en.json"} {
			data, err := os.ReadFile("../../assets/translations/" + name)
			if err != nil {
				t.Fatal(err)
			}
			if err := lang.AddTranslationsForLocale(data, fyne.Locale("en")); err != nil {
				t.Fatal(err)
			}
		}
	})
	test.NewTempApp(t)
	env, err := host.Open(t.Context(), t.TempDir(), host.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

// addChannel registers a webhook channel pointing at a contract server.
func addChannel(t *testing.T, env *host.Env, name string) registry.Channel {
	t.Helper()
	c, err := env.Registry.Add(t.Context(), "webhook", name, webhooktest.NewServer(t).Config())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// open shows the tab in a test window.
func open(t *testing.T, env *host.Env) (*View, fyne.Window) {
	t.Helper()
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	v := New(t.Context(), env, w)
	w.SetContent(v.Object())
	w.Resize(fyne.NewSize(900, 700))
	return v, w
}

func stored(t *testing.T, env *host.Env) dispatch.Settings {
	t.Helper()
	s, err := dispatch.LoadSettings(t.Context(), env.Store)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// shown reads the settings back from the widgets.
func shown(t *testing.T, v *View) dispatch.Settings {
	t.Helper()
	n, err := strconv.Atoi(v.failures.Text)
	if err != nil {
		t.Fatalf("failures entry shows %q", v.failures.Text)
	}
	interval, err := v.batchInterval.seconds()
	if err != nil {
		t.Fatalf("interval picker shows %q %q", v.batchInterval.amount.Text, v.batchInterval.unit.Selected)
	}
	var ids []string
	for _, cc := range v.channelChecks {
		if cc.check.Checked {
			ids = append(ids, cc.id)
		}
	}
	s := dispatch.Settings{
		Enabled:              v.enabled.Checked,
		AllChannels:          v.allChannels.Checked,
		Channels:             ids,
		ManualSuccess:        v.manualSuccess.Checked,
		ManualFailure:        v.manualFailure.Checked,
		AutoSuccess:          v.autoSuccess.Checked,
		AutoFailure:          v.autoFailure.Checked,
		FailuresBeforeNotify: n,
		Recovery:             v.recovery.Checked,
		Batch: dispatch.BatchSettings{
			Enabled:   v.batchEnabled.Checked,
			First:     v.batchFirst.Text,
			Interval:  interval,
			SkipEmpty: v.batchSkipEmpty.Checked,
		},
		Language:      languages[v.language.SelectedIndex()],
		TitleTemplate: v.title.Text,
		BodyTemplate:  v.body.Text,
	}
	shownWatch(t, v, &s)  // watch_test.go
	shownRemind(t, v, &s) // remind_test.go
	return s
}

func checkByName(t *testing.T, v *View, id string) fyne.Tappable {
	t.Helper()
	for _, cc := range v.channelChecks {
		if cc.id == id {
			return cc.check
		}
	}
	t.Fatalf("no check box for channel %s", id)
	return nil
}

// Every control writes through: after the change the store holds exactly
// the defaults plus that change, and a freshly opened tab shows it.
func TestEveryControlPersists(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, v *View, chB string)
		want   func(s *dispatch.Settings, chB string)
	}{
		{"global switch", func(t *testing.T, v *View, _ string) { test.Tap(v.enabled) },
			func(s *dispatch.Settings, _ string) { s.Enabled = false }},
		{"chosen channels", func(t *testing.T, v *View, chB string) {
			test.Tap(v.allChannels)
			test.Tap(checkByName(t, v, chB))
		}, func(s *dispatch.Settings, chB string) { s.AllChannels, s.Channels = false, []string{chB} }},
		{"manual success", func(t *testing.T, v *View, _ string) { test.Tap(v.manualSuccess) },
			func(s *dispatch.Settings, _ string) { s.ManualSuccess = true }},
		{"manual failure", func(t *testing.T, v *View, _ string) { test.Tap(v.manualFailure) },
			func(s *dispatch.Settings, _ string) { s.ManualFailure = false }},
		{"auto success", func(t *testing.T, v *View, _ string) { test.Tap(v.autoSuccess) },
			func(s *dispatch.Settings, _ string) { s.AutoSuccess = true }},
		{"auto failure", func(t *testing.T, v *View, _ string) { test.Tap(v.autoFailure) },
			func(s *dispatch.Settings, _ string) { s.AutoFailure = false }},
		{"failures before notify", func(t *testing.T, v *View, _ string) { v.failures.SetText("3") },
			func(s *dispatch.Settings, _ string) { s.FailuresBeforeNotify = 3 }},
		{"recovery", func(t *testing.T, v *View, _ string) { test.Tap(v.recovery) },
			func(s *dispatch.Settings, _ string) { s.Recovery = false }},
		{"batch enabled", func(t *testing.T, v *View, _ string) { test.Tap(v.batchEnabled) },
			func(s *dispatch.Settings, _ string) { s.Batch.Enabled = true }},
		{"batch first time", func(t *testing.T, v *View, _ string) { v.batchFirst.SetText("08:30:15") },
			func(s *dispatch.Settings, _ string) { s.Batch.First = "08:30:15" }},
		{"batch interval", func(t *testing.T, v *View, _ string) {
			v.batchInterval.amount.SetText("2")
			v.batchInterval.unit.SetSelected("hours")
		},
			func(s *dispatch.Settings, _ string) { s.Batch.Interval = 7200 }},
		{"batch skip empty", func(t *testing.T, v *View, _ string) { test.Tap(v.batchSkipEmpty) },
			func(s *dispatch.Settings, _ string) { s.Batch.SkipEmpty = false }},
		{"language", func(t *testing.T, v *View, _ string) { v.language.SetSelected("简体中文") },
			func(s *dispatch.Settings, _ string) { s.Language = "zh" }},
		{"title template", func(t *testing.T, v *View, _ string) { test.Type(v.title, "{{.Task}}: {{.Status}}") },
			func(s *dispatch.Settings, _ string) { s.TitleTemplate = "{{.Task}}: {{.Status}}" }},
		{"body template", func(t *testing.T, v *View, _ string) { v.body.SetText("Run of {{.Task}}\n{{.Error}}") },
			func(s *dispatch.Settings, _ string) { s.BodyTemplate = "Run of {{.Task}}\n{{.Error}}" }},
		{"reminder interval", func(t *testing.T, v *View, _ string) {
			v.remind.interval.amount.SetText("4")
			v.remind.interval.unit.SetSelected("hours")
		}, func(s *dispatch.Settings, _ string) { s.Reminder.Interval = 4 * 3600 }},
		{"reminder max", func(t *testing.T, v *View, _ string) { v.remind.max.SetText("5") },
			func(s *dispatch.Settings, _ string) { s.Reminder.Max = 5 }},
		{"escalation after", func(t *testing.T, v *View, _ string) {
			v.remind.after.amount.SetText("1")
			v.remind.after.unit.SetSelected("days")
		}, func(s *dispatch.Settings, _ string) { s.Escalation.After = 86400 }},
		{"escalation failures", func(t *testing.T, v *View, _ string) { v.remind.failures.SetText("3") },
			func(s *dispatch.Settings, _ string) { s.Escalation.Failures = 3 }},
		{"escalation channels", func(t *testing.T, v *View, _ string) { v.remind.channels.SetText("Home") },
			func(s *dispatch.Settings, chB string) { s.Escalation.Channels = []string{chB} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			addChannel(t, env, "Ops")
			chB := addChannel(t, env, "Home").ID
			v, _ := open(t, env)

			want := dispatch.DefaultSettings()
			if got := shown(t, v); !reflect.DeepEqual(got, want) {
				t.Fatalf("a fresh tab shows\n%+v\nwant the defaults\n%+v", got, want)
			}
			tc.change(t, v, chB)
			tc.want(&want, chB)
			for key, l := range v.errs {
				if l.Visible() {
					t.Errorf("error under %s: %s", key, l.Text)
				}
			}
			if got := stored(t, env); !reflect.DeepEqual(got, want) {
				t.Fatalf("stored\n%+v\nwant\n%+v", got, want)
			}
			v2, _ := open(t, env)
			if got := shown(t, v2); !reflect.DeepEqual(got, want) {
				t.Fatalf("reopened tab shows\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// Values the engine rejects show its error under the control and leave
// the stored settings as they were; a good value then clears the error.
func TestBadValuesRejected(t *testing.T) {
	cases := []struct {
		name  string
		entry func(v *View) *widget.Entry
		key   string
		bad   string
		msg   string // part of the engine's message
		good  string
	}{
		{"N above 99", failuresEntry, keyFailures, "100", "between 0", "99"},
		{"N negative", failuresEntry, keyFailures, "-1", "between 0", "1"},
		{"N not a number", failuresEntry, keyFailures, "three", "must be a number", "3"},
		{"first time out of range", firstEntry, keyBatchFirst, "25:00:00", "HH:MM:SS", "23:00:00"},
		{"first time not a time", firstEntry, keyBatchFirst, "noon", "HH:MM:SS", "12:00:01"},
		{"interval below 60", intervalEntry, keyBatchInterval, "59", "at least 60", "60"},
		{"interval not whole days", intervalEntry, keyBatchInterval, "90000", "whole days", "172800"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			v, _ := open(t, env)
			before := stored(t, env)
			e := tc.entry(v)
			errLabel := v.errs[tc.key]

			e.SetText(tc.bad)
			if !errLabel.Visible() || !strings.Contains(errLabel.Text, tc.msg) {
				t.Fatalf("after %q the error under %s is %q (visible %v), want it to say %q", tc.bad, tc.key, errLabel.Text, errLabel.Visible(), tc.msg)
			}
			if got := stored(t, env); !reflect.DeepEqual(got, before) {
				t.Fatalf("a rejected value changed the stored settings:\n%+v\nwas\n%+v", got, before)
			}
			if e.Text != tc.bad {
				t.Errorf("the entry shows %q, want the rejected text %q kept for fixing", e.Text, tc.bad)
			}

			e.SetText(tc.good)
			if errLabel.Visible() {
				t.Errorf("after the good value %q the error is still shown: %s", tc.good, errLabel.Text)
			}
			if got := stored(t, env); reflect.DeepEqual(got, before) {
				t.Errorf("the good value %q was not stored", tc.good)
			}
		})
	}
}

func failuresEntry(v *View) *widget.Entry { return v.failures }
func firstEntry(v *View) *widget.Entry    { return v.batchFirst }

// intervalEntry is the interval's number, counting seconds.
func intervalEntry(v *View) *widget.Entry {
	v.batchInterval.showIn(0, v.settings.Batch.Interval)
	return v.batchInterval.amount
}

// The preview renders the sample run through dispatch.Render as the title
// template is typed, and follows the success/failure toggle.
func TestPreviewFollowsTitleTemplate(t *testing.T) {
	env := newEnv(t)
	v, _ := open(t, env)
	before := v.previewTitle.Text
	if !strings.Contains(before, "Nightly backup") {
		t.Fatalf("the default preview title %q does not name the sample task", before)
	}

	test.Type(v.title, "Disk {{.Status}} on {{.Task}}")
	if got, want := v.previewTitle.Text, "Disk failure on Nightly backup"; got != want {
		t.Fatalf("preview title after typing = %q, want %q (was %q)", got, want, before)
	}
	if got := stored(t, env).TitleTemplate; got != "Disk {{.Status}} on {{.Task}}" {
		t.Errorf("stored title template = %q", got)
	}

	v.sample.SetSelected(v.sample.Options[sampleSuccess])
	if got, want := v.previewTitle.Text, "Disk success on Nightly backup"; got != want {
		t.Errorf("preview title of the success sample = %q, want %q", got, want)
	}
	v.sample.SetSelected(v.sample.Options[sampleFailure])
	if !strings.Contains(v.previewBody.Text, "No space left on device") {
		t.Errorf("the failure sample's body does not show its output:\n%s", v.previewBody.Text)
	}

	// The body follows its template too.
	v.body.SetText("Why: {{.Error}}")
	if got, want := v.previewBody.Text, "Why: exit status 1"; got != want {
		t.Errorf("preview body = %q, want %q", got, want)
	}
}

// A template with a mistake shows the engine's error under its entry and
// the template stored before stays.
func TestBadTemplateKeepsOld(t *testing.T) {
	cases := []struct {
		name  string
		entry func(v *View) *widget.Entry
		key   string
		bad   string
		msg   string
	}{
		{"title does not parse", func(v *View) *widget.Entry { return v.title }, keyTitle, "{{.Task", "not a valid template"},
		{"title names no field", func(v *View) *widget.Entry { return v.title }, keyTitle, "{{.Nope}}", "the template fails"},
		{"body does not parse", func(v *View) *widget.Entry { return v.body }, keyBody, "{{if .Error}}unclosed", "not a valid template"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			v, _ := open(t, env)
			e := tc.entry(v)
			const good = "Good {{.Task}}"
			e.SetText(good)
			if v.errs[tc.key].Visible() {
				t.Fatalf("a good template shows an error: %s", v.errs[tc.key].Text)
			}
			want := stored(t, env)

			e.SetText(tc.bad)
			l := v.errs[tc.key]
			if !l.Visible() || !strings.Contains(l.Text, tc.msg) {
				t.Fatalf("error under %s = %q (visible %v), want it to say %q", tc.key, l.Text, l.Visible(), tc.msg)
			}
			if want := dispatch.CheckTemplates(v.title.Text, v.body.Text); want == nil || !strings.Contains(want.Error(), l.Text) {
				t.Errorf("shown error %q is not CheckTemplates' %v", l.Text, want)
			}
			if got := stored(t, env); !reflect.DeepEqual(got, want) {
				t.Fatalf("a bad template changed the stored settings:\n%+v\nwant\n%+v", got, want)
			}
			v2, _ := open(t, env)
			if got := tc.entry(v2).Text; got != good {
				t.Errorf("reopened tab shows %q, want the old template %q", got, good)
			}
		})
	}
}

// The next batch push shown is dispatch.NextDigest for the stored batch
// settings at the view's clock.
func TestNextDueTime(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	cases := []struct {
		name     string
		now      time.Time
		first    string
		interval string
	}{
		{"later today", time.Date(2026, 3, 10, 9, 15, 0, 0, loc), "12:30:00", "86400"},
		{"tomorrow", time.Date(2026, 3, 10, 13, 0, 0, 0, loc), "12:30:00", "86400"},
		{"hourly grid", time.Date(2026, 3, 10, 9, 15, 0, 0, loc), "12:30:00", "3600"},
		{"every two days", time.Date(2026, 3, 10, 23, 59, 59, 0, loc), "00:00:00", "172800"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			v, _ := open(t, env)
			v.now = func() time.Time { return tc.now }
			v.loc = loc
			v.Refresh()
			if got, want := v.nextDue.Text, lang.L("pushsettings.batch.next_off"); got != want {
				t.Errorf("with the batch off the tab shows %q, want %q", got, want)
			}

			test.Tap(v.batchEnabled)
			v.batchFirst.SetText(tc.first)
			n, _ := strconv.Atoi(tc.interval)
			v.batchInterval.set(n)
			v.batchInterval.changed()
			b := stored(t, env).Batch
			if b.First != tc.first || strconv.Itoa(b.Interval) != tc.interval || !b.Enabled {
				t.Fatalf("stored batch settings %+v", b)
			}
			due := dispatch.NextDigest(b, tc.now, loc)
			want := "Next batch push: " + due.In(loc).Format("2006-01-02 15:04:05")
			if got := v.nextDue.Text; got != want {
				t.Errorf("shown %q, want %q", got, want)
			}
		})
	}
}

// The tab's layout, filled with two channels and a fixed clock.
func TestMarkup(t *testing.T) {
	env := newEnv(t)
	addChannel(t, env, "Ops group")
	addChannel(t, env, "Phone")
	v, w := open(t, env)
	v.now = func() time.Time { return time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC) }
	v.loc = time.UTC
	v.Refresh()
	test.Tap(v.batchEnabled)
	w.Resize(fyne.NewSize(900, 700))
	test.AssertRendersToMarkup(t, "pushsettings.xml", w.Canvas())
}

// The interval is a number and a unit: a stored value shows in the
// largest unit that counts it whole, and a picked one is stored in seconds.
func TestIntervalPicker(t *testing.T) {
	env := newEnv(t)
	v, _ := open(t, env)
	p := v.batchInterval
	if p.amount.Text != "1" || p.unit.Selected != "days" {
		t.Fatalf("the default interval shows as %q %q, want 1 days", p.amount.Text, p.unit.Selected)
	}
	for _, tc := range []struct {
		seconds      int
		amount, unit string
	}{{90, "90", "seconds"}, {300, "5", "minutes"}, {7200, "2", "hours"}, {172800, "2", "days"}} {
		p.set(tc.seconds)
		if p.amount.Text != tc.amount || p.unit.Selected != tc.unit {
			t.Errorf("%d seconds show as %q %q, want %q %q", tc.seconds, p.amount.Text, p.unit.Selected, tc.amount, tc.unit)
		}
	}
	p.set(86400)
	p.unit.SetSelected("minutes") // the person types 30, then picks minutes
	p.amount.SetText("30")
	if got := stored(t, env).Batch.Interval; got != 1800 {
		t.Fatalf("stored interval %d, want 1800", got)
	}
	p.amount.SetText("half")
	if l := v.errs[keyBatchInterval]; !l.Visible() || !strings.Contains(l.Text, "whole number") {
		t.Errorf("a word as the interval: error %q (visible %v)", l.Text, l.Visible())
	}
	if got := stored(t, env).Batch.Interval; got != 1800 {
		t.Fatalf("a bad amount changed the stored interval to %d", got)
	}
}

// The preview card's button opens the Preview dialog with a channel to
// choose (what it shows is tested in ui/pushpreview).
func TestPreviewButtonOpensTheDialog(t *testing.T) {
	env := newEnv(t)
	v, _ := open(t, env)
	if v.previewBtn == nil || v.previewBtn.Text != "Preview a task on a channel…" {
		t.Fatalf("button %+v", v.previewBtn)
	}
	test.Tap(v.previewBtn)
	if v.lastPreview == nil {
		t.Fatal("no dialog")
	}
}
