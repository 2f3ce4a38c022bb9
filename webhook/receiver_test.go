package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

func TestNewRequiresHandlerAndVerification(t *testing.T) {
	t.Parallel()
	ok := func(context.Context, *Event) error { return nil }
	for name, tc := range map[string]struct {
		fn   HandlerFunc
		opts []Option
	}{
		"nil handler":     {nil, []Option{WithSecretLookup(secrets(nil))}},
		"no verification": {ok, nil},
		"nil getter":      {ok, []Option{WithPaymentGetter(nil)}},
		"nil lookup":      {ok, []Option{WithSecretLookup(nil)}},
		"nil store":       {ok, []Option{WithSecretLookup(secrets(nil)), WithStore(nil)}},
		"nil logger":      {ok, []Option{WithSecretLookup(secrets(nil)), WithLogger(nil)}},
		"zero body limit": {ok, []Option{WithSecretLookup(secrets(nil)), WithMaxBodyBytes(0)}},
	} {
		if _, err := New(tc.fn, tc.opts...); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := New(ok, WithPaymentGetter(newFakeToss(t))); err != nil {
		t.Errorf("getter only: %v", err)
	}
}

// A PAYMENT_STATUS_CHANGED verified by a look-up at Toss reaches the function
// with the payment Toss answered.
func TestPaymentStatusChangedVerifiedByLookup(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_1", "order_1", "CANCELED", strPtr(testSecret)))
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(toss))

	w := deliver(t, r, "whtrans_1", 0, statusEvent("pk_1", "order_1", "DONE", strPtr(testSecret), "2026-01-02T14:46:59.65327"))
	wantStatus(t, w, http.StatusOK)
	if rec.count() != 1 {
		t.Fatalf("handler called %d times, want 1", rec.count())
	}
	ev := rec.events[0]
	if ev.Type != PaymentStatusChanged || ev.Key != "tid:whtrans_1" || ev.TransmissionID != "whtrans_1" || ev.OrderID() != "order_1" {
		t.Errorf("event = %+v", ev)
	}
	// The event says DONE (when it was created); Toss says CANCELED (now).
	if ev.Status() != generated.PaymentStatusDone || ev.Payment == nil || ev.Payment.Status != generated.PaymentStatusCanceled {
		t.Errorf("event status %s, looked-up payment %+v", ev.Status(), ev.Payment)
	}
	if got, err := ev.CreatedAt().Time(); err != nil || got.UTC().Hour() != 5 {
		t.Errorf("createdAt = %v, %v; want 05:46 UTC", got, err)
	}
}

// EXPIRED and ABORTED events carry no secret: a look-up verifies them.
func TestNullSecretVerifiedByLookup(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_exp", "order_exp", "EXPIRED", nil))
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(toss), WithSecretLookup(secrets(nil)))
	wantStatus(t, deliver(t, r, "whtrans_e", 0, statusEvent("pk_exp", "order_exp", "EXPIRED", nil, "2026-01-02T15:00:00.000000")), http.StatusOK)
	if rec.count() != 1 || rec.events[0].Status() != generated.PaymentStatusExpired {
		t.Fatalf("events = %+v", rec.events)
	}
}

func TestPaymentStatusChangedVerifiedBySecret(t *testing.T) {
	t.Parallel()
	var rec recorder
	r := mustNew(t, rec.handle, WithSecretLookup(secrets(map[string]string{"order_1": testSecret})))
	wantStatus(t, deliver(t, r, "whtrans_s", 0, statusEvent("pk_1", "order_1", "DONE", strPtr(testSecret), "2026-01-02T15:00:00")), http.StatusOK)
	if rec.count() != 1 || rec.events[0].Payment != nil {
		t.Fatalf("events = %+v", rec.events)
	}
}

func TestDepositCallbackVerifiedBySecret(t *testing.T) {
	t.Parallel()
	var rec recorder
	r := mustNew(t, rec.handle, WithSecretLookup(secrets(map[string]string{"order_va": testSecret})))
	wantStatus(t, deliver(t, r, "whtrans_d", 0, depositEvent("order_va", "DONE", testSecret)), http.StatusOK)
	if rec.count() != 1 {
		t.Fatalf("handler called %d times", rec.count())
	}
	ev := rec.events[0]
	if ev.Type != DepositCallback || ev.OrderID() != "order_va" || ev.Status() != generated.PaymentStatusDone || ev.DepositCallback.TransactionKey == "" {
		t.Errorf("event = %+v", ev)
	}
	if s := fmt.Sprintf("%v %+v", ev.DepositCallback, ev.DepositCallback); strings.Contains(s, testSecret) {
		t.Errorf("the event prints its secret: %s", s)
	}
}

// Without a SecretLookup, a DEPOSIT_CALLBACK is verified against the secret
// of the payment looked up by orderId.
func TestDepositCallbackVerifiedByOrderLookup(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_va", "order_va", "DONE", strPtr(testSecret)))
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(toss))
	wantStatus(t, deliver(t, r, "whtrans_d1", 0, depositEvent("order_va", "DONE", testSecret)), http.StatusOK)
	if rec.count() != 1 || rec.events[0].Payment == nil || rec.events[0].Payment.PaymentKey != "pk_va" {
		t.Fatalf("events = %+v", rec.events)
	}
	wantStatus(t, deliver(t, r, "whtrans_d2", 0, depositEvent("order_va", "DONE", "wrong-secret")), http.StatusUnauthorized)
	if rec.count() != 1 {
		t.Fatalf("a forged DEPOSIT_CALLBACK reached the handler")
	}
}

// getterOnly is a PaymentGetter that cannot look payments up by orderId.
type getterOnly struct{ f *fakeToss }

func (g getterOnly) GetPayment(ctx context.Context, key string, opts ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error) {
	return g.f.GetPayment(ctx, key, opts...)
}

// TestRejects: each delivery that is malformed, unknown or fails verification
// gets its status, is logged without secrets, and never reaches the function.
func TestRejects(t *testing.T) {
	t.Parallel()
	good := statusEvent("pk_1", "order_1", "DONE", strPtr(testSecret), "2026-01-02T15:00:00")
	byLookup := func(t *testing.T) []Option {
		return []Option{WithPaymentGetter(newFakeToss(t, paymentJSON("pk_1", "order_1", "DONE", strPtr(testSecret))))}
	}
	bySecret := func(*testing.T) []Option {
		return []Option{WithSecretLookup(secrets(map[string]string{"order_1": testSecret, "order_va": testSecret}))}
	}
	tests := []struct {
		name   string
		opts   func(*testing.T) []Option
		method string
		header map[string]string
		body   []byte
		status int
		reason string
	}{
		{"not JSON", byLookup, "", nil, []byte(`{"eventType":`), 400, "not a JSON object"},
		{"JSON array", byLookup, "", nil, []byte(`[1]`), 400, "not a JSON object"},
		{"empty body", byLookup, "", nil, nil, 400, "not a JSON object"},
		{"eventType a number", byLookup, "", nil, []byte(`{"eventType":1}`), 400, "eventType is not a string"},
		{"unknown event type", byLookup, "", nil, []byte(`{"eventType":"BILLING_DELETED","createdAt":"2024-12-01T00:00:00.000000","data":{}}`), 422, "unknown event type"},
		{"cancel status changed", byLookup, "", nil, []byte(`{"eventType":"CANCEL_STATUS_CHANGED","createdAt":"2022-01-01T00:00:00.000000","data":{}}`), 422, "CANCEL_STATUS_CHANGED cannot be verified"},
		{"oversized", func(t *testing.T) []Option { return append(byLookup(t), WithMaxBodyBytes(100)) }, "", nil, good, 413, "larger than 100 bytes"},
		{"GET", byLookup, http.MethodGet, nil, good, 405, "method not allowed"},
		{"no paymentKey", byLookup, "", nil, []byte(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-02T15:00:00","data":{"orderId":"order_1","status":"DONE"}}`), 400, "without data.paymentKey"},
		{"wrong type in data", byLookup, "", nil, []byte(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-02T15:00:00","data":{"paymentKey":7}}`), 400, "malformed PAYMENT_STATUS_CHANGED body"},
		{"flat body that is no deposit", bySecret, "", nil, []byte(`{"orderId":"order_va","status":"DONE"}`), 400, "missing secret"},
		{"malformed retried count", byLookup, "", map[string]string{HeaderTransmissionRetriedCount: "x"}, good, 400, "malformed tosspayments-webhook-transmission-retried-count"},
		{"unknown payment at Toss", byLookup, "", nil, statusEvent("pk_forged", "order_1", "DONE", strPtr(testSecret), "2026-01-02T15:00:00"), 401, "no such payment at Toss"},
		{"payment of another order", byLookup, "", nil, statusEvent("pk_1", "order_other", "DONE", strPtr(testSecret), "2026-01-02T15:00:00"), 401, "does not match the event"},
		{"Toss unreachable", func(t *testing.T) []Option {
			f := newFakeToss(t)
			f.err = &wrapper.TransportError{}
			return []Option{WithPaymentGetter(f)}
		}, "", nil, good, 503, "looking the payment up at Toss failed"},
		{"status event secret mismatch", bySecret, "", nil, statusEvent("pk_1", "order_1", "DONE", strPtr("wrong-secret"), "2026-01-02T15:00:00"), 401, "secret does not match"},
		{"status event without secret, no getter", bySecret, "", nil, statusEvent("pk_1", "order_1", "EXPIRED", nil, "2026-01-02T15:00:00"), 401, "can be verified only with a PaymentGetter"},
		{"status event of an unknown order", bySecret, "", nil, statusEvent("pk_9", "order_9", "DONE", strPtr(testSecret), "2026-01-02T15:00:00"), 401, "no secret kept for this orderId"},
		{"deposit secret mismatch", bySecret, "", nil, depositEvent("order_va", "DONE", "wrong-secret"), 401, "secret does not match"},
		{"deposit of an unknown order", bySecret, "", nil, depositEvent("order_none", "DONE", testSecret), 401, "no secret kept"},
		{"deposit secret empty", bySecret, "", nil, depositEvent("order_va", "DONE", ""), 400, "missing secret"},
		{"secret lookup fails", func(*testing.T) []Option {
			return []Option{WithSecretLookup(func(context.Context, string) (string, bool, error) { return "", false, errBoom })}
		}, "", nil, depositEvent("order_va", "DONE", testSecret), 503, "secret lookup failed"},
		{"deposit without any way to verify", func(t *testing.T) []Option {
			return []Option{WithPaymentGetter(getterOnly{newFakeToss(t)})}
		}, "", nil, depositEvent("order_va", "DONE", testSecret), 500, "DEPOSIT_CALLBACK needs a SecretLookup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			var logs logBuffer
			r := mustNew(t, rec.handle, append(tc.opts(t), WithLogger(logs.logger()))...)
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/hook", bytes.NewReader(tc.body))
			req.Header.Set(HeaderTransmissionID, "whtrans_r")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			wantStatus(t, w, tc.status)
			if rec.count() != 0 {
				t.Errorf("the handler was called")
			}
			if !strings.Contains(w.Body.String(), tc.reason) {
				t.Errorf("body %q does not give the reason %q", w.Body.String(), tc.reason)
			}
			line := logs.String()
			if !strings.Contains(line, "delivery refused") || !strings.Contains(line, tc.reason) || !strings.Contains(line, fmt.Sprintf("status=%d", tc.status)) {
				t.Errorf("log line %q lacks the refusal, status or reason", line)
			}
			noSecretIn(t, line)
			noSecretIn(t, w.Body.String())
		})
	}
}

// TestDuplicatesAndOutOfOrder: deliveries that repeat and arrive out of
// order reach the function once per event (in-memory store).
func TestDuplicatesAndOutOfOrder(t *testing.T) {
	t.Parallel()
	sec := strPtr(testSecret)
	var rec recorder
	r := mustNew(t, rec.handle, WithSecretLookup(secrets(map[string]string{"order_1": testSecret})))
	done := statusEvent("pk_1", "order_1", "DONE", sec, "2026-01-02T15:00:00.000001")
	canceled := statusEvent("pk_1", "order_1", "CANCELED", sec, "2026-01-02T15:05:00.000001")
	deliveries := []struct {
		tid     string
		retried int
		body    []byte
	}{
		{"whtrans_cancel", 0, canceled}, // the later event first
		{"whtrans_done", 0, done},
		{"whtrans_cancel", 1, canceled}, // Toss retries both
		{"whtrans_done", 1, done},
		{"whtrans_done", 2, done},
	}
	for _, d := range deliveries {
		wantStatus(t, deliver(t, r, d.tid, d.retried, d.body), http.StatusOK)
	}
	if rec.count() != 2 {
		t.Fatalf("handler called %d times, want 2 (once per event)", rec.count())
	}
	first, second := rec.events[0], rec.events[1]
	if first.Status() != generated.PaymentStatusCanceled || second.Status() != generated.PaymentStatusDone {
		t.Errorf("order of calls: %s, %s", first.Status(), second.Status())
	}
	// The function can tell the DONE is older than the CANCELED it already applied.
	a, _ := first.CreatedAt().Time()
	b, _ := second.CreatedAt().Time()
	if !b.Before(a) {
		t.Errorf("createdAt of DONE %v not before CANCELED %v", b, a)
	}
}

// A failed function makes Toss retry; the retry calls it again; once it
// succeeds, further retries are duplicates.
func TestHandlerErrorIsRetried(t *testing.T) {
	t.Parallel()
	var rec recorder
	fails := 2
	rec.fail = func(*Event) error {
		if fails > 0 {
			fails--
			return errBoom
		}
		return nil
	}
	var logs logBuffer
	r := mustNew(t, rec.handle, WithSecretLookup(secrets(map[string]string{"order_va": testSecret})), WithLogger(logs.logger()))
	body := depositEvent("order_va", "DONE", testSecret)
	wantStatus(t, deliver(t, r, "whtrans_x", 0, body), http.StatusInternalServerError)
	wantStatus(t, deliver(t, r, "whtrans_x", 1, body), http.StatusInternalServerError)
	wantStatus(t, deliver(t, r, "whtrans_x", 2, body), http.StatusOK)
	wantStatus(t, deliver(t, r, "whtrans_x", 3, body), http.StatusOK)
	if rec.count() != 1 {
		t.Fatalf("handler succeeded %d times, want 1", rec.count())
	}
	if !strings.Contains(logs.String(), "handler failed") || !strings.Contains(logs.String(), "duplicate delivery acknowledged") {
		t.Errorf("logs: %s", logs.String())
	}
	noSecretIn(t, logs.String())
}

// A panicking function releases the claim: the next delivery is processed.
func TestHandlerPanicReleasesClaim(t *testing.T) {
	t.Parallel()
	calls := 0
	r := mustNew(t, func(context.Context, *Event) error {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return nil
	}, WithSecretLookup(secrets(map[string]string{"order_va": testSecret})), WithLogger(new(logBuffer).logger()))
	body := depositEvent("order_va", "DONE", testSecret)
	wantStatus(t, deliver(t, r, "whtrans_p", 0, body), http.StatusInternalServerError)
	wantStatus(t, deliver(t, r, "whtrans_p", 1, body), http.StatusOK)
	wantStatus(t, deliver(t, r, "whtrans_p", 2, body), http.StatusOK)
	if calls != 2 {
		t.Fatalf("calls = %d, want 2", calls)
	}
}

// Without a transmission id the body's hash is the key: the same body is
// one event, a different body another.
func TestContentKeyWithoutTransmissionID(t *testing.T) {
	t.Parallel()
	var rec recorder
	r := mustNew(t, rec.handle, WithSecretLookup(secrets(map[string]string{"order_va": testSecret})))
	a := depositEvent("order_va", "WAITING_FOR_DEPOSIT", testSecret)
	b := depositEvent("order_va", "DONE", testSecret)
	for _, body := range [][]byte{a, a, b, b} {
		wantStatus(t, deliver(t, r, "", 0, body), http.StatusOK)
	}
	// An eventType on a flat deposit body is tolerated.
	c := []byte(strings.Replace(string(b), `{`, `{"eventType":"DEPOSIT_CALLBACK",`, 1))
	wantStatus(t, deliver(t, r, "", 0, c), http.StatusOK)
	if rec.count() != 3 || !strings.HasPrefix(rec.events[0].Key, "sha256:") || rec.events[0].Key == rec.events[1].Key || rec.events[2].Type != DepositCallback {
		t.Fatalf("events: %d, keys %q", rec.count(), keysOf(rec.events))
	}
}

func keysOf(evs []*Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Key)
	}
	return out
}

// 16 concurrent deliveries of one event reach the function once (in-memory
// store; TestSQLStoreConcurrentDeliveries does the same across a database).
// The function holds the claim until the 15 others wait for it.
func TestConcurrentDeliveriesMemory(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	var rec recorder
	rec.fail = func(*Event) error {
		deadline := time.Now().Add(20 * time.Second) // a guard against hanging, not a timing assertion
		for time.Now().Before(deadline) {
			store.mu.Lock()
			n := store.waiting
			store.mu.Unlock()
			if n == 15 {
				return nil
			}
			runtime.Gosched()
		}
		return errors.New("the other deliveries never waited for the claim")
	}
	r := mustNew(t, rec.handle, WithStore(store), WithSecretLookup(secrets(map[string]string{"order_va": testSecret})))
	body := depositEvent("order_va", "DONE", testSecret)
	var wg sync.WaitGroup
	codes := make([]int, 16)
	for i := range codes {
		wg.Go(func() { codes[i] = deliver(t, r, "whtrans_c", i, body).Code })
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("delivery %d: %d", i, c)
		}
	}
	if rec.count() != 1 {
		t.Fatalf("handler called %d times, want 1", rec.count())
	}
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewMemoryStoreSize(2)
	claim := func(key string) Claim {
		t.Helper()
		c, err := s.Claim(ctx, key)
		if err != nil {
			t.Fatalf("claim %s: %v", key, err)
		}
		return c
	}
	c := claim("a")
	// A concurrent claim waits; cancelled, it gives up.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Claim(cctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("claim while held: %v, want context.Canceled", err)
	}
	_ = c.Release()
	c = claim("a") // released: claimable again
	_ = c.Commit()
	if _, err := s.Claim(ctx, "a"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("claim after commit: %v, want ErrDuplicate", err)
	}
	_ = claim("b").Commit()
	_ = claim("c").Commit() // evicts "a", the oldest
	if s.Len() != 2 {
		t.Errorf("Len = %d, want 2", s.Len())
	}
	if _, err := s.Claim(ctx, "b"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("b: %v, want ErrDuplicate", err)
	}
	_ = claim("a").Release() // forgotten after eviction
}
