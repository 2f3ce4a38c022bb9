package wrapper

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
)

// TestValidation: each bad request is refused locally with the field and
// the rule named, and nothing reaches the server.
func TestValidation(t *testing.T) {
	t.Parallel()
	badConfirm := func(edit func(*generated.ConfirmPaymentRequest)) func(context.Context, *Client) error {
		return func(ctx context.Context, c *Client) error {
			r := confirmReq()
			edit(&r)
			_, _, err := c.ConfirmPayment(ctx, r)
			return err
		}
	}
	cases := []struct {
		name      string
		call      func(context.Context, *Client) error
		in, field string
		rule      string // a substring of the rule
	}{
		{"orderId too short", badConfirm(func(r *generated.ConfirmPaymentRequest) { r.OrderID = "ab" }),
			"body", "orderId", "minimum string length is 6"},
		{"orderId bad characters", badConfirm(func(r *generated.ConfirmPaymentRequest) { r.OrderID = "order/2024!" }),
			"body", "orderId", "doesn't match the regular expression"},
		{"amount zero", badConfirm(func(r *generated.ConfirmPaymentRequest) { r.Amount = money.New(0) }),
			"body", "amount", "number must be more than 0"},
		{"amount negative", badConfirm(func(r *generated.ConfirmPaymentRequest) { r.Amount = money.New(-5) }),
			"body", "amount", "number must be more than 0"},
		{"paymentKey empty", badConfirm(func(r *generated.ConfirmPaymentRequest) { r.PaymentKey = "" }),
			"body", "paymentKey", "minimum string length is 1"},
		{"cancelReason over 200", func(ctx context.Context, c *Client) error {
			_, _, err := c.CancelPayment(ctx, "pk-1", cancelReq(strings.Repeat("가", 201)))
			return err
		}, "body", "cancelReason", "maximum string length is 200"},
		{"cancel amount zero", func(ctx context.Context, c *Client) error {
			r := cancelReq("refund")
			r.CancelAmount = ptr(money.New(0))
			_, _, err := c.CancelPayment(ctx, "pk-1", r)
			return err
		}, "body", "cancelAmount", "number must be more than 0"},
		{"refund account number nested", func(ctx context.Context, c *Client) error {
			r := cancelReq("refund")
			r.RefundReceiveAccount = &generated.RefundReceiveAccount{Bank: "06", AccountNumber: "123-456", HolderName: "Kim"}
			_, _, err := c.CancelPayment(ctx, "pk-1", r)
			return err
		}, "body", "refundReceiveAccount.accountNumber", "regular expression"},
		{"idempotency key over 300", func(ctx context.Context, c *Client) error {
			_, _, err := c.ConfirmPayment(ctx, confirmReq(), WithIdempotencyKey(strings.Repeat("k", 301)))
			return err
		}, "option", "Idempotency-Key", "longer than 300 characters"},
		{"create without method", func(ctx context.Context, c *Client) error {
			_, _, err := c.CreatePayment(ctx, generated.CreatePaymentRequest{Amount: money.New(1000), OrderID: "order-0001", OrderName: "x", ReturnURL: "https://example.com/r"})
			return err
		}, "body", "method", "allowed values"},
		{"create returnUrl not a URI", func(ctx context.Context, c *Client) error {
			_, _, err := c.CreatePayment(ctx, generated.CreatePaymentRequest{Method: generated.CreatePaymentMethodCard, Amount: money.New(1000), OrderID: "order-0001", OrderName: "x", ReturnURL: "not-a-url"})
			return err
		}, "body", "returnUrl", "absolute URI"},
		{"key-in amount not whole", func(ctx context.Context, c *Client) error {
			r := keyInReq("4330123412341234")
			r.Amount = money.MustParse("10.5")
			_, _, err := c.KeyInPayment(ctx, r)
			return err
		}, "body", "amount", "integer"},
		{"key-in card password", func(ctx context.Context, c *Client) error {
			r := keyInReq("4330123412341234")
			r.CardPassword = ptr(sensitive.String("123"))
			_, _, err := c.KeyInPayment(ctx, r)
			return err
		}, "body", "cardPassword", `must match the regular expression "^[0-9]{2}$"`},
		{"key-in card number too long", func(ctx context.Context, c *Client) error {
			_, _, err := c.KeyInPayment(ctx, keyInReq("433012341234123456789"))
			return err
		}, "body", "cardNumber", "maximum string length is 20"},
		{"look-up orderId too short", func(ctx context.Context, c *Client) error {
			_, _, err := c.GetPaymentByOrderID(ctx, "ab")
			return err
		}, "path", "orderId", "minimum string length is 6"},
		{"look-up paymentKey too long", func(ctx context.Context, c *Client) error {
			_, _, err := c.GetPayment(ctx, strings.Repeat("p", 201))
			return err
		}, "path", "paymentKey", "maximum string length is 200"},
		{"test code too long", func(ctx context.Context, c *Client) error {
			_, _, err := c.GetPayment(ctx, "pk-1", WithTestCode(strings.Repeat("X", 101)))
			return err
		}, "header", "TossPayments-Test-Code", "maximum string length is 100"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			var hits atomic.Int32
			h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
			err := tc.call(context.Background(), h.c)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %T %v, want *ValidationError", err, err)
			}
			if ve.In != tc.in || ve.Field != tc.field || !strings.Contains(ve.Rule, tc.rule) {
				t.Errorf("got in=%q field=%q rule=%q; want in=%q field=%q rule ~ %q", ve.In, ve.Field, ve.Rule, tc.in, tc.field, tc.rule)
			}
			if !strings.Contains(err.Error(), tc.field+": ") || !strings.Contains(err.Error(), "nothing was sent") {
				t.Errorf("Error() = %q", err.Error())
			}
			if ClassOf(err) != ClassInvalid || IsRetryable(err) {
				t.Errorf("class = %s", ClassOf(err))
			}
			if hits.Load() != 0 {
				t.Errorf("%d requests reached the server", hits.Load())
			}
		})
	}
}

// TestValidationOff: without validation the same bad request is sent.
func TestValidationOff(t *testing.T) {
	t.Parallel()
	h := setup(t, WithValidation(false))
	var hits atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeError(w, 400, "INVALID_REQUEST", "잘못된 요청입니다.")
	})
	r := confirmReq()
	r.OrderID = "ab"
	_, _, err := h.c.ConfirmPayment(context.Background(), r)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != generated.ErrorCodeInvalidRequest || hits.Load() != 1 {
		t.Fatalf("err = %v, hits %d", err, hits.Load())
	}
}

// TestCallOptionMisuse: refused per-call options and empty path values are
// caught before sending, with validation on or off.
func TestCallOptionMisuse(t *testing.T) {
	t.Parallel()
	h := setup(t, WithValidation(false))
	var hits atomic.Int32
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	ctx := context.Background()
	checks := []struct {
		field string
		call  func() error
	}{
		{"Authorization", func() error {
			_, _, err := h.c.ConfirmPayment(ctx, confirmReq(), WithHeader("authorization", "Basic eA=="))
			return err
		}},
		{"Idempotency-Key", func() error {
			_, _, err := h.c.ConfirmPayment(ctx, confirmReq(), WithHeader("Idempotency-Key", "x"))
			return err
		}},
		{"Idempotency-Key", func() error {
			_, _, err := h.c.ConfirmPayment(ctx, confirmReq(), WithIdempotencyKey(""))
			return err
		}},
		{"X-Bad", func() error {
			_, _, err := h.c.ConfirmPayment(ctx, confirmReq(), WithHeader("X-Bad", "a\r\nb"))
			return err
		}},
		{"paymentKey", func() error {
			_, _, err := h.c.GetPayment(ctx, "")
			return err
		}},
		{"paymentKey", func() error {
			_, _, err := h.c.CancelPayment(ctx, "", cancelReq("x"))
			return err
		}},
		{"orderId", func() error {
			_, _, err := h.c.GetPaymentByOrderID(ctx, "")
			return err
		}},
	}
	for _, c := range checks {
		err := c.call()
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field || ve.Operation == "" {
			t.Errorf("err = %v, want a ValidationError on %s", err, c.field)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the server", hits.Load())
	}
}

func TestEmptyGeneratedKeyRefused(t *testing.T) {
	t.Parallel()
	h := setup(t, WithIdempotencyKeyGenerator(func() string { return "" }))
	_, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "Idempotency-Key" {
		t.Fatalf("err = %v", err)
	}
}

// TestWrappedOperationsMatchSpec ties the wrapped operations to the spec:
// each operation the module names exists and has a Client method, and each
// POST takes an Idempotency-Key.
func TestWrappedOperationsMatchSpec(t *testing.T) {
	t.Parallel()
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]string{
		openapi.OpCreatePayment: "CreatePayment", openapi.OpConfirmPayment: "ConfirmPayment", openapi.OpCancelPayment: "CancelPayment",
		openapi.OpKeyInPayment: "KeyInPayment", openapi.OpGetPayment: "GetPayment", openapi.OpGetPaymentByOrderID: "GetPaymentByOrderID",
		openapi.OpIssueBillingKey: "IssueBillingKey", openapi.OpIssueBillingKeyWithCard: "IssueBillingKeyWithCard",
		openapi.OpChargeBillingKey: "ChargeBillingKey", openapi.OpDeleteBillingKey: "DeleteBillingKey",
	}
	client := reflect.TypeOf(&Client{})
	if len(ops) != len(openapi.OperationIDs()) {
		t.Errorf("the spec has %d operations, openapi.OperationIDs %d", len(ops), len(openapi.OperationIDs()))
	}
	for _, id := range openapi.OperationIDs() {
		op := ops[id]
		if op == nil {
			t.Fatalf("spec lacks %s", id)
		}
		if _, ok := client.MethodByName(methods[id]); !ok {
			t.Errorf("%s: no Client method wraps it", id)
		}
		if op.Method == http.MethodPost && op.Param("header", "Idempotency-Key") == nil {
			t.Errorf("%s: a POST without an Idempotency-Key parameter", id)
		}
	}
}

// TestIdempotencyKeyRefused: a key that cannot be sent as it is (empty, over
// 300 characters, a control character, a byte outside ASCII, an edge space)
// is refused before anything is sent, with validation on or off, and the
// error neither quotes the key nor claims the request may have been sent.
func TestIdempotencyKeyRefused(t *testing.T) {
	t.Parallel()
	bad := map[string]string{
		"empty":            "",
		"newline":          "abc\ndef",
		"carriage return":  "abc\rdef",
		"NUL":              "abc\x00def",
		"tab":              "abc\tdef",
		"DEL":              "abc\x7fdef",
		"not ASCII":        "키-abc",
		"leading space":    " abc",
		"trailing space":   "abc ",
		"301 characters":   strings.Repeat("k", 301),
		"1000 characters":  strings.Repeat("k", 1000),
		"control at start": "\x1babc",
	}
	for _, validation := range []bool{true, false} {
		h := setup(t, WithValidation(validation))
		var hits atomic.Int32
		h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
		for name, key := range bad {
			_, meta, err := h.c.ConfirmPayment(context.Background(), confirmReq(), WithIdempotencyKey(key))
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "Idempotency-Key" || ve.Rule == "" || ClassOf(err) != ClassInvalid {
				t.Errorf("validation %v, %s: err = %T %v, want a ValidationError on Idempotency-Key", validation, name, err, err)
				continue
			}
			if meta.Attempts != 0 || meta.IdempotencyKey != "" {
				t.Errorf("validation %v, %s: meta %+v", validation, name, meta)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n\x00\x1b\x7f") || len(key) > 3 && strings.Contains(msg, key) {
				t.Errorf("validation %v, %s: Error() = %q quotes the key", validation, name, msg)
			}
		}
		if hits.Load() != 0 {
			t.Errorf("validation %v: %d requests reached the server", validation, hits.Load())
		}
	}
	good := []string{"k", strings.Repeat("k", MaxIdempotencyKeyLength), "order 42 / confirm ~!@#$%^&*()"}
	h := setup(t)
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, answerTo(t, r, readBody(t, r)))
	})
	for _, key := range good {
		if _, meta, err := h.c.ConfirmPayment(context.Background(), confirmReq(), WithIdempotencyKey(key)); err != nil || meta.IdempotencyKey != key {
			t.Errorf("key of %d characters: err %v, meta key %q", len(key), err, meta.IdempotencyKey)
		}
	}
}

// TestGeneratedKeyChecked: a key generator's output meets the same rules.
func TestGeneratedKeyChecked(t *testing.T) {
	t.Parallel()
	h := setup(t, WithIdempotencyKeyGenerator(func() string { return "abc\ndef" }))
	var hits atomic.Int32
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	_, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "Idempotency-Key" || strings.Contains(err.Error(), "\n") || hits.Load() != 0 {
		t.Fatalf("err = %q, hits %d", err, hits.Load())
	}
}

// TestMaxIdempotencyKeyLengthMatchesSpec: the constant is the spec's
// maxLength of the Idempotency-Key header.
func TestMaxIdempotencyKeyLengthMatchesSpec(t *testing.T) {
	t.Parallel()
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	for id, op := range ops {
		p := op.Param("header", "Idempotency-Key")
		if p == nil {
			continue
		}
		if ml := p.Schema.Value.MaxLength; ml == nil || *ml != MaxIdempotencyKeyLength {
			t.Errorf("%s: the spec's Idempotency-Key maxLength is %v, MaxIdempotencyKeyLength %d", id, ml, MaxIdempotencyKeyLength)
		}
	}
}

// TestSensitiveRulesComeFromTheSchema: for a field the spec types as
// sensitive.String the rule is rebuilt from the schema, so a reason that
// quoted the value could not leak it; other fields keep kin-openapi's reason.
// The spec marks the three card and personal data fields of key-in.
func TestSensitiveRulesComeFromTheSchema(t *testing.T) {
	t.Parallel()
	maxLen := uint64(20)
	leaky := "value 4330123412341234 is too long"
	card := &openapi3.Schema{MaxLength: &maxLen, Extensions: map[string]any{"x-go-type": sensitiveGoType}}
	if got := schemaRule(&openapi3.SchemaError{Schema: card, SchemaField: "maxLength", Reason: leaky}); got != "maximum string length is 20" {
		t.Errorf("sensitive rule = %q", got)
	}
	if got := schemaRule(&openapi3.SchemaError{Schema: card, SchemaField: "enum", Reason: leaky}); strings.Contains(got, "4330") {
		t.Errorf("sensitive rule leaks: %q", got)
	}
	plain := &openapi3.Schema{MaxLength: &maxLen}
	if got := schemaRule(&openapi3.SchemaError{Schema: plain, SchemaField: "maxLength", Reason: "maximum string length is 20"}); got != "maximum string length is 20" {
		t.Errorf("plain rule = %q", got)
	}

	ix, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	props := ix.Operation(openapi.OpKeyInPayment).BodySchema.Properties
	for _, name := range []string{"cardNumber", "cardPassword", "customerIdentityNumber"} {
		if p := props[name]; p == nil || p.Value.Extensions["x-go-type"] != sensitiveGoType {
			t.Errorf("the spec does not type key-in's %s as %s", name, sensitiveGoType)
		}
	}
}
