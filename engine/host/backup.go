package host

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/heraldpush/herald/engine/backup"
)

// Backup writes an encrypted backup of the configuration to w (the
// window's Settings → Backup); noSecrets leaves the keyring's secrets out,
// withHistory adds the run history and the outbox.
func (e *Env) Backup(ctx context.Context, w io.Writer, passphrase string, noSecrets, withHistory bool) error {
	if err := backup.CheckPassphrase(passphrase); err != nil {
		return err
	}
	doc, err := backup.Collect(ctx, e.Store, e.Secrets, !noSecrets, time.Now())
	if err != nil {
		return err
	}
	if withHistory {
		if err := doc.AddHistory(ctx, e.Store); err != nil {
			return err
		}
	}
	if err := backup.Encrypt(w, doc, passphrase); err != nil {
		return err
	}
	return backup.MarkDone(ctx, e.Store, time.Now())
}

// Restore reads a backup (or a plain export) from r and restores it.
func (e *Env) Restore(ctx context.Context, r io.Reader, passphrase string, opt backup.Options) (backup.Report, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return backup.Report{}, err
	}
	var doc *backup.Document
	if backup.IsEncrypted(data) {
		doc, err = backup.Decrypt(bytes.NewReader(data), passphrase)
	} else {
		doc, err = backup.Parse(data)
	}
	if err != nil {
		return backup.Report{}, err
	}
	rep, err := backup.Restore(ctx, e.Store, e.Secrets, doc, opt)
	if err == nil {
		e.configChanged()
	}
	return rep, err
}

// BackupReminder says whether to remind of a backup now, and whether the
// reminder is on.
func (e *Env) BackupReminder(ctx context.Context) (due, on bool, last time.Time) {
	last, _ = backup.Last(ctx, e.Store)
	return backup.Due(ctx, e.Store, time.Now()), backup.ReminderOn(ctx, e.Store), last
}

// SetBackupReminder turns the 30-day backup reminder on or off.
func (e *Env) SetBackupReminder(ctx context.Context, on bool) error {
	return e.Store.SetSetting(ctx, backup.ReminderKey, on)
}
