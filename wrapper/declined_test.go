package wrapper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
)

// TestNeverADeclineAsASuccess: a scripted server answers each call with a
// payment that says the request was not done (declined, not cancelled, not
// confirmed). None is a success; a decline is a declined error carrying the
// failure's code, and a payment not settled yet leaves the outcome unknown.
func TestNeverADeclineAsASuccess(t *testing.T) {
	t.Parallel()
	aborted := func(p map[string]any) {
		p["status"] = "ABORTED"
		// A lying server echoes the card number: it never reaches the error.
		p["failure"] = map[string]any{"code": "REJECT_CARD_COMPANY", "message": "카드 4330-1234-1234-1234 거절"}
	}
	lastCancel := func(f func(c map[string]any)) func(p map[string]any) {
		return func(p map[string]any) { f(p["cancels"].([]any)[0].(map[string]any)) }
	}
	taxFree := money.New(100)
	cancel := generated.CancelPaymentRequest{CancelReason: "r", TaxFreeAmount: &taxFree}
	type call func(h *harness) (*generated.Payment, *Meta, error)
	keyIn := func(h *harness) (*generated.Payment, *Meta, error) {
		return h.c.KeyInPayment(context.Background(), keyInReq("4330123412341234"))
	}
	// keyInResolved is a key-in whose connection drops, then Resolve.
	keyInResolved := func(h *harness) (*generated.Payment, *Meta, error) {
		_, _, err := keyIn(h)
		if !IsOutcomeUnknown(err) {
			t.Fatalf("key-in err = %v, want outcome unknown", err)
		}
		return h.c.Resolve(context.Background(), err)
	}
	cases := []struct {
		name   string
		path   string // the route of the scripted answer
		change func(p map[string]any)
		call   call
		class  Class
		code   generated.ErrorCode
	}{
		{"key-in 200 ABORTED with a failure", "POST /v1/payments/key-in", aborted, keyIn, ClassDeclined, "REJECT_CARD_COMPANY"},
		{"Resolve finds the key-in ABORTED with REJECT_CARD_COMPANY", "GET /v1/payments/orders/{orderId}", aborted, keyInResolved, ClassDeclined, "REJECT_CARD_COMPANY"},
		{"Resolve finds the key-in IN_PROGRESS", "GET /v1/payments/orders/{orderId}", func(p map[string]any) { p["status"] = "IN_PROGRESS" }, keyInResolved, ClassOutcomeUnknown, ""},
		{"Resolve finds the key-in READY", "GET /v1/payments/orders/{orderId}", func(p map[string]any) { p["status"] = "READY" }, keyInResolved, ClassOutcomeUnknown, ""},
		{"cancel answered DONE", "POST /v1/payments/{paymentKey}/cancel", func(p map[string]any) {
			p["status"] = "DONE"
			lastCancel(func(c map[string]any) { c["taxFreeAmount"] = 100 })(p)
		}, nil, ClassOutcomeUnknown, ""},
		{"last cancel ABORTED", "POST /v1/payments/{paymentKey}/cancel", lastCancel(func(c map[string]any) {
			c["cancelStatus"], c["taxFreeAmount"] = "ABORTED", 100
		}), nil, ClassOutcomeUnknown, ""},
		{"cancel of another taxFreeAmount", "POST /v1/payments/{paymentKey}/cancel", lastCancel(func(c map[string]any) {
			c["taxFreeAmount"] = 0
		}), nil, ClassOutcomeUnknown, ""},
		{"card confirm WAITING_FOR_DEPOSIT without virtualAccount", "POST /v1/payments/confirm", func(p map[string]any) {
			p["status"], p["virtualAccount"] = "WAITING_FOR_DEPOSIT", nil
		}, func(h *harness) (*generated.Payment, *Meta, error) {
			return h.c.ConfirmPayment(context.Background(), confirmReq())
		}, ClassOutcomeUnknown, ""},
		{"confirm 200 EXPIRED with a failure", "POST /v1/payments/confirm", func(p map[string]any) {
			aborted(p)
			p["status"] = "EXPIRED"
		}, func(h *harness) (*generated.Payment, *Meta, error) {
			return h.c.ConfirmPayment(context.Background(), confirmReq())
		}, ClassDeclined, "REJECT_CARD_COMPANY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t, WithRetry(RetryPolicy{MaxAttempts: 1}))
			var hits atomic.Int32
			if tc.path != "POST /v1/payments/key-in" {
				h.mux.HandleFunc("POST /v1/payments/key-in", hijackClose(&hits))
			}
			h.mux.HandleFunc(tc.path, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, edit(t, r, readBody(t, r), tc.change))
			})
			if tc.call == nil {
				tc.call = func(h *harness) (*generated.Payment, *Meta, error) {
					return h.c.CancelPayment(context.Background(), "pk-1", cancel)
				}
			}
			p, meta, err := tc.call(h)
			if p != nil || err == nil || meta.Reconciled {
				t.Fatalf("p %v, meta %+v, err %v: a success", p != nil, meta, err)
			}
			if got := ClassOf(err); got != tc.class {
				t.Fatalf("class %s, want %s: %v", got, tc.class, err)
			}
			// A key-in's card number is scrubbed from what the server echoes.
			if s := fmt.Sprintf("%v %+v", err, err); strings.Contains(tc.name, "key-in") && strings.Contains(s, "1234-1234") {
				t.Fatalf("the card number leaks: %s", s)
			}
			var ae *APIError
			if tc.class == ClassDeclined && (!errors.As(err, &ae) || ae.Code != tc.code || ae.Payment == nil || IsRetryable(err)) {
				t.Fatalf("err = %v: want a declined *APIError with code %s and the payment", err, tc.code)
			}
		})
	}
}

// TestCancelWithTheAmountsSentSucceeds is the rejecting cases' counterpart:
// a cancel whose last entry is DONE with the taxFreeAmount sent succeeds.
func TestCancelWithTheAmountsSentSucceeds(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, edit(t, r, readBody(t, r), func(p map[string]any) {
			p["cancels"].([]any)[0].(map[string]any)["taxFreeAmount"] = 100
		}))
	})
	taxFree := money.New(100)
	p, _, err := h.c.CancelPayment(context.Background(), "pk-1", generated.CancelPaymentRequest{CancelReason: "r", TaxFreeAmount: &taxFree})
	if err != nil || p == nil || p.Status != generated.PaymentStatusCanceled {
		t.Fatalf("p %v, err %v", p, err)
	}
}
