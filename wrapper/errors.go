package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// Class sorts an error by what the caller should do next. Get it with
// ClassOf; IsDeclined, IsRetryable and IsOutcomeUnknown are shorthands.
type Class int

const (
	// ClassNone is the class of a nil error.
	ClassNone Class = iota
	// ClassInvalid: refused locally (a *ValidationError); nothing was sent.
	// Fix the request.
	ClassInvalid
	// ClassRejected: the API refused the request definitively (a 4xx that
	// is not a decline: INVALID_REQUEST, NOT_FOUND_PAYMENT, ...), or a
	// look-up showed it not done as asked. Do not retry it unchanged.
	ClassRejected
	// ClassDeclined: the card company, bank or fraud detection declined the
	// payment (403 REJECT_*, FDS_ERROR, the spec's x-toss-declined; or a
	// payment ABORTED or EXPIRED with a failure). No money moved. Tell the
	// customer; never retry the same request.
	ClassDeclined
	// ClassRetryable: nothing took effect, or the call was a look-up (a
	// 429, a connection that failed before sending). Call again later with
	// the same idempotency key.
	ClassRetryable
	// ClassOutcomeUnknown: the request may or may not have taken effect.
	// Settle it first: see the package documentation, "Outcome unknown".
	ClassOutcomeUnknown
	// ClassOther is the class of an error this package did not produce.
	ClassOther
)

var classNames = [...]string{"none", "invalid", "rejected", "declined", "retryable", "outcome unknown", "other"}

// String returns the class's name, such as "declined".
func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// ClassOf returns the class of err, looking through wrapping.
func ClassOf(err error) Class {
	if err == nil {
		return ClassNone
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Class()
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Class()
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ClassInvalid
	}
	return ClassOther
}

// IsDeclined reports whether err is a definitive decline (ClassDeclined).
func IsDeclined(err error) bool { return ClassOf(err) == ClassDeclined }

// IsOutcomeUnknown reports whether the request behind err may or may not
// have taken effect (ClassOutcomeUnknown; see the package documentation,
// "Outcome unknown").
func IsOutcomeUnknown(err error) bool { return ClassOf(err) == ClassOutcomeUnknown }

// IsRetryable reports whether calling again later with the same idempotency
// key is safe and may give another answer: a ClassRetryable error, or an
// outcome-unknown one a repeat can settle (a transport failure, a 5xx, a
// 409 in flight). A decline, a rejection, or an answer Toss would replay
// for the key is not.
func IsRetryable(err error) bool {
	switch ClassOf(err) {
	case ClassRetryable:
		return true
	case ClassOutcomeUnknown:
		var te *TransportError
		if errors.As(err, &te) {
			return te.decision().later
		}
		var ae *APIError
		return errors.As(err, &ae) && ae.later
	}
	return false
}

// APIError is an answer from the API that is not a success: a non-2xx, or a 2xx
// that does not answer the request (Mismatch says why). Use errors.As to get
// it; its Class says what to do next. It never holds the secret key or card
// data: what the server sent is scrubbed of them and cut to a bounded length.
type APIError struct {
	// Operation is the spec's operationId, such as "confirmPayment".
	Operation string
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// Code is the API's error code, such as generated.ErrorCodeRejectCardCompany,
	// or the failure's code of a payment answered declined (ABORTED or
	// EXPIRED with a failure). Codes the spec does not list are kept as they
	// are. Empty when the body was not a Toss error (an HTML page).
	Code generated.ErrorCode
	// Message is the API's message (Korean by default, English with
	// WithLanguage("en-US")), or a description of a body that was not a Toss
	// error.
	Message string
	// TraceID is the X-TossPayments-Trace-Id header: quote it to Toss support.
	TraceID string
	// IdempotencyKey is the key the request was sent with ("" for look-ups).
	// Persist it to repeat the call safely.
	IdempotencyKey string
	// Attempts is how many times the request was sent.
	Attempts int
	// Mismatch names the check a 2xx answer failed, such as "orderId is not
	// the one sent", `the required key "status" is missing` or "status
	// ABORTED with a failure: declined". Empty for any other answer.
	Mismatch string
	// Payment is the payment the answer carried when it is not a success:
	// a 2xx that failed a check (Mismatch), or what a look-up found that did
	// not settle the call as asked (see Meta.Reconciled; Client.Resolve).
	// Inspect it; never treat it as the result of the call. Nil otherwise.
	Payment *generated.Payment

	class      Class
	declined   bool          // a 2xx whose payment records a decline
	later      bool          // IsRetryable: calling again later may help
	retryAfter time.Duration // the Retry-After of the answer, -1 if none
	req        *request      // what the call asked, for Client.Resolve
}

// Error describes the failure with its status, code, message, trace id and
// idempotency key.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tosspayments: %s: %d", e.Operation, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + string(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	b.WriteString(" (" + e.class.String())
	if e.TraceID != "" {
		b.WriteString(", trace id " + e.TraceID)
	}
	if e.IdempotencyKey != "" {
		b.WriteString(", idempotency key " + e.IdempotencyKey)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, ", %d attempts", e.Attempts)
	}
	b.WriteByte(')')
	return b.String()
}

// Class says what the caller should do next; see the Class constants.
func (e *APIError) Class() Class { return e.class }

// TransportError is a call that ended without an answer from the API: the
// connection failed, the response was lost or timed out, or ctx ended while
// the client waited to retry. It says how many attempts were made and whether
// the request may have reached the server.
type TransportError struct {
	// Operation is the spec's operationId, such as "confirmPayment".
	Operation string
	// Method is the HTTP method (a POST may have changed something; a GET
	// never does).
	Method string
	// Attempts is how many times the request was sent (or tried to be).
	Attempts int
	// MayHaveReachedServer is true when any attempt may have been received
	// and acted on: a failure after a connection was used, a lost response,
	// a 5xx, a 3xx, or a 409 for a request still in flight. False means no
	// attempt can have taken effect (every attempt failed before a
	// connection was used, or got a 429 or a 4xx with a Toss code).
	MayHaveReachedServer bool
	// IdempotencyKey is the key every attempt carried ("" for look-ups).
	IdempotencyKey string
	// Err is the last failure (a net or context error).
	Err error
	// Last is the last answer from the API before ctx ended, if there was
	// one (an *APIError), else nil.
	Last error

	req *request // what the call asked, for Client.Resolve
}

// Error names the operation, the attempts, whether the request may have
// reached the server and the cause.
func (e *TransportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tosspayments: %s: no answer after %d attempt", e.Operation, e.Attempts)
	if e.Attempts != 1 {
		b.WriteByte('s')
	}
	if e.MayHaveReachedServer {
		b.WriteString(" (the request may have reached the server")
	} else {
		b.WriteString(" (the request did not reach the server")
	}
	if e.IdempotencyKey != "" {
		b.WriteString("; idempotency key " + e.IdempotencyKey)
	}
	b.WriteString(", " + e.Class().String() + ")")
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Last != nil {
		b.WriteString("; last answer: " + e.Last.Error())
	}
	return b.String()
}

// Unwrap returns Err and Last, so errors.Is(err, context.Canceled) and
// errors.As(err, &apiErr) work.
func (e *TransportError) Unwrap() []error {
	if e.Last != nil {
		return []error{e.Err, e.Last}
	}
	return []error{e.Err}
}

// Class is ClassOutcomeUnknown for a POST that may have reached the server,
// else ClassRetryable (nothing took effect, or the request was a look-up):
// the decision table's rows for a call without an answer.
func (e *TransportError) Class() Class {
	post := e.Method == http.MethodPost
	return e.decision().classOf(post, e.MayHaveReachedServer)
}

func (e *TransportError) decision() decision {
	return decide(outcome{opID: e.Operation, post: e.Method == http.MethodPost, transport: true, sent: e.MayHaveReachedServer})
}

// ValidationError is a request refused locally, before anything was sent:
// it broke a rule of the OpenAPI document (or the client was misused). It
// names the field and the rule, never the offending value.
type ValidationError struct {
	// Operation is the spec's operationId, such as "confirmPayment".
	Operation string
	// In is where the field is: "body", "path", "header" or "option".
	In string
	// Field names the field: a body property path such as "orderId" or
	// "refundReceiveAccount.accountNumber", or a parameter such as
	// "Idempotency-Key".
	Field string
	// Rule is the rule broken, such as `string doesn't match the regular
	// expression "^[A-Za-z0-9_-]{6,64}$"` or "number must be more than 0".
	Rule string
}

// Error reads "tosspayments: confirmPayment: invalid request: orderId:
// minimum string length is 6 (nothing was sent)".
func (e *ValidationError) Error() string {
	return "tosspayments: " + e.Operation + ": invalid request: " + e.Field + ": " + e.Rule + " (nothing was sent)"
}

// Advice says, in one sentence, what to do after e; for an outcome-unknown
// answer, whether a repeat with the same key can settle it or would only
// replay it.
func (e *APIError) Advice() string { return advice(e.class, e.later, e.IdempotencyKey) }

// Advice says, in one sentence, what to do after e.
func (e *TransportError) Advice() string { return advice(e.Class(), true, e.IdempotencyKey) }

func advice(class Class, later bool, key string) string {
	with := ""
	if key != "" {
		with = " with idempotency key " + key
	}
	switch class {
	case ClassOutcomeUnknown:
		if later {
			return "the outcome is unknown: repeat the call" + with + " (the API replays the first answer or finishes the work), or look the payment up (Client.Resolve) and act on its status; never send it again with a new key"
		}
		return "the outcome is unknown, and repeating the call" + with + " would replay this answer: look the payment up (Client.Resolve) and act on its status; never send it again with a new key"
	case ClassRetryable:
		return "nothing took effect: call again later" + with
	case ClassDeclined:
		return "declined: tell the customer and let them pay another way; do not retry"
	case ClassRejected:
		return "refused for what the request says or the payment's state: fix it; do not retry it unchanged"
	case ClassInvalid:
		return "nothing was sent: fix the request"
	}
	return ""
}

// checkResponse is the one place an answer becomes an error (go-github's
// CheckResponse is the model): a non-2xx; a 2xx that does not decode into the
// spec's payment; one that does not answer the request or whose status is not a
// success (expect.judge); one whose payment records a decline, which becomes a
// declined error carrying the failure's code. Whatever the server sent is
// cleaned (scrubbed of the secrets, then cut) before it is kept.
func checkResponse(k *call, resp *http.Response, data []byte, truncated bool) (*generated.Payment, *APIError) {
	e := &APIError{StatusCode: resp.StatusCode, TraceID: k.meta.TraceID, retryAfter: -1}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		if truncated {
			e.Mismatch = fmt.Sprintf("the payment exceeds %d bytes", maxBody)
			return nil, e
		}
		if k.accept != nil {
			if e.Mismatch = k.accept(data); e.Mismatch != "" {
				return nil, e
			}
			return &generated.Payment{}, nil
		}
		p, why := decodePayment(k.spec, data)
		if why != "" {
			e.Mismatch, e.Payment = why, p
			return nil, e
		}
		v := k.want.judge(p)
		if v.why == "" {
			return p, nil
		}
		e.Mismatch, e.Payment, e.declined = v.why, p, v.declined
		if v.declined {
			e.Code, e.Message = failureOf(p, k.secrets)
		}
		return nil, e
	case s >= 300 && s < 400:
		e.Message = fmt.Sprintf("%d %s: a redirect, which the API never sends; it was not followed and nothing was re-sent", s, http.StatusText(s))
		return nil, e
	}
	e.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	var body generated.Error
	if !truncated && json.Unmarshal(data, &body) == nil && body.Code != "" {
		e.Code = generated.ErrorCode(k.secrets.clean(string(body.Code), maxCodeLen))
		e.Message = k.secrets.clean(body.Message, maxMessageLen)
		return nil, e
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "" {
		ct = "no Content-Type"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, not a Toss error body (%s, %d bytes", http.StatusText(resp.StatusCode), k.secrets.clean(ct, maxCodeLen), len(data))
	if truncated {
		fmt.Fprintf(&b, ", read stopped at %d", len(data))
	}
	b.WriteString(")")
	if s := k.secrets.clean(string(data), maxSnippetLen); s != "" {
		b.WriteString(": ")
		b.WriteString(s)
	}
	e.Message = b.String()
	return nil, e
}

// failureOf is the code and message of a declined payment's failure, cleaned.
func failureOf(p *generated.Payment, secrets secretList) (generated.ErrorCode, string) {
	var code, msg string
	if p.Failure != nil && p.Failure.Code != nil {
		code = *p.Failure.Code
	}
	if p.Failure != nil && p.Failure.Message != nil {
		msg = *p.Failure.Message
	}
	return generated.ErrorCode(secrets.clean(code, maxCodeLen)), secrets.clean(msg, maxMessageLen)
}

// parseRetryAfter reads delay-seconds (capped at a day: more than an int64
// holds too) or an HTTP date; -1 when absent, negative or unreadable.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return -1
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		if s < 0 {
			return -1
		}
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return -1
}

// describeDecodeError says why a payment could not be decoded without
// quoting the response: json and money errors quote the offending value.
func describeDecodeError(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at offset %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" && typ.Value != "object" {
			return "the body is a JSON " + typ.Value + ", not a payment"
		}
		return fmt.Sprintf("field %q: a JSON %s cannot be decoded into %s", typ.Field, typ.Value, typ.Type)
	}
	return "a field has a value of the wrong form"
}
