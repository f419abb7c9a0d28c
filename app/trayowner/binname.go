package trayowner

import (
	"runtime"
	"strings"
)

// TrayBin is the slim tray binary (cmd/herald-tray) that lies beside the
// herald binary exe: exe + "-tray" ("herald-tray"); on Windows the
// extension stays last, so "Herald.exe" pairs with "Herald-tray.exe".
func TrayBin(exe string) string { return trayBin(exe, runtime.GOOS) }

// WindowBinBeside is the herald binary beside the tray binary tray, the
// inverse of TrayBin.
func WindowBinBeside(tray string) string { return windowBin(tray, runtime.GOOS) }

func trayBin(exe, goos string) string {
	if goos == "windows" {
		return trimSuffixFold(exe, ".exe") + "-tray.exe"
	}
	return exe + "-tray"
}

func windowBin(tray, goos string) string {
	if goos == "windows" {
		return trimSuffixFold(tray, "-tray.exe") + ".exe"
	}
	return strings.TrimSuffix(tray, "-tray")
}

// trimSuffixFold is strings.TrimSuffix ignoring case: Windows file names
// are case-insensitive, and a path may spell the name as it was typed.
func trimSuffixFold(s, suffix string) string {
	if len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)]
	}
	return s
}
