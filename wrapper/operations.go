package wrapper

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// Meta is what a call left behind besides the payment: enough to write a
// support ticket or to repeat the call safely. Every operation returns a
// non-nil *Meta, also with an error.
type Meta struct {
	// Operation is the spec's operationId, such as "confirmPayment".
	Operation string
	// StatusCode is the HTTP status of the last attempt (0 if no answer).
	StatusCode int
	// TraceID is the X-TossPayments-Trace-Id of the last answer.
	TraceID string
	// IdempotencyKey is the key every attempt carried ("" for look-ups).
	IdempotencyKey string
	// Attempts is how many times the request was sent (0 if it was refused
	// locally).
	Attempts int
	// Reconciled: the payment returned came from a look-up that settled the
	// call ("Outcome unknown"), judged as a direct answer would be.
	Reconciled bool
	// Lookup is the Meta of that look-up, if one was made, else nil.
	Lookup *Meta
}

// CallOption configures one call. Call options check their input like
// Option: the call returns the first option error (a *ValidationError with
// In "option" or "header") and sends nothing.
type CallOption func(*callConfig) error

type callConfig struct {
	key      string
	testCode string
	headers  [][2]string
}

// WithIdempotencyKey sends key as the Idempotency-Key of a POST instead of a
// fresh UUID v4: the key of an earlier attempt whose outcome is unknown, or a
// key from DeriveIdempotencyKey. It must be 1 to MaxIdempotencyKeyLength (300)
// characters of printable ASCII (space to '~'), not starting or ending with
// a space; another key is refused with a *ValidationError before anything is
// sent, even with validation off. Look-ups (GET) ignore it.
func WithIdempotencyKey(key string) CallOption {
	return func(c *callConfig) error {
		if rule := checkIdempotencyKey(key); rule != "" {
			return optionError("Idempotency-Key", rule)
		}
		c.key = key
		return nil
	}
}

// checkIdempotencyKey returns the rule key breaks, or "". A key that could not
// be sent as it is (a control character, a newline, a byte outside ASCII, a
// space that a server trims) would fail before leaving the client or address
// another request; the rule never quotes the key.
func checkIdempotencyKey(key string) string {
	switch {
	case key == "":
		return "the key is empty"
	case len(key) > MaxIdempotencyKeyLength:
		return "longer than " + strconv.Itoa(MaxIdempotencyKeyLength) + " characters"
	case strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r > '~' }):
		return "only printable ASCII characters (space to '~') are allowed"
	case key[0] == ' ' || key[len(key)-1] == ' ':
		return "must not start or end with a space"
	}
	return ""
}

// WithTestCode sends TossPayments-Test-Code: code, which makes the API (with
// a test key) answer with that error, for example "REJECT_CARD_COMPANY".
// Live keys ignore it.
func WithTestCode(code string) CallOption {
	return func(c *callConfig) error {
		if code == "" || strings.ContainsAny(code, "\r\n") {
			return optionError("TossPayments-Test-Code", "want an error code such as REJECT_CARD_COMPANY")
		}
		c.testCode = code
		return nil
	}
}

// WithHeader adds a header to every attempt of the call. Authorization,
// Idempotency-Key, Content-Type, Content-Length, Host and Accept-Encoding
// are refused: the client (or its transport, which inflates gzip) sets them.
func WithHeader(name, value string) CallOption {
	return func(c *callConfig) error {
		canon := http.CanonicalHeaderKey(name)
		switch canon {
		case "Authorization", "Idempotency-Key", "Content-Type", "Content-Length", "Host", "Accept-Encoding":
			return optionError(canon, "set by the client; use WithIdempotencyKey for the key")
		case "":
			return optionError("header", "empty header name")
		}
		if strings.ContainsAny(name+value, "\r\n") || strings.ContainsAny(name, " :") {
			return optionError(name, "invalid header name or value")
		}
		c.headers = append(c.headers, [2]string{name, value})
		return nil
	}
}

func optionError(field, rule string) *ValidationError {
	return &ValidationError{In: "option", Field: field, Rule: rule}
}

const jsonContentType = "application/json"

// sender is a method of the generated client bound to a call's path value:
// it builds the request, applies the editors and sends it.
type sender func(ctx context.Context, g *generated.Client, body io.Reader, eds []generated.RequestEditorFn) (*http.Response, error)

type editors = []generated.RequestEditorFn

// post binds a generated POST without a path parameter.
func post[P any](m func(*generated.Client, context.Context, *P, string, io.Reader, ...generated.RequestEditorFn) (*http.Response, error)) sender {
	return func(ctx context.Context, g *generated.Client, body io.Reader, eds editors) (*http.Response, error) {
		return m(g, ctx, nil, jsonContentType, body, eds...)
	}
}

// postAt binds a generated POST to its path value.
func postAt[K ~string, P any](m func(*generated.Client, context.Context, K, *P, string, io.Reader, ...generated.RequestEditorFn) (*http.Response, error), path string) sender {
	return func(ctx context.Context, g *generated.Client, body io.Reader, eds editors) (*http.Response, error) {
		return m(g, ctx, K(path), nil, jsonContentType, body, eds...)
	}
}

// getAt binds a generated GET to its path value.
func getAt[K ~string, P any](m func(*generated.Client, context.Context, K, *P, ...generated.RequestEditorFn) (*http.Response, error), path string) sender {
	return func(ctx context.Context, g *generated.Client, _ io.Reader, eds editors) (*http.Response, error) {
		return m(g, ctx, K(path), nil, eds...)
	}
}

// CreatePayment creates a payment window (status READY) whose checkout.url
// the customer opens. Calling again with the same Idempotency-Key returns the
// same payment.
func (c *Client) CreatePayment(ctx context.Context, req generated.CreatePaymentRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.call(ctx, op{id: openapi.OpCreatePayment, body: req,
		want: expect{orderID: string(req.OrderID), amount: req.Amount, hasAmount: true, success: created},
		send: post((*generated.Client).CreatePaymentWithBody)}, opts)
}

// ConfirmPayment authorizes a payment the customer authenticated: a success
// is DONE, or WAITING_FOR_DEPOSIT with a virtual account. The amount must be
// the authenticated amount. On an error, see the package documentation,
// "Outcome unknown".
func (c *Client) ConfirmPayment(ctx context.Context, req generated.ConfirmPaymentRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.call(ctx, op{id: openapi.OpConfirmPayment, body: req,
		want: expect{paymentKey: req.PaymentKey, orderID: string(req.OrderID), amount: req.Amount, hasAmount: true, success: confirmed},
		send: post((*generated.Client).ConfirmPaymentWithBody)}, opts)
}

// CancelPayment cancels the payment paymentKey: all of its balance when
// req.CancelAmount is nil, else that amount. A success is a payment
// CANCELED or PARTIAL_CANCELED whose last cancel is DONE with the amounts
// sent. For crash-safe retries, send
// WithIdempotencyKey(CancelIdempotencyKey(paymentKey, n, req)).
func (c *Client) CancelPayment(ctx context.Context, paymentKey string, req generated.CancelPaymentRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.call(ctx, op{id: openapi.OpCancelPayment, path: paymentKey, body: req,
		want: expect{paymentKey: paymentKey, success: canceled, cancelAmount: req.CancelAmount, taxFree: req.TaxFreeAmount},
		send: postAt((*generated.Client).CancelPaymentWithBody, paymentKey)}, opts)
}

// KeyInPayment charges a card whose number was keyed in; a success is DONE, and
// a payment answered ABORTED with a failure is a declined error. The card
// number, password and identity number go only into the request body: never
// into errors or logs, and text the server sends back is scrubbed of them.
func (c *Client) KeyInPayment(ctx context.Context, req generated.KeyInPaymentRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.call(ctx, op{id: openapi.OpKeyInPayment, body: req, secrets: []string{string(req.CardNumber), string(req.CustomerIdentityNumber)},
		want: expect{orderID: string(req.OrderID), amount: req.Amount, hasAmount: true, success: keyedIn},
		send: post((*generated.Client).KeyInPaymentWithBody)}, opts)
}

// GetPayment looks the payment paymentKey up. Look-ups are safe to retry and
// carry no idempotency key.
func (c *Client) GetPayment(ctx context.Context, paymentKey string, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.call(ctx, op{id: openapi.OpGetPayment, path: paymentKey, want: expect{paymentKey: paymentKey},
		send: getAt((*generated.Client).GetPayment, paymentKey)}, opts)
}

// GetPaymentByOrderID looks a payment up by the merchant's orderId: the way to
// settle an outcome-unknown create, confirm or key-in when the paymentKey is
// not known.
func (c *Client) GetPaymentByOrderID(ctx context.Context, orderID string, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.call(ctx, op{id: openapi.OpGetPaymentByOrderID, path: orderID, want: expect{orderID: orderID},
		send: getAt((*generated.Client).GetPaymentByOrderID, orderID)}, opts)
}
