package sandbox

import (
	"strconv"
	"testing"
	"time"
)

// TestRateBucketsBounded: past its bound the limiter forgets the buckets
// that have refilled (the same as new ones) before any other, and never
// holds more than the bound.
func TestRateBucketsBounded(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	rl := newRateLimiter(RateLimit{PerSecond: 1, Burst: 2}, clock)
	rl.max = 3
	drain := func(key string) {
		for rl.admit(key); ; {
			if ok, _ := rl.admit(key); !ok {
				return
			}
		}
	}
	drain("idle")
	clock.Advance(5 * time.Second) // "idle" refills
	drain("busy-1")
	drain("busy-2")
	rl.admit("new-1") // at the bound: "idle", refilled, goes first
	if _, ok := rl.buckets["idle"]; ok {
		t.Error("a refilled bucket was kept at the bound")
	}
	for _, k := range []string{"busy-1", "busy-2"} {
		if ok, _ := rl.admit(k); ok {
			t.Errorf("%s: drained bucket forgotten while a refilled one was there", k)
		}
	}
	for i := range 50 {
		rl.admit("flood-" + strconv.Itoa(i))
		if len(rl.buckets) > rl.max {
			t.Fatalf("%d buckets, bound %d", len(rl.buckets), rl.max)
		}
	}
	if newRateLimiter(RateLimit{}, clock) != nil {
		t.Error("no limit built a limiter")
	}
	if ok, _ := (*rateLimiter)(nil).admit("k"); !ok {
		t.Error("no limiter refused")
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	for wait, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", 9500 * time.Millisecond: "10"} {
		if got := retryAfter(wait); got != want {
			t.Errorf("retryAfter(%s) = %s, want %s", wait, got, want)
		}
	}
}

// TestRetryAfterOfATinyRate: a rate of one request in millennia says a day,
// not a Duration overflowed into the past.
func TestRetryAfterOfATinyRate(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	rl := newRateLimiter(RateLimit{PerSecond: 1e-12, Burst: 1}, clock)
	rl.admit("k")
	ok, wait := rl.admit("k")
	if ok || wait != maxRetryAfter || retryAfter(wait) != "86400" {
		t.Errorf("admit = %v, %v (Retry-After %s)", ok, wait, retryAfter(wait))
	}
}

// TestRateBucketsForgetInBatches: when no bucket has refilled, the bound
// forgets an eighth of the buckets at once, so a flood of new keys does not
// scan them all for each key.
func TestRateBucketsForgetInBatches(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	rl := newRateLimiter(RateLimit{PerSecond: 0.001, Burst: 1}, clock)
	rl.max = 64
	scans := 0
	for i := range 640 {
		before := len(rl.buckets)
		rl.admit("flood-" + strconv.Itoa(i))
		if len(rl.buckets) < before {
			scans++
		}
		if len(rl.buckets) > rl.max {
			t.Fatalf("%d buckets, bound %d", len(rl.buckets), rl.max)
		}
	}
	if scans > 640/8+1 {
		t.Errorf("%d scans for 640 new keys past a bound of 64; want one per 8 keys at most", scans)
	}
}
