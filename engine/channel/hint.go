package channel

import (
	"strings"
	"sync"

	"github.com/heraldpush/herald/engine/i18n"
)

// A Hint is the advice a kind adds to a service's answer it explains
// ("— check the server URL"). Answers are stored as English text, so the
// hints are declared once, at start-up, and AnswerText finds them in a
// stored answer to show them in the reader's language.
type Hint struct{ key string }

var (
	hintsMu sync.Mutex
	hints   = map[string]string{} // English text → key
)

// NewHint declares the hint whose text is key; call it for package-level
// variables, so every process knows every hint.
func NewHint(key string) Hint {
	hintsMu.Lock()
	defer hintsMu.Unlock()
	hints[i18n.T(key).In(i18n.English)] = key
	return Hint{key: key}
}

// Suffix is the hint as it is added to an answer: " — " and its English
// text.
func (h Hint) Suffix() string { return hintSep + i18n.T(h.key).In(i18n.English) }

const hintSep = " — "

// AnswerText is a stored answer for people: the service's own words as
// they are, the hint Herald added in the reader's language.
func AnswerText(answer string) i18n.Text {
	before, hint, ok := cutLast(answer, hintSep)
	if ok {
		hintsMu.Lock()
		key, known := hints[hint]
		hintsMu.Unlock()
		if known {
			return i18n.T("answer.hinted", "Answer", before, "Hint", i18n.T(key))
		}
	}
	return i18n.Plain(answer)
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
