package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

func TestNewRequiresHandlerAndVerification(t *testing.T) {
	t.Parallel()
	ok := func(context.Context, *Event) error { return nil }
	okU := func(context.Context, *Unverified) error { return nil }
	g := WithPaymentGetter(newFakeToss(t))
	for name, tc := range map[string]struct {
		fn   HandlerFunc
		opts []Option
	}{
		"nil handler":              {nil, []Option{g}},
		"no verification":          {ok, nil},
		"a secret lookup only":     {ok, []Option{WithSecretLookup(secrets(nil))}},
		"nil getter":               {ok, []Option{WithPaymentGetter(nil)}},
		"nil lookup":               {ok, []Option{g, WithSecretLookup(nil)}},
		"nil store":                {ok, []Option{g, WithStore(nil)}},
		"nil logger":               {ok, []Option{g, WithLogger(nil)}},
		"nil unverified":           {ok, []Option{g, WithUnverified(nil)}},
		"zero body limit":          {ok, []Option{g, WithMaxBodyBytes(0)}},
		"zero read timeout":        {ok, []Option{g, WithBodyReadTimeout(0)}},
		"zero rate":                {ok, []Option{g, WithLookupRate(0, 1)}},
		"zero burst":               {ok, []Option{g, WithLookupRate(1, 0)}},
		"no security key":          {ok, []Option{WithSecurityKeys()}},
		"empty security key":       {ok, []Option{WithSecurityKeys([]byte{})}},
		"zero signature tolerance": {ok, []Option{g, WithSignatureTolerance(0)}},
	} {
		if _, err := New(tc.fn, tc.opts...); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := New(ok, g); err != nil {
		t.Errorf("getter only: %v", err)
	}
	if _, err := New(ok, WithSecurityKeys([]byte("k"))); err != nil {
		t.Errorf("security key only: %v", err)
	}
	if _, err := NewUnverified(okU, g); err == nil {
		t.Error("NewUnverified accepted a PaymentGetter: such a receiver verifies")
	}
	if _, err := NewUnverified(nil); err == nil {
		t.Error("NewUnverified(nil) accepted")
	}
}

// The attack of the docs' page: a forged PAYMENT_STATUS_CHANGED for a
// virtual account still waiting for its deposit, copied from the real
// payment with status DONE and totalAmount 1, posted five times under five
// made-up transmission ids. The function is called once, with what the API
// says (WAITING_FOR_DEPOSIT, 30000); the body's claim is kept, marked
// claimed, and the disagreement is logged without the secret.
func TestForgedDoneSeesTheTruth(t *testing.T) {
	t.Parallel()
	real := pay{key: "pk_va", order: "order_va", status: "WAITING_FOR_DEPOSIT", secret: strPtr(testSecret), total: 30000, last: "txva_issue"}
	toss := newFakeToss(t, payJSON(real))
	var rec recorder
	var logs logBuffer
	r := mustNew(t, rec.handle, WithPaymentGetter(toss), WithLogger(logs.logger()))
	forged := real
	forged.status, forged.total = "DONE", 1
	for i := range 5 {
		wantStatus(t, deliver(t, r, fmt.Sprintf("whtrans_made_up_%d", i), 0, eventOf(forged, "2026-01-02T15:00:00")), http.StatusOK)
	}
	if got := rec.statuses(); !slices.Equal(got, []string{"WAITING_FOR_DEPOSIT"}) {
		t.Fatalf("the function saw %v, want the API's WAITING_FOR_DEPOSIT once", got)
	}
	ev := rec.events[0]
	if ev.TotalAmount().String() != "30000" || ev.BalanceAmount().String() != "30000" || ev.OrderID() != "order_va" || ev.PaymentKey() != "pk_va" {
		t.Errorf("accessors read %s %s %s %s, not the API's answer", ev.TotalAmount(), ev.BalanceAmount(), ev.OrderID(), ev.PaymentKey())
	}
	if c := ev.Claimed.PaymentStatusChanged; c == nil || c.Data.Status != generated.PaymentStatusDone || c.Data.TotalAmount.String() != "1" || ev.Claimed.Status() != "DONE" {
		t.Errorf("the claim is not kept as claimed: %+v", ev.Claimed)
	}
	if want := []string{"status", "totalAmount", "balanceAmount"}; !slices.Equal(ev.Disagreements, want) {
		t.Errorf("disagreements %v, want %v", ev.Disagreements, want)
	}
	line := logs.String()
	if !strings.Contains(line, "disagrees with the API") || !strings.Contains(line, "claimed_status=DONE") {
		t.Errorf("the disagreement is not logged: %s", line)
	}
	noSecretIn(t, line)
}

// delivery is one POST of TestForgedDeliveries: before it, the payment at
// Toss may change (toss), then the body is sent under tid.
type delivery struct {
	toss   *pay // the payment at Toss from now on, when set
	tid    string
	body   []byte
	status int
}

// TestForgedDeliveries: forged, replayed and genuine deliveries, each
// sequence against a payment at a fake Toss, on the memory store and (when
// TOSS_TEST_POSTGRES_DSN is set) on PostgreSQL. The function sees only the
// API's states, once each.
func TestForgedDeliveries(t *testing.T) {
	t.Parallel()
	sec := strPtr(testSecret)
	done := pay{key: "pk_1", order: "order_1", status: "DONE", secret: sec, total: 1000, last: "txrd_approve"}
	waiting := done
	waiting.status, waiting.last = "WAITING_FOR_DEPOSIT", "txva_issue"
	canceled := done
	canceled.status, canceled.balance, canceled.last, canceled.cancels = "CANCELED", -1, "txc_0", 1
	partial1 := done
	partial1.status, partial1.balance, partial1.last, partial1.cancels = "PARTIAL_CANCELED", 900, "txc_0", 1
	partial2 := partial1
	partial2.balance, partial2.last, partial2.cancels = 800, "txc_1", 2
	with := func(p pay, f func(*pay)) pay { f(&p); return p }

	tests := []struct {
		name       string
		start      pay
		deliveries []delivery
		want       []string // the statuses the function saw, in order
	}{
		{"status forged", waiting, []delivery{
			{nil, "whtrans_a", eventOf(with(waiting, func(p *pay) { p.status = "DONE" }), "2026-01-02T15:00:00"), 200},
		}, []string{"WAITING_FOR_DEPOSIT"}},
		{"amounts forged", done, []delivery{
			{nil, "whtrans_a", eventOf(with(done, func(p *pay) { p.total, p.balance = 1, 1 }), "2026-01-02T15:00:00"), 200},
		}, []string{"DONE"}},
		{"cancel forged", done, []delivery{
			{nil, "whtrans_a", eventOf(canceled, "2026-01-02T15:00:00"), 200},
		}, []string{"DONE"}},
		{"status event, wrong secret", done, []delivery{
			{nil, "whtrans_a", eventOf(with(done, func(p *pay) { p.secret = strPtr("wrong-secret") }), "2026-01-02T15:00:00"), 401},
		}, nil},
		{"secret claimed for a payment that has none", with(waiting, func(p *pay) { p.status, p.secret = "EXPIRED", nil }), []delivery{
			{nil, "whtrans_a", eventOf(with(done, func(p *pay) { p.secret = strPtr("wrong-secret") }), "2026-01-02T15:00:00"), 200},
		}, []string{"EXPIRED"}},
		{"deposit callback, wrong secret", waiting, []delivery{
			{nil, "whtrans_a", depositEvent("order_1", "DONE", "wrong-secret"), 401},
		}, nil},
		{"deposit callback, right secret, status forged", waiting, []delivery{
			{nil, "whtrans_a", depositEvent("order_1", "DONE", testSecret), 200},
		}, []string{"WAITING_FOR_DEPOSIT"}},
		{"unknown payment", done, []delivery{
			{nil, "whtrans_a", eventOf(with(done, func(p *pay) { p.key = "pk_forged" }), "2026-01-02T15:00:00"), 401},
			{nil, "whtrans_b", depositEvent("order_forged", "DONE", testSecret), 401},
		}, nil},
		{"payment of another order", done, []delivery{
			{nil, "whtrans_a", eventOf(with(done, func(p *pay) { p.order = "order_other" }), "2026-01-02T15:00:00"), 401},
		}, nil},
		{"replays with new ids", done, []delivery{
			{nil, "whtrans_a", eventOf(done, "2026-01-02T15:00:00"), 200},
			{nil, "whtrans_b", eventOf(done, "2026-01-02T15:00:00"), 200},
			{nil, "whtrans_c", eventOf(done, "2026-01-02T15:00:01"), 200},
			{nil, "", eventOf(done, "2026-01-02T15:00:02"), 200},
			{nil, "whtrans_a", eventOf(done, "2026-01-02T15:00:00"), 200},
		}, []string{"DONE"}},
		{"genuine retries of one event", done, []delivery{
			{nil, "whtrans_a", eventOf(done, "2026-01-02T15:00:00"), 200},
			{nil, "whtrans_a", eventOf(done, "2026-01-02T15:00:00"), 200},
		}, []string{"DONE"}},
		{"genuine pair in order", done, []delivery{
			{nil, "whtrans_done", eventOf(done, "2026-01-02T15:00:00"), 200},
			{&canceled, "whtrans_cancel", eventOf(canceled, "2026-01-02T15:05:00"), 200},
			{nil, "whtrans_done", eventOf(done, "2026-01-02T15:00:00"), 200}, // a late retry of the first
		}, []string{"DONE", "CANCELED"}},
		{"genuine pair out of order", canceled, []delivery{
			{nil, "whtrans_cancel", eventOf(canceled, "2026-01-02T15:05:00"), 200},
			{nil, "whtrans_done", eventOf(done, "2026-01-02T15:00:00"), 200}, // older news: the state is handled
		}, []string{"CANCELED"}},
		{"two partial cancels: same status, new transaction", partial1, []delivery{
			{nil, "whtrans_p1", eventOf(partial1, "2026-01-02T15:05:00"), 200},
			{&partial2, "whtrans_p2", eventOf(partial2, "2026-01-02T15:06:00"), 200},
			{nil, "whtrans_p3", eventOf(partial1, "2026-01-02T15:05:00"), 200}, // replay of the first
		}, []string{"PARTIAL_CANCELED", "PARTIAL_CANCELED"}},
		{"deposit: both event types of one change", waiting, []delivery{
			{nil, "whtrans_psc", eventOf(waiting, "2026-01-02T15:00:00"), 200},
			{nil, "whtrans_dc", depositEvent("order_1", "WAITING_FOR_DEPOSIT", testSecret), 200},
			{nil, "whtrans_dc2", depositEvent("order_1", "WAITING_FOR_DEPOSIT", testSecret), 200},
		}, []string{"WAITING_FOR_DEPOSIT"}},
	}
	for _, st := range testStores(t) {
		for _, tc := range tests {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				toss := newFakeToss(t, payJSON(tc.start))
				var rec recorder
				var logs logBuffer
				r := mustNew(t, rec.handle, WithPaymentGetter(toss), WithStore(st.store(t)), WithLogger(logs.logger()))
				for i, d := range tc.deliveries {
					if d.toss != nil {
						toss.set(t, payJSON(*d.toss))
					}
					w := deliver(t, r, d.tid, 0, d.body)
					if w.Code != d.status {
						t.Errorf("delivery %d: %d %q, want %d", i, w.Code, w.Body.String(), d.status)
					}
				}
				if got := rec.statuses(); !slices.Equal(got, tc.want) {
					t.Errorf("the function saw %v, want %v", got, tc.want)
				}
				noSecretIn(t, logs.String())
			})
		}
	}
}

// A function that fails makes Toss retry; the retry (any transmission id)
// calls it again; once it succeeds, further deliveries of that state do not.
func TestHandlerErrorIsRetried(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_va", "order_va", "DONE", strPtr(testSecret)))
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
	r := mustNew(t, rec.handle, WithPaymentGetter(toss), WithLogger(logs.logger()))
	body := depositEvent("order_va", "DONE", testSecret)
	wantStatus(t, deliver(t, r, "whtrans_x", 0, body), http.StatusInternalServerError)
	wantStatus(t, deliver(t, r, "whtrans_x", 1, body), http.StatusInternalServerError)
	wantStatus(t, deliver(t, r, "whtrans_y", 2, body), http.StatusOK)
	wantStatus(t, deliver(t, r, "whtrans_x", 3, body), http.StatusOK)
	if rec.count() != 1 {
		t.Fatalf("handler succeeded %d times, want 1", rec.count())
	}
	if !strings.Contains(logs.String(), "handler failed") || !strings.Contains(logs.String(), "no new state") {
		t.Errorf("logs: %s", logs.String())
	}
	noSecretIn(t, logs.String())
}

// A panicking function releases the claim: the next delivery is processed.
func TestHandlerPanicReleasesClaim(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_va", "order_va", "DONE", strPtr(testSecret)))
	calls := 0
	r := mustNew(t, func(context.Context, *Event) error {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return nil
	}, WithPaymentGetter(toss), WithLogger(new(logBuffer).logger()))
	body := depositEvent("order_va", "DONE", testSecret)
	wantStatus(t, deliver(t, r, "whtrans_p", 0, body), http.StatusInternalServerError)
	wantStatus(t, deliver(t, r, "whtrans_p", 1, body), http.StatusOK)
	wantStatus(t, deliver(t, r, "whtrans_p", 2, body), http.StatusOK)
	if calls != 2 {
		t.Fatalf("calls = %d, want 2", calls)
	}
}

// TestRejects: each delivery that is malformed, unknown or fails verification
// gets its status, is logged without secrets, and never reaches a function.
func TestRejects(t *testing.T) {
	t.Parallel()
	good := statusEvent("pk_1", "order_1", "DONE", strPtr(testSecret), "2026-01-02T15:00:00")
	byLookup := func(t *testing.T) []Option {
		return []Option{WithPaymentGetter(newFakeToss(t, paymentJSON("pk_1", "order_1", "DONE", strPtr(testSecret))))}
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
		{"unknown event type", byLookup, "", nil, []byte(`{"eventType":"SOMETHING_NEW","createdAt":"2024-12-01T00:00:00.000000","data":{}}`), 422, "unknown event type"},
		{"billing deleted, no unverified function", byLookup, "", nil, []byte(`{"eventType":"BILLING_DELETED","createdAt":"2024-12-01T00:00:00.000000","data":{"billingKey":"bk"}}`), 422, "BILLING_DELETED cannot be verified"},
		{"cancel status changed, no unverified function", byLookup, "", nil, []byte(`{"eventType":"CANCEL_STATUS_CHANGED","createdAt":"2022-01-01T00:00:00.000000","data":{}}`), 422, "CANCEL_STATUS_CHANGED cannot be verified"},
		{"oversized", func(t *testing.T) []Option { return append(byLookup(t), WithMaxBodyBytes(100)) }, "", nil, good, 413, "larger than 100 bytes"},
		{"GET", byLookup, http.MethodGet, nil, good, 405, "method not allowed"},
		{"no paymentKey", byLookup, "", nil, []byte(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-02T15:00:00","data":{"orderId":"order_1","status":"DONE"}}`), 400, "without data.paymentKey"},
		{"wrong type in data", byLookup, "", nil, []byte(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-02T15:00:00","data":{"paymentKey":7}}`), 400, "malformed PAYMENT_STATUS_CHANGED body"},
		{"flat body that is no deposit", byLookup, "", nil, []byte(`{"orderId":"order_va","status":"DONE"}`), 400, "missing secret"},
		{"malformed retried count", byLookup, "", map[string]string{openapi.HeaderWebhookTransmissionRetriedCount: "x"}, good, 400, "malformed tosspayments-webhook-transmission-retried-count"},
		{"Toss unreachable", func(t *testing.T) []Option {
			f := newFakeToss(t)
			f.err = &wrapper.TransportError{}
			return []Option{WithPaymentGetter(f)}
		}, "", nil, good, 503, "looking the payment up at Toss failed"},
		{"paymentKey the API cannot be asked about", byLookup, "", nil, statusEvent(strings.Repeat("k", 201), "order_1", "DONE", nil, "2026-01-02T15:00:00"), 400, "data.paymentKey is not one the API takes"},
		{"orderId the API cannot be asked about", byLookup, "", nil, depositEvent("order with spaces", "DONE", testSecret), 400, "orderId is not one the API takes"},
		{"deposit secret empty", byLookup, "", nil, depositEvent("order_va", "DONE", ""), 400, "missing secret"},
		{"deposit without a look-up by orderId", func(t *testing.T) []Option {
			return []Option{WithPaymentGetter(getterOnly{newFakeToss(t)})}
		}, "", nil, depositEvent("order_va", "DONE", testSecret), 500, "DEPOSIT_CALLBACK needs a PaymentGetter that looks payments up by orderId"},
		{"payout event unsigned", func(t *testing.T) []Option { return []Option{WithSecurityKeys([]byte("k"))} }, "", nil, payoutBody("ev-1"), 401, "signature missing"},
		{"payout event signed, receiver without a key", byLookup, "", map[string]string{openapi.HeaderWebhookSignature: "v1:AAAA"}, payoutBody("ev-1"), 500, "no security key"},
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
			req.Header.Set(openapi.HeaderWebhookTransmissionID, "whtrans_r")
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
			if tc.status == 503 && w.Header().Get("Retry-After") != "60" {
				t.Errorf("Retry-After = %q, want Toss's first retry interval", w.Header().Get("Retry-After"))
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

// getterOnly is a PaymentGetter that cannot look payments up by orderId.
type getterOnly struct{ f *fakeToss }

func (g getterOnly) GetPayment(ctx context.Context, key string, opts ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error) {
	return g.f.GetPayment(ctx, key, opts...)
}

// Without a PaymentGetter, the function's type says what it gets: claims.
// The secret is checked when a SecretLookup is given; replays of one body
// reach the function once whatever their ids.
func TestUnverifiedReceiver(t *testing.T) {
	t.Parallel()
	var rec recorder
	r := mustNewUnverified(t, rec.handleUnverified, WithSecretLookup(secrets(map[string]string{"order_va": testSecret, "order_1": testSecret})))
	wantStatus(t, deliver(t, r, "whtrans_1", 0, depositEvent("order_va", "DONE", testSecret)), http.StatusOK)
	wantStatus(t, deliver(t, r, "whtrans_2", 0, depositEvent("order_va", "DONE", testSecret)), http.StatusOK) // replay, new id
	wantStatus(t, deliver(t, r, "whtrans_3", 0, depositEvent("order_va", "DONE", "wrong-secret")), http.StatusUnauthorized)
	wantStatus(t, deliver(t, r, "whtrans_4", 0, depositEvent("order_none", "DONE", testSecret)), http.StatusUnauthorized)
	wantStatus(t, deliver(t, r, "whtrans_5", 0, statusEvent("pk_1", "order_1", "EXPIRED", nil, "2026-01-02T15:00:00")), http.StatusUnauthorized)
	wantStatus(t, deliver(t, r, "whtrans_6", 0, []byte(`{"eventType":"METHOD_UPDATED","createdAt":"2026-01-02T15:00:00","data":{"customerKey":"c1","methodKey":"m1","status":"ENABLED"}}`)), http.StatusOK)
	if len(rec.raw) != 2 || !rec.raw[0].SecretMatched || rec.raw[0].Status() != "DONE" || rec.raw[1].Type != MethodUpdated || rec.raw[1].SecretMatched {
		t.Fatalf("unverified calls: %+v", rec.raw)
	}
	if s := fmt.Sprintf("%v %+v", rec.raw[0].DepositCallback, rec.raw[0]); strings.Contains(s, testSecret) {
		t.Errorf("the delivery prints its secret: %s", s)
	}
}

// A verifying receiver hands what it cannot verify to WithUnverified's
// function, and verifies the rest.
func TestVerifiedReceiverWithUnverifiedFunction(t *testing.T) {
	t.Parallel()
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(newFakeToss(t, paymentJSON("pk_1", "order_1", "DONE", strPtr(testSecret)))), WithUnverified(rec.handleUnverified))
	wantStatus(t, deliver(t, r, "whtrans_1", 0, []byte(`{"eventType":"BILLING_DELETED","createdAt":"2026-01-02T15:00:00","data":{"billingKey":"bk_1","reason":"r"}}`)), http.StatusOK)
	wantStatus(t, deliver(t, r, "whtrans_2", 0, statusEvent("pk_1", "order_1", "DONE", strPtr(testSecret), "2026-01-02T15:00:00")), http.StatusOK)
	if len(rec.raw) != 1 || rec.raw[0].BillingDeleted == nil || rec.raw[0].BillingDeleted.Data.BillingKey != "bk_1" || rec.count() != 1 {
		t.Fatalf("unverified %+v, verified %d", rec.raw, rec.count())
	}
}

// concurrentDuplicates: 50 deliveries of one state at once under 50
// transmission ids reach the function once. The function holds its claim
// until the 49 others wait for it (waiting reports how many do), so they
// really overlap.
func concurrentDuplicates(t *testing.T, store Store, waiting func(context.Context) (int, error), fn HandlerFunc) {
	const n = 50
	toss := newFakeToss(t, paymentJSON("pk_va", "order_va", "DONE", strPtr(testSecret)))
	var mu sync.Mutex
	calls := 0
	r := mustNew(t, func(ctx context.Context, ev *Event) error {
		mu.Lock()
		calls++
		mu.Unlock()
		deadline := time.Now().Add(20 * time.Second) // a guard against hanging, not a timing assertion
		for {
			k, err := waiting(ctx)
			if err != nil {
				return err
			}
			if k == n-1 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("only %d of the other deliveries waited for the claim", k)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return fn(ctx, ev)
	}, WithStore(store), WithPaymentGetter(toss), WithLookupRate(1000, n))
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		body := depositEvent("order_va", "DONE", testSecret)
		wg.Go(func() { codes[i] = deliver(t, r, fmt.Sprintf("whtrans_c%d", i), i%8, body).Code })
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("delivery %d: %d", i, c)
		}
	}
	if calls != 1 {
		t.Fatalf("the function ran %d times, want 1", calls)
	}
}

func TestConcurrentDuplicatesMemory(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	concurrentDuplicates(t, store, func(context.Context) (int, error) {
		store.mu.Lock()
		defer store.mu.Unlock()
		return store.waiting, nil
	}, func(context.Context, *Event) error { return nil })
}

// TestLookupsCoalesced: while a look-up of a payment runs, every delivery
// of it waits for the next one, which starts after them: 50 deliveries, 2
// look-ups.
func TestLookupsCoalesced(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_1", "order_1", "DONE", strPtr(testSecret)))
	toss.block = make(chan struct{})
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(toss), WithLookupRate(1000, 100))
	const n = 50
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			codes[i] = deliver(t, r, fmt.Sprintf("whtrans_%d", i), 0, statusEvent("pk_1", "order_1", "DONE", strPtr(testSecret), "2026-01-02T15:00:00")).Code
		})
	}
	deadline := time.Now().Add(20 * time.Second) // a guard against hanging
	for r.lookups.waitingFor("paymentKey:pk_1") < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(toss.block)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("delivery %d: %d", i, c)
		}
	}
	if k := toss.count(); k != 2 {
		t.Errorf("%d look-ups, want 2: the one running when the others came, and one after them", k)
	}
	if rec.count() != 1 {
		t.Errorf("the function ran %d times, want 1", rec.count())
	}
}

// TestForgeryFloodCannotSpendTheQuota: 1000 forged deliveries, each for a
// different made-up payment, cost the shop at most the burst of look-ups;
// the rest are answered 503 (Toss retries genuine ones). The clock stands
// still, so no token comes back; a second later the rate does.
func TestForgeryFloodCannotSpendTheQuota(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_real", "order_real", "DONE", strPtr(testSecret)))
	var clock struct {
		sync.Mutex
		t time.Time
	}
	clock.t = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.t }
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(toss), withClock(now))
	counts := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Go(func() {
			c := deliver(t, r, fmt.Sprintf("whtrans_flood_%d", i), 0, statusEvent(fmt.Sprintf("pk_forged_%d", i), "order_real", "DONE", nil, "2026-01-02T15:00:00")).Code
			mu.Lock()
			counts[c]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if k := toss.count(); k != DefaultLookupBurst {
		t.Errorf("the flood made %d look-ups, want the burst, %d", k, DefaultLookupBurst)
	}
	if counts[http.StatusUnauthorized] != DefaultLookupBurst || counts[http.StatusServiceUnavailable] != 1000-DefaultLookupBurst || rec.count() != 0 {
		t.Errorf("answers %v, function calls %d", counts, rec.count())
	}
	// A second later, a genuine delivery gets its look-up.
	clock.Lock()
	clock.t = clock.t.Add(time.Second)
	clock.Unlock()
	wantStatus(t, deliver(t, r, "whtrans_genuine", 0, statusEvent("pk_real", "order_real", "DONE", strPtr(testSecret), "2026-01-02T15:00:00")), http.StatusOK)
	if rec.count() != 1 || toss.count() != DefaultLookupBurst+1 {
		t.Errorf("after a second: function %d, look-ups %d", rec.count(), toss.count())
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

// TestStateKey: the key changes with the payment, the status, the last
// transaction and the type, and with nothing else.
func TestStateKey(t *testing.T) {
	t.Parallel()
	p := func(raw string) *generated.Payment {
		toss := newFakeToss(t, raw)
		for _, v := range toss.payments {
			return v
		}
		return nil
	}
	base := pay{key: "pk", order: "o", status: "DONE", total: 1000, last: "tx1"}
	k := stateKey(p(payJSON(base)))
	same := base
	same.total, same.order = 5, "o2"
	if stateKey(p(payJSON(same))) != k {
		t.Error("the key depends on fields other than the state")
	}
	for name, f := range map[string]func(*pay){
		"key":    func(x *pay) { x.key = "pk2" },
		"status": func(x *pay) { x.status = "CANCELED" },
		"last":   func(x *pay) { x.last = "tx2" },
		"join":   func(x *pay) { x.key, x.last = "pk:DONE", "" }, // no value makes two keys collide
	} {
		x := base
		f(&x)
		if stateKey(p(payJSON(x))) == k {
			t.Errorf("%s: the key did not change", name)
		}
	}

}

// TestEqualSecret: equal and unequal secrets, of equal and unequal lengths.
func TestEqualSecret(t *testing.T) {
	t.Parallel()
	if !equalSecret("ps_abc", "ps_abc") || equalSecret("ps_abc", "ps_abd") || equalSecret("ps_abc", "ps_ab") || equalSecret("", "x") {
		t.Error("equalSecret is wrong")
	}
}
