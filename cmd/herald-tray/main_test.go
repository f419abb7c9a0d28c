package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The tray binary links neither Fyne nor a GL binding on the systems it is
// shipped for: that is what it is for (fyne.io/systray is not Fyne).
func TestNoFyneNoGL(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list the dependencies")
	}
	for _, goos := range []string{"linux", "windows"} {
		cmd := exec.Command("go", "list", "-deps", ".")
		// cgo on, as the packages build it: cgo files may import more.
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GOOS=%s go list -deps: %v", goos, err)
		}
		for _, p := range strings.Fields(string(out)) {
			if strings.HasPrefix(p, "fyne.io/fyne/") || strings.HasPrefix(p, "github.com/go-gl/") {
				t.Errorf("GOOS=%s: cmd/herald-tray depends on %s", goos, p)
			}
		}
	}
}
