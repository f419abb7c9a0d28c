// Command icons renders Herald's icon (assets/icon.png, 256×256) at the sizes
// desktops ask for, with the standard library only (no ImageMagick):
//
//	go run ./packaging/icons -src assets/icon.png -hicolor DIR   # DIR/NxN/apps/<id>.png
//	go run ./packaging/icons -src assets/icon.png -ico FILE      # multi-size Windows .ico
//
// Downscaling is an area average in premultiplied alpha: every source pixel
// contributes in proportion to how much of it a target pixel covers, which is
// exact for the 256 px source and any smaller size, including 48 and 22.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
)

// hicolorSizes are the freedesktop hicolor theme's usual fixed sizes.
var hicolorSizes = []int{16, 22, 24, 32, 48, 64, 128, 256}

// icoSizes are what Windows shows (small icons, Start menu, Explorer views).
var icoSizes = []int{16, 24, 32, 48, 64, 128, 256}

func main() {
	src := flag.String("src", "assets/icon.png", "square source PNG, at least 256 px")
	id := flag.String("id", "io.github.heraldpush.herald", "icon name (the app ID)")
	hicolor := flag.String("hicolor", "", "write `DIR`/NxN/apps/<id>.png for each hicolor size")
	ico := flag.String("ico", "", "write a multi-size Windows icon to `FILE`")
	flag.Parse()
	if err := run(*src, *id, *hicolor, *ico); err != nil {
		fmt.Fprintln(os.Stderr, "icons:", err)
		os.Exit(1)
	}
}

func run(srcPath, id, hicolor, ico string) error {
	if hicolor == "" && ico == "" {
		return errors.New("nothing to do: give -hicolor DIR and/or -ico FILE")
	}
	f, err := os.Open(srcPath)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", srcPath, err)
	}
	b := src.Bounds()
	if b.Dx() != b.Dy() || b.Dx() < 256 {
		return fmt.Errorf("%s is %d×%d; want a square of at least 256 px", srcPath, b.Dx(), b.Dy())
	}
	nrgba := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(nrgba, nrgba.Bounds(), src, b.Min, draw.Src)

	if hicolor != "" {
		for _, n := range hicolorSizes {
			dir := filepath.Join(hicolor, fmt.Sprintf("%dx%d", n, n), "apps")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			data, err := encodePNG(scale(nrgba, n))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, id+".png"), data, 0o644); err != nil {
				return err
			}
		}
	}
	if ico != "" {
		data, err := encodeICO(nrgba, icoSizes)
		if err != nil {
			return err
		}
		if err := os.WriteFile(ico, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// scale returns src resized to n×n by area averaging (n ≤ source size).
func scale(src *image.NRGBA, n int) *image.NRGBA {
	sw := src.Bounds().Dx()
	dst := image.NewNRGBA(image.Rect(0, 0, n, n))
	if n == sw {
		copy(dst.Pix, src.Pix)
		return dst
	}
	ratio := float64(sw) / float64(n)
	for dy := 0; dy < n; dy++ {
		y0, y1 := float64(dy)*ratio, float64(dy+1)*ratio
		for dx := 0; dx < n; dx++ {
			x0, x1 := float64(dx)*ratio, float64(dx+1)*ratio
			var r, g, bl, a, area float64
			for sy := int(y0); sy < sw && float64(sy) < y1; sy++ {
				wy := overlap(y0, y1, sy)
				for sx := int(x0); sx < sw && float64(sx) < x1; sx++ {
					w := wy * overlap(x0, x1, sx)
					p := src.Pix[sy*src.Stride+sx*4:]
					pa := float64(p[3]) * w
					r += float64(p[0]) * pa
					g += float64(p[1]) * pa
					bl += float64(p[2]) * pa
					a += pa
					area += w
				}
			}
			q := dst.Pix[dy*dst.Stride+dx*4:]
			if a > 0 {
				q[0] = round(r / a)
				q[1] = round(g / a)
				q[2] = round(bl / a)
			}
			q[3] = round(a / area)
		}
	}
	return dst
}

// overlap is how much of source pixel [i, i+1) lies inside [lo, hi).
func overlap(lo, hi float64, i int) float64 {
	return min(hi, float64(i+1)) - max(lo, float64(i))
}

func round(v float64) uint8 {
	return uint8(min(255, max(0, v+0.5)))
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeICO writes an ICO file: 256 px as an embedded PNG (as Windows itself
// does), smaller sizes as 32-bit BMPs with an AND mask, which every consumer
// (Explorer, the NSIS compiler, resource editors) reads.
func encodeICO(src *image.NRGBA, sizes []int) ([]byte, error) {
	images := make([][]byte, len(sizes))
	for i, n := range sizes {
		img := scale(src, n)
		var err error
		if n >= 256 {
			images[i], err = encodePNG(img)
		} else {
			images[i] = bmpEntry(img)
		}
		if err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&buf, le, [3]uint16{0, 1, uint16(len(sizes))}) // reserved, type icon, count
	offset := 6 + 16*len(sizes)
	for i, n := range sizes {
		dim := uint8(n)
		if n >= 256 {
			dim = 0 // 0 means 256
		}
		buf.Write([]byte{dim, dim, 0, 0})                  // width, height, palette size, reserved
		_ = binary.Write(&buf, le, [2]uint16{1, 32})       // planes, bits per pixel
		_ = binary.Write(&buf, le, uint32(len(images[i]))) // bytes
		_ = binary.Write(&buf, le, uint32(offset))         // offset
		offset += len(images[i])
	}
	for _, img := range images {
		buf.Write(img)
	}
	return buf.Bytes(), nil
}

// bmpEntry is an icon image in DIB form: BITMAPINFOHEADER (height doubled for
// the mask), BGRA rows bottom-up, then a 1-bit AND mask (1 = transparent).
func bmpEntry(img *image.NRGBA) []byte {
	n := img.Bounds().Dx()
	maskStride := (n + 31) / 32 * 4
	var buf bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&buf, le, struct {
		Size                 uint32
		Width, Height        int32
		Planes, BitCount     uint16
		Compression, SizeImg uint32
		XPPM, YPPM           int32
		ClrUsed, ClrImp      uint32
	}{40, int32(n), int32(2 * n), 1, 32, 0, uint32(n*n*4 + maskStride*n), 0, 0, 0, 0})
	for y := n - 1; y >= 0; y-- {
		for x := 0; x < n; x++ {
			c := img.NRGBAAt(x, y)
			buf.Write([]byte{c.B, c.G, c.R, c.A})
		}
	}
	for y := n - 1; y >= 0; y-- {
		row := make([]byte, maskStride)
		for x := 0; x < n; x++ {
			if img.NRGBAAt(x, y).A == 0 {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		buf.Write(row)
	}
	return buf.Bytes()
}
