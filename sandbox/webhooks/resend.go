package webhooks

import (
	"errors"
	"time"
)

// Errors of Resend.
var (
	// ErrNoDelivery: the key has no delivery by that id (it never had, it
	// was forgotten, or it is another key's).
	ErrNoDelivery = errors.New("no delivery of this key by that id")
	// ErrNoURL: the key's webhooks go nowhere.
	ErrNoURL = errors.New("the key has no webhook URL: register one first")
)

// copyOf returns a copy of it's delivery the caller may keep, with its next
// attempt on its key's clock, off ahead of the dispatcher's; the caller
// holds d.mu.
func (d *Dispatcher) copyOf(it *whItem, off time.Duration) Delivery {
	c := *it.d
	c.Attempts = append([]Attempt{}, it.d.Attempts...)
	c.Faults = append([]string(nil), it.d.Faults...)
	c.NextAttemptAt = nil
	if c.State == Pending && !it.inFlight {
		n := it.due.Add(off)
		c.NextAttemptAt = &n
	}
	return c
}

// find returns key's delivery whose transmission id is id; the caller
// holds d.mu.
func (d *Dispatcher) find(key, id string) *whItem {
	t := d.tenants[key]
	if t == nil || id == "" {
		return nil
	}
	for _, it := range t.items {
		if it.d.TransmissionID == id {
			return it
		}
	}
	return nil
}

// Delivery returns key's delivery whose transmission id is id.
func (d *Dispatcher) Delivery(key, id string) (Delivery, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	it := d.find(key, id)
	if it == nil {
		return Delivery{}, false
	}
	return d.copyOf(it, d.offsetOf(key)), true
}

// Resend sends the event of key's delivery id again, as the developer
// center's "다시 시도" does: a new delivery, with a transmission id of its
// own and its own attempts and retries, of the same body to the key's
// URL now, due at once. The original is left as it is. The new delivery
// counts against the key's limits like any other.
func (d *Dispatcher) Resend(key, id string) (Delivery, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	src := d.find(key, id)
	if src == nil {
		return Delivery{}, ErrNoDelivery
	}
	u := d.urlOf(key)
	if d.closed || u == "" {
		return Delivery{}, ErrNoURL
	}
	t := src.tenant
	it := &whItem{
		d: &Delivery{
			TransmissionID: "whtrans_" + d.id(),
			EventType:      src.d.EventType, EventSeq: src.d.EventSeq, PaymentKey: src.d.PaymentKey, OrderID: src.d.OrderID,
			Status: src.d.Status, URL: u, Body: src.d.Body, State: Pending, ResentFrom: src.d.TransmissionID, Attempts: []Attempt{},
		},
		tenant: t, due: d.clock.Now(), index: -1, signKey: src.signKey,
	}
	d.push(t, it) // a resend is the key's activity too
	d.start()
	d.signal()
	return d.copyOf(it, d.offsetOf(key)), nil
}
