package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/testenv"
)

// The real binary opens a real window under Xvfb, in English and in
// Chinese; each tab is shown in turn and the screen is captured with xwd.
// Every screenshot must be far from blank and differ from the previous tab.
// The PNGs stay in the test's temp dir (HERALD_SCREENSHOTS copies them out).
func TestWindowSmoke(t *testing.T) {
	testenv.NeedDisplay(t)
	testenv.NeedKeyring(t)
	xwd, err := exec.LookPath("xwd")
	if err != nil {
		if testenv.InCI() {
			t.Fatal("xwd (x11-apps) is required in CI")
		}
		t.Skip("xwd not installed")
	}
	data := t.TempDir()
	// Something to show: a channel, two tasks and their runs.
	for _, args := range [][]string{
		{"channel", "add", "webhook", "示例 hook", "url=http://127.0.0.1:1/x"},
		{"task", "add", "backup", "--command", "echo ok", "--daily", "08:00"},
		{"task", "add", "flaky", "--command", "echo boom; exit 2", "--every", "1h"},
		{"api", "disable"},
	} {
		if out, err := herald(t, data, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	herald(t, data, "task", "run", "backup")
	herald(t, data, "task", "run", "flaky")

	for _, lang := range []string{"en_US.UTF-8", "zh_CN.UTF-8"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(heraldBin, "--data-dir", data, "--cycle-tabs", dir)
			cmd.Env = append(os.Environ(), "LANG="+lang, "LC_ALL=", "LANGUAGE=")
			out, _ := os.Create(filepath.Join(dir, "herald.log"))
			defer out.Close()
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// A failed check must not leave the window running: the next
			// start would find it and exit (one window per data folder).
			finished := false
			defer func() {
				if !finished {
					cmd.Process.Kill()
					<-done
				}
			}()
			var prev image.Image
			for i := 1; i <= 5; i++ {
				ready := filepath.Join(dir, fmt.Sprintf("tab-%d.ready", i))
				waitFor(t, 20*time.Second, "tab "+ready, func() bool { _, err := os.Stat(ready); return err == nil })
				name, _ := os.ReadFile(ready)
				shot := filepath.Join(dir, fmt.Sprintf("%s-tab-%d-%s.png", lang[:2], i, name))
				img := paintedTab(t, xwd, filepath.Join(dir, "screen.xwd"), prev, shot)
				writePNG(t, shot, img)
				prev = img
				if keep := os.Getenv("HERALD_SCREENSHOTS"); keep != "" {
					copyFile(t, shot, filepath.Join(keep, filepath.Base(shot)))
				}
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("tab-%d.done", i)), nil, 0o644)
			}
			select {
			case err := <-done:
				finished = true
				if err != nil {
					log, _ := os.ReadFile(filepath.Join(dir, "herald.log"))
					t.Fatalf("app exit: %v\n%s", err, log)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("app did not quit after the last tab")
			}
		})
	}
}

// paintedTab captures the screen once the selected tab has painted: far
// from blank, different from the previous tab, and the same in two captures
// in a row (a loaded machine paints late; the capture waits, never guesses).
func paintedTab(t *testing.T, xwd, raw string, prev image.Image, shot string) image.Image {
	t.Helper()
	var last, img image.Image
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := exec.Command(xwd, "-root", "-silent", "-out", raw).CombinedOutput(); err != nil {
			t.Fatalf("xwd: %v %s", err, b)
		}
		var err error
		if img, err = readXWD(raw); err != nil {
			t.Fatal(err)
		}
		painted := distinctColors(img) >= 20 && (prev == nil || !same(prev, img))
		if painted && last != nil && same(last, img) {
			return img
		}
		last = img
		if time.Now().After(deadline) {
			writePNG(t, shot, img)
			switch {
			case distinctColors(img) < 20:
				t.Fatalf("%s looks blank: %d colours", shot, distinctColors(img))
			case prev != nil && same(prev, img):
				t.Fatalf("%s is identical to the previous tab: tabs did not switch", shot)
			}
			t.Fatalf("%s never stopped changing", shot)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// readXWD decodes the ZPixmap TrueColor dumps xwd writes for Xvfb's 24-bit screen.
func readXWD(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var h [25]uint32
	if err := binary.Read(r, binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("xwd header: %w", err)
	}
	headerSize, format, w, hgt := h[0], h[2], int(h[4]), int(h[5])
	byteOrder, bpp, bpl := h[7], h[11], int(h[12])
	rmask, gmask, bmask, ncolors := h[14], h[15], h[16], h[19]
	if format != 2 || (bpp != 32 && bpp != 24) {
		return nil, fmt.Errorf("xwd: format %d, %d bits per pixel; want ZPixmap with 24 or 32", format, bpp)
	}
	step := int(bpp / 8)
	if _, err := io.CopyN(io.Discard, r, int64(headerSize)-100+int64(ncolors)*12); err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, hgt))
	line := make([]byte, bpl)
	var order binary.ByteOrder = binary.LittleEndian
	if byteOrder == 1 {
		order = binary.BigEndian
	}
	channel := func(v, mask uint32) uint8 { return uint8((v & mask) >> bits.TrailingZeros32(mask)) }
	for y := range hgt {
		if _, err := io.ReadFull(r, line); err != nil {
			return nil, fmt.Errorf("xwd pixels: %w", err)
		}
		for x := range w {
			var v uint32
			p := line[x*step : x*step+step]
			if step == 4 {
				v = order.Uint32(p)
			} else if byteOrder == 1 {
				v = uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2])
			} else {
				v = uint32(p[2])<<16 | uint32(p[1])<<8 | uint32(p[0])
			}
			img.Set(x, y, color.RGBA{channel(v, rmask), channel(v, gmask), channel(v, bmask), 255})
		}
	}
	return img, nil
}

func distinctColors(img image.Image) int {
	seen := map[color.Color]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			seen[img.At(x, y)] = true
			if len(seen) > 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

func same(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	bd := a.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	data, err := os.ReadFile(from)
	if err == nil {
		err = os.WriteFile(to, data, 0o644)
	}
	if err != nil {
		t.Errorf("copy screenshot: %v", err)
	}
}
