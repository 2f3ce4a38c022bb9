package wrapper

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// outcome is what one attempt of a call came to, as the decision table sees
// it: no HTTP, only the facts a decision depends on.
type outcome struct {
	opID string // the spec's operationId
	post bool   // its method is POST
	// sent is false when the attempt is known not to have reached the
	// server (it failed before its body was written, or while connecting).
	sent      bool
	transport bool // no answer came back (a connection failure, a timeout, an answer whose body was lost)
	status    int  // the answer's HTTP status
	code      generated.ErrorCode
	// unverified: a 2xx that does not answer the request (an undecodable
	// body, a missing required key, another payment, not a success).
	unverified bool
	declined   bool // a 2xx whose payment records a decline (ABORTED or EXPIRED with a failure)
}

// decision is what to do after an attempt, and what it means.
type decision struct {
	rule    string // the row of the table that matched
	retry   bool   // send the same request again, with the same idempotency key
	reached bool   // the request may have reached the server and been acted on
	// replayed: the answer is a Toss answer about the idempotency key that a
	// repeat would replay; it settles what an earlier attempt did.
	replayed bool
	// later: calling again later, with the same key, is safe and may give
	// another answer (IsRetryable), even when the loop does not retry now.
	later     bool
	reconcile bool   // settle the answer by looking the payment up (see resolve.go, reconcile)
	get, post Class  // the class of the answer for a look-up and a POST
	why       string // the reason logged and put into errors
}

// rule is one row of the decision table: the first row whose when holds decides.
type rule struct {
	when func(o outcome) bool
	then decision
}

// decisions is every retry and class decision of the client, in order. The
// attempt loop asks decide and does what it says; nothing else decides.
var decisions = []rule{
	{func(o outcome) bool { return o.transport && !o.sent }, decision{
		rule: "not sent", retry: true, later: true, get: ClassRetryable, post: ClassRetryable,
		why: "transport failure before the request was sent"}},
	{func(o outcome) bool { return o.transport }, decision{
		rule: "no answer", retry: true, reached: true, later: true, get: ClassRetryable, post: ClassOutcomeUnknown,
		why: "transport failure after the request may have been sent"}},
	{func(o outcome) bool { return o.declined }, decision{
		rule: "2xx declined", reached: true, replayed: true, get: ClassDeclined, post: ClassDeclined,
		why: "the payment answered is ABORTED or EXPIRED with a failure: declined, never retried"}},
	{func(o outcome) bool { return o.unverified }, decision{
		rule: "2xx not an answer to this request", reached: true, get: ClassOutcomeUnknown, post: ClassOutcomeUnknown,
		why: "the 2xx does not answer this request; a repeat with the same key would replay it"}},
	{func(o outcome) bool { return o.status >= 300 && o.status < 400 }, decision{
		rule: "redirect", reached: true, get: ClassRejected, post: ClassOutcomeUnknown,
		why: "a redirect, which the API never sends; not followed, nothing was re-sent"}},
	{func(o outcome) bool {
		return o.status == 409 && o.code == generated.ErrorCodeIdempotentRequestProcessing
	}, decision{
		rule: "409 in flight", retry: true, reached: true, later: true, get: ClassOutcomeUnknown, post: ClassOutcomeUnknown,
		why: "409 IDEMPOTENT_REQUEST_PROCESSING: an earlier request with this key is still in flight"}},
	{func(o outcome) bool { return o.status == 429 }, decision{
		rule: "429", retry: true, later: true, get: ClassRetryable, post: ClassRetryable,
		why: "429: rate limited"}},
	{func(o outcome) bool { return o.status >= 500 }, decision{
		rule: "5xx", retry: true, reached: true, later: true, get: ClassRetryable, post: ClassOutcomeUnknown,
		why: "server error"}},
	{func(o outcome) bool {
		return o.opID == openapi.OpConfirmPayment && o.code == generated.ErrorCodeAlreadyProcessedPayment ||
			o.opID == openapi.OpChargeBillingKey && o.code == generated.ErrorCodeDuplicatedOrderID
	}, decision{
		rule: "already processed", reached: true, replayed: true, reconcile: true, get: ClassOutcomeUnknown, post: ClassOutcomeUnknown,
		why: "the payment was confirmed (ALREADY_PROCESSED_PAYMENT) or the order charged (DUPLICATED_ORDER_ID) before; looked up to see by what"}},
	{func(o outcome) bool { return generated.IsOutcomeUnknownErrorCode(o.opID, o.code) }, decision{
		rule: "spec outcome unknown", reached: true, replayed: true, get: ClassOutcomeUnknown, post: ClassOutcomeUnknown,
		why: "the spec's x-toss-outcome-unknown code: the request may have taken effect"}},
	{func(o outcome) bool { return o.code == generated.ErrorCodeForbiddenConsecutiveRequest }, decision{
		rule: "consecutive request", later: true, get: ClassRetryable, post: ClassRetryable,
		why: "FORBIDDEN_CONSECUTIVE_REQUEST: too many requests in a row; call again later"}},
	{func(o outcome) bool {
		return o.status >= 400 && (generated.IsDeclinedErrorCode(o.code) || strings.HasPrefix(string(o.code), "REJECT_"))
	}, decision{
		// The spec's x-toss-declined, and Toss's naming of declines for
		// REJECT_ codes the spec does not list yet.
		rule: "declined", replayed: true, get: ClassDeclined, post: ClassDeclined,
		why: "declined: a definitive answer, never retried"}},
	{func(o outcome) bool { return o.status >= 400 && o.code != "" }, decision{
		rule: "rejected", replayed: true, get: ClassRejected, post: ClassRejected,
		why: "a definitive Toss answer, never retried"}},
	{func(o outcome) bool { return o.status >= 400 }, decision{
		rule: "not a Toss error", later: true, get: ClassRejected, post: ClassRejected,
		why: "an error answer that is not a Toss error body (a proxy?)"}},
	{func(outcome) bool { return true }, decision{
		rule: "unexpected status", reached: true, get: ClassRejected, post: ClassOutcomeUnknown,
		why: "a status the API does not send"}},
}

// decide returns the decision of the first row of decisions that matches o.
func decide(o outcome) decision {
	for _, r := range decisions {
		if r.when(o) {
			return r.then
		}
	}
	panic("unreachable: the last row matches every outcome")
}

// classOf is the class of an answer, given whether any attempt of the call
// may have reached the server. After such an attempt of a POST, only an
// answer Toss replays for the key (a 4xx with a Toss code) says what
// happened; any other last answer leaves the outcome unknown.
func (d decision) classOf(post, reachedBefore bool) Class {
	if !post {
		return d.get
	}
	if reachedBefore && !d.replayed {
		return ClassOutcomeUnknown
	}
	return d.post
}

// DefaultRetryPolicy is the retry policy of New: 2 retries after the first
// attempt, with full-jitter backoff from 0 up to 250ms, 500ms, ... capped at 5s.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second}

// RetryPolicy bounds the retries of one call. The n-th retry waits a random
// duration in [0, min(MaxDelay, BaseDelay×2^(n-1))] ("full jitter"), or the
// server's Retry-After when it sends one (a Retry-After longer than MaxDelay
// ends the retries instead).
type RetryPolicy struct {
	// MaxAttempts is the most times a request is sent, the first included:
	// 1 disables retries. At most 10.
	MaxAttempts int
	// BaseDelay is the backoff bound of the first retry.
	BaseDelay time.Duration
	// MaxDelay caps every wait.
	MaxDelay time.Duration
}

// wait applies the retry policy to a decision: the delay before the next
// attempt (Retry-After or backoff), and why; retry is false when decide
// said no, no attempt is left, Retry-After is too long, or ctx ends first.
func (p RetryPolicy) wait(ctx context.Context, d decision, attempt int, answer *APIError) (time.Duration, string, bool) {
	why := d.why
	if answer != nil && answer.StatusCode >= 500 {
		why = strconv.Itoa(answer.StatusCode) + ": " + why
	}
	if !d.retry {
		return 0, why, false
	}
	retryAfter := time.Duration(-1)
	if answer != nil {
		retryAfter = answer.retryAfter
	}
	var delay time.Duration
	switch {
	case attempt >= p.MaxAttempts:
		return 0, fmt.Sprintf("%s; no attempts left (%d made)", why, attempt), false
	case retryAfter > p.MaxDelay:
		return 0, fmt.Sprintf("%s; Retry-After %s exceeds the maximum delay %s", why, retryAfter, p.MaxDelay), false
	case retryAfter >= 0:
		delay, why = retryAfter, why+"; waiting Retry-After"
	default:
		delay = p.backoff(attempt)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
		return 0, fmt.Sprintf("%s; ctx ends before the next attempt (in %s)", why, delay), false
	}
	return delay, why, true
}

// backoff is the full-jitter wait before retry n (n = 1 after the first
// attempt): uniform in [0, min(MaxDelay, BaseDelay×2^(n-1))].
func (p RetryPolicy) backoff(n int) time.Duration {
	bound := p.MaxDelay
	if n-1 < 32 {
		if d := p.BaseDelay << (n - 1); d > 0 && d < bound {
			bound = d
		}
	}
	if bound <= 0 {
		return 0
	}
	return rand.N(bound + 1)
}
