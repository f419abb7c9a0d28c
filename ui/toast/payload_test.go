package toast

import (
	"encoding/xml"
	"strings"
	"testing"
)

// Whatever the text, the payload holds it as text: parsed back, the toast
// has exactly the title and body given, character for character.
func TestPayloadKeepsTextAsData(t *testing.T) {
	for _, tc := range []struct{ name, title, body string }{
		{"subexpression", "$(calc)", "$(Start-Process calc.exe) ${env:PATH} @(1) $x"},
		{"backticks", "`$(calc)`", "a`nb `\"quoted`\""},
		{"quotes", `"double" 'single'`, `"); Start-Process calc; ("`},
		{"here-string end", "\"@\n$(calc)\n@\"", "'@\n$(calc)\n@'"},
		{"newlines", "line 1\nline 2", "a\r\nb\rc\td"},
		{"markup", "<b>&amp;</b>", `</text></binding><binding template="x"><text>injected`},
		{"cdata end", "]]>", "<![CDATA[$(calc)]]>"},
		{"unicode", "任务失败：检查", "✓ 🚀 é"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Payload(tc.title, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			texts := parse(t, p)
			if len(texts) != 2 || texts[0] != tc.title || texts[1] != tc.body {
				t.Errorf("payload %s\nholds %q, want [%q %q]", p, texts, tc.title, tc.body)
			}
		})
	}
}

// Characters XML cannot hold (a task's output may carry any byte) become
// U+FFFD instead of breaking the payload.
func TestPayloadControlCharacters(t *testing.T) {
	p, err := Payload("bell\a", "nul\x00esc\x1b[31m")
	if err != nil {
		t.Fatal(err)
	}
	texts := parse(t, p)
	if want := []string{"bell\uFFFD", "nul\uFFFDesc\uFFFD[31m"}; len(texts) != 2 || texts[0] != want[0] || texts[1] != want[1] {
		t.Errorf("texts = %q, want %q", texts, want)
	}
}

func TestPayloadShape(t *testing.T) {
	for _, tc := range []struct {
		title, body string
		want        int // text elements
	}{
		{"t", "b", 2},
		{"t", "", 1},
		{"", "b", 1},
	} {
		p, err := Payload(tc.title, tc.body)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p, `<toast><visual><binding template="ToastGeneric">`) {
			t.Errorf("payload %s: not a ToastGeneric toast", p)
		}
		if got := len(parse(t, p)); got != tc.want {
			t.Errorf("Payload(%q, %q) has %d texts, want %d", tc.title, tc.body, got, tc.want)
		}
	}
}

func TestPayloadClipsLongText(t *testing.T) {
	p, err := Payload("t", strings.Repeat("界", 3*maxText))
	if err != nil {
		t.Fatal(err)
	}
	body := []rune(parse(t, p)[1])
	if len(body) != maxText || body[len(body)-1] != '…' {
		t.Errorf("body has %d runes ending %q, want %d ending …", len(body), body[len(body)-1], maxText)
	}
}

// parse reads the texts of a toast payload back (the Windows Runtime's
// XmlDocument reads it the same way: plain XML 1.0).
func parse(t *testing.T, payload string) []string {
	t.Helper()
	var got toastXML
	if err := xml.Unmarshal([]byte(payload), &got); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	return got.Visual.Binding.Texts
}
