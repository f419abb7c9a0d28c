package channel

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/heraldpush/herald/engine/i18n"
)

// Matching is a Field.Validate that accepts the values re matches and
// refuses the rest with msg (an i18n key), which names the fix.
func Matching(re *regexp.Regexp, msg string) func(string) error {
	return func(v string) error {
		if !re.MatchString(v) {
			return i18n.New(msg)
		}
		return nil
	}
}

// CheckLink is a Field.Validate for a link opened when a notification is
// tapped: a URL with any scheme (a web page or an app's own, like
// shortcuts://) and no white space. examples show good values.
func CheckLink(examples ...string) func(string) error {
	example := i18n.Plain(examples[0])
	if len(examples) > 1 {
		example = i18n.T("field.or", "A", examples[0], "B", examples[1])
	}
	return func(v string) error {
		if u, err := url.Parse(v); err != nil || u.Scheme == "" || strings.ContainsAny(v, " \t\n") {
			return i18n.New("field.link", "Example", example)
		}
		return nil
	}
}
