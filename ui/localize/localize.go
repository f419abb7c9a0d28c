// Package localize renders the engine's texts and errors in the language
// the window shows, through Fyne's translations (the same files the engine
// reads its keys from).
package localize

import (
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/engine/i18n"
)

// missing is what lang.X returns for a key Fyne has no text for.
const missing = "\x00missing"

// Text renders t in the window's language; a key Fyne was not given (a
// test that loads only some files) reads as the engine's English.
func Text(t i18n.Text) string {
	var s string
	if len(t.Args) == 0 {
		s = lang.X(t.Key, missing)
	} else {
		args := make(map[string]any, len(t.Args))
		for k, v := range t.Args {
			args[k] = arg(v)
		}
		s = lang.X(t.Key, missing, args)
	}
	if s == missing {
		return t.In(i18n.English)
	}
	return s
}

// Error renders err in the window's language: the text of the first
// i18n.Texter (such as an i18n.Error) in its chain (a program's context around it dropped), or the
// error's own words when it carries none.
func Error(err error) string {
	if err == nil {
		return ""
	}
	if t, ok := i18n.TextOf(err); ok {
		return Text(t)
	}
	return err.Error()
}

func arg(v any) any {
	switch a := v.(type) {
	case i18n.Text:
		return Text(a)
	case []i18n.Text:
		parts := make([]string, len(a))
		for i, t := range a {
			parts[i] = Text(t)
		}
		return strings.Join(parts, lang.L("i18n.list.separator"))
	case error:
		return Error(a)
	}
	return v
}
