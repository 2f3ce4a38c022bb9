package sandbox_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// within fails when u is over any of l.
func within(t *testing.T, who string, u sandbox.Usage, l sandbox.Limits) {
	t.Helper()
	if u.IdempotencyKeys > l.IdempotencyKeys || u.IdempotencyBytes > l.IdempotencyBytes || u.Payments > l.Payments || u.Cancels > l.Cancels {
		t.Errorf("%s holds %+v, over its limits %+v", who, u, l)
	}
}

// goodFlow runs, for key, a create, the approval at checkout, a confirm and
// a partial cancel, each POST with a fresh idempotency key, and fails on any
// refusal.
func (e *env) goodFlow(key, orderID string) {
	e.t.Helper()
	e.key = key
	p := e.ok("POST", "/v1/payments", createBody(orderID, 10000), "Idempotency-Key", "create-"+orderID)
	if resp := e.checkout(p, "approve"); resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("%s: checkout: %d", orderID, resp.StatusCode)
	}
	done := e.ok("POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": orderID, "amount": 10000}, "Idempotency-Key", "confirm-"+orderID)
	if done.Status != generated.PaymentStatusDone {
		e.t.Fatalf("%s: confirm: %s", orderID, done.Status)
	}
	part := e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "r", "cancelAmount": 2500}, "Idempotency-Key", "cancel-"+orderID)
	if part.Status != generated.PaymentStatusPartialCanceled || part.BalanceAmount.String() != "7500" {
		e.t.Fatalf("%s: cancel: %s %s", orderID, part.Status, part.BalanceAmount)
	}
}

// TestOneKeyFloodsOthersUnaffected: one secret key floods past every limit
// of its own (idempotency keys, cached bytes, payments, cancels) and keeps
// being served, forgetting its oldest entries; a second key's create,
// confirm and cancel then succeed at once, and each key stays within its
// limits.
func TestOneKeyFloodsOthersUnaffected(t *testing.T) {
	t.Parallel()
	tenant := sandbox.Limits{IdempotencyKeys: 60, IdempotencyBytes: 48 << 10, Payments: 40, Cancels: 150}
	global := sandbox.Limits{IdempotencyKeys: 1000, IdempotencyBytes: 1 << 20, Payments: 1000, Cancels: 1000}
	e := setup(t, sandbox.WithTenantLimits(tenant), sandbox.WithGlobalLimits(global))
	const flooder, other = "test_sk_flooder", "test_sk_other"
	e.key = flooder

	// Keys and payments: 150 creates with unique keys, 60 key-ins.
	for i := range 150 {
		e.ok("POST", "/v1/payments", createBody(fmt.Sprintf("order-flood-%04d", i), 1000), "Idempotency-Key", fmt.Sprint("flood-create-", i))
	}
	var keyed []generated.Payment
	for i := range 60 {
		keyed = append(keyed, e.ok("POST", "/v1/payments/key-in", keyInBody(fmt.Sprintf("order-fkey-%04d", i), 100000, "4330123412341234")))
	}
	// Cancels and cached bytes: 100 cancels on each of the three newest
	// key-ins, each answer (which holds every earlier cancel) cached.
	for _, p := range keyed[len(keyed)-3:] {
		for j := range sandbox.MaxCancelsPerPayment {
			e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "flood", "cancelAmount": 10},
				"Idempotency-Key", fmt.Sprintf("flood-cancel-%s-%d", p.OrderID, j))
		}
	}
	u := e.sb.UsageOf(flooder)
	within(t, "the flooding key", u, tenant)
	// Over the cancel limit, the payments with cancels went oldest first:
	// the two older ones; the 38 key-ins without cancels stayed.
	if u.Payments != tenant.Payments-2 || u.Cancels != sandbox.MaxCancelsPerPayment || u.IdempotencyKeys == 0 {
		t.Errorf("the flooding key holds %+v; want 38 payments and 100 cancels", u)
	}
	e.ok("GET", "/v1/payments/"+keyed[len(keyed)-1].PaymentKey, nil)
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/"+keyed[len(keyed)-3].PaymentKey, nil)

	// The other key, at once: nothing refused.
	e.goodFlow(other, "order-other-0001")
	within(t, "the other key", e.sb.UsageOf(other), tenant)
	if u := e.sb.UsageOf(other); u.Payments != 1 || u.IdempotencyKeys != 3 || u.Cancels != 1 {
		t.Errorf("the other key holds %+v, want its 1 payment, 3 keys and 1 cancel", u)
	}
	within(t, "the sandbox", e.sb.Usage(), global)
}

// TestManyKeysStayWithinTheGlobalLimits: more keys than the global limits
// hold, each at its own limits; the sandbox stays within the global limits
// (heavy keys forget their own oldest, else the idlest), and a newcomer is
// served.
func TestManyKeysStayWithinTheGlobalLimits(t *testing.T) {
	t.Parallel()
	tenant := sandbox.Limits{IdempotencyKeys: 30, IdempotencyBytes: 64 << 10, Payments: 20, Cancels: 50}
	global := sandbox.Limits{IdempotencyKeys: 70, IdempotencyBytes: 96 << 10, Payments: 50, Cancels: 80}
	e := setup(t, sandbox.WithTenantLimits(tenant), sandbox.WithGlobalLimits(global))
	for k := range 6 {
		e.key = fmt.Sprintf("test_sk_fleet%02d", k)
		for i := range 25 {
			orderID := fmt.Sprintf("order-f%02d-%04d", k, i)
			p := e.ok("POST", "/v1/payments/key-in", keyInBody(orderID, 10000, "4330123412341234"), "Idempotency-Key", "k-"+orderID)
			e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "r", "cancelAmount": 100}, "Idempotency-Key", "c-"+orderID)
		}
		within(t, e.key, e.sb.UsageOf(e.key), tenant)
		within(t, "the sandbox", e.sb.Usage(), global)
	}
	e.goodFlow("test_sk_newcomer", "order-newcomer-01")
	within(t, "the sandbox", e.sb.Usage(), global)
	if u := e.sb.UsageOf("test_sk_newcomer"); u.Payments != 1 || u.IdempotencyKeys != 3 {
		t.Errorf("the newcomer holds %+v", u)
	}
}
