package telegram

import (
	"strings"
	"unicode/utf16"

	"github.com/heraldpush/herald/engine/message"
)

// style is how a span of text is formatted; spans never nest, which keeps
// splitting simple: a span cut between two messages is closed at the end of
// one and reopened at the start of the next.
type style int

const (
	plain style = iota
	bold
	code
	pre
	link
)

// span is a run of plain text in one style. arg is the link target (link)
// or the code language (pre).
type span struct {
	style style
	text  string
	arg   string
}

// Rendered is a message laid out for the Bot API, every string valid
// Telegram HTML within its limit.
type Rendered struct {
	Parts     []string // the whole message (bold title, then body) as sendMessage texts, in order
	Caption   string   // the title alone, for a photo caption when the text does not fit one
	BodyParts []string // the body alone, sent after a photo captioned with the title
	Fits      bool     // the whole message fits one photo caption (MaxCaption)
}

// Render lays m out: the title in bold, a blank line, the body (converted
// from Markdown when m.Markdown, else escaped plain text), cut to MaxBody and
// split into parts of at most MaxText UTF-16 units, preferring line breaks.
func Render(m message.Message) Rendered {
	var head []span
	if title := strings.TrimSpace(m.Title); title != "" {
		head = []span{{style: bold, text: clampUTF16(title, MaxCaption)}}
	}
	body := strings.TrimRight(m.Body, " \t\r\n")
	body = clampUTF16(body, MaxBody)
	var bodySpans []span
	switch {
	case body == "":
	case m.Markdown:
		bodySpans = fromMarkdown(body)
	default:
		bodySpans = []span{{style: plain, text: body}}
	}
	all := head
	if len(head) > 0 && len(bodySpans) > 0 {
		all = append(all, span{style: plain, text: "\n\n"})
	}
	all = append(all, bodySpans...)

	r := Rendered{
		Parts:     split(all, MaxText),
		BodyParts: split(bodySpans, MaxText),
		Fits:      width(all) <= MaxCaption,
	}
	if len(head) > 0 {
		r.Caption = toHTML(head)
	}
	return r
}

// utf16Len counts s the way Telegram measures entity offsets.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func width(spans []span) int {
	n := 0
	for _, s := range spans {
		n += utf16Len(s.text)
	}
	return n
}

// clampUTF16 cuts s to at most max UTF-16 units, keeping head and tail.
func clampUTF16(s string, max int) string {
	if utf16Len(s) <= max {
		return s
	}
	// TruncateRunes counts code points; shrink its budget by the overshoot
	// until the astral characters (two units each) fit too.
	n := max
	for {
		t := message.TruncateRunes(s, n)
		over := utf16Len(t) - max
		if over <= 0 {
			return t
		}
		n -= over
	}
}

// split cuts spans into messages of at most limit UTF-16 units of visible
// text, each rendered as HTML. A cut falls after a line break in the last
// quarter of a piece when there is one. Pieces that are only whitespace are
// dropped: Telegram trims each text and refuses an empty one.
func split(spans []span, limit int) []string {
	type unit struct {
		r    rune
		span int
	}
	var units []unit
	for i, s := range spans {
		for _, r := range s.text {
			units = append(units, unit{r, i})
		}
	}
	var parts []string
	for len(units) > 0 {
		n, w := 0, 0
		for n < len(units) {
			rw := utf16.RuneLen(units[n].r)
			if rw < 0 {
				rw = 1 // invalid rune: JSON encoding sends U+FFFD
			}
			if w+rw > limit {
				break
			}
			w += rw
			n++
		}
		if n == 0 {
			n = 1 // a limit below one character still makes progress
		}
		cut := n
		if n < len(units) {
			for i := n - 1; i >= n*3/4; i-- {
				if units[i].r == '\n' {
					cut = i + 1
					break
				}
			}
		}
		// Regroup the piece's runes into spans of their original style.
		var piece []span
		var text strings.Builder
		visible := false
		for i, u := range units[:cut] {
			text.WriteRune(u.r)
			if u.r != ' ' && u.r != '\n' && u.r != '\t' && u.r != '\r' {
				visible = true
			}
			if i == cut-1 || units[i+1].span != u.span {
				s := spans[u.span]
				piece = append(piece, span{style: s.style, text: text.String(), arg: s.arg})
				text.Reset()
			}
		}
		if visible {
			parts = append(parts, toHTML(piece))
		}
		units = units[cut:]
	}
	return parts
}

var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

// toHTML renders spans as Telegram HTML: every <, > and & of the text is
// escaped, so only the tags written here are markup.
func toHTML(spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		t := textEscaper.Replace(s.text)
		switch s.style {
		case bold:
			b.WriteString("<b>" + t + "</b>")
		case code:
			b.WriteString("<code>" + t + "</code>")
		case pre:
			if s.arg != "" {
				b.WriteString(`<pre><code class="language-` + attrEscaper.Replace(s.arg) + `">` + t + "</code></pre>")
			} else {
				b.WriteString("<pre>" + t + "</pre>")
			}
		case link:
			b.WriteString(`<a href="` + attrEscaper.Replace(s.arg) + `">` + t + "</a>")
		default:
			b.WriteString(t)
		}
	}
	return b.String()
}
