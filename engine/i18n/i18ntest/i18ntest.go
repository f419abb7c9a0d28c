// Package i18ntest checks that the engine's errors read in Chinese: tests
// of every package with user-visible errors call it on each error they
// provoke.
package i18ntest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/i18n"
)

// englishRun is three words of Latin letters in a row: a sentence left in
// English. Values (names, URLs, lists of keys) have no spaces between words,
// or are quoted (quoted, below).
var (
	englishRun = regexp.MustCompile(`[A-Za-z]+(?: [A-Za-z]+){2,}`)
	quoted     = regexp.MustCompile("`[^`]*`|\"[^\"]*\"")
)

// NotChinese says why s, a text rendered for a Chinese reader, is not
// Chinese; "" when it is.
func NotChinese(s string) string {
	switch {
	case !strings.ContainsFunc(s, isHan):
		return "no Chinese in it"
	case strings.Contains(s, "<no value>"), strings.Contains(s, "{{"):
		return "an argument is missing"
	}
	if m := englishRun.FindString(quoted.ReplaceAllString(s, "…")); m != "" {
		return "English words: " + m
	}
	return ""
}

func isHan(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }

// Check fails t unless err carries a text that reads in Chinese. It
// returns the Chinese text.
func Check(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		t.Error("no error to check")
		return ""
	}
	if _, ok := i18n.TextOf(err); !ok {
		t.Errorf("error %q carries no i18n text", err)
		return ""
	}
	zh := i18n.Localize(i18n.Chinese, err)
	if why := NotChinese(zh); why != "" {
		t.Errorf("error %q reads in Chinese as %q: %s", err, zh, why)
	}
	return zh
}

// Keys lists the keys of t and of the texts among its arguments, nested
// ones too.
func Keys(t i18n.Text) []string {
	keys := []string{t.Key}
	for _, v := range t.Args {
		switch a := v.(type) {
		case i18n.Text:
			keys = append(keys, Keys(a)...)
		case []i18n.Text:
			for _, x := range a {
				keys = append(keys, Keys(x)...)
			}
		case error:
			if x, ok := i18n.TextOf(a); ok {
				keys = append(keys, Keys(x)...)
			}
		}
	}
	return keys
}
