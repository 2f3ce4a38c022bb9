package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: the
// sandbox command's server, the demo's in-process sandbox, an ops
// command's connections.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
