package i18n

import "strings"

// FromEnv is the language of a terminal's messages, read as gettext does:
// the locale is the first set of LC_ALL, LC_MESSAGES and LANG; the C
// locale means English whatever else is set; otherwise LANGUAGE's first
// entry, when set, wins over the locale.
func FromEnv(getenv func(string) string) string {
	locale := ""
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale = getenv(name); locale != "" {
			break
		}
	}
	if locale == "" || locale == "C" || locale == "POSIX" || strings.HasPrefix(locale, "C.") {
		return English
	}
	if first, _, _ := strings.Cut(getenv("LANGUAGE"), ":"); first != "" {
		return Pick(first)
	}
	return Pick(locale)
}
