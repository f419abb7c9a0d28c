//go:build linux || freebsd || openbsd || netbsd || windows

package app

import (
	"os"

	"github.com/heraldpush/herald/app/trayowner"
)

// trayArgs are the slim tray binary's arguments (cmd/herald-tray).
func trayArgs(dir string, minimized bool) []string {
	args := []string{"--data-dir", dir}
	if minimized {
		args = append(args, "--minimized")
	}
	return args
}

// trayEnv tells the tray binary that exe runs the window.
func trayEnv(exe string) []string {
	return append(os.Environ(), trayowner.EnvWindowBin+"="+exe)
}
