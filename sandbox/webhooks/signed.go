package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// The events that announce no payment (a BrandPay customer's, a payout's,
// a seller's) come with their body built; those Toss signs (payout.changed,
// seller.changed) carry the signature header on every attempt, computed
// anew over the body and that attempt's transmission time, so a retry or a
// resend verifies like the first attempt (docs/webhooks.md §6, item 9).

// sign returns the signature header of body sent at transmissionTime under
// key: "v1:" and the base64 HMAC-SHA256 of "{body}:{transmissionTime}", as
// webhook.Sign makes it (a test holds the two to each other).
func sign(body []byte, transmissionTime string, key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	m.Write([]byte{':'})
	m.Write([]byte(transmissionTime))
	return "v1:" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// EnqueueEvent puts one delivery of eventType with body in key's outbox,
// signed with signKey on each attempt when signKey is not empty, under fault
// (a random one when zero). It answers the delivery as queued, and false
// when key's webhooks go nowhere. It never blocks on I/O.
func (d *Dispatcher) EnqueueEvent(key, eventType string, body []byte, signKey []byte, fault Fault) (Delivery, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.urlOf(key)
	if d.closed || u == "" {
		return Delivery{}, false
	}
	t := d.tenant(key)
	now := d.clock.Now()
	f := fault
	if f == (Fault{}) {
		f = d.roll()
	}
	it := &whItem{
		d: &Delivery{
			TransmissionID: "whtrans_" + d.id(), EventType: eventType,
			URL: u, Body: append([]byte(nil), body...), State: Pending, Faults: f.names(), Attempts: []Attempt{},
		},
		tenant: t, due: now.Add(f.Delay), index: -1, held: f.OutOfOrder, dup: f.Duplicate,
		signKey: append([]byte(nil), signKey...), // nil when signKey is empty: unsigned
	}
	if it.held {
		it.due = now.Add(d.scaled(webhookFaultHold))
	}
	d.push(t, it)
	d.start()
	d.signal()
	return d.copyOf(it, d.offsetOf(key)), true
}
