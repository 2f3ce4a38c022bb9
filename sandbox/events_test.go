package sandbox_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestEvents: every state change is announced once, in order, to the hook
// (with the secret key whose payment changed), in the payment's timeline and
// in the key's outbox; the outbox keeps the latest DefaultEventsPerKey.
func TestEvents(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen = map[string][]sandbox.Event{}
	)
	hook := func(key string, e sandbox.Event) { mu.Lock(); seen[key] = append(seen[key], e); mu.Unlock() }
	e := setup(t, sandbox.WithEventHook(hook), sandbox.WithMaxPayments(3))
	p := e.paid("order-event-0001", 10000)
	e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "r", "cancelAmount": 4000})
	e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "r"})
	e.fails(400, generated.ErrorCodeAlreadyCanceledPayment, "POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "r"})

	type step struct {
		kind     sandbox.EventKind
		from, to generated.PaymentStatus
		amount   string
	}
	var got []step
	for _, ev := range e.sb.Timeline(e.key, p.PaymentKey) {
		got = append(got, step{ev.Kind, ev.From, ev.To, ev.Amount.String()})
		if ev.PaymentKey != p.PaymentKey || ev.OrderID != "order-event-0001" || ev.At.IsZero() {
			t.Errorf("event %+v does not name its payment or time", ev)
		}
	}
	want := []step{
		{sandbox.EventCreated, "", generated.PaymentStatusReady, "10000"},
		{sandbox.EventStatusChanged, generated.PaymentStatusReady, generated.PaymentStatusInProgress, "0"},
		{sandbox.EventStatusChanged, generated.PaymentStatusInProgress, generated.PaymentStatusDone, "0"},
		{sandbox.EventCanceled, generated.PaymentStatusDone, generated.PaymentStatusPartialCanceled, "4000"},
		{sandbox.EventCanceled, generated.PaymentStatusPartialCanceled, generated.PaymentStatusCanceled, "6000"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("timeline:\n got %v\nwant %v", got, want)
	}
	mu.Lock()
	hooked := seen[e.key]
	mu.Unlock()
	out := e.sb.Events(e.key, 0)
	if len(hooked) != len(want) || len(out) != len(want) {
		t.Fatalf("hook saw %d events, outbox holds %d, want %d", len(hooked), len(out), len(want))
	}
	for i := range out {
		if (i > 0 && out[i].Seq <= out[i-1].Seq) || hooked[i].Seq != out[i].Seq {
			t.Errorf("event %d: outbox seq %d, hook seq %d", i, out[i].Seq, hooked[i].Seq)
		}
	}
	if after := e.sb.Events(e.key, out[2].Seq); len(after) != 2 || after[0].Seq != out[3].Seq {
		t.Errorf("Events(after 3): %+v", after)
	}
	if len(e.sb.Events("test_sk_nobody", 0)) != 0 || e.sb.Timeline("test_sk_nobody", p.PaymentKey) != nil {
		t.Error("another key sees the events")
	}

	// Forgetting a payment is announced too; the outbox stays bounded.
	c := callerFor(e.key)
	for i := range sandbox.DefaultEventsPerKey {
		if _, err := e.sb.KeyIn(c, generated.KeyInPaymentRequest{Amount: money.New(1000), OrderID: fmt.Sprintf("order-evk-%05d", i), OrderName: "T",
			CardNumber: "4330123412341234", CardExpirationYear: "29", CardExpirationMonth: "07", CustomerIdentityNumber: "881212"}); err != nil {
			t.Fatal(err)
		}
	}
	out = e.sb.Events(e.key, 0)
	if len(out) != sandbox.DefaultEventsPerKey || !slices.IsSortedFunc(out, func(a, b sandbox.Event) int { return int(a.Seq) - int(b.Seq) }) {
		t.Errorf("outbox of %d events, seq %d..%d", len(out), out[0].Seq, out[len(out)-1].Seq)
	}
	mu.Lock()
	forgotten := 0
	for _, ev := range seen[e.key] {
		if ev.Kind == sandbox.EventForgotten {
			forgotten++
		}
	}
	mu.Unlock()
	if forgotten != sandbox.DefaultEventsPerKey+1-3 {
		t.Errorf("%d payments announced forgotten, want %d", forgotten, sandbox.DefaultEventsPerKey+1-3)
	}
}
