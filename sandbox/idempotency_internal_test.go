package sandbox

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// store claims and answers id at now with a body of n bytes.
func store(t *testing.T, c *idemCache, id string, n int, now time.Time) {
	t.Helper()
	if st, _ := c.claim(id, now); st != idemClaimed {
		t.Fatalf("claim %s: state %d", id, st)
	}
	c.finish(id, http.StatusOK, http.Header{}, make([]byte, n), now, IdempotencyTTL)
}

// checkBytes asserts that the byte count is exactly the sum of the entries'.
func checkBytes(t *testing.T, c *idemCache) {
	t.Helper()
	var sum int64
	for _, e := range c.m {
		sum += e.size
	}
	if c.bytes != sum {
		t.Errorf("bytes %d, entries hold %d", c.bytes, sum)
	}
}

func TestIdemCacheEvictsInExpiryOrder(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	c := newIdemCache(3, 1<<20)
	store(t, c, "a", 10, t0)
	store(t, c, "b", 20, t0.Add(time.Hour))
	store(t, c, "c", 30, t0.Add(2*time.Hour))

	// Full of unexpired answers: a new key is refused, the others replay.
	if st, _ := c.claim("d", t0.Add(IdempotencyTTL-time.Second)); st != idemFull {
		t.Fatalf("full cache: state %d, want idemFull", st)
	}
	// a has expired, b and c have not: only a goes, and d takes its place.
	now := t0.Add(IdempotencyTTL + 30*time.Minute)
	if st, _ := c.claim("d", now); st != idemClaimed {
		t.Fatalf("after a expired: state %d, want idemClaimed", st)
	}
	if _, ok := c.m["a"]; ok {
		t.Error("a expired and is still cached")
	}
	for _, id := range []string{"b", "c"} {
		if st, _ := c.claim(id, now); st != idemReplay {
			t.Errorf("%s: state %d, want idemReplay", id, st)
		}
	}
	checkBytes(t, c)
	// d is in flight, not answered: it never expires and is never evicted.
	if st, _ := c.claim("e", now); st != idemFull {
		t.Fatalf("b, c and d live: state %d, want idemFull", st)
	}
	now = t0.Add(IdempotencyTTL + 90*time.Minute) // b expired, c not
	if st, _ := c.claim("e", now); st != idemClaimed {
		t.Fatalf("after b expired: state %d, want idemClaimed", st)
	}
	if _, ok := c.m["b"]; ok {
		t.Error("b expired and is still cached")
	}
	checkBytes(t, c)
	if len(c.m) != 3 || c.inflight != 2 {
		t.Errorf("%d keys, %d in flight; want 3 and 2", len(c.m), c.inflight)
	}
	// Long after: c expires, the unanswered claims d and e stay.
	if st, _ := c.claim("d", now.Add(10*IdempotencyTTL)); st != idemInFlight {
		t.Errorf("an unanswered claim: state %d, want idemInFlight", st)
	}
	if _, ok := c.m["c"]; ok || len(c.m) != 2 {
		t.Errorf("after c expired: %d keys", len(c.m))
	}
	checkBytes(t, c)
}

func TestIdemCacheByteCapIsExact(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	c := newIdemCache(100, 100)
	store(t, c, "a", 49, t0) // 50 bytes with its id
	store(t, c, "b", 49, t0) // 100: the cap
	if st, _ := c.claim("c", t0.Add(time.Second)); st != idemFull {
		t.Fatalf("at the byte cap: state %d, want idemFull", st)
	}
	if st, _ := c.claim("c", t0.Add(IdempotencyTTL)); st != idemClaimed {
		t.Fatalf("after both expired: state %d, want idemClaimed", st)
	}
	checkBytes(t, c)
	if c.bytes != 1 || len(c.m) != 1 {
		t.Errorf("bytes %d, keys %d; want 1 and 1", c.bytes, len(c.m))
	}
}

// A cache full of unexpired answers refuses a new key after looking at the
// front of the queue alone. The test plants an expired answer at the back,
// where the expiry order says none can be: a scan of the whole cache would
// evict it and accept the key, the queue never reaches it.
func TestIdemCacheFullRefusesAtTheFront(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const n = 1000
	c := newIdemCache(n, 1<<30)
	for i := range n {
		store(t, c, fmt.Sprint("k", i), 100, t0.Add(time.Duration(i)*time.Millisecond))
	}
	planted := c.m[fmt.Sprint("k", n-1)]
	planted.expires = t0.Add(-time.Hour)
	if st, _ := c.claim("new", t0.Add(time.Hour)); st != idemFull {
		t.Fatalf("full of unexpired keys: state %d, want idemFull", st)
	}
	if len(c.m) != n || c.m[fmt.Sprint("k", n-1)] != planted {
		t.Fatalf("the refusal went past the front: %d keys left", len(c.m))
	}
	// Once the front expires, the queue drains in order, up to the first
	// unexpired answer.
	now := t0.Add(IdempotencyTTL + 499*time.Millisecond) // k0..k499 expired
	if st, _ := c.claim("new", now); st != idemClaimed {
		t.Fatalf("after the front expired: state %d", st)
	}
	if len(c.m) != n-500+1 {
		t.Errorf("%d keys after eviction, want %d", len(c.m), n-500+1)
	}
	if _, ok := c.m["k500"]; !ok {
		t.Error("k500 has not expired and was evicted")
	}
	checkBytes(t, c)
}
