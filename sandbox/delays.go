package sandbox

import "sync"

// Bounds of the delay faults under way at once. A paused request holds its
// connection; without a bound, a few keys asking for delay=1m on every
// connection the server takes (DefaultMaxConnections) would keep every
// other client waiting for a minute at a time.
const (
	// maxDelaysPerKey is how many requests of one secret key may pause at once.
	maxDelaysPerKey = 4
	// maxDelays is how many may pause over all keys: a quarter of the
	// server's connections, so the rest always serve requests.
	maxDelays = DefaultMaxConnections / 4
)

// delaySlots counts the delay faults under way, per key and in all.
type delaySlots struct {
	mu     sync.Mutex
	total  int
	perKey map[string]int
}

func newDelaySlots() *delaySlots { return &delaySlots{perKey: map[string]int{}} }

// take reserves a slot for a delayed request of key; ok is false when the
// key, or the sandbox, has every slot taken (then why says which).
func (d *delaySlots) take(key string) (ok bool, why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.perKey[key] >= maxDelaysPerKey:
		return false, "this secret key already has the most delayed requests under way at once"
	case d.total >= maxDelays:
		return false, "the sandbox already has the most delayed requests under way at once"
	}
	d.perKey[key]++
	d.total++
	return true, ""
}

// give releases the slot of a delayed request of key.
func (d *delaySlots) give(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.total--
	if d.perKey[key]--; d.perKey[key] <= 0 {
		delete(d.perKey, key)
	}
}
