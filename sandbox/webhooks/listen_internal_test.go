package webhooks

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func newPulled(key, id string) *pulled {
	return &pulled{key: key, a: ListenedAttempt{ID: id}, answer: make(chan ListenedAnswer, 1)}
}

// waitFor polls cond (the hub's state changes in other goroutines).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 5000 {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (h *Hub) waiting(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if q := h.keys[key]; q != nil {
		return len(q.waiter)
	}
	return 0
}

// TestListenHubTimeouts: an attempt no listener takes fails with
// errNoListener; one taken and never answered fails with errListenerSilent
// and cannot be answered afterwards; the hub then holds nothing.
func TestListenHubTimeouts(t *testing.T) {
	t.Parallel()
	h := NewHub()
	if _, err := h.deliver(newPulled("k", "a1"), 20*time.Millisecond); !errors.Is(err, errNoListener) {
		t.Errorf("no listener: %v", err)
	}
	taken := make(chan *pulled)
	go func() { p, _ := h.take("k", time.Minute, nil); taken <- p }()
	waitFor(t, "a listener waits", func() bool { return h.waiting("k") == 1 })
	p2 := newPulled("k", "a2")
	// Generous: the hand-over must happen within it even on a loaded machine.
	if _, err := h.deliver(p2, time.Second); !errors.Is(err, errListenerSilent) {
		t.Errorf("silent listener: %v", err)
	}
	if got := <-taken; got != p2 {
		t.Errorf("taken %v", got)
	}
	if h.report("k", "a2", ListenedAnswer{Status: 200}) {
		t.Error("an answer after the timeout was taken")
	}
	if got, err := h.take("k", 10*time.Millisecond, nil); got != nil || err != nil {
		t.Errorf("take with nothing sent: %v, %v", got, err)
	}
	if len(h.keys) != 0 || len(h.pending) != 0 || h.waits != 0 {
		t.Errorf("hub holds %d keys, %d pending, %d waits", len(h.keys), len(h.pending), h.waits)
	}
	done := make(chan struct{})
	close(done)
	if got, _ := h.take("k", time.Hour, done); got != nil {
		t.Errorf("take after done: %v", got)
	}
}

// TestListenHubAnswered: the answer reported reaches the attempt, and a
// report for another key's attempt is refused.
func TestListenHubAnswered(t *testing.T) {
	t.Parallel()
	h := NewHub()
	go func() {
		p, _ := h.take("k", time.Minute, nil)
		if h.report("other", p.a.ID, ListenedAnswer{Status: 200}) {
			t.Error("another key answered the attempt")
		}
		h.report("k", p.a.ID, ListenedAnswer{Status: 204, Answer: "ok"})
	}()
	waitFor(t, "a listener waits", func() bool { return h.waiting("k") == 1 })
	if ans, err := h.deliver(newPulled("k", "a1"), time.Minute); err != nil || ans.Status != 204 || ans.Answer != "ok" {
		t.Errorf("answer %+v, %v", ans, err)
	}
}

// TestListenHubClose: closing the hub ends the waits of the listeners and
// the hand-overs under way at once.
func TestListenHubClose(t *testing.T) {
	t.Parallel()
	h := NewHub()
	taken := make(chan *pulled)
	go func() { p, _ := h.take("k", time.Hour, nil); taken <- p }()
	failed := make(chan error)
	go func() { _, err := h.deliver(newPulled("other", "a1"), time.Hour); failed <- err }()
	waitFor(t, "a listener waits", func() bool { return h.waiting("k") == 1 })
	h.Close()
	h.Close()
	if got := <-taken; got != nil {
		t.Errorf("a listener got %v from a closed hub", got)
	}
	if err := <-failed; !errors.Is(err, errListenClosed) {
		t.Errorf("hand-over to a closed hub: %v", err)
	}
}

// TestListenHubWaitCaps: a key's third wait ends its oldest (a restarted
// listener is never locked out by an abandoned poll); past the total, a key
// not listening yet still gets a wait, from a key waiting twice.
func TestListenHubWaitCaps(t *testing.T) {
	t.Parallel()
	h := NewHub()
	first := make(chan *pulled)
	go func() { p, _ := h.take("k", time.Hour, nil); first <- p }()
	waitFor(t, "the first wait", func() bool { return h.waiting("k") == 1 })
	for range listenWaitsPerKey {
		go func() { _, _ = h.take("k", time.Hour, nil) }()
	}
	if got := <-first; got != nil {
		t.Errorf("the oldest wait got %v", got)
	}
	waitFor(t, "the newer waits", func() bool { return h.waiting("k") == listenWaitsPerKey })
	for i := range MaxListenWaits - listenWaitsPerKey {
		go func() { _, _ = h.take("key-"+strconv.Itoa(i), time.Hour, nil) }()
	}
	waitFor(t, "every wait", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.waits == MaxListenWaits })
	go func() { _, _ = h.take("one-more", time.Hour, nil) }()
	waitFor(t, "the new key's wait", func() bool { return h.waiting("one-more") == 1 })
	h.mu.Lock()
	waits := h.waits
	h.mu.Unlock()
	if waits != MaxListenWaits || h.waiting("k") != 1 {
		t.Errorf("%d waits (bound %d); the key waiting twice now waits %d times, want 1", waits, MaxListenWaits, h.waiting("k"))
	}
	h.Close()
	waitFor(t, "the waits end", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.waits == 0 && len(h.keys) == 0 })
}

// TestListenHubNewKeysAlwaysStart: 128 keys × 2 polls fill the bound; 64
// keys not listening yet each start a wait, and a key already waiting that
// polls again replaces its own wait; the total never passes the bound.
func TestListenHubNewKeysAlwaysStart(t *testing.T) {
	t.Parallel()
	h := NewHub()
	for i := range MaxListenWaits / 2 {
		for range 2 {
			go func() { _, _ = h.take("busy-"+strconv.Itoa(i), time.Hour, nil) }()
		}
	}
	waitFor(t, "the bound filled", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.waits == MaxListenWaits })
	for i := range 64 {
		k := "new-" + strconv.Itoa(i)
		go func() { _, _ = h.take(k, time.Hour, nil) }()
		waitFor(t, "a new key's wait", func() bool { return h.waiting(k) == 1 })
		h.mu.Lock()
		if h.waits > MaxListenWaits {
			t.Fatalf("%d waits, bound %d", h.waits, MaxListenWaits)
		}
		h.mu.Unlock()
	}
	for i := range 64 {
		if n := h.waiting("new-" + strconv.Itoa(i)); n != 1 {
			t.Errorf("new key %d waits %d times, want 1 (its wait was taken by another new key)", i, n)
		}
	}
	h.Close()
	waitFor(t, "the waits end", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.waits == 0 && len(h.keys) == 0 })
}

func TestClip(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abcdef", 3, "abc"}, {"가나다", 4, "가"}, {"가나다", 2, ""}, {"", 0, ""}} {
		if got := clip(c.s, c.n); got != c.want {
			t.Errorf("clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}
