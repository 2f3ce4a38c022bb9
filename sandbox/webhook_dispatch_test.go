package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/webhook"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// hit is one POST a test receiver got.
type hit struct {
	id, time string
	retried  int
	body     map[string]any
	raw      []byte
}

// receiver is a test webhook endpoint: answer decides each status, hits
// records every POST in order.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hits   []hit
	got    chan hit
	answer func(n int, h hit) int
}

func newReceiver(t *testing.T, answer func(n int, h hit) int) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan hit, 1024), answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		n, _ := strconv.Atoi(r.Header.Get(openapi.HeaderWebhookTransmissionRetriedCount))
		h := hit{id: r.Header.Get(openapi.HeaderWebhookTransmissionID), time: r.Header.Get(openapi.HeaderWebhookTransmissionTime), retried: n, raw: raw}
		_ = json.Unmarshal(raw, &h.body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, h)
		count := len(rc.hits)
		rc.mu.Unlock()
		rc.got <- h
		status := http.StatusOK
		if rc.answer != nil {
			status = rc.answer(count, h)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.hits)
}

// next waits for the receiver's next POST.
func (rc *receiver) next(t *testing.T) hit {
	t.Helper()
	select {
	case h := <-rc.got:
		return h
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived")
		return hit{}
	}
}

// refusedURL is the URL of a server that was closed: connections to it
// are refused.
func refusedURL() string {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	return dead.URL
}

// hooked starts a sandbox env whose webhooks are closed with the test.
func hooked(t *testing.T, opts ...sandbox.Option) *env {
	t.Helper()
	e := setup(t, opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.sb.CloseWebhooks(ctx)
	})
	return e
}

func (e *env) register(u string) {
	e.t.Helper()
	resp, b := e.do("PUT", "/sandbox/v1/webhook-endpoint", map[string]any{"url": u})
	if resp.StatusCode != 200 {
		e.t.Fatalf("register %s: %d %s", u, resp.StatusCode, b)
	}
}

// settle waits until cond holds of the key's deliveries (the worker records
// an attempt after the receiver answered).
func (e *env) settle(what string, cond func([]sandbox.WebhookDelivery) bool) []sandbox.WebhookDelivery {
	e.t.Helper()
	for i := 0; ; i++ {
		ds := e.sb.WebhookDeliveries(e.key, "")
		if cond(ds) {
			return ds
		}
		if i > 2000 {
			e.t.Fatalf("deliveries never %s: %+v", what, ds)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func attempts(n int) func([]sandbox.WebhookDelivery) bool {
	return func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 1 && len(ds[0].Attempts) == n && (ds[0].State != sandbox.WebhookPending || ds[0].NextAttemptAt != nil)
	}
}

// TestWebhookRetrySchedule: a receiver that answers 500 three times then 200
// gets exactly four deliveries of the event, with one transmission id,
// retried counts 0 to 3, sent 1, 4 and 16 minutes apart on the sandbox's
// clock; then nothing more.
func TestWebhookRetrySchedule(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(n int, _ hit) int {
		if n <= 3 {
			return 500
		}
		return 200
	})
	e := hooked(t)
	e.register(rc.srv.URL + "/hooks")
	p := e.paid("order-wh-retry-01", 15000) // DONE: one PAYMENT_STATUS_CHANGED
	first := rc.next(t)
	for i, wait := range []time.Duration{time.Minute, 4 * time.Minute, 16 * time.Minute} {
		ds := e.settle("scheduled a retry", attempts(i+1))
		if ds[0].NextAttemptAt == nil || !ds[0].NextAttemptAt.Equal(ds[0].Attempts[i].At.Add(wait)) {
			t.Fatalf("after attempt %d: next at %v, want %v later", i+1, ds[0].NextAttemptAt, wait)
		}
		e.clock.Advance(wait - time.Second)
		e.clock.Advance(time.Second)
		h := rc.next(t)
		if h.id != first.id || h.retried != i+1 {
			t.Errorf("retry %d: id %s retried %d, want %s and %d", i+1, h.id, h.retried, first.id, i+1)
		}
	}
	ds := e.settle("delivered", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 1 && ds[0].State == sandbox.WebhookDelivered
	})
	e.clock.Advance(5000 * time.Minute)
	hits := rc.all()
	if len(hits) != 4 {
		t.Fatalf("%d deliveries, want 4", len(hits))
	}
	var times []time.Time
	for _, h := range hits {
		ts, err := time.Parse(time.RFC3339, h.time)
		if err != nil || !regexp.MustCompile(`\+09:00$`).MatchString(h.time) {
			t.Fatalf("transmission time %q: %v", h.time, err)
		}
		times = append(times, ts)
	}
	for i, want := range []time.Duration{time.Minute, 4 * time.Minute, 16 * time.Minute} {
		if got := times[i+1].Sub(times[i]); got != want {
			t.Errorf("interval %d: %v, want %v", i+1, got, want)
		}
	}
	d := ds[0]
	if d.EventType != sandbox.WebhookPaymentStatusChanged || d.PaymentKey != p.PaymentKey || d.Status != generated.PaymentStatusDone || len(d.Attempts) != 4 {
		t.Fatalf("delivery: %+v", d)
	}
	for i, a := range d.Attempts {
		want := 500
		if i == 3 {
			want = 200
		}
		if a.StatusCode != want || a.RetriedCount != i {
			t.Errorf("attempt %d: %d retried %d", i, a.StatusCode, a.RetriedCount)
		}
	}
	if st := e.sb.WebhookStats(); st.Delivered != 1 || st.Attempts != 4 || st.Pending != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestWebhookGivesUp: never answered 200, a delivery is sent 8 times (1, 5,
// 21, 85, 341, 1365 and 5461 minutes after the first), then FAILED.
func TestWebhookGivesUp(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(int, hit) int { return 503 })
	e := hooked(t)
	e.register(rc.srv.URL)
	e.paid("order-wh-giveup1", 15000)
	start := e.clock.Now()
	rc.next(t)
	for i, wait := range openapi.WebhookRetryIntervals {
		e.settle("scheduled a retry", attempts(i+1))
		e.clock.Advance(wait)
		if h := rc.next(t); h.retried != i+1 {
			t.Fatalf("retry %d: retried count %d", i+1, h.retried)
		}
	}
	ds := e.settle("failed", func(ds []sandbox.WebhookDelivery) bool { return len(ds) == 1 && ds[0].State == sandbox.WebhookFailed })
	if n := len(ds[0].Attempts); n != 8 {
		t.Fatalf("%d attempts, want 8", n)
	}
	if last := ds[0].Attempts[7].At.Sub(start); last != 5461*time.Minute {
		t.Errorf("last attempt %v after the first, want 5461m (3 days 19 hours)", last)
	}
	if st := e.sb.WebhookStats(); st.Failed != 1 || st.Pending != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestWebhookVirtualAccountEvents: the issue, the deposit and the cancel of
// a virtual account each send PAYMENT_STATUS_CHANGED and DEPOSIT_CALLBACK;
// the due date passing sends nothing. Bodies match the spec's event schemas.
func TestWebhookVirtualAccountEvents(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	e := hooked(t)
	e.register(rc.srv.URL)
	p := e.issued("order-wh-va-0001", 15000)
	e.clock.Advance(time.Minute)
	e.ok("POST", sandbox.DepositPath(p.PaymentKey), nil)
	e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "r", "refundReceiveAccount": refundAccount})
	other := e.issued("order-wh-va-0002", 15000)
	e.clock.Advance(8 * 24 * time.Hour)
	if got := e.ok("GET", "/v1/payments/"+other.PaymentKey, nil); !got.VirtualAccount.Expired {
		t.Fatal("not expired")
	}
	ds := e.settle("all delivered", func(ds []sandbox.WebhookDelivery) bool {
		n := 0
		for _, d := range ds {
			if d.State == sandbox.WebhookDelivered {
				n++
			}
		}
		return n == len(ds) && n >= 8
	})
	var got []string
	for _, d := range ds {
		got = append(got, d.OrderID[len(d.OrderID)-2:]+":"+d.EventType+":"+string(d.Status))
	}
	want := []string{
		"01:PAYMENT_STATUS_CHANGED:WAITING_FOR_DEPOSIT", "01:DEPOSIT_CALLBACK:WAITING_FOR_DEPOSIT",
		"01:PAYMENT_STATUS_CHANGED:DONE", "01:DEPOSIT_CALLBACK:DONE",
		"01:PAYMENT_STATUS_CHANGED:CANCELED", "01:DEPOSIT_CALLBACK:CANCELED",
		"02:PAYMENT_STATUS_CHANGED:WAITING_FOR_DEPOSIT", "02:DEPOSIT_CALLBACK:WAITING_FOR_DEPOSIT",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("deliveries:\n%v\nwant\n%v", got, want)
	}
	createdAt := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$`)
	ids := map[string]bool{}
	for _, d := range ds {
		ids[d.TransmissionID] = true
		if !regexp.MustCompile(`^whtrans_[a-z0-9]{26}$`).MatchString(d.TransmissionID) {
			t.Errorf("transmission id %q", d.TransmissionID)
		}
		var body map[string]any
		if err := json.Unmarshal(d.Body, &body); err != nil {
			t.Fatal(err)
		}
		if !createdAt.MatchString(fmt.Sprint(body["createdAt"])) {
			t.Errorf("createdAt %v: want Korean time without offset, six digits", body["createdAt"])
		}
		schema := "PaymentStatusChangedEvent"
		if d.EventType == sandbox.WebhookDepositCallback {
			schema = "DepositCallbackEvent"
			if _, has := body["eventType"]; has || body["secret"] != *p.Secret && d.OrderID == "order-wh-va-0001" {
				t.Errorf("DEPOSIT_CALLBACK body %v", body)
			}
			if body["transactionKey"] == "" {
				t.Errorf("DEPOSIT_CALLBACK without transactionKey: %v", body)
			}
		}
		var v any
		_ = json.Unmarshal(d.Body, &v)
		if err := specDoc.Components.Schemas[schema].Value.VisitJSON(v); err != nil {
			t.Errorf("%s body does not match %s: %v\n%s", d.EventType, schema, err, d.Body)
		}
	}
	if len(ids) != len(ds) {
		t.Error("two events share a transmission id")
	}
}

// TestWebhookReceiverExactlyOnce: the Go receiver (package webhook) calls
// its function once per state of the payment, whichever event type brings
// it, while the sandbox sends the webhooks twice (duplicate) and the
// deposit's after the cancel's (out-of-order). Each delivery is verified
// against the API and de-duplicated on the state the API answers: the
// deposit's webhooks arrive when the API already says CANCELED, a state
// already handled, so they are answered 200 without calling the function
// again. The function sees 2 events (WAITING_FOR_DEPOSIT, then CANCELED),
// never DONE; every one of the 8 POSTs is answered 200.
func TestWebhookReceiverExactlyOnce(t *testing.T) {
	t.Parallel()
	e := hooked(t)
	cl, err := wrapper.New(e.key, wrapper.WithBaseURL(e.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.CloseIdleConnections)
	var (
		mu      sync.Mutex
		secrets = map[string]string{}
		handled []string
		perID   = map[string]int{}
	)
	r, err := webhook.New(func(_ context.Context, ev *webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		perID[ev.TransmissionID]++
		handled = append(handled, string(ev.Type)+":"+string(ev.Status()))
		return nil
	}, webhook.WithPaymentGetter(cl), webhook.WithLogger(slog.New(slog.DiscardHandler)),
		webhook.WithSecretLookup(func(_ context.Context, orderID string) (string, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			s, ok := secrets[orderID]
			return s, ok, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	// arrived records each POST's claimed type and status, in the order
	// they arrive, before the receiver reads it.
	var arrived []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var claim struct {
			EventType string `json:"eventType"`
			Status    string `json:"status"`
			Data      struct {
				Status string `json:"status"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &claim)
		status := claim.Status
		if claim.EventType == "PAYMENT_STATUS_CHANGED" {
			status = claim.Data.Status
		}
		if claim.EventType == "" {
			claim.EventType = "DEPOSIT_CALLBACK"
		}
		mu.Lock()
		arrived = append(arrived, claim.EventType+":"+status)
		mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		r.ServeHTTP(w, req)
	}))
	t.Cleanup(recv.Close)
	e.register(recv.URL)

	const order = "order-wh-once-01"
	created := e.ok("POST", "/v1/payments", vaCreateBody(order, 15000))
	resp, _ := e.hc.PostForm(*created.Checkout.URL, map[string][]string{"result": {"approve"}})
	resp.Body.Close()
	// The shop keeps the secret before the webhooks can arrive: the
	// worker sends them only once the clock moves (delay fault).
	confirmed := e.ok("POST", "/v1/payments/confirm", map[string]any{"paymentKey": created.PaymentKey, "orderId": order, "amount": 15000},
		sandbox.WebhookFaultHeader, "duplicate, delay=1s")
	mu.Lock()
	secrets[order] = *confirmed.Secret
	mu.Unlock()
	e.clock.Advance(time.Second)
	e.settle("issue delivered", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 2 && ds[0].State == sandbox.WebhookDelivered && ds[1].State == sandbox.WebhookDelivered
	})
	e.ok("POST", sandbox.DepositPath(created.PaymentKey), nil, sandbox.WebhookFaultHeader, "out-of-order")
	e.ok("POST", "/v1/payments/"+created.PaymentKey+"/cancel", map[string]any{"cancelReason": "r", "refundReceiveAccount": refundAccount})
	ds := e.settle("all delivered", func(ds []sandbox.WebhookDelivery) bool {
		if len(ds) != 6 {
			return false
		}
		for _, d := range ds {
			if d.State != sandbox.WebhookDelivered {
				return false
			}
		}
		return true
	})
	posts := 0
	for _, d := range ds {
		posts += len(d.Attempts)
		for _, a := range d.Attempts {
			if a.StatusCode != 200 {
				t.Errorf("%s %s answered %d %s", d.EventType, d.Status, a.StatusCode, a.Answer)
			}
		}
	}
	if posts != 8 {
		t.Errorf("%d POSTs, want 8 (6 events, the issue's two sent twice)", posts)
	}
	mu.Lock()
	defer mu.Unlock()
	// One call per state of the payment, whichever event type brought it.
	var states []string
	for _, h := range handled {
		states = append(states, h[strings.IndexByte(h, ':')+1:])
	}
	if !slices.Equal(states, []string{"WAITING_FOR_DEPOSIT", "CANCELED"}) {
		t.Fatalf("handled %v; want one event of WAITING_FOR_DEPOSIT, then one of CANCELED", handled)
	}
	for id, n := range perID {
		if n != 1 {
			t.Errorf("event %s handled %d times", id, n)
		}
	}
	// The deposit's events were held until a later event (the cancel's)
	// had been delivered: out of order, so they met the API's CANCELED.
	first := func(status string) int {
		return min(slices.Index(arrived, "PAYMENT_STATUS_CHANGED:"+status), slices.Index(arrived, "DEPOSIT_CALLBACK:"+status))
	}
	if first("DONE") < 0 || first("CANCELED") > first("DONE") {
		t.Errorf("order arrived: %v; want a cancel event before the deposit's", arrived)
	}
}

// TestWebhookSlowReceiver: a receiver that never answers holds neither the
// API nor the other keys' deliveries.
func TestWebhookSlowReceiver(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := newReceiver(t, func(int, hit) int { <-release; return 200 })
	fast := newReceiver(t, nil)
	e := hooked(t)
	defer close(release)
	e.register(slow.srv.URL)
	// Five payments whose webhooks the slow receiver holds: the API answers
	// each while the receiver has not answered the first.
	for i := range 5 {
		e.paid(fmt.Sprintf("order-wh-slow-%02d", i), 1000)
	}
	slow.next(t) // the first delivery is with the receiver, unanswered
	e.ok("GET", "/v1/payments/orders/order-wh-slow-04", nil)

	other := *e
	other.key = "test_sk_otherkey00000000000000"
	other.register(fast.srv.URL)
	other.paid("order-wh-fast-01", 1000)
	if h := fast.next(t); h.body["eventType"] != sandbox.WebhookPaymentStatusChanged {
		t.Errorf("other key's webhook: %v", h.body)
	}
}

// TestWebhookEndpointRegistration: a URL per key through PUT, read back with
// GET, removed with DELETE; anything but an absolute http(s) URL refused.
func TestWebhookEndpointRegistration(t *testing.T) {
	t.Parallel()
	e := hooked(t)
	const path = "/sandbox/v1/webhook-endpoint"
	for _, bad := range []string{"ftp://example.com/hook", "javascript:alert(1)", "/relative", "http://", "file:///etc/passwd",
		"https://user:pw@example.com/hook", "example.com/hook", "https://example.com/" + string(make([]byte, 2100))} {
		e.fails(400, generated.ErrorCodeInvalidRequest, "PUT", path, map[string]any{"url": bad})
		if err := e.sb.SetWebhookURL(e.key, bad); err == nil {
			t.Errorf("SetWebhookURL(%.40q) took it", bad)
		}
	}
	e.fails(400, generated.ErrorCodeInvalidRequest, "PUT", path, map[string]any{})
	e.fails(400, generated.ErrorCodeInvalidRequest, "PUT", path, "not json")
	e.fails(401, generated.ErrorCodeUnauthorizedKey, "PUT", path, map[string]any{"url": "http://x.example"}, "Authorization", "<none>")
	e.fails(405, generated.ErrorCodeInvalidRequest, "POST", path, map[string]any{"url": "http://x.example"})
	read := func(method string) string {
		resp, b := e.do(method, path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", method, resp.StatusCode, b)
		}
		return string(b)
	}
	if got := read("GET"); got != "{\"url\":null}\n" {
		t.Errorf("GET before: %s", got)
	}
	e.register("https://shop.example/webhooks/toss")
	if got := read("GET"); got != "{\"url\":\"https://shop.example/webhooks/toss\"}\n" {
		t.Errorf("GET after PUT: %s", got)
	}
	if u := e.sb.WebhookURL("test_sk_someoneelse000000000000"); u != "" {
		t.Errorf("another key's URL: %q", u)
	}
	if got := read("DELETE"); got != "{\"url\":null}\n" {
		t.Errorf("DELETE: %s", got)
	}
	if _, err := sandbox.New(sandbox.WithWebhookURL("gopher://x")); err == nil {
		t.Error("WithWebhookURL took a gopher URL")
	}
	d := hooked(t, sandbox.WithWebhookURL("http://127.0.0.1:9/default"))
	if resp, b := d.do("GET", path, nil); string(b) != "{\"url\":\"http://127.0.0.1:9/default\",\"default\":true}\n" {
		t.Errorf("GET with a default: %d %s", resp.StatusCode, b)
	}
}

// TestWebhookLimitsPerKey: a key keeps its latest deliveries only; one whose
// receiver is down loses its oldest waiting ones (counted as dropped), and
// another key's deliveries are untouched.
func TestWebhookLimitsPerKey(t *testing.T) {
	t.Parallel()
	deadURL := refusedURL()
	ok := newReceiver(t, nil)
	e := hooked(t, sandbox.WithWebhookLimits(4, 6))
	other := *e
	other.key = "test_sk_quietkey00000000000000"
	other.register(ok.srv.URL)
	other.paid("order-wh-lim-q1", 1000)
	other.paid("order-wh-lim-q2", 1000)
	ok.next(t)
	ok.next(t)

	e.register(deadURL)
	for i := range 10 {
		e.paid(fmt.Sprintf("order-wh-lim-%02d", i), 1000)
	}
	ds := e.sb.WebhookDeliveries(e.key, "")
	if len(ds) > 4 {
		t.Errorf("the flooding key keeps %d deliveries, want at most 4", len(ds))
	}
	if len(ds) == 0 || ds[len(ds)-1].OrderID != "order-wh-lim-09" {
		t.Errorf("the newest delivery is not kept: %+v", ds)
	}
	if q := e.sb.WebhookDeliveries(other.key, ""); len(q) != 2 {
		t.Errorf("the quiet key keeps %d deliveries, want its 2", len(q))
	}
	if st := e.sb.WebhookStats(); st.Dropped < 6 {
		t.Errorf("stats %+v: want at least 6 dropped", st)
	}
	// Over the sandbox's bound (6), of the idlest keys the one holding the
	// most (the flooding one) forgets first, until the active key holds its
	// fair share (6 over 3 keys): from then on it pays its own way, so the
	// quiet one keeps what it has.
	third := *e
	third.key = "test_sk_thirdkey00000000000000"
	third.register(deadURL)
	for i := range 4 {
		third.paid(fmt.Sprintf("order-wh-lim-t%d", i), 1000)
	}
	total := 0
	for _, k := range []string{e.key, other.key, third.key} {
		total += len(e.sb.WebhookDeliveries(k, ""))
	}
	q, th := e.sb.WebhookDeliveries(other.key, ""), e.sb.WebhookDeliveries(third.key, "")
	if total > 6 || len(q) == 0 || len(th) == 0 || th[len(th)-1].OrderID != "order-wh-lim-t3" {
		t.Errorf("over the sandbox's bound: %d kept in all (want at most 6), the quiet key %d (want some), the active one %d (want its newest, order-wh-lim-t3, kept)",
			total, len(q), len(th))
	}
	resp, b := e.do("GET", "/sandbox/v1/webhook-deliveries?paymentKey="+ds[len(ds)-1].PaymentKey, nil)
	var out struct {
		Deliveries []sandbox.WebhookDelivery `json:"deliveries"`
	}
	if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != 200 || len(out.Deliveries) != 1 || out.Deliveries[0].URL != deadURL {
		t.Errorf("GET webhook-deliveries: %d %s", resp.StatusCode, b)
	}
	resp, b = other.do("GET", "/sandbox/v1/webhook-deliveries?paymentKey="+ds[len(ds)-1].PaymentKey, nil)
	if resp.StatusCode != 200 || string(b) != "{\"deliveries\":[]}\n" {
		t.Errorf("another key reads the deliveries: %s", b)
	}
}

// TestWebhookClose: at shutdown a delivery due now is still sent (after the
// attempts under way end), and a retry not yet due is abandoned and counted.
func TestWebhookClose(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	rc := newReceiver(t, func(n int, h hit) int {
		if fmt.Sprint(h.body["data"].(map[string]any)["orderId"]) == "order-wh-close-9" {
			return 500
		}
		<-release
		return 200
	})
	e := setup(t)
	e.register(rc.srv.URL)
	e.paid("order-wh-close-9", 1000) // answered 500: a retry in a minute
	rc.next(t)
	e.settle("scheduled a retry", attempts(1))
	for i := range 3 {
		e.paid(fmt.Sprintf("order-wh-close-%d", i), 1000)
	}
	rc.next(t) // two are with the receiver (the key's limit), the third waits, due
	rc.next(t)
	done := make(chan sandbox.WebhookStats)
	go func() { done <- e.sb.CloseWebhooks(context.Background()) }()
	once.Do(func() { close(release) })
	st := <-done
	if st.Delivered != 3 || st.Abandoned != 1 || st.Pending != 0 {
		t.Errorf("stats at close %+v: want 3 delivered, 1 abandoned", st)
	}
	e.paid("order-wh-close-x", 1000)
	if n := len(e.sb.WebhookDeliveries(e.key, "")); n != 4 {
		t.Errorf("%d deliveries after close, want the 4 before", n)
	}
}

// TestWebhookRandomFaults: with WithWebhookFaults every delivery meets the
// drawn fault: here, always a duplicate of the first attempt.
func TestWebhookRandomFaults(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	e := hooked(t, sandbox.WithWebhookFaults(sandbox.WebhookFaultRates{Duplicate: 1}))
	e.register(rc.srv.URL)
	e.paid("order-wh-rand-01", 1000)
	a, b := rc.next(t), rc.next(t)
	if a.id != b.id || a.retried != 0 || b.retried != 0 {
		t.Errorf("duplicate: %s/%d and %s/%d, want one id, retried 0 twice", a.id, a.retried, b.id, b.retried)
	}
	ds := e.settle("delivered", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 1 && ds[0].State == sandbox.WebhookDelivered
	})
	if !slices.Equal(ds[0].Faults, []string{"duplicate"}) || len(ds[0].Attempts) != 2 || !ds[0].Attempts[1].Duplicate {
		t.Errorf("delivery %+v", ds[0])
	}
}

// Every webhook setting refuses what it cannot use.
func TestWebhookOptionsRefuse(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]sandbox.Option{
		"limits 0":         sandbox.WithWebhookLimits(0, 10),
		"limits total<key": sandbox.WithWebhookLimits(10, 5),
		"client nil":       sandbox.WithWebhookClient(nil),
		"scale 0":          sandbox.WithWebhookRetryScale(0),
		"scale 1.5":        sandbox.WithWebhookRetryScale(1.5),
		"faults sum":       sandbox.WithWebhookFaults(sandbox.WebhookFaultRates{Duplicate: 0.7, Delay: 0.5}),
		"faults negative":  sandbox.WithWebhookFaults(sandbox.WebhookFaultRates{OutOfOrder: -0.1}),
		"url ftp":          sandbox.WithWebhookURL("ftp://example.com"),
		"targets 7":        sandbox.WithWebhookTargets(7),
	} {
		if _, err := sandbox.New(opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	public := sandbox.WithWebhookTargets(sandbox.WebhookTargetsPublic)
	if _, err := sandbox.New(public, sandbox.WithWebhookClient(http.DefaultClient)); err == nil {
		t.Error("public targets with the caller's webhook client: accepted")
	}
	if _, err := sandbox.New(public, sandbox.WithWebhookURL("http://127.0.0.1:3000/hook")); err == nil {
		t.Error("public targets with a loopback default URL: accepted")
	}
	if _, err := sandbox.ParseWebhookTargets("private"); err == nil {
		t.Error(`ParseWebhookTargets("private") accepted`)
	}
	for _, want := range []sandbox.WebhookTargets{sandbox.WebhookTargetsAny, sandbox.WebhookTargetsPublic} {
		if got, err := sandbox.ParseWebhookTargets(want.String()); err != nil || got != want {
			t.Errorf("ParseWebhookTargets(%q) = %v, %v", want.String(), got, err)
		}
	}
	for _, bad := range []string{"delay=-1s", "delay=25h", "delay=soon", "twice", "duplicate,lost"} {
		if _, err := sandbox.ParseWebhookFault(bad); err == nil {
			t.Errorf("ParseWebhookFault(%q) accepted", bad)
		}
	}
	if f, err := sandbox.ParseWebhookFault(" duplicate , out-of-order,delay=90s"); err != nil || !f.Duplicate || !f.OutOfOrder || f.Delay != 90*time.Second {
		t.Errorf("ParseWebhookFault: %+v %v", f, err)
	}
	for _, bad := range []string{"duplicate", "duplicate=x", "lost=0.1", "duplicate=0.6,delay=0.6"} {
		if _, err := sandbox.ParseWebhookFaults(bad); err == nil {
			t.Errorf("ParseWebhookFaults(%q) accepted", bad)
		}
	}
}

// TestWebhookExpiry: a payment left READY for 30 minutes, or approved and
// not confirmed within 10, is EXPIRED and announced without anybody
// looking it up; a virtual account's due date passing announces nothing.
func TestWebhookExpiry(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	e := hooked(t)
	e.register(rc.srv.URL)
	ready := e.ok("POST", "/v1/payments", createBody("order-wh-exp-01", 1000))
	approved := e.ok("POST", "/v1/payments", createBody("order-wh-exp-02", 1000))
	e.checkout(approved, "approve")
	va := e.issued("order-wh-exp-03", 1000)
	e.settle("issue delivered", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 2 && ds[0].State == sandbox.WebhookDelivered && ds[1].State == sandbox.WebhookDelivered
	})
	rc.next(t) // the two
	rc.next(t)
	e.clock.Advance(11 * time.Minute)
	if h := rc.next(t); h.body["data"].(map[string]any)["paymentKey"] != approved.PaymentKey || h.body["data"].(map[string]any)["status"] != "EXPIRED" {
		t.Errorf("after 11 minutes: %s", h.raw)
	}
	e.clock.Advance(20 * time.Minute)
	if h := rc.next(t); h.body["data"].(map[string]any)["paymentKey"] != ready.PaymentKey || h.body["data"].(map[string]any)["status"] != "EXPIRED" {
		t.Errorf("after 31 minutes: %s", h.raw)
	}
	e.clock.Advance(8 * 24 * time.Hour)
	e.settle("the due date swept", func([]sandbox.WebhookDelivery) bool {
		for _, ev := range e.sb.Timeline(e.key, va.PaymentKey) {
			if ev.Kind == sandbox.EventVirtualAccountExpired {
				return true
			}
		}
		return false
	})
	if n := len(e.sb.WebhookDeliveries(e.key, va.PaymentKey)); n != 2 {
		t.Errorf("the virtual account has %d webhooks, want the issue's 2 (none for its due date)", n)
	}
}

// TestWebhookTargetsPublic: a sandbox many users share
// (WebhookTargetsPublic) refuses to register a webhook URL whose host is a
// non-public address or a localhost name, and refuses, where the connection
// is made, a delivery to a URL that got past registration (a name that
// resolves, or re-resolves, to a private address): the receiver gets
// nothing, the attempt says why, and the delivery is retried like any
// failure.
func TestWebhookTargetsPublic(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	e := hooked(t, sandbox.WithWebhookTargets(sandbox.WebhookTargetsPublic))
	const path = "/sandbox/v1/webhook-endpoint"
	for _, bad := range []string{"http://127.0.0.1:8080/hook", "http://127.1.2.3/", "http://[::1]/", "http://10.1.2.3/", "http://172.16.0.1/",
		"http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1%25eth0]/",
		"http://[fd00::1]/", "http://100.64.0.1/", "http://0.0.0.0/", "http://224.0.0.1/", "http://localhost:3000/", "http://api.localhost/",
		"http://LOCALHOST./", "http://[64:ff9b::a00:1]/", "http://[2002:7f00:1::]/"} {
		e.fails(400, generated.ErrorCodeInvalidRequest, "PUT", path, map[string]any{"url": bad})
		if err := e.sb.SetWebhookURL(e.key, bad); err == nil || !strings.Contains(err.Error(), "public") {
			t.Errorf("SetWebhookURL(%q) = %v", bad, err)
		}
	}
	for _, good := range []string{"https://receiver.example/hook", "http://93.184.216.34/hook", "http://172.32.0.1/", "http://100.128.0.1/", "http://[2606:4700::1111]/"} {
		e.register(good)
	}

	// Past registration, as a name resolving to a private address would be.
	e.sb.SetWebhookURLUnchecked(e.key, rc.srv.URL)
	e.paid("order-wh-private-01", 1000)
	ds := e.settle("attempted once", attempts(1))
	a := ds[0].Attempts[0]
	if a.StatusCode != 0 || !strings.Contains(a.Error, "not a public address") || strings.Contains(a.Error, "127.0.0.1") || ds[0].State != sandbox.WebhookPending {
		t.Errorf("delivery to a private address: state %s, attempt %+v", ds[0].State, a)
	}
	if hits := rc.all(); len(hits) != 0 {
		t.Errorf("the private receiver got %d deliveries", len(hits))
	}
}

// TestWebhookRedirectNotFollowed: a receiver that answers a delivery with a
// redirect gets it recorded as a failure (not a 200) and retried; the
// address it points to gets nothing, whatever client the sandbox was given.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, own := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/own-client=%v", status, own), func(t *testing.T) {
				t.Parallel()
				target := newReceiver(t, nil)
				redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target.srv.URL+"/elsewhere", status)
				}))
				t.Cleanup(redirector.Close)
				var opts []sandbox.Option
				caller := &http.Client{}
				if own {
					opts = append(opts, sandbox.WithWebhookClient(caller))
				}
				e := hooked(t, opts...)
				e.register(redirector.URL)
				e.paid(fmt.Sprintf("order-wh-redirect-%d", status), 1000)
				ds := e.settle("attempted once", attempts(1))
				if a := ds[0].Attempts[0]; a.StatusCode != status || ds[0].State != sandbox.WebhookPending || ds[0].NextAttemptAt == nil {
					t.Errorf("state %s, attempt %+v", ds[0].State, a)
				}
				if hits := target.all(); len(hits) != 0 {
					t.Errorf("the redirect's target got %d deliveries", len(hits))
				}
				if caller.CheckRedirect != nil {
					t.Error("the caller's client was modified")
				}
			})
		}
	}
}
