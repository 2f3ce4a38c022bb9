package payments

import (
	"time"

	"github.com/tosspayments-go/tosspayments-go/money"
)

// EventKind names a change of a payment's state.
type EventKind string

// The kinds of events; the sandbox's Event documents each.
const (
	EventCreated               EventKind = "payment.created"
	EventStatusChanged         EventKind = "payment.status_changed"
	EventCanceled              EventKind = "payment.canceled"
	EventVirtualAccountExpired EventKind = "virtual_account.expired"
	EventRefundStatusChanged   EventKind = "refund.status_changed"
	EventForgotten             EventKind = "payment.forgotten"
	// EventBillingKeyDeleted: a billing key was removed; it names no
	// payment, BillingKey the key.
	EventBillingKeyDeleted EventKind = "billing_key.deleted"
)

// kindOf is the kind of event a row of Transitions makes.
func kindOf(a Action) EventKind {
	switch a {
	case ActionCreate, ActionKeyIn, ActionBillingCharge:
		return EventCreated
	case ActionCancelPart, ActionCancelRest:
		return EventCanceled
	case ActionAccountExpire:
		return EventVirtualAccountExpired
	case ActionRefundSettle:
		return EventRefundStatusChanged
	}
	return EventStatusChanged
}

// Event is one change of a payment's state, in the order the book made it.
type Event struct {
	// Seq grows with each event of the book.
	Seq  uint64
	At   time.Time
	Kind EventKind
	// Tenant owns the payment (never log it).
	Tenant     string
	PaymentKey string
	OrderID    string
	Method     Method
	From, To   Status
	// Amount is the cancel amount of an EventCanceled, the total of an
	// EventCreated, and zero otherwise.
	Amount         money.Amount
	TransactionKey string
	RefundStatus   RefundStatus
	// BillingKey is the key of an EventBillingKeyDeleted (never log it).
	BillingKey string
	// Webhooks are the webhooks the change sends (its row of Transitions),
	// with Payment, the payment as of the change, to send them with.
	Webhooks []Webhook
	Payment  *Payment
}

// Outbox collects the events of the calls it is passed to, in order. The
// caller publishes them (webhooks, hooks) once the call has returned.
type Outbox []Event

// apply runs p through the row of Transitions for a and announces the
// change; it reports false, changing nothing, when the table has no row.
// e carries what the row does not (amount, transaction, refund status).
func (b *Book) apply(p *record, a Action, at time.Time, e Event) bool {
	row, ok := find(p.Method, p.Status, a)
	if !ok {
		return false
	}
	e.At, e.Kind, e.From, e.To, e.Webhooks = at, kindOf(a), p.Status, row.To, row.Webhooks
	p.Status = row.To
	if e.Kind == EventStatusChanged && (row.To == StatusDone || row.To == StatusWaitingForDeposit) {
		e.TransactionKey = p.LastTransactionKey
	}
	b.emit(p, e)
	return true
}

// emit records e for p: in p's timeline, in its tenant's log, and in the
// outbox of the call.
func (b *Book) emit(p *record, e Event) {
	t := p.tenant
	if t == nil || b.tenants[t.name] != t {
		return
	}
	b.eventSeq++
	e.Seq = b.eventSeq
	e.Tenant, e.PaymentKey, e.OrderID, e.Method = p.Tenant, p.Key, p.OrderID, p.Method
	if len(e.Webhooks) > 0 {
		snap := p.snapshot()
		e.Payment = &snap
	}
	if len(p.timeline) < maxTimeline {
		p.timeline = append(p.timeline, e.logged())
	}
	b.log(t, e)
}

// log records e in t's log and in the outbox of the call.
func (b *Book) log(t *tenant, e Event) {
	if e.Seq == 0 {
		b.eventSeq++
		e.Seq = b.eventSeq
	}
	if len(t.events) < b.cfg.EventsPerTenant {
		t.events = append(t.events, e.logged())
		b.events++
		if b.events > b.cfg.MaxEvents {
			b.trimEvents()
		}
	} else {
		t.events[t.eventsHead] = e.logged()
		t.eventsHead = (t.eventsHead + 1) % len(t.events)
	}
	if b.out != nil {
		*b.out = append(*b.out, e)
	}
}

// logged is e as the logs keep it: without the payment snapshot.
func (e Event) logged() Event {
	e.Payment = nil
	return e
}

// trimEvents halves the largest log, keeping its newest events (one of a
// single event is emptied, or the bound would never be met), and drops its
// tenant once it holds neither payments nor events.
func (b *Book) trimEvents() {
	var big *tenant
	for _, t := range b.tenants {
		if big == nil || len(t.events) > len(big.events) {
			big = t
		}
	}
	if big == nil {
		return
	}
	n := len(big.events)
	linear := make([]Event, 0, n)
	for i := range n {
		linear = append(linear, big.events[(big.eventsHead+i)%n])
	}
	keep := linear[(n+1)/2:]
	big.events = append([]Event(nil), keep...)
	big.eventsHead = 0
	b.events -= n - len(keep)
	if big.payments == 0 && big.billing.len() == 0 && len(big.events) == 0 {
		b.drop(big)
	}
}

// Events returns the events of the tenant's log with a Seq above after,
// oldest first.
func (b *Book) Events(tenantName string, after uint64) []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.tenants[tenantName]
	if t == nil {
		return nil
	}
	var out []Event
	n := len(t.events)
	for i := range n {
		if e := t.events[(t.eventsHead+i)%n]; e.Seq > after {
			out = append(out, e)
		}
	}
	return out
}

// Timeline returns the events of one payment of the tenant, oldest first,
// or nil when it has no such payment.
func (b *Book) Timeline(out *Outbox, tenantName, paymentKey string) []Event {
	b.begin(out)
	defer b.end()
	p := b.current(tenantName, paymentKey)
	if p == nil {
		return nil
	}
	return append([]Event(nil), p.timeline...)
}

// ReserveSeq takes the next Seq of the events' order for something that
// happens outside the book (an API call arriving), so that it sorts before
// the changes it makes; it returns the book's time with it.
func (b *Book) ReserveSeq() (uint64, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.eventSeq++
	return b.eventSeq, b.now()
}
