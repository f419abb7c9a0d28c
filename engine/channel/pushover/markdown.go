package pushover

import (
	"html"
	"regexp"
	"strings"
)

// Pushover's HTML knows only <b>, <i>, <u>, <font color> and <a href>; line
// breaks show as sent (https://pushover.net/api#html).
var (
	linkRe   = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^\s)]+)\)`)
	boldRe   = regexp.MustCompile(`\*\*([^*\n]+)\*\*|__([^_\n]+)__`)
	italicRe = regexp.MustCompile(`(^|[^*\w])\*([^*\s][^*\n]*)\*`)
	headRe   = regexp.MustCompile(`^#{1,6}\s+(.*)$`)
	itemRe   = regexp.MustCompile(`^(\s*)[-*+]\s+`)
)

// MarkdownHTML renders the Markdown task reports use as Pushover's HTML:
// everything escaped, then headings and **bold** bold, *italic* italic,
// http(s) links as links, list bullets as •, code fences dropped (their
// lines kept as they are).
func MarkdownHTML(src string) string {
	lines := strings.Split(src, "\n")
	out := make([]string, 0, len(lines))
	code := false
	for _, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			code = !code
			continue
		}
		if code {
			out = append(out, html.EscapeString(line))
			continue
		}
		out = append(out, inline(line))
	}
	return strings.Join(out, "\n")
}

func inline(line string) string {
	if m := headRe.FindStringSubmatch(line); m != nil {
		return "<b>" + inline(m[1]) + "</b>"
	}
	line = itemRe.ReplaceAllString(line, "$1• ")
	// Links are cut out first so that their URLs are not styled.
	var links []string
	line = linkRe.ReplaceAllStringFunc(line, func(s string) string {
		m := linkRe.FindStringSubmatch(s)
		links = append(links, `<a href="`+html.EscapeString(m[2])+`">`+style(html.EscapeString(m[1]))+"</a>")
		return "\x00"
	})
	parts := strings.Split(line, "\x00")
	var b strings.Builder
	for i, part := range parts {
		b.WriteString(style(html.EscapeString(part)))
		if i < len(links) {
			b.WriteString(links[i])
		}
	}
	return b.String()
}

func style(s string) string {
	s = boldRe.ReplaceAllStringFunc(s, func(m string) string { return "<b>" + m[2:len(m)-2] + "</b>" })
	return italicRe.ReplaceAllString(s, "$1<i>$2</i>")
}
