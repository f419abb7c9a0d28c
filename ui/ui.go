// Package ui is Herald's desktop face: the main window and the tray. It only
// draws and forwards; the engine decides.
package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/app/boot"
	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/registry"
	_ "github.com/heraldpush/herald/ui/cleanlocale" // must initialise before Fyne
)

// AppID is Herald's application id (also in FyneApp.toml).
const AppID = "io.github.heraldpush.herald"

// Params are what the window needs from the composition root.
type Params struct {
	Env       *boot.Env
	Minimized bool
	Version   string
}

// Run shows the window and blocks until the app quits or ctx ends.
func Run(ctx context.Context, p Params) error {
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	a := fyneapp.NewWithID(AppID)
	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	a.SetIcon(icon)
	p.Env.SetDesktopNotifier(func(title, body string) error {
		fyne.Do(func() { a.SendNotification(fyne.NewNotification(title, body)) })
		return nil
	})
	defer p.Env.SetDesktopNotifier(nil)
	w := a.NewWindow(lang.L("app.name"))
	w.SetIcon(icon)

	ch := newChannelsView(ctx, p.Env)
	w.SetContent(container.NewAppTabs(container.NewTabItem(lang.L("tab.channels"), ch.object())))
	w.Resize(fyne.NewSize(820, 560))

	if desk, ok := a.(desktop.App); ok && sessionBusAvailable() {
		// Without a session bus, fyne v2.7.1's tray panics on quit (fyne #6403).
		desk.SetSystemTrayMenu(fyne.NewMenu(lang.L("app.name"),
			fyne.NewMenuItem(lang.L("tray.open"), func() { w.Show(); w.RequestFocus() }),
		))
		desk.SetSystemTrayIcon(icon)
		desk.SetSystemTrayWindow(w)
	}
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	ch.reload()
	if p.Minimized {
		a.Run()
	} else {
		w.ShowAndRun()
	}
	return nil
}

type channelsView struct {
	ctx   context.Context
	env   *boot.Env
	reg   *registry.Registry
	items []registry.Channel
	list  *widget.List
	empty *widget.Label
	state map[string]string // channel id → transient status text
}

func newChannelsView(ctx context.Context, env *boot.Env) *channelsView {
	v := &channelsView{ctx: ctx, env: env, reg: env.Registry, state: map[string]string{}}
	v.empty = widget.NewLabel(lang.L("channels.empty"))
	v.empty.Wrapping = fyne.TextWrapWord
	v.list = widget.NewList(
		func() int { return len(v.items) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewButton(lang.L("channels.test"), nil),
				container.NewVBox(widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), widget.NewLabel("")))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := v.items[i]
			row := o.(*fyne.Container)
			texts := row.Objects[0].(*fyne.Container)
			texts.Objects[0].(*widget.Label).SetText(c.Name + "  ·  " + c.Channel.Kind)
			texts.Objects[1].(*widget.Label).SetText(v.status(c))
			btn := row.Objects[1].(*widget.Button)
			btn.OnTapped = func() { v.test(c) }
		},
	)
	return v
}

func (v *channelsView) object() fyne.CanvasObject {
	return container.NewStack(v.list, container.NewVBox(v.empty))
}

func (v *channelsView) status(c registry.Channel) string {
	if s, ok := v.state[c.ID]; ok {
		return s
	}
	switch t := c.LastTest; {
	case t == nil:
		return lang.L("channels.never_tested")
	case t.OK:
		return t.At.Local().Format("2006-01-02 15:04") + " · " + lang.L("channels.test_ok")
	default:
		return t.At.Local().Format("2006-01-02 15:04") + " · " + lang.L("channels.test_failed", map[string]any{"Answer": t.Answer})
	}
}

func (v *channelsView) reload() {
	items, err := v.reg.List(v.ctx)
	if err != nil {
		v.empty.SetText(err.Error())
		v.empty.Show()
		return
	}
	v.items = items
	if len(items) == 0 {
		v.empty.Show()
	} else {
		v.empty.Hide()
	}
	v.list.Refresh()
}

func (v *channelsView) test(c registry.Channel) {
	v.state[c.ID] = lang.L("channels.testing")
	v.list.Refresh()
	go func() {
		// Through the outbox like every push; the answer is recorded as the
		// channel's last test and shown by reload.
		_, _ = v.env.Dispatcher.TestChannel(v.ctx, c)
		fyne.Do(func() {
			delete(v.state, c.ID)
			v.reload()
		})
	}()
}
