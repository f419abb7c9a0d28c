//go:build windows

package autostart

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows/registry"
)

const (
	runKey   = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValue = "Herald" // the installer's uninstaller deletes it by this name
)

// Enable sets HKCU\...\Run\Herald.
func Enable(e Entry) error {
	line, err := windowsCommandLine(e)
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	if err := k.SetStringValue(runValue, line); err != nil {
		return fmt.Errorf("set HKCU\\%s\\%s: %w", runKey, runValue, err)
	}
	return nil
}

// Disable deletes the Run value; a missing one is fine.
func Disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	if err := k.DeleteValue(runValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete HKCU\\%s\\%s: %w", runKey, runValue, err)
	}
	return nil
}

// Enabled reports whether something starts at login: the Run value exists
// and names a program that exists. A value left behind by a moved portable
// exe or a removed install starts nothing, so it counts as off.
func Enabled() (bool, error) {
	line, err := runLine()
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read HKCU\\%s\\%s: %w", runKey, runValue, err)
	}
	st, err := os.Stat(windowsProgram(line))
	return err == nil && st.Mode().IsRegular(), nil
}

// runLine is the Run value's command line.
func runLine() (string, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return "", err
	}
	defer k.Close()
	s, _, err := k.GetStringValue(runValue)
	return s, err
}
