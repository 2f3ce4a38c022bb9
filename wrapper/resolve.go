package wrapper

import (
	"context"
	"errors"
	"log/slog"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// request is what a call asked for, kept in its error so that the outcome
// can be settled later by a look-up.
type request struct {
	opID string
	post bool
	want *expect
}

func (k *call) request() *request { return &request{opID: k.op.id, post: k.post(), want: k.want} }

// requestOf returns what the call behind err asked for, or nil.
func requestOf(err error) *request {
	var te *TransportError
	if errors.As(err, &te) && te.req != nil {
		return te.req
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.req
	}
	return nil
}

// Resolve settles an outcome-unknown error (IsOutcomeUnknown) of a create,
// confirm, cancel or key-in by looking the payment up: by its paymentKey
// when the call had one, else by its orderId.
//
//   - The payment shows that the call took effect as asked (a confirm: DONE
//     or WAITING_FOR_DEPOSIT with the same orderId and totalAmount; a cancel:
//     its last cancel is of the amount asked and the balance moved by it; a
//     create or key-in: the same orderId and totalAmount): Resolve returns
//     it, with Meta.Reconciled set and Meta.Lookup the look-up's metadata.
//   - It shows that the call did not (another status or amount, or no such
//     payment): Resolve returns a definitive *APIError (ClassRejected) whose
//     Mismatch says why and whose Payment is what was found. Act on that
//     payment's status; a new request needs a new idempotency key.
//   - The look-up fails: Resolve returns err itself, still outcome-unknown,
//     with Meta.Lookup set; call Resolve again later.
//
// An err that is not outcome-unknown, or not from this package, comes back
// as it is. A cancel is matched by amount: if an earlier cancel of the same
// amount is the payment's last, Resolve cannot tell them apart.
func (c *Client) Resolve(ctx context.Context, err error) (*generated.Payment, *Meta, error) {
	req := requestOf(err)
	meta := &Meta{}
	if req == nil || !IsOutcomeUnknown(err) {
		return nil, meta, err
	}
	f := factsOf(err)
	meta.Operation, meta.IdempotencyKey, meta.Attempts, meta.StatusCode, meta.TraceID = req.opID, f.idempotencyKey, f.attempts, f.status, f.traceID
	p, lookup, serr := c.settle(ctx, req, err)
	meta.Lookup = lookup
	if serr == nil {
		meta.Reconciled = true
	}
	return p, meta, serr
}

// reconcile settles a confirm answered ALREADY_PROCESSED_PAYMENT: the
// payment was confirmed before, by this key or another. If it is this
// confirm's payment in a confirmed state, the call succeeded.
func (c *Client) reconcile(ctx context.Context, k *call, answer *APIError) (*generated.Payment, *Meta, error) {
	d := decide(outcome{opID: k.op.id, post: k.post(), status: answer.StatusCode, code: answer.Code})
	cause := k.finish(answer, d, ClassOutcomeUnknown)
	p, lookup, err := c.settle(ctx, cause.req, cause)
	k.meta.Lookup = lookup
	if err != nil {
		c.log(ctx, slog.LevelInfo, "tosspayments: call failed", k.meta, answer, slog.String("class", ClassOf(err).String()), slog.String("reason", d.why))
		return nil, k.meta, err
	}
	k.meta.Reconciled = true
	c.log(ctx, slog.LevelDebug, "tosspayments: call reconciled", k.meta, answer)
	return p, k.meta, nil
}

// settle looks the payment of req up and compares it with what req asked.
func (c *Client) settle(ctx context.Context, req *request, cause error) (*generated.Payment, *Meta, error) {
	want := *req.want
	if req.opID == openapi.OpCreatePayment {
		want.statuses = nil // a created payment may have moved on since
	}
	var (
		p      *generated.Payment
		lookup *Meta
		err    error
	)
	switch {
	case want.paymentKey != "":
		p, lookup, err = c.GetPayment(ctx, want.paymentKey)
	case want.orderID != "":
		p, lookup, err = c.GetPaymentByOrderID(ctx, want.orderID)
	default:
		return nil, nil, cause
	}
	var found *APIError
	switch {
	case err == nil:
		if why := want.mismatch(p); why != "" {
			return nil, lookup, settled(req, cause, why, p)
		}
		return p, lookup, nil
	case errors.As(err, &found) && found.Code == generated.ErrorCodeNotFoundPayment:
		return nil, lookup, settled(req, cause, "a look-up finds no such payment", nil)
	}
	return nil, lookup, cause
}

// settled is the definitive error of a call that a look-up showed did not
// take effect as asked.
func settled(req *request, cause error, why string, p *generated.Payment) *APIError {
	f := factsOf(cause)
	e := &APIError{Operation: req.opID, Mismatch: why, Payment: p, class: ClassRejected, retryAfter: -1,
		StatusCode: f.status, Code: f.code, TraceID: f.traceID, IdempotencyKey: f.idempotencyKey, Attempts: f.attempts}
	e.Message = "settled by looking the payment up: " + why + "; the " + req.opID + " did not take effect as asked. " +
		"Act on the payment's state (APIError.Payment); a new request needs a new idempotency key"
	return e
}

// callFacts are what an error of a call says of the call: its key and
// attempts, and of the last answer (an *APIError) its status, code and
// trace id.
type callFacts struct {
	idempotencyKey string
	attempts       int
	status         int
	code           generated.ErrorCode
	traceID        string
}

func factsOf(err error) callFacts {
	var ae *APIError
	var te *TransportError
	switch {
	case errors.As(err, &te):
		return callFacts{idempotencyKey: te.IdempotencyKey, attempts: te.Attempts}
	case errors.As(err, &ae):
		return callFacts{idempotencyKey: ae.IdempotencyKey, attempts: ae.Attempts, status: ae.StatusCode, code: ae.Code, traceID: ae.TraceID}
	}
	return callFacts{}
}
