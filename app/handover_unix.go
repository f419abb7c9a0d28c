//go:build linux || freebsd || openbsd || netbsd

package app

import (
	"os"
	"syscall"

	"github.com/heraldpush/herald/app/trayowner"
)

// handOverToTray replaces this process with the slim tray binary beside
// it, exe + "-tray" (cmd/herald-tray), which has no Fyne and no GL
// library linked: this binary needs libGL at load time, so a tray run
// from it maps libGL even though it never starts Fyne. It returns only
// when there is no such binary or it cannot run; the tray then runs here.
func handOverToTray(exe, dir string, minimized bool) {
	bin := trayowner.TrayBin(exe)
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() {
		return
	}
	_ = syscall.Exec(bin, append([]string{bin}, trayArgs(dir, minimized)...), trayEnv(exe))
}
