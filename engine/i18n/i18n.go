// Package i18n carries the engine's user-visible sentences as translation
// keys with arguments, so whoever shows one (the window, the CLI, the API)
// renders it in its user's language. The texts live in assets/translations
// (one file per area and language: [area.]en.json, [area.]zh_Hans.json),
// the same files the window loads.
package i18n

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Languages Herald speaks, by the suffix of their translation files.
const (
	English = "en"
	Chinese = "zh_Hans"
)

// Text is one user-visible sentence: a key of the translation files and
// the values its template names ({{.Field}}). An argument may itself be a
// Text or an error, rendered in the same language.
type Text struct {
	Key  string
	Args map[string]any
}

// T makes a Text from a key and name, value pairs: T("cron.range", "Min", 0).
func T(key string, kv ...any) Text {
	t := Text{Key: key}
	if len(kv) > 0 {
		t.Args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			t.Args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return t
}

// With returns t with one more argument.
func (t Text) With(name string, v any) Text {
	args := make(map[string]any, len(t.Args)+1)
	maps.Copy(args, t.Args)
	args[name] = v
	t.Args = args
	return t
}

// In renders t in language lang (falling back to English, then the key).
func (t Text) In(lang string) string { return std().render(lang, t) }

// String renders t in English, for logs and programs.
func (t Text) String() string { return t.In(English) }

// Error is an error whose message is a Text. Err is its cause, if any: it
// stays reachable through errors.Is/As, and the Text may quote it as
// {{.Cause}} (rendered in the same language when it is an *Error too).
type Error struct {
	Text Text
	Err  error
}

// New returns an error reading as T(key, kv...).
func New(key string, kv ...any) error { return &Error{Text: T(key, kv...)} }

// Wrap returns an error reading as T(key, kv...) whose cause is err; the
// text may quote the cause as {{.Cause}}.
func Wrap(err error, key string, kv ...any) error {
	return &Error{Text: T(key, kv...).With("Cause", err), Err: err}
}

// Error is the English text.
func (e *Error) Error() string { return e.Text.String() }

// UserText is the error's text (see Texter).
func (e *Error) UserText() Text { return e.Text }

// Texter is an error that carries a user-visible text of its own: an
// *Error, or an error that builds its text from its parts (a form's field
// problem names the field's translated label).
type Texter interface {
	error
	UserText() Text
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Localize renders err in lang: the first *Error in its chain with any
// context wrapped around it dropped, since that context is a program's, not
// the user's; errors without a Text read as they are.
func Localize(lang string, err error) string {
	if err == nil {
		return ""
	}
	if l, ok := err.(interface{ Localize(lang string) string }); ok {
		return l.Localize(lang)
	}
	if t, ok := TextOf(err); ok {
		return t.In(lang)
	}
	return err.Error()
}

// TextOf is the text of the first Texter (such as an *Error) in err's chain.
func TextOf(err error) (Text, bool) {
	var t Texter
	if errors.As(err, &t) {
		return t.UserText(), true
	}
	return Text{}, false
}

// Plain is a Text that reads as s in every language: a value shown as it
// is (a name, a service's own words) where a Text is expected.
func Plain(s string) Text { return T("i18n.plain", "Text", s) }

// Join is a Text listing texts one after another, separated as the
// language separates list items ("a; b" / "a；b").
func Join(texts ...Text) Text { return T("i18n.list", "Items", texts) }

// Keys lists every key of lang's texts, sorted (for tests that check both
// languages hold the same keys).
func Keys(lang string) []string {
	return slices.Sorted(maps.Keys(std().texts[lang]))
}

// Has reports whether lang has a text for key.
func Has(lang, key string) bool {
	_, ok := std().texts[lang][key]
	return ok
}

// Pick maps a locale name (zh_CN.UTF-8, zh-Hans, en_US, "") to a language
// Herald speaks: Chinese for any zh locale, else English.
func Pick(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if strings.HasPrefix(l, "zh") {
		return Chinese
	}
	return English
}
