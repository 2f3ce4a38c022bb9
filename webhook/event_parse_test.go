package webhook

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// TestParse: Parse reads each event type the docs list without verifying
// it, and its error for a malformed body quotes neither the secret nor the
// payment.
func TestParse(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set(openapi.HeaderWebhookTransmissionID, "tid-1")
	h.Set(openapi.HeaderWebhookTransmissionRetriedCount, "2")
	for _, tc := range []struct {
		body          string
		typ           Type
		order, status string
	}{
		{`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-02T14:46:59.65327","data":{"paymentKey":"pk-1","orderId":"order-1","status":"DONE"}}`, PaymentStatusChanged, "order-1", "DONE"},
		{`{"createdAt":"2026-01-02T14:46:59.65327","secret":"ps_SECRET0001","status":"WAITING_FOR_DEPOSIT","transactionKey":"t","orderId":"order-2"}`, DepositCallback, "order-2", "WAITING_FOR_DEPOSIT"},
		{`{"eventType":"CANCEL_STATUS_CHANGED","createdAt":"2026-01-02T14:46:59","data":{"cancelStatus":"DONE"}}`, CancelStatusChanged, "", "DONE"},
		{`{"eventType":"BILLING_DELETED","createdAt":"2026-01-02T14:46:59","data":{"billingKey":"bk-1","reason":"카드 해지"}}`, BillingDeleted, "", ""},
		{`{"eventType":"METHOD_UPDATED","createdAt":"2026-01-02T14:46:59","data":{"customerKey":"c-1","methodKey":"m-1","status":"ENABLED"}}`, MethodUpdated, "", "ENABLED"},
		{`{"eventType":"CUSTOMER_STATUS_CHANGED","createdAt":"2026-01-02T14:46:59","data":{"customerKey":"c-1","status":"PASSWORD_CHANGED","changedAt":"2026-01-02T14:46:59+09:00"}}`, CustomerStatusChanged, "", "PASSWORD_CHANGED"},
		{`{"eventType":"payout.changed","version":"2022-11-16","eventId":"ev-1","entityType":"payout","entityBody":{"amount":50000000000.5},"createdAt":"2026-01-02T14:46:59+09:00"}`, PayoutChanged, "", ""},
		{`{"eventType":"seller.changed","eventId":"ev-2","entityType":"seller","entityBody":{},"createdAt":"2026-01-02T14:46:59+09:00"}`, SellerChanged, "", ""},
	} {
		u, err := Parse([]byte(tc.body), h)
		if err != nil {
			t.Errorf("%s: %v", tc.typ, err)
			continue
		}
		if u.Type != tc.typ || u.OrderID() != tc.order || u.Status() != tc.status || u.CreatedAt() == "" || u.RetriedCount != 2 || u.TransmissionID != "tid-1" {
			t.Errorf("%s: %+v", tc.typ, u)
		}
		if !strings.HasPrefix(u.Key, string(tc.typ)+":sha256:") {
			t.Errorf("%s: key %q is not the body's", tc.typ, u.Key)
		}
	}
	// The payout body keeps its amounts as sent: no float ever saw them.
	u, _ := Parse([]byte(`{"eventType":"payout.changed","eventId":"e","entityType":"payout","entityBody":{"amount":50000000000.5},"createdAt":"2026-01-02T14:46:59+09:00"}`), h)
	if u == nil || string(u.Payout.EntityBody) != `{"amount":50000000000.5}` {
		t.Errorf("entityBody = %+v", u)
	}
	if _, err := Parse([]byte(`{"eventType":"NEW_EVENT","secret":"ps_SECRET0001"}`), http.Header{}); err == nil || !strings.Contains(err.Error(), "NEW_EVENT") || strings.Contains(err.Error(), "SECRET0001") {
		t.Errorf("unknown type: %v", err)
	}
	for _, bad := range []string{
		`{"secret":"ps_SECRET0001","status":7}`, `not json ps_SECRET0001`, `{"secret":"ps_SECRET0001","orderId":"order-3"}`,
		`{"eventType":"BILLING_DELETED","createdAt":"2026-01-02T14:46:59","data":{}}`,
		`{"eventType":"payout.changed","entityBody":{},"createdAt":"2026-01-02T14:46:59+09:00"}`,
		`{"eventType":"METHOD_UPDATED","data":{"customerKey":7}}`,
	} {
		if _, err := Parse([]byte(bad), http.Header{}); err == nil || strings.Contains(err.Error(), "SECRET0001") {
			t.Errorf("Parse(%q) = %v", bad, err)
		}
	}
}
