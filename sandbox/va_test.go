package sandbox_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

func vaCreateBody(orderID string, amount int) map[string]any {
	b := createBody(orderID, amount)
	b["method"] = "VIRTUAL_ACCOUNT"
	return b
}

// issued creates a virtual-account payment, chooses the bank at checkout
// and confirms: WAITING_FOR_DEPOSIT. headers go to confirm.
func (e *env) issued(orderID string, amount int, headers ...string) generated.Payment {
	e.t.Helper()
	p := e.ok("POST", "/v1/payments", vaCreateBody(orderID, amount))
	resp, err := e.hc.PostForm(*p.Checkout.URL, map[string][]string{"result": {"approve"}, "bank": {"88"}, "customerName": {"박토스"}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("checkout: status %d", resp.StatusCode)
	}
	return e.ok("POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": orderID, "amount": amount}, headers...)
}

var refundAccount = map[string]any{"bank": "20", "accountNumber": "1002345678901", "holderName": "박토스"}

// TestVirtualAccountLifecycle: create with VIRTUAL_ACCOUNT (READY, no
// account), choose a bank at checkout (IN_PROGRESS), confirm issues the
// account (WAITING_FOR_DEPOSIT with secret, account number, bank, due
// date), the deposit endpoint pays it (DONE), and a second deposit is
// refused. Every API answer is checked against the spec by setup.
func TestVirtualAccountLifecycle(t *testing.T) {
	t.Parallel()
	e := setup(t)
	created := e.ok("POST", "/v1/payments", vaCreateBody("order-va-0001", 15000))
	if created.Status != generated.PaymentStatusReady || created.VirtualAccount != nil || created.Secret != nil {
		t.Fatalf("created: %s, virtualAccount %v, secret %v", created.Status, created.VirtualAccount, created.Secret)
	}
	resp, err := e.hc.Get(*created.Checkout.URL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `<select name="bank">`) || !strings.Contains(string(page), `value="88"`) {
		t.Errorf("the checkout page of a virtual account offers no bank:\n%s", page)
	}
	resp, err = e.hc.PostForm(*created.Checkout.URL, map[string][]string{"result": {"approve"}, "bank": {"99"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("approve with bank 99: status %d, want 400", resp.StatusCode)
	}

	p := e.issued("order-va-0002", 15000)
	if p.Status != generated.PaymentStatusWaitingForDeposit || p.Secret == nil || *p.Secret == "" || p.ApprovedAt != nil {
		t.Fatalf("confirm: %s, secret %v, approvedAt %v", p.Status, p.Secret, p.ApprovedAt)
	}
	if p.Method == nil || *p.Method != generated.PaymentMethodVirtualAccountKo || p.Card != nil {
		t.Errorf("method %v, card %v: want 가상계좌 and no card", p.Method, p.Card)
	}
	va := p.VirtualAccount
	if va == nil {
		t.Fatal("confirm answered no virtualAccount")
	}
	if va.BankCode != "88" || va.AccountNumber == "" || va.CustomerName != "박토스" || va.Expired ||
		va.RefundStatus != generated.RefundStatusNone || va.SettlementStatus != generated.SettlementStatusIncompleted || va.DepositorName != nil {
		t.Errorf("virtualAccount: %+v", *va)
	}
	// t0 is 2024-03-01 12:00 KST: due seven days later, 23:59:59 KST.
	if due, _ := va.DueDate.Time(); !due.Equal(time.Date(2024, 3, 8, 14, 59, 59, 0, time.UTC)) {
		t.Errorf("dueDate %s, want 2024-03-08T23:59:59+09:00", va.DueDate)
	}
	e.fails(400, generated.ErrorCodeAlreadyProcessedPayment, "POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": "order-va-0002", "amount": 15000})

	e.clock.Advance(time.Hour)
	paid := e.ok("POST", sandbox.DepositPath(p.PaymentKey), nil)
	if paid.Status != generated.PaymentStatusDone || paid.ApprovedAt == nil || paid.VirtualAccount == nil ||
		paid.VirtualAccount.DepositorName == nil || *paid.VirtualAccount.DepositorName != "박토스" || *paid.Secret != *p.Secret {
		t.Fatalf("deposit: %+v", paid)
	}
	if *paid.LastTransactionKey == *p.LastTransactionKey {
		t.Error("the deposit made no transaction")
	}
	got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil, "Accept-Language", "en-US")
	if got.Status != generated.PaymentStatusDone || *got.Method != generated.PaymentMethodVirtualAccount || *got.VirtualAccount.AccountType != generated.VirtualAccountTypeNormal {
		t.Errorf("look-up in English: %s %v %v", got.Status, *got.Method, got.VirtualAccount.AccountType)
	}
	e.fails(400, generated.ErrorCodeAlreadyProcessedPayment, "POST", sandbox.DepositPath(p.PaymentKey), nil)

	// confirmationMethod AUTOMATIC: the approval at checkout issues the account.
	auto := vaCreateBody("order-va-0003", 15000)
	auto["confirmationMethod"] = "AUTOMATIC"
	a := e.ok("POST", "/v1/payments", auto)
	if resp := e.checkout(a, "approve"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("automatic: checkout %d", resp.StatusCode)
	}
	if got := e.ok("GET", "/v1/payments/"+a.PaymentKey, nil); got.Status != generated.PaymentStatusWaitingForDeposit || got.VirtualAccount == nil || got.VirtualAccount.BankCode != "20" {
		t.Errorf("automatic: %s %+v; want WAITING_FOR_DEPOSIT at the default bank 20", got.Status, got.VirtualAccount)
	}

	var kinds []string
	for _, ev := range e.sb.Timeline(e.key, p.PaymentKey) {
		if ev.Method != generated.CreatePaymentMethodVirtualAccount {
			t.Errorf("event %s: method %s", ev.Kind, ev.Method)
		}
		kinds = append(kinds, string(ev.Kind)+":"+string(ev.To))
	}
	want := "payment.created:READY payment.status_changed:IN_PROGRESS payment.status_changed:WAITING_FOR_DEPOSIT payment.status_changed:DONE"
	if strings.Join(kinds, " ") != want {
		t.Errorf("timeline %v, want %s", kinds, want)
	}
}

// TestVirtualAccountDueDate: past the due date the payment stays
// WAITING_FOR_DEPOSIT with expired: true, a deposit is refused, and a
// cancel still works (no refund account: nothing was paid).
func TestVirtualAccountDueDate(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.issued("order-va-due-01", 20000)
	due, _ := p.VirtualAccount.DueDate.Time()
	e.clock.Set(due)
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.VirtualAccount.Expired {
		t.Error("expired at the due date itself; it takes deposits until the end of that second")
	}
	e.clock.Set(due.Add(time.Second))
	got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
	if got.Status != generated.PaymentStatusWaitingForDeposit || !got.VirtualAccount.Expired {
		t.Fatalf("after the due date: %s, expired %v; want WAITING_FOR_DEPOSIT, expired", got.Status, got.VirtualAccount.Expired)
	}
	if msg := e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.DepositPath(p.PaymentKey), nil); !strings.Contains(msg, "expired") {
		t.Errorf("deposit after the due date: %q", msg)
	}
	c := e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "not paid"})
	if c.Status != generated.PaymentStatusCanceled || c.VirtualAccount.RefundStatus != generated.RefundStatusNone || !c.BalanceAmount.IsZero() {
		t.Errorf("cancel of an expired account: %s, refund %s, balance %s", c.Status, c.VirtualAccount.RefundStatus, c.BalanceAmount)
	}
	var expired int
	for _, ev := range e.sb.Timeline(e.key, p.PaymentKey) {
		if ev.Kind == sandbox.EventVirtualAccountExpired {
			expired++
		}
	}
	if expired != 1 {
		t.Errorf("%d virtual_account.expired events, want 1", expired)
	}
}

// TestVirtualAccountCancelBeforeDeposit: full only
// (NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT), no refund account needed,
// CANCELED; no deposit afterwards.
func TestVirtualAccountCancelBeforeDeposit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.issued("order-va-cbd-01", 20000)
	path := "/v1/payments/" + p.PaymentKey + "/cancel"
	e.fails(403, generated.ErrorCodeNotAllowedPartialRefundWaitingDeposit, "POST", path, map[string]any{"cancelReason": "r", "cancelAmount": 5000})
	c := e.ok("POST", path, map[string]any{"cancelReason": "changed my mind"})
	if c.Status != generated.PaymentStatusCanceled || c.Cancels == nil || len(*c.Cancels) != 1 || c.VirtualAccount.RefundStatus != generated.RefundStatusNone {
		t.Fatalf("cancel before the deposit: %+v", c)
	}
	e.fails(400, generated.ErrorCodeAlreadyProcessedPayment, "POST", sandbox.DepositPath(p.PaymentKey), nil)
	e.fails(400, generated.ErrorCodeAlreadyCanceledPayment, "POST", path, map[string]any{"cancelReason": "again"})
}

// TestVirtualAccountRefundAccount: after the deposit, a cancel needs a valid
// refundReceiveAccount; each documented refusal, then a partial and a full
// refund whose refundStatus goes PENDING, then COMPLETED two days later.
func TestVirtualAccountRefundAccount(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.issued("order-va-ref-01", 30000)
	e.ok("POST", sandbox.DepositPath(p.PaymentKey), nil)
	path := "/v1/payments/" + p.PaymentKey + "/cancel"
	with := func(acct map[string]any, amount int) map[string]any {
		b := map[string]any{"cancelReason": "returned"}
		if acct != nil {
			b["refundReceiveAccount"] = acct
		}
		if amount > 0 {
			b["cancelAmount"] = amount
		}
		return b
	}
	acct := func(bank, number, holder string) map[string]any {
		return map[string]any{"bank": bank, "accountNumber": number, "holderName": holder}
	}
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", path, with(nil, 0))
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", path, with(acct("20", "1002-345-678", "박토스"), 0)) // the spec's pattern: digits only
	e.fails(400, generated.ErrorCodeInvalidBank, "POST", path, with(acct("99", "1002345678901", "박토스"), 0))
	e.fails(400, generated.ErrorCodeInvalidRefundAccountNumber, "POST", path, with(acct("20", "12345", "박토스"), 0))
	e.fails(400, generated.ErrorCodeInvalidRefundAccountInfo, "POST", path, with(acct("20", "1000000000001", "박토스"), 0))
	e.fails(400, generated.ErrorCodeForbiddenBankRefundRequest, "POST", path, with(acct("우리은행", "1000000000002", "박토스"), 0))
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusDone || got.Cancels != nil {
		t.Fatalf("a refused cancel changed the payment: %s, %v", got.Status, got.Cancels)
	}

	part := e.ok("POST", path, with(refundAccount, 10000))
	if part.Status != generated.PaymentStatusPartialCanceled || part.BalanceAmount.String() != "20000" || part.VirtualAccount.RefundStatus != generated.RefundStatusPending {
		t.Fatalf("partial refund: %s, balance %s, refund %s", part.Status, part.BalanceAmount, part.VirtualAccount.RefundStatus)
	}
	e.clock.Advance(47 * time.Hour)
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.VirtualAccount.RefundStatus != generated.RefundStatusPending {
		t.Errorf("after 47 hours: refund %s, want PENDING", got.VirtualAccount.RefundStatus)
	}
	e.clock.Advance(time.Hour)
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.VirtualAccount.RefundStatus != generated.RefundStatusCompleted {
		t.Errorf("after 48 hours: refund %s, want COMPLETED", got.VirtualAccount.RefundStatus)
	}
	full := e.ok("POST", path, with(acct("06", "1000000000003", "박토스"), 0))
	if full.Status != generated.PaymentStatusCanceled || full.VirtualAccount.RefundStatus != generated.RefundStatusPending {
		t.Fatalf("full refund: %s, refund %s", full.Status, full.VirtualAccount.RefundStatus)
	}
	e.clock.Advance(48 * time.Hour)
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.VirtualAccount.RefundStatus != generated.RefundStatusFailed {
		t.Errorf("refund to the reserved failing account: %s, want FAILED", got.VirtualAccount.RefundStatus)
	}
	// A card payment needs no refund account.
	card := e.paid("order-va-ref-02", 10000)
	e.ok("POST", "/v1/payments/"+card.PaymentKey+"/cancel", map[string]any{"cancelReason": "r"})
}

// TestDepositEndpoint: authenticated like the API, per key, Toss-shaped
// errors; the checkout page's deposit button does the same.
func TestDepositEndpoint(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.issued("order-va-dep-01", 15000)
	e.fails(401, generated.ErrorCodeUnauthorizedKey, "POST", sandbox.DepositPath(p.PaymentKey), nil, "Authorization", "<none>")
	e.fails(401, generated.ErrorCodeUnauthorizedKey, "POST", sandbox.DepositPath(p.PaymentKey), nil, "Authorization", basic("live_sk_x"))
	e.fails(403, generated.ErrorCodeIncorrectBasicAuthFormat, "POST", sandbox.DepositPath(p.PaymentKey), nil, "Authorization", "Basic "+b64("test_sk_nocolon"))
	e.fails(404, generated.ErrorCodeNotFoundPayment, "POST", sandbox.DepositPath(p.PaymentKey), nil, "Authorization", basic("test_sk_another0000000000000"))
	e.fails(405, generated.ErrorCodeInvalidRequest, "GET", sandbox.DepositPath(p.PaymentKey), nil)
	e.fails(404, generated.ErrorCodeInvalidRequest, "POST", "/sandbox/v1/virtual-accounts/"+p.PaymentKey+"/refund", nil)
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.DepositPath(p.PaymentKey), nil, sandbox.WebhookFaultHeader, "lost")
	card := e.paid("order-va-dep-02", 15000)
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.DepositPath(card.PaymentKey), nil)
	ready := e.ok("POST", "/v1/payments", vaCreateBody("order-va-dep-03", 15000))
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", sandbox.DepositPath(ready.PaymentKey), nil)

	// The button on the checkout page.
	page := func() string {
		resp, err := e.hc.Get(*p.Checkout.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if s := page(); !strings.Contains(s, `value="deposit"`) || !strings.Contains(s, p.VirtualAccount.AccountNumber) {
		t.Errorf("the checkout page of an issued account has no deposit button or account:\n%s", s)
	}
	resp, err := e.hc.PostForm(*p.Checkout.URL, map[string][]string{"result": {"deposit"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/sandbox/checkout/"+p.PaymentKey) {
		t.Errorf("deposit button: %d to %q, want 303 back to the page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusDone {
		t.Errorf("after the deposit button: %s", got.Status)
	}
	if s := page(); strings.Contains(s, `value="deposit"`) {
		t.Error("the page still offers a deposit once paid")
	}
}
