package sandbox_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// delay fault's timer, a request the sandbox is still serving, a test's
// client connection.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
