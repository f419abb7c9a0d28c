//go:build windows

package autostart

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// The round trip uses the real HKCU Run key (under Wine: the prefix's), so
// it keeps and restores a value that was there before.
func TestWindowsRunValue(t *testing.T) {
	before, err := runLine()
	had := err == nil
	t.Cleanup(func() {
		if had {
			if k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE); err == nil {
				k.SetStringValue(runValue, before)
				k.Close()
			}
		} else {
			Disable()
		}
	})
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("Enabled with no value = %v, %v", on, err)
	}
	dir := tempDir(t, "Herald App")
	exe := filepath.Join(dir, "Herald.exe")
	if err := os.WriteFile(exe, []byte("MZ"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := Entry{Exec: exe, Args: []string{"--minimized", "--data-dir", `D:\my "data"\`}}
	if err := Enable(e); err != nil {
		t.Fatal(err)
	}
	line, err := runLine()
	if err != nil {
		t.Fatal(err)
	}
	// Windows reads the value back into the same arguments.
	args, err := windows.DecomposeCommandLine(line)
	if err != nil || !slices.Equal(args, append([]string{e.Exec}, e.Args...)) {
		t.Fatalf("Run value %s parses as %q, %v", line, args, err)
	}
	if on, err := Enabled(); err != nil || !on {
		t.Fatalf("Enabled after Enable = %v, %v", on, err)
	}
	// The program moved away (portable exe moved, app uninstalled): off.
	if err := os.Rename(exe, exe+".moved"); err != nil {
		t.Fatal(err)
	}
	if on, err := Enabled(); err != nil || on {
		t.Fatalf("Enabled with the program gone = %v, %v", on, err)
	}
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := runLine(); err == nil {
		t.Fatal("Run value still there after Disable")
	}
	if err := Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
}

// Windows' own escaping agrees with the build-tag-free one.
func TestWindowsCommandLineMatchesWindows(t *testing.T) {
	for _, a := range []string{"", "plain", `D:\my data\`, `a\"b`, `say "hi"`, "tab\there", `\\server\share\`} {
		got, _ := windowsCommandLine(Entry{Exec: `C:\h.exe`, Args: []string{a}})
		want := `"C:\h.exe" ` + windows.EscapeArg(a)
		if got != want {
			t.Errorf("arg %q: %s, windows.EscapeArg gives %s", a, got, want)
		}
	}
}

// tempDir is a new folder whose name has a space. Not t.TempDir: under
// Wine 8 its RemoveAll fails ("unlinkat: Invalid function"), so the
// cleanup deletes file by file with DeleteFile.
func tempDir(t *testing.T, name string) string {
	t.Helper()
	parent, err := os.MkdirTemp("", "autostart")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			os.Remove(filepath.Join(dir, f.Name()))
		}
		os.Remove(dir)
		os.Remove(parent)
	})
	return dir
}
