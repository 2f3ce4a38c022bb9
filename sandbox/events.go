package sandbox

import (
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
)

// EventKind names a change of a payment's state.
type EventKind = payments.EventKind

// The kinds of events the store announces.
const (
	// EventCreated: a payment was created, READY (createPayment) or DONE at
	// once (keyInPayment).
	EventCreated = payments.EventCreated
	// EventStatusChanged: the payment's status moved (approval at checkout,
	// confirm, abort, expiry). From and To say how.
	EventStatusChanged = payments.EventStatusChanged
	// EventCanceled: a cancel was applied; Amount and TransactionKey are the
	// cancel's, From and To the status before and after it.
	EventCanceled = payments.EventCanceled
	// EventVirtualAccountExpired: the due date of a virtual account waiting
	// for its deposit passed; the status stays WAITING_FOR_DEPOSIT and Toss
	// sends no webhook (docs/webhooks.md §2).
	EventVirtualAccountExpired = payments.EventVirtualAccountExpired
	// EventRefundStatusChanged: the refund of a cancelled virtual-account
	// payment moved (RefundStatus: PENDING at the cancel, COMPLETED or
	// FAILED later). Toss sends no webhook for it.
	EventRefundStatusChanged = payments.EventRefundStatusChanged
	// EventForgotten: the payment was dropped to keep its secret key (or the
	// sandbox) within its limits; look-ups answer NOT_FOUND_PAYMENT from now on.
	EventForgotten = payments.EventForgotten
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

// eventOf is e in the API's types.
func eventOf(e payments.Event) Event {
	return Event{
		Seq: e.Seq, At: e.At, Kind: e.Kind, PaymentKey: e.PaymentKey, OrderID: e.OrderID,
		Method: generated.CreatePaymentMethod(e.Method),
		From:   generated.PaymentStatus(e.From), To: generated.PaymentStatus(e.To),
		Amount: e.Amount, TransactionKey: e.TransactionKey, RefundStatus: generated.RefundStatus(e.RefundStatus),
	}
}

func eventsOf(es []payments.Event) []Event {
	if es == nil {
		return nil
	}
	out := make([]Event, len(es))
	for i, e := range es {
		out[i] = eventOf(e)
	}
	return out
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

// Events returns the events of secretKey's outbox with a Seq above after,
// oldest first. The outbox keeps the latest DefaultEventsPerKey events (fewer
// when all outboxes together pass their bound, the largest losing its
// oldest half); a consumer that falls further behind misses the older ones.
func (s *Store) Events(secretKey string, after uint64) []Event {
	return eventsOf(s.book.Events(secretKey, after))
}

// Timeline returns the events of one payment of secretKey, oldest first, or
// nil when the key has no such payment.
func (s *Store) Timeline(secretKey, paymentKey string) []Event {
	var out payments.Outbox
	es := s.book.Timeline(&out, secretKey, paymentKey)
	s.publish(WebhookFault{}, out)
	return eventsOf(es)
}

// publish is the outbox step after every call of the store: each event's
// webhooks go to the dispatcher (with the call's webhook faults), then the
// event to the hook. It runs after the book's lock is released.
func (s *Sandbox) publish(fault WebhookFault, out payments.Outbox) {
	for _, e := range out {
		if len(e.Webhooks) > 0 && s.wh.Sending(e.Tenant) {
			// The webhook carries the payment as a look-up would have
			// answered at the change (docs/webhooks.md §6), in Korean as
			// Toss sends it; a billing key's webhook carries no payment.
			var r *generated.Payment
			if e.Payment != nil {
				r = ptr(render(*e.Payment, Korean))
			}
			s.wh.Enqueue(e.Tenant, e, r, fault)
		}
		if s.cfg.hook != nil {
			s.cfg.hook(e.Tenant, eventOf(e))
		}
	}
}
