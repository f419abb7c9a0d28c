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
	bin := exe + "-tray"
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() {
		return
	}
	args := []string{bin, "--data-dir", dir}
	if minimized {
		args = append(args, "--minimized")
	}
	env := append(os.Environ(), trayowner.EnvWindowBin+"="+exe)
	_ = syscall.Exec(bin, args, env)
}
