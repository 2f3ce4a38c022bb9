package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// billingAuthPath is the sandbox's card-registration page (the window the
// SDK's requestBillingAuth opens at Toss).
const billingAuthPath = "/sandbox/billing/auth"

// tellBilling runs the subscription story: a card registered at the page
// (or, against another server, issued from card data), the billing key
// issued, month one charged and its retry after a crash replayed, month two
// charged, a renewal declined, month two refunded, the key removed.
func (s *story) tellBilling(inProcess bool, prefix string) {
	ctx, cl := s.ctx, s.cl
	customer := prefix + "-customer"
	var (
		key *generated.Billing
		err error
	)
	if inProcess {
		authKey, ok := s.registerCard(customer)
		if !ok {
			return
		}
		key, _, err = cl.IssueBillingKey(ctx, generated.IssueBillingKeyRequest{AuthKey: authKey, CustomerKey: customer})
	} else {
		s.skip("register a card at the page", "needs the sandbox's card-registration page")
		key, _, err = cl.IssueBillingKeyWithCard(ctx, generated.IssueBillingKeyWithCardRequest{
			CustomerKey: customer, CardNumber: demoCard, CardExpirationYear: fmt.Sprintf("%02d", (time.Now().Year()+3)%100),
			CardExpirationMonth: "12", CustomerIdentityNumber: "881212",
		})
	}
	if err != nil {
		s.row("issue the billing key", errResult(err), "", false)
		return
	}
	card := ""
	if key.Card != nil && key.Card.Number != nil {
		card = ", card " + shown(*key.Card.Number, 20)
	}
	// The billing key and the customerKey charge the card: the demo prints
	// neither in full.
	s.row("issue the billing key", "200", "key "+shown(key.BillingKey, 6)+"…, customer "+sensitive.Mask(customer)+card, true)

	monthly := money.New(9900)
	charge := func(month string) generated.ChargeBillingKeyRequest {
		return generated.ChargeBillingKeyRequest{CustomerKey: customer, Amount: monthly, OrderID: prefix + "-" + month, OrderName: "Toss Prime, " + month}
	}
	billed := func(p *generated.Payment) string {
		return won(p.TotalAmount) + ", type " + string(p.Type) + " (no webhook for its DONE)"
	}
	one, meta, err := cl.ChargeBillingKey(ctx, key.BillingKey, charge("month-1"))
	if !s.payment("charge month one", one, err, generated.PaymentStatusDone, billed) {
		return
	}
	again, _, err := cl.ChargeBillingKey(ctx, key.BillingKey, charge("month-1"))
	switch {
	case err != nil:
		s.row("month one again, after a crash", errResult(err), "want the first answer replayed", false)
	default:
		s.row("month one again, after a crash", string(again.Status),
			"Idempotency-Key "+meta.IdempotencyKey[:12]+"… derived from the billing key and orderId: replayed, no second charge",
			again.PaymentKey == one.PaymentKey)
	}
	if inProcess {
		s.advanceMonth()
	} else {
		s.skip("a month passes", "moves the sandbox's clock (POST "+sandbox.ClockPath+")")
	}
	two, _, err := cl.ChargeBillingKey(ctx, key.BillingKey, charge("month-2"))
	s.payment("charge month two", two, err, generated.PaymentStatusDone, func(p *generated.Payment) string {
		d := billed(p)
		if p.ApprovedAt != nil && one.ApprovedAt != nil {
			t2, err2 := p.ApprovedAt.Time()
			t1, err1 := one.ApprovedAt.Time()
			if err1 == nil && err2 == nil {
				d += fmt.Sprintf(", approved %d days after month one", int(t2.Sub(t1).Hours()/24))
			}
		}
		return d
	})

	_, _, err = cl.ChargeBillingKey(ctx, key.BillingKey, charge("month-3"), wrapper.WithTestCode(string(generated.ErrorCodeRejectCardPayment)))
	s.row("renewal declined (month three)", errResult(err), "TossPayments-Test-Code REJECT_CARD_PAYMENT, class "+wrapper.ClassOf(err).String(), wrapper.IsDeclined(err))

	if two != nil {
		p, _, err := cl.CancelPayment(ctx, two.PaymentKey, generated.CancelPaymentRequest{CancelReason: "subscription cancelled"})
		s.payment("refund month two", p, err, generated.PaymentStatusCanceled, func(p *generated.Payment) string {
			return "balance " + won(p.BalanceAmount)
		})
	}
	result := "200"
	if _, err = cl.DeleteBillingKey(ctx, key.BillingKey); err != nil {
		result = errResult(err)
	}
	s.row("remove the billing key", result, "BILLING_DELETED goes to the webhook URL", err == nil)
	_, _, err = cl.ChargeBillingKey(ctx, key.BillingKey, charge("month-4"))
	s.row("charge after the removal", errResult(err), "class "+wrapper.ClassOf(err).String(), wrapper.ClassOf(err) == wrapper.ClassRejected)
}

// shown is at most the first n bytes of a value the server sent: a key
// shortened (it charges the card), and nothing a terminal acts on (a
// hostile server's escape sequences), whatever its length.
func shown(v string, n int) string {
	v = v[:min(n, len(v))]
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r > '~' }) {
		return "(not printable ASCII)"
	}
	return v
}

// registerCard plays the customer at the card-registration page: POST
// result=approve and follow nothing; the 303 carries the authKey to the
// shop's successUrl.
func (s *story) registerCard(customer string) (string, bool) {
	form := url.Values{"customerKey": {customer}, "successUrl": {"http://localhost:8080/billing/success"},
		"failUrl": {"http://localhost:8080/billing/fail"}, "result": {"approve"}}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, s.base+billingAuthPath, strings.NewReader(form.Encode()))
	if err != nil {
		s.row("register a card at the page", err.Error(), "", false)
		return "", false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.browser.Do(req)
	if err != nil {
		s.row("register a card at the page", err.Error(), "", false)
		return "", false
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("authKey") == "" {
		s.row("register a card at the page", resp.Status, "want 303 to successUrl with an authKey", false)
		return "", false
	}
	s.row("register a card at the page (form POST)", "303", "to successUrl?customerKey=…&authKey=…", true)
	return loc.Query().Get("authKey"), true
}

// advanceMonth moves the key's sandbox clock 30 days on, so that month two
// is charged a month after month one, as a subscription renews.
func (s *story) advanceMonth() {
	status, _, err := s.sandboxCall(http.MethodPost, sandbox.ClockPath, map[string]string{"advance": "30d"})
	s.row("a month passes", fmt.Sprint(status), "POST "+sandbox.ClockPath+` {"advance":"30d"}: the key's clock only`, err == nil && status == http.StatusOK)
}
