package sandbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// direct sends one request straight to h (no network) as key and returns
// the recorded answer.
func direct(h http.Handler, key, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", basic(key))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func createJSON(orderID string) string {
	return `{"method":"CARD","amount":15000,"orderId":"` + orderID + `","orderName":"T","returnUrl":"http://localhost/return"}`
}

// bystander is the key that keeps using the sandbox during a flood of
// other keys.
const bystander = "test_sk_bystander0000000000000"

// bystanderPayments creates the bystander's 5 payments through h, each with
// an idempotency key, and returns their payment keys.
func bystanderPayments(tb testing.TB, h http.Handler) []string {
	tb.Helper()
	var keys []string
	for i := range 5 {
		w := direct(h, bystander, "POST", "/v1/payments", createJSON(fmt.Sprintf("order-bystander-%d", i)), "Idempotency-Key", fmt.Sprint("by-", i))
		if w.Code != 200 {
			tb.Fatalf("bystander create: %d %s", w.Code, w.Body)
		}
		keys = append(keys, field(w.Body.Bytes(), `"paymentKey":"`))
	}
	return keys
}

// TestRotatingKeys is the bounded version of BenchmarkMillionKeys: 20
// times as many secret keys as the sandbox keeps payments, one create each
// with an idempotency key, while a bystander with 5 payments looks one up
// every 50 keys. The sandbox stays within its global limits; the bystander,
// active during the flood, keeps every payment; the first keys of the
// flood, idle the longest, are forgotten whole: their payments, cached
// answers and call logs.
func TestRotatingKeys(t *testing.T) {
	t.Parallel()
	global := sandbox.Limits{IdempotencyKeys: 300, IdempotencyBytes: 4 << 20, Payments: 250, Cancels: 500}
	sb, err := sandbox.New(sandbox.WithSeed(1), sandbox.WithGlobalLimits(global))
	if err != nil {
		t.Fatal(err)
	}
	h := sb.Handler()
	keys := bystanderPayments(t, h)
	const flood = 5000
	for i := range flood {
		k := fmt.Sprintf("test_sk_rotating%08d", i)
		if w := direct(h, k, "POST", "/v1/payments", createJSON("order-rotating-1"), "Idempotency-Key", "c-1"); w.Code != 200 {
			t.Fatalf("flood create %d: %d %s", i, w.Code, w.Body)
		}
		if i%50 == 0 {
			if w := direct(h, bystander, "GET", "/v1/payments/"+keys[i/50%5], ""); w.Code != 200 {
				t.Fatalf("bystander look-up during the flood: %d %s", w.Code, w.Body)
			}
		}
		if i%500 == 0 {
			within(t, "the sandbox", sb.Usage(), global)
		}
	}
	u := sb.Usage()
	within(t, "the sandbox", u, global)
	if u.Tenants > global.Payments {
		t.Errorf("%d tenants kept, more than the %d payments", u.Tenants, global.Payments)
	}
	if by := sb.UsageOf(bystander); by.Payments != 5 || by.IdempotencyKeys != 5 {
		t.Errorf("the bystander active during the flood holds %+v, want its 5 payments and 5 answers", by)
	}
	for _, k := range keys {
		if w := direct(h, bystander, "GET", "/v1/payments/"+k, ""); w.Code != 200 {
			t.Errorf("bystander's payment %s: %d", k, w.Code)
		}
	}
	first := "test_sk_rotating00000000"
	if fu := sb.UsageOf(first); fu != (sandbox.Usage{}) {
		t.Errorf("the first key of the flood still holds %+v", fu)
	}
	if c := sb.Calls(first, ""); len(c) != 0 {
		t.Errorf("the first key's call log survived its tenant: %d calls", len(c))
	}
	last := fmt.Sprintf("test_sk_rotating%08d", flood-1)
	if lu := sb.UsageOf(last); lu.Payments != 1 || lu.IdempotencyKeys != 1 || len(sb.Calls(last, "")) != 1 {
		t.Errorf("the newest key holds %+v and %d calls, want its payment, answer and call", lu, len(sb.Calls(last, "")))
	}
}
