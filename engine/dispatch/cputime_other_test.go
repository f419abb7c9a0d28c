//go:build !unix

package dispatch_test

import "time"

// cpuTime is not measured here: cpu-ms/push is left out.
func cpuTime() time.Duration { return 0 }
