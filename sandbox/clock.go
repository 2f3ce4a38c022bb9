package sandbox

import (
	"sync"
	"time"
)

// Clock tells the sandbox the time. Tests inject a FakeClock to cross the
// 10-minute confirm window or the 15-day idempotency window without sleeping.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// FakeClock is a Clock that only moves when told to. It is safe for
// concurrent use.
type FakeClock struct {
	mu    sync.Mutex
	now   time.Time
	moves chan struct{} // closed (and replaced) when the clock moves
}

// moved returns a channel closed at the clock's next move: the webhook
// worker sends what an Advance made due without waiting in real time.
func (c *FakeClock) moved() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.moves == nil {
		c.moves = make(chan struct{})
	}
	return c.moves
}

// tell wakes those waiting for a move; the caller holds c.mu.
func (c *FakeClock) tell() {
	if c.moves != nil {
		close(c.moves)
		c.moves = nil
	}
}

// NewFakeClock returns a FakeClock that reads t until it is advanced.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.tell()
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.tell()
	c.mu.Unlock()
}
