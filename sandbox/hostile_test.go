package sandbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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

// Keys rotating through the sandbox's bound on deliveries, each holding its
// share, must not drop a bystander's delivery that waits for its retry: a
// heavy key forgets its own oldest.
func TestHeavyKeysDoNotDropABystandersPendingDelivery(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // connections are refused from now on
	e := hooked(t, sandbox.WithWebhookLimits(4, 8))
	e.register(deadURL)
	e.paid("order-bystander-wh", 1000)
	ds := e.settle("retried", attempts(1))
	if ds[0].State != sandbox.WebhookPending {
		t.Fatalf("the bystander's delivery is %s, want pending its retry", ds[0].State)
	}
	for i := range 3 {
		h := *e
		h.key = fmt.Sprintf("test_sk_hostilewh%d", i)
		h.register(deadURL)
	}
	for i := range 12 {
		h := *e
		h.key = fmt.Sprintf("test_sk_hostilewh%d", i%3)
		h.paid(fmt.Sprintf("order-hostile-wh-%02d", i), 1000)
	}
	if ds := e.sb.WebhookDeliveries(e.key, ""); len(ds) != 1 || ds[0].State != sandbox.WebhookPending {
		t.Errorf("the bystander's deliveries after the flood: %+v, want its one delivery still pending", ds)
	}
	if st := e.sb.WebhookStats(); st.Dropped == 0 {
		t.Errorf("stats %+v: the hostile keys dropped none of their own", st)
	}
}
