package sandbox_test

import (
	"fmt"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestWebhookSlotsFairPerKey: 32 keys with 10 deliveries each to receivers
// that never answer (half of them listen: URLs nobody listens on) hold no
// slot another key needs: a bystander's webhook is delivered while every
// one of them is still held, and each of the 32 keys got an attempt under
// way (none waited behind the others).
//
// Before, 64 shared slots held by 32 dead keys × 2 delayed the bystander's
// webhook until a listen: attempt timed out (10 s) or a receiver answered.
func TestWebhookSlotsFairPerKey(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hung := newReceiver(t, func(int, hit) int { <-release; return 200 })
	fast := newReceiver(t, nil)
	e := hooked(t)
	t.Cleanup(func() { close(release) }) // before the webhooks close
	const keys, each = 32, 10
	dead := make([]string, keys)
	for k := range keys {
		d := *e
		d.key = fmt.Sprintf("test_sk_deadrecv%014d", k)
		dead[k] = d.key
		if k%2 == 0 {
			d.register(hung.srv.URL)
		} else {
			d.register(sandbox.ListenWebhookURL)
		}
		for i := range each {
			d.paid(fmt.Sprintf("order-wh-dead-%02d-%02d", k, i), 1000)
		}
	}
	// The hung receiver holds an attempt of each of the even keys.
	for range keys / 2 {
		hung.next(t)
	}
	by := *e
	by.key = "test_sk_bystander0000000000000"
	by.register(fast.srv.URL)
	by.paid("order-wh-bystander", 1000)
	if h := fast.next(t); h.body["eventType"] != sandbox.WebhookPaymentStatusChanged {
		t.Errorf("bystander's webhook: %v", h.body)
	}
	by.settle("the bystander's delivery", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 1 && ds[0].State == sandbox.WebhookDelivered
	})
	select {
	case <-release:
		t.Fatal("released before the bystander's delivery")
	default:
	}
	// No dead key's attempt has ended (a listen: attempt nobody takes ends
	// after 10 s): the bystander waited for none of them.
	for _, k := range dead {
		for _, d := range e.sb.WebhookDeliveries(k, "") {
			if len(d.Attempts) > 0 {
				t.Fatalf("a dead key's attempt ended before the bystander's delivery: %+v", d.Attempts)
			}
		}
	}
	if n := len(hung.all()); n < keys/2 {
		t.Errorf("the hung receiver holds %d attempts; want one of each of its %d keys at least", n, keys/2)
	}
}
