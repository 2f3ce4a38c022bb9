package wrapper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
)

// TestConcurrentValidation: every operation validates against the route and
// options the process built once, shared by all calls (run with -race).
// Many goroutines call every operation at once with caller headers: a valid
// request reaches the server once; one that breaks the spec (in its body or
// path, or in a header) is refused naming its field, and never reaches it.
func TestConcurrentValidation(t *testing.T) {
	t.Parallel()
	h := setup(t, WithLanguage("en-US"))
	var valid, leaked atomic.Int32
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Case") == "valid" {
			valid.Add(1)
		} else {
			leaked.Add(1)
		}
		writeError(w, 404, "NOT_FOUND_PAYMENT", "not found")
	})
	const customer = "cus-wrapper-race-0001"
	long := func(n int) string { return strings.Repeat("p", n) }
	type call func(ctx context.Context, c *Client, bad bool, o ...CallOption) error
	cases := map[string]struct {
		call  call
		field string // the field the bad request breaks
	}{
		openapi.OpCreatePayment: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			r := generated.CreatePaymentRequest{Method: generated.CreatePaymentMethodCard, Amount: money.New(1000), OrderID: "order-race-0001", OrderName: "x", ReturnURL: "https://example.com/r"}
			if bad {
				r.OrderID = "ab"
			}
			_, _, err := c.CreatePayment(ctx, r, o...)
			return err
		}, "orderId"},
		openapi.OpConfirmPayment: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			r := confirmReq()
			if bad {
				r.Amount = money.New(0)
			}
			_, _, err := c.ConfirmPayment(ctx, r, o...)
			return err
		}, "amount"},
		openapi.OpCancelPayment: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			r := cancelReq("refund")
			if bad {
				r.CancelReason = long(201)
			}
			_, _, err := c.CancelPayment(ctx, "pk-1", r, o...)
			return err
		}, "cancelReason"},
		openapi.OpKeyInPayment: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			r := keyInReq("4330123412341234")
			if bad {
				r.CardPassword = ptr(sensitive.String("123"))
			}
			_, _, err := c.KeyInPayment(ctx, r, o...)
			return err
		}, "cardPassword"},
		openapi.OpGetPayment: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			key := "pk-1"
			if bad {
				key = long(201)
			}
			_, _, err := c.GetPayment(ctx, key, o...)
			return err
		}, "paymentKey"},
		openapi.OpGetPaymentByOrderID: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			id := "order-race-0001"
			if bad {
				id = "ab"
			}
			_, _, err := c.GetPaymentByOrderID(ctx, id, o...)
			return err
		}, "orderId"},
		openapi.OpIssueBillingKey: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			r := generated.IssueBillingKeyRequest{AuthKey: "auth-1", CustomerKey: customer}
			if bad {
				r.AuthKey = long(301)
			}
			_, _, err := c.IssueBillingKey(ctx, r, o...)
			return err
		}, "authKey"},
		openapi.OpIssueBillingKeyWithCard: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			r := generated.IssueBillingKeyWithCardRequest{CustomerKey: customer, CardNumber: "4330123412341234",
				CardExpirationYear: "29", CardExpirationMonth: "07", CustomerIdentityNumber: "881212"}
			if bad {
				r.CardExpirationMonth = "13"
			}
			_, _, err := c.IssueBillingKeyWithCard(ctx, r, o...)
			return err
		}, "cardExpirationMonth"},
		openapi.OpChargeBillingKey: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			r := generated.ChargeBillingKeyRequest{CustomerKey: customer, Amount: money.New(9900), OrderID: "order-race-0001", OrderName: "plan"}
			if bad {
				r.Amount = money.New(0)
			}
			_, _, err := c.ChargeBillingKey(ctx, "bk-1", r, o...)
			return err
		}, "amount"},
		openapi.OpDeleteBillingKey: {func(ctx context.Context, c *Client, bad bool, o ...CallOption) error {
			key := "bk-1"
			if bad {
				key = long(201)
			}
			_, err := c.DeleteBillingKey(ctx, key, o...)
			return err
		}, "billingKey"},
	}
	ops, err := specOps()
	if err != nil || len(ops) != len(cases) {
		t.Fatalf("%d cases for the spec's %d operations (%v)", len(cases), len(ops), err)
	}
	var wg sync.WaitGroup
	var wantValid atomic.Int32
	for round := range 8 {
		for id, tc := range cases {
			for _, kind := range []string{"valid", "body or path", "header"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					opts := []CallOption{WithHeader("X-Case", kind), WithHeader("X-Round", fmt.Sprint(round)), WithTestCode("REJECT_CARD_COMPANY")}
					if kind == "header" {
						opts = append(opts, WithTestCode(long(101)))
					}
					err := tc.call(context.Background(), h.c, kind == "body or path", opts...)
					var ve *ValidationError
					switch {
					case kind == "valid":
						wantValid.Add(1)
						if errors.As(err, &ve) {
							t.Errorf("%s valid: refused: %v", id, err)
						}
					case !errors.As(err, &ve) || ve.Operation != id:
						t.Errorf("%s %s: err %v, want a *ValidationError of %s", id, kind, err, id)
					case kind == "header" && ve.Field != "TossPayments-Test-Code", kind != "header" && ve.Field != tc.field:
						t.Errorf("%s %s: field %q", id, kind, ve.Field)
					}
				}()
			}
		}
	}
	wg.Wait()
	if leaked.Load() != 0 || valid.Load() != wantValid.Load() {
		t.Errorf("%d refused requests reached the server; %d of %d valid ones", leaked.Load(), valid.Load(), wantValid.Load())
	}
}
