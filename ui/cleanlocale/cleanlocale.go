// Package cleanlocale gives Fyne a locale it can parse. With LANG=C.UTF-8
// (Debian's default in containers and services) Fyne's lang package reads
// "C" as a language tag during its init and logs an error on every start,
// even for CLI verbs.
//
// It works by being initialised before fyne.io/fyne/v2/lang: Go initialises
// ready packages in import-path order, and this package (github.com/h…,
// importing only os and strings) is ready before lang's own dependency
// github.com/jeandeaual/go-locale. It sets LANGUAGE, which go-locale reads
// after LC_ALL/LC_MESSAGES/LANG and which gettext ignores under a C locale,
// so programs Herald starts see no difference.
package cleanlocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "C.") {
			os.Setenv("LANGUAGE", "en")
		}
		return
	}
}
