package webhook

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// DefaultLookupsPerSecond and DefaultLookupBurst bound how often a Receiver
// calls the API to verify deliveries (WithLookupRate): 5 look-ups a second
// on average, 10 at once. Every delivery of a payment event costs a look-up
// with the shop's secret key, and anyone who knows a paymentKey can post
// one; past the bound the receiver answers 503 without calling the API, so a
// flood of forged deliveries spends at most this much of the shop's quota,
// and Toss sends the genuine ones again later (its first retry comes a
// minute after). Genuine webhooks come as fast as the shop's payments change
// status: 5 a second is 18,000 an hour.
const (
	DefaultLookupsPerSecond = 5
	DefaultLookupBurst      = 10
)

// errRateLimited is a look-up not made: the receiver's bound was reached.
var errRateLimited = errors.New("webhook: look-up rate exceeded")

// bucket is a token bucket: burst tokens, refilled at rate per second.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newBucket(rate float64, burst int, now func() time.Time) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), now: now}
}

// take spends a token if one is left.
func (b *bucket) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.now()
	if !b.last.IsZero() && t.After(b.last) {
		b.tokens = min(b.burst, b.tokens+t.Sub(b.last).Seconds()*b.rate)
	}
	b.last = t
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// lookups coalesces the look-ups of one payment: a delivery joins the next
// look-up of its key that has not started yet, never one already under way.
// A look-up that started before a delivery arrived may return the payment
// as it was before the change the delivery announces, and the receiver
// would take that genuine delivery for a replay; so per key at most one
// look-up runs and one waits, whatever the number of concurrent deliveries.
// (golang.org/x/sync/singleflight joins the call under way: the race above.)
type lookups struct {
	mu    sync.Mutex
	slots map[string]*slot
	waits map[string]int // deliveries waiting for a look-up, per key
	limit *bucket
}

type slot struct{ running, next *flight }

type flight struct {
	get  func(context.Context) (*generated.Payment, error)
	ctx  context.Context
	done chan struct{}
	p    *generated.Payment
	err  error
}

func newLookups(limit *bucket) *lookups {
	return &lookups{slots: map[string]*slot{}, waits: map[string]int{}, limit: limit}
}

// do returns the answer of a look-up of key that starts after the call.
func (l *lookups) do(ctx context.Context, key string, get func(context.Context) (*generated.Payment, error)) (*generated.Payment, error) {
	l.mu.Lock()
	s := l.slots[key]
	if s == nil {
		s = &slot{}
		l.slots[key] = s
	}
	var f *flight
	start := false
	switch {
	case s.running == nil:
		f = newFlight(ctx, get)
		s.running, start = f, true
	case s.next == nil:
		f = newFlight(ctx, get)
		s.next = f
	default:
		f = s.next
	}
	l.waits[key]++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		if l.waits[key]--; l.waits[key] == 0 {
			delete(l.waits, key)
		}
		l.mu.Unlock()
	}()
	if start {
		go l.run(key, s, f)
	}
	select {
	case <-f.done:
		return f.p, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// waitingFor reports how many deliveries wait for a look-up of key.
func (l *lookups) waitingFor(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waits[key]
}

// newFlight is a look-up that outlives the delivery that started it (the
// others waiting for it) but not Toss's answer deadline.
func newFlight(ctx context.Context, get func(context.Context) (*generated.Payment, error)) *flight {
	return &flight{get: get, ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
}

func (l *lookups) run(key string, s *slot, f *flight) {
	for f != nil {
		if l.limit.take() {
			ctx, cancel := context.WithTimeout(f.ctx, openapi.WebhookTimeout)
			f.p, f.err = f.get(ctx)
			cancel()
		} else {
			f.err = errRateLimited
		}
		close(f.done)
		l.mu.Lock()
		f, s.running, s.next = s.next, s.next, nil
		if f == nil {
			delete(l.slots, key)
		}
		l.mu.Unlock()
	}
}
