//go:build !unix

package benchcpu

import "time"

// processCPU is not measured here: Report reports nothing.
func processCPU() time.Duration { return 0 }
