package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// otherKey is a second tenant of the same sandbox.
const otherKey = "test_sk_OtherTenantOfTheSameSandbox01"

func (e *env) as(key string) *env {
	c := *e
	c.key = key
	return &c
}

// clockOf reads GET /sandbox/v1/clock.
func (e *env) clockOf() sandbox.KeyClock {
	e.t.Helper()
	return answer200[sandbox.KeyClock](e, "GET", sandbox.ClockPath, nil)
}

// TestKeyClock: advancing one key's clock expires that key's READY payment
// and stamps its new payments with its time; another key's payment and
// clock do not move; the clock never goes backwards nor past its bound, and
// malformed bodies are refused.
func TestKeyClock(t *testing.T) {
	t.Parallel()
	e := setup(t)
	o := e.as(otherKey)
	mine := e.ok("POST", "/v1/payments", createBody("order-clock-mine", 15000))
	theirs := o.ok("POST", "/v1/payments", createBody("order-clock-them", 15000))

	resp, b := e.do("POST", sandbox.ClockPath, map[string]any{"advance": "31m"})
	if resp.StatusCode != 200 {
		t.Fatalf("advance: %d %s", resp.StatusCode, b)
	}
	var kc sandbox.KeyClock
	_ = json.Unmarshal(b, &kc)
	if !kc.Now.Equal(t0.Add(31*time.Minute)) || !kc.WallClock.Equal(t0) || kc.OffsetSeconds != 31*60 || kc.Moved != "31m0s" {
		t.Fatalf("advance answered %+v", kc)
	}
	if got := e.ok("GET", "/v1/payments/"+mine.PaymentKey, nil); got.Status != generated.PaymentStatusExpired {
		t.Errorf("my READY payment after 31 minutes: %s, want EXPIRED", got.Status)
	}
	if got := o.ok("GET", "/v1/payments/"+theirs.PaymentKey, nil); got.Status != generated.PaymentStatusReady {
		t.Errorf("the other key's payment: %s, want READY (its clock did not move)", got.Status)
	}
	if kc := o.clockOf(); kc.OffsetSeconds != 0 || !kc.Now.Equal(t0) {
		t.Errorf("the other key's clock: %+v", kc)
	}
	// Answers carry the key's time.
	p := e.paid("order-clock-later", 15000)
	if p.ApprovedAt == nil {
		t.Fatal("no approvedAt")
	}
	if at, err := p.ApprovedAt.Time(); err != nil || !at.Equal(t0.Add(31*time.Minute)) {
		t.Errorf("approvedAt %v, want the key's time %v", at, t0.Add(31*time.Minute))
	}
	// To an instant; never backwards; bounded.
	resp, b = e.do("POST", sandbox.ClockPath, map[string]any{"to": "2024-03-02T12:00:00+09:00"})
	if resp.StatusCode != 200 {
		t.Fatalf("to: %d %s", resp.StatusCode, b)
	}
	if kc := e.clockOf(); kc.OffsetSeconds != 24*3600 {
		t.Errorf("after to: %+v", kc)
	}
	msg := e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.ClockPath, map[string]any{"to": "2024-03-01T13:00:00+09:00"})
	if !strings.Contains(msg, "never moves backwards") {
		t.Errorf("backwards: %q", msg)
	}
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.ClockPath, map[string]any{"advance": "4000d"})
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.ClockPath, map[string]any{"to": "9999-01-01T00:00:00Z"})
	for _, body := range []any{
		map[string]any{"advance": "-5m"}, map[string]any{"advance": "0s"}, map[string]any{"advance": "soon"},
		map[string]any{"advance": "1d", "to": "2024-03-05T00:00:00Z"}, map[string]any{}, "not json",
		map[string]any{"to": "tomorrow"}, map[string]any{"advance": "9223372036854775807d"},
	} {
		e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.ClockPath, body)
	}
	if kc := e.clockOf(); kc.OffsetSeconds != 24*3600 {
		t.Errorf("a refused move moved the clock: %+v", kc)
	}
}

func TestParseClockSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute, "2s": 2 * time.Second} {
		if got, err := sandbox.ParseClockSpan(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "0d", "-1d", "1x", "7dd", "1.5d", "1d-2h"} {
		if _, err := sandbox.ParseClockSpan(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// TestKeyClockSendsDueRetries: a key whose receiver always fails gets, when
// its clock moves 7 days, every retry Toss's schedule holds for those days,
// in order, each stamped with the time it was due on the key's clock; then
// the delivery is FAILED. Another key's failing delivery keeps waiting.
func TestKeyClockSendsDueRetries(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(int, hit) int { return 500 })
	e := hooked(t)
	o := e.as(otherKey)
	e.register(rc.srv.URL + "/mine")
	o.register(rc.srv.URL + "/theirs")
	e.paid("order-clock-retry-1", 15000)
	o.paid("order-clock-retry-2", 15000)
	rc.next(t)
	rc.next(t)
	e.settle("first attempt recorded", attempts(1))

	if resp, b := e.do("POST", sandbox.ClockPath, map[string]any{"advance": "7d"}); resp.StatusCode != 200 {
		t.Fatalf("advance: %d %s", resp.StatusCode, b)
	}
	ds := e.settle("failed", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 1 && ds[0].State == sandbox.WebhookFailed
	})
	offsets := []time.Duration{0, 1, 5, 21, 85, 341, 1365, 5461}
	if len(ds[0].Attempts) != len(offsets) {
		t.Fatalf("%d attempts, want %d", len(ds[0].Attempts), len(offsets))
	}
	for i, a := range ds[0].Attempts {
		if a.RetriedCount != i || !a.At.Equal(t0.Add(offsets[i]*time.Minute)) {
			t.Errorf("attempt %d: retried %d at %v, want at %v", i, a.RetriedCount, a.At, t0.Add(offsets[i]*time.Minute))
		}
	}
	var mine []hit
	for _, h := range rc.all() {
		if h.body["data"].(map[string]any)["orderId"] == "order-clock-retry-1" {
			mine = append(mine, h)
		}
	}
	for i := 1; i < len(mine); i++ {
		if mine[i].retried != i {
			t.Errorf("POST %d: retried count %d (out of order)", i, mine[i].retried)
		}
		prev, _ := time.Parse(time.RFC3339, mine[i-1].time)
		cur, _ := time.Parse(time.RFC3339, mine[i].time)
		if got := cur.Sub(prev); got != (offsets[i]-offsets[i-1])*time.Minute {
			t.Errorf("transmission times %d apart by %v", i, got)
		}
	}
	theirs := o.sb.WebhookDeliveries(otherKey, "")
	if len(theirs) != 1 || len(theirs[0].Attempts) != 1 || theirs[0].State != sandbox.WebhookPending ||
		theirs[0].NextAttemptAt == nil || !theirs[0].NextAttemptAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("the other key's delivery moved: %+v", theirs)
	}
}

// TestTriggers: each runnable trigger makes its event happen over HTTP and
// answers what it created; an unknown one is 404, and the table lists them
// all.
func TestTriggers(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	e := hooked(t)
	e.register(rc.srv.URL)
	type want struct {
		status   generated.PaymentStatus
		refund   string
		expired  bool
		webhooks int
	}
	for event, w := range map[string]want{
		"payment.done":              {generated.PaymentStatusDone, "", false, 1},
		"payment.partial-canceled":  {generated.PaymentStatusPartialCanceled, "", false, 2},
		"payment.canceled":          {generated.PaymentStatusCanceled, "", false, 2},
		"payment.failed":            {generated.PaymentStatusAborted, "", false, 1},
		"virtual-account.issued":    {generated.PaymentStatusWaitingForDeposit, "NONE", false, 2},
		"virtual-account.deposited": {generated.PaymentStatusDone, "NONE", false, 4},
		"virtual-account.expired":   {generated.PaymentStatusWaitingForDeposit, "NONE", true, 2},
		"refund.completed":          {generated.PaymentStatusCanceled, "COMPLETED", false, 6},
		"billing.charged":           {generated.PaymentStatusDone, "", false, 0},
	} {
		resp, b := e.do("POST", sandbox.TriggerPath(event), nil)
		var res sandbox.TriggerResult
		if resp.StatusCode != 200 || json.Unmarshal(b, &res) != nil || len(res.Payments) != 1 {
			t.Errorf("%s: %d %s", event, resp.StatusCode, b)
			continue
		}
		p := res.Payments[0]
		if p.Status != w.status || !strings.HasPrefix(p.OrderID, "trigger-") {
			t.Errorf("%s: %+v", event, p)
		}
		if w.refund != "" && (p.RefundStatus == nil || string(*p.RefundStatus) != w.refund || *p.AccountExpired != w.expired) {
			t.Errorf("%s: refund %v expired %v", event, p.RefundStatus, p.AccountExpired)
		}
		if len(res.Deliveries) != w.webhooks {
			t.Errorf("%s: %d deliveries, want %d", event, len(res.Deliveries), w.webhooks)
		}
		got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
		if got.Status != w.status {
			t.Errorf("%s: the API says %s", event, got.Status)
		}
		if isBilling := strings.HasPrefix(event, "billing."); isBilling != (res.BillingKey != "") || isBilling != (got.Type == generated.PaymentTypeBilling) {
			t.Errorf("%s: billing key %q, type %s", event, res.BillingKey, got.Type)
		}
	}
	e.fails(404, generated.ErrorCodeNotFound, "POST", sandbox.TriggerPath("payment.teleported"), nil)
	e.fails(405, generated.ErrorCodeInvalidRequest, "GET", sandbox.TriggerPath("payment.done"), nil)
	resp, b := e.do("GET", sandbox.TriggersPath, nil)
	var table struct{ Triggers []sandbox.Trigger }
	if resp.StatusCode != 200 || json.Unmarshal(b, &table) != nil || len(table.Triggers) != len(sandbox.Triggers()) {
		t.Errorf("GET triggers: %d %s", resp.StatusCode, b)
	}
}

// TestWebhookResend: GET …/{id} answers one delivery; POST …/{id}/resend
// sends its event again as a new transmission (same body, its own id) and
// leaves the original; another key's id is 404 on both, as is an unknown one.
func TestWebhookResend(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	e := hooked(t)
	o := e.as(otherKey)
	e.register(rc.srv.URL)
	e.paid("order-resend-01", 15000)
	first := rc.next(t)
	ds := e.settle("delivered", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 1 && ds[0].State == sandbox.WebhookDelivered
	})
	id := ds[0].TransmissionID
	resp, b := e.do("GET", sandbox.WebhookDeliveryPath(id), nil)
	var d sandbox.WebhookDelivery
	if resp.StatusCode != 200 || json.Unmarshal(b, &d) != nil || d.TransmissionID != id || len(d.Attempts) != 1 {
		t.Fatalf("GET delivery: %d %s", resp.StatusCode, b)
	}
	o.fails(404, generated.ErrorCodeNotFound, "GET", sandbox.WebhookDeliveryPath(id), nil)
	o.fails(404, generated.ErrorCodeNotFound, "POST", sandbox.WebhookResendPath(id), nil)
	e.fails(404, generated.ErrorCodeNotFound, "GET", sandbox.WebhookDeliveryPath("whtrans_nope"), nil)

	resp, b = e.do("POST", sandbox.WebhookResendPath(id), nil)
	var again sandbox.WebhookDelivery
	if resp.StatusCode != 202 || json.Unmarshal(b, &again) != nil || again.ResentFrom != id || again.TransmissionID == id {
		t.Fatalf("resend: %d %s", resp.StatusCode, b)
	}
	h := rc.next(t)
	if h.id != again.TransmissionID || string(h.raw) != string(first.raw) || h.retried != 0 {
		t.Errorf("resent POST: id %s retried %d body same %v", h.id, h.retried, string(h.raw) == string(first.raw))
	}
	ds = e.settle("both delivered", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 2 && ds[1].State == sandbox.WebhookDelivered
	})
	if len(ds[0].Attempts) != 1 {
		t.Errorf("the original changed: %+v", ds[0])
	}
	if len(o.sb.WebhookDeliveries(otherKey, "")) != 0 {
		t.Errorf("the other key got deliveries")
	}
	// Without a URL there is nowhere to resend to.
	e.do("DELETE", sandbox.WebhookEndpointPath, nil)
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.WebhookResendPath(id), nil)
}

// sse is one open GET /sandbox/v1/logs.
type sse struct {
	resp *http.Response
	sc   *bufio.Scanner
}

// setupDirect is setup with the env's server on the sandbox's handler
// itself: the spec-checking middleware of setup buffers whole answers, and
// a stream is read as it is written.
func setupDirect(t *testing.T, opts ...sandbox.Option) *env {
	t.Helper()
	e := setup(t, opts...)
	direct := httptest.NewServer(e.sb.Handler())
	t.Cleanup(direct.Close)
	e.srv = direct
	return e
}

// follow opens GET /sandbox/v1/logs with query as the env's key, with more
// headers given as name, value pairs, and fails the test unless it is an
// event stream.
func (e *env) follow(query string, headers ...string) *sse {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+sandbox.LogsPath+query, nil)
	req.Header.Set("Authorization", basic(e.key))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("follow: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &sse{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// stream opens the dashboard's stream of rows with the browser's session
// cookie and fails the test unless it is answered 200.
func (b *browser) stream() *sse {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+"/sandbox/dashboard/logs", nil)
	resp, err := b.hc.Do(req)
	if err != nil || resp.StatusCode != 200 {
		b.t.Fatalf("stream: %v %v", err, resp)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return &sse{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next event's name and data. An event that does not
// come within a minute fails the test then (the stream is closed), not at
// the test binary's timeout.
func (s *sse) next(t *testing.T) (string, string) {
	t.Helper()
	timer := time.AfterFunc(time.Minute, func() { s.resp.Body.Close() })
	defer timer.Stop()
	var event, data string
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "" && event != "":
			return event, data
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
	t.Fatalf("stream ended, or no event within a minute: %v", s.sc.Err())
	return "", ""
}

// TestLogsStream: a follower of the key's calls gets each call as it is
// answered (method, path, status, code, idempotency key, trace id,
// duration), filtered by status and path, never a body or a card number;
// another key's calls never reach it; a fifth follower of the key ends the
// first; bad filters are refused.
func TestLogsStream(t *testing.T) {
	t.Parallel()
	e := setupDirect(t)
	o := e.as(otherKey)
	all := e.follow("")
	errs := e.follow("?status=4xx&path=/v1/payments")
	o.ok("POST", "/v1/payments", createBody("order-logs-them", 15000))
	e.do("POST", "/v1/payments/key-in", keyInBody("order-logs-01", 15000, "4330123412341234"), "Idempotency-Key", "logs-keyin-01")
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-logs-none", nil)

	ev, data := all.next(t)
	var c sandbox.LoggedCall
	if ev != "call" || json.Unmarshal([]byte(data), &c) != nil || c.Method != "POST" || c.Path != "/v1/payments/key-in" ||
		c.Status != 200 || c.IdempotencyKey != "logs-keyin-01" || c.TraceID == "" || c.DurationMs <= 0 || c.OrderID != "order-logs-01" {
		t.Fatalf("first call: %s %s", ev, data)
	}
	if strings.Contains(data, "4330") || strings.Contains(data, "881212") {
		t.Errorf("the stream carries card data: %s", data)
	}
	if _, data := all.next(t); !strings.Contains(data, `"status":404`) || !strings.Contains(data, `"code":"NOT_FOUND_PAYMENT"`) {
		t.Errorf("second call: %s", data)
	}
	if _, data := errs.next(t); !strings.Contains(data, `"status":404`) {
		t.Errorf("the 4xx follower got %s first", data)
	}
	for _, q := range []string{"?status=abc", "?status=6xx", "?status=20", "?path=" + strings.Repeat("x", 301)} {
		e.fails(400, generated.ErrorCodeInvalidRequest, "GET", sandbox.LogsPath+q, nil)
	}
	// Three more followers: the first of the key's four places is taken
	// back from the oldest stream, which says so and ends.
	e.follow("")
	e.follow("")
	e.follow("")
	if ev, data := all.next(t); ev != "end" {
		t.Errorf("the oldest follower got %s %s, want end", ev, data)
	}
}

// TestDashboardLive: the dashboard shows the key's time once its clock runs
// ahead (another key's dashboard does not); its stream of rows follows the
// signed-in key's calls (a browser's EventSource, by the session cookie);
// without a session it is refused; the page's one script is served as
// JavaScript and allowed by the page's policy.
func TestDashboardLive(t *testing.T) {
	t.Parallel()
	e := setupDirect(t)
	b := e.signIn(e.key)
	if _, page := b.get("/sandbox/dashboard"); strings.Contains(page, "the key's clock") {
		t.Error("the clock shown while it runs with the wall clock")
	}
	if resp, body := e.do("POST", sandbox.ClockPath, map[string]any{"advance": "2d"}); resp.StatusCode != 200 {
		t.Fatalf("advance: %s", body)
	}
	resp, page := b.get("/sandbox/dashboard")
	if !strings.Contains(page, "the key's clock: 2024-03-03 12:00:00.000 KST (48h0m0s ahead of the wall clock)") {
		t.Errorf("list page lacks the key's time:\n%s", page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "; script-src 'self';") {
		t.Errorf("policy %q", csp)
	}
	if _, page := e.as(otherKey).signIn(otherKey).get("/sandbox/dashboard"); strings.Contains(page, "the key's clock") {
		t.Error("another key's dashboard shows a moved clock")
	}
	if resp, js := b.get("/sandbox/dashboard/live.js"); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(js, "textContent") || strings.Contains(js, "innerHTML") {
		t.Errorf("live.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := e.browser().get("/sandbox/dashboard/logs"); resp.StatusCode != 401 {
		t.Errorf("the stream without a session: %d", resp.StatusCode)
	}
	s := b.stream()
	e.as(otherKey).fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-live-them", nil)
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-live-mine", nil)
	ev, data := s.next(t)
	if ev != "rows" || !strings.Contains(data, "order-live-mine") || !strings.Contains(data, `"Failed":true`) || !strings.Contains(data, "2024-03-03 12:00") {
		t.Errorf("rows: %s %s", ev, data)
	}
}

// TestTriggersDocumented: every trigger of the table is in the sandbox's
// README and in the README's table of test controls.
func TestTriggersDocumented(t *testing.T) {
	for _, f := range []string{"README.md", "../README.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range sandbox.Triggers() {
			if !strings.Contains(string(b), "`"+tr.Event+"`") {
				t.Errorf("%s does not list the trigger %s", f, tr.Event)
			}
		}
	}
}

// TestLogsResume: a follower that reconnects with Last-Event-ID gets the
// calls the log holds after it first, once each.
func TestLogsResume(t *testing.T) {
	t.Parallel()
	e := setupDirect(t)
	for i := range 3 {
		e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-resume-"+strconv.Itoa(i), nil)
	}
	calls := e.sb.Calls(e.key, "")
	s := e.follow("", "Last-Event-ID", strconv.FormatUint(calls[0].Seq, 10))
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-resume-3", nil)
	for _, want := range []string{"order-resume-1", "order-resume-2", "order-resume-3"} {
		if _, data := s.next(t); !strings.Contains(data, want) {
			t.Errorf("got %s, want %s", data, want)
		}
	}
}

// TestLogsShortenBillingKey: a call on /v1/billing/{billingKey} is
// streamed with the billing key's first six characters and "…" (the log
// never holds the key itself), not as a path hidden for its "…".
func TestLogsShortenBillingKey(t *testing.T) {
	t.Parallel()
	e := setupDirect(t)
	resp, b := e.do("POST", sandbox.TriggerPath("billing.charged"), nil)
	var res sandbox.TriggerResult
	if resp.StatusCode != 200 || json.Unmarshal(b, &res) != nil || len(res.BillingKey) < 20 {
		t.Fatalf("trigger: %d %s", resp.StatusCode, b)
	}
	all := e.follow("")
	e.do("POST", "/v1/billing/"+res.BillingKey, map[string]any{"customerKey": "someone-else", "amount": 100, "orderId": "order-logs-bk", "orderName": "x"})
	_, data := all.next(t)
	var c sandbox.LoggedCall
	if json.Unmarshal([]byte(data), &c) != nil || c.Path != "/v1/billing/"+res.BillingKey[:6]+"…" || strings.Contains(data, res.BillingKey) {
		t.Errorf("streamed %s", data)
	}
}

// TestClockConcurrent: advances of a key's clock racing its triggers,
// resends, listings and a follower of its calls, with webhooks failing
// (so retries wait): each trigger completes (its steps happen at one time
// of the key's: an advance meanwhile expired its payment between two),
// every advance counts exactly once, the other key's clock never moves,
// and (under -race) nothing races.
func TestClockConcurrent(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	t.Cleanup(recv.Close)
	e := setup(t)
	t.Cleanup(func() { e.sb.CloseWebhooks(context.Background()) })
	if err := e.sb.SetWebhookURL(e.key, recv.URL); err != nil {
		t.Fatal(err)
	}
	// Advances run until the triggers are done: each trigger meets some.
	var advances atomic.Int64
	done := make(chan struct{})
	var moving sync.WaitGroup
	for range 2 {
		moving.Add(1)
		go func() {
			defer moving.Done()
			for advances.Load() < 2000 {
				select {
				case <-done:
					return
				default:
				}
				if _, err := e.sb.AdvanceClock(e.key, time.Hour); err != nil {
					t.Error(err)
					return
				}
				advances.Add(1)
			}
		}()
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 6 {
				res, err := e.sb.Trigger(sandbox.Caller{SecretKey: e.key}, []string{"payment.done", "virtual-account.issued", "payment.canceled", "refund.completed"}[(i+j)%4])
				if err != nil {
					t.Error(err)
					return
				}
				for _, d := range res.Deliveries {
					_, _ = e.sb.ResendWebhook(e.key, d.ID)
					_, _ = e.sb.WebhookDelivery(e.key, d.ID)
				}
				_ = e.sb.KeyClock(otherKey)
			}
		}()
	}
	wg.Wait()
	close(done)
	moving.Wait()
	if kc := e.sb.KeyClock(e.key); kc.OffsetSeconds != advances.Load()*3600 {
		t.Errorf("offset %ds after %d advances of an hour", kc.OffsetSeconds, advances.Load())
	}
	if kc := e.sb.KeyClock(otherKey); kc.OffsetSeconds != 0 {
		t.Errorf("the other key's clock moved: %+v", kc)
	}
}
