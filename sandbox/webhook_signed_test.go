package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/webhook"
)

// signedHit is one POST a signing test's endpoint got, with its signature.
type signedHit struct {
	id, time, sig string
	retried       string
	body          []byte
	status        int
}

// signedEndpoint is a webhook.Receiver behind a recorder; fail answers 500
// for the POSTs it names (1: the first) without reaching the receiver.
type signedEndpoint struct {
	srv        *httptest.Server
	mu         sync.Mutex
	hits       []signedHit
	events     []*webhook.Event
	unverified []*webhook.Unverified
}

func newSignedEndpoint(t *testing.T, securityKey string, fail map[int]bool) *signedEndpoint {
	t.Helper()
	ep := &signedEndpoint{}
	rc, err := webhook.New(func(_ context.Context, ev *webhook.Event) error {
		ep.mu.Lock()
		defer ep.mu.Unlock()
		ep.events = append(ep.events, ev)
		return nil
	}, webhook.WithSecurityKeys([]byte(securityKey)), webhook.WithUnverified(func(_ context.Context, u *webhook.Unverified) error {
		ep.mu.Lock()
		defer ep.mu.Unlock()
		ep.unverified = append(ep.unverified, u)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ep.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := signedHit{
			id: r.Header.Get(openapi.HeaderWebhookTransmissionID), time: r.Header.Get(openapi.HeaderWebhookTransmissionTime),
			sig: r.Header.Get(openapi.HeaderWebhookSignature), retried: r.Header.Get(openapi.HeaderWebhookTransmissionRetriedCount), body: body,
		}
		ep.mu.Lock()
		n := len(ep.hits) + 1
		ep.mu.Unlock()
		rec := httptest.NewRecorder()
		if fail[n] {
			rec.WriteHeader(http.StatusInternalServerError)
		} else {
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			rc.ServeHTTP(rec, r)
		}
		h.status = rec.Code
		ep.mu.Lock()
		ep.hits = append(ep.hits, h)
		ep.mu.Unlock()
		w.WriteHeader(rec.Code)
	}))
	t.Cleanup(ep.srv.Close)
	return ep
}

func (ep *signedEndpoint) of(id string) []signedHit {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	var out []signedHit
	for _, h := range ep.hits {
		if h.id == id {
			out = append(out, h)
		}
	}
	return out
}

// realClockEnv is a sandbox on the wall clock (a receiver holds a signed
// delivery's transmission time to its own clock), its retries 50 times
// sooner than Toss's: the first comes 1.2 s after the first attempt.
func realClockEnv(t *testing.T) *env {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithSeed(7), sandbox.WithWebhookRetryScale(0.02))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(validating(t, sb.Handler()))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sb.CloseWebhooks(ctx)
	})
	return &env{t: t, sb: sb, srv: srv, key: sandbox.TestSecretKey, hc: &http.Client{Timeout: 10 * time.Second}}
}

func (e *env) trigger(event string) sandbox.TriggerResult {
	e.t.Helper()
	resp, b := e.do("POST", sandbox.TriggerPath(event), nil)
	var res sandbox.TriggerResult
	if resp.StatusCode != 200 || json.Unmarshal(b, &res) != nil || len(res.Deliveries) != 1 || res.Deliveries[0].EventType != event && !strings.Contains(event, ".") {
		e.t.Fatalf("trigger %s: %d %s", event, resp.StatusCode, b)
	}
	return res
}

func (e *env) delivery(id string, cond func(sandbox.WebhookDelivery) bool) sandbox.WebhookDelivery {
	e.t.Helper()
	var last sandbox.WebhookDelivery
	ds := e.settle("as wanted", func(ds []sandbox.WebhookDelivery) bool {
		for _, d := range ds {
			if d.TransmissionID == id {
				last = d
				return cond(d)
			}
		}
		return false
	})
	_ = ds
	return last
}

// TestSecurityKey: GET /sandbox/v1/security-key answers the authenticated
// key's security key, the one the banner and triggers print: 64 hex
// digits, another for another key, refused without a key; it and a payout
// trigger's answer, which carries it when it sent a delivery, are marked
// Cache-Control: no-store.
func TestSecurityKey(t *testing.T) {
	t.Parallel()
	e := hooked(t)
	var a, b sandbox.SecurityKeyAnswer
	resp, body := e.do("GET", sandbox.SecurityKeyPath, nil)
	if resp.StatusCode != 200 || json.Unmarshal(body, &a) != nil {
		t.Fatalf("GET security key: %d %s", resp.StatusCode, body)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a.SecurityKey) || a.SecurityKey != e.sb.SecurityKey(sandbox.TestSecretKey) {
		t.Errorf("security key %q, the sandbox says %q", a.SecurityKey, e.sb.SecurityKey(sandbox.TestSecretKey))
	}
	if strings.Contains(a.SecurityKey, sandbox.TestSecretKey) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("security key %q, Cache-Control %q", a.SecurityKey, resp.Header.Get("Cache-Control"))
	}
	_, body = e.as(otherKey).do("GET", sandbox.SecurityKeyPath, nil)
	if json.Unmarshal(body, &b) != nil || b.SecurityKey == "" || b.SecurityKey == a.SecurityKey {
		t.Errorf("the other key's security key %q, the test key's %q", b.SecurityKey, a.SecurityKey)
	}
	if resp, body := e.do("GET", sandbox.SecurityKeyPath, nil, "Authorization", "<none>"); resp.StatusCode != 401 || strings.Contains(string(body), a.SecurityKey) {
		t.Errorf("without a key: %d %s", resp.StatusCode, body)
	}
	e.fails(405, generated.ErrorCodeInvalidRequest, "POST", sandbox.SecurityKeyPath, nil)
	// A payout trigger's answer carries it too, when it sent something:
	// kept by no cache either.
	var res sandbox.TriggerResult
	if resp, body = e.do("POST", sandbox.TriggerPath("payout.changed"), nil); resp.StatusCode != 200 || json.Unmarshal(body, &res) != nil || res.SecurityKey != "" || len(res.Deliveries) != 0 {
		t.Errorf("payout trigger with no webhook URL: %d %s", resp.StatusCode, body)
	}
	e.register(sandbox.ListenWebhookURL)
	resp, body = e.do("POST", sandbox.TriggerPath("payout.changed"), nil)
	if resp.StatusCode != 200 || json.Unmarshal(body, &res) != nil || res.SecurityKey != a.SecurityKey || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("payout trigger: %d, Cache-Control %q, %s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
}

// TestSignedPayoutWebhooksEndToEnd: a shop's webhook.Receiver built with
// the security key the sandbox prints accepts the payout.changed and
// seller.changed deliveries the triggers send, over HTTP; each attempt (a
// retry after a 500, a resend) carries its own transmission time and a
// signature over it that verifies, the body (and eventId) the same; the
// BrandPay events come unsigned and reach the unverified function; and a
// receiver holding another key refuses the payout deliveries (401) and
// never calls its function.
func TestSignedPayoutWebhooksEndToEnd(t *testing.T) {
	t.Parallel()
	e := realClockEnv(t)
	var a sandbox.SecurityKeyAnswer
	if _, b := e.do("GET", sandbox.SecurityKeyPath, nil); json.Unmarshal(b, &a) != nil || a.SecurityKey == "" {
		t.Fatalf("GET security key: %s", b)
	}
	ep := newSignedEndpoint(t, a.SecurityKey, map[int]bool{1: true})
	e.register(ep.srv.URL)

	res := e.trigger("payout.changed")
	if res.SecurityKey != a.SecurityKey || res.Deliveries[0].EventType != sandbox.WebhookPayoutChanged {
		t.Fatalf("trigger: %+v", res)
	}
	id := res.Deliveries[0].ID
	d := e.delivery(id, func(d sandbox.WebhookDelivery) bool { return d.State == sandbox.WebhookDelivered })
	if len(d.Attempts) != 2 || d.Attempts[0].StatusCode != 500 || d.Attempts[1].StatusCode != 200 {
		t.Fatalf("attempts: %+v", d.Attempts)
	}
	hits := ep.of(id)
	if len(hits) != 2 || hits[0].retried != "0" || hits[1].retried != "1" {
		t.Fatalf("hits: %+v", hits)
	}
	if hits[0].time == hits[1].time || hits[0].sig == hits[1].sig || string(hits[0].body) != string(hits[1].body) || string(hits[0].body) != string(d.Body) {
		t.Errorf("the retry: time %s then %s, signature fresh %v, body the same %v", hits[0].time, hits[1].time, hits[0].sig != hits[1].sig, string(hits[0].body) == string(hits[1].body))
	}
	for i, h := range hits {
		if want := webhook.Sign(h.body, h.time, []byte(a.SecurityKey)); h.sig != want || !strings.HasPrefix(h.sig, "v1:") {
			t.Errorf("attempt %d: signature %q, want %q", i, h.sig, want)
		}
	}
	var body generated.PayoutWebhookEvent
	if err := json.Unmarshal(d.Body, &body); err != nil || body.EventID == "" {
		t.Fatalf("body %s: %v", d.Body, err)
	}
	if !regexp.MustCompile(`\+09:00$`).MatchString(string(body.CreatedAt)) {
		t.Errorf("createdAt %q has no +09:00", body.CreatedAt)
	}

	// A resend: a new transmission of the same event, signed anew.
	resp, b := e.do("POST", sandbox.WebhookResendPath(id), nil)
	var again sandbox.WebhookDelivery
	if resp.StatusCode != 202 || json.Unmarshal(b, &again) != nil {
		t.Fatalf("resend: %d %s", resp.StatusCode, b)
	}
	e.delivery(again.TransmissionID, func(d sandbox.WebhookDelivery) bool { return d.State == sandbox.WebhookDelivered })
	if rh := ep.of(again.TransmissionID); len(rh) != 1 || rh[0].sig != webhook.Sign(rh[0].body, rh[0].time, []byte(a.SecurityKey)) || string(rh[0].body) != string(d.Body) {
		t.Errorf("resent: %+v", rh)
	}

	sid := e.trigger("seller.changed").Deliveries[0].ID
	e.delivery(sid, func(d sandbox.WebhookDelivery) bool { return d.State == sandbox.WebhookDelivered })
	for _, ev := range []string{"method.updated", "customer.status-changed"} {
		uid := e.trigger(ev).Deliveries[0].ID
		e.delivery(uid, func(d sandbox.WebhookDelivery) bool { return d.State == sandbox.WebhookDelivered })
		if h := ep.of(uid); len(h) != 1 || h[0].sig != "" {
			t.Errorf("%s: %+v (want one unsigned POST)", ev, h)
		}
	}

	ep.mu.Lock()
	var types []webhook.Type
	for _, ev := range ep.events {
		types = append(types, ev.Type)
		if ev.Payout == nil || ev.Payout.EventID == "" {
			t.Errorf("%s: no payout body", ev.Type)
		}
	}
	var utypes []webhook.Type
	for _, u := range ep.unverified {
		utypes = append(utypes, u.Type)
	}
	ep.mu.Unlock()
	// The resend is the same event (same eventId): the receiver answers it
	// 200 and calls the function once in all.
	if len(types) != 2 || types[0] != webhook.PayoutChanged || types[1] != webhook.SellerChanged {
		t.Errorf("the function got %v, want payout.changed then seller.changed", types)
	}
	if len(utypes) != 2 || utypes[0] != webhook.MethodUpdated || utypes[1] != webhook.CustomerStatusChanged {
		t.Errorf("the unverified function got %v", utypes)
	}

	// A receiver with another key refuses every attempt.
	wrong := newSignedEndpoint(t, strings.Repeat("0", 64), nil)
	e.register(wrong.srv.URL)
	wid := e.trigger("payout.changed").Deliveries[0].ID
	wd := e.delivery(wid, func(d sandbox.WebhookDelivery) bool { return len(d.Attempts) >= 1 })
	if wd.Attempts[0].StatusCode != http.StatusUnauthorized || wd.State != sandbox.WebhookPending {
		t.Errorf("with a wrong key: %+v", wd)
	}
	wrong.mu.Lock()
	defer wrong.mu.Unlock()
	if len(wrong.events)+len(wrong.unverified) != 0 {
		t.Errorf("the wrong-key receiver called its function")
	}
}

// TestSecurityKeyNeverShown: a key's security key is answered only to that
// key, by GET /sandbox/v1/security-key and by its payout trigger's answer.
// It is in no header or body the webhook target gets, in none of the key's
// deliveries (listed, read one by one, resent), call logs or dashboard
// pages, nor in anything another key of the sandbox is answered; every
// attempt a listener pulls (the first, a retry the clock's advance made
// late, a resend) carries a signature that verifies with the transmission
// time it carries, and only with the owner's key.
func TestSecurityKeyNeverShown(t *testing.T) {
	t.Parallel()
	e := hooked(t)
	owner, hostile := e.as("test_sk_SecurityKeyOwnerTenantOfTheSandbox"), e.as(otherKey)
	owner.register(sandbox.ListenWebhookURL)
	hostile.register(sandbox.ListenWebhookURL)

	res := owner.trigger("payout.changed")
	sk, hostileKey := res.SecurityKey, e.sb.SecurityKey(otherKey)
	if sk != e.sb.SecurityKey(owner.key) || sk == hostileKey {
		t.Fatalf("trigger's security key %q, the owner's %q", sk, e.sb.SecurityKey(owner.key))
	}
	id := res.Deliveries[0].ID
	var seen []string // everything shown anywhere but the two answers meant for the owner
	show := func(what string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, what+": "+string(b))
	}
	verifies := func(what string, a sandbox.ListenedAttempt) {
		t.Helper()
		show(what, a)
		at := a.Headers[openapi.HeaderWebhookTransmissionTime]
		sig := a.Headers[openapi.HeaderWebhookSignature]
		if at == "" || sig != webhook.Sign(a.Body, at, []byte(sk)) || sig == webhook.Sign(a.Body, at, []byte(hostileKey)) {
			t.Errorf("%s: signature %q does not verify with its own time %q", what, sig, at)
		}
	}

	first := owner.listen()
	verifies("first attempt", first)
	owner.report(first.ID, sandbox.ListenedAnswer{Status: 500})
	owner.settle("attempted once", attempts(1))
	e.clock.Advance(time.Hour) // the retry is late: stamped with the time it was due
	retry := owner.listen()
	verifies("late retry", retry)
	if retry.Headers[openapi.HeaderWebhookTransmissionTime] == first.Headers[openapi.HeaderWebhookTransmissionTime] {
		t.Errorf("the retry reuses the first attempt's time %s", first.Headers[openapi.HeaderWebhookTransmissionTime])
	}
	owner.report(retry.ID, sandbox.ListenedAnswer{Status: 200})
	resp, b := owner.do("POST", sandbox.WebhookResendPath(id), nil)
	if resp.StatusCode != 202 {
		t.Fatalf("resend: %d %s", resp.StatusCode, b)
	}
	seen = append(seen, "resend answer: "+string(b))
	resent := owner.listen()
	verifies("resend", resent)
	owner.report(resent.ID, sandbox.ListenedAnswer{Status: 200})

	_, b = owner.do("GET", sandbox.WebhookDeliveriesPath, nil)
	seen = append(seen, "deliveries: "+string(b))
	_, b = owner.do("GET", sandbox.WebhookDeliveriesPath+"/"+id, nil)
	seen = append(seen, "delivery: "+string(b))
	if resp, b := owner.do("GET", sandbox.SecurityKeyPath, nil); resp.StatusCode != 200 || !strings.Contains(string(b), sk) {
		t.Fatalf("GET security key: %d %s", resp.StatusCode, b)
	}
	show("owner's calls", e.sb.Calls(owner.key, "")) // the logs' stream is made of them
	_, page := e.signIn(owner.key).get("/sandbox/dashboard")
	seen = append(seen, "dashboard: "+page)

	// The hostile key: its own trigger, and the owner's delivery by id.
	seen = append(seen, "hostile trigger: "+strings.ReplaceAll(fmt.Sprint(hostile.trigger("seller.changed")), hostileKey, ""))
	for _, c := range []struct{ method, path string }{
		{"GET", sandbox.WebhookDeliveriesPath}, {"GET", sandbox.WebhookDeliveriesPath + "/" + id},
		{"POST", sandbox.WebhookResendPath(id)}, {"GET", "/sandbox/v1/webhook-listen?wait=0"},
		{"POST", "/sandbox/v1/webhook-listen/" + resent.ID},
	} {
		_, b := hostile.do(c.method, c.path, sandbox.ListenedAnswer{Status: 200})
		seen = append(seen, "hostile "+c.method+" "+c.path+": "+string(b))
	}
	show("hostile's calls", e.sb.Calls(otherKey, ""))

	for _, s := range seen {
		if strings.Contains(strings.ToLower(s), sk) {
			t.Errorf("the owner's security key is in %.200s", s)
		}
	}
}
