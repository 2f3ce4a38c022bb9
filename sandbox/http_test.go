package sandbox_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	e := setup(t)
	get := "/v1/payments/orders/order-auth-0001"
	e.fails(401, generated.ErrorCodeUnauthorizedKey, "GET", get, nil, "Authorization", "<none>")
	e.fails(403, generated.ErrorCodeIncorrectBasicAuthFormat, "GET", get, nil, "Authorization", "Basic "+b64(e.key))
	e.fails(401, generated.ErrorCodeUnauthorizedKey, "GET", get, nil, "Authorization", "Basic "+e.key+":")
	if msg := e.fails(401, generated.ErrorCodeUnauthorizedKey, "GET", get, nil, "Authorization", basic("live_sk_abcdef"), "Accept-Language", "en-US"); !strings.Contains(msg, "never takes live keys") {
		t.Errorf("live key message %q", msg)
	}
	e.fails(401, generated.ErrorCodeUnauthorizedKey, "GET", get, nil, "Authorization", basic("test_ck_abcdef"))
	e.fails(401, generated.ErrorCodeUnauthorizedKey, "GET", get, nil, "Authorization", basic("whatever"))
	e.fails(403, generated.ErrorCodeIncorrectBasicAuthFormat, "POST", "/v1/payments", createBody("order-auth-0001", 1000), "Authorization", "Basic "+b64(e.key))

	// Payments are isolated per secret key; widget keys work too.
	p := e.ok("POST", "/v1/payments", createBody("order-auth-0001", 1000))
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/"+p.PaymentKey, nil, "Authorization", basic("test_gsk_other"))
	e.ok("POST", "/v1/payments", createBody("order-auth-0001", 1000), "Authorization", basic("test_gsk_other"))

	// An allow-list admits only its keys.
	a := setup(t, sandbox.WithAllowedKeys("test_sk_allowed"))
	a.fails(401, generated.ErrorCodeUnauthorizedKey, "GET", get, nil)
	a.fails(404, generated.ErrorCodeNotFoundPayment, "GET", get, nil, "Authorization", basic("test_sk_allowed"))
	if _, err := sandbox.New(sandbox.WithAllowedKeys("live_sk_x")); err == nil {
		t.Error("WithAllowedKeys took a live key")
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := createBody("order-val-0001", 1000)
	delete(body, "orderId")
	msg := e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments", body)
	if !strings.Contains(msg, "orderId") || !strings.Contains(msg, "required") {
		t.Errorf("missing field message %q does not name the field and the rule", msg)
	}
	msg = e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments", createBody("bad id!", 1000))
	if !strings.Contains(msg, "orderId") || !strings.Contains(msg, "pattern") {
		t.Errorf("pattern message %q", msg)
	}
	msg = e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments", createBody("order-val-0002", -5))
	if !strings.Contains(msg, "amount") {
		t.Errorf("amount message %q", msg)
	}
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments", `{"method":`)
	e.fails(400, generated.ErrorCodeNotSupportedMethod, "POST", "/v1/payments", map[string]any{"method": "TRANSFER", "amount": 1000, "orderId": "order-val-0003", "orderName": "x", "returnUrl": "http://x.example/r"})
	e.fails(400, generated.ErrorCodeInvalidFlowModeParameters, "POST", "/v1/payments", map[string]any{"method": "CARD", "amount": 1000, "orderId": "order-val-0013", "orderName": "x", "returnUrl": "http://x.example/r", "flowMode": "DIRECT"})
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments", map[string]any{"method": "CARD", "amount": 1000.5, "orderId": "order-val-0004", "orderName": "x", "returnUrl": "http://x.example/r"})
	e.fails(400, generated.ErrorCodeBelowMinimumAmount, "POST", "/v1/payments", createBody("order-val-0005", 50))
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments/key-in", map[string]any{"amount": 1000, "orderId": "order-val-0006", "orderName": "x", "cardNumber": "4330123412341234", "cardExpirationYear": "2029", "cardExpirationMonth": "07", "customerIdentityNumber": "881212"})

	// Body cap.
	big := `{"cancelReason":"` + strings.Repeat("x", sandbox.DefaultMaxBodyBytes) + `"}`
	if msg := e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments/somekey/cancel", big); !strings.Contains(msg, "larger than") {
		t.Errorf("body cap message %q", msg)
	}

	// Unknown paths and wrong methods.
	e.fails(404, generated.ErrorCodeInvalidRequest, "GET", "/v2/payments", nil)
	resp, b := e.do("DELETE", "/v1/payments/somekey", nil)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET" || !strings.Contains(string(b), "INVALID_REQUEST") {
		t.Errorf("DELETE: %d Allow=%q %s", resp.StatusCode, resp.Header.Get("Allow"), b)
	}
	resp, _ = e.do("GET", "/v1/payments/confirm/x", nil)
	if resp.StatusCode != 404 {
		t.Errorf("GET unknown path: %d", resp.StatusCode)
	}
	resp, _ = e.do("PUT", "/v1/payments", nil)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("PUT /v1/payments: %d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// A path parameter no payment can have is a 404 NOT_FOUND_PAYMENT.
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/abc", nil)

	// Idempotency keys: 300 characters pass, 301 do not.
	e.ok("POST", "/v1/payments", createBody("order-val-0010", 1000), "Idempotency-Key", strings.Repeat("k", 300))
	e.fails(400, generated.ErrorCodeInvalidIdempotencyKey, "POST", "/v1/payments", createBody("order-val-0011", 1000), "Idempotency-Key", strings.Repeat("k", 301))
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	e := setup(t)
	first := e.ok("POST", "/v1/payments", createBody("order-idem-0001", 1000), "Idempotency-Key", "k1")
	// Same key, other body: the first response is replayed.
	resp, b := e.do("POST", "/v1/payments", createBody("order-idem-0002", 9000), "Idempotency-Key", "k1")
	var again generated.Payment
	_ = json.Unmarshal(b, &again)
	if resp.StatusCode != 200 || again.PaymentKey != first.PaymentKey || resp.Header.Get(sandbox.ReplayHeader) != "true" {
		t.Fatalf("replay: %d %s", resp.StatusCode, b)
	}
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-idem-0002", nil)
	// Errors are replayed too.
	e.fails(400, generated.ErrorCodeDuplicatedOrderID, "POST", "/v1/payments", createBody("order-idem-0001", 1000), "Idempotency-Key", "k2")
	e.fails(400, generated.ErrorCodeDuplicatedOrderID, "POST", "/v1/payments", createBody("order-idem-0003", 1000), "Idempotency-Key", "k2")
	// Another secret key or another path is another identity.
	e.ok("POST", "/v1/payments", createBody("order-idem-0001", 1000), "Idempotency-Key", "k1", "Authorization", basic("test_sk_second"))
	e.fails(404, generated.ErrorCodeNotFoundPayment, "POST", "/v1/payments/confirm", map[string]any{"paymentKey": "x", "orderId": "order-idem-0001", "amount": 1000}, "Idempotency-Key", "k1")
	// After 15 days the key is forgotten.
	e.clock.Advance(openapi.IdempotencyWindow + time.Second)
	e.ok("POST", "/v1/payments", createBody("order-idem-0004", 1000), "Idempotency-Key", "k1")

	// A duplicate while the first is in flight gets 409.
	p := e.ok("POST", "/v1/payments/key-in", keyInBody("order-idem-0005", 15000, "4330123412341234"))
	cancel := "/v1/payments/" + p.PaymentKey + "/cancel"
	var wg sync.WaitGroup
	wg.Add(1)
	var slow generated.Payment
	go func() {
		defer wg.Done()
		slow = e.ok("POST", cancel, map[string]any{"cancelReason": "slow", "cancelAmount": 1000}, "Idempotency-Key", "c1", sandbox.FaultHeader, "delay=2s")
	}()
	waitInFlight(t, e.sb, 1)
	e.fails(409, generated.ErrorCodeIdempotentRequestProcessing, "POST", cancel, map[string]any{"cancelReason": "slow", "cancelAmount": 1000}, "Idempotency-Key", "c1")
	wg.Wait()
	if n := e.sb.InFlight(); n != 0 {
		t.Errorf("in flight after the answer: %d keys", n)
	}
	replay := e.ok("POST", cancel, map[string]any{"cancelReason": "slow", "cancelAmount": 1000}, "Idempotency-Key", "c1")
	if replay.BalanceAmount.String() != "14000" || slow.BalanceAmount.String() != "14000" {
		t.Errorf("balance after one cancel replayed: %s / %s", replay.BalanceAmount, slow.BalanceAmount)
	}
}

func TestTestCode(t *testing.T) {
	t.Parallel()
	e := setup(t)
	confirm := map[string]any{"paymentKey": "x", "orderId": "order-tc-0001", "amount": 1000}
	e.fails(403, generated.ErrorCodeRejectCardCompany, "POST", "/v1/payments/confirm", confirm, "TossPayments-Test-Code", "REJECT_CARD_COMPANY")
	e.fails(404, generated.ErrorCodeNotFoundPaymentSession, "POST", "/v1/payments/confirm", confirm, "TossPayments-Test-Code", "NOT_FOUND_PAYMENT_SESSION")
	e.fails(500, generated.ErrorCodeFailedPaymentInternalSystemProcessing, "POST", "/v1/payments/confirm", confirm, "TossPayments-Test-Code", "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING")
	e.fails(400, generated.ErrorCodeInvalidCardExpiration, "POST", "/v1/payments/key-in", keyInBody("order-tc-0002", 1000, "4330123412341234"), "TossPayments-Test-Code", "INVALID_CARD_EXPIRATION")
	e.fails(403, generated.ErrorCodeForbiddenConsecutiveRequest, "GET", "/v1/payments/some", nil, "TossPayments-Test-Code", "FORBIDDEN_CONSECUTIVE_REQUEST")
	e.fails(400, generated.ErrorCodeInvalidRequest, "GET", "/v1/payments/some", nil, "TossPayments-Test-Code", "INVALID_REQUEST")
	e.fails(400, generated.ErrorCodeInvalidRequest, "GET", "/v1/payments/orders/order-tc-0003", nil, "TossPayments-Test-Code", "INVALID_REQUEST")
	e.fails(403, generated.ErrorCodeNotCancelableAmount, "POST", "/v1/payments/some/cancel", map[string]any{"cancelReason": "x"}, "TossPayments-Test-Code", "NOT_CANCELABLE_AMOUNT")
	msg := e.fails(400, generated.ErrorCodeInvalidTestCode, "POST", "/v1/payments/confirm", confirm, "TossPayments-Test-Code", "NOT_A_CODE")
	if !strings.Contains(msg, "TossPayments-Test-Code") {
		t.Errorf("unknown test code message %q", msg)
	}
	// Nothing was processed.
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-tc-0002", nil)
}

func TestEnglish(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.ok("POST", "/v1/payments/key-in", keyInBody("order-en-0001", 15000, "4330123412341234"), "Accept-Language", "en-US")
	if *p.Method != generated.PaymentMethodCard || p.Card.CardType != generated.CardTypeCredit || p.Card.OwnerType != generated.OwnerTypePersonal {
		t.Errorf("English payment: method %s cardType %s ownerType %s", *p.Method, p.Card.CardType, p.Card.OwnerType)
	}
	ko := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
	if *ko.Method != generated.PaymentMethodCardKo || ko.Card.CardType != generated.CardTypeCreditKo {
		t.Errorf("Korean payment: %s %s", *ko.Method, ko.Card.CardType)
	}
	// A corporate card (10-digit business number): Toss publishes no English
	// ownerType for it, so the sandbox keeps the Korean value.
	corp := keyInBody("order-en-0002", 15000, "4330123412341234")
	corp["customerIdentityNumber"] = "1234567890"
	if c := e.ok("POST", "/v1/payments/key-in", corp, "Accept-Language", "en-US"); c.Card.OwnerType != generated.OwnerTypeCorporateKo || c.Card.CardType != generated.CardTypeCredit {
		t.Errorf("English corporate card: cardType %s ownerType %s", c.Card.CardType, c.Card.OwnerType)
	}
	msg := e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/none", nil, "Accept-Language", "en-US")
	if msg != "The payment does not exist." {
		t.Errorf("English message %q", msg)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.fails(500, generated.ErrorCodeFailedInternalSystemProcessing, "POST", "/v1/payments", createBody("order-fault-0001", 1000), sandbox.FaultHeader, "error-before")
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-fault-0001", nil)
	resp, _ := e.do("POST", "/v1/payments", createBody("order-fault-0001", 1000), sandbox.FaultHeader, "rate-limit")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("rate-limit: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments", createBody("order-fault-0001", 1000), sandbox.FaultHeader, "explode")

	// drop-after-commit: the connection closes unanswered, the payment exists,
	// and a retry with the same key reads the committed answer.
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/payments", strings.NewReader(`{"method":"CARD","amount":1000,"orderId":"order-fault-0002","orderName":"x","returnUrl":"http://x.example/r"}`))
	req.Header.Set("Authorization", basic(e.key))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "drop-1")
	req.Header.Set(sandbox.FaultHeader, "drop-after-commit")
	// A fresh connection: Go's transport retries a request that carries an
	// Idempotency-Key when a reused connection closes.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("drop-after-commit answered %d", resp.StatusCode)
	}
	stored := e.ok("GET", "/v1/payments/orders/order-fault-0002", nil)
	retry := e.ok("POST", "/v1/payments", createBody("order-fault-0002", 1000), "Idempotency-Key", "drop-1")
	if retry.PaymentKey != stored.PaymentKey {
		t.Errorf("retry after drop: %s, stored %s", retry.PaymentKey, stored.PaymentKey)
	}
	got := e.sb.FaultCounts()
	if got.ErrorBefore != 1 || got.RateLimit != 1 || got.DropAfterCommit != 1 {
		t.Errorf("counters: %+v", got)
	}
	if n := len(e.sb.Payments(e.key)); n != 1 {
		t.Errorf("store holds %d payments, want 1", n)
	}
	if n := e.sb.InFlight(); n != 0 {
		t.Errorf("a dropped request left %d keys in flight", n)
	}
}

func TestRandomFaultsAreReproducible(t *testing.T) {
	t.Parallel()
	rates, err := sandbox.ParseFaults("drop-after-commit=0.2,error-before=0.1,rate-limit=0.05")
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64) (string, sandbox.FaultCounts) {
		e := setup(t, sandbox.WithFaults(rates), sandbox.WithSeed(seed))
		e.hc.Transport = &http.Transport{DisableKeepAlives: true}
		var out strings.Builder
		for i := 0; i < 100; i++ {
			req, _ := http.NewRequest("GET", e.srv.URL+"/v1/payments/none", nil)
			req.Header.Set("Authorization", basic(e.key))
			resp, err := e.hc.Do(req)
			if err != nil {
				out.WriteString("x")
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			out.WriteString(http.StatusText(resp.StatusCode)[:1])
		}
		return out.String(), e.sb.FaultCounts()
	}
	a, ca := run(7)
	b, cb := run(7)
	if a != b || ca != cb {
		t.Fatalf("same seed, different faults:\n%s %+v\n%s %+v", a, ca, b, cb)
	}
	if ca.DropAfterCommit == 0 || ca.ErrorBefore == 0 || ca.RateLimit == 0 {
		t.Errorf("100 requests met no fault of some kind: %+v (%s)", ca, a)
	}
	for _, bad := range []string{"drop-after-commit=2", "nope=0.1", "error-before", "error-before=0.6,rate-limit=0.6"} {
		if _, err := sandbox.ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) took it", bad)
		}
	}
}

// TestLimitsForgetTheOldest: a secret key at one of its limits forgets its
// own oldest payments or answered idempotency keys; it is never refused.
func TestLimitsForgetTheOldest(t *testing.T) {
	t.Parallel()
	e := setup(t, sandbox.WithMaxPayments(2))
	first := e.ok("POST", "/v1/payments", createBody("order-cap-0001", 1000))
	e.ok("POST", "/v1/payments/key-in", keyInBody("order-cap-0002", 1000, "4330123412341234"))
	e.ok("POST", "/v1/payments/key-in", keyInBody("order-cap-0003", 1000, "4330123412341234"))
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/"+first.PaymentKey, nil)
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-cap-0001", nil)
	if n := len(e.sb.Payments(e.key)); n != 2 {
		t.Errorf("%d payments kept, want 2", n)
	}
	// The order ID of a forgotten payment is free again.
	e.ok("POST", "/v1/payments", createBody("order-cap-0001", 1000))

	i := setup(t, sandbox.WithMaxIdempotencyKeys(1))
	a := i.ok("POST", "/v1/payments", createBody("order-cap-0001", 1000), "Idempotency-Key", "a")
	i.ok("POST", "/v1/payments", createBody("order-cap-0002", 1000), "Idempotency-Key", "b")
	// "a" was forgotten: the request runs again, and meets its own order ID.
	i.fails(400, generated.ErrorCodeDuplicatedOrderID, "POST", "/v1/payments", createBody("order-cap-0001", 1000), "Idempotency-Key", "a")
	if got := i.ok("GET", "/v1/payments/"+a.PaymentKey, nil); got.PaymentKey != a.PaymentKey {
		t.Errorf("the payment of a forgotten key is gone: %+v", got)
	}

	// The byte limit: one answer (a Payment of about 1 KB) fills 1,500
	// bytes, so the next answer pushes the first out.
	b := setup(t, sandbox.WithMaxIdempotencyBytes(1500))
	b.ok("POST", "/v1/payments", createBody("order-cap-0003", 1000), "Idempotency-Key", "a")
	second := b.ok("POST", "/v1/payments", createBody("order-cap-0004", 1000), "Idempotency-Key", "b")
	if again := b.ok("POST", "/v1/payments", createBody("order-cap-0004", 1000), "Idempotency-Key", "b"); again.PaymentKey != second.PaymentKey {
		t.Errorf("replay of the newest key: %s, want %s", again.PaymentKey, second.PaymentKey)
	}
	b.fails(400, generated.ErrorCodeDuplicatedOrderID, "POST", "/v1/payments", createBody("order-cap-0003", 1000), "Idempotency-Key", "a")
}

func TestServesSpec(t *testing.T) {
	t.Parallel()
	e := setup(t)
	resp, b := e.do("GET", "/openapi.yaml", nil)
	if resp.StatusCode != 200 || string(b) != string(openapi.YAML) {
		t.Errorf("/openapi.yaml: %d, %d bytes", resp.StatusCode, len(b))
	}
	resp, b = e.do("GET", "/openapi.json", nil)
	if _, err := openapi.ParseData(b); resp.StatusCode != 200 || err != nil {
		t.Errorf("/openapi.json: %d %v", resp.StatusCode, err)
	}
}

func TestConcurrentFlows(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				order := "order-conc-" + string(rune('a'+g)) + "-" + string(rune('a'+i))
				p := e.paid(order, 1000+i)
				e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "r", "cancelAmount": 100}, "Idempotency-Key", order)
				e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "r", "cancelAmount": 100}, "Idempotency-Key", order)
				e.ok("GET", "/v1/payments/orders/"+order, nil)
			}
		}()
	}
	wg.Wait()
	ps := e.sb.Payments(e.key)
	if len(ps) != 80 {
		t.Fatalf("%d payments, want 80", len(ps))
	}
	for _, p := range ps {
		if len(*p.Cancels) != 1 {
			t.Errorf("%s: %d cancels, want 1 (the retry must replay)", p.OrderID, len(*p.Cancels))
		}
	}
}

// TestValidatorRejects proves the response-validating middleware can fail.
func TestValidatorRejects(t *testing.T) {
	t.Parallel()
	bad := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(sandbox.TraceHeader, "x")
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"code":"DUPLICATED_ORDER_ID","message":"x"}`))
	})
	rec := &recordingT{}
	h := validatingWith(rec.errorf, bad)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/payments/abc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if rec.count() == 0 {
		t.Error("the validator took an undocumented code")
	}
}

type recordingT struct {
	mu sync.Mutex
	n  int
}

func (r *recordingT) errorf(string, ...any) { r.mu.Lock(); r.n++; r.mu.Unlock() }
func (r *recordingT) count() int            { r.mu.Lock(); defer r.mu.Unlock(); return r.n }

// waitInFlight waits until n idempotency keys are claimed and unanswered,
// or fails the test after a deadline. It polls; no fixed pause decides
// the outcome.
func waitInFlight(t *testing.T, sb *sandbox.Sandbox, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for sb.InFlight() != n {
		if time.Now().After(deadline) {
			t.Fatalf("in flight: %d keys, want %d", sb.InFlight(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Seed reports the seed in use, chosen at random without WithSeed, and that
// seed reproduces the run.
func TestSeedReproduces(t *testing.T) {
	t.Parallel()
	if sb, _ := sandbox.New(sandbox.WithSeed(42)); sb.Seed() != 42 {
		t.Errorf("Seed() = %d, want 42", sb.Seed())
	}
	run := func(opts ...sandbox.Option) (*sandbox.Sandbox, []string) {
		sb, err := sandbox.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for i := range 3 {
			p, err := sb.KeyIn(callerFor(sandbox.TestSecretKey), generated.KeyInPaymentRequest{
				Amount: money.New(1000), OrderID: fmt.Sprintf("order-seed-%04d", i), OrderName: "x", CardNumber: "4330123412341234",
				CardExpirationYear: "39", CardExpirationMonth: "12", CustomerIdentityNumber: "881212",
			})
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, p.PaymentKey)
		}
		return sb, keys
	}
	first, keys := run()
	if first.Seed() == 0 {
		t.Error("Seed() = 0 without WithSeed: the random seed is not reported")
	}
	if _, again := run(sandbox.WithSeed(first.Seed())); !slices.Equal(keys, again) {
		t.Errorf("WithSeed(Seed()) gave payment keys %v, the first run %v", again, keys)
	}
}

// The server of "tosspay sandbox" has every limit set, with the values
// docs/reliability.md states.
func TestNewServerLimits(t *testing.T) {
	t.Parallel()
	h := http.NotFoundHandler()
	srv := sandbox.NewServer("127.0.0.1:8080", h)
	if srv.Addr != "127.0.0.1:8080" || srv.Handler == nil {
		t.Errorf("addr %q, handler %v", srv.Addr, srv.Handler)
	}
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"ReadHeaderTimeout", srv.ReadHeaderTimeout, 5 * time.Second},
		{"ReadTimeout", srv.ReadTimeout, 30 * time.Second},
		{"WriteTimeout", srv.WriteTimeout, 90 * time.Second},
		{"IdleTimeout", srv.IdleTimeout, 10 * time.Second},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if srv.MaxHeaderBytes != 64<<10 {
		t.Errorf("MaxHeaderBytes = %d, want 64 KiB", srv.MaxHeaderBytes)
	}
	if srv.MaxConns != 1024 || sandbox.DefaultMaxConnections != 1024 {
		t.Errorf("MaxConns = %d, want 1,024", srv.MaxConns)
	}
	// The write timeout outlasts the longest delay fault a request may ask for.
	e := setup(t)
	e.fails(400, generated.ErrorCodeInvalidRequest, "GET", "/v1/payments/orders/order-delay-0001", nil, sandbox.FaultHeader, "delay="+(srv.WriteTimeout).String())
}
