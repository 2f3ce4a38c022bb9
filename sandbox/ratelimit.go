package sandbox

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is how many requests one secret key may make: a token bucket
// of Burst requests, refilled at PerSecond. The zero value is no limit.
// A request past it is answered 429 TOO_MANY_REQUESTS with Retry-After
// (the seconds until the key may send again), before anything is
// processed or logged; other keys are not affected. Toss publishes no
// request rate of its own: the limit is the sandbox's, for a sandbox that
// many users share, so that one key's flood cannot take the CPU of all.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// DefaultSharedRateLimit is the limit "tosspay sandbox" applies when it
// listens on anything but a loopback address (--rate-limit).
var DefaultSharedRateLimit = RateLimit{PerSecond: 100, Burst: 200}

func (l RateLimit) validate() error {
	if l == (RateLimit{}) {
		return nil
	}
	if !(l.PerSecond > 0) || math.IsInf(l.PerSecond, 0) || l.Burst < 1 {
		return fmt.Errorf("sandbox: rate limit %g/s, burst %d: want a finite rate above 0 and a burst of at least 1 (or both 0 for none)", l.PerSecond, l.Burst)
	}
	return nil
}

// WithRateLimit limits the requests of each secret key (default: none).
func WithRateLimit(l RateLimit) Option {
	return func(cfg *config) error {
		if err := l.validate(); err != nil {
			return err
		}
		cfg.rateLimit = l
		return nil
	}
}

// maxRateBuckets bounds the keys whose buckets are remembered; past it,
// the buckets that have refilled (the same as a new one) are forgotten
// first.
const maxRateBuckets = 100_000

// rateLimiter holds a token bucket per secret key, on the sandbox's
// clock: golang.org/x/time/rate's Limiter, which takes the time as an
// argument, so a FakeClock drives it as it drives the rest.
type rateLimiter struct {
	limit RateLimit
	clock Clock
	max   int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newRateLimiter(l RateLimit, clock Clock) *rateLimiter {
	if l == (RateLimit{}) {
		return nil
	}
	return &rateLimiter{limit: l, clock: clock, max: maxRateBuckets, buckets: map[string]*rate.Limiter{}}
}

// admit takes a token of key's bucket; when there is none it returns false
// and how long until there is.
func (rl *rateLimiter) admit(key string) (bool, time.Duration) {
	if rl == nil {
		return true, 0
	}
	now := rl.clock.Now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	b := rl.buckets[key]
	if b == nil {
		if len(rl.buckets) >= rl.max {
			rl.forget(now)
		}
		b = rate.NewLimiter(rate.Limit(rl.limit.PerSecond), rl.limit.Burst)
		rl.buckets[key] = b
	}
	if b.AllowN(now, 1) {
		return true, 0
	}
	secs := min((1-b.TokensAt(now))/rl.limit.PerSecond, maxRetryAfter.Seconds()) // a tiny rate must not overflow a Duration
	return false, time.Duration(secs * float64(time.Second))
}

// forget drops the buckets that have refilled, and if too few have, others
// at random (map order) down to 7/8 of the bound, so that the scan costs
// O(1) per new key, amortized: those start full again, which lets their
// keys send one more burst; rl.mu is held.
func (rl *rateLimiter) forget(now time.Time) {
	for k, b := range rl.buckets {
		if b.TokensAt(now) >= float64(rl.limit.Burst) {
			delete(rl.buckets, k)
		}
	}
	for k := range rl.buckets {
		if len(rl.buckets) < rl.max-rl.max/8 {
			break
		}
		delete(rl.buckets, k)
	}
}

// drop forgets key's bucket (its tenant was dropped).
func (rl *rateLimiter) drop(key string) {
	if rl == nil {
		return
	}
	rl.mu.Lock()
	delete(rl.buckets, key)
	rl.mu.Unlock()
}

// maxRetryAfter bounds the Retry-After of a very low rate.
const maxRetryAfter = 24 * time.Hour

// retryAfter is the Retry-After of a wait: whole seconds, at least 1.
func retryAfter(wait time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
}
