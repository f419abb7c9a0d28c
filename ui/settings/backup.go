package settings

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/backup"
	"github.com/heraldpush/herald/ui/localize"
)

// Backuper is what the Backup / Restore card uses (*host.Env); an engine
// without it shows no card.
type Backuper interface {
	Backup(ctx context.Context, w io.Writer, passphrase string, noSecrets, withHistory bool) error
	Restore(ctx context.Context, r io.Reader, passphrase string, opt backup.Options) (backup.Report, error)
	BackupReminder(ctx context.Context) (due, on bool, last time.Time)
	SetBackupReminder(ctx context.Context, on bool) error
}

// backupCard is Settings → Backup / Restore: the same options as `herald
// backup` and `herald restore`, and the 30-day reminder.
type backupCard struct {
	ctx context.Context
	eng Backuper
	win fyne.Window

	secrets  *widget.Check
	history  *widget.Check
	merge    *widget.Check
	replace  *widget.Check
	remind   *widget.Check
	last     *widget.Label
	due      *widget.Label
	result   *widget.Label
	errLabel *widget.Label
	busy     *widget.Activity
	backupB  *widget.Button
	restoreB *widget.Button
	filling  bool
	running  sync.WaitGroup // a backup or restore in progress (tests wait)
}

// backupSection builds the card, or nothing when eng cannot back up.
func (v *View) backupSection() fyne.CanvasObject {
	b, ok := v.eng.(Backuper)
	if !ok {
		return container.NewVBox()
	}
	c := &backupCard{ctx: v.ctx, eng: b, win: v.win}
	v.backup = c
	return c.build()
}

func (c *backupCard) build() fyne.CanvasObject {
	c.secrets = widget.NewCheck(lang.L("backup.ui.secrets"), nil)
	c.secrets.SetChecked(true)
	c.history = widget.NewCheck(lang.L("backup.ui.history"), nil)
	c.merge = widget.NewCheck(lang.L("backup.ui.merge"), func(on bool) {
		if on {
			c.replace.Enable()
		} else {
			c.replace.SetChecked(false)
			c.replace.Disable()
		}
	})
	c.replace = widget.NewCheck(lang.L("backup.ui.replace"), nil)
	c.replace.Disable()
	c.remind = widget.NewCheck(lang.L("backup.ui.remind"), func(on bool) {
		if c.filling {
			return
		}
		if err := c.eng.SetBackupReminder(c.ctx, on); err != nil {
			c.showErr(err)
		}
		c.refresh()
	})
	c.last = noteLabel("")
	c.due = widget.NewLabel(lang.L("backup.ui.due"))
	c.due.Importance = widget.WarningImportance
	c.due.Wrapping = fyne.TextWrapWord
	c.due.Hide()
	c.result = widget.NewLabel("")
	c.result.Wrapping = fyne.TextWrapWord
	c.result.Hide()
	c.errLabel = errorLabel()
	c.busy = widget.NewActivity()
	c.busy.Hide()
	c.backupB = widget.NewButton(lang.L("backup.ui.backup"), c.backupTapped)
	c.restoreB = widget.NewButton(lang.L("backup.ui.restore"), c.restoreTapped)
	c.refresh()
	return widget.NewCard(lang.L("backup.ui.title"), lang.L("backup.ui.subtitle"), container.NewVBox(
		c.due,
		container.NewHBox(c.backupB, c.secrets, c.history),
		container.NewHBox(c.restoreB, c.merge, c.replace),
		container.NewHBox(c.busy),
		c.result, c.errLabel, c.last, c.remind,
	))
}

// refresh shows when the last backup was made and whether it is due.
func (c *backupCard) refresh() {
	due, on, last := c.eng.BackupReminder(c.ctx)
	c.filling = true
	c.remind.SetChecked(on)
	c.filling = false
	if last.IsZero() {
		c.last.SetText(lang.L("backup.ui.never"))
	} else {
		c.last.SetText(lang.L("backup.ui.last", map[string]any{"When": last.Local().Format("2006-01-02 15:04")}))
	}
	if due {
		c.due.Show()
	} else {
		c.due.Hide()
	}
}

func (c *backupCard) showErr(err error) {
	c.errLabel.SetText(localize.Error(err))
	c.errLabel.Show()
}

func (c *backupCard) start() {
	c.errLabel.Hide()
	c.result.Hide()
	c.busy.Show()
	c.busy.Start()
	c.backupB.Disable()
	c.restoreB.Disable()
}

func (c *backupCard) done() {
	c.busy.Stop()
	c.busy.Hide()
	c.backupB.Enable()
	c.restoreB.Enable()
	c.refresh()
}

func (c *backupCard) backupTapped() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			c.showErr(err)
			return
		}
		if w == nil {
			return // cancelled
		}
		c.askPassphrase(true, func(pass string) { c.runBackup(w, pass) }, func() { w.Close() })
	}, c.win)
	d.SetFileName("herald-" + time.Now().Format("2006-01-02") + ".backup")
	d.Show()
}

func (c *backupCard) restoreTapped() {
	dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			c.showErr(err)
			return
		}
		if r == nil {
			return
		}
		c.askPassphrase(false, func(pass string) { c.runRestore(r, pass) }, func() { r.Close() })
	}, c.win).Show()
}

// askPassphrase asks for the passphrase (twice when confirm) in a dialog.
func (c *backupCard) askPassphrase(confirm bool, ok func(string), cancel func()) {
	pass := widget.NewPasswordEntry()
	again := widget.NewPasswordEntry()
	items := []*widget.FormItem{widget.NewFormItem(lang.L("backup.ui.passphrase"), pass)}
	if confirm {
		pass.Validator = func(s string) error { return backup.CheckPassphrase(s) }
		again.Validator = func(s string) error {
			if s != pass.Text {
				return fmt.Errorf("%s", lang.L("backup.ui.differ"))
			}
			return nil
		}
		items = append(items, widget.NewFormItem(lang.L("backup.ui.again"), again))
	}
	d := dialog.NewForm(lang.L("backup.ui.passphrase_title"), lang.L("backup.ui.ok"), lang.L("backup.ui.cancel"), items, func(yes bool) {
		if !yes {
			cancel()
			return
		}
		ok(pass.Text)
	}, c.win)
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	d.Show()
}

func (c *backupCard) runBackup(w io.WriteCloser, pass string) {
	noSecrets, withHistory := !c.secrets.Checked, c.history.Checked
	c.start()
	c.running.Add(1)
	go func() {
		defer c.running.Done()
		err := c.eng.Backup(c.ctx, w, pass, noSecrets, withHistory)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		fyne.Do(func() {
			c.done()
			if err != nil {
				c.showErr(err)
				return
			}
			c.result.SetText(lang.L("backup.ui.written"))
			c.result.Show()
		})
	}()
}

func (c *backupCard) runRestore(r io.ReadCloser, pass string) {
	opt := backup.Options{Merge: c.merge.Checked, Replace: c.replace.Checked}
	c.start()
	c.running.Add(1)
	go func() {
		defer c.running.Done()
		rep, err := c.eng.Restore(c.ctx, r, pass, opt)
		r.Close()
		fyne.Do(func() {
			c.done()
			if err != nil {
				c.showErr(err)
				return
			}
			c.result.SetText(reportText(rep))
			c.result.Show()
		})
	}()
}

// reportText tells what a restore did, conflicts and missing secrets listed.
func reportText(rep backup.Report) string {
	lines := []string{lang.L("backup.ui.restored", map[string]any{"Channels": rep.Channels, "Tasks": rep.Tasks, "Settings": rep.Settings})}
	for _, cf := range rep.Replaced {
		lines = append(lines, lang.L("backup.ui.replaced", map[string]any{"What": lang.L("backup.ui.what." + cf.What), "Name": cf.Name}))
	}
	for _, cf := range rep.Conflicts {
		lines = append(lines, lang.L("backup.ui.conflict", map[string]any{"What": lang.L("backup.ui.what." + cf.What), "Name": cf.Name}))
	}
	for _, m := range rep.MissingSecrets {
		lines = append(lines, lang.L("backup.ui.missing", map[string]any{"Item": m}))
	}
	return strings.Join(lines, "\n")
}
