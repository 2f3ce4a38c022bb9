package wrapper

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
)

// TestResolveStatusNotListed: a look-up that finds a status the spec does
// not list (Toss adds enum values without a version bump) does not settle
// the call: "not done" would invite a new request with a new key.
func TestResolveStatusNotListed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(p map[string]any)
	}{
		{"payment status", func(p map[string]any) { p["status"] = "PARTIAL_WAITING" }},
		{"cancelStatus", func(p map[string]any) { p["cancels"].([]any)[0].(map[string]any)["cancelStatus"] = "REQUESTED" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
			var hits atomic.Int32
			h.mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", hijackClose(&hits))
			h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
				// The look-up shows the cancel asked for, in a state not listed.
				r.URL.Path += "/cancel"
				writeJSON(w, 200, edit(t, r, []byte(`{"cancelReason":"r"}`), tc.change))
			})
			_, _, err := h.c.CancelPayment(context.Background(), "pk-1", cancelReq("r"))
			if !IsOutcomeUnknown(err) {
				t.Fatalf("cancel err = %v, want outcome unknown", err)
			}
			p, _, rerr := h.c.Resolve(context.Background(), err)
			if p != nil || ClassOf(rerr) != ClassOutcomeUnknown {
				t.Fatalf("Resolve = %v, %v (%s), want the outcome still unknown", p != nil, rerr, ClassOf(rerr))
			}
		})
	}
}

// TestAbortedCancelMovesNoBalance: an earlier cancel that was ABORTED
// refunded nothing; a later cancel that is DONE with the balance it left is
// a success, directly and through Resolve.
func TestAbortedCancelMovesNoBalance(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, edit(t, r, readBody(t, r), func(p map[string]any) {
			done := p["cancels"].([]any)[0].(map[string]any)
			aborted := map[string]any{}
			for k, v := range done {
				aborted[k] = v
			}
			aborted["cancelStatus"], aborted["transactionKey"] = "ABORTED", "tx-c0"
			p["cancels"] = []any{aborted, done}
		}))
	})
	amount := money.New(5000)
	p, _, err := h.c.CancelPayment(context.Background(), "pk-1", generated.CancelPaymentRequest{CancelReason: "r", CancelAmount: &amount})
	if err != nil || p == nil {
		t.Fatalf("p %v, err %v: want a success", p != nil, err)
	}
}

// TestDotPaymentKey: "." or ".." as a path value would be resolved away
// by URL resolution and send the request to another path.
func TestDotPaymentKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{".", ".."} {
		for _, validate := range []bool{true, false} {
			h := setup(t, WithValidation(validate))
			var mu sync.Mutex
			var paths []string
			h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths = append(paths, r.Method+" "+r.URL.Path)
				mu.Unlock()
				writeError(w, 404, "NOT_FOUND", "no")
			})
			_, _, gerr := h.c.GetPayment(context.Background(), key)
			_, _, cerr := h.c.CancelPayment(context.Background(), key, cancelReq("r"))
			var ve *ValidationError
			if !errors.As(gerr, &ve) || !errors.As(cerr, &ve) {
				mu.Lock()
				t.Errorf("key %q, validation %v: errs %v / %v, sent %v", key, validate, gerr, cerr, paths)
				mu.Unlock()
			}
		}
	}
}

// TestAmountForms: an amount is the same number in any JSON form, and
// another number is not; the largest amounts and decimals go out exact.
func TestAmountForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sent, answered string
		ok             bool
	}{
		{"1000", "1000.0", true}, {"1000", "1e3", true}, {"1000", `"1000"`, true}, {"1000", "1000.00000000000000000001", false},
		{"1000", "1000.5", false}, {"1000", `"1e3x"`, false}, {"50000000000", "5e10", true}, {"726.24", "726.240", true}, {"726.24", "726.2400000000001", false},
	} {
		h := setup(t)
		var got string
		h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
			body := readBody(t, r)
			got = string(body)
			out := strings.Replace(string(answerTo(t, r, body)), `"totalAmount":`+tc.sent, `"totalAmount":`+tc.answered, 1)
			writeJSON(w, 200, []byte(out))
		})
		req := confirmReq()
		var err error
		if req.Amount, err = money.Parse(tc.sent); err != nil {
			t.Fatal(err)
		}
		p, _, err := h.c.ConfirmPayment(context.Background(), req)
		if (err == nil) != tc.ok || !strings.Contains(got, `"amount":`+tc.sent) {
			t.Errorf("sent %s answered %s: p %v err %v; body %s", tc.sent, tc.answered, p != nil, err, got)
		}
	}
}

// TestResolveKeyInCanceledSince: a key-in whose connection dropped, then
// canceled (by the merchant) before the look-up, did take effect: Resolve's
// definitive error carries the payment and does not say otherwise.
func TestResolveKeyInCanceledSince(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"CANCELED", "PARTIAL_CANCELED"} {
		h := setup(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
		var hits atomic.Int32
		h.mux.HandleFunc("POST /v1/payments/key-in", hijackClose(&hits))
		h.mux.HandleFunc("GET /v1/payments/orders/{orderId}", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, edit(t, r, nil, func(p map[string]any) { p["status"] = status }))
		})
		_, _, err := h.c.KeyInPayment(context.Background(), keyInReq("4330123412341234"))
		p, _, err := h.c.Resolve(context.Background(), err)
		var ae *APIError
		if p != nil || !errors.As(err, &ae) || ae.Class() != ClassRejected || ae.Payment == nil ||
			strings.Contains(ae.Message, "did not take effect") || !strings.Contains(ae.Message, "canceled since it was done") {
			t.Errorf("%s: p %v, err %v", status, p != nil, err)
		}
	}
}

// TestLargePaymentRefused: a 2xx is read up to 1 MiB. Decoding a body of
// 3-byte "{}" cancels allocates some 240 times its size (8 MiB: 2.3 GB and
// seconds of CPU), so a larger answer is refused unread, even one padded
// with white space around a true payment.
func TestLargePaymentRefused(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		body := answerTo(t, r, readBody(t, r))
		writeJSON(w, 200, append(body, bytes.Repeat([]byte(" "), 3<<20)...))
	})
	p, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var ae *APIError
	if p != nil || !errors.As(err, &ae) || !strings.Contains(ae.Mismatch, "exceeds 1048576 bytes") || !IsOutcomeUnknown(err) {
		t.Fatalf("p %v, err %v", p != nil, err)
	}
}

// TestConcurrentUse: one Client serves calls of every kind at once (a
// success, a decline, a retried 5xx, a drop then Resolve, a ctx cancelled
// mid-request) with a logger; run with -race. Each gets its own answer,
// and nothing is left running (goleak in TestMain).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	h := setup(t, WithLogger(logs.logger()))
	release := make(chan struct{})
	var hits atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		body := readBody(t, r)
		switch {
		case strings.Contains(string(body), "order-hang"):
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case strings.Contains(string(body), "order-5xx") && hits.Add(1)%2 == 1:
			writeError(w, 503, "FAILED_INTERNAL_SYSTEM_PROCESSING", "x")
		default:
			writeJSON(w, 200, answerTo(t, r, body))
		}
	})
	h.mux.HandleFunc("POST /v1/payments/key-in", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 403, "REJECT_CARD_COMPANY", "카드 "+string(readBody(t, r)))
	})
	h.mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", hijackClose(new(atomic.Int32)))
	h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path += "/cancel"
		writeJSON(w, 200, edit(t, r, []byte(`{"cancelReason":"r"}`), func(map[string]any) {}))
	})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := confirmReq()
			var err error
			var p *generated.Payment
			switch i % 5 {
			case 0:
				req.OrderID = generated.OrderID(fmt.Sprintf("order-ok-%d", i))
				p, _, err = h.c.ConfirmPayment(context.Background(), req)
				if err != nil || p == nil || string(p.OrderID) != string(req.OrderID) {
					t.Errorf("confirm %d: %v", i, err)
				}
			case 1:
				_, _, err = h.c.KeyInPayment(context.Background(), keyInReq("4330123412341234"))
				if !IsDeclined(err) || strings.Contains(err.Error(), "4330123412341234") {
					t.Errorf("key-in %d: %v", i, err)
				}
			case 2:
				req.OrderID = "order-5xx"
				_, _, err = h.c.ConfirmPayment(context.Background(), req)
				if err != nil && !IsOutcomeUnknown(err) {
					t.Errorf("5xx confirm %d: %v", i, err)
				}
			case 3:
				_, _, err = h.c.CancelPayment(context.Background(), "pk-1", cancelReq("r"), WithIdempotencyKey("cancel-key"))
				if p, _, err = h.c.Resolve(context.Background(), err); err != nil || p == nil {
					t.Errorf("resolve %d: %v", i, err)
				}
			case 4:
				ctx, cancel := context.WithCancel(context.Background())
				req.OrderID = "order-hang"
				go cancel()
				_, _, err = h.c.ConfirmPayment(ctx, req)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("cancelled confirm %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(release)
	if s := logs.String(); strings.Contains(s, "4330123412341234") || strings.Contains(s, testKey) {
		t.Error("the log holds a secret")
	}
}

// TestCompression: the transport asks for gzip and inflates the answer
// itself, within the read cap (a bomb is cut, not inflated whole). A caller's
// Accept-Encoding would stop that and make every answer unreadable, so it is
// refused before anything is sent.
func TestCompression(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 64<<20))
	_ = zw.Close()
	var sent atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		w.Header().Set("Content-Encoding", "gzip")
		writeJSON(w, 200, bomb.Bytes())
	})
	p, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var ae *APIError
	if p != nil || !errors.As(err, &ae) || !strings.Contains(ae.Mismatch, "exceeds") {
		t.Fatalf("bomb: p %v, err %v", p != nil, err)
	}
	_, _, err = h.c.ConfirmPayment(context.Background(), confirmReq(), WithHeader("accept-encoding", "gzip"))
	var ve *ValidationError
	if !errors.As(err, &ve) || sent.Load() != 1 {
		t.Fatalf("Accept-Encoding: err %v, %d sent", err, sent.Load())
	}
}

// TestResolveCancelFollowedByAnother: a partial cancel whose answer was
// lost may have been done and followed by another cancel before the
// look-up. Resolve cannot tell, so the outcome stays unknown: calling it
// not done would invite a second refund of the same amount.
func TestResolveCancelFollowedByAnother(t *testing.T) {
	t.Parallel()
	h := setup(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
	h.mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", hijackClose(new(atomic.Int32)))
	h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path += "/cancel"
		writeJSON(w, 200, edit(t, r, []byte(`{"cancelReason":"r","cancelAmount":3000}`), func(p map[string]any) {
			ours := p["cancels"].([]any)[0].(map[string]any)
			later := map[string]any{}
			for k, v := range ours {
				later[k] = v
			}
			later["cancelAmount"], later["transactionKey"] = 2000, "tx-c2"
			p["cancels"], p["balanceAmount"] = []any{ours, later}, 10000
		}))
	})
	amount := money.New(3000)
	_, _, err := h.c.CancelPayment(context.Background(), "pk-1", generated.CancelPaymentRequest{CancelReason: "r", CancelAmount: &amount})
	p, _, err := h.c.Resolve(context.Background(), err)
	if p != nil || !IsOutcomeUnknown(err) {
		t.Fatalf("Resolve = %v, %v (%s): want the outcome still unknown", p != nil, err, ClassOf(err))
	}
}

// TestResolveNotFoundYet: a key-in whose connection dropped may still be
// in flight when the look-up by orderId finds nothing. That does not settle
// it: a new key-in with a new key could charge twice. The outcome stays
// unknown, and repeating the call with the same key (IsRetryable) settles it.
func TestResolveNotFoundYet(t *testing.T) {
	t.Parallel()
	h := setup(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
	h.mux.HandleFunc("POST /v1/payments/key-in", hijackClose(new(atomic.Int32)))
	h.mux.HandleFunc("GET /v1/payments/orders/{orderId}", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 404, "NOT_FOUND_PAYMENT", "없음")
	})
	_, _, err := h.c.KeyInPayment(context.Background(), keyInReq("4330123412341234"))
	p, _, err := h.c.Resolve(context.Background(), err)
	if p != nil || !IsOutcomeUnknown(err) || !IsRetryable(err) {
		t.Fatalf("Resolve = %v, %v (%s): want the outcome still unknown", p != nil, err, ClassOf(err))
	}
}
