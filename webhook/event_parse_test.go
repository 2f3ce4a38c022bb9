package webhook

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// TestParse: Parse reads each event shape without verifying it, and its
// error for a malformed body quotes neither the secret nor the payment.
func TestParse(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set(HeaderTransmissionID, "tid-1")
	h.Set(HeaderTransmissionRetriedCount, "2")
	ev, err := Parse([]byte(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-02T14:46:59.65327","data":{"paymentKey":"pk-1","orderId":"order-1","status":"DONE"}}`), h)
	if err != nil || ev.Type != PaymentStatusChanged || ev.OrderID() != "order-1" || ev.Status() != generated.PaymentStatusDone || ev.RetriedCount != 2 || ev.Key != "tid:tid-1" {
		t.Errorf("PAYMENT_STATUS_CHANGED: %+v, %v", ev, err)
	}
	ev, err = Parse([]byte(`{"createdAt":"2026-01-02T14:46:59.65327","secret":"ps_SECRET0001","status":"WAITING_FOR_DEPOSIT","transactionKey":"t","orderId":"order-2"}`), http.Header{})
	if err != nil || ev.Type != DepositCallback || ev.OrderID() != "order-2" || ev.Status() != generated.PaymentStatusWaitingForDeposit {
		t.Errorf("DEPOSIT_CALLBACK: %+v, %v", ev, err)
	}
	if _, err := Parse([]byte(`{"eventType":"NEW_EVENT","secret":"ps_SECRET0001"}`), http.Header{}); err == nil || !strings.Contains(err.Error(), "NEW_EVENT") || strings.Contains(err.Error(), "SECRET0001") {
		t.Errorf("unknown type: %v", err)
	}
	for _, bad := range []string{`{"secret":"ps_SECRET0001","status":7}`, `not json ps_SECRET0001`, `{"secret":"ps_SECRET0001","orderId":"order-3"}`} {
		if _, err := Parse([]byte(bad), http.Header{}); err == nil || strings.Contains(err.Error(), "SECRET0001") {
			t.Errorf("Parse(%q) = %v", bad, err)
		}
	}
}
