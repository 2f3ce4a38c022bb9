package webhook

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// HandlerFunc is the user's function: it acts on one verified event (marks
// the order paid, cancels it, ...). Returning nil acknowledges the event;
// returning an error makes the receiver answer 500, so Toss sends the event
// again later and the next delivery calls the function again.
type HandlerFunc func(ctx context.Context, ev *Event) error

// PaymentGetter looks a payment up at Toss. *wrapper.Client satisfies it.
type PaymentGetter interface {
	GetPayment(ctx context.Context, paymentKey string, opts ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)
}

// OrderPaymentGetter looks a payment up by its orderId. *wrapper.Client
// satisfies it; a PaymentGetter that also does lets the receiver verify
// DEPOSIT_CALLBACK events without a SecretLookup.
type OrderPaymentGetter interface {
	GetPaymentByOrderID(ctx context.Context, orderID string, opts ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)
}

var (
	_ PaymentGetter      = (*wrapper.Client)(nil)
	_ OrderPaymentGetter = (*wrapper.Client)(nil)
)

// SecretLookup returns the secret the shop kept from the confirm answer
// (Payment.secret) of the payment with this orderId. found is false when the
// shop knows no such order or kept no secret for it; err is for a failure to
// look (the receiver answers 503 and Toss retries).
type SecretLookup func(ctx context.Context, orderID string) (secret string, found bool, err error)

// DefaultMaxBodyBytes is the largest body the receiver reads unless
// WithMaxBodyBytes says otherwise. A webhook body is a few kilobytes.
const DefaultMaxBodyBytes = 1 << 20

// Receiver is an http.Handler that receives Toss webhooks: it parses each
// delivery into the generated types, verifies it, de-duplicates it with its
// Store and calls the user's function. It answers 200 only when the event
// was handled now (the function returned nil) or before (a duplicate);
// anything else makes Toss send the event again.
//
// Verification, per event type:
//   - PAYMENT_STATUS_CHANGED: with a PaymentGetter, the payment is looked up
//     at Toss by data.paymentKey and must exist with the same orderId; the
//     answer is handed to the function as Event.Payment. Without one,
//     data.secret must equal the SecretLookup's secret for data.orderId;
//     events without a secret (EXPIRED, ABORTED) then cannot be verified.
//   - DEPOSIT_CALLBACK: secret must equal the SecretLookup's secret for
//     orderId; without a SecretLookup, a PaymentGetter that is also an
//     OrderPaymentGetter looks the payment up by orderId and its secret
//     must match.
//   - CANCEL_STATUS_CHANGED and unknown types are refused (422).
type Receiver struct {
	handle   HandlerFunc
	payments PaymentGetter
	secrets  SecretLookup
	store    Store
	maxBody  int64
	log      *slog.Logger
}

// Option configures a Receiver.
type Option func(*Receiver) error

// WithPaymentGetter verifies events by looking the payment up at Toss (the
// safe default; pass the *wrapper.Client of the shop's secret key).
func WithPaymentGetter(g PaymentGetter) Option {
	return func(r *Receiver) error {
		if g == nil {
			return errors.New("webhook: WithPaymentGetter(nil)")
		}
		r.payments = g
		return nil
	}
}

// WithSecretLookup verifies events by comparing their secret with the one
// the shop kept from the confirm answer.
func WithSecretLookup(f SecretLookup) Option {
	return func(r *Receiver) error {
		if f == nil {
			return errors.New("webhook: WithSecretLookup(nil)")
		}
		r.secrets = f
		return nil
	}
}

// WithStore sets the de-duplication store (default: a NewMemoryStore, which
// is per process). Services with several replicas need a shared one, such as
// an SQLStore.
func WithStore(s Store) Option {
	return func(r *Receiver) error {
		if s == nil {
			return errors.New("webhook: WithStore(nil)")
		}
		r.store = s
		return nil
	}
}

// WithMaxBodyBytes sets the largest body the receiver reads (default
// DefaultMaxBodyBytes); a larger one is answered 413.
func WithMaxBodyBytes(n int64) Option {
	return func(r *Receiver) error {
		if n <= 0 {
			return fmt.Errorf("webhook: WithMaxBodyBytes(%d): must be positive", n)
		}
		r.maxBody = n
		return nil
	}
}

// WithLogger sets where the receiver logs each delivery it refuses or fails
// (default slog.Default()). Log lines name the event type, key, orderId and
// reason, never a secret.
func WithLogger(l *slog.Logger) Option {
	return func(r *Receiver) error {
		if l == nil {
			return errors.New("webhook: WithLogger(nil)")
		}
		r.log = l
		return nil
	}
}

// New returns a Receiver that calls handle for each verified event. At
// least one of WithPaymentGetter and WithSecretLookup is required.
func New(handle HandlerFunc, opts ...Option) (*Receiver, error) {
	if handle == nil {
		return nil, errors.New("webhook: New needs a HandlerFunc")
	}
	r := &Receiver{handle: handle, maxBody: DefaultMaxBodyBytes}
	for _, o := range opts {
		if err := o(r); err != nil {
			return nil, err
		}
	}
	if r.payments == nil && r.secrets == nil {
		return nil, errors.New("webhook: New needs WithPaymentGetter or WithSecretLookup to verify events")
	}
	if r.store == nil {
		r.store = NewMemoryStore()
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r, nil
}

// ServeHTTP implements http.Handler.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		r.refuse(w, req, nil, reject(http.StatusMethodNotAllowed, "method not allowed", nil))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			r.refuse(w, req, nil, reject(http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", r.maxBody), nil))
			return
		}
		r.refuse(w, req, nil, reject(http.StatusBadRequest, "body could not be read", err))
		return
	}
	ev, rej := parse(body, req.Header)
	if rej != nil {
		r.refuse(w, req, nil, rej)
		return
	}
	ctx := req.Context()
	if rej := r.verify(ctx, ev); rej != nil {
		r.refuse(w, req, ev, rej)
		return
	}
	if rej := r.process(ctx, ev); rej != nil {
		r.refuse(w, req, ev, rej)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok\n")
}

// process claims the event, calls the user's function and commits or
// releases the claim. A nil result means: answer 200.
func (r *Receiver) process(ctx context.Context, ev *Event) (rej *rejection) {
	claim, err := r.store.Claim(ctx, ev.Key)
	if errors.Is(err, ErrDuplicate) {
		r.log.LogAttrs(ctx, slog.LevelInfo, "webhook: duplicate delivery acknowledged", eventAttrs(ev)...)
		return nil
	}
	if err != nil {
		return reject(http.StatusServiceUnavailable, "de-duplication store unavailable", err)
	}
	done := false
	defer func() {
		if done {
			return
		}
		if err := claim.Release(); err != nil {
			r.log.LogAttrs(ctx, slog.LevelError, "webhook: releasing the claim failed", append(eventAttrs(ev), slog.String("error", err.Error()))...)
		}
		if p := recover(); p != nil {
			rej = reject(http.StatusInternalServerError, "handler panicked", fmt.Errorf("%T", p))
		}
	}()
	if err := r.handle(context.WithValue(ctx, claimKey{}, claim), ev); err != nil {
		return reject(http.StatusInternalServerError, "handler failed", err)
	}
	done = true
	if err := claim.Commit(); err != nil {
		return reject(http.StatusServiceUnavailable, "recording the event failed", err)
	}
	return nil
}

// verify checks that the event comes from Toss, as the type's rules say.
func (r *Receiver) verify(ctx context.Context, ev *Event) *rejection {
	switch ev.Type {
	case PaymentStatusChanged:
		d := ev.PaymentStatusChanged.Data
		if r.payments != nil {
			p, rej := r.lookUp(func() (*generated.Payment, *wrapper.Meta, error) {
				return r.payments.GetPayment(ctx, d.PaymentKey)
			})
			if rej != nil {
				return rej
			}
			if p.PaymentKey != d.PaymentKey || p.OrderID != d.OrderID {
				return reject(http.StatusUnauthorized, "the payment at Toss does not match the event", nil)
			}
			ev.Payment = p
			return nil
		}
		if d.Secret == nil || *d.Secret == "" {
			return reject(http.StatusUnauthorized, "event without a secret (EXPIRED or ABORTED) can be verified only with a PaymentGetter", nil)
		}
		return r.compareSecret(ctx, d.OrderID, *d.Secret)
	case DepositCallback:
		d := ev.DepositCallback
		if r.secrets != nil {
			return r.compareSecret(ctx, d.OrderID, string(d.Secret))
		}
		og, ok := r.payments.(OrderPaymentGetter)
		if !ok {
			return reject(http.StatusInternalServerError, "DEPOSIT_CALLBACK needs a SecretLookup or a PaymentGetter that looks payments up by orderId", nil)
		}
		p, rej := r.lookUp(func() (*generated.Payment, *wrapper.Meta, error) {
			return og.GetPaymentByOrderID(ctx, d.OrderID)
		})
		if rej != nil {
			return rej
		}
		if p.Secret == nil || !equalSecret(*p.Secret, string(d.Secret)) {
			return reject(http.StatusUnauthorized, "secret does not match the payment's", nil)
		}
		ev.Payment = p
		return nil
	}
	return reject(http.StatusUnprocessableEntity, "unknown event type", nil)
}

// lookUp calls Toss: an unknown payment refutes the event (401), any other
// failure leaves it unverified for now (503, Toss retries).
func (r *Receiver) lookUp(get func() (*generated.Payment, *wrapper.Meta, error)) (*generated.Payment, *rejection) {
	p, _, err := get()
	if err != nil {
		var apiErr *wrapper.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
			return nil, reject(http.StatusUnauthorized, "no such payment at Toss", nil)
		}
		return nil, reject(http.StatusServiceUnavailable, "looking the payment up at Toss failed", err)
	}
	if p == nil {
		return nil, reject(http.StatusServiceUnavailable, "looking the payment up at Toss returned nothing", nil)
	}
	return p, nil
}

func (r *Receiver) compareSecret(ctx context.Context, orderID, got string) *rejection {
	if r.secrets == nil {
		return reject(http.StatusInternalServerError, "no SecretLookup to verify the event", nil)
	}
	want, found, err := r.secrets(ctx, orderID)
	if err != nil {
		return reject(http.StatusServiceUnavailable, "secret lookup failed", err)
	}
	if !found || want == "" {
		return reject(http.StatusUnauthorized, "no secret kept for this orderId", nil)
	}
	if !equalSecret(want, got) {
		return reject(http.StatusUnauthorized, "secret does not match the one kept from the confirm answer", nil)
	}
	return nil
}

// equalSecret compares in constant time (for equal lengths).
func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// refuse answers a delivery that is not acknowledged, and logs why.
func (r *Receiver) refuse(w http.ResponseWriter, req *http.Request, ev *Event, rej *rejection) {
	attrs := []slog.Attr{slog.Int("status", rej.status), slog.String("reason", rej.reason)}
	if rej.err != nil {
		attrs = append(attrs, slog.String("error", rej.err.Error()))
	}
	if ev != nil {
		attrs = append(attrs, eventAttrs(ev)...)
	} else if id := req.Header.Get(HeaderTransmissionID); id != "" {
		attrs = append(attrs, slog.String("transmission_id", id))
	}
	level := slog.LevelWarn
	if rej.status >= 500 {
		level = slog.LevelError
	}
	r.log.LogAttrs(req.Context(), level, "webhook: delivery refused", attrs...)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(rej.status)
	_, _ = io.WriteString(w, rej.reason+"\n")
}

// eventAttrs are the log attributes of an event: never its secret.
func eventAttrs(ev *Event) []slog.Attr {
	return []slog.Attr{
		slog.String("event_type", string(ev.Type)),
		slog.String("key", ev.Key),
		slog.String("order_id", ev.OrderID()),
		slog.String("payment_status", string(ev.Status())),
		slog.Int("retried_count", ev.RetriedCount),
	}
}
