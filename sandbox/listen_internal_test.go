package sandbox

import (
	"errors"
	"testing"
	"time"
)

// TestListenHubTimeouts: an attempt no listener takes fails with
// errNoListener; one taken and never answered fails with errListenerSilent
// and cannot be answered afterwards; the hub then holds nothing.
func TestListenHubTimeouts(t *testing.T) {
	t.Parallel()
	h := newListenHub()
	p := &pulled{key: "k", a: ListenedAttempt{ID: "a1"}, answer: make(chan ListenedAnswer, 1)}
	if _, err := h.deliver(p, 20*time.Millisecond); !errors.Is(err, errNoListener) {
		t.Errorf("no listener: %v", err)
	}
	taken := make(chan *pulled)
	go func() { taken <- h.take("k", time.Minute, nil) }()
	for {
		h.mu.Lock()
		waiting := h.keys["k"] != nil
		h.mu.Unlock()
		if waiting {
			break
		}
		time.Sleep(time.Millisecond)
	}
	p2 := &pulled{key: "k", a: ListenedAttempt{ID: "a2"}, answer: make(chan ListenedAnswer, 1)}
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
	if got := h.take("k", 10*time.Millisecond, nil); got != nil {
		t.Errorf("take with nothing sent: %v", got)
	}
	if len(h.keys) != 0 || len(h.pending) != 0 {
		t.Errorf("hub holds %d keys, %d pending", len(h.keys), len(h.pending))
	}
	done := make(chan struct{})
	close(done)
	if got := h.take("k", time.Hour, done); got != nil {
		t.Errorf("take after done: %v", got)
	}
	h.close()
	h.close()
	if got := h.take("k", time.Hour, nil); got != nil {
		t.Errorf("take after the hub closed: %v", got)
	}
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
