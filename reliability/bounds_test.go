package reliability_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

func createReq(orderID string) generated.CreatePaymentRequest {
	return generated.CreatePaymentRequest{
		Amount: won(1000), Method: generated.CreatePaymentMethodCard, OrderID: orderID,
		OrderName: "flood", ReturnURL: "https://shop.example/return",
	}
}

// TestFloodOfUniqueKeys: a flood of requests with unique idempotency keys
// fills the sandbox's idempotency cache up to its cap and no further; past
// it, new keys are refused with 403 FORBIDDEN_REQUEST saying the cache is
// full (a definitive refusal for the wrapper), while replays of known keys
// and look-ups still work. The same holds for the payment store.
func TestFloodOfUniqueKeys(t *testing.T) {
	const keyCap, paymentCap = 100, 60
	t.Run("idempotency cache", func(t *testing.T) {
		w := newWorld(t, sandbox.WithMaxIdempotencyKeys(keyCap))
		n := 0
		c := w.client(nil, wrapper.WithIdempotencyKeyGenerator(func() string { n++; return fmt.Sprintf("flood-key-%d", n) }))
		ctx := context.Background()
		var first *generated.Payment
		for i := range keyCap + 50 {
			p, meta, err := c.CreatePayment(ctx, createReq(fmt.Sprintf("flood-%04d", i)))
			w.record(p, meta, err)
			switch {
			case i < keyCap && err != nil:
				t.Fatalf("request %d under the cap: %v", i, err)
			case i == 0:
				first = p
			case i >= keyCap:
				var ae *wrapper.APIError
				if !errors.As(err, &ae) || ae.StatusCode != 403 || ae.Code != generated.ErrorCodeForbiddenRequest ||
					!strings.Contains(ae.Message, "full") || wrapper.ClassOf(err) != wrapper.ClassRejected || meta.Attempts != 1 {
					t.Fatalf("request %d over the cap: want a definitive 403 FORBIDDEN_REQUEST saying the cache is full, got %v", i, err)
				}
			}
		}
		// A known key is still replayed, and look-ups still answer.
		p, meta, err := c.CreatePayment(ctx, createReq("flood-0000"), wrapper.WithIdempotencyKey("flood-key-1"))
		w.record(p, meta, err)
		if err != nil || p.PaymentKey != first.PaymentKey {
			t.Errorf("replay of a known key with the cache full: %v", err)
		}
		if _, _, err := c.GetPayment(ctx, first.PaymentKey); err != nil {
			t.Errorf("look-up with the cache full: %v", err)
		}
		if n := len(w.sb.Payments(canaryKey)); n != keyCap {
			t.Errorf("%d payments stored, want %d (one per admitted key)", n, keyCap)
		}
	})
	t.Run("payment store", func(t *testing.T) {
		w := newWorld(t, sandbox.WithMaxPayments(paymentCap))
		c := w.client(nil)
		for i := range paymentCap + 20 {
			_, _, err := c.KeyInPayment(context.Background(), keyInRequest(fmt.Sprintf("store-%04d", i), 1000))
			if i < paymentCap && err != nil {
				t.Fatalf("payment %d under the cap: %v", i, err)
			}
			var ae *wrapper.APIError
			if i >= paymentCap && (!errors.As(err, &ae) || ae.Code != generated.ErrorCodeForbiddenRequest || !strings.Contains(ae.Message, "full")) {
				t.Fatalf("payment %d over the cap: %v", i, err)
			}
		}
		if n := len(w.sb.Payments(canaryKey)); n != paymentCap {
			t.Errorf("%d payments stored, want %d", n, paymentCap)
		}
	})
}

// TestHugeSecretKeyRefused: a secret key longer than any real one is
// refused before it can reach the idempotency cache or the store, whose
// entries would otherwise grow with it.
func TestHugeSecretKeyRefused(t *testing.T) {
	w := newWorld(t)
	for _, n := range []int{200, 201, 64 << 10} {
		key := "test_sk_" + strings.Repeat("H", n-len("test_sk_"))
		req, _ := http.NewRequest("POST", w.srv.URL+"/v1/payments", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "huge-key-probe")
		resp, err := w.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e generated.Error
		_ = json.NewDecoder(resp.Body).Decode(&e)
		_ = resp.Body.Close()
		refused := resp.StatusCode == 401 && e.Code == generated.ErrorCodeUnauthorizedKey
		if refused != (n > 200) {
			t.Errorf("a %d-character key: %d %s", n, resp.StatusCode, e.Code)
		}
	}
}

// TestBodyCap: a body over 1 MiB is refused with a Toss-shaped 400, whatever
// its Content-Length says.
func TestBodyCap(t *testing.T) {
	w := newWorld(t)
	big := bytes.Repeat([]byte("x"), sandbox.DefaultMaxBodyBytes+1)
	for _, chunked := range []bool{false, true} {
		var body io.Reader = bytes.NewReader(big)
		if chunked {
			body = io.MultiReader(bytes.NewReader(big)) // no length: sent chunked
		}
		req, _ := http.NewRequest("POST", w.srv.URL+"/v1/payments", body)
		req.Header.Set("Authorization", "Basic "+canaryAuth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e generated.Error
		_ = json.NewDecoder(resp.Body).Decode(&e)
		_ = resp.Body.Close()
		if resp.StatusCode != 400 || e.Code != generated.ErrorCodeInvalidRequest || !strings.Contains(e.Message, "larger than") {
			t.Errorf("chunked %v: %d %s %q", chunked, resp.StatusCode, e.Code, e.Message)
		}
	}
}

// BenchmarkIdempotencyMemory fills a sandbox with b.N creates, each with a
// unique idempotency key (one payment and one cached response each), and
// reports the heap held per key. Run it with a fixed count to measure:
//
//	go test -run '^$' -bench IdempotencyMemory -benchtime 20000x ./reliability/
func BenchmarkIdempotencyMemory(b *testing.B) {
	for _, tc := range []struct {
		name      string
		secretKey string
		keyLen    int
	}{
		{"typical", canaryKey, 36},
		{"longest-keys", "test_sk_" + strings.Repeat("L", 200-len("test_sk_")), 300},
	} {
		b.Run(tc.name, func(b *testing.B) {
			sb, err := sandbox.New(sandbox.WithSeed(3), sandbox.WithMaxIdempotencyKeys(b.N+1), sandbox.WithMaxPayments(b.N+1))
			if err != nil {
				b.Fatal(err)
			}
			h := sb.Handler()
			auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(tc.secretKey+":"))
			before := heap()
			b.ResetTimer()
			for i := range b.N {
				body := fmt.Sprintf(`{"method":"CARD","amount":15000,"orderId":"mem-%08d","orderName":"memory","returnUrl":"https://shop.example/return"}`, i)
				req := httptest.NewRequest("POST", "/v1/payments", strings.NewReader(body))
				req.Header.Set("Authorization", auth)
				req.Header.Set("Content-Type", "application/json")
				key := fmt.Sprintf("%08d", i)
				req.Header.Set("Idempotency-Key", key+strings.Repeat("k", tc.keyLen-len(key)))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d: %s", rec.Code, rec.Body)
				}
			}
			b.StopTimer()
			after := heap()
			runtime.KeepAlive(sb)
			b.ReportMetric(float64(after-before)/float64(b.N), "heapB/key")
		})
	}
}

func heap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
