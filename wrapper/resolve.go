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
	opID    string
	want    expect
	secrets secretList
}

func (k *call) request() *request { return &request{opID: k.id, want: k.want, secrets: k.secrets} }

// Resolve settles an outcome-unknown error (see the package documentation,
// "Outcome unknown") of a create, confirm, cancel, key-in or billing charge by
// looking the payment up, by its paymentKey when the call had one, else by
// its orderId, and judging it as a direct answer ("Success"):
//
//   - done as asked: Resolve returns it (Meta.Reconciled set, Meta.Lookup
//     the look-up's metadata);
//   - a decline (ABORTED or EXPIRED with a failure): a declined *APIError
//     whose Code is the failure's and whose Payment is what was found;
//   - not done as asked (another amount or status; a confirm or key-in
//     canceled since; no such payment, unless IsRetryable(err): it may be in
//     flight): a ClassRejected *APIError whose Mismatch says why;
//   - not settled yet (READY, IN_PROGRESS, a cancel IN_PROGRESS, a status
//     the spec does not list), or the look-up failed: err itself, with
//     Meta.Lookup; call Resolve again later.
//
// Any other err comes back as it is (an issued billing key has no look-up:
// repeat the issue with its idempotency key). A cancel is matched by amount:
// an earlier cancel of the same amount as the last looks the same, and one
// followed by other cancels leaves the outcome unknown.
func (c *Client) Resolve(ctx context.Context, err error) (*generated.Payment, *Meta, error) {
	f := factsOf(err)
	req, meta := f.req, &Meta{}
	if req == nil || !IsOutcomeUnknown(err) {
		return nil, meta, err
	}
	meta.Operation, meta.IdempotencyKey, meta.Attempts, meta.StatusCode, meta.TraceID = req.opID, f.idempotencyKey, f.attempts, f.status, f.traceID
	p, lookup, serr := c.settle(ctx, req, err)
	meta.Lookup, meta.Reconciled = lookup, serr == nil
	return p, meta, serr
}

// reconcile settles a confirm answered ALREADY_PROCESSED_PAYMENT, or a billing
// charge DUPLICATED_ORDER_ID: done before, by this key or another (lost in a
// crash, expired). If the payment looked up is as asked, the call succeeded.
func (c *Client) reconcile(ctx context.Context, k *call, answer *APIError) (*generated.Payment, *Meta, error) {
	d := decide(outcome{opID: k.id, post: k.post(), status: answer.StatusCode, code: answer.Code})
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

// settle looks the payment of req up and judges it by what req asked.
func (c *Client) settle(ctx context.Context, req *request, cause error) (*generated.Payment, *Meta, error) {
	want := req.want
	if req.opID == openapi.OpCreatePayment {
		want.success = anyStatus // a created payment may have moved on since
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
		switch v := want.judge(p); {
		case v.why == "":
			return p, lookup, nil
		case v.pending:
			return nil, lookup, cause
		case v.declined:
			return nil, lookup, settled(req, cause, v.why, p, ClassDeclined)
		default:
			return nil, lookup, settled(req, cause, v.why, p, ClassRejected)
		}
	case errors.As(err, &found) && found.Code == generated.ErrorCodeNotFoundPayment && !IsRetryable(cause): // else it may be in flight
		return nil, lookup, settled(req, cause, "a look-up finds no such payment", nil, ClassRejected)
	}
	return nil, lookup, cause
}

// settled is the definitive error of a call that a look-up showed did not
// take effect as asked: declined (its code the failure's) or rejected.
func settled(req *request, cause error, why string, p *generated.Payment, class Class) *APIError {
	f := factsOf(cause)
	e := &APIError{Operation: req.opID, Mismatch: why, Payment: p, class: class, retryAfter: -1,
		StatusCode: f.status, Code: f.code, TraceID: f.traceID, IdempotencyKey: f.idempotencyKey, Attempts: f.attempts}
	if class == ClassDeclined {
		e.declined = true
		e.Code, e.Message = failureOf(p, req.secrets)
		return e
	}
	e.Message = "settled by looking the payment up: " + why + "; the payment is not as the " + req.opID + " asked. " +
		"Act on the payment's state (APIError.Payment) before any new request, which needs a new idempotency key"
	return e
}

// callFacts are what an error of a call says of the call: its key and attempts,
// and of the last answer (an *APIError) its status, code and trace id.
type callFacts struct {
	idempotencyKey string
	attempts       int
	status         int
	code           generated.ErrorCode
	traceID        string
	req            *request // what the call asked
}

func factsOf(err error) callFacts {
	var ae *APIError
	var te *TransportError
	switch {
	case errors.As(err, &te):
		return callFacts{idempotencyKey: te.IdempotencyKey, attempts: te.Attempts, req: te.req}
	case errors.As(err, &ae):
		return callFacts{idempotencyKey: ae.IdempotencyKey, attempts: ae.Attempts, status: ae.StatusCode, code: ae.Code, traceID: ae.TraceID, req: ae.req}
	}
	return callFacts{}
}
