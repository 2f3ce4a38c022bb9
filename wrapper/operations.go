package wrapper

import (
	"context"
	"encoding/json"
	"fmt"
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
	// Reconciled is true when the payment returned did not come from the
	// call's own answer but from a look-up that settled it: a confirm
	// answered ALREADY_PROCESSED_PAYMENT, or Client.Resolve. The payment
	// passed the same checks as a direct answer (same paymentKey, orderId,
	// amount, a success status).
	Reconciled bool
	// Lookup is the Meta of that look-up (its trace id, status, attempts)
	// when Reconciled, else nil.
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
// Idempotency-Key, Content-Type, Content-Length and Host are refused: the
// client sets them.
func WithHeader(name, value string) CallOption {
	return func(c *callConfig) error {
		canon := http.CanonicalHeaderKey(name)
		switch canon {
		case "Authorization", "Idempotency-Key", "Content-Type", "Content-Length", "Host":
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

// headerParams are the spec's header parameters of one call, passed to the
// generated request builders.
type headerParams struct {
	key, lang, testCode *string
}

// buildFunc builds one attempt's request with a generated builder.
type buildFunc func(server string, hp *headerParams, body io.Reader) (*http.Request, error)

const jsonContentType = "application/json"

// CreatePayment creates a payment window (status READY) whose checkout.url
// the customer opens. Calling again with the same Idempotency-Key returns the
// same payment.
func (c *Client) CreatePayment(ctx context.Context, req generated.CreatePaymentRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &Meta{Operation: openapi.OpCreatePayment}, fmt.Errorf("tosspayments: %s: encode request: %w", openapi.OpCreatePayment, err)
	}
	want := expect{orderID: string(req.OrderID), amount: req.Amount, hasAmount: true, statuses: createdStatuses}
	return c.do(ctx, openapi.OpCreatePayment, "", body, want, nil, opts, func(server string, hp *headerParams, body io.Reader) (*http.Request, error) {
		return generated.NewCreatePaymentRequestWithBody(server, &generated.CreatePaymentParams{
			IdempotencyKey: hp.key, AcceptLanguage: hp.lang, TossPaymentsTestCode: hp.testCode,
		}, jsonContentType, body)
	})
}

// ConfirmPayment authorizes a payment the customer authenticated (status
// DONE on success). The amount must be the authenticated amount.
//
// On an error, check IsOutcomeUnknown before anything else: the payment may
// have been authorized. Call again with the same idempotency key (in the
// error and the Meta), or look it up with GetPaymentByOrderID.
func (c *Client) ConfirmPayment(ctx context.Context, req generated.ConfirmPaymentRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &Meta{Operation: openapi.OpConfirmPayment}, fmt.Errorf("tosspayments: %s: encode request: %w", openapi.OpConfirmPayment, err)
	}
	want := expect{paymentKey: req.PaymentKey, orderID: string(req.OrderID), amount: req.Amount, hasAmount: true, statuses: confirmedStatuses}
	return c.do(ctx, openapi.OpConfirmPayment, "", body, want, nil, opts, func(server string, hp *headerParams, body io.Reader) (*http.Request, error) {
		return generated.NewConfirmPaymentRequestWithBody(server, &generated.ConfirmPaymentParams{
			IdempotencyKey: hp.key, AcceptLanguage: hp.lang, TossPaymentsTestCode: hp.testCode,
		}, jsonContentType, body)
	})
}

// CancelPayment cancels the payment paymentKey: all of its balance when
// req.CancelAmount is nil, else that amount. For crash-safe retries, send
// WithIdempotencyKey(CancelIdempotencyKey(paymentKey, n, req)).
func (c *Client) CancelPayment(ctx context.Context, paymentKey string, req generated.CancelPaymentRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &Meta{Operation: openapi.OpCancelPayment}, fmt.Errorf("tosspayments: %s: encode request: %w", openapi.OpCancelPayment, err)
	}
	want := expect{paymentKey: paymentKey, cancel: true, cancelAmount: req.CancelAmount}
	return c.do(ctx, openapi.OpCancelPayment, paymentKey, body, want, nil, opts, func(server string, hp *headerParams, body io.Reader) (*http.Request, error) {
		return generated.NewCancelPaymentRequestWithBody(server, paymentKey, &generated.CancelPaymentParams{
			IdempotencyKey: hp.key, AcceptLanguage: hp.lang, TossPaymentsTestCode: hp.testCode,
		}, jsonContentType, body)
	})
}

// KeyInPayment charges a card whose number was keyed in (status DONE on
// success). The card number, password and identity number go only into the
// request body: never into errors or logs, and text the server sends back is
// scrubbed of them.
func (c *Client) KeyInPayment(ctx context.Context, req generated.KeyInPaymentRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &Meta{Operation: openapi.OpKeyInPayment}, fmt.Errorf("tosspayments: %s: encode request: %w", openapi.OpKeyInPayment, err)
	}
	secrets := []string{string(req.CardNumber), string(req.CustomerIdentityNumber)}
	if req.CardPassword != nil {
		secrets = append(secrets, string(*req.CardPassword))
	}
	want := expect{orderID: string(req.OrderID), amount: req.Amount, hasAmount: true}
	return c.do(ctx, openapi.OpKeyInPayment, "", body, want, secrets, opts, func(server string, hp *headerParams, body io.Reader) (*http.Request, error) {
		return generated.NewKeyInPaymentRequestWithBody(server, &generated.KeyInPaymentParams{
			IdempotencyKey: hp.key, AcceptLanguage: hp.lang, TossPaymentsTestCode: hp.testCode,
		}, jsonContentType, body)
	})
}

// GetPayment looks the payment paymentKey up. Look-ups are safe to retry and
// carry no idempotency key.
func (c *Client) GetPayment(ctx context.Context, paymentKey string, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.do(ctx, openapi.OpGetPayment, paymentKey, nil, expect{paymentKey: paymentKey}, nil, opts, func(server string, hp *headerParams, _ io.Reader) (*http.Request, error) {
		return generated.NewGetPaymentRequest(server, paymentKey, &generated.GetPaymentParams{
			AcceptLanguage: hp.lang, TossPaymentsTestCode: hp.testCode,
		})
	})
}

// GetPaymentByOrderID looks a payment up by the merchant's orderId: the way to
// settle an outcome-unknown create, confirm or key-in when the paymentKey is
// not known.
func (c *Client) GetPaymentByOrderID(ctx context.Context, orderID string, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.do(ctx, openapi.OpGetPaymentByOrderID, orderID, nil, expect{orderID: orderID}, nil, opts, func(server string, hp *headerParams, _ io.Reader) (*http.Request, error) {
		return generated.NewGetPaymentByOrderIDRequest(server, orderID, &generated.GetPaymentByOrderIDParams{
			AcceptLanguage: hp.lang, TossPaymentsTestCode: hp.testCode,
		})
	})
}
