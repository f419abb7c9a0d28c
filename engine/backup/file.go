package backup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"

	"github.com/heraldpush/herald/engine/i18n"
)

// ErrPassphrase is a wrong passphrase; ErrDamaged a file that is not a
// complete Herald backup (truncated, altered, or another file).
var (
	ErrPassphrase = errors.New("wrong passphrase")
	ErrDamaged    = errors.New("damaged backup")
)

// MinPassphrase is the shortest passphrase a backup accepts.
const MinPassphrase = 8

// CheckPassphrase refuses a passphrase too short to protect secrets.
func CheckPassphrase(p string) error {
	if len([]rune(p)) < MinPassphrase {
		return fmt.Errorf("%w: %w", ErrBadInput, i18n.New("backup.passphrase.short", "Min", MinPassphrase))
	}
	return nil
}

// Encrypt writes doc to w encrypted with passphrase (age, scrypt recipient).
func Encrypt(w io.Writer, doc *Document, passphrase string) error {
	if err := CheckPassphrase(passphrase); err != nil {
		return err
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return err
	}
	aw, err := age.Encrypt(w, r)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(aw).Encode(doc); err != nil {
		return err
	}
	return aw.Close()
}

// Decrypt reads a backup written by Encrypt. A wrong passphrase gives an
// error matching ErrPassphrase; a truncated or altered file one matching
// ErrDamaged. Both say so in the user's language.
func Decrypt(r io.Reader, passphrase string) (*Document, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, passphraseErr()
	}
	ar, err := age.Decrypt(r, id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) || errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, passphraseErr()
		}
		return nil, damaged(err)
	}
	data, err := io.ReadAll(ar)
	if err != nil {
		return nil, damaged(err)
	}
	return Parse(data)
}

// Parse reads a plain document (an export, or a decrypted backup).
func Parse(data []byte) (*Document, error) {
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, i18n.Wrap(err, "backup.json", "Detail", err.Error()))
	}
	return &doc, doc.check()
}

// IsEncrypted tells an age file (a backup) from a plain export.
func IsEncrypted(head []byte) bool {
	return strings.HasPrefix(string(head), "age-encryption.org/")
}

// NotABackup is the error for a file that is neither a backup nor JSON.
func NotABackup() error { return damaged(errors.New("not an encrypted Herald backup")) }

func passphraseErr() error {
	return fmt.Errorf("%w: %w", ErrBadInput, &wrapped{i18n.New("backup.passphrase.wrong"), ErrPassphrase})
}

func damaged(err error) error {
	return fmt.Errorf("%w: %w", ErrBadInput, &wrapped{i18n.New("backup.damaged", "Detail", err.Error()), ErrDamaged})
}

// wrapped is a translated error that also matches a sentinel.
type wrapped struct {
	text error
	is   error
}

func (w *wrapped) Error() string   { return w.text.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.text, w.is} }
