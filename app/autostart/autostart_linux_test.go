//go:build linux

package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLinuxAutostartEntry(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("Enabled before = %v, %v", on, err)
	}
	e := Entry{Exec: "/opt/Herald App/herald", Args: []string{"--minimized", "--data-dir", "/home/u/my data"}}
	if err := Enable(e); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(cfg, "autostart", ID+".desktop")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `Exec="/opt/Herald App/herald" --minimized --data-dir "/home/u/my data"`
	if !strings.Contains(string(data), want+"\n") || !strings.HasPrefix(string(data), "[Desktop Entry]\n") {
		t.Fatalf("entry:\n%s\nwant line %s", data, want)
	}
	if on, err := Enabled(); err != nil || !on {
		t.Fatalf("Enabled after = %v, %v", on, err)
	}
	// The entry passes the freedesktop validator when it is installed.
	if v, err := exec.LookPath("desktop-file-validate"); err == nil {
		if out, err := exec.Command(v, p).CombinedOutput(); err != nil {
			t.Fatalf("desktop-file-validate: %v\n%s", err, out)
		}
	}
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if on, _ := Enabled(); on {
		t.Fatal("still enabled after Disable")
	}
	if err := Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
}

func TestForThisBinary(t *testing.T) {
	e, err := ForThisBinary("/data/custom", "/home/u/.config/herald")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(e.Exec) || strings.Join(e.Args, " ") != "--minimized --data-dir /data/custom" {
		t.Fatalf("entry %+v", e)
	}
	e, _ = ForThisBinary("/home/u/.config/herald/", "/home/u/.config/herald")
	if strings.Join(e.Args, " ") != "--minimized" {
		t.Fatalf("default data dir added: %+v", e)
	}
}
