package telegram

import (
	"regexp"
	"strings"
)

var (
	fenceRe   = regexp.MustCompile("^[ \t]*```[ \t]*([A-Za-z0-9_+#.-]*)[ \t]*\r?\n?$")
	closeRe   = regexp.MustCompile("^[ \t]*```[ \t]*\r?\n?$")
	headingRe = regexp.MustCompile(`^#{1,6}[ \t]+(.*?)[ \t#]*(\r?\n?)$`)
	linkRe    = regexp.MustCompile(`^\[([^\]\n]+)\]\((https?://[^\s()<>]+)\)`)
)

// fromMarkdown converts the common subset of Markdown into flat spans that
// Telegram HTML can show: fenced code blocks become pre (with their
// language), `code` becomes code, **bold** and # headings bold, and
// [text](http…) a link. Everything else (lists, quotes, _emphasis_, which
// is too often part of file names) stays literal text, so no content is
// lost and nothing can make Telegram reject the message.
func fromMarkdown(src string) []span {
	var out []span
	add := func(st style, text, arg string) {
		if text == "" && st == plain {
			return
		}
		if n := len(out); st == plain && n > 0 && out[n-1].style == plain {
			out[n-1].text += text
			return
		}
		out = append(out, span{style: st, text: text, arg: arg})
	}
	lines := strings.SplitAfter(src, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := fenceRe.FindStringSubmatch(line); m != nil {
			var b strings.Builder
			j := i + 1
			for ; j < len(lines) && !closeRe.MatchString(lines[j]); j++ {
				b.WriteString(lines[j])
			}
			add(pre, strings.TrimRight(b.String(), "\r\n"), m[1])
			if j < len(lines) && strings.HasSuffix(lines[j], "\n") {
				add(plain, "\n", "")
			}
			i = j
			continue
		}
		if m := headingRe.FindStringSubmatch(line); m != nil {
			add(bold, m[1], "")
			add(plain, m[2], "")
			continue
		}
		inline(line, add)
	}
	return out
}

// inline converts code spans, **bold** and links within one line.
func inline(line string, add func(style, string, string)) {
	for line != "" {
		i := strings.IndexAny(line, "`*[")
		if i < 0 {
			add(plain, line, "")
			return
		}
		add(plain, line[:i], "")
		rest := line[i:]
		switch {
		case rest[0] == '`':
			if j := strings.IndexByte(rest[1:], '`'); j > 0 {
				add(code, rest[1:1+j], "")
				line = rest[j+2:]
				continue
			}
		case strings.HasPrefix(rest, "**"):
			if j := strings.Index(rest[2:], "**"); j > 0 {
				inner := rest[2 : 2+j]
				if strings.TrimSpace(inner) == inner {
					add(bold, inner, "")
					line = rest[j+4:]
					continue
				}
			}
		case rest[0] == '[':
			if m := linkRe.FindStringSubmatch(rest); m != nil {
				add(link, m[1], m[2])
				line = rest[len(m[0]):]
				continue
			}
		}
		add(plain, rest[:1], "")
		line = rest[1:]
	}
}
