package task

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// EncodingAuto is Command.OutputEncoding's default: output that is valid
// UTF-8 is kept, anything else is read in the system's console code page
// (on Unix, invalid bytes are replaced).
const EncodingAuto = ""

// EncodingUTF8 forces UTF-8: invalid bytes are replaced.
const EncodingUTF8 = "utf-8"

// outputEncoding is a text encoding a command's output may be read in.
type outputEncoding struct {
	name     string
	codePage uint32            // the Windows code page it is
	enc      encoding.Encoding // nil for UTF-8
}

// outputEncodings lists the encodings a task may force, and the Windows
// code pages auto mode can read.
var outputEncodings = []outputEncoding{
	{EncodingUTF8, 65001, nil},
	{"gbk", 936, simplifiedchinese.GBK},
	{"gb18030", 54936, simplifiedchinese.GB18030},
	{"big5", 950, traditionalchinese.Big5},
	{"shift_jis", 932, japanese.ShiftJIS},
	{"euc-kr", 949, korean.EUCKR},
	{"cp437", 437, charmap.CodePage437},
	{"cp850", 850, charmap.CodePage850},
	{"cp852", 852, charmap.CodePage852},
	{"cp866", 866, charmap.CodePage866},
	{"windows-1250", 1250, charmap.Windows1250},
	{"windows-1251", 1251, charmap.Windows1251},
	{"windows-1252", 1252, charmap.Windows1252},
	{"windows-1253", 1253, charmap.Windows1253},
	{"windows-1254", 1254, charmap.Windows1254},
	{"windows-1256", 1256, charmap.Windows1256},
	{"koi8-r", 20866, charmap.KOI8R},
	{"iso-8859-1", 28591, charmap.ISO8859_1},
}

// OutputEncodingNames lists the names Command.OutputEncoding accepts
// besides EncodingAuto ("").
func OutputEncodingNames() []string {
	names := make([]string, len(outputEncodings))
	for i, e := range outputEncodings {
		names[i] = e.name
	}
	return names
}

// lookupOutputEncoding finds an encoding by name, ignoring case.
func lookupOutputEncoding(name string) (outputEncoding, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, e := range outputEncodings {
		if e.name == name {
			return e, true
		}
	}
	return outputEncoding{}, false
}

// moreCodePages are system code pages auto mode reads that are too rare to
// be offered by name.
var moreCodePages = map[uint32]encoding.Encoding{
	855: charmap.CodePage855, 858: charmap.CodePage858, 860: charmap.CodePage860,
	862: charmap.CodePage862, 863: charmap.CodePage863, 865: charmap.CodePage865,
	874: charmap.Windows874, 1255: charmap.Windows1255, 1257: charmap.Windows1257,
	1258: charmap.Windows1258,
}

// codePageEncoding is the decoder of a Windows code page; nil for UTF-8 and
// for code pages we cannot read (their output is then treated as UTF-8).
func codePageEncoding(cp uint32) encoding.Encoding {
	for _, e := range outputEncodings {
		if e.codePage == cp {
			return e.enc
		}
	}
	return moreCodePages[cp]
}

// outputWriter returns where a command's raw output goes so that w gets
// UTF-8, and a flush to call when the output ends. name is the task's
// Command.OutputEncoding; it was validated.
func outputWriter(w io.Writer, name string) (io.Writer, func()) {
	if name == EncodingAuto {
		if enc := codePageEncoding(consoleCodePage()); enc != nil {
			d := &lineDecoder{w: w, fallback: enc, tryUTF8: true}
			return d, d.flush
		}
		return w, func() {}
	}
	e, ok := lookupOutputEncoding(name)
	if !ok || e.enc == nil {
		return w, func() {}
	}
	d := &lineDecoder{w: w, fallback: e.enc}
	return d, d.flush
}

// maxPendingLine bounds how much of a line without its newline is held
// before it is decoded on its own.
const maxPendingLine = 4 << 10

// lineDecoder decodes a stream line by line into UTF-8. With tryUTF8, a line
// that is valid UTF-8 is kept as it is (a program may write UTF-8 while
// cmd writes the code page), and other lines are read in fallback. A line
// ends at '\n', which is never part of a multi-byte character in the code
// pages listed, so no character is cut in half; a line too long to hold is
// cut before an incomplete character at its end.
type lineDecoder struct {
	w        io.Writer
	fallback encoding.Encoding
	tryUTF8  bool
	pending  []byte
}

// Write never fails: the program must not be blocked by its own output.
func (d *lineDecoder) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			d.pending = append(d.pending, p...)
			if len(d.pending) >= maxPendingLine {
				d.decodeLong()
			}
			break
		}
		d.pending = append(d.pending, p[:i+1]...)
		p = p[i+1:]
		d.emit(d.pending, true)
		d.pending = d.pending[:0]
	}
	return n, nil
}

// flush decodes what is left once the output ended.
func (d *lineDecoder) flush() {
	if len(d.pending) > 0 {
		d.emit(d.pending, true)
		d.pending = d.pending[:0]
	}
}

// decodeLong decodes most of a long pending line, keeping back an
// incomplete character at its end.
func (d *lineDecoder) decodeLong() {
	used := d.emit(d.pending, false)
	rest := copy(d.pending, d.pending[used:])
	d.pending = d.pending[:rest]
}

// emit writes b decoded and returns how many bytes of b it used: all of
// them when complete, else all but an incomplete character at the end.
func (d *lineDecoder) emit(b []byte, complete bool) int {
	if d.tryUTF8 {
		whole := b
		if !complete {
			whole = dropPartialRune(b)
		}
		if utf8.Valid(whole) {
			_, _ = d.w.Write(whole)
			return len(whole)
		}
	}
	out, used := decodeBytes(d.fallback, b, complete)
	_, _ = d.w.Write(out)
	return used
}

// decodeBytes decodes b with enc (invalid bytes become U+FFFD); unless
// complete, an incomplete character at the end is left undecoded.
func decodeBytes(enc encoding.Encoding, b []byte, complete bool) (out []byte, used int) {
	dec := enc.NewDecoder()
	out = make([]byte, 0, len(b)*3/2+8)
	buf := make([]byte, 4<<10)
	for {
		nDst, nSrc, err := dec.Transform(buf, b[used:], complete)
		out = append(out, buf[:nDst]...)
		used += nSrc
		if err != transform.ErrShortDst {
			return out, used
		}
	}
}
