package message_test

import (
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/message"
)

func TestMarkdownHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"heading and paragraph", "# Title #\nline one\nline two", "<h1>Title</h1>\n<p>line one<br>\nline two</p>"},
		{"inline", "**b** *i* __u__ `c` a*b", "<p><strong>b</strong> <em>i</em> <strong>u</strong> <code>c</code> a*b</p>"},
		{"link", "[docs](https://example.com/?a=1&b=\"2\")", `<p><a href="https://example.com/?a=1&amp;b=&#34;2&#34;">docs</a></p>`},
		{"bare URL without the full stop", "see https://example.com/x.", `<p>see <a href="https://example.com/x">https://example.com/x</a>.</p>`},
		{"javascript link stays text", "[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"},
		{"raw HTML escaped", "<script>alert('x')</script>\n<img src=x onerror=alert(1)>",
			"<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>\n&lt;img src=x onerror=alert(1)&gt;</p>"},
		{"code block keeps text", "```sh\n<b>**not bold**</b>\n  indented\n```\nafter",
			"<pre><code>&lt;b&gt;**not bold**&lt;/b&gt;\n  indented</code></pre>\n<p>after</p>"},
		{"unclosed fence runs to the end", "~~~\na\nb", "<pre><code>a\nb</code></pre>"},
		{"lists", "- a\n* b <i>\n1. one\n2) two", "<ul>\n<li>a</li>\n<li>b &lt;i&gt;</li>\n</ul>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>"},
		{"quote and rule", "> q1\n> q2\n\n---", "<blockquote>q1<br>\nq2</blockquote>\n<hr>"},
		{"link text is not linked twice", "[https://a.example](https://b.example)", `<p><a href="https://b.example">https://a.example</a></p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := message.MarkdownHTML(tt.in); got != tt.want {
				t.Errorf("MarkdownHTML(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMarkdownHTMLSafe feeds hostile text through the renderer and checks no
// tag or attribute of the input survives.
func TestMarkdownHTMLSafe(t *testing.T) {
	hostile := []string{
		`<script>x</script>`, `"><svg onload=alert(1)>`, "**<b>**", "`</code><script>`", `[<x>](https://e.com/"onmouseover="a)`,
		`[a](JAVASCRIPT:alert(1))`, "https://e.com/<script>", "> <iframe>", "# <h1>", "- <li>",
	}
	for _, in := range hostile {
		out := message.MarkdownHTML(in)
		for _, bad := range []string{"<script", "<svg", "<b>", "<iframe", "<x>", "<h1><h1>", "<li><li>", `"onmouseover`, `href="javascript`} {
			if strings.Contains(strings.ToLower(out), bad) {
				t.Errorf("MarkdownHTML(%q) = %q contains %q", in, out, bad)
			}
		}
	}
}
