//go:build !linux || !cgo

package store

// tuneMalloc has nothing to tune outside Linux's glibc.
func tuneMalloc() {}
