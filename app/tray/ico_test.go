package tray

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"testing"

	"github.com/heraldpush/herald/assets"
)

// Each tray icon wraps into an .ico file whose one entry describes the
// PNG it holds, as LoadImage reads it; what is not a PNG is refused.
func TestPNGICO(t *testing.T) {
	for _, tc := range []struct {
		name string
		png  []byte
	}{{"ok", assets.TrayOK}, {"failing", assets.TrayFailing}, {"paused", assets.TrayPaused}} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := png.Decode(bytes.NewReader(tc.png))
			if err != nil {
				t.Fatal(err)
			}
			ico, err := pngICO(tc.png)
			if err != nil {
				t.Fatal(err)
			}
			le := binary.LittleEndian
			if le.Uint16(ico[0:]) != 0 || le.Uint16(ico[2:]) != 1 || le.Uint16(ico[4:]) != 1 {
				t.Fatalf("ICONDIR % x", ico[:6])
			}
			b := img.Bounds()
			if int(ico[6]) != b.Dx()%256 || int(ico[7]) != b.Dy()%256 || le.Uint16(ico[12:]) != 32 {
				t.Fatalf("entry % x for a %v image", ico[6:22], b.Size())
			}
			size, off := le.Uint32(ico[14:]), le.Uint32(ico[18:])
			if int(off) != 22 || int(off+size) != len(ico) || !bytes.Equal(ico[off:], tc.png) {
				t.Fatalf("entry points at %d+%d of %d bytes, not at the PNG", off, size, len(ico))
			}
		})
	}
	if _, err := pngICO([]byte("GIF89a not a png at all..")); err == nil {
		t.Fatal("a GIF was wrapped")
	}
}
