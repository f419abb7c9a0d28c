package webhook

import (
	"strings"
	"testing"
)

// placeholders must fill a template exactly as the strings.Replacer it
// stands in for.
func TestPlaceholdersMatchReplacer(t *testing.T) {
	for _, tmpl := range []string{
		"", "plain", "{", "}", "{{t}}", "{log}{t}", "a {t} b {log} c", "{lo{log}g}", "{t", "{tt}", "{log", "{Log}",
		`{"title": "{t}", "log": "{log}"}`, "{t}{t}{t}", "中文{t}文本{log}",
	} {
		for _, v := range [][2]string{{"LOG", "TITLE"}, {"{t}", "{log}"}, {"", ""}, {"a{b", "}"}} {
			want := strings.NewReplacer(LogPlaceholder, v[0], TitlePlaceholder, v[1]).Replace(tmpl)
			if got := (placeholders{log: v[0], title: v[1]}).Replace(tmpl); got != want {
				t.Errorf("%q with log %q, title %q: got %q, want %q", tmpl, v[0], v[1], got, want)
			}
		}
	}
}
