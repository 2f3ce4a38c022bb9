package sandbox_test

import (
	"math"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestRateLimitPerKey: with a limit of 1 request a second in bursts of 3, a
// key's fourth request at once is answered 429 TOO_MANY_REQUESTS with
// Retry-After and the API's JSON (held to the spec by the test server), and
// processes nothing; another key is not affected; a second later the key
// may send one more; the sandbox's own endpoints count too.
func TestRateLimitPerKey(t *testing.T) {
	t.Parallel()
	e := setup(t, sandbox.WithRateLimit(sandbox.RateLimit{PerSecond: 1, Burst: 3}))
	for range 3 {
		e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-rl-none", nil)
	}
	limited := func(method, path string, body any) {
		t.Helper()
		resp, b := e.do(method, path, body)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("%s %s: %d, Retry-After %q: %s", method, path, resp.StatusCode, resp.Header.Get("Retry-After"), b)
		}
	}
	e.fails(429, generated.ErrorCodeTooManyRequests, "POST", "/v1/payments", createBody("order-rl-01", 1000))
	limited("POST", "/v1/payments", createBody("order-rl-01", 1000))
	limited("GET", "/sandbox/v1/webhook-deliveries", nil)

	other := *e
	other.key = "test_sk_otherkey00000000000000"
	p := other.ok("POST", "/v1/payments", createBody("order-rl-other", 1000))
	other.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
	other.ok("GET", "/v1/payments/orders/order-rl-other", nil)

	e.clock.Advance(time.Second)
	// The order refused above was not created: it is created now.
	if p := e.ok("POST", "/v1/payments", createBody("order-rl-01", 1000)); p.Status != generated.PaymentStatusReady {
		t.Errorf("create after the wait: %s", p.Status)
	}
	limited("GET", "/v1/payments/orders/order-rl-01", nil)
	e.clock.Advance(500 * time.Millisecond)
	limited("GET", "/v1/payments/orders/order-rl-01", nil)
	e.clock.Advance(500 * time.Millisecond)
	e.ok("GET", "/v1/payments/orders/order-rl-01", nil)
}

func TestRateLimitOptionRefuses(t *testing.T) {
	t.Parallel()
	for _, l := range []sandbox.RateLimit{{PerSecond: -1, Burst: 1}, {PerSecond: math.NaN(), Burst: 1}, {PerSecond: math.Inf(1), Burst: 1},
		{PerSecond: 1, Burst: 0}, {PerSecond: 0, Burst: 5}} {
		if _, err := sandbox.New(sandbox.WithRateLimit(l)); err == nil {
			t.Errorf("WithRateLimit(%+v) accepted", l)
		}
	}
	if _, err := sandbox.New(sandbox.WithRateLimit(sandbox.RateLimit{})); err != nil {
		t.Errorf("no limit: %v", err)
	}
}
