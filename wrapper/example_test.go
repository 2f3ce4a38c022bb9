package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// fakeToss is an in-process stand-in for the API: confirm answers with the
// sample payment, or with the error named by TossPayments-Test-Code; the
// order look-up finds the payment.
func fakeToss() *httptest.Server {
	payment, err := os.ReadFile(filepath.Join("testdata", "payment_done.json"))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-TossPayments-Trace-Id", "trace-1")
		switch code := r.Header.Get("TossPayments-Test-Code"); code {
		case "":
			_, _ = w.Write(payment)
		case "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"code":%q,"message":"결제가 완료되지 않았어요. 다시 시도해주세요."}`, code)
		default:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"code":%q,"message":"결제 승인이 거절되었습니다."}`, code)
		}
	})
	mux.HandleFunc("GET /v1/payments/orders/{orderId}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(payment)
	})
	mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(payment)
	})
	return httptest.NewServer(mux)
}

func Example() {
	srv := fakeToss()
	defer srv.Close()

	c, err := wrapper.New("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", wrapper.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseIdleConnections()

	req := generated.ConfirmPaymentRequest{
		PaymentKey: "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6",
		OrderID:    "order-20210101-0001",
		Amount:     money.New(15000),
	}
	p, meta, err := c.ConfirmPayment(context.Background(), req,
		wrapper.WithIdempotencyKey(wrapper.ConfirmIdempotencyKey(req)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Mode(), p.Status, p.TotalAmount, p.Currency)
	fmt.Println(meta.StatusCode, meta.TraceID, meta.Attempts)
	// Output:
	// test DONE 15000 KRW
	// 200 trace-1 1
}

// A decline is definitive: tell the customer, and do not retry.
func ExampleIsDeclined() {
	srv := fakeToss()
	defer srv.Close()
	c, _ := wrapper.New("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", wrapper.WithBaseURL(srv.URL),
		wrapper.WithIdempotencyKeyGenerator(func() string { return "key-1" }))
	defer c.CloseIdleConnections()

	_, meta, err := c.ConfirmPayment(context.Background(), generated.ConfirmPaymentRequest{
		PaymentKey: "pk-1", OrderID: "order-0001", Amount: money.New(15000),
	}, wrapper.WithTestCode("REJECT_CARD_COMPANY"))

	var apiErr *wrapper.APIError
	if errors.As(err, &apiErr) && wrapper.IsDeclined(err) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Message)
		fmt.Println("attempts:", meta.Attempts)
	}
	fmt.Println(err)
	// Output:
	// 403 REJECT_CARD_COMPANY 결제 승인이 거절되었습니다.
	// attempts: 1
	// tosspayments: confirmPayment: 403 REJECT_CARD_COMPANY: 결제 승인이 거절되었습니다. (declined, trace id trace-1, idempotency key key-1)
}

// After a 5xx on every attempt the outcome of a confirm is unknown: settle it
// before deciding anything. Resolve looks the payment up and checks that it
// is this confirm's payment, confirmed.
func ExampleClient_Resolve() {
	srv := fakeToss()
	defer srv.Close()
	c, _ := wrapper.New("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", wrapper.WithBaseURL(srv.URL),
		wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}))
	defer c.CloseIdleConnections()
	ctx := context.Background()

	_, meta, err := c.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{
		PaymentKey: "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6", OrderID: "order-20210101-0001", Amount: money.New(15000),
	}, wrapper.WithTestCode("FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING"))
	if wrapper.IsOutcomeUnknown(err) {
		fmt.Println("outcome unknown after", meta.Attempts, "attempts; retryable with the same key:", wrapper.IsRetryable(err))
		p, meta, err := c.Resolve(ctx, err)
		if err == nil {
			fmt.Println("the payment is", p.Status, "| reconciled:", meta.Reconciled)
		}
	}
	// Output:
	// outcome unknown after 3 attempts; retryable with the same key: true
	// the payment is DONE | reconciled: true
}

// A bad request is refused before anything is sent.
func ExampleValidationError() {
	c, _ := wrapper.New("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R")
	_, meta, err := c.ConfirmPayment(context.Background(), generated.ConfirmPaymentRequest{
		PaymentKey: "pk-1", OrderID: "ab", Amount: money.New(15000),
	})
	var ve *wrapper.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Field, "|", ve.Rule, "| attempts:", meta.Attempts)
	}
	// Output:
	// orderId | minimum string length is 6 | attempts: 0
}

func ExampleDeriveIdempotencyKey() {
	// The same cancel gets the same key in any process, so a retry after a
	// crash replays the first answer instead of refunding twice.
	k1 := wrapper.DeriveIdempotencyKey("cancel", "pk-1", "1", "5000")
	k2 := wrapper.DeriveIdempotencyKey("cancel", "pk-1", "1", "5000")
	k3 := wrapper.DeriveIdempotencyKey("cancel", "pk-1", "2", "5000")
	fmt.Println(k1 == k2, k1 == k3, len(k1) <= wrapper.MaxIdempotencyKeyLength)
	fmt.Println(k1)
	// Output:
	// true false true
	// cancel-0A0EuaN2yhzGTbMyRVpUBLzpg07EDK011iShV0Twc68
}
