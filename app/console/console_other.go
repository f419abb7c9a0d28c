//go:build !windows

package console

// Attach does nothing: the process already has its terminal, if any.
func Attach(command bool) {}
