package webhook

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// HandlerFunc is the user's function for verified events: it acts on the
// payment as the API answered (marks the order paid, cancels it, ...).
// Returning nil acknowledges the event; returning an error makes the
// receiver answer 500, so Toss sends the event again later and the next
// delivery calls the function again.
type HandlerFunc func(ctx context.Context, ev *Event) error

// UnverifiedFunc is the user's function for deliveries the receiver cannot
// verify (WithUnverified, NewUnverified): events no API look-up or signature
// can confirm (BILLING_DELETED, METHOD_UPDATED, CUSTOMER_STATUS_CHANGED,
// CANCEL_STATUS_CHANGED), and payment events when the receiver has no
// PaymentGetter. It receives what the sender claims, nothing more.
type UnverifiedFunc func(ctx context.Context, u *Unverified) error

// PaymentGetter looks a payment up at Toss. *wrapper.Client satisfies it.
type PaymentGetter interface {
	GetPayment(ctx context.Context, paymentKey string, opts ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)
}

// OrderPaymentGetter looks a payment up by its orderId. *wrapper.Client
// satisfies it; the receiver needs one to verify DEPOSIT_CALLBACK events,
// which carry no paymentKey.
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

// DefaultBodyReadTimeout is how long the receiver waits for a body unless
// WithBodyReadTimeout says otherwise: a sender that trickles its body is cut
// off (408) instead of holding the connection. Toss sends a few kilobytes
// and waits openapi.WebhookTimeout for the answer.
const DefaultBodyReadTimeout = 5 * time.Second

// Receiver is an http.Handler that receives Toss webhooks. For each
// delivery it reads the body (bounded in size and time), checks the
// signature where Toss signs (payout events) before anything else, parses
// the body into the generated types, verifies it, de-duplicates it with its
// Store and calls the user's function.
//
// Verification, per event type:
//   - PAYMENT_STATUS_CHANGED: the payment is looked up at Toss by
//     data.paymentKey (WithPaymentGetter) and must exist with the same
//     orderId (and the same secret when both carry one). The function
//     gets the answer (Event.Payment): the body only announced a change.
//   - DEPOSIT_CALLBACK: the payment is looked up by orderId (the getter must
//     be an OrderPaymentGetter) and the body's secret must equal its secret,
//     compared in constant time.
//   - payout.changed, seller.changed: the signature header must carry a v1:
//     value that matches under one of the security keys (WithSecurityKeys),
//     with a transmission time within the tolerance.
//   - the others cannot be verified: they go to the WithUnverified function
//     when there is one, and are refused (422) otherwise.
//
// De-duplication is on the state the API answered, not on the transmission
// id the sender chose: a payment event whose payment, status and last
// transaction were already handled is answered 200 without calling the
// function, whatever its id and whichever of the two payment event types
// brought it. Look-ups of one payment are coalesced and all
// look-ups are bounded per second (WithLookupRate); past the bound the
// receiver answers 503 so that Toss retries.
type Receiver struct {
	handle     HandlerFunc
	unverified UnverifiedFunc
	payments   PaymentGetter
	secrets    SecretLookup
	keys       func() [][]byte // a closure: a Receiver printed with any verb shows an address, not the keys
	tolerance  time.Duration
	store      Store
	unverStore Store // where unverified deliveries are de-duplicated
	maxBody    int64
	readTime   time.Duration
	log        *slog.Logger
	now        func() time.Time
	rate       float64
	burst      int
	lookups    *lookups
}

// Option configures a Receiver.
type Option func(*Receiver) error

// WithPaymentGetter verifies payment events by looking the payment up at
// Toss: pass the *wrapper.Client of the shop's secret key.
func WithPaymentGetter(g PaymentGetter) Option {
	return func(r *Receiver) error {
		if g == nil {
			return errors.New("webhook: WithPaymentGetter(nil)")
		}
		r.payments = g
		return nil
	}
}

// WithSecretLookup lets a receiver without a PaymentGetter check the secret
// of payment events against the one the shop kept from the confirm answer:
// a mismatch is refused (401), a match is handed to the UnverifiedFunc with
// SecretMatched set. A matching secret proves the body came from Toss, not
// that it is the payment's current state.
func WithSecretLookup(f SecretLookup) Option {
	return func(r *Receiver) error {
		if f == nil {
			return errors.New("webhook: WithSecretLookup(nil)")
		}
		r.secrets = f
		return nil
	}
}

// WithSecurityKeys sets the payout security keys that sign payout.changed
// and seller.changed (two during a rotation: a value matching either is
// accepted).
func WithSecurityKeys(keys ...[]byte) Option {
	return func(r *Receiver) error {
		if len(keys) == 0 {
			return errors.New("webhook: WithSecurityKeys needs a key")
		}
		for _, k := range keys {
			if len(k) == 0 {
				return errors.New("webhook: WithSecurityKeys: empty key")
			}
			held := append([]byte(nil), k...)
			prev := r.keys
			r.keys = func() [][]byte {
				if prev == nil {
					return [][]byte{held}
				}
				return append(prev(), held)
			}
		}
		return nil
	}
}

// WithSignatureTolerance sets how far a signed delivery's transmission time
// may be from now (default DefaultSignatureTolerance).
func WithSignatureTolerance(d time.Duration) Option {
	return func(r *Receiver) error {
		if d <= 0 {
			return fmt.Errorf("webhook: WithSignatureTolerance(%s): must be positive", d)
		}
		r.tolerance = d
		return nil
	}
}

// WithUnverified hands the deliveries the receiver cannot verify to f
// instead of refusing them.
func WithUnverified(f UnverifiedFunc) Option {
	return func(r *Receiver) error {
		if f == nil {
			return errors.New("webhook: WithUnverified(nil)")
		}
		r.unverified = f
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

// WithBodyReadTimeout sets how long the receiver waits for the body
// (default DefaultBodyReadTimeout).
func WithBodyReadTimeout(d time.Duration) Option {
	return func(r *Receiver) error {
		if d <= 0 {
			return fmt.Errorf("webhook: WithBodyReadTimeout(%s): must be positive", d)
		}
		r.readTime = d
		return nil
	}
}

// WithLookupRate bounds the receiver's look-ups at Toss: perSecond on
// average, burst at once (defaults DefaultLookupsPerSecond,
// DefaultLookupBurst). Past it, deliveries are answered 503.
func WithLookupRate(perSecond float64, burst int) Option {
	return func(r *Receiver) error {
		if perSecond <= 0 || burst < 1 {
			return fmt.Errorf("webhook: WithLookupRate(%v, %d): both must be positive", perSecond, burst)
		}
		r.rate, r.burst = perSecond, burst
		return nil
	}
}

// WithLogger sets where the receiver logs each delivery it refuses or fails,
// and each body that disagrees with the API (default slog.Default()). Log
// lines name the event type, key, orderId, status and reason, never a
// secret.
func WithLogger(l *slog.Logger) Option {
	return func(r *Receiver) error {
		if l == nil {
			return errors.New("webhook: WithLogger(nil)")
		}
		r.log = l
		return nil
	}
}

// withClock sets the receiver's clock (tests).
func withClock(now func() time.Time) Option {
	return func(r *Receiver) error { r.now = now; return nil }
}

// New returns a Receiver that calls handle for each verified event. It
// needs a way to verify: WithPaymentGetter for payment events,
// WithSecurityKeys for payout events.
func New(handle HandlerFunc, opts ...Option) (*Receiver, error) {
	if handle == nil {
		return nil, errors.New("webhook: New needs a HandlerFunc")
	}
	r, err := build(opts)
	if err != nil {
		return nil, err
	}
	r.handle = handle
	if r.payments == nil && r.keys == nil {
		return nil, errors.New("webhook: New needs WithPaymentGetter (payment events) or WithSecurityKeys (payout events) to verify events; without them use NewUnverified")
	}
	return r, nil
}

// NewUnverified returns a Receiver for a shop that cannot ask the API: it
// calls handle with what each delivery claims (*Unverified), after checking
// payment events' secrets when WithSecretLookup is given and payout events'
// signatures when WithSecurityKeys is. Prefer New with WithPaymentGetter:
// only a look-up tells the function the truth.
func NewUnverified(handle UnverifiedFunc, opts ...Option) (*Receiver, error) {
	if handle == nil {
		return nil, errors.New("webhook: NewUnverified needs an UnverifiedFunc")
	}
	r, err := build(opts)
	if err != nil {
		return nil, err
	}
	if r.payments != nil {
		return nil, errors.New("webhook: a receiver with a PaymentGetter verifies: use New")
	}
	r.unverified = handle
	return r, nil
}

func build(opts []Option) (*Receiver, error) {
	r := &Receiver{
		maxBody: DefaultMaxBodyBytes, readTime: DefaultBodyReadTimeout, tolerance: DefaultSignatureTolerance,
		rate: DefaultLookupsPerSecond, burst: DefaultLookupBurst, now: time.Now,
	}
	for _, o := range opts {
		if err := o(r); err != nil {
			return nil, err
		}
	}
	if r.store == nil {
		r.store = NewMemoryStore()
	}
	r.unverStore = r.store
	if m, ok := r.store.(*MemoryStore); ok {
		// Anyone can post a new unverified body: in a store of bounded size
		// a flood of them would push the verified states out, and a replay
		// of a handled state would call the function again. They get a
		// store of their own.
		r.unverStore = NewMemoryStoreSize(m.size)
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.lookups = newLookups(newBucket(r.rate, r.burst, r.now))
	return r, nil
}

// ServeHTTP implements http.Handler.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		r.refuse(w, req, nil, reject(http.StatusMethodNotAllowed, "method not allowed", nil))
		return
	}
	body, rej := r.readBody(w, req)
	if rej != nil {
		r.refuse(w, req, nil, rej)
		return
	}
	// A signature, where one is sent, is checked before the body is read.
	sig := req.Header.Get(openapi.HeaderWebhookSignature)
	signed := false
	if sig != "" {
		if rej := r.checkSignature(sig, req.Header.Get(openapi.HeaderWebhookTransmissionTime), body); rej != nil {
			r.refuse(w, req, nil, rej)
			return
		}
		signed = true
	}
	u, rej := parse(body, req.Header)
	if rej != nil {
		r.refuse(w, req, nil, rej)
		return
	}
	if u.Type.Signed() && !signed {
		r.refuse(w, req, u, reject(http.StatusUnauthorized, "signature missing: "+string(u.Type)+" is signed", nil))
		return
	}
	ctx := req.Context()
	if rej := r.route(ctx, u); rej != nil {
		r.refuse(w, req, u, rej)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok\n")
}

// readBody reads the body within the size limit and the read deadline.
func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request) ([]byte, *rejection) {
	rc := http.NewResponseController(w)
	deadlineSet := rc.SetReadDeadline(r.now().Add(r.readTime)) == nil
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.maxBody))
	if deadlineSet {
		// Lift the deadline: it bounds the body, not the look-up that
		// follows nor the connection's next request.
		_ = rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		var netErr interface{ Timeout() bool }
		switch {
		case errors.As(err, &tooBig):
			return nil, reject(http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", r.maxBody), nil)
		case errors.As(err, &netErr) && netErr.Timeout():
			return nil, reject(http.StatusRequestTimeout, "body not received within "+r.readTime.String(), nil)
		}
		return nil, reject(http.StatusBadRequest, "body could not be read", nil)
	}
	return body, nil
}

func (r *Receiver) checkSignature(sig, sentAt string, body []byte) *rejection {
	if r.keys == nil {
		return reject(http.StatusInternalServerError, "a signed delivery, and no security key to check it (WithSecurityKeys)", nil)
	}
	if err := verifySignature(sig, sentAt, body, r.keys(), r.now(), r.tolerance); err != nil {
		return reject(http.StatusUnauthorized, "signature refused", err)
	}
	return nil
}

// route verifies the delivery as its type allows and hands it to the
// function that fits.
func (r *Receiver) route(ctx context.Context, u *Unverified) *rejection {
	switch {
	case u.Type == PaymentStatusChanged || u.Type == DepositCallback:
		if r.payments == nil {
			return r.paymentUnverified(ctx, u)
		}
		ev, rej := r.verifyPayment(ctx, u)
		if rej != nil {
			return rej
		}
		return r.process(ctx, r.store, ev.Key, eventAttrs(ev), func(ctx context.Context) error { return r.handle(ctx, ev) })
	case u.Type.Signed():
		// The signature was checked in ServeHTTP.
		if r.handle == nil {
			return r.process(ctx, r.store, "signed:"+string(u.Type)+":"+u.Payout.EventID, unverifiedAttrs(u), func(ctx context.Context) error { return r.unverified(ctx, u) })
		}
		ev := &Event{Type: u.Type, Key: string(u.Type) + ":" + u.Payout.EventID, Delivery: u.Delivery, Payout: u.Payout, Claimed: u.Claims}
		return r.process(ctx, r.store, ev.Key, eventAttrs(ev), func(ctx context.Context) error { return r.handle(ctx, ev) })
	}
	if r.unverified == nil {
		return reject(http.StatusUnprocessableEntity, string(u.Type)+" cannot be verified (neither signed nor looked up); handle it with WithUnverified", nil)
	}
	return r.process(ctx, r.unverStore, u.Key, unverifiedAttrs(u), func(ctx context.Context) error { return r.unverified(ctx, u) })
}

// paymentUnverified hands a payment event to the UnverifiedFunc after the
// secret check, when there is a SecretLookup.
func (r *Receiver) paymentUnverified(ctx context.Context, u *Unverified) *rejection {
	if r.unverified == nil {
		return reject(http.StatusInternalServerError, string(u.Type)+" needs a PaymentGetter to be verified", nil)
	}
	if r.secrets != nil {
		var got string
		switch {
		case u.DepositCallback != nil:
			got = string(u.DepositCallback.Secret)
		case u.PaymentStatusChanged.Data.Secret != nil:
			got = *u.PaymentStatusChanged.Data.Secret
		}
		if got == "" {
			return reject(http.StatusUnauthorized, "event without a secret (EXPIRED or ABORTED) can be verified only with a PaymentGetter", nil)
		}
		want, found, err := r.secrets(ctx, u.OrderID())
		if err != nil {
			return reject(http.StatusServiceUnavailable, "secret lookup failed", err)
		}
		if !found || want == "" {
			return reject(http.StatusUnauthorized, "no secret kept for this orderId", nil)
		}
		if !equalSecret(want, got) {
			return reject(http.StatusUnauthorized, "secret does not match the one kept from the confirm answer", nil)
		}
		u.SecretMatched = true
	}
	return r.process(ctx, r.unverStore, u.Key, unverifiedAttrs(u), func(ctx context.Context) error { return r.unverified(ctx, u) })
}

// verifyPayment looks the payment of a payment event up and returns the
// event the function gets: the API's answer, the body as claimed, and the
// key of the state the API answered.
func (r *Receiver) verifyPayment(ctx context.Context, u *Unverified) (*Event, *rejection) {
	ev := &Event{Type: u.Type, Delivery: u.Delivery, Claimed: u.Claims}
	var p *generated.Payment
	var rej *rejection
	switch u.Type {
	case PaymentStatusChanged:
		d := u.PaymentStatusChanged.Data
		if rej := checkLookupable("getPayment", "data.paymentKey", d.PaymentKey); rej != nil {
			return nil, rej
		}
		p, rej = r.lookUp(ctx, "paymentKey:"+d.PaymentKey, func(ctx context.Context) (*generated.Payment, *wrapper.Meta, error) {
			return r.payments.GetPayment(ctx, d.PaymentKey)
		})
		if rej != nil {
			return nil, rej
		}
		if p.PaymentKey != d.PaymentKey || p.OrderID != d.OrderID {
			return nil, reject(http.StatusUnauthorized, "the payment at Toss does not match the event", nil)
		}
		// A body with a secret other than the payment's is forged. (When the
		// API answers no secret, the body's cannot be checked, and the
		// answer is what the function gets anyway.)
		if d.Secret != nil && *d.Secret != "" && p.Secret != nil && !equalSecret(*p.Secret, *d.Secret) {
			return nil, reject(http.StatusUnauthorized, "secret does not match the payment's", nil)
		}
	case DepositCallback:
		d := u.DepositCallback
		og, ok := r.payments.(OrderPaymentGetter)
		if !ok {
			return nil, reject(http.StatusInternalServerError, "DEPOSIT_CALLBACK needs a PaymentGetter that looks payments up by orderId", nil)
		}
		if rej := checkLookupable("getPaymentByOrderId", "orderId", d.OrderID); rej != nil {
			return nil, rej
		}
		p, rej = r.lookUp(ctx, "orderId:"+d.OrderID, func(ctx context.Context) (*generated.Payment, *wrapper.Meta, error) {
			return og.GetPaymentByOrderID(ctx, d.OrderID)
		})
		if rej != nil {
			return nil, rej
		}
		if p.OrderID != d.OrderID {
			return nil, reject(http.StatusUnauthorized, "the payment at Toss does not match the event", nil)
		}
		if p.Secret == nil || !equalSecret(*p.Secret, string(d.Secret)) {
			return nil, reject(http.StatusUnauthorized, "secret does not match the payment's", nil)
		}
	}
	ev.Payment = p
	ev.Key = stateKey(p)
	ev.Disagreements = disagreements(u, p)
	if len(ev.Disagreements) > 0 {
		r.log.LogAttrs(ctx, slog.LevelWarn, "webhook: the body disagrees with the API; the function gets the API's answer",
			append(eventAttrs(ev), slog.Any("fields", ev.Disagreements), slog.String("claimed_status", short(u.Status())))...)
	}
	return ev, nil
}

// checkLookupable refuses (400) a value the look-up could not send, before
// it costs one.
func checkLookupable(op, field, v string) *rejection {
	ok, err := lookupable(op, v)
	if err != nil {
		return reject(http.StatusInternalServerError, "the spec cannot be read", err)
	}
	if !ok {
		return reject(http.StatusBadRequest, field+" is not one the API takes", nil)
	}
	return nil
}

// stateKey is the de-duplication key of a payment event: the payment, and
// the status and last transaction the API answered. A delivery that brings
// no new state maps to a key already handled, whichever event type brought
// it: PAYMENT_STATUS_CHANGED and DEPOSIT_CALLBACK announce the same changes
// of a virtual account, and anyone who knows a paymentKey can post the
// first, so a type in the key would hand the function a state it already
// handled (an order shipped twice).
func stateKey(p *generated.Payment) string {
	last := ""
	if p.LastTransactionKey != nil {
		last = *p.LastTransactionKey
	}
	n := 0
	if p.Cancels != nil {
		n = len(*p.Cancels)
	}
	// Lengths first: no value can make two keys collide.
	return fmt.Sprintf("payment:%d:%s:%s:%d:%s:%d", len(p.PaymentKey), p.PaymentKey, p.Status, len(last), last, n)
}

// disagreements names the fields where the body differs from the payment
// the API answered.
func disagreements(u *Unverified, p *generated.Payment) []string {
	var out []string
	add := func(differs bool, name string) {
		if differs {
			out = append(out, name)
		}
	}
	switch {
	case u.PaymentStatusChanged != nil:
		d := u.PaymentStatusChanged.Data
		add(d.Status != p.Status, "status")
		add(d.OrderID != p.OrderID, "orderId")
		add(!d.TotalAmount.Equal(p.TotalAmount), "totalAmount")
		add(!d.BalanceAmount.Equal(p.BalanceAmount), "balanceAmount")
		add(deref(d.LastTransactionKey) != deref(p.LastTransactionKey), "lastTransactionKey")
		add(countCancels(d.Cancels) != countCancels(p.Cancels), "cancels")
	case u.DepositCallback != nil:
		add(u.DepositCallback.Status != p.Status, "status")
		add(u.DepositCallback.OrderID != p.OrderID, "orderId")
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func countCancels(c *[]generated.Cancel) int {
	if c == nil {
		return 0
	}
	return len(*c)
}

// lookUp asks Toss, coalesced per key and within the rate bound: an unknown
// payment refutes the event (401); any other failure, or the bound reached,
// leaves it unverified for now (503, Toss retries).
func (r *Receiver) lookUp(ctx context.Context, key string, get func(context.Context) (*generated.Payment, *wrapper.Meta, error)) (*generated.Payment, *rejection) {
	p, err := r.lookups.do(ctx, key, func(ctx context.Context) (*generated.Payment, error) {
		p, _, err := get(ctx)
		return p, err
	})
	if err != nil {
		var apiErr *wrapper.APIError
		switch {
		case errors.Is(err, errRateLimited):
			return nil, reject(http.StatusServiceUnavailable, "look-up rate exceeded; try later", nil)
		case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
			return nil, reject(http.StatusUnauthorized, "no such payment at Toss", nil)
		}
		return nil, reject(http.StatusServiceUnavailable, "looking the payment up at Toss failed", err)
	}
	if p == nil {
		return nil, reject(http.StatusServiceUnavailable, "looking the payment up at Toss returned nothing", nil)
	}
	return p, nil
}

// process claims key, calls fn and commits or releases the claim. A nil
// result means: answer 200.
func (r *Receiver) process(ctx context.Context, store Store, key string, attrs []slog.Attr, fn func(context.Context) error) (rej *rejection) {
	claim, err := store.Claim(ctx, key)
	if errors.Is(err, ErrDuplicate) {
		r.log.LogAttrs(ctx, slog.LevelInfo, "webhook: no new state; acknowledged without calling the function", attrs...)
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
			r.log.LogAttrs(ctx, slog.LevelError, "webhook: releasing the claim failed", append(attrs, slog.String("error", err.Error()))...)
		}
		if p := recover(); p != nil {
			rej = reject(http.StatusInternalServerError, "handler panicked", fmt.Errorf("%T", p))
		}
	}()
	if err := fn(context.WithValue(ctx, claimKey{}, claim)); err != nil {
		return reject(http.StatusInternalServerError, "handler failed", err)
	}
	done = true
	if err := claim.Commit(); err != nil {
		return reject(http.StatusServiceUnavailable, "recording the event failed", err)
	}
	return nil
}

// equalSecret compares in constant time, whatever the lengths: it compares
// the digests.
func equalSecret(a, b string) bool {
	x, y := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}

// refuse answers a delivery that is not acknowledged, and logs why.
func (r *Receiver) refuse(w http.ResponseWriter, req *http.Request, u *Unverified, rej *rejection) {
	attrs := []slog.Attr{slog.Int("status", rej.status), slog.String("reason", rej.reason)}
	if rej.err != nil {
		attrs = append(attrs, slog.String("error", cut(rej.err.Error(), maxLoggedError)))
	}
	if u != nil {
		attrs = append(attrs, unverifiedAttrs(u)...)
	} else if id := req.Header.Get(openapi.HeaderWebhookTransmissionID); id != "" {
		attrs = append(attrs, slog.String("transmission_id", short(id)))
	}
	level := slog.LevelWarn
	if rej.status >= 500 {
		level = slog.LevelError
	}
	r.log.LogAttrs(req.Context(), level, "webhook: delivery refused", attrs...)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if rej.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int(openapi.WebhookRetryIntervals[0]/time.Second)))
	}
	if rej.status == http.StatusRequestTimeout || rej.status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	w.WriteHeader(rej.status)
	_, _ = io.WriteString(w, rej.reason+"\n")
}

// eventAttrs are the log attributes of a verified event: never its secret.
func eventAttrs(ev *Event) []slog.Attr {
	return []slog.Attr{
		slog.String("event_type", string(ev.Type)),
		slog.String("key", short(ev.Key)),
		slog.String("transmission_id", short(ev.TransmissionID)),
		slog.String("order_id", short(ev.OrderID())),
		slog.String("payment_status", string(ev.Status())),
		slog.Int("retried_count", ev.RetriedCount),
	}
}

// unverifiedAttrs are the log attributes of a delivery as claimed: never
// its secret.
func unverifiedAttrs(u *Unverified) []slog.Attr {
	return []slog.Attr{
		slog.String("event_type", string(u.Type)),
		slog.String("transmission_id", short(u.TransmissionID)),
		slog.String("claimed_order_id", short(u.OrderID())),
		slog.String("claimed_status", short(u.Status())),
		slog.Int("retried_count", u.RetriedCount),
	}
}

// maxLogged is how many bytes of a value the sender chose (an orderId or a
// status as claimed, a transmission id) a log line keeps; maxLoggedError,
// of an error (the function's, a failed look-up's).
const (
	maxLogged      = 128
	maxLoggedError = 1024
)

// short is s cut to maxLogged bytes: a sender's megabyte-long orderId
// makes a log line of normal length.
func short(s string) string { return cut(s, maxLogged) }

// cut is s cut to at most n bytes on a character boundary, marked "…" when
// cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
