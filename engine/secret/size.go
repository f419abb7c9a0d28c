package secret

import (
	"errors"
	"strconv"

	"github.com/heraldpush/herald/engine/i18n"
)

// MaxSize is the most bytes one secret may hold: the smallest of what the
// three OS keyrings store, so a config made on one OS works on the others.
//
//   - Windows' Credential Manager: a credential blob holds at most
//     CRED_MAX_CREDENTIAL_BLOB_SIZE = 5*512 = 2,560 bytes; go-keyring stores
//     the value's UTF-8 bytes as the blob (and refuses more itself).
//   - macOS Keychain: go-keyring base64-encodes the value behind an 18-byte
//     prefix into one `security -i` command of at most 4,096 bytes; with
//     Herald's short names that leaves about 2,990 bytes (see darwinMax
//     in the tests).
//   - Secret Service (Linux, BSD): no practical limit.
const MaxSize = 2560

// ErrTooLarge means a value is larger than MaxSize.
var ErrTooLarge = errors.New("secret too large for the OS keyrings")

// CheckSize refuses a value larger than MaxSize with a message that names
// its size and the limit. Callers check at input time, on every OS.
func CheckSize(value string) error {
	return checkSize(len(value), "secret.too_large")
}

// CheckSizeTogether is CheckSize for several values kept as one secret (a
// task's env list): size is the bytes they take as stored.
func CheckSizeTogether(size int) error {
	return checkSize(size, "secret.too_large_together")
}

func checkSize(size int, key string) error {
	if size <= MaxSize {
		return nil
	}
	return i18n.Wrap(ErrTooLarge, key, "Size", groupDigits(size), "Max", groupDigits(MaxSize))
}

// groupDigits writes n >= 0 with thousands separators: "2,560".
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
