package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

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
	deadURL := refusedURL()
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

// Requests asking for a delay hold their connections; a key may have only
// a few paused at once (and the sandbox a quarter of its connections), so
// delay=1m on every connection cannot keep everyone else waiting.
func TestDelayFaultsUnderWayAreBounded(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for i := range 4 {
		j, _ := json.Marshal(createBody(fmt.Sprintf("order-delayed-%d", i), 1000))
		req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/v1/payments", bytes.NewReader(j))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", basic(e.key))
		req.Header.Set(sandbox.FaultHeader, "delay=1m")
		req.Header.Set("Idempotency-Key", fmt.Sprint("delayed-", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	for e.sb.InFlight() < 4 {
		time.Sleep(5 * time.Millisecond)
	}
	msg := e.fails(http.StatusTooManyRequests, generated.ErrorCodeTooManyRequests, "POST", "/v1/payments", createBody("order-delayed-5", 1000),
		sandbox.FaultHeader, "delay=1m")
	if !strings.Contains(msg, "delayed requests") {
		t.Errorf("the refusal says %q", msg)
	}
	other := *e
	other.key = "test_sk_anotherkey0000000000"
	other.ok("POST", "/v1/payments", createBody("order-delayed-o", 1000), sandbox.FaultHeader, "delay=1ms")
	cancel()
	wg.Wait()
	// The slots are given back once the paused requests end (their
	// handlers finish after their clients went away): the key pauses again.
	for i := 0; ; i++ {
		resp, b := e.do("POST", "/v1/payments", createBody("order-delayed-6", 1000), sandbox.FaultHeader, "delay=1ms")
		if resp.StatusCode == http.StatusOK {
			break
		}
		if resp.StatusCode != http.StatusTooManyRequests || i > 400 {
			t.Fatalf("after the paused requests ended: %d %s", resp.StatusCode, b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Eighty keys, each under 1/64 of the sandbox's bound on payments, rotating
// through it (each more recently active than a bystander that looks up its
// payment every round) must not drain the bystander: of the few idlest
// tenants, the one holding the most pays.
func TestMediumKeysDoNotDrainAnActiveBystander(t *testing.T) {
	global := sandbox.DefaultGlobalLimits
	global.Payments = 640
	e := setup(t, sandbox.WithGlobalLimits(global))
	bystander := e.key
	for i := range 5 {
		e.ok("POST", "/v1/payments", createBody(fmt.Sprintf("order-bystander-%d", i), 1000))
	}
	for round := range 12 {
		for k := range 80 {
			e.key = fmt.Sprintf("test_sk_medium%02d", k)
			e.ok("POST", "/v1/payments", createBody(fmt.Sprintf("order-medium-%02d-%02d", k, round), 1000))
		}
		e.key = bystander
		e.ok("GET", "/v1/payments/orders/order-bystander-4", nil) // active every round
		if n := len(e.sb.Payments(bystander)); n != 5 {
			t.Fatalf("round %d: the bystander holds %d of its 5 payments", round, n)
		}
	}
	if u := e.sb.Usage(); u.Payments > 640 {
		t.Errorf("the sandbox holds %d payments, bound 640", u.Payments)
	}
}

// Keys each under 1/64 of the bound on idempotency answers, rotating
// through it, must not forget the answer of a bystander's cancel that is
// only a little idler than all of them.
func TestMediumKeysDoNotForgetABystandersIdempotencyAnswer(t *testing.T) {
	global := sandbox.DefaultGlobalLimits
	global.IdempotencyKeys = 640
	e := setup(t, sandbox.WithGlobalLimits(global))
	p := e.paid("order-bystander-2", 15000)
	cancel := "/v1/payments/" + p.PaymentKey + "/cancel"
	body := map[string]any{"cancelReason": "returned", "cancelAmount": 1000}
	e.ok("POST", cancel, body, "Idempotency-Key", "cancel-once")
	bystander := e.key
	for round := range 12 {
		for k := range 80 {
			e.key = fmt.Sprintf("test_sk_mediumidem%02d", k)
			e.do("POST", "/v1/payments/confirm", map[string]any{"paymentKey": "nosuchpayment", "orderId": "order-nosuch", "amount": 1000},
				"Idempotency-Key", fmt.Sprint("m-", round))
		}
		e.key = bystander
		if round%2 == 1 { // active every other round, holding less than each of them
			e.ok("POST", "/v1/payments", createBody(fmt.Sprintf("order-bystander-r%02d", round), 1000), "Idempotency-Key", fmt.Sprint("r-", round))
		}
	}
	resp, _ := e.do("POST", cancel, body, "Idempotency-Key", "cancel-once")
	if resp.Header.Get(sandbox.ReplayHeader) != "true" {
		t.Errorf("the retry of the cancel is no replay (status %d): refunded twice", resp.StatusCode)
	}
}

// Eighty keys each under 1/64 of the bound on deliveries, rotating through
// it, must not drop a bystander's delivery that waits for its retry: of the
// few idlest keys, the one holding the most forgets.
func TestManyKeysDoNotDropABystandersPendingDelivery(t *testing.T) {
	t.Parallel()
	deadURL := refusedURL()
	e := hooked(t, sandbox.WithWebhookLimits(16, 1024))
	e.register(deadURL)
	e.paid("order-bystander-wh2", 1000)
	e.settle("retried", attempts(1))
	for i := range 80 {
		h := *e
		h.key = fmt.Sprintf("test_sk_manywh%02d", i)
		h.register(deadURL)
	}
	for i := range 80 * 14 {
		h := *e
		h.key = fmt.Sprintf("test_sk_manywh%02d", i%80)
		if resp, b := h.do("POST", "/sandbox/v1/triggers/payment.done", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("trigger: %d %s", resp.StatusCode, b)
		}
	}
	if ds := e.sb.WebhookDeliveries(e.key, ""); len(ds) != 1 || ds[0].State != sandbox.WebhookPending {
		t.Errorf("the bystander's deliveries after the flood: %d, want its one delivery still pending", len(ds))
	}
}

// A dashboard's stream of calls ends when its session is signed out: a
// stolen cookie's open stream does not keep reading the key's calls after
// its owner signed out.
func TestDashboardStreamEndsAtLogout(t *testing.T) {
	t.Parallel()
	e := setupDirect(t)
	b := e.signIn(e.key)
	s := b.stream()
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-before-logout", nil)
	if ev, data := s.next(t); ev != "rows" || !strings.Contains(data, "order-before-logout") {
		t.Fatalf("before the logout: %s %s", ev, data)
	}
	if resp, _ := b.post("/sandbox/dashboard/logout", url.Values{"csrf": {b.csrf()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-after-logout", nil)
	if ev, data := s.next(t); ev != "end" || strings.Contains(data, "order-after-logout") {
		t.Errorf("after the logout the stream sent %s %s, want its end", ev, data)
	}
}
