//go:build linux && cgo

package store

/*
#include <malloc.h>

// keepFreedHeap raises glibc's trim threshold to bytes. It is a no-op
// where the C library has no such setting.
static void keepFreedHeap(int bytes) {
#ifdef M_TRIM_THRESHOLD
	mallopt(M_TRIM_THRESHOLD, bytes);
#endif
}
*/
import "C"

import "sync"

// heapTrimThreshold is how much freed memory glibc keeps at the top of a
// malloc heap before it gives it back to the system (its default is 128 KiB,
// adjusted up as it goes). SQLite allocates and frees a few hundred KiB per
// write transaction; with the default, glibc returned that memory after
// each one and the next faulted it in again page by page, about twenty page
// faults a push, a tenth of the CPU a push cost.
const heapTrimThreshold = 32 << 20

var tuneHeap sync.Once

// tuneMalloc keeps SQLite's freed memory for reuse (see heapTrimThreshold).
// It applies to the whole process, once.
func tuneMalloc() {
	tuneHeap.Do(func() { C.keepFreedHeap(C.int(heapTrimThreshold)) })
}
