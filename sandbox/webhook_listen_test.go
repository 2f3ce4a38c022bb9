package sandbox_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// listen is a listener's GET: the next attempt of the key's webhooks.
func (e *env) listen() sandbox.ListenedAttempt {
	e.t.Helper()
	resp, b := e.do("GET", "/sandbox/v1/webhook-listen?wait=10", nil)
	var a sandbox.ListenedAttempt
	if resp.StatusCode != 200 || json.Unmarshal(b, &a) != nil || a.ID == "" {
		e.t.Fatalf("listen: %d %s", resp.StatusCode, b)
	}
	return a
}

func (e *env) report(id string, ans sandbox.ListenedAnswer) {
	e.t.Helper()
	if resp, b := e.do("POST", "/sandbox/v1/webhook-listen/"+id, ans); resp.StatusCode != http.StatusNoContent {
		e.t.Fatalf("report %s: %d %s", id, resp.StatusCode, b)
	}
}

// TestWebhookListen: a key registered to ListenWebhookURL gets its webhooks
// through a listener: the attempt with Toss's headers and body, the app's
// answer reported back and recorded, a failure retried on the schedule
// through the listener again, and 200 delivered. Another key can neither
// take nor answer the attempt.
func TestWebhookListen(t *testing.T) {
	t.Parallel()
	e := hooked(t)
	e.register(sandbox.ListenWebhookURL)
	e.paid("order-wh-listen-01", 1000)

	a := e.listen()
	var body map[string]any
	_ = json.Unmarshal(a.Body, &body)
	data, _ := body["data"].(map[string]any)
	if body["eventType"] != sandbox.WebhookPaymentStatusChanged || data["orderId"] != "order-wh-listen-01" || data["status"] != "DONE" {
		t.Errorf("body: %s", a.Body)
	}
	id := a.Headers[openapi.HeaderWebhookTransmissionID]
	if id == "" || a.Headers[openapi.HeaderWebhookTransmissionRetriedCount] != "0" || a.Headers["Content-Type"] != "application/json" ||
		a.Headers[openapi.HeaderWebhookTransmissionTime] == "" {
		t.Errorf("headers: %v", a.Headers)
	}

	other := *e
	other.key = "test_sk_otherkey00000000000000"
	if resp, b := other.do("GET", "/sandbox/v1/webhook-listen?wait=0", nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("another key's listener: %d %s", resp.StatusCode, b)
	}
	other.fails(404, generated.ErrorCodeNotFound, "POST", "/sandbox/v1/webhook-listen/"+a.ID, sandbox.ListenedAnswer{Status: 200})

	e.report(a.ID, sandbox.ListenedAnswer{Status: 500, Answer: "boom"})
	ds := e.settle("attempted once", attempts(1))
	if at := ds[0].Attempts[0]; at.StatusCode != 500 || at.Answer != "boom" || ds[0].State != sandbox.WebhookPending || ds[0].URL != sandbox.ListenWebhookURL {
		t.Errorf("after 500: state %s, url %q, attempt %+v", ds[0].State, ds[0].URL, at)
	}

	e.clock.Advance(time.Minute)
	a2 := e.listen()
	if a2.Headers[openapi.HeaderWebhookTransmissionID] != id || a2.Headers[openapi.HeaderWebhookTransmissionRetriedCount] != "1" || string(a2.Body) != string(a.Body) {
		t.Errorf("retry: headers %v", a2.Headers)
	}
	e.report(a2.ID, sandbox.ListenedAnswer{Status: 200})
	ds = e.settle("delivered", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 1 && ds[0].State == sandbox.WebhookDelivered
	})
	if len(ds[0].Attempts) != 2 {
		t.Errorf("attempts: %+v", ds[0].Attempts)
	}
	e.fails(404, generated.ErrorCodeNotFound, "POST", "/sandbox/v1/webhook-listen/"+a2.ID, sandbox.ListenedAnswer{Status: 200})

	for _, bad := range []string{"?wait=-1", "?wait=61", "?wait=soon"} {
		e.fails(400, generated.ErrorCodeInvalidRequest, "GET", "/sandbox/v1/webhook-listen"+bad, nil)
	}
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/sandbox/v1/webhook-listen/x", "not json")
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/sandbox/v1/webhook-listen/x", map[string]any{"status": 1000})
	e.fails(405, generated.ErrorCodeInvalidRequest, "POST", "/sandbox/v1/webhook-listen", nil)
}
