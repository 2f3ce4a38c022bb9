package sandbox_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// A few keys of a hostile user, each holding its share of the sandbox's
// idempotency answers and rotating so that each stays more recently active
// than a bystander, must not cost the bystander the answer of its partial
// cancel: the cancel's retry with the same Idempotency-Key is a replay, not
// a second refund.
func TestHeavyKeysDoNotForgetABystandersIdempotencyAnswer(t *testing.T) {
	tenant := sandbox.DefaultTenantLimits
	tenant.IdempotencyKeys = 10
	global := sandbox.DefaultGlobalLimits
	global.IdempotencyKeys = 30
	e := setup(t, sandbox.WithTenantLimits(tenant), sandbox.WithGlobalLimits(global))
	p := e.paid("order-bystander-1", 15000)
	cancel := "/v1/payments/" + p.PaymentKey + "/cancel"
	body := map[string]any{"cancelReason": "returned", "cancelAmount": 1000}
	first := e.ok("POST", cancel, body, "Idempotency-Key", "cancel-once")
	if first.BalanceAmount.String() != "14000" {
		t.Fatalf("balance %s after the cancel, want 14000", first.BalanceAmount)
	}
	bystander := e.key
	for i := range 40 {
		e.key = fmt.Sprintf("test_sk_hostile%d", i%4)
		resp, _ := e.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": "nosuchpayment", "orderId": "order-nosuch", "amount": 1000},
			"Idempotency-Key", fmt.Sprint("h-", i))
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("hostile confirm: status %d", resp.StatusCode)
		}
	}
	e.key = bystander
	resp, b := e.do("POST", cancel, body, "Idempotency-Key", "cancel-once")
	if resp.StatusCode != http.StatusOK || resp.Header.Get(sandbox.ReplayHeader) != "true" {
		t.Errorf("retry of the cancel: status %d, replay %q, want a replay: %s", resp.StatusCode, resp.Header.Get(sandbox.ReplayHeader), b)
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.BalanceAmount.String() != "14000" || got.Status != generated.PaymentStatusPartialCanceled {
		t.Errorf("balance %s (%s) after the retry, want 14000: refunded twice", got.BalanceAmount, got.Status)
	}
}
