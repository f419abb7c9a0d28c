package trayowner

import "testing"

// The tray binary's name and back, as packaging/linux/package and
// packaging/windows/package name them.
func TestBinNames(t *testing.T) {
	for _, c := range []struct{ goos, exe, tray, back string }{
		{"linux", "/usr/bin/herald", "/usr/bin/herald-tray", "/usr/bin/herald"},
		{"linux", "/tmp/herald-test", "/tmp/herald-test-tray", "/tmp/herald-test"},
		{"windows", `C:\Programs\Herald\Herald.exe`, `C:\Programs\Herald\Herald-tray.exe`, `C:\Programs\Herald\Herald.exe`},
		{"windows", `Z:\dist\herald-0.1.0-windows-amd64.exe`, `Z:\dist\herald-0.1.0-windows-amd64-tray.exe`, `Z:\dist\herald-0.1.0-windows-amd64.exe`},
		// Names are case-insensitive on Windows.
		{"windows", `C:\Herald\HERALD.EXE`, `C:\Herald\HERALD-tray.exe`, `C:\Herald\HERALD.exe`},
		{"windows", `C:\Herald\Herald`, `C:\Herald\Herald-tray.exe`, `C:\Herald\Herald.exe`},
	} {
		if got := trayBin(c.exe, c.goos); got != c.tray {
			t.Errorf("%s: trayBin(%q) = %q, want %q", c.goos, c.exe, got, c.tray)
		}
		if got := windowBin(c.tray, c.goos); got != c.back {
			t.Errorf("%s: windowBin(%q) = %q, want %q", c.goos, c.tray, got, c.back)
		}
	}
	if got := windowBin(`C:\Herald\Herald-TRAY.EXE`, "windows"); got != `C:\Herald\Herald.exe` {
		t.Errorf("windowBin of an upper-case tray name = %q", got)
	}
}
