//go:build unix

package wrapper

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, user and system: under
// a loaded machine a steadier measure of a benchmark's cost than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
