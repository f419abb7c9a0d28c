// Package message defines what a channel is asked to deliver and the
// length-limit helpers every channel uses to fit a message to its service.
package message

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Level says how urgent a message is; channels map it onto the service's own
// notion (Bark interruption level, ntfy priority, …) where one exists.
type Level string

const (
	LevelInfo    Level = "info"
	LevelSuccess Level = "success"
	LevelWarning Level = "warning"
	LevelError   Level = "error"
)

// Message is one notification. Body is Markdown when Markdown is true and plain
// text otherwise; PictureURL is optional.
type Message struct {
	Title      string
	Body       string
	Markdown   bool
	Level      Level
	PictureURL string
	// DeliveryID names the one delivery this message is (the outbox row),
	// the same on every retry, so a service with idempotent sends (Matrix's
	// transaction ids) can drop a repeat after a crash; "" when there is
	// none.
	DeliveryID string
}

// Text joins title and body the way plain-text services show them.
func (m Message) Text() string {
	switch {
	case m.Title == "":
		return m.Body
	case m.Body == "":
		return m.Title
	default:
		return m.Title + "\n\n" + m.Body
	}
}

// cutMarker is placed where text was removed; it names how much went so a
// reader knows the message is incomplete.
func cutMarker(n int, unit string) string {
	return fmt.Sprintf("\n…[%d %s cut]…\n", n, unit)
}

// TruncateBytes shortens s to at most max bytes of valid UTF-8, keeping the
// head and the tail (where errors usually are) and marking the cut.
func TruncateBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	// The marker's length depends on the number it prints, which depends on
	// the cut: start from the worst case and shrink while the digits do.
	marker := cutMarker(len(s), "bytes")
	if len(marker) >= max {
		return validPrefix(s, max)
	}
	var head, tail string
	for range 3 {
		budget := max - len(marker)
		head = validPrefix(s, budget*2/5)
		tail = validSuffix(s, budget-len(head))
		next := cutMarker(len(s)-len(head)-len(tail), "bytes")
		if len(next) == len(marker) {
			break
		}
		marker = next
	}
	removed := len(s) - len(head) - len(tail)
	return head + cutMarker(removed, "bytes") + tail
}

// TruncateRunes shortens s to at most max characters (Unicode code points),
// keeping head and tail and marking the cut. Services such as Telegram and
// WXPusher count characters, not bytes.
func TruncateRunes(s string, max int) string {
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	r := []rune(s)
	marker := []rune(cutMarker(n, "chars"))
	if len(marker) >= max {
		return string(r[:max])
	}
	budget := max - len(marker)
	headLen := budget * 2 / 5
	tailLen := budget - headLen
	removed := n - headLen - tailLen
	return string(r[:headLen]) + cutMarker(removed, "chars") + string(r[n-tailLen:])
}

func validPrefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func validSuffix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return s[i:]
}

// FirstLine returns the first non-empty line of s, trimmed; digests and
// summaries use it for an error's headline.
func FirstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}
