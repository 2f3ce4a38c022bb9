package sandbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
)

// The outboxes together stay within their bound: the largest loses its
// oldest half, and each keeps its newest events.
func TestOutboxesBounded(t *testing.T) {
	sb, err := New(WithSeed(1), WithClock(NewFakeClock(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	sb.Store.maxOutbox = 50
	for k := range 3 {
		c := Caller{SecretKey: fmt.Sprintf("test_sk_out%d", k)}
		for i := range 30 {
			if _, err := sb.KeyIn(c, generated.KeyInPaymentRequest{Amount: money.New(1000), OrderID: fmt.Sprintf("order-out-%04d", i), OrderName: "T",
				CardNumber: "4330123412341234", CardExpirationYear: "29", CardExpirationMonth: "07", CustomerIdentityNumber: "881212"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	total := 0
	for _, tn := range sb.Store.tenants {
		total += len(tn.outbox)
	}
	if total != sb.Store.outboxEvents || total > 50 {
		t.Errorf("outboxes hold %d events (counted %d), bound 50", total, sb.Store.outboxEvents)
	}
	last := sb.Events("test_sk_out2", 0)
	if len(last) == 0 || last[len(last)-1].OrderID != "order-out-0029" {
		t.Errorf("the newest event of the last key is gone: %+v", last)
	}
}
