package webhooks

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/webhook"
)

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// TestSignMatchesWebhookSign: the dispatcher's signature is the webhook
// package's, and depends on the key, the body and the transmission time.
func TestSignMatchesWebhookSign(t *testing.T) {
	t.Parallel()
	body, at, key := []byte(`{"eventId":"e1"}`), "2026-12-08T09:00:00+09:00", []byte("k1")
	if got, want := sign(body, at, key), webhook.Sign(body, at, key); got != want {
		t.Fatalf("sign %q, webhook.Sign %q", got, want)
	}
	base := sign(body, at, key)
	for name, other := range map[string]string{
		"another key":  sign(body, at, []byte("k2")),
		"another body": sign([]byte(`{"eventId":"e2"}`), at, key),
		"another time": sign(body, "2026-12-08T09:00:01+09:00", key),
	} {
		if other == base {
			t.Errorf("%s: the same signature", name)
		}
	}
}

// TestSignedEventToListener: a signed event pulled by a listener ("tosspay
// listen") carries the signature of its body and transmission time; an
// unsigned one carries none.
func TestSignedEventToListener(t *testing.T) {
	t.Parallel()
	d := NewDispatcher(Config{Clock: wallClock{}, Client: &http.Client{}, DefaultURL: ListenURL})
	defer d.Close(context.Background())
	key := []byte("0123456789abcdef")
	for _, signed := range []bool{true, false} {
		var k []byte
		if signed {
			k = key
		}
		q, ok := d.EnqueueEvent("sk", "payout.changed", []byte(`{"eventId":"e1"}`), k, Fault{})
		if !ok || q.State != Pending {
			t.Fatalf("enqueue: %+v %v", q, ok)
		}
		p, err := d.Listen().take("sk", 5*time.Second, nil)
		if err != nil || p == nil {
			t.Fatalf("take: %v", err)
		}
		h := p.a.Headers
		sig, want := h[openapi.HeaderWebhookSignature], ""
		if signed {
			want = webhook.Sign(p.a.Body, h[openapi.HeaderWebhookTransmissionTime], key)
		}
		if sig != want || h[openapi.HeaderWebhookTransmissionID] != q.TransmissionID {
			t.Errorf("signed %v: headers %v, want signature %q", signed, h, want)
		}
		d.Listen().report("sk", p.a.ID, ListenedAnswer{Status: 200})
	}
}
