package task

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

// The decoder reads GBK (cp936) however the bytes arrive: split anywhere,
// mixed with UTF-8 lines, cut short or broken.
func TestLineDecoder(t *testing.T) {
	t.Parallel()
	disk := gbk(t, "中文 disk 97%\r\n")
	long := bytes.Repeat(gbk(t, "磁盘"), maxPendingLine) // no newline, odd cuts
	tests := []struct {
		name    string
		tryUTF8 bool
		in      []byte
		want    string
	}{
		{"gbk line", true, disk, "中文 disk 97%\r\n"},
		{"gbk forced", false, disk, "中文 disk 97%\r\n"},
		{"utf-8 line kept in auto", true, []byte("中文 ok\n"), "中文 ok\n"},
		{"utf-8 line read as gbk when forced", false, []byte("\xe4\xb8\xad\n"), "涓\ufffd\n"},
		{"mixed lines", true, append([]byte("utf-8: 中文\n"), disk...), "utf-8: 中文\n中文 disk 97%\r\n"},
		{"truncated at the end", true, disk[:3], "中\ufffd"},
		{"invalid byte", true, []byte("a\xffb\n"), "a\ufffdb\n"},
		{"ascii", true, []byte("plain\r\n"), "plain\r\n"},
		{"long line without newline", true, long, strings.Repeat("磁盘", maxPendingLine)},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 2, 3, 7, 4096, 1 << 20} {
			var out bytes.Buffer
			d := &lineDecoder{w: &out, fallback: simplifiedchinese.GBK, tryUTF8: tt.tryUTF8}
			for in := tt.in; len(in) > 0; {
				k := min(chunk, len(in))
				if n, err := d.Write(in[:k]); n != k || err != nil {
					t.Fatalf("%s: Write = %d, %v", tt.name, n, err)
				}
				in = in[k:]
			}
			d.flush()
			if got := out.String(); got != tt.want {
				t.Errorf("%s, chunks of %d: got %q, want %q", tt.name, chunk, trimForLog(got), trimForLog(tt.want))
			}
		}
	}
}

func trimForLog(s string) string {
	if len(s) > 80 {
		return s[:40] + "…" + s[len(s)-40:]
	}
	return s
}

// A forced encoding decodes before the capture, so cutting a long output
// never splits a character.
func TestOutputWriterForcedEncodingThroughCapture(t *testing.T) {
	t.Parallel()
	capture := newOutputCapture(64)
	w, flush := outputWriter(capture, "GBK")
	for range 100 {
		_, _ = w.Write(gbk(t, "中文 disk 97%\n"))
	}
	flush()
	got := capture.String()
	if !strings.HasPrefix(got, "中文 disk") || !strings.HasSuffix(got, "disk 97%\n") || strings.ContainsRune(got, '\ufffd') || len(got) > 64 {
		t.Errorf("got %q", got)
	}
}

func TestOutputEncodingValidation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		enc string
		ok  bool
	}{{"", true}, {"utf-8", true}, {"GBK", true}, {"shift_jis", true}, {"cp437", true}, {"auto", false}, {"klingon", false}} {
		task := Task{Name: "x", Kind: KindCommand, Command: &Command{Line: "x", OutputEncoding: tt.enc}}
		if err := task.Validate(); (err == nil) != tt.ok {
			t.Errorf("OutputEncoding %q: Validate = %v, want ok %v", tt.enc, err, tt.ok)
		}
	}
	err := Task{Name: "x", Kind: KindCommand, Command: &Command{Line: "x", OutputEncoding: "klingon"}}.Validate()
	if err == nil || !strings.Contains(err.Error(), "gbk") || !strings.Contains(err.Error(), "output-encoding") {
		t.Errorf("error %v does not name the field and the allowed names", err)
	}
}

// Auto mode reads the common Windows code pages.
func TestCodePageEncoding(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cp   uint32
		in   string
		want string
	}{
		{936, "\xd6\xd0\xce\xc4", "中文"},
		{950, "\xa4\xa4\xa4\xe5", "中文"},
		{932, "\x93\xfa\x96\x7b", "日本"},
		{437, "\x82", "é"},
		{1252, "\xe9", "é"},
		{866, "\xa6", "ж"},
		{1255, "\xf9", "ש"},
	} {
		enc := codePageEncoding(tt.cp)
		if enc == nil {
			t.Errorf("code page %d: no decoder", tt.cp)
			continue
		}
		if got, _ := enc.NewDecoder().String(tt.in); got != tt.want {
			t.Errorf("code page %d: %q, want %q", tt.cp, got, tt.want)
		}
	}
	if codePageEncoding(65001) != nil {
		t.Error("UTF-8 (65001) must pass through undecoded")
	}
}
