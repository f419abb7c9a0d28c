package pushsettings

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/dispatch"
)

// Keys of the watch settings (dead-man's switch, duration anomaly,
// heartbeat, while-you-were-away summary).
const (
	keyAnomaly     = "anomaly.enabled"
	keyAnomalyK    = "anomaly.k"
	keyAnomalyRuns = "anomaly.min_runs"
	keyHeartbeat   = "heartbeat.url"
	keyHBInterval  = "heartbeat.interval"
	keyAway        = "away_summary"
)

// heartbeatEngine keeps the heartbeat URL in the keyring (*host.Env does);
// an engine without it shows no URL field.
type heartbeatEngine interface {
	HeartbeatURL(ctx context.Context) (string, error)
	SetHeartbeatURL(ctx context.Context, v string) error
}

// watchControls are the Watch card's widgets.
type watchControls struct {
	anomaly    *widget.Check
	k, runs    *widget.Entry
	url        *widget.Entry
	urlSave    *widget.Button
	interval   *widget.Entry
	away       *widget.Check
	preview    *widget.Label
	hasURL     bool
	heartbeats heartbeatEngine
}

// buildWatch builds the Watch card; Refresh fills it through refreshWatch.
func (v *View) buildWatch() fyne.CanvasObject {
	w := &watchControls{}
	v.watch = w
	w.anomaly = v.check("pushsettings.watch.anomaly", keyAnomaly, func(s *dispatch.Settings, on bool) { s.Anomaly.Enabled = on })
	w.k = v.watchEntry(keyAnomalyK, "3")
	w.runs = v.watchEntry(keyAnomalyRuns, "10")
	w.interval = v.watchEntry(keyHBInterval, "60")
	w.away = v.check("pushsettings.watch.away", keyAway, func(s *dispatch.Settings, on bool) { s.AwaySummary = on })
	w.away.OnChanged = chain(w.away.OnChanged, v.updateWatchPreview)
	w.anomaly.OnChanged = chain(w.anomaly.OnChanged, v.updateWatchPreview)
	w.preview = widget.NewLabel("")
	w.preview.Wrapping = fyne.TextWrapWord
	w.preview.TextStyle = fyne.TextStyle{Italic: true}

	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(lang.L("pushsettings.watch.k")),
		container.NewVBox(narrow(w.k, 100), helpLabel(lang.L("pushsettings.watch.k.help")), v.errLabel(keyAnomalyK)),
		widget.NewLabel(lang.L("pushsettings.watch.runs")),
		container.NewVBox(narrow(w.runs, 100), v.errLabel(keyAnomalyRuns)),
	)
	hb := container.New(layout.NewFormLayout())
	if he, ok := v.eng.(heartbeatEngine); ok {
		w.heartbeats = he
		w.url = widget.NewPasswordEntry()
		w.url.SetPlaceHolder("https://hc-ping.com/…")
		w.urlSave = widget.NewButton(lang.L("pushsettings.watch.url.save"), func() {
			err := he.SetHeartbeatURL(v.ctx, w.url.Text)
			setError(v.errs[keyHeartbeat], errorText(err, keyHeartbeat))
			if err == nil {
				w.hasURL = w.url.Text != ""
				v.updateWatchPreview(true)
			}
		})
		hb.Add(widget.NewLabel(lang.L("pushsettings.watch.url")))
		hb.Add(container.NewVBox(container.NewBorder(nil, nil, nil, w.urlSave, w.url),
			helpLabel(lang.L("pushsettings.watch.url.help")), v.errLabel(keyHeartbeat)))
	}
	hb.Add(widget.NewLabel(lang.L("pushsettings.watch.interval")))
	hb.Add(container.NewVBox(narrow(w.interval, 100), v.errLabel(keyHBInterval)))

	return widget.NewCard(lang.L("pushsettings.section.watch"), "", container.NewVBox(
		helpLabel(lang.L("pushsettings.watch.help")),
		w.anomaly,
		v.errLabel(keyAnomaly),
		form,
		widget.NewSeparator(),
		hb,
		widget.NewSeparator(),
		w.away,
		helpLabel(lang.L("pushsettings.watch.away.help")),
		v.errLabel(keyAway),
		w.preview,
	))
}

func chain(a, b func(bool)) func(bool) {
	return func(on bool) {
		if a != nil {
			a(on)
		}
		b(on)
	}
}

// watchEntry is a write-through entry whose preview follows.
func (v *View) watchEntry(key, placeholder string) *widget.Entry {
	e := v.textEntry(key, placeholder)
	set := e.OnChanged
	e.OnChanged = func(text string) {
		set(text)
		v.updateWatchPreview(true)
	}
	return e
}

// refreshWatch shows stored values.
func (v *View) refreshWatch(s dispatch.Settings) {
	w := v.watch
	w.anomaly.SetChecked(s.Anomaly.Enabled)
	w.k.SetText(strconv.FormatFloat(s.Anomaly.K, 'g', -1, 64))
	w.runs.SetText(strconv.Itoa(s.Anomaly.MinRuns))
	w.interval.SetText(strconv.Itoa(s.Heartbeat.Interval))
	w.away.SetChecked(s.AwaySummary)
	if w.heartbeats != nil {
		// The URL may hold a token: never shown, only whether one is set.
		u, err := w.heartbeats.HeartbeatURL(v.ctx)
		w.hasURL = err == nil && u != ""
		w.url.SetText("")
		if w.hasURL {
			w.url.SetPlaceHolder(lang.L("pushsettings.watch.url.set"))
		}
	}
	v.updateWatchPreview(true)
}

// updateWatchPreview says in one sentence per rule what the settings do.
func (v *View) updateWatchPreview(bool) {
	w := v.watch
	if w == nil || w.preview == nil {
		return
	}
	s := v.settings
	var text string
	if s.Anomaly.Enabled {
		text = lang.L("pushsettings.watch.preview.anomaly", map[string]any{
			"K": strconv.FormatFloat(s.Anomaly.K, 'g', -1, 64), "N": s.Anomaly.MinRuns})
	} else {
		text = lang.L("pushsettings.watch.preview.anomaly_off")
	}
	if w.hasURL {
		text += " " + lang.L("pushsettings.watch.preview.heartbeat", map[string]any{"N": s.Heartbeat.Interval})
	}
	if s.AwaySummary {
		text += " " + lang.L("pushsettings.watch.preview.away")
	}
	w.preview.SetText(text)
}
