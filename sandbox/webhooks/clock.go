package webhooks

import (
	"container/heap"
	"time"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// A key's clock may run ahead of the dispatcher's (Config.Offset, a test
// clock per key). Due times are kept on the dispatcher's clock, so the
// queue orders every key's deliveries alike; what a delivery shows and
// sends (its attempts' times, the transmission-time header, its next
// attempt) is on its key's clock.

// offsetOf returns how far key's clock runs ahead.
func (d *Dispatcher) offsetOf(key string) time.Duration {
	if d.offset == nil {
		return 0
	}
	return d.offset(key)
}

// attemptTime is the time an attempt of it is stamped with, on its key's
// clock: now, or, when the key's clock was advanced past the time it was
// due, that time, as if the time had passed.
func (d *Dispatcher) attemptTime(it *whItem) time.Time {
	d.mu.Lock()
	late, due := it.late, it.due
	d.mu.Unlock()
	off := d.offsetOf(it.tenant.key)
	if late {
		return due.Add(off)
	}
	return d.clock.Now().Add(off)
}

// retryAt sets when it is retried after its attempt number retried failed:
// Toss's interval after now or, for a late attempt, after the time it was
// due (so the retries an advance of the clock overtook are all sent, in
// order); the caller holds d.mu.
func (d *Dispatcher) retryAt(it *whItem, retried int) {
	from := d.clock.Now()
	if it.late && it.due.Before(from) {
		from = it.due
	}
	it.due = from.Add(d.scaled(openapi.WebhookRetryIntervals[retried]))
	if moved := d.offsetOf(it.tenant.key) - it.launchOff; moved > 0 {
		it.due = it.due.Add(-moved) // the key's clock moved during the attempt
	}
	it.late = !it.due.After(d.clock.Now())
}

// Shift tells the dispatcher that key's clock moved forward by by: the
// key's waiting deliveries (first attempts delayed by a fault, holds,
// retries) fall due by that much sooner, and those now due are sent at
// once, in the order they were due, each stamped with the time it was due.
// Other keys' deliveries are untouched.
func (d *Dispatcher) Shift(key string, by time.Duration) {
	if by <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tenants[key]
	if t == nil {
		return
	}
	now := d.clock.Now()
	for _, it := range t.items {
		if it.done || it.index < 0 {
			continue
		}
		it.due = it.due.Add(-by)
		if !it.due.After(now) {
			it.late = true
		}
		heap.Fix(&d.queue, it.index)
	}
	if !d.closed {
		d.start()
		d.signal()
	}
}
