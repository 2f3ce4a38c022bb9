package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/webhook"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// tossPayment is a Payment as the API answers a look-up (every required key).
func tossPayment(paymentKey, orderID, status string) string {
	return fmt.Sprintf(`{"mId":"tvivarepublica","version":"2022-11-16","paymentKey":%q,"orderId":%q,"orderName":"T-shirt",
"type":"NORMAL","currency":"KRW","method":"가상계좌","totalAmount":1000,"balanceAmount":1000,"status":%q,
"requestedAt":"2026-01-02T14:46:43+09:00","approvedAt":"2026-01-02T14:46:58+09:00","useEscrow":false,
"lastTransactionKey":"txrd_1","suppliedAmount":909,"vat":91,"cultureExpense":false,"taxFreeAmount":0,
"taxExemptionAmount":0,"cancels":null,"card":null,"virtualAccount":null,"secret":"ps_kept","mobilePhone":null,
"giftCertificate":null,"transfer":null,"cashReceipt":null,"cashReceipts":null,"discount":null,
"easyPay":null,"country":"KR","failure":null,"checkout":{"url":"https://api.tosspayments.com/v1/payments/x/checkout"}}`,
		paymentKey, orderID, status)
}

// TestWrapperClientVerifies: the shop's *wrapper.Client is the receiver's
// PaymentGetter, end to end over HTTP: a real payment is looked up and
// handed over, a forged paymentKey (404 at Toss) is refused.
func TestWrapperClientVerifies(t *testing.T) {
	t.Parallel()
	var lookups atomic.Int32
	toss := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lookups.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/payments/pk_real" {
			_, _ = fmt.Fprint(w, tossPayment("pk_real", "order-0001", "DONE"))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprint(w, `{"code":"NOT_FOUND_PAYMENT","message":"존재하지 않는 결제 정보 입니다."}`)
	}))
	defer toss.Close()
	client, err := wrapper.New("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", wrapper.WithBaseURL(toss.URL), wrapper.WithHTTPClient(toss.Client()))
	if err != nil {
		t.Fatal(err)
	}
	var handled []*webhook.Event
	r, err := webhook.New(func(_ context.Context, ev *webhook.Event) error {
		handled = append(handled, ev)
		return nil
	}, webhook.WithPaymentGetter(client), webhook.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	post := func(tid, body string) int {
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader([]byte(body)))
		req.Header.Set(openapi.HeaderWebhookTransmissionID, tid)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w.Code
	}
	event := func(paymentKey string) string {
		return `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-01-02T14:46:59.65327","data":` +
			tossPayment(paymentKey, "order-0001", "DONE") + `}`
	}
	if c := post("whtrans_1", event("pk_real")); c != http.StatusOK {
		t.Fatalf("genuine event: %d", c)
	}
	if c := post("whtrans_2", event("pk_forged")); c != http.StatusUnauthorized {
		t.Fatalf("forged event: %d, want 401", c)
	}
	if len(handled) != 1 || handled[0].Payment == nil || handled[0].Payment.PaymentKey != "pk_real" {
		t.Fatalf("handled = %+v", handled)
	}
	if n := lookups.Load(); n < 2 {
		t.Errorf("Toss was asked %d times, want a look-up per event", n)
	}
	if strings.Contains(fmt.Sprint(handled[0].Payment), "test_sk_") {
		t.Error("the key leaked into the event")
	}
}
