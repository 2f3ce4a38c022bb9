package wrapper

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
)

func ptr[T any](v T) *T { return &v }

type opCase struct {
	name     string
	method   string
	pattern  string // the mux pattern: method and path on the wire
	wantPath string
	wantBody string // "" for no body
	call     func(context.Context, *Client, ...CallOption) (*generated.Payment, *Meta, error)
}

func opCases() []opCase {
	return []opCase{
		{
			name: "CreatePayment", method: "POST", pattern: "POST /v1/payments", wantPath: "/v1/payments",
			wantBody: `{"method":"CARD","amount":1000,"orderId":"order-20231205-0001","orderName":"Toss T-shirts","returnUrl":"http://localhost:8080/returnUrl","confirmationMethod":"AUTOMATIC"}`,
			call: func(ctx context.Context, c *Client, o ...CallOption) (*generated.Payment, *Meta, error) {
				return c.CreatePayment(ctx, generated.CreatePaymentRequest{
					Method: generated.CreatePaymentMethodCard, Amount: money.New(1000), OrderID: "order-20231205-0001",
					OrderName: "Toss T-shirts", ReturnURL: "http://localhost:8080/returnUrl",
					ConfirmationMethod: ptr(generated.ConfirmationMethodAutomatic),
				}, o...)
			},
		},
		{
			name: "ConfirmPayment", method: "POST", pattern: "POST /v1/payments/confirm", wantPath: "/v1/payments/confirm",
			wantBody: `{"paymentKey":"5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6","orderId":"order-20210101-0001","amount":15000}`,
			call: func(ctx context.Context, c *Client, o ...CallOption) (*generated.Payment, *Meta, error) {
				return c.ConfirmPayment(ctx, confirmReq(), o...)
			},
		},
		{
			name: "CancelPayment", method: "POST", pattern: "POST /v1/payments/{paymentKey}/cancel", wantPath: "/v1/payments/pk-123/cancel",
			wantBody: `{"cancelReason":"Customer wants refund","cancelAmount":1000.5}`,
			call: func(ctx context.Context, c *Client, o ...CallOption) (*generated.Payment, *Meta, error) {
				return c.CancelPayment(ctx, "pk-123", generated.CancelPaymentRequest{
					CancelReason: "Customer wants refund", CancelAmount: ptr(money.MustParse("1000.5")),
				}, o...)
			},
		},
		{
			name: "KeyInPayment", method: "POST", pattern: "POST /v1/payments/key-in", wantPath: "/v1/payments/key-in",
			wantBody: `{"amount":15000,"orderId":"order-20210101-0002","orderName":"Toss T-Shirts","customerName":"Tom Kim","cardNumber":"4330123412341234","cardExpirationYear":"24","cardExpirationMonth":"07","cardPassword":"12","customerIdentityNumber":"881212"}`,
			call: func(ctx context.Context, c *Client, o ...CallOption) (*generated.Payment, *Meta, error) {
				return c.KeyInPayment(ctx, keyInReq("4330123412341234"), o...)
			},
		},
		{
			name: "GetPayment", method: "GET", pattern: "GET /v1/payments/{paymentKey}", wantPath: "/v1/payments/pk-123",
			call: func(ctx context.Context, c *Client, o ...CallOption) (*generated.Payment, *Meta, error) {
				return c.GetPayment(ctx, "pk-123", o...)
			},
		},
		{
			name: "GetPaymentByOrderID", method: "GET", pattern: "GET /v1/payments/orders/{orderId}", wantPath: "/v1/payments/orders/order-20210101-0001",
			call: func(ctx context.Context, c *Client, o ...CallOption) (*generated.Payment, *Meta, error) {
				return c.GetPaymentByOrderID(ctx, "order-20210101-0001", o...)
			},
		},
	}
}

func confirmReq() generated.ConfirmPaymentRequest {
	return generated.ConfirmPaymentRequest{
		PaymentKey: "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6",
		OrderID:    "order-20210101-0001",
		Amount:     money.New(15000),
	}
}

func keyInReq(card string) generated.KeyInPaymentRequest {
	return generated.KeyInPaymentRequest{
		Amount: money.New(15000), OrderID: "order-20210101-0002", OrderName: "Toss T-Shirts",
		CustomerName: ptr("Tom Kim"), CardNumber: sensitive.String(card), CardExpirationYear: "24", CardExpirationMonth: "07",
		CardPassword: ptr(sensitive.String("12")), CustomerIdentityNumber: "881212",
	}
}

// TestOperations checks, per operation, the method, path, headers and body
// on the wire and the decoded payment and metadata.
func TestOperations(t *testing.T) {
	t.Parallel()
	for _, tc := range opCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, WithLanguage("en-US"))
			var hits atomic.Int32
			h.mux.HandleFunc(tc.pattern, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				testMethod(t, r, tc.method)
				if r.URL.Path != tc.wantPath {
					t.Errorf("path = %q, want %q", r.URL.Path, tc.wantPath)
				}
				testHeader(t, r, "Authorization", wantAuth)
				testHeader(t, r, "Accept-Language", "en-US")
				testHeader(t, r, "TossPayments-Test-Code", "")
				testHeader(t, r, "X-Extra", "yes")
				var body []byte
				if tc.method == "POST" {
					testHeader(t, r, "Idempotency-Key", "key-1")
					testHeader(t, r, "Content-Type", "application/json")
					body = readBody(t, r)
					testJSONBody(t, body, tc.wantBody)
				} else {
					testHeader(t, r, "Idempotency-Key", "")
					if b := readBody(t, r); len(b) != 0 {
						t.Errorf("GET body = %q, want none", b)
					}
				}
				writeJSON(w, http.StatusOK, answerTo(t, r, body))
			})
			p, meta, err := tc.call(context.Background(), h.c, WithHeader("X-Extra", "yes"))
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if hits.Load() != 1 {
				t.Errorf("hits = %d, want 1", hits.Load())
			}
			if p.Version != "2022-11-16" || p.PaymentKey == "" || p.OrderID == "" || p.TotalAmount.Sign() <= 0 {
				t.Errorf("payment = %+v", p)
			}
			wantKey := ""
			if tc.method == "POST" {
				wantKey = "key-1"
			}
			want := Meta{Operation: h.c.ops[opIDOf(tc.name)].ID, StatusCode: 200, TraceID: "trace-abc", IdempotencyKey: wantKey, Attempts: 1}
			if *meta != want {
				t.Errorf("meta = %+v, want %+v", *meta, want)
			}
		})
	}
}

func opIDOf(name string) string {
	return map[string]string{
		"CreatePayment": openapi.OpCreatePayment, "ConfirmPayment": openapi.OpConfirmPayment, "CancelPayment": openapi.OpCancelPayment,
		"KeyInPayment": openapi.OpKeyInPayment, "GetPayment": openapi.OpGetPayment, "GetPaymentByOrderID": openapi.OpGetPaymentByOrderID,
	}[name]
}

// TestTestCodeAndKeyOptions checks the per-call options on the wire.
func TestTestCodeAndKeyOptions(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "TossPayments-Test-Code", "REJECT_CARD_COMPANY")
		testHeader(t, r, "Idempotency-Key", "caller-key")
		testHeader(t, r, "Accept-Language", "")
		writeError(w, 403, "REJECT_CARD_COMPANY", "결제 승인이 거절되었습니다.")
	})
	_, meta, err := h.c.ConfirmPayment(context.Background(), confirmReq(), WithTestCode("REJECT_CARD_COMPANY"), WithIdempotencyKey("caller-key"))
	if !IsDeclined(err) {
		t.Fatalf("err = %v, want a decline", err)
	}
	if meta.IdempotencyKey != "caller-key" {
		t.Errorf("meta key = %q", meta.IdempotencyKey)
	}
}

// TestDecoding checks 2xx decoding of the awkward real-world shapes.
func TestDecoding(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.mux.HandleFunc("GET /v1/payments/5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "payment_usd.json"))
	})
	h.mux.HandleFunc("GET /v1/payments/dxRrMScPUSvrdmfYps_UG", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "payment_canceled_legacy_easypay.json"))
	})
	ctx := context.Background()

	p, _, err := h.c.GetPayment(ctx, "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6")
	if err != nil {
		t.Fatal(err)
	}
	if p.Currency != "USD" || p.TotalAmount.String() != "726.24" || p.TaxFreeAmount.String() != "0.0" {
		t.Errorf("USD amounts: currency %s total %s taxFree %s", p.Currency, p.TotalAmount, p.TaxFreeAmount)
	}
	if want := money.NewScaled(72624, 2); !p.BalanceAmount.Equal(want) {
		t.Errorf("balance = %s, want %s", p.BalanceAmount, want)
	}
	ep, err := p.EasyPay.AsEasyPay()
	if err != nil || ep.Provider == nil || *ep.Provider != "토스페이" {
		t.Errorf("easyPay object = %+v, %v", ep, err)
	}

	p, _, err = h.c.GetPayment(ctx, "dxRrMScPUSvrdmfYps_UG")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := p.EasyPay.AsEasyPayLegacy()
	if err != nil || legacy != "TOSSPAY" {
		t.Errorf("easyPay legacy = %q, %v", legacy, err)
	}
	if p.Status != generated.PaymentStatusCanceled || p.Cancels == nil || len(*p.Cancels) != 1 {
		t.Errorf("cancels = %+v", p.Cancels)
	}
	if p.Card == nil || p.Card.CardType != "CREDIT" {
		t.Errorf("card = %+v", p.Card)
	}
}
