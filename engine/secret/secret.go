// Package secret keeps channel secrets (tokens, keys, passwords, signing
// secrets) in the OS keyring: the Secret Service on Linux, the Credential
// Manager on Windows, the Keychain on macOS. There is deliberately no
// plaintext fallback: without a keyring, commands that need a secret fail
// with ErrUnavailable, whose text says what to install or start.
package secret

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/zalando/go-keyring"
)

// user is the account name every Herald secret is filed under; the item's
// service name carries herald/<channel-id>/<field>.
const user = "herald"

// ErrNotFound means the keyring has no such secret.
var ErrNotFound = errors.New("secret not found in the OS keyring")

// ErrUnavailable means no OS keyring could be reached.
var ErrUnavailable = errors.New("no OS keyring is reachable")

// Name is the keyring name of a channel's secret field.
func Name(channelID, field string) string {
	return "herald/" + channelID + "/" + field
}

// Keyring is the OS keyring.
type Keyring struct{}

// Set stores value under Name(channelID, field). A value over MaxSize is
// refused on every OS, as Windows would refuse it.
func (Keyring) Set(channelID, field, value string) error {
	if err := CheckSize(value); err != nil {
		return fmt.Errorf("%s: %w", Name(channelID, field), err)
	}
	if err := needSessionBus("store", channelID, field); err != nil {
		return err
	}
	if err := keyring.Set(Name(channelID, field), user, value); err != nil {
		return classify("store", channelID, field, err)
	}
	return nil
}

// Get reads the secret stored under Name(channelID, field).
func (Keyring) Get(channelID, field string) (string, error) {
	if err := needSessionBus("read", channelID, field); err != nil {
		return "", err
	}
	v, err := keyring.Get(Name(channelID, field), user)
	if err != nil {
		return "", classify("read", channelID, field, err)
	}
	return v, nil
}

// Delete removes a secret; a missing one is not an error.
func (Keyring) Delete(channelID, field string) error {
	if err := needSessionBus("delete", channelID, field); err != nil {
		return err
	}
	err := keyring.Delete(Name(channelID, field), user)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return classify("delete", channelID, field, err)
	}
	return nil
}

// Check reports whether the keyring answers at all, so the app can tell the
// user at start-up rather than when the first secret is needed.
func (k Keyring) Check() error {
	_, err := k.Get("probe", "probe")
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func classify(op, channelID, field string, err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%s: %w", Name(channelID, field), ErrNotFound)
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return fmt.Errorf("%s: %w", Name(channelID, field), ErrTooLarge)
	}
	// go-keyring reports a missing Secret Service or session bus as plain
	// D-Bus errors; anything else at this point is the keyring being out of
	// reach, which needs the user's action.
	return &UnavailableError{Op: op, Name: Name(channelID, field), Cause: err.Error()}
}

// UnavailableError says the keyring could not be used and how to fix it.
type UnavailableError struct {
	Op, Name string
	Cause    string
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("cannot %s %s: %s (%s). %s", e.Op, e.Name, ErrUnavailable, strings.TrimSpace(e.Cause), Hint())
}

func (e *UnavailableError) Unwrap() error { return ErrUnavailable }

// Hint tells the user which keyring service is missing on this OS and how to
// start it.
func Hint() string {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		return "Herald keeps secrets in the Secret Service (org.freedesktop.secrets) on the D-Bus session bus. " +
			"Install and start one, e.g. `sudo apt install gnome-keyring` and log in to a desktop session, or run " +
			"`gnome-keyring-daemon --start --components=secrets` inside a D-Bus session (`dbus-run-session`); " +
			"KeePassXC with Secret Service integration also works."
	case "darwin":
		return "Herald keeps secrets in the macOS Keychain; unlock your login keychain."
	case "windows":
		return "Herald keeps secrets in the Windows Credential Manager; make sure the Credential Manager service is running."
	}
	return "Herald needs an OS keyring to keep secrets."
}
