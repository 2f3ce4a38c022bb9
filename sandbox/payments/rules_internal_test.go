package payments

import (
	"slices"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/money"
)

// hooks returns the webhooks of each event of out, and whether each event
// that sends some carries the payment as of its change.
func hooks(t *testing.T, out Outbox) [][]Webhook {
	t.Helper()
	var got [][]Webhook
	for _, e := range out {
		got = append(got, e.Webhooks)
		if len(e.Webhooks) > 0 && (e.Payment == nil || e.Payment.Status != e.To) {
			t.Errorf("event %s %s→%s sends %v without the payment as of the change: %+v", e.Kind, e.From, e.To, e.Webhooks, e.Payment)
		}
	}
	return got
}

// A call's events land in the outbox it is given, each with the webhooks
// of its row of the table; nothing else sends them.
func TestOutboxCarriesTheTablesWebhooks(t *testing.T) {
	now := t0
	b := testBook(t, &now, 1000)
	const tenant = "test_sk_outbox"

	var out Outbox
	p, err := b.Create(&out, tenant, CreateInput{Method: MethodVirtualAccount, Amount: money.New(5000), OrderID: "order-va-1",
		OrderName: "T", ReturnURL: "https://shop.test/return"})
	if err != nil {
		t.Fatal(err)
	}
	if got := hooks(t, out); len(got) != 1 || got[0] != nil || out[0].Kind != EventCreated {
		t.Fatalf("create: %v", out)
	}
	out = nil
	if _, _, err := b.Approve(&out, p.Key, "", ""); err != nil {
		t.Fatal(err)
	}
	if got := hooks(t, out); len(got) != 1 || got[0] != nil || out[0].To != StatusInProgress {
		t.Fatalf("approve: %v", out)
	}
	out = nil
	if _, err := b.Confirm(&out, tenant, ConfirmInput{PaymentKey: p.Key, OrderID: "order-va-1", Amount: money.New(5000)}); err != nil {
		t.Fatal(err)
	}
	both := []Webhook{WebhookPaymentStatusChanged, WebhookDepositCallback}
	if got := hooks(t, out); len(got) != 1 || !slices.Equal(got[0], both) || out[0].To != StatusWaitingForDeposit {
		t.Fatalf("confirm of a virtual account: %v", out)
	}
	out = nil
	if _, err := b.Deposit(&out, tenant, p.Key); err != nil {
		t.Fatal(err)
	}
	if got := hooks(t, out); len(got) != 1 || !slices.Equal(got[0], both) || out[0].To != StatusDone {
		t.Fatalf("deposit: %v", out)
	}

	out = nil
	k, err := b.KeyIn(&out, tenant, KeyInInput{Amount: money.New(1000), OrderID: "order-card-1", OrderName: "T",
		CardNumber: "4330123412341234", ExpirationYear: "29", ExpirationMonth: "07"})
	if err != nil {
		t.Fatal(err)
	}
	if got := hooks(t, out); len(got) != 1 || got[0] != nil || out[0].To != StatusDone {
		t.Fatalf("key-in sends no webhook: %v", out)
	}
	out = nil
	part := money.New(300)
	if _, err := b.Cancel(&out, tenant, k.Key, CancelInput{Reason: "r", Amount: &part}); err != nil {
		t.Fatal(err)
	}
	if got := hooks(t, out); len(got) != 1 || !slices.Equal(got[0], []Webhook{WebhookPaymentStatusChanged}) || out[0].To != StatusPartialCanceled {
		t.Fatalf("partial cancel of a card: %v", out)
	}

	// The clock's transitions are announced to the outbox of the call that
	// sees them first.
	c, err := b.Create(nil, tenant, CreateInput{Method: MethodCard, Amount: money.New(1000), OrderID: "order-card-2",
		OrderName: "T", ReturnURL: "https://shop.test/return"})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(31 * time.Minute)
	out = nil
	b.Sweep(&out)
	if got := hooks(t, out); len(got) != 1 || out[0].PaymentKey != c.Key || out[0].To != StatusExpired || !slices.Equal(got[0], []Webhook{WebhookPaymentStatusChanged}) {
		t.Fatalf("sweep after the ready window: %v", out)
	}
}

// A rule refused changes nothing and announces nothing.
func TestRefusalAnnouncesNothing(t *testing.T) {
	now := t0
	b := testBook(t, &now, 1000)
	k := keyIn(t, b, "test_sk_refuse", "order-1")
	var out Outbox
	_, err := b.Confirm(&out, "test_sk_refuse", ConfirmInput{PaymentKey: k.Key, OrderID: "order-1", Amount: money.New(1000)})
	r, ok := err.(*Refusal)
	if !ok || r.Code != CodeAlreadyProcessedPayment || r.Op != OpConfirmPayment {
		t.Fatalf("confirm of a DONE payment: %v", err)
	}
	if len(out) != 0 {
		t.Errorf("a refusal announced %v", out)
	}
	if p, _ := b.Get(nil, "test_sk_refuse", k.Key); p.Status != StatusDone {
		t.Errorf("status after the refusal: %s", p.Status)
	}
}
