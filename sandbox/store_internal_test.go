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

// Many keys of one event each stay within the bound too: a log of one
// event is emptied when it is the largest, not kept whole.
func TestOutboxesBoundedOverManySmallKeys(t *testing.T) {
	sb, err := New(WithSeed(1), WithClock(NewFakeClock(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	sb.Store.maxOutbox = 8
	for k := range 40 {
		c := Caller{SecretKey: fmt.Sprintf("test_sk_small%02d", k), BaseURL: "http://sandbox.test"}
		if _, err := sb.Create(c, generated.CreatePaymentRequest{Method: generated.CreatePaymentMethodCard, Amount: money.New(1000),
			OrderID: "order-small-1", OrderName: "T", ReturnURL: "http://shop.test/return"}); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, tn := range sb.Store.tenants {
		total += len(tn.outbox)
	}
	if total != sb.Store.outboxEvents || total > 8 {
		t.Errorf("outboxes hold %d events (counted %d), bound 8", total, sb.Store.outboxEvents)
	}
}

// The call logs together stay within their bound, whether one key makes
// many calls or many keys make one each.
func TestCallLogsBounded(t *testing.T) {
	sb, err := New(WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	st := sb.Store
	st.maxCalls = 8
	count := func() (n int) {
		for _, l := range st.calls {
			n += len(l.calls)
		}
		return n
	}
	for k := range 40 {
		st.recordCall(fmt.Sprintf("test_sk_calls%02d", k), Call{Seq: uint64(k + 1), Method: "GET"})
	}
	if n := count(); n != st.callCount || n > 8 || len(st.calls) > 8 {
		t.Errorf("many keys: %d calls in %d logs (counted %d), bound 8", n, len(st.calls), st.callCount)
	}
	for i := range 30 {
		st.recordCall("test_sk_busy", Call{Seq: uint64(100 + i), Method: "POST"})
	}
	if n := count(); n != st.callCount || n > 8 {
		t.Errorf("one busy key: %d calls (counted %d), bound 8", n, st.callCount)
	}
	busy := sb.Calls("test_sk_busy", "")
	if len(busy) == 0 || busy[len(busy)-1].Seq != 129 {
		t.Errorf("the busy key lost its newest call: %+v", busy)
	}
}
