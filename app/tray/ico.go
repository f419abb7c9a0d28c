package tray

import (
	"encoding/binary"
	"errors"
	"runtime"
)

// nativeIcon is png as the tray of this system takes it: Windows' needs
// an icon file (fyne.io/systray loads it with LoadImage), which may hold
// the PNG as it is; the others take the PNG.
func nativeIcon(png []byte) []byte {
	if runtime.GOOS != "windows" {
		return png
	}
	ico, err := pngICO(png)
	if err != nil {
		return png
	}
	return ico
}

// pngICO wraps png in an .ico file of one image (PNG-compressed icons,
// Windows Vista and later).
func pngICO(png []byte) ([]byte, error) {
	// The signature, then the IHDR chunk: length, type, width, height.
	if len(png) < 24 || string(png[1:4]) != "PNG" || string(png[12:16]) != "IHDR" {
		return nil, errors.New("tray icon: not a PNG")
	}
	w, h := binary.BigEndian.Uint32(png[16:20]), binary.BigEndian.Uint32(png[20:24])
	if w == 0 || h == 0 || w > 256 || h > 256 {
		return nil, errors.New("tray icon: an icon is at most 256×256")
	}
	const headers = 6 + 16
	out := make([]byte, headers, headers+len(png))
	binary.LittleEndian.PutUint16(out[2:], 1)   // type: icon
	binary.LittleEndian.PutUint16(out[4:], 1)   // one image
	out[6], out[7] = byte(w), byte(h)           // 256 is written as 0
	binary.LittleEndian.PutUint16(out[10:], 1)  // planes
	binary.LittleEndian.PutUint16(out[12:], 32) // bits per pixel
	binary.LittleEndian.PutUint32(out[14:], uint32(len(png)))
	binary.LittleEndian.PutUint32(out[18:], headers)
	return append(out, png...), nil
}
