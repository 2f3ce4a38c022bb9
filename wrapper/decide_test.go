package wrapper

import (
	"errors"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// TestDecide holds every row of the decision table to its outcome, without
// HTTP: for each row, an outcome it decides, whether the loop retries, and
// the class of a look-up and of a POST, alone and after an earlier attempt
// of the call may have reached the server. Every row has a case.
func TestDecide(t *testing.T) {
	t.Parallel()
	const (
		confirm = openapi.OpConfirmPayment
		keyIn   = openapi.OpKeyInPayment
		get     = openapi.OpGetPayment
	)
	type want struct {
		rule                    string
		retry, reached, later   bool
		get, post, postAfterHit Class
	}
	cases := []struct {
		name string
		o    outcome
		want want
	}{
		{"connection refused", outcome{opID: confirm, post: true, transport: true},
			want{"not sent", true, false, true, ClassRetryable, ClassRetryable, ClassOutcomeUnknown}},
		{"timeout after sending", outcome{opID: confirm, post: true, transport: true, sent: true},
			want{"no answer", true, true, true, ClassRetryable, ClassOutcomeUnknown, ClassOutcomeUnknown}},
		{"200 ABORTED with a failure", outcome{opID: keyIn, post: true, sent: true, status: 200, declined: true},
			want{"2xx declined", false, true, false, ClassDeclined, ClassDeclined, ClassDeclined}},
		{"200 of another order", outcome{opID: confirm, post: true, sent: true, status: 200, unverified: true},
			want{"2xx not an answer to this request", false, true, false, ClassOutcomeUnknown, ClassOutcomeUnknown, ClassOutcomeUnknown}},
		{"307", outcome{opID: keyIn, post: true, sent: true, status: 307},
			want{"redirect", false, true, false, ClassRejected, ClassOutcomeUnknown, ClassOutcomeUnknown}},
		{"409 in flight", outcome{opID: confirm, post: true, sent: true, status: 409, code: generated.ErrorCodeIdempotentRequestProcessing},
			want{"409 in flight", true, true, true, ClassOutcomeUnknown, ClassOutcomeUnknown, ClassOutcomeUnknown}},
		{"429", outcome{opID: confirm, post: true, sent: true, status: 429, code: "TOO_MANY_REQUESTS"},
			want{"429", true, false, true, ClassRetryable, ClassRetryable, ClassOutcomeUnknown}},
		{"500", outcome{opID: confirm, post: true, sent: true, status: 500, code: "FAILED_INTERNAL_SYSTEM_PROCESSING"},
			want{"5xx", true, true, true, ClassRetryable, ClassOutcomeUnknown, ClassOutcomeUnknown}},
		{"ALREADY_PROCESSED_PAYMENT on confirm", outcome{opID: confirm, post: true, sent: true, status: 400, code: generated.ErrorCodeAlreadyProcessedPayment},
			want{"already processed", false, true, false, ClassOutcomeUnknown, ClassOutcomeUnknown, ClassOutcomeUnknown}},
		{"DUPLICATED_ORDER_ID on a billing charge", outcome{opID: openapi.OpChargeBillingKey, post: true, sent: true, status: 400, code: generated.ErrorCodeDuplicatedOrderID},
			want{"already processed", false, true, false, ClassOutcomeUnknown, ClassOutcomeUnknown, ClassOutcomeUnknown}},
		{"DUPLICATED_ORDER_ID on key-in", outcome{opID: keyIn, post: true, sent: true, status: 400, code: generated.ErrorCodeDuplicatedOrderID},
			want{"rejected", false, false, false, ClassRejected, ClassRejected, ClassRejected}},
		{"ALREADY_PROCESSED_PAYMENT on key-in", outcome{opID: keyIn, post: true, sent: true, status: 400, code: generated.ErrorCodeAlreadyProcessedPayment},
			want{"spec outcome unknown", false, true, false, ClassOutcomeUnknown, ClassOutcomeUnknown, ClassOutcomeUnknown}},
		{"FORBIDDEN_CONSECUTIVE_REQUEST", outcome{opID: get, sent: true, status: 403, code: generated.ErrorCodeForbiddenConsecutiveRequest},
			want{"consecutive request", false, false, true, ClassRetryable, ClassRetryable, ClassOutcomeUnknown}},
		{"REJECT_CARD_COMPANY", outcome{opID: confirm, post: true, sent: true, status: 403, code: "REJECT_CARD_COMPANY"},
			want{"declined", false, false, false, ClassDeclined, ClassDeclined, ClassDeclined}},
		{"a REJECT_ code the spec does not list", outcome{opID: confirm, post: true, sent: true, status: 403, code: "REJECT_NEW"},
			want{"declined", false, false, false, ClassDeclined, ClassDeclined, ClassDeclined}},
		{"INVALID_REQUEST", outcome{opID: confirm, post: true, sent: true, status: 400, code: "INVALID_REQUEST"},
			want{"rejected", false, false, false, ClassRejected, ClassRejected, ClassRejected}},
		{"a proxy's 403 page", outcome{opID: confirm, post: true, sent: true, status: 403},
			want{"not a Toss error", false, false, true, ClassRejected, ClassRejected, ClassOutcomeUnknown}},
		{"a 1xx", outcome{opID: confirm, post: true, sent: true, status: 101},
			want{"unexpected status", false, true, false, ClassRejected, ClassOutcomeUnknown, ClassOutcomeUnknown}},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		d := decide(tc.o)
		covered[d.rule] = true
		got := want{d.rule, d.retry, d.reached, d.later, d.classOf(false, false), d.classOf(true, false), d.classOf(true, true)}
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
		if d.why == "" {
			t.Errorf("%s: no reason", tc.name)
		}
	}
	for _, r := range decisions {
		if !covered[r.then.rule] {
			t.Errorf("row %q has no case", r.then.rule)
		}
	}
}

// TestIsRetryableFollowsTheTable: IsRetryable is the table's "later" for an
// outcome-unknown answer, true for a retryable class or a transport error.
func TestIsRetryableFollowsTheTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{&APIError{class: ClassOutcomeUnknown, later: true}, true},
		{&APIError{class: ClassOutcomeUnknown, later: false}, false},
		{&APIError{class: ClassRetryable}, true},
		{&APIError{class: ClassDeclined, later: true}, false},
		{&TransportError{Method: "POST", MayHaveReachedServer: true}, true},
		{&ValidationError{}, false},
		{errors.New("x"), false},
	}
	for i, tc := range cases {
		if got := IsRetryable(tc.err); got != tc.want {
			t.Errorf("case %d (%v): IsRetryable = %v, want %v", i, tc.err, got, tc.want)
		}
	}
}

// TestAdvice: an outcome-unknown error that a repeat would only replay says
// to look the payment up, not to repeat; one a repeat can settle says both.
func TestAdvice(t *testing.T) {
	t.Parallel()
	replay := (&APIError{class: ClassOutcomeUnknown, IdempotencyKey: "k1"}).Advice()
	repeat := (&APIError{class: ClassOutcomeUnknown, later: true, IdempotencyKey: "k1"}).Advice()
	if !strings.Contains(replay, "would replay") || !strings.Contains(replay, "Resolve") {
		t.Errorf("replay advice %q", replay)
	}
	if !strings.Contains(repeat, "repeat the call with idempotency key k1") || !strings.Contains(repeat, "Resolve") {
		t.Errorf("repeat advice %q", repeat)
	}
	te := &TransportError{Method: "POST", MayHaveReachedServer: true, IdempotencyKey: "k2"}
	if !strings.Contains(te.Advice(), "k2") {
		t.Errorf("transport advice %q", te.Advice())
	}
	if (&APIError{class: ClassDeclined}).Advice() == "" {
		t.Error("no advice for a decline")
	}
}
