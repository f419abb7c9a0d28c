package message

import (
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// MarkdownHTML renders the common subset of Markdown that task reports use
// (headings, paragraphs, fenced code, lists, quotes, rules, inline code,
// bold, italics, links) as minimal HTML. Every piece of the source is
// HTML-escaped and only http(s)/mailto links survive, so the result is safe
// whatever the message holds; anything else stays readable text.
func MarkdownHTML(src string) string {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var b strings.Builder
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		b.WriteString("<p>")
		for i, l := range para {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			b.WriteString(inline(strings.TrimSpace(l), true))
		}
		b.WriteString("</p>\n")
		para = nil
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if fence := fenceOf(line); fence != "" {
			flush()
			var code []string
			for i++; i < len(lines); i++ {
				t := strings.TrimSpace(lines[i])
				if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
					break
				}
				code = append(code, lines[i])
			}
			b.WriteString("<pre><code>" + escape(strings.Join(code, "\n")) + "</code></pre>\n")
			continue
		}
		switch {
		case trimmed == "":
			flush()
		case isRule(trimmed):
			flush()
			b.WriteString("<hr>\n")
		case headingRe.MatchString(line):
			flush()
			m := headingRe.FindStringSubmatch(line)
			n := strconv.Itoa(len(m[1]))
			text := strings.TrimSpace(strings.TrimRight(m[2], "#"))
			b.WriteString("<h" + n + ">" + inline(text, true) + "</h" + n + ">\n")
		case ulRe.MatchString(line) || olRe.MatchString(line):
			flush()
			re, tag := ulRe, "ul"
			if !ulRe.MatchString(line) {
				re, tag = olRe, "ol"
			}
			b.WriteString("<" + tag + ">\n")
			for ; i < len(lines) && re.MatchString(lines[i]) && !isRule(strings.TrimSpace(lines[i])); i++ {
				b.WriteString("<li>" + inline(strings.TrimSpace(re.FindStringSubmatch(lines[i])[1]), true) + "</li>\n")
			}
			i--
			b.WriteString("</" + tag + ">\n")
		case strings.HasPrefix(trimmed, ">"):
			flush()
			var quote []string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), ">"); i++ {
				q := strings.TrimPrefix(strings.TrimSpace(lines[i]), ">")
				quote = append(quote, inline(strings.TrimSpace(q), true))
			}
			i--
			b.WriteString("<blockquote>" + strings.Join(quote, "<br>\n") + "</blockquote>\n")
		default:
			para = append(para, line)
		}
	}
	flush()
	return strings.TrimSuffix(b.String(), "\n")
}

var (
	headingRe = regexp.MustCompile(`^ {0,3}(#{1,6})[ \t]+(.*)$`)
	ulRe      = regexp.MustCompile(`^ {0,3}[-*+][ \t]+(.*)$`)
	olRe      = regexp.MustCompile(`^ {0,3}\d{1,9}[.)][ \t]+(.*)$`)
	// Alternatives, leftmost first: inline code, [text](url), **bold**,
	// __bold__, *italic*, bare http(s) URL.
	inlineRe = regexp.MustCompile("`([^`]+)`" +
		`|\[([^\]]*)\]\(([^)\s]+)\)` +
		`|\*\*(.+?)\*\*` +
		`|__(.+?)__` +
		`|\*([^*\s](?:[^*]*[^*\s])?)\*` +
		`|(https?://[^\s<>"'()\[\]]+)`)
)

// fenceOf returns the fence (``` or ~~~, possibly longer) that opens a code
// block on line, or "".
func fenceOf(line string) string {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return ""
	}
	for _, c := range []string{"`", "~"} {
		n := len(t) - len(strings.TrimLeft(t, c))
		if n >= 3 {
			return strings.Repeat(c, n)
		}
	}
	return ""
}

// isRule reports a thematic break: three or more of the same -, * or _,
// spaces allowed between.
func isRule(t string) bool {
	t = strings.ReplaceAll(t, " ", "")
	if len(t) < 3 {
		return false
	}
	c := t[0]
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	return strings.Trim(t, string(c)) == ""
}

// inline renders inline Markdown in s; links=false inside link text so
// anchors never nest.
func inline(s string, links bool) string {
	var b strings.Builder
	last := 0
	for _, m := range inlineRe.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(escape(s[last:m[0]]))
		last = m[1]
		whole := s[m[0]:m[1]]
		switch {
		case m[2] >= 0:
			b.WriteString("<code>" + escape(s[m[2]:m[3]]) + "</code>")
		case m[4] >= 0:
			text, href := s[m[4]:m[5]], s[m[6]:m[7]]
			if links && SafeURL(href, true) {
				b.WriteString(`<a href="` + escape(href) + `">` + inline(text, false) + "</a>")
			} else {
				b.WriteString(escape(whole))
			}
		case m[8] >= 0:
			b.WriteString("<strong>" + inline(s[m[8]:m[9]], links) + "</strong>")
		case m[10] >= 0:
			b.WriteString("<strong>" + inline(s[m[10]:m[11]], links) + "</strong>")
		case m[12] >= 0:
			b.WriteString("<em>" + inline(s[m[12]:m[13]], links) + "</em>")
		case m[14] >= 0:
			// A sentence's closing punctuation is not part of the URL.
			href := strings.TrimRight(whole, ".,;:!?")
			if links {
				b.WriteString(`<a href="` + escape(href) + `">` + escape(href) + "</a>")
			} else {
				b.WriteString(escape(href))
			}
			b.WriteString(escape(whole[len(href):]))
		}
	}
	b.WriteString(escape(s[last:]))
	return b.String()
}

// SafeURL accepts absolute http(s) URLs (and mailto: where allowed); other
// schemes such as javascript: are never linked.
func SafeURL(u string, mailto bool) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		return p.Host != ""
	case "mailto":
		return mailto && p.Opaque != ""
	}
	return false
}

func escape(s string) string { return html.EscapeString(s) }
