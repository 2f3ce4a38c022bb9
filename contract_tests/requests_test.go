package contracttests

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
)

// docsTestKey is the public test secret key of the Toss Payments docs.
const docsTestKey = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"

// checkBasicAuth is the AuthenticationFunc of the validators: the spec's
// basicAuth scheme, with the secret key as the user and an empty password,
// so the decoded credentials end in ":" (the API answers
// 403 INCORRECT_BASIC_AUTH_FORMAT otherwise).
func checkBasicAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "http" || !strings.EqualFold(s.Scheme, "basic") {
		return fmt.Errorf("security scheme %q: want http basic", in.SecuritySchemeName)
	}
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	enc, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return errors.New("no Authorization: Basic header")
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return fmt.Errorf("Authorization is not base64: %w", err)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	switch {
	case !ok:
		return errors.New("Authorization lacks the trailing colon after the secret key")
	case user == "":
		return errors.New("Authorization has an empty secret key")
	case pass != "":
		return errors.New("Authorization has a password; the secret key goes alone before the colon")
	}
	return nil
}

// basicAuth sets the header the API expects: Basic base64(key + ":").
func basicAuth(key string) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
		return nil
	}
}

// recorder is an HttpRequestDoer that keeps each request and answers with a
// canned body; it never touches the network.
type recorder struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusNotFound,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"code":"NOT_FOUND_PAYMENT","message":"recorded, not sent"}`)),
		Request:    req,
	}, nil
}

// send runs call through a generated client wired to a recorder and returns
// the one request it made.
func send(t *testing.T, auth generated.RequestEditorFn, call func(context.Context, *generated.Client) (*http.Response, error)) (*http.Request, []byte) {
	t.Helper()
	rec := &recorder{}
	opts := []generated.ClientOption{generated.WithHTTPClient(rec)}
	if auth != nil {
		opts = append(opts, generated.WithRequestEditorFn(auth))
	}
	c, err := generated.NewClient(apiServer, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	resp, err := call(context.Background(), c)
	if err != nil {
		t.Fatalf("the generated client failed to build or send the request: %v", err)
	}
	resp.Body.Close()
	if len(rec.reqs) != 1 {
		t.Fatalf("want 1 request, the client sent %d", len(rec.reqs))
	}
	return rec.reqs[0], rec.bodies[0]
}

func ptr[T any](v T) *T { return &v }

func amt(s string) money.Amount { return money.MustParse(s) }

type clientCall func(context.Context, *generated.Client) (*http.Response, error)

func createCall(body generated.CreatePaymentRequest, params generated.CreatePaymentParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.CreatePayment(ctx, &params, body)
	}
}

func confirmCall(body generated.ConfirmPaymentRequest, params generated.ConfirmPaymentParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.ConfirmPayment(ctx, &params, body)
	}
}

func cancelCall(key string, body generated.CancelPaymentRequest, params generated.CancelPaymentParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.CancelPayment(ctx, key, &params, body)
	}
}

func keyInCall(body generated.KeyInPaymentRequest, params generated.KeyInPaymentParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.KeyInPayment(ctx, &params, body)
	}
}

func getCall(key string, params generated.GetPaymentParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.GetPayment(ctx, key, &params)
	}
}

func getByOrderCall(orderID string, params generated.GetPaymentByOrderIDParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.GetPaymentByOrderID(ctx, orderID, &params)
	}
}

// Valid request bodies, each with every optional field set.
func validCreate() generated.CreatePaymentRequest {
	return generated.CreatePaymentRequest{
		Method:             generated.CreatePaymentMethodCard,
		Amount:             amt("1000"),
		OrderID:            "order-20231205-0001",
		OrderName:          "Toss T-shirts",
		ReturnURL:          "http://localhost:8080/returnUrl",
		FlowMode:           ptr(generated.FlowModeDirect),
		EasyPay:            ptr("TOSSPAY"),
		CardCompany:        ptr("HYUNDAI"),
		ConfirmationMethod: ptr(generated.ConfirmationMethodAutomatic),
		AppScheme:          ptr("myapp://payments"),
	}
}

func validConfirm() generated.ConfirmPaymentRequest {
	return generated.ConfirmPaymentRequest{
		PaymentKey: "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6",
		OrderID:    "order-20210101-0001",
		Amount:     amt("15000"),
	}
}

func validCancel() generated.CancelPaymentRequest {
	return generated.CancelPaymentRequest{
		CancelReason: "Customer wants refund",
		CancelAmount: ptr(amt("3000")),
		RefundReceiveAccount: &generated.RefundReceiveAccount{
			Bank:          "88",
			AccountNumber: "110123456789",
			HolderName:    "박토스",
		},
		TaxFreeAmount:    ptr(amt("0")),
		Currency:         ptr("KRW"),
		RefundableAmount: ptr(amt("15000")),
	}
}

func validKeyIn() generated.KeyInPaymentRequest {
	return generated.KeyInPaymentRequest{
		Amount:                 amt("15000"),
		OrderID:                "order-20210101-0002",
		OrderName:              "Toss T-Shirts",
		CardNumber:             "4330123412341234",
		CardExpirationYear:     "24",
		CardExpirationMonth:    "07",
		CardPassword:           ptr(sensitive.String("12")),
		CustomerIdentityNumber: "881212",
		CardInstallmentPlan:    ptr(3),
		UseFreeInstallmentPlan: ptr(true),
		TaxFreeAmount:          ptr(amt("0")),
		CustomerEmail:          ptr(generatedEmail("customer@example.com")),
		CustomerName:           ptr("Tom Kim"),
		Vbv:                    &generated.Vbv{Cavv: ptr("AAABBBCCC"), Xid: ptr("xid-0001"), Eci: ptr("05")},
	}
}

var allHeaders = struct {
	idem, lang, code string
}{"7f9c4a9e-3b8e-4f4e-9a56-2f1d3c4b5a6e", "en-US", "REJECT_CARD_COMPANY"}

func createParams() generated.CreatePaymentParams {
	return generated.CreatePaymentParams{IdempotencyKey: ptr(allHeaders.idem), AcceptLanguage: ptr(allHeaders.lang), TossPaymentsTestCode: ptr(allHeaders.code)}
}

func confirmParams() generated.ConfirmPaymentParams {
	return generated.ConfirmPaymentParams{IdempotencyKey: ptr(allHeaders.idem), AcceptLanguage: ptr(allHeaders.lang), TossPaymentsTestCode: ptr(allHeaders.code)}
}

func cancelParams() generated.CancelPaymentParams {
	return generated.CancelPaymentParams{IdempotencyKey: ptr(allHeaders.idem), AcceptLanguage: ptr(allHeaders.lang), TossPaymentsTestCode: ptr(allHeaders.code)}
}

func keyInParams() generated.KeyInPaymentParams {
	return generated.KeyInPaymentParams{IdempotencyKey: ptr(allHeaders.idem), AcceptLanguage: ptr(allHeaders.lang), TossPaymentsTestCode: ptr(allHeaders.code)}
}

// requestCase is one request of TestRequests.
type requestCase struct {
	name    string
	op      string
	call    clientCall
	wantErr string // substring of the validation error; "" means valid
}

// TestRequests sends every request the generated client can build through a
// recording transport and validates each against the spec, with Basic auth
// checked. Valid requests must pass; each broken constraint must be caught
// and named.
func TestRequests(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []requestCase{
		// Valid: every operation, minimal and with every optional field.
		{"create minimal", "createPayment", createCall(generated.CreatePaymentRequest{
			Method: generated.CreatePaymentMethodCard, Amount: amt("1000"), OrderID: "order-0001",
			OrderName: "Toss T-shirts", ReturnURL: "https://shop.example.com/return",
		}, generated.CreatePaymentParams{}), ""},
		{"create every field", "createPayment", createCall(validCreate(), createParams()), ""},
		{"create USD decimal amount", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.Amount = amt("726.24")
			return b
		}(), createParams()), ""},
		{"confirm", "confirmPayment", confirmCall(validConfirm(), confirmParams()), ""},
		{"confirm large amount", "confirmPayment", confirmCall(func() generated.ConfirmPaymentRequest {
			b := validConfirm()
			b.Amount = amt("50000000000")
			return b
		}(), generated.ConfirmPaymentParams{}), ""},
		{"cancel full", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", generated.CancelPaymentRequest{CancelReason: "Customer wants refund"}, generated.CancelPaymentParams{}), ""},
		{"cancel every field", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", validCancel(), cancelParams()), ""},
		{"cancel 200-char reason", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", generated.CancelPaymentRequest{CancelReason: long(200)}, generated.CancelPaymentParams{}), ""},
		{"cancel 300-char idempotency key", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", validCancel(), generated.CancelPaymentParams{IdempotencyKey: ptr(long(300))}), ""},
		{"key-in minimal", "keyInPayment", keyInCall(generated.KeyInPaymentRequest{
			Amount: amt("15000"), OrderID: "order-0002", OrderName: "Toss T-Shirts", CardNumber: "4330123412341234",
			CardExpirationYear: "24", CardExpirationMonth: "07", CustomerIdentityNumber: "881212",
		}, generated.KeyInPaymentParams{}), ""},
		{"key-in every field", "keyInPayment", keyInCall(validKeyIn(), keyInParams()), ""},
		{"key-in business number, one-time", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CustomerIdentityNumber = "1234567890"
			b.CardInstallmentPlan = ptr(0)
			return b
		}(), keyInParams()), ""},
		{"get", "getPayment", getCall("5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6", generated.GetPaymentParams{}), ""},
		{"get with headers", "getPayment", getCall("5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6", generated.GetPaymentParams{AcceptLanguage: ptr("en-US"), TossPaymentsTestCode: ptr("NOT_FOUND_PAYMENT")}), ""},
		{"get by order", "getPaymentByOrderId", getByOrderCall("order-20210101-0001", generated.GetPaymentByOrderIDParams{}), ""},
		{"get by order with headers", "getPaymentByOrderId", getByOrderCall("order_2021-01-01_0001", generated.GetPaymentByOrderIDParams{AcceptLanguage: ptr("en-US"), TossPaymentsTestCode: ptr("NOT_FOUND_PAYMENT")}), ""},

		// Boundaries: the largest values each limit allows.
		{"create orderId 64 chars, orderName 100", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.OrderID = strings.Repeat("a", 64)
			b.OrderName = long(100)
			return b
		}(), createParams()), ""},
		{"confirm idempotency key 300 chars", "confirmPayment", confirmCall(validConfirm(), generated.ConfirmPaymentParams{IdempotencyKey: ptr(long(300))}), ""},
		{"cancel accountNumber 20 digits", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", func() generated.CancelPaymentRequest {
			b := validCancel()
			b.RefundReceiveAccount.AccountNumber = strings.Repeat("1", 20)
			return b
		}(), cancelParams()), ""},
		{"key-in 10-digit identity, 20-char card, 100-char email and name", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CustomerIdentityNumber = "1234567890"
			b.CardNumber = sensitive.String(strings.Repeat("4", 20))
			b.CustomerEmail = ptr(generatedEmail(strings.Repeat("a", 88) + "@example.com"))
			b.CustomerName = ptr(long(100))
			return b
		}(), keyInParams()), ""},

		// Broken constraints: each must be caught.
		{"create orderId 65 chars", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.OrderID = strings.Repeat("a", 65)
			return b
		}(), createParams()), "orderId"},
		{"cancel accountNumber 21 digits", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", func() generated.CancelPaymentRequest {
			b := validCancel()
			b.RefundReceiveAccount.AccountNumber = strings.Repeat("1", 21)
			return b
		}(), cancelParams()), "accountNumber"},
		{"key-in cardNumber 21 chars", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CardNumber = sensitive.String(strings.Repeat("4", 21))
			return b
		}(), keyInParams()), "cardNumber"},
		{"key-in customerIdentityNumber 11 digits", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CustomerIdentityNumber = "12345678901"
			return b
		}(), keyInParams()), "customerIdentityNumber"},
		{"key-in customerEmail 101 chars", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CustomerEmail = ptr(generatedEmail(strings.Repeat("a", 89) + "@example.com"))
			return b
		}(), keyInParams()), "customerEmail"},
		{"key-in customerName 101 chars", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CustomerName = ptr(long(101))
			return b
		}(), keyInParams()), "customerName"},
		{"cancel currency not a code", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", func() generated.CancelPaymentRequest {
			b := validCancel()
			b.Currency = ptr("us$")
			return b
		}(), cancelParams()), "currency"},
		{"create orderId ab", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.OrderID = "ab"
			return b
		}(), createParams()), "orderId"},
		{"create orderId with a space", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.OrderID = "order 0001"
			return b
		}(), createParams()), "orderId"},
		{"create orderName 101 chars", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.OrderName = long(101)
			return b
		}(), createParams()), "orderName"},
		{"create amount 0", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.Amount = amt("0")
			return b
		}(), createParams()), "amount"},
		{"create unknown method", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.Method = "BITCOIN"
			return b
		}(), createParams()), "method"},
		{"create relative returnUrl", "createPayment", createCall(func() generated.CreatePaymentRequest {
			b := validCreate()
			b.ReturnURL = "/returnUrl"
			return b
		}(), createParams()), "returnUrl"},
		{"create idempotency key 301 chars", "createPayment", createCall(validCreate(), generated.CreatePaymentParams{IdempotencyKey: ptr(long(301))}), "Idempotency-Key"},
		{"confirm amount 0", "confirmPayment", confirmCall(func() generated.ConfirmPaymentRequest {
			b := validConfirm()
			b.Amount = amt("0")
			return b
		}(), confirmParams()), "amount"},
		{"confirm orderId ab", "confirmPayment", confirmCall(func() generated.ConfirmPaymentRequest {
			b := validConfirm()
			b.OrderID = "ab"
			return b
		}(), confirmParams()), "orderId"},
		{"confirm paymentKey 201 chars", "confirmPayment", confirmCall(func() generated.ConfirmPaymentRequest {
			b := validConfirm()
			b.PaymentKey = long(201)
			return b
		}(), confirmParams()), "paymentKey"},
		{"confirm idempotency key 301 chars", "confirmPayment", confirmCall(validConfirm(), generated.ConfirmPaymentParams{IdempotencyKey: ptr(long(301))}), "Idempotency-Key"},
		{"cancel reason 201 chars", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", generated.CancelPaymentRequest{CancelReason: long(201)}, generated.CancelPaymentParams{}), "cancelReason"},
		{"cancel accountNumber with -", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", func() generated.CancelPaymentRequest {
			b := validCancel()
			b.RefundReceiveAccount.AccountNumber = "110-123-456789"
			return b
		}(), cancelParams()), "accountNumber"},
		{"cancel holderName 61 chars", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", func() generated.CancelPaymentRequest {
			b := validCancel()
			b.RefundReceiveAccount.HolderName = long(61)
			return b
		}(), cancelParams()), "holderName"},
		{"cancel amount 0", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", func() generated.CancelPaymentRequest {
			b := validCancel()
			b.CancelAmount = ptr(amt("0"))
			return b
		}(), cancelParams()), "cancelAmount"},
		{"cancel idempotency key 301 chars", "cancelPayment", cancelCall("dxRrMScPUSvrdmfYps_UG", validCancel(), generated.CancelPaymentParams{IdempotencyKey: ptr(long(301))}), "Idempotency-Key"},
		{"cancel paymentKey 201 chars", "cancelPayment", cancelCall(long(201), validCancel(), cancelParams()), "paymentKey"},
		{"key-in cardInstallmentPlan 1", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CardInstallmentPlan = ptr(1)
			return b
		}(), keyInParams()), "cardInstallmentPlan"},
		{"key-in cardInstallmentPlan 13", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CardInstallmentPlan = ptr(13)
			return b
		}(), keyInParams()), "cardInstallmentPlan"},
		{"key-in customerIdentityNumber 7 digits", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CustomerIdentityNumber = "8812121"
			return b
		}(), keyInParams()), "customerIdentityNumber"},
		{"key-in amount 0", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.Amount = amt("0")
			return b
		}(), keyInParams()), "amount"},
		{"key-in decimal amount", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.Amount = amt("150.5")
			return b
		}(), keyInParams()), "amount"},
		{"key-in expiration month 13", "keyInPayment", keyInCall(func() generated.KeyInPaymentRequest {
			b := validKeyIn()
			b.CardExpirationMonth = "13"
			return b
		}(), keyInParams()), "cardExpirationMonth"},
		// The generated Email type refuses to encode a bad address, so this one
		// goes through the raw-body method.
		{"key-in bad email", "keyInPayment", func(ctx context.Context, c *generated.Client) (*http.Response, error) {
			body := `{"amount":15000,"orderId":"order-0002","orderName":"Toss T-Shirts","cardNumber":"4330123412341234",` +
				`"cardExpirationYear":"24","cardExpirationMonth":"07","customerIdentityNumber":"881212","customerEmail":"not-an-email"}`
			return c.KeyInPaymentWithBody(ctx, &generated.KeyInPaymentParams{}, "application/json", strings.NewReader(body))
		}, "customerEmail"},
		{"key-in amount as a string", "keyInPayment", func(ctx context.Context, c *generated.Client) (*http.Response, error) {
			body := `{"amount":"15000","orderId":"order-0002","orderName":"Toss T-Shirts","cardNumber":"4330123412341234",` +
				`"cardExpirationYear":"24","cardExpirationMonth":"07","customerIdentityNumber":"881212"}`
			return c.KeyInPaymentWithBody(ctx, &generated.KeyInPaymentParams{}, "application/json", strings.NewReader(body))
		}, "amount"},
		{"confirm without paymentKey", "confirmPayment", func(ctx context.Context, c *generated.Client) (*http.Response, error) {
			body := `{"orderId":"order-20210101-0001","amount":15000}`
			return c.ConfirmPaymentWithBody(ctx, &generated.ConfirmPaymentParams{}, "application/json", strings.NewReader(body))
		}, "paymentKey"},
		{"key-in idempotency key 301 chars", "keyInPayment", keyInCall(validKeyIn(), generated.KeyInPaymentParams{IdempotencyKey: ptr(long(301))}), "Idempotency-Key"},
		{"get paymentKey 201 chars", "getPayment", getCall(long(201), generated.GetPaymentParams{}), "paymentKey"},
		{"get by order ab", "getPaymentByOrderId", getByOrderCall("ab", generated.GetPaymentByOrderIDParams{}), "orderId"},
	}
	tests = append(tests, billingRequestCases()...)
	covered := map[string]bool{}
	for _, tt := range tests {
		if tt.wantErr == "" {
			covered[tt.op] = true
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, body := send(t, basicAuth(docsTestKey), tt.call)
			op, err := validateRequest(t, req, body)
			if op != tt.op {
				t.Errorf("%s %s routed to %q, want %q", req.Method, req.URL, op, tt.op)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("%s %s: a valid request was rejected:\n%v\nbody: %s", req.Method, req.URL.Path, err, body)
			case tt.wantErr != "" && err == nil:
				t.Errorf("%s %s: the validator let a broken request through (want an error about %s)\nbody: %s", req.Method, req.URL.Path, tt.wantErr, body)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("%s %s: rejected, but the error does not name %q:\n%v", req.Method, req.URL.Path, tt.wantErr, err)
			case err != nil:
				first, _, _ := strings.Cut(err.Error(), "\n")
				t.Logf("rejected as expected: %s", first)
			}
		})
	}
	for _, op := range operations(t) {
		if !covered[op.ID] {
			t.Errorf("no valid request case sends %s (%s %s)", op.ID, op.Method, op.Path)
		}
	}
}

// TestRequestAuth proves the Basic auth check rejects what the API rejects.
func TestRequestAuth(t *testing.T) {
	t.Parallel()
	header := func(v string) generated.RequestEditorFn {
		return func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", v)
			return nil
		}
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name    string
		auth    generated.RequestEditorFn
		wantErr string
	}{
		{"key and colon", basicAuth(docsTestKey), ""},
		{"no header", nil, "Authorization"},
		{"no trailing colon", header("Basic " + b64(docsTestKey)), "trailing colon"},
		{"empty key", header("Basic " + b64(":")), "empty secret key"},
		{"a password", header("Basic " + b64(docsTestKey+":secret")), "password"},
		{"not base64", header("Basic %%%"), "base64"},
		{"bearer", header("Bearer " + docsTestKey), "Basic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, body := send(t, tt.auth, getCall("5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6", generated.GetPaymentParams{}))
			_, err := validateRequest(t, req, body)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("valid auth rejected: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("auth %q accepted; want an error about %s", req.Header.Get("Authorization"), tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("rejected, but the error does not mention %q: %v", tt.wantErr, err)
			}
		})
	}
}

// TestRequestBodyIsExact checks the generated client sends amounts exactly
// (no float on the way out) and KRW amounts as integers.
func TestRequestBodyIsExact(t *testing.T) {
	t.Parallel()
	tests := []struct{ amount, want string }{
		{"15000", `"amount":15000`},
		{"726.24", `"amount":726.24`},
		{"50000000000", `"amount":50000000000`},
	}
	for _, tt := range tests {
		b := validConfirm()
		b.Amount = amt(tt.amount)
		_, body := send(t, basicAuth(docsTestKey), confirmCall(b, generated.ConfirmPaymentParams{}))
		if !bytes.Contains(body, []byte(tt.want)) {
			t.Errorf("amount %s: body %s does not contain %s", tt.amount, body, tt.want)
		}
	}
	// Won computed from amounts a response wrote with decimals (a USD-style
	// taxFreeAmount of 0.0) still go out as integers.
	total, err := money.New(15000).Add(amt("0.0"))
	if err != nil {
		t.Fatal(err)
	}
	b := validConfirm()
	b.Amount = total
	if _, body := send(t, basicAuth(docsTestKey), confirmCall(b, generated.ConfirmPaymentParams{})); !bytes.Contains(body, []byte(`"amount":15000,`)) && !bytes.Contains(body, []byte(`"amount":15000}`)) {
		t.Errorf("15000 + 0.0 went out as %s, want the integer 15000", body)
	}
}

func generatedEmail(s string) openapi_types.Email { return openapi_types.Email(s) }
