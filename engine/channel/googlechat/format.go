package googlechat

import (
	"regexp"
	"strings"
)

// Markdown and Google Chat's own syntax
// (https://developers.google.com/workspace/chat/format-messages) differ:
// Chat's *bold* is Markdown's italics, and links are <url|text>.
var (
	boldRe    = regexp.MustCompile(`\*\*([^*\n]+?)\*\*|__([^_\n]+?)__`)
	italicRe  = regexp.MustCompile(`(^|[^*\w])\*([^*\s](?:[^*\n]*?[^*\s])?)\*`)
	strikeRe  = regexp.MustCompile(`~~([^~\n]+?)~~`)
	linkRe    = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^)\s]+)\)`)
	headingRe = regexp.MustCompile(`^#{1,6}\s+(.+?)\s*#*$`)
)

// boldMark stands in for Chat's bold while italics are converted.
const boldMark = "\uE000"

// ChatFormat converts Markdown's bold, italics, strike-through, links and
// headings to Google Chat's syntax; code spans and fenced blocks, which
// both write alike, are left as they are.
func ChatFormat(md string) string {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	fenced := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			lines[i] = inline(l)
		}
	}
	return strings.Join(lines, "\n")
}

// inline converts one line outside code spans (the odd pieces between
// backticks; after an unclosed one the rest stays as it is).
func inline(line string) string {
	if m := headingRe.FindStringSubmatch(line); m != nil {
		line = "**" + m[1] + "**"
	}
	parts := strings.Split(line, "`")
	for i := 0; i < len(parts); i += 2 {
		p := linkRe.ReplaceAllString(parts[i], "<$2|$1>")
		p = boldRe.ReplaceAllString(p, boldMark+"$1$2"+boldMark)
		p = italicRe.ReplaceAllString(p, "${1}_${2}_")
		p = strikeRe.ReplaceAllString(p, "~$1~")
		parts[i] = strings.ReplaceAll(p, boldMark, "*")
	}
	return strings.Join(parts, "`")
}
