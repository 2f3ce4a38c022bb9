package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

const (
	billingCustomer = "cus-wrapper-billing-0001"
	billingCard     = "4330123412341234"
)

// sandboxClient is a client of a fresh in-process sandbox that logs to log.
func sandboxClient(t *testing.T, log *bytes.Buffer) (*wrapper.Client, *sandbox.Sandbox) {
	t.Helper()
	sb, err := sandbox.New(sandbox.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	c, err := wrapper.New(sandbox.TestSecretKey, wrapper.WithBaseURL(srv.URL), wrapper.WithSleeper(noSleep),
		wrapper.WithLogger(slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	return c, sb
}

func cardKey(card string) generated.IssueBillingKeyWithCardRequest {
	return generated.IssueBillingKeyWithCardRequest{CustomerKey: billingCustomer, CardNumber: sensitive.String(card),
		CardExpirationYear: "29", CardExpirationMonth: "07", CustomerIdentityNumber: "881212"}
}

func charge(orderID string, amount int64) generated.ChargeBillingKeyRequest {
	return generated.ChargeBillingKeyRequest{CustomerKey: billingCustomer, Amount: money.New(amount), OrderID: orderID, OrderName: "Monthly plan"}
}

// TestBillingAgainstTheSandbox: issue, charge (verified DONE and BILLING),
// the derived key making a repeated charge a replay, the customer check,
// a decline, an outcome-unknown charge that Resolve looks up, the removal;
// and neither the card number, the billing key nor the customerKey in any
// error or log line.
func TestBillingAgainstTheSandbox(t *testing.T) {
	ctx := context.Background()
	var log bytes.Buffer
	c, sb := sandboxClient(t, &log)
	var errs []error

	k, _, err := c.IssueBillingKeyWithCard(ctx, cardKey(billingCard))
	if err != nil || k.CustomerKey != billingCustomer || k.BillingKey == "" {
		t.Fatalf("issue: %v %+v", err, k)
	}
	p, meta, err := c.ChargeBillingKey(ctx, k.BillingKey, charge("order-wb-0001", 9900))
	if err != nil || p.Status != generated.PaymentStatusDone || p.Type != generated.PaymentTypeBilling {
		t.Fatalf("charge: %v %+v", err, p)
	}
	if meta.IdempotencyKey != wrapper.ChargeIdempotencyKey(k.BillingKey, charge("order-wb-0001", 9900)) {
		t.Errorf("the charge's key is %q, not the derived one", meta.IdempotencyKey)
	}
	again, _, err := c.ChargeBillingKey(ctx, k.BillingKey, charge("order-wb-0001", 9900))
	if err != nil || again.PaymentKey != p.PaymentKey || len(sb.Payments(sandbox.TestSecretKey)) != 1 {
		t.Fatalf("a repeated charge is not a replay: %v, %d payments", err, len(sb.Payments(sandbox.TestSecretKey)))
	}

	other := charge("order-wb-0002", 9900)
	other.CustomerKey = "cus-someone-else-0001"
	_, _, err = c.ChargeBillingKey(ctx, k.BillingKey, other)
	var ae *wrapper.APIError
	if !errors.As(err, &ae) || ae.Code != generated.ErrorCodeNotMatchesCustomerKey || wrapper.ClassOf(err) != wrapper.ClassRejected {
		t.Fatalf("another customer: %v", err)
	}
	errs = append(errs, err)

	declining, _, err := c.IssueBillingKeyWithCard(ctx, cardKey("4000000000009995"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ChargeBillingKey(ctx, declining.BillingKey, charge("order-wb-0003", 9900))
	if !wrapper.IsDeclined(err) {
		t.Fatalf("limit exceeded: %v, want declined", err)
	}
	errs = append(errs, err)

	failing, _, err := c.IssueBillingKeyWithCard(ctx, cardKey("4000000000000119"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ChargeBillingKey(ctx, failing.BillingKey, charge("order-wb-0004", 9900))
	if !wrapper.IsOutcomeUnknown(err) {
		t.Fatalf("card company failure: %v, want outcome unknown", err)
	}
	errs = append(errs, err)
	// No payment is found, but a 5xx may be in flight: Resolve leaves it
	// unknown rather than call it not done.
	_, rmeta, rerr := c.Resolve(ctx, err)
	if !wrapper.IsOutcomeUnknown(rerr) || rmeta.Lookup == nil || rmeta.Lookup.StatusCode != http.StatusNotFound {
		t.Fatalf("Resolve: %v, want still outcome unknown after a look-up that found nothing", rerr)
	}
	errs = append(errs, rerr)

	// The answer to a charge is lost (the sandbox commits, then drops the
	// connection) and no retry is allowed: outcome unknown; Resolve finds the
	// charge by its orderId, DONE and BILLING.
	once, err := wrapper.New(sandbox.TestSecretKey, wrapper.WithBaseURL(c.BaseURL()), wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = once.ChargeBillingKey(ctx, k.BillingKey, charge("order-wb-0005", 9900), wrapper.WithHeader(sandbox.FaultHeader, "drop-after-commit"))
	if !wrapper.IsOutcomeUnknown(err) {
		t.Fatalf("a lost answer: %v, want outcome unknown", err)
	}
	settled, smeta, err := once.Resolve(ctx, err)
	if err != nil || !smeta.Reconciled || settled.OrderID != "order-wb-0005" || settled.Type != generated.PaymentTypeBilling {
		t.Fatalf("Resolve after a lost answer: %v %+v", err, settled)
	}

	if _, err := c.DeleteBillingKey(ctx, k.BillingKey); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteBillingKey(ctx, k.BillingKey)
	if !errors.As(err, &ae) || ae.Code != generated.ErrorCodeNotFound {
		t.Fatalf("second removal: %v", err)
	}
	errs = append(errs, err)
	_, _, err = c.IssueBillingKeyWithCard(ctx, cardKey("4000000000000036"))
	if !errors.As(err, &ae) || ae.Code != generated.ErrorCodeInvalidStoppedCard {
		t.Fatalf("stopped card: %v", err)
	}
	errs = append(errs, err)

	for _, e := range errs {
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			for _, secret := range []string{billingCard, "4000000000009995", "4000000000000036", "881212", k.BillingKey, billingCustomer, "cus-someone-else-0001"} {
				if strings.Contains(s, secret) {
					t.Errorf("an error holds a secret (%.4s…): %s", secret, s)
				}
			}
		}
	}
	for _, secret := range []string{billingCard, k.BillingKey, billingCustomer} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("the log holds a secret (%.4s…)", secret)
		}
	}
}

// TestBillingAnswersChecked: a 2xx that is not the charge or key asked for
// is not a success (a charge ABORTED with a failure is declined).
func TestBillingAnswersChecked(t *testing.T) {
	ctx := context.Background()
	chargeCall := func(c *wrapper.Client) error {
		_, _, err := c.ChargeBillingKey(ctx, "bk", charge("order-wb-0001", 9900))
		return err
	}
	const pay = `"paymentKey":"pk","orderName":"x","mId":"m","currency":"KRW","method":"카드","balanceAmount":9900,"suppliedAmount":9000,"vat":900,"taxFreeAmount":0,"requestedAt":"2024-01-01T00:00:00+09:00","version":"2022-11-16","lastTransactionKey":"t","useEscrow":false,"cultureExpense":false,"isPartialCancelable":true,"country":"KR","type":"BILLING",`
	for name, tc := range map[string]struct {
		path, body string
		call       func(*wrapper.Client) error
		declined   bool
	}{
		"a charge of another order":  {"/v1/billing/bk", `{` + pay + `"orderId":"order-other-01","totalAmount":9900,"status":"DONE"}`, chargeCall, false},
		"a charge of another amount": {"/v1/billing/bk", `{` + pay + `"orderId":"order-wb-0001","totalAmount":99000,"status":"DONE"}`, chargeCall, false},
		"a canceled charge":          {"/v1/billing/bk", `{` + pay + `"orderId":"order-wb-0001","totalAmount":9900,"status":"CANCELED"}`, chargeCall, false},
		"an ABORTED charge":          {"/v1/billing/bk", `{` + pay + `"orderId":"order-wb-0001","totalAmount":9900,"status":"ABORTED","failure":{"code":"REJECT_CARD_PAYMENT","message":"limit"}}`, chargeCall, true},
		"a NORMAL payment for a charge": {"/v1/billing/bk", `{"paymentKey":"pk","orderId":"order-wb-0001","totalAmount":9900,"status":"DONE","type":"NORMAL"}`,
			func(c *wrapper.Client) error {
				_, _, err := c.ChargeBillingKey(ctx, "bk", charge("order-wb-0001", 9900))
				return err
			}, false},
		"another customer's key": {"/v1/billing/authorizations/card", `{"billingKey":"bk","customerKey":"cus-other-0001"}`,
			func(c *wrapper.Client) error {
				_, _, err := c.IssueBillingKeyWithCard(ctx, cardKey(billingCard))
				return err
			}, false},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != tc.path {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c, err := wrapper.New(sandbox.TestSecretKey, wrapper.WithBaseURL(srv.URL), wrapper.WithSleeper(noSleep), wrapper.WithTimeout(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			err = tc.call(c)
			var ae *wrapper.APIError
			if tc.declined {
				if !errors.As(err, &ae) || !wrapper.IsDeclined(err) || ae.Code != "REJECT_CARD_PAYMENT" {
					t.Fatalf("got %v, want declined REJECT_CARD_PAYMENT", err)
				}
				return
			}
			if !errors.As(err, &ae) || ae.Mismatch == "" || !wrapper.IsOutcomeUnknown(err) {
				t.Fatalf("got %v, want an outcome-unknown mismatch", err)
			}
		})
	}
}

// TestBillingKeyNotInTransportErrors: a call that gets no answer reports
// the URL of the request (net/http's *url.Error), whose path holds the
// billing key, raw or escaped: the error must not.
func TestBillingKeyNotInTransportErrors(t *testing.T) {
	ctx := context.Background()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // every attempt is refused
	var log bytes.Buffer
	c, err := wrapper.New(sandbox.TestSecretKey, wrapper.WithBaseURL(dead.URL), wrapper.WithSleeper(noSleep),
		wrapper.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=", "Zt5vOv/Qxrj4499+PeiJcjen28V2RyqgYTwN44Rdzk0="} {
		_, _, cerr := c.ChargeBillingKey(ctx, key, charge("order-wb-0009", 9900))
		_, derr := c.DeleteBillingKey(ctx, key)
		for _, err := range []error{cerr, derr} {
			if _, ok := errors.AsType[*wrapper.TransportError](err); !ok {
				t.Fatalf("got %v, want a transport error", err)
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), log.String()} {
				for _, secret := range []string{key, url.PathEscape(key), key[:20], billingCustomer} {
					if strings.Contains(s, secret) {
						t.Errorf("an error or the log holds the billing key or customerKey (%.4s…): %s", secret, s)
					}
				}
			}
		}
	}
}

// TestBillingDuplicatedOrderSettled: a charge answered DUPLICATED_ORDER_ID
// (its order was charged before, under another idempotency key: one that
// was lost in a crash, or expired; or another amount, which derives another
// key) is settled by looking the order up, not called rejected, which
// invited a new orderId and a second charge: the same charge is a success
// (Meta.Reconciled), another amount a rejection carrying the payment found.
func TestBillingDuplicatedOrderSettled(t *testing.T) {
	ctx := context.Background()
	var log bytes.Buffer
	c, sb := sandboxClient(t, &log)
	k, _, err := c.IssueBillingKeyWithCard(ctx, cardKey(billingCard))
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := c.ChargeBillingKey(ctx, k.BillingKey, charge("order-wb-0010", 9900), wrapper.WithIdempotencyKey("lost-in-a-crash-0001"))
	if err != nil {
		t.Fatal(err)
	}
	again, meta, err := c.ChargeBillingKey(ctx, k.BillingKey, charge("order-wb-0010", 9900))
	if err != nil || again.PaymentKey != first.PaymentKey || !meta.Reconciled || meta.Lookup == nil {
		t.Fatalf("the same charge under another key: %v (class %v), reconciled %v; want the first charge", err, wrapper.ClassOf(err), meta.Reconciled)
	}
	_, _, err = c.ChargeBillingKey(ctx, k.BillingKey, charge("order-wb-0010", 19900))
	var ae *wrapper.APIError
	if !errors.As(err, &ae) || wrapper.ClassOf(err) != wrapper.ClassRejected || ae.Payment == nil || ae.Payment.PaymentKey != first.PaymentKey || !strings.Contains(ae.Mismatch, "9900") {
		t.Fatalf("another amount for a charged order: %v, want a rejection carrying the charge found", err)
	}
	if n := len(sb.Payments(sandbox.TestSecretKey)); n != 1 {
		t.Errorf("%d payments, want the one charge", n)
	}
}

// TestChargeIdempotencyKeyVector pins the derived key of a charge: the
// TypeScript story (scripts/ts-story) derives the same key from the same
// fields and checks this vector, so that a retry from either client replays.
func TestChargeIdempotencyKeyVector(t *testing.T) {
	req := generated.ChargeBillingKeyRequest{OrderID: "order-20240101-0003", Amount: money.New(4900)}
	const want = "charge-aHNKJQf637KNbSjm72vyBAkQMmcMbbQ4r5C8SAs4Z-o"
	if got := wrapper.ChargeIdempotencyKey("Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=", req); got != want {
		t.Errorf("ChargeIdempotencyKey = %q, want %q (scripts/ts-story/story.mts derives it too)", got, want)
	}
	other := req
	other.Amount = money.MustParse("4900.0")
	if wrapper.ChargeIdempotencyKey("Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=", other) != want {
		t.Error("4900.0 derives another key than 4900")
	}
	other.Amount = money.New(4901)
	if wrapper.ChargeIdempotencyKey("Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=", other) == want {
		t.Error("another amount derives the same key")
	}
}

// TestBillingIssueRepeatable: an issue from an authKey whose answer was lost
// (the process crashed before it stored the billing key) is repeated after
// a restart: its Idempotency-Key derives from the authKey, so the repeat
// replays the billing key. With a fresh key the authKey, spent, answered
// INVALID_REQUEST and the billing key was lost (no look-up finds one).
func TestBillingIssueRepeatable(t *testing.T) {
	ctx := context.Background()
	var log bytes.Buffer
	c, sb := sandboxClient(t, &log)
	authKey, err := sb.RegisterCard(billingCustomer, billingCard)
	if err != nil {
		t.Fatal(err)
	}
	req := generated.IssueBillingKeyRequest{AuthKey: authKey, CustomerKey: billingCustomer}
	first, _, err := c.IssueBillingKey(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, meta, err := c.IssueBillingKey(ctx, req) // after a restart: a new call
	if err != nil || again.BillingKey != first.BillingKey {
		t.Fatalf("the repeated issue: %v, want the first billing key replayed", err)
	}
	if strings.Contains(meta.IdempotencyKey, authKey) {
		t.Error("the idempotency key holds the authKey")
	}
	if n := len(sb.BillingKeys(sandbox.TestSecretKey)); n != 1 {
		t.Errorf("%d billing keys, want 1", n)
	}
}
