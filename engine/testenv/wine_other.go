//go:build !windows

package testenv

// UnderWine is false outside Windows.
func UnderWine() bool { return false }
