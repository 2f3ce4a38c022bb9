package sandbox

import (
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
)

// EventKind names a change of a payment's state.
type EventKind string

// The kinds of events the store announces.
const (
	// EventCreated: a payment was created, READY (createPayment) or DONE at
	// once (keyInPayment).
	EventCreated EventKind = "payment.created"
	// EventStatusChanged: the payment's status moved (approval at checkout,
	// confirm, abort, expiry). From and To say how.
	EventStatusChanged EventKind = "payment.status_changed"
	// EventCanceled: a cancel was applied; Amount and TransactionKey are the
	// cancel's, From and To the status before and after it.
	EventCanceled EventKind = "payment.canceled"
	// EventVirtualAccountExpired: the due date of a virtual account waiting
	// for its deposit passed; the status stays WAITING_FOR_DEPOSIT and Toss
	// sends no webhook (docs/webhooks.md §2).
	EventVirtualAccountExpired EventKind = "virtual_account.expired"
	// EventRefundStatusChanged: the refund of a cancelled virtual-account
	// payment moved (RefundStatus: PENDING at the cancel, COMPLETED or
	// FAILED later). Toss sends no webhook for it.
	EventRefundStatusChanged EventKind = "refund.status_changed"
	// EventForgotten: the payment was dropped to keep its secret key (or the
	// sandbox) within its limits; look-ups answer NOT_FOUND_PAYMENT from now on.
	EventForgotten EventKind = "payment.forgotten"
)

// Event is one change of a payment's state, in the order the store made it.
// The store keeps the events of each payment (Store.Timeline) and an outbox
// of the latest events of each secret key (Store.Events), and hands each new
// event to the hook set with WithEventHook. It holds no secret.
type Event struct {
	// Seq orders the events: it grows with each event of the sandbox, so
	// the Seqs of one secret key grow too, with gaps.
	Seq uint64
	// At is the store's clock when the change happened.
	At time.Time
	// Kind is what happened.
	Kind EventKind
	// PaymentKey and OrderID name the payment; Method is how it is paid,
	// CARD or VIRTUAL_ACCOUNT.
	PaymentKey string
	OrderID    string
	Method     generated.CreatePaymentMethod
	// From and To are the status before and after (From is empty for
	// EventCreated).
	From, To generated.PaymentStatus
	// Amount is the cancel amount of an EventCanceled, the total amount of
	// an EventCreated, and zero otherwise.
	Amount money.Amount
	// TransactionKey is the transaction the change made, when it made one
	// (confirm, key-in, cancel, the issue of a virtual account, a deposit).
	TransactionKey string
	// RefundStatus is the refund status of an EventRefundStatusChanged.
	RefundStatus generated.RefundStatus
}

// EventHook receives each event as the store makes it, with the secret key
// whose payment changed (to route a webhook to the right endpoint; never log
// it). It runs in the goroutine of the request, after the store's lock is
// released, so it may call the store; it must not block (hand the event to
// a queue of your own).
type EventHook func(secretKey string, e Event)

// WithEventHook sets the function that receives every state change; see
// EventHook. Webhook delivery and dashboards hang on it.
func WithEventHook(h EventHook) Option {
	return func(cfg *config) error {
		cfg.hook = h
		return nil
	}
}

// maxTimeline bounds the events of one payment: created, approved or
// aborted, confirmed or expired, issued, deposited, expired account, its
// cancels with their refund changes and spares.
const maxTimeline = 8 + 2*MaxCancelsPerPayment

// emit records e for p (the caller holds s.mu): in p's timeline, in its
// tenant's outbox, and in the list handed to the hook once the lock is
// released.
func (s *Store) emit(p *payment, e Event) {
	t := s.tenants[p.tenant]
	if t == nil {
		return
	}
	s.eventSeq++
	e.Seq = s.eventSeq
	e.PaymentKey, e.OrderID = p.key, p.orderID
	e.Method = generated.CreatePaymentMethodCard
	if p.va != nil {
		e.Method = generated.CreatePaymentMethodVirtualAccount
	}
	if len(p.timeline) < maxTimeline {
		p.timeline = append(p.timeline, e)
	}
	if len(t.outbox) < s.eventsPerKey {
		t.outbox = append(t.outbox, e)
		s.outboxEvents++
		if s.outboxEvents > s.maxOutbox {
			s.trimOutboxes()
		}
	} else {
		t.outbox[t.outHead] = e
		t.outHead = (t.outHead + 1) % len(t.outbox)
	}
	var snap *generated.Payment
	if s.wh != nil && s.wh.wants(p.tenant, e) {
		// The webhook carries the payment as a look-up would answer it now
		// (docs/webhooks.md §6), in Korean as Toss sends it.
		r := s.render(p, Korean)
		snap = &r
	}
	if s.hook != nil || snap != nil {
		s.pending = append(s.pending, pendingEvent{tenant: p.tenant, e: e, snap: snap, fault: s.fault})
	}
}

// maxOutboxEvents bounds the events of all outboxes together (about 200 B
// each, so about 50 MB).
const maxOutboxEvents = 256 << 10

// trimOutboxes halves the largest outbox, keeping its newest events (one
// of a single event is emptied, or the bound would never be met), and
// drops its tenant once it holds neither payments nor events.
func (s *Store) trimOutboxes() {
	var name string
	var big *tenant
	for k, t := range s.tenants {
		if big == nil || len(t.outbox) > len(big.outbox) {
			name, big = k, t
		}
	}
	if big == nil {
		return
	}
	n := len(big.outbox)
	linear := make([]Event, 0, n)
	for i := range n {
		linear = append(linear, big.outbox[(big.outHead+i)%n])
	}
	keep := linear[(n+1)/2:] // an outbox of one event is emptied, not kept
	big.outbox = append([]Event(nil), keep...)
	big.outHead = 0
	s.outboxEvents -= n - len(keep)
	if big.payments == 0 && len(big.outbox) == 0 {
		delete(s.tenants, name)
	}
}

type pendingEvent struct {
	tenant string
	e      Event
	snap   *generated.Payment // the payment for its webhooks, when they are sent
	fault  WebhookFault
}

// lockFor takes s.mu for a rule run on behalf of c: the webhooks of the
// events it makes carry c's webhook faults.
func (s *Store) lockFor(c Caller) {
	s.mu.Lock()
	s.fault = c.WebhookFault
}

// unlock releases s.mu, then hands the events made under it to the webhook
// outbox and the hook.
func (s *Store) unlock() {
	pending := s.pending
	s.pending = nil
	s.fault = WebhookFault{}
	s.mu.Unlock()
	for _, pe := range pending {
		if pe.snap != nil {
			s.wh.enqueue(pe.tenant, pe.e, pe.snap, pe.fault)
		}
		if s.hook != nil {
			s.hook(pe.tenant, pe.e)
		}
	}
}

// setStatus moves p to status and announces it.
func (s *Store) setStatus(p *payment, status generated.PaymentStatus, at time.Time) {
	if p.status == status {
		return
	}
	from := p.status
	p.status = status
	tx := ""
	if status == generated.PaymentStatusDone || status == generated.PaymentStatusWaitingForDeposit {
		tx = p.lastTxKey
	}
	s.emit(p, Event{At: at, Kind: EventStatusChanged, From: from, To: status, TransactionKey: tx})
}

// Events returns the events of secretKey's outbox with a Seq above after,
// oldest first. The outbox keeps the latest DefaultEventsPerKey events (fewer
// when all outboxes together pass their bound, the largest losing its
// oldest half); a consumer that falls further behind misses the older ones.
func (s *Store) Events(secretKey string, after uint64) []Event {
	s.mu.Lock()
	defer s.unlock()
	t := s.tenants[secretKey]
	if t == nil {
		return nil
	}
	var out []Event
	n := len(t.outbox)
	for i := range n {
		e := t.outbox[(t.outHead+i)%n]
		if e.Seq > after {
			out = append(out, e)
		}
	}
	return out
}

// Timeline returns the events of one payment of secretKey, oldest first, or
// nil when the key has no such payment.
func (s *Store) Timeline(secretKey, paymentKey string) []Event {
	s.mu.Lock()
	defer s.unlock()
	p := s.current(secretKey, paymentKey)
	if p == nil {
		return nil
	}
	return append([]Event(nil), p.timeline...)
}
