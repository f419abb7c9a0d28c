package channel

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Matching is a Field.Validate that accepts the values re matches and
// refuses the rest with msg, which names the fix.
func Matching(re *regexp.Regexp, msg string) func(string) error {
	return func(v string) error {
		if !re.MatchString(v) {
			return errors.New(msg)
		}
		return nil
	}
}

// CheckLink is a Field.Validate for a link opened when a notification is
// tapped: a URL with any scheme (a web page or an app's own, like
// shortcuts://) and no white space. example shows a good value.
func CheckLink(example string) func(string) error {
	return func(v string) error {
		if u, err := url.Parse(v); err != nil || u.Scheme == "" || strings.ContainsAny(v, " \t\n") {
			return errors.New("must be a URL with a scheme, like " + example)
		}
		return nil
	}
}
