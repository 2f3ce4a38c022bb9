// Package benchcpu adds a cpu-ns/op metric to benchmarks: the CPU time
// (user and system) the process used per operation. On a machine shared
// with other work, wall time per operation includes waiting for a CPU; CPU
// time mostly does not. Where a benchmark's client and server share the
// process, it is the CPU of both ends of the call.
package benchcpu

import (
	"testing"
	"time"
)

// Start returns the process's CPU time so far, to pass to Report.
func Start() time.Duration { return processCPU() }

// Report adds cpu-ns/op to b: the CPU time since start, per operation. It
// reports nothing where the platform gives no CPU time.
func Report(b *testing.B, start time.Duration) {
	if d := processCPU() - start; d > 0 && b.N > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
