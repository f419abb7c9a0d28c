//go:build !windows

package endsession

import "github.com/heraldpush/herald/engine/i18n"

// Watch does nothing here: the session's end arrives as SIGTERM.
func Watch(stop func(), reason i18n.Text) (finished func(), err error) {
	return func() {}, nil
}
