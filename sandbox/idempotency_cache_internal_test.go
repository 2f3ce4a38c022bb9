package sandbox

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

var idemT0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func limits(keys int, bytes int64) Limits {
	return Limits{IdempotencyKeys: keys, IdempotencyBytes: bytes, Payments: 1, Cancels: 1}
}

// store claims and answers id for tenant at now with a body of n bytes.
func store(t *testing.T, c *idemCache, tenant, id string, n int, now time.Time) {
	t.Helper()
	if st, _ := c.claim(tenant, id, now); st != idemClaimed {
		t.Fatalf("claim %s: state %d", id, st)
	}
	c.finish(id, http.StatusOK, nil, make([]byte, n), "", "", now, openapi.IdempotencyWindow)
}

// checkBytes asserts that every count is exactly the sum of the entries'.
func checkBytes(t *testing.T, c *idemCache) {
	t.Helper()
	var sum int64
	per := map[*idemTenant][2]int64{}
	for _, e := range c.m {
		sum += e.size
		v := per[e.tenant]
		per[e.tenant] = [2]int64{v[0] + 1, v[1] + e.size}
		if c.tenants[e.tenant.name] != e.tenant {
			t.Errorf("entry of tenant %q, which the cache does not list", e.tenant.name)
		}
	}
	if c.bytes != sum || c.keys != len(c.m) {
		t.Errorf("cache: %d keys %d bytes, entries hold %d and %d", c.keys, c.bytes, len(c.m), sum)
	}
	for name, tn := range c.tenants {
		if v := per[tn]; int64(tn.keys) != v[0] || tn.bytes != v[1] {
			t.Errorf("tenant %q: %d keys %d bytes, entries hold %d and %d", name, tn.keys, tn.bytes, v[0], v[1])
		}
	}
}

// A tenant at its key limit forgets its own oldest answered key; another
// tenant keeps everything.
func TestIdemCacheTenantForgetsItsOldest(t *testing.T) {
	c := newIdemCache(limits(3, 1<<20), limits(100, 1<<30))
	store(t, c, "other", "o1", 10, idemT0)
	for i := range 10 {
		store(t, c, "flood", fmt.Sprint("f", i), 10, idemT0.Add(time.Duration(i)*time.Second))
	}
	for i := range 10 {
		_, kept := c.m[fmt.Sprint("f", i)]
		if kept != (i >= 7) {
			t.Errorf("f%d kept %v; want only the newest 3 kept", i, kept)
		}
	}
	if st, _ := c.claim("flood", "f9", idemT0.Add(time.Minute)); st != idemReplay {
		t.Errorf("f9: state %d, want replay", st)
	}
	if st, _ := c.claim("other", "o1", idemT0.Add(time.Minute)); st != idemReplay {
		t.Errorf("the other tenant's key: state %d, want replay", st)
	}
	checkBytes(t, c)
}

// Keys in flight are never forgotten: a tenant with all its keys in flight
// is refused, and only that tenant.
func TestIdemCacheInFlightNeverForgotten(t *testing.T) {
	c := newIdemCache(limits(2, 1<<20), limits(100, 1<<30))
	for _, id := range []string{"a", "b"} {
		if st, _ := c.claim("busy", id, idemT0); st != idemClaimed {
			t.Fatal(st)
		}
	}
	if st, _ := c.claim("busy", "c", idemT0); st != idemFull {
		t.Fatalf("all in flight: state %d, want idemFull", st)
	}
	if st, _ := c.claim("calm", "c", idemT0); st != idemClaimed {
		t.Fatalf("another tenant: state %d, want idemClaimed", st)
	}
	c.finish("a", 200, nil, nil, "", "", idemT0, openapi.IdempotencyWindow)
	if st, _ := c.claim("busy", "d", idemT0); st != idemClaimed {
		t.Fatalf("after an answer: state %d, want idemClaimed", st)
	}
	if _, ok := c.m["a"]; ok {
		t.Error("a, answered and oldest, should have made room")
	}
	if c.inFlight() != 3 {
		t.Errorf("in flight %d, want 3 (b, c of calm, d)", c.inFlight())
	}
	checkBytes(t, c)
}

// The byte limit: a tenant's answers stay within it, whatever their size.
func TestIdemCacheByteLimitIsExact(t *testing.T) {
	c := newIdemCache(limits(100, 100), limits(1000, 1<<30))
	store(t, c, "x", "a", 49, idemT0) // 50 bytes with its id
	store(t, c, "x", "b", 49, idemT0) // 100: the limit
	if c.tenants["x"].bytes != 100 {
		t.Fatalf("bytes %d", c.tenants["x"].bytes)
	}
	store(t, c, "x", "c", 9, idemT0) // 10 more: a goes
	if _, ok := c.m["a"]; ok || c.tenants["x"].bytes != 60 {
		t.Errorf("after c: a cached %v, bytes %d (want 60)", ok, c.tenants["x"].bytes)
	}
	checkBytes(t, c)
}

// Over the global limit, the idlest tenants pay (of the few idlest, the
// one holding the most), not the newcomer.
func TestIdemCacheGlobalLimitHitsTheIdlest(t *testing.T) {
	c := newIdemCache(limits(8, 1<<20), limits(10, 1<<30))
	store(t, c, "light", "l0", 1, idemT0)
	store(t, c, "light", "l1", 1, idemT0)
	for i := range 8 {
		store(t, c, "heavy", fmt.Sprint("h", i), 1, idemT0.Add(time.Second))
	}
	store(t, c, "new", "n0", 1, idemT0.Add(2*time.Second))
	// Of the idlest keys (light, then heavy), the one holding the most pays.
	if c.keys != 10 || c.tenants["heavy"].keys != 7 || c.tenants["light"].keys != 2 {
		t.Errorf("keys %d, heavy %d, light %d; want 10, 7, 2", c.keys, c.tenants["heavy"].keys, c.tenants["light"].keys)
	}
	// Dropped with its tenant: every answered key goes.
	c.drop("heavy")
	if c.tenants["heavy"] != nil || c.keys != 3 {
		t.Errorf("after drop: heavy %v, keys %d; want gone, 3", c.tenants["heavy"], c.keys)
	}
	checkBytes(t, c)
}

// Expired answers are dropped from the front of the tenant's queue.
func TestIdemCacheExpiresInOrder(t *testing.T) {
	c := newIdemCache(limits(100, 1<<20), limits(100, 1<<30))
	store(t, c, "x", "a", 10, idemT0)
	store(t, c, "x", "b", 10, idemT0.Add(time.Hour))
	now := idemT0.Add(openapi.IdempotencyWindow + 30*time.Minute)
	if st, _ := c.claim("x", "c", now); st != idemClaimed {
		t.Fatal(st)
	}
	if _, ok := c.m["a"]; ok {
		t.Error("a expired and is still cached")
	}
	if st, _ := c.claim("x", "b", now); st != idemReplay {
		t.Errorf("b: state %d, want replay", st)
	}
	checkBytes(t, c)
}

// A tenant whose limit is one key: each new key forgets the last one, and
// the accounting stays exact (the tenant is never dropped while it holds a
// key).
func TestIdemCacheLimitOfOne(t *testing.T) {
	c := newIdemCache(limits(1, 1<<20), limits(100, 1<<30))
	for i := range 5 {
		store(t, c, "one", fmt.Sprint("k", i), 10, idemT0)
		checkBytes(t, c)
		if c.tenants["one"] == nil || c.tenants["one"].keys != 1 || len(c.m) != 1 {
			t.Fatalf("after k%d: tenant %+v, %d entries", i, c.tenants["one"], len(c.m))
		}
	}
	if st, _ := c.claim("one", "k4", idemT0); st != idemReplay {
		t.Errorf("the newest key: state %d, want replay", st)
	}
	// In flight, the new key's tenant is listed with it.
	if st, _ := c.claim("one", "k5", idemT0); st != idemClaimed {
		t.Fatalf("k5: state %d", st)
	}
	checkBytes(t, c)
	if tn := c.tenants["one"]; tn == nil || tn.inflight != 1 || c.inFlight() != 1 {
		t.Errorf("with k5 in flight: tenant %+v, in flight %d", tn, c.inFlight())
	}
}
