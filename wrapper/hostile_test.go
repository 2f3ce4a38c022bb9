package wrapper

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// edit returns the answer to r (answerTo) changed by change.
func edit(t testing.TB, r *http.Request, body []byte, change func(p map[string]any)) []byte {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(answerTo(t, r, body), &p); err != nil {
		t.Fatal(err)
	}
	change(p)
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUnverifiedSuccess: a 2xx that does not decode, lacks a key the spec
// requires, or does not answer the request is an outcome-unknown
// *APIError (for a POST) naming the failed check, carrying the payment,
// never retried, never a success.
func TestUnverifiedSuccess(t *testing.T) {
	t.Parallel()
	set := func(k string, v any) func(map[string]any) { return func(p map[string]any) { p[k] = v } }
	type tc struct {
		name, op string
		body     string                 // a raw body, when change is nil
		change   func(p map[string]any) // an edit of the right answer
		want     string                 // in Mismatch
	}
	cases := []tc{
		{name: "confirm 200 null", op: "confirm", body: "null", want: "null"},
		{name: "confirm 200 {}", op: "confirm", body: "{}", want: "required key"},
		{name: "confirm 200 []", op: "confirm", body: "[]", want: "JSON array"},
		{name: "confirm 200 not JSON", op: "confirm", body: "<html>", want: "invalid JSON"},
		{name: "confirm another orderId", op: "confirm", change: set("orderId", "order-someone-else"), want: "orderId is not the one sent"},
		{name: "confirm another paymentKey", op: "confirm", change: set("paymentKey", "pk-other"), want: "paymentKey is not the one sent"},
		{name: "confirm totalAmount 1", op: "confirm", change: set("totalAmount", 1), want: "totalAmount 1 is not the amount sent (15000)"},
		{name: "confirm status ABORTED", op: "confirm", change: set("status", "ABORTED"), want: "status ABORTED is not one a success has"},
		{name: "confirm status unknown", op: "confirm", change: set("status", "test_sk_CANARY"), want: "a value the spec does not list"},
		{name: "create another orderId", op: "create", change: set("orderId", "order-x"), want: "orderId"},
		{name: "create another amount", op: "create", change: set("totalAmount", 999), want: "totalAmount 999"},
		{name: "create status DONE", op: "create", change: set("status", "DONE"), want: "status DONE"},
		{name: "key-in another orderId", op: "keyin", change: set("orderId", "order-x"), want: "orderId"},
		{name: "key-in another amount", op: "keyin", change: set("totalAmount", 10), want: "totalAmount 10"},
		{name: "cancel another paymentKey", op: "cancel", change: set("paymentKey", "pk-other"), want: "paymentKey"},
		{name: "cancel without cancels", op: "cancel", change: set("cancels", nil), want: "cancels is empty"},
		{name: "cancel of another amount", op: "cancel", change: func(p map[string]any) {
			p["cancels"].([]any)[0].(map[string]any)["cancelAmount"] = 100
		}, want: "the last cancel is of 100, not of the amounts sent"},
		{name: "cancel balance not moved", op: "cancel", change: set("balanceAmount", 15000), want: "balanceAmount 15000 is not totalAmount minus the cancels (10000)"},
		{name: "get another paymentKey", op: "get", change: set("paymentKey", "pk-other"), want: "paymentKey"},
		{name: "get by order another orderId", op: "getorder", change: set("orderId", "order-other"), want: "orderId"},
	}
	// Every key the spec requires of a confirm's answer, read from the spec:
	// removing it is refused.
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	required := ops[openapi.OpConfirmPayment].SuccessRequired
	if len(required) == 0 {
		t.Fatal("the spec requires no key of a confirm's answer")
	}
	for _, key := range required {
		cases = append(cases, tc{name: "confirm without " + key, op: "confirm", change: func(p map[string]any) { delete(p, key) }, want: `the required key "` + key + `" is missing`})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			var hits atomic.Int32
			h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				body := readBody(t, r)
				if c.change == nil {
					writeJSON(w, 200, []byte(c.body))
					return
				}
				writeJSON(w, 200, edit(t, r, body, c.change))
			})
			h.mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				writeJSON(w, 200, edit(t, r, readBody(t, r), c.change))
			})
			h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				writeJSON(w, 200, edit(t, r, nil, c.change))
			})
			h.mux.HandleFunc("GET /v1/payments/orders/{orderId}", func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				writeJSON(w, 200, edit(t, r, nil, c.change))
			})
			ctx := context.Background()
			var (
				p   *generated.Payment
				err error
			)
			post := true
			switch c.op {
			case "confirm":
				p, _, err = h.c.ConfirmPayment(ctx, confirmReq())
			case "create":
				p, _, err = h.c.CreatePayment(ctx, generated.CreatePaymentRequest{Method: "CARD", Amount: money.New(15000), OrderID: "order-create-1", OrderName: "x", ReturnURL: "https://example.com/r"})
			case "keyin":
				p, _, err = h.c.KeyInPayment(ctx, keyInReq("4330123412341234"))
			case "cancel":
				amount := money.New(5000)
				p, _, err = h.c.CancelPayment(ctx, "pk-1", generated.CancelPaymentRequest{CancelReason: "r", CancelAmount: &amount})
			case "get":
				post = false
				p, _, err = h.c.GetPayment(ctx, "pk-1")
			case "getorder":
				post = false
				p, _, err = h.c.GetPaymentByOrderID(ctx, "order-1")
			}
			if p != nil || err == nil {
				t.Fatalf("payment %v, err %v: a 2xx that does not answer the request was a success", p != nil, err)
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			if !strings.Contains(ae.Mismatch, c.want) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Mismatch = %q, Error() = %q; want %q in both", ae.Mismatch, err, c.want)
			}
			if ClassOf(err) != ClassOutcomeUnknown || IsRetryable(err) {
				t.Errorf("class %s, retryable %v; want outcome unknown, not retryable", ClassOf(err), IsRetryable(err))
			}
			if hits.Load() != 1 {
				t.Errorf("hits = %d: a 2xx that does not answer the request was retried", hits.Load())
			}
			if c.change != nil && ae.Payment == nil {
				t.Error("the payment that came back is not in the error")
			}
			if post && !strings.Contains(err.Error(), "Resolve") {
				t.Errorf("Error() = %q does not say what to do", err)
			}
			if strings.Contains(err.Error(), "CANARY") || strings.Contains(err.Error(), "someone-else") {
				t.Errorf("Error() = %q quotes a value from the answer", err)
			}
		})
	}
}

// TestRedirectsNeverFollowed: whatever client the caller passes (one that
// follows redirects), a redirect is an error naming its status; nothing is
// sent to its Location, the caller's client is not modified.
func TestRedirectsNeverFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, op := range []string{"keyin", "get"} {
			t.Run(http.StatusText(status)+" "+op, func(t *testing.T) {
				t.Parallel()
				var elsewhere atomic.Int32
				other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					elsewhere.Add(1)
					writeJSON(w, 200, answerTo(t, r, readBody(t, r)))
				}))
				t.Cleanup(other.Close)
				api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.URL+r.URL.Path, status)
				}))
				t.Cleanup(api.Close)
				mine := &http.Client{}
				c, err := New(testKey, WithBaseURL(api.URL), WithHTTPClient(mine), WithSleeper((&sleeper{}).sleep))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(c.CloseIdleConnections)
				if op == "keyin" {
					_, _, err = c.KeyInPayment(context.Background(), keyInReq("4330123412341234"))
				} else {
					_, _, err = c.GetPayment(context.Background(), "pk-1")
				}
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != status {
					t.Fatalf("err = %v, want an *APIError with status %d", err, status)
				}
				if msg := err.Error(); !strings.Contains(msg, "redirect") || !strings.Contains(msg, "nothing was re-sent") {
					t.Errorf("Error() = %q", msg)
				}
				if elsewhere.Load() != 0 {
					t.Errorf("%d requests reached the redirect's target", elsewhere.Load())
				}
				if mine.CheckRedirect != nil || mine.Transport != nil {
					t.Error("the caller's client was modified")
				}
				want := ClassOutcomeUnknown
				if op == "get" {
					want = ClassRejected
				}
				if ClassOf(err) != want || ae.Attempts != 1 {
					t.Errorf("class %s after %d attempts, want %s after 1", ClassOf(err), ae.Attempts, want)
				}
			})
		}
	}
}

// TestNoCleartextDowngrade: an https API that redirects to http:// on the
// same host never gets a live key sent in cleartext, with the caller's own
// client (which trusts the server and follows redirects).
func TestNoCleartextDowngrade(t *testing.T) {
	t.Parallel()
	var plain atomic.Int32
	clear := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plain.Add(1)
		w.WriteHeader(200)
	}))
	t.Cleanup(clear.Close)
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, clear.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(api.Close)
	const liveKey = "live_sk_CANARYliveKEYdoNotLeak42"
	c, err := New(liveKey, WithBaseURL(api.URL), WithHTTPClient(api.Client()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	_, _, err = c.ConfirmPayment(context.Background(), confirmReq())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 307 || !strings.Contains(err.Error(), "nothing was re-sent") {
		t.Fatalf("err = %v, want the 307 as an error", err)
	}
	if plain.Load() != 0 {
		t.Errorf("%d requests went over plain http", plain.Load())
	}
	if _, err := New(liveKey, WithBaseURL(strings.Replace(api.URL, "127.0.0.1", "api.example", 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := New(liveKey, WithBaseURL("http://api.example")); err == nil {
		t.Error("a live key with an http:// base URL was accepted")
	}
}

// TestGatewayPrefix: a base URL with a path prefix keeps it.
func TestGatewayPrefix(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"/toss", "/toss/", "/egress/toss"} {
		mux := http.NewServeMux()
		var paths []string
		prefix := strings.TrimRight(base, "/")
		mux.HandleFunc("POST "+prefix+"/v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
			paths = append(paths, r.URL.Path)
			writeJSON(w, 200, answerTo(t, r, readBody(t, r)))
		})
		mux.HandleFunc("GET "+prefix+"/v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
			paths = append(paths, r.URL.Path)
			writeJSON(w, 200, answerTo(t, r, nil))
		})
		srv := httptest.NewServer(mux)
		c, err := New(testKey, WithBaseURL(srv.URL+base))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ConfirmPayment(context.Background(), confirmReq()); err != nil {
			t.Errorf("%s: confirm: %v", base, err)
		}
		if _, _, err := c.GetPayment(context.Background(), "pk-1"); err != nil {
			t.Errorf("%s: get: %v", base, err)
		}
		if want := []string{prefix + "/v1/payments/confirm", prefix + "/v1/payments/pk-1"}; strings.Join(paths, " ") != strings.Join(want, " ") {
			t.Errorf("%s: paths %v, want %v", base, paths, want)
		}
		c.CloseIdleConnections()
		srv.Close()
	}
}

// TestReconcileAlreadyProcessed: a confirm answered
// ALREADY_PROCESSED_PAYMENT is looked up: DONE (or WAITING_FOR_DEPOSIT)
// with the same orderId and amount is a success marked Reconciled; any
// other state is a definitive error carrying the payment; a look-up that
// fails leaves the outcome unknown.
func TestReconcileAlreadyProcessed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		lookup    func(w http.ResponseWriter, r *http.Request)
		wantOK    bool
		wantClass Class
		want      string
	}{
		{"DONE", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, answerTo(t, r, nil)) }, true, ClassNone, ""},
		{"WAITING_FOR_DEPOSIT", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, edit(t, r, nil, func(p map[string]any) {
				p["status"] = "WAITING_FOR_DEPOSIT"
				p["virtualAccount"] = map[string]any{"accountNumber": "X6950000000000", "bankCode": "20"}
			}))
		}, true, ClassNone, ""},
		{"CANCELED", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, edit(t, r, nil, func(p map[string]any) { p["status"] = "CANCELED" }))
		}, false, ClassRejected, "status CANCELED"},
		{"another amount", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, edit(t, r, nil, func(p map[string]any) { p["totalAmount"] = 100 }))
		}, false, ClassRejected, "totalAmount 100"},
		{"another order", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, edit(t, r, nil, func(p map[string]any) { p["orderId"] = "order-other" }))
		}, false, ClassRejected, "orderId"},
		{"not found", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 404, "NOT_FOUND_PAYMENT", "없음")
		}, false, ClassRejected, "no such payment"},
		{"look-up fails", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "x")
		}, false, ClassOutcomeUnknown, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			var confirms atomic.Int32
			h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
				confirms.Add(1)
				writeError(w, 400, "ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다.")
			})
			h.mux.HandleFunc("GET /v1/payments/{paymentKey}", tc.lookup)
			p, meta, err := h.c.ConfirmPayment(context.Background(), confirmReq())
			if confirms.Load() != 1 {
				t.Errorf("%d confirms, want 1", confirms.Load())
			}
			if tc.wantOK {
				if err != nil || p == nil || !meta.Reconciled || meta.Lookup == nil || meta.Lookup.StatusCode != 200 {
					t.Fatalf("p %v, meta %+v, err %v: want a reconciled success", p != nil, meta, err)
				}
				return
			}
			if p != nil || meta.Reconciled {
				t.Fatalf("a payment in state %s was returned as a success", tc.name)
			}
			var ae *APIError
			if !errors.As(err, &ae) || ClassOf(err) != tc.wantClass {
				t.Fatalf("err = %v (class %s), want class %s", err, ClassOf(err), tc.wantClass)
			}
			if !strings.Contains(ae.Mismatch, tc.want) {
				t.Errorf("Mismatch = %q, want %q", ae.Mismatch, tc.want)
			}
			if tc.wantClass == ClassRejected && tc.name != "not found" && ae.Payment == nil {
				t.Error("the definitive error does not carry the payment found")
			}
			if ae.Code != "ALREADY_PROCESSED_PAYMENT" || ae.IdempotencyKey != "key-1" {
				t.Errorf("code %s, key %s", ae.Code, ae.IdempotencyKey)
			}
		})
	}
}

// TestResolve: Resolve settles an outcome-unknown error by looking the
// payment up, and leaves other errors as they are.
func TestResolve(t *testing.T) {
	t.Parallel()
	h := setup(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
	var state atomic.Value
	state.Store("DONE")
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 500, "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING", "x")
	})
	h.mux.HandleFunc("POST /v1/payments/key-in", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte("{}"))
	})
	h.mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 503, "", "")
	})
	h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		s := state.Load().(string)
		if s == "CANCELED 5000" {
			cancel := []byte(`{"cancelReason":"r","cancelAmount":5000}`)
			r2 := r.Clone(r.Context())
			r2.URL.Path += "/cancel"
			writeJSON(w, 200, answerTo(t, r2, cancel))
			return
		}
		writeJSON(w, 200, edit(t, r, nil, func(p map[string]any) { p["status"] = s }))
	})
	h.mux.HandleFunc("GET /v1/payments/orders/{orderId}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, edit(t, r, nil, func(p map[string]any) { p["totalAmount"] = 15000 }))
	})
	ctx := context.Background()

	_, _, err := h.c.ConfirmPayment(ctx, confirmReq())
	if !IsOutcomeUnknown(err) {
		t.Fatalf("err = %v, want outcome unknown", err)
	}
	p, meta, rerr := h.c.Resolve(ctx, err)
	if rerr != nil || p == nil || !meta.Reconciled || meta.Operation != openapi.OpConfirmPayment || meta.IdempotencyKey != "key-1" {
		t.Fatalf("Resolve = %v, %+v, %v; want the confirmed payment", p != nil, meta, rerr)
	}
	state.Store("IN_PROGRESS")
	p, meta, rerr = h.c.Resolve(ctx, err)
	if p != nil || rerr != err || meta.Lookup == nil || meta.Reconciled {
		t.Fatalf("Resolve of an IN_PROGRESS payment = %v, %+v, %v; want the outcome still unknown", p != nil, meta, rerr)
	}
	state.Store("CANCELED")
	p, _, rerr = h.c.Resolve(ctx, err)
	var ae *APIError
	if p != nil || !errors.As(rerr, &ae) || ClassOf(rerr) != ClassRejected || ae.Payment == nil || ae.Payment.Status != "CANCELED" {
		t.Fatalf("Resolve of a CANCELED payment = %v, %v; want a definitive error carrying it", p != nil, rerr)
	}

	// A key-in answered with a 2xx that does not answer it, resolved by orderId.
	_, _, err = h.c.KeyInPayment(ctx, keyInReq("4330123412341234"))
	if !IsOutcomeUnknown(err) {
		t.Fatalf("key-in err = %v", err)
	}
	if p, meta, rerr = h.c.Resolve(ctx, err); rerr != nil || p == nil || !meta.Reconciled || p.OrderID != "order-20210101-0002" {
		t.Fatalf("Resolve of the key-in = %v, %v", p != nil, rerr)
	}

	// A cancel lost in a 503, resolved by its paymentKey.
	amount := money.New(5000)
	_, _, err = h.c.CancelPayment(ctx, "pk-9", generated.CancelPaymentRequest{CancelReason: "r", CancelAmount: &amount})
	if !IsOutcomeUnknown(err) {
		t.Fatalf("cancel err = %v", err)
	}
	state.Store("DONE")
	if _, _, rerr = h.c.Resolve(ctx, err); ClassOf(rerr) != ClassRejected {
		t.Errorf("Resolve of a cancel not in the payment = %v, want rejected", rerr)
	}
	state.Store("CANCELED 5000")
	if p, _, rerr = h.c.Resolve(ctx, err); rerr != nil || p == nil {
		t.Errorf("Resolve of a cancel in the payment = %v", rerr)
	}

	// Errors that are not outcome-unknown come back as they are.
	decline := &APIError{class: ClassDeclined}
	if _, _, got := h.c.Resolve(ctx, decline); got != decline {
		t.Errorf("Resolve(decline) = %v", got)
	}
	other := errors.New("x")
	if _, meta, got := h.c.Resolve(ctx, other); got != other || meta == nil {
		t.Errorf("Resolve(foreign) = %v", got)
	}
}

// TestBodyObserved: the one hook point sees every body the client reads,
// with its operation and status.
func TestBodyObserved(t *testing.T) {
	t.Parallel()
	h := setup(t)
	type seen struct {
		op     string
		status int
		body   string
	}
	var got []seen
	h.c.cfg.onBody = func(op string, status int, body []byte) { got = append(got, seen{op, status, string(body)}) }
	h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 404, "NOT_FOUND_PAYMENT", "none")
	})
	_, _, _ = h.c.GetPayment(context.Background(), "pk-1")
	if len(got) != 1 || got[0].op != openapi.OpGetPayment || got[0].status != 404 || !strings.Contains(got[0].body, "NOT_FOUND_PAYMENT") {
		t.Errorf("observed %+v", got)
	}
}

// TestNotSentWithCustomTransport: with a transport that is not an
// *http.Transport, a request whose body the transport never read did not
// reach the server (retryable); one whose body it read may have (outcome
// unknown for a POST).
func TestNotSentWithCustomTransport(t *testing.T) {
	t.Parallel()
	for _, read := range []bool{false, true} {
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if read {
				_, _ = io.ReadAll(r.Body)
			}
			return nil, errors.New("link down")
		})
		c, err := New(testKey, WithBaseURL("http://sandbox.test"), WithHTTPClient(&http.Client{Transport: rt}), WithSleeper((&sleeper{}).sleep))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.ConfirmPayment(context.Background(), confirmReq())
		var te *TransportError
		if !errors.As(err, &te) || te.MayHaveReachedServer != read {
			t.Fatalf("body read %v: err %v, want MayHaveReachedServer %v", read, err, read)
		}
		want := ClassRetryable
		if read {
			want = ClassOutcomeUnknown
		}
		if ClassOf(err) != want || te.Attempts != 3 {
			t.Errorf("body read %v: class %s after %d attempts, want %s after 3", read, ClassOf(err), te.Attempts, want)
		}
	}
}
