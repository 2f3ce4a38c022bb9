package reliability_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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
// from one secret key never locks that key (or any other) out: past its
// limit the key forgets its own oldest answered keys, so every request of
// the flood is served, recent keys still replay, look-ups answer, and the
// cache holds no more than the limit. The same holds for the payment store,
// which forgets the key's oldest payments. Another key is untouched.
func TestFloodOfUniqueKeys(t *testing.T) {
	const keyCap, paymentCap = 100, 60
	t.Run("idempotency cache", func(t *testing.T) {
		w := newWorld(t, sandbox.WithMaxIdempotencyKeys(keyCap))
		n := 0
		c := w.client(nil, wrapper.WithIdempotencyKeyGenerator(func() string { n++; return fmt.Sprintf("flood-key-%d", n) }))
		ctx := context.Background()
		var last *generated.Payment
		for i := range keyCap + 50 {
			p, meta, err := c.CreatePayment(ctx, createReq(fmt.Sprintf("flood-%04d", i)))
			w.record(p, meta, err)
			if err != nil {
				t.Fatalf("request %d of the flood: %v", i, err)
			}
			last = p
		}
		if u := w.sb.UsageOf(canaryKey); u.IdempotencyKeys != keyCap {
			t.Errorf("the flooding key holds %d idempotency keys, want its limit %d", u.IdempotencyKeys, keyCap)
		}
		// The newest key is still replayed, and look-ups still answer.
		p, meta, err := c.CreatePayment(ctx, createReq(fmt.Sprintf("flood-%04d", keyCap+49)), wrapper.WithIdempotencyKey(fmt.Sprintf("flood-key-%d", keyCap+50)))
		w.record(p, meta, err)
		if err != nil || p.PaymentKey != last.PaymentKey {
			t.Errorf("replay of the newest key after the flood: %v", err)
		}
		if _, _, err := c.GetPayment(ctx, last.PaymentKey); err != nil {
			t.Errorf("look-up after the flood: %v", err)
		}
		if n := len(w.sb.Payments(canaryKey)); n != keyCap+50 {
			t.Errorf("%d payments stored, want %d (one per request)", n, keyCap+50)
		}
	})
	t.Run("payment store", func(t *testing.T) {
		w := newWorld(t, sandbox.WithMaxPayments(paymentCap))
		c := w.client(nil)
		for i := range paymentCap + 20 {
			if _, _, err := c.KeyInPayment(context.Background(), keyInRequest(fmt.Sprintf("store-%04d", i), 1000)); err != nil {
				t.Fatalf("payment %d: %v", i, err)
			}
		}
		ps := w.sb.Payments(canaryKey)
		if len(ps) != paymentCap || ps[0].OrderID != "store-0020" {
			t.Errorf("%d payments kept (oldest %s), want the newest %d", len(ps), ps[0].OrderID, paymentCap)
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
