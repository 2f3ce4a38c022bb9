package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

func TestCheckoutConfirmCancelFlow(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.ok("POST", "/v1/payments", createBody("order-flow-0001", 1000))
	if p.Status != generated.PaymentStatusReady || p.Method != nil || p.ApprovedAt != nil || p.LastTransactionKey != nil {
		t.Fatalf("created payment: %+v", p)
	}
	if got := p.SuppliedAmount.String() + "+" + p.Vat.String(); got != "909+91" {
		t.Errorf("1000 splits into %s, want 909+91", got)
	}
	if *p.Checkout.URL != e.srv.URL+"/sandbox/checkout/"+p.PaymentKey {
		t.Errorf("checkout.url %s does not point at the sandbox", *p.Checkout.URL)
	}

	// The page renders in a browser.
	resp, err := e.hc.Get(*p.Checkout.URL)
	if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("checkout page: %v %v", resp, err)
	}
	resp.Body.Close()

	// Not approved yet: no session to confirm.
	e.fails(404, generated.ErrorCodeNotFoundPaymentSession, "POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": "order-flow-0001", "amount": 1000})

	resp = e.checkout(p, "approve")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: status %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if loc.Host != "localhost:8080" || loc.Path != "/return" || q.Get("paymentKey") != p.PaymentKey || q.Get("orderId") != "order-flow-0001" || q.Get("amount") != "1000" {
		t.Fatalf("redirect to %s", loc)
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusInProgress {
		t.Fatalf("after approval: status %s", got.Status)
	}

	msg := e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": "order-flow-0001", "amount": 999})
	if !strings.Contains(msg, "amount") {
		t.Errorf("amount mismatch message %q does not name the field", msg)
	}
	done := e.ok("POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": "order-flow-0001", "amount": 1000})
	if done.Status != generated.PaymentStatusDone || done.ApprovedAt == nil || done.LastTransactionKey == nil || done.Secret == nil ||
		done.Receipt == nil || done.Card == nil || *done.Method != generated.PaymentMethodCardKo || done.Version != "2022-11-16" || done.MID == "" {
		t.Fatalf("confirmed payment: %+v", done)
	}
	if done.Card.Number != "43301234****123*" || done.Card.CardType != generated.CardTypeCreditKo || done.Card.OwnerType != generated.OwnerTypePersonalKo {
		t.Errorf("card: %+v", done.Card)
	}
	e.fails(400, generated.ErrorCodeAlreadyProcessedPayment, "POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": "order-flow-0001", "amount": 1000})

	cancel := "/v1/payments/" + p.PaymentKey + "/cancel"
	part := e.ok("POST", cancel, map[string]any{"cancelReason": "one shirt returned", "cancelAmount": 300})
	if part.Status != generated.PaymentStatusPartialCanceled || part.BalanceAmount.String() != "700" || part.Cancels == nil || len(*part.Cancels) != 1 {
		t.Fatalf("partial cancel: %+v", part)
	}
	c0 := (*part.Cancels)[0]
	if c0.CancelAmount.String() != "300" || c0.TransactionKey == "" || c0.CancelStatus == nil || *c0.CancelStatus != generated.CancelStatusDone || *part.LastTransactionKey != c0.TransactionKey {
		t.Errorf("cancel entry: %+v", c0)
	}
	if got := part.SuppliedAmount.String() + "+" + part.Vat.String(); got != "636+64" {
		t.Errorf("700 splits into %s, want 636+64", got)
	}
	e.fails(400, generated.ErrorCodeNotMatchesRefundableAmount, "POST", cancel, map[string]any{"cancelReason": "x", "refundableAmount": 1000})
	e.fails(403, generated.ErrorCodeNotCancelableAmount, "POST", cancel, map[string]any{"cancelReason": "x", "cancelAmount": 701})
	full := e.ok("POST", cancel, map[string]any{"cancelReason": "the rest", "refundableAmount": 700})
	if full.Status != generated.PaymentStatusCanceled || !full.BalanceAmount.IsZero() || len(*full.Cancels) != 2 || !full.Vat.IsZero() {
		t.Fatalf("full cancel: %+v", full)
	}
	e.fails(400, generated.ErrorCodeAlreadyCanceledPayment, "POST", cancel, map[string]any{"cancelReason": "again"})

	byOrder := e.ok("GET", "/v1/payments/orders/order-flow-0001", nil)
	if byOrder.PaymentKey != p.PaymentKey || byOrder.Status != generated.PaymentStatusCanceled {
		t.Errorf("look-up by order: %+v", byOrder)
	}
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/nosuchpayment", nil)
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-none-01", nil)
	e.fails(404, generated.ErrorCodeNotFoundPayment, "POST", "/v1/payments/nosuchpayment/cancel", map[string]any{"cancelReason": "x"})
	e.fails(404, generated.ErrorCodeNotFoundPayment, "POST", "/v1/payments/confirm", map[string]any{"paymentKey": "nosuch", "orderId": "order-flow-0001", "amount": 1000})
}

func TestConfirmAfterTenMinutesExpires(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.ok("POST", "/v1/payments", createBody("order-late-0001", 5000))
	e.checkout(p, "approve")
	e.clock.Advance(10*time.Minute + time.Second)
	e.fails(404, generated.ErrorCodeNotFoundPaymentSession, "POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": "order-late-0001", "amount": 5000})
	got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
	if got.Status != generated.PaymentStatusExpired || got.Method != nil || got.LastTransactionKey != nil || got.Secret != nil {
		t.Fatalf("expired payment: %+v", got)
	}
	e.fails(403, generated.ErrorCodeNotCancelablePayment, "POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "x"})

	// Just inside the window a confirm succeeds.
	p2 := e.ok("POST", "/v1/payments", createBody("order-late-0002", 5000))
	e.checkout(p2, "approve")
	e.clock.Advance(10 * time.Minute)
	e.ok("POST", "/v1/payments/confirm", map[string]any{"paymentKey": p2.PaymentKey, "orderId": "order-late-0002", "amount": 5000})

	// An unused READY payment expires after 30 minutes.
	p3 := e.ok("POST", "/v1/payments", createBody("order-late-0003", 5000))
	e.clock.Advance(31 * time.Minute)
	if got := e.ok("GET", "/v1/payments/"+p3.PaymentKey, nil); got.Status != generated.PaymentStatusExpired {
		t.Fatalf("unused payment: %s", got.Status)
	}
}

func TestCheckoutFail(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.ok("POST", "/v1/payments", createBody("order-fail-0001", 5000))
	resp := e.checkout(p, "fail")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("code") == "" || loc.Query().Get("orderId") != "order-fail-0001" {
		t.Fatalf("fail redirect: %d %s", resp.StatusCode, loc)
	}
	got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
	if got.Status != generated.PaymentStatusAborted || got.Failure == nil {
		t.Fatalf("failed payment: %+v", got)
	}
	if resp := e.checkout(p, "approve"); resp.StatusCode < 400 {
		t.Errorf("approving an aborted payment: status %d", resp.StatusCode)
	}
	e.fails(404, generated.ErrorCodeNotFoundPaymentSession, "POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": "order-fail-0001", "amount": 5000})
}

func TestAutomaticConfirmation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := createBody("order-auto-0001", 2000)
	body["confirmationMethod"] = "AUTOMATIC"
	p := e.ok("POST", "/v1/payments", body)
	e.checkout(p, "approve")
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusDone {
		t.Fatalf("AUTOMATIC payment after approval: %s", got.Status)
	}
}

func TestKeyIn(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.ok("POST", "/v1/payments/key-in", keyInBody("order-key-0001", 15000, "4330123412341234"))
	if p.Status != generated.PaymentStatusDone || p.SuppliedAmount.String() != "13636" || p.Vat.String() != "1364" || p.Card == nil || p.Card.Number != "43301234****123*" {
		t.Fatalf("key-in: %+v", p)
	}
	e.fails(400, generated.ErrorCodeDuplicatedOrderID, "POST", "/v1/payments/key-in", keyInBody("order-key-0001", 15000, "4330123412341234"))
	e.fails(400, generated.ErrorCodeDuplicatedOrderID, "POST", "/v1/payments", createBody("order-key-0001", 15000))

	old := keyInBody("order-key-0002", 15000, "4330123412341234")
	old["cardExpirationYear"], old["cardExpirationMonth"] = "24", "02" // before March 2024
	e.fails(400, generated.ErrorCodeInvalidCardExpiration, "POST", "/v1/payments/key-in", old)
	cur := keyInBody("order-key-0003", 15000, "4330123412341234")
	cur["cardExpirationYear"], cur["cardExpirationMonth"] = "24", "03"
	e.ok("POST", "/v1/payments/key-in", cur)
	e.fails(400, generated.ErrorCodeInvalidCardNumber, "POST", "/v1/payments/key-in", keyInBody("order-key-0004", 15000, "4330-1234"))

	taxFree := keyInBody("order-key-0005", 15000, "4330123412341234")
	taxFree["taxFreeAmount"] = 4000
	taxFree["customerIdentityNumber"] = "1234567890"
	p = e.ok("POST", "/v1/payments/key-in", taxFree)
	if p.SuppliedAmount.String() != "10000" || p.Vat.String() != "1000" || p.TaxFreeAmount.String() != "4000" || p.Card.OwnerType != generated.OwnerTypeCorporateKo {
		t.Errorf("tax-free key-in: supplied %s vat %s taxFree %s owner %s", p.SuppliedAmount, p.Vat, p.TaxFreeAmount, p.Card.OwnerType)
	}
	e.fails(400, generated.ErrorCodeBelowMinimumAmount, "POST", "/v1/payments/key-in", keyInBody("order-key-0006", 99, "4330123412341234"))
}

func TestReservedCardsDecline(t *testing.T) {
	t.Parallel()
	e := setup(t)
	want := map[generated.ErrorCode]int{
		generated.ErrorCodeRejectCardCompany: 403, generated.ErrorCodeRejectCardPayment: 403,
		generated.ErrorCodeInvalidCardLostOrStolen: 400, generated.ErrorCodeInvalidStoppedCard: 400,
		generated.ErrorCodeFdsError: 403, generated.ErrorCodeCardProcessingError: 400,
	}
	i := 0
	for card, code := range sandboxReservedCards() {
		i++
		order := "order-decline-" + card
		e.fails(want[code], code, "POST", "/v1/payments/key-in", keyInBody(order, 15000, card))
		// A decline stores nothing: the order ID stays free.
		e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/"+order, nil)
	}
	if i != len(want) {
		t.Errorf("%d reserved cards, want %d", i, len(want))
	}
}

func TestRulesWithoutHTTP(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := callerFor(e.key)
	p, err := e.sb.Create(c, generated.CreatePaymentRequest{Method: generated.CreatePaymentMethodCard, Amount: money.New(15000), OrderID: "order-rule-0001", OrderName: "T", ReturnURL: "https://shop.example/return"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.sb.Approve(p.PaymentKey)
	if err != nil || !strings.Contains(res.RedirectURL, "paymentKey="+p.PaymentKey) {
		t.Fatalf("approve: %v %s", err, res.RedirectURL)
	}
	done, err := e.sb.Confirm(c, generated.ConfirmPaymentRequest{PaymentKey: p.PaymentKey, OrderID: "order-rule-0001", Amount: money.New(15000)})
	if err != nil || done.Status != generated.PaymentStatusDone || done.SuppliedAmount.String() != "13636" || done.Vat.String() != "1364" {
		t.Fatalf("confirm: %v %+v", err, done)
	}
	if _, err := e.sb.Get(callerFor("test_sk_other"), p.PaymentKey); err == nil {
		t.Error("another key sees the payment")
	}
	if ps := e.sb.Payments(e.key); len(ps) != 1 || ps[0].Status != generated.PaymentStatusDone {
		t.Errorf("snapshot: %+v", ps)
	}
}

// TestCancelLimit: a payment takes at most MaxCancelsPerPayment cancels, so
// the payment (and each cached answer that holds it) stays bounded.
func TestCancelLimit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.ok("POST", "/v1/payments/key-in", keyInBody("order-limit-0001", 100000, "4330123412341234"))
	cancel := "/v1/payments/" + p.PaymentKey + "/cancel"
	for i := 0; i < sandbox.MaxCancelsPerPayment; i++ {
		e.ok("POST", cancel, map[string]any{"cancelReason": "one more", "cancelAmount": 10})
	}
	e.fails(403, generated.ErrorCodeExceedCancelLimit, "POST", cancel, map[string]any{"cancelReason": "one too many", "cancelAmount": 10})
	after := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
	if n := len(*after.Cancels); n != sandbox.MaxCancelsPerPayment {
		t.Errorf("%d cancels, want %d", n, sandbox.MaxCancelsPerPayment)
	}
	if want := money.New(100000 - 10*sandbox.MaxCancelsPerPayment); !after.BalanceAmount.Equal(want) {
		t.Errorf("balance %s, want %s", after.BalanceAmount, want)
	}
}

// The browser pages must not shadow the API: "checkout" and "receipt" are
// valid orderIds, and looking them up must reach getPaymentByOrderId.
func TestBrowserPagesLeaveOrderIDsAlone(t *testing.T) {
	t.Parallel()
	e := setup(t)
	created := e.ok("POST", "/v1/payments", createBody("checkout", 1000))
	keyed := e.ok("POST", "/v1/payments/key-in", keyInBody("receipt", 1000, "4330123412341234"))
	for _, want := range []generated.Payment{created, keyed} {
		if got := e.ok("GET", "/v1/payments/orders/"+want.OrderID, nil); got.PaymentKey != want.PaymentKey {
			t.Errorf("orderId %s: got payment %s, want %s", want.OrderID, got.PaymentKey, want.PaymentKey)
		}
	}
	e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/checkout", nil, "Authorization", basic("test_sk_other"))
	// The pages themselves still answer at checkout.url and receipt.url.
	for _, u := range []string{*created.Checkout.URL, *keyed.Receipt.URL} {
		resp, err := e.hc.Get(u)
		if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("page %s: %v %v", u, resp, err)
		}
		resp.Body.Close()
	}
}

// The browser pages answer a refusal as an HTML page to a browser and as a
// Toss-shaped JSON error to any other client.
func TestPageErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ready := e.ok("POST", "/v1/payments", createBody("order-page-0001", 1000))
	readyReceipt := strings.Replace(*ready.Checkout.URL, "/sandbox/checkout/", "/sandbox/receipt/", 1)
	cases := []struct {
		method, url, form string
		status            int
		code              generated.ErrorCode
	}{
		{"GET", e.srv.URL + "/sandbox/checkout/nosuchpayment", "", 404, generated.ErrorCodeNotFoundPayment},
		{"GET", e.srv.URL + "/sandbox/receipt/nosuchpayment", "", 404, generated.ErrorCodeNotFoundPayment},
		{"GET", readyReceipt, "", 404, generated.ErrorCodeNotFoundPayment},
		{"POST", *ready.Checkout.URL, "result=maybe", 400, generated.ErrorCodeInvalidRequest},
		{"POST", *ready.Checkout.URL, "result=%zz", 400, generated.ErrorCodeInvalidRequest},
		{"POST", e.srv.URL + "/sandbox/checkout/nosuchpayment", "result=approve", 404, generated.ErrorCodeNotFoundPayment},
		{"PUT", *ready.Checkout.URL, "", 405, generated.ErrorCodeInvalidRequest},
		{"POST", readyReceipt, "", 405, generated.ErrorCodeInvalidRequest},
	}
	for _, c := range cases {
		for _, accept := range []string{"", "application/json", "text/html,application/xhtml+xml,*/*;q=0.8"} {
			req, _ := http.NewRequest(c.method, c.url, strings.NewReader(c.form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if accept != "" {
				req.Header.Set("Accept", accept)
			}
			resp, err := e.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ct := resp.Header.Get("Content-Type")
			if resp.StatusCode != c.status {
				t.Errorf("%s %s (Accept %q): status %d, want %d: %s", c.method, c.url, accept, resp.StatusCode, c.status, b)
				continue
			}
			if strings.Contains(accept, "text/html") {
				if !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(b), string(c.code)) {
					t.Errorf("%s %s for a browser: %s %s", c.method, c.url, ct, b)
				}
				continue
			}
			var er generated.Error
			if !strings.HasPrefix(ct, "application/json") || json.Unmarshal(b, &er) != nil || er.Code != c.code || er.Message == "" {
				t.Errorf("%s %s (Accept %q): not a Toss-shaped %s: %s %s", c.method, c.url, accept, c.code, ct, b)
			}
		}
	}
}
