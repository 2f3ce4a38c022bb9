package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/webhook"
)

// webhookWait is how long the demo waits for a webhook: the in-process
// sandbox sends it at once, so this only bounds a broken run.
const webhookWait = 5 * time.Second

// shop is the demo's merchant side of webhooks: the Go receiver (package
// webhook) on 127.0.0.1, the secrets kept from confirm answers, and the
// events its function handled.
type shop struct {
	srv     *httptest.Server
	mu      sync.Mutex
	secrets map[string]string // orderId → Payment.secret
	handled []string          // the payment's status of each call, in order
	changed chan struct{}
}

func (s *story) openShop() (*shop, error) {
	sh := &shop{secrets: map[string]string{}, changed: make(chan struct{}, 1)}
	r, err := webhook.New(func(_ context.Context, ev *webhook.Event) error {
		sh.mu.Lock()
		sh.handled = append(sh.handled, string(ev.Status()))
		sh.mu.Unlock()
		select {
		case sh.changed <- struct{}{}:
		default:
		}
		return nil
	},
		// PAYMENT_STATUS_CHANGED: verified by looking the payment up;
		// DEPOSIT_CALLBACK: by the secret kept from the confirm answer.
		webhook.WithPaymentGetter(s.cl),
		webhook.WithSecretLookup(func(_ context.Context, orderID string) (string, bool, error) {
			sh.mu.Lock()
			defer sh.mu.Unlock()
			v, ok := sh.secrets[orderID]
			return v, ok, nil
		}),
		webhook.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/toss", r)
	sh.srv = httptest.NewServer(mux)
	return sh, nil
}

func (sh *shop) keep(orderID, secret string) {
	sh.mu.Lock()
	sh.secrets[orderID] = secret
	sh.mu.Unlock()
}

// await waits until the receiver has handled every status of want.
func (sh *shop) await(ctx context.Context, want ...string) ([]string, bool) {
	deadline := time.NewTimer(webhookWait)
	defer deadline.Stop()
	for {
		sh.mu.Lock()
		got := slices.Clone(sh.handled)
		sh.mu.Unlock()
		all := true
		for _, w := range want {
			all = all && slices.Contains(got, w)
		}
		if all {
			return got, true
		}
		select {
		case <-sh.changed:
		case <-deadline.C:
			return got, false
		case <-ctx.Done():
			return got, false
		}
	}
}

// sandboxCall calls one of the sandbox's own endpoints with the demo's key.
func (s *story) sandboxCall(method, path string, body any) (int, []byte, error) {
	return sandboxCall(s.ctx, s.browser, s.base, s.key, method, path, body)
}

// tellVirtualAccount runs the virtual-account story: the shop's webhook URL
// registered, create, a bank chosen at checkout, confirm (the account
// issued, WAITING_FOR_DEPOSIT), the deposit, the webhooks received and
// verified by the Go receiver, a refund that needs a refund account.
func (s *story) tellVirtualAccount(inProcess bool, prefix string) {
	ctx, cl := s.ctx, s.cl
	order := prefix + "-va"
	amount := money.New(30000)
	created, _, err := cl.CreatePayment(ctx, generated.CreatePaymentRequest{
		Method: generated.CreatePaymentMethodVirtualAccount, Amount: amount, OrderID: order,
		OrderName: "Toss hoodie", ReturnURL: "http://localhost:8080/return",
	})
	if !s.payment("create virtual-account payment", created, err, generated.PaymentStatusReady, func(p *generated.Payment) string {
		return won(p.TotalAmount) + ", method VIRTUAL_ACCOUNT"
	}) {
		return
	}
	if !inProcess {
		s.skip("issue, deposit, webhooks, refund", "need the sandbox's checkout page and deposit endpoint")
		return
	}

	sh, err := s.openShop()
	if err != nil {
		s.row("start the webhook receiver", err.Error(), "", false)
		return
	}
	defer sh.srv.Close()
	hookURL := sh.srv.URL + "/webhooks/toss"
	status, body, err := s.sandboxCall(http.MethodPut, sandbox.WebhookEndpointPath, map[string]string{"url": hookURL})
	if err != nil || status != http.StatusOK {
		s.row("register the webhook URL", fmt.Sprint(status, err), string(body), false)
		return
	}
	s.row("register the webhook URL", "200", "PUT "+sandbox.WebhookEndpointPath+" "+hookURL, true)

	// The customer chooses a bank at the checkout page.
	form := url.Values{"result": {"approve"}, "bank": {"88"}, "customerName": {"박토스"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, checkoutURL(created), strings.NewReader(form.Encode()))
	if err != nil {
		s.row("choose a bank at checkout", err.Error(), "", false)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.browser.Do(req)
	if err != nil {
		s.row("choose a bank at checkout", err.Error(), "", false)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		s.row("choose a bank at checkout", resp.Status, "want 303 to returnUrl", false)
		return
	}
	s.row("choose a bank at checkout (form POST)", "303", "bank 88 (신한은행), 303 to returnUrl", true)

	issued, _, err := cl.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{PaymentKey: created.PaymentKey, OrderID: order, Amount: amount})
	if !s.payment("confirm (the account is issued)", issued, err, generated.PaymentStatusWaitingForDeposit, func(p *generated.Payment) string {
		if p.VirtualAccount == nil || p.Secret == nil {
			return "no virtualAccount or secret"
		}
		return fmt.Sprintf("account %s at bank %s, due %s; secret kept", p.VirtualAccount.AccountNumber, p.VirtualAccount.BankCode, p.VirtualAccount.DueDate)
	}) || issued.Secret == nil || issued.VirtualAccount == nil {
		return
	}
	// The shop keeps the secret with the order, as the DEPOSIT_CALLBACK
	// check needs; a webhook that came first is refused (401) and sent again.
	sh.keep(order, *issued.Secret)
	// The receiver hands its function the payment as the API answers when
	// the webhook arrives: the issue's webhooks show WAITING_FOR_DEPOSIT
	// only if they are handled before the deposit.
	_, issueOK := sh.await(ctx, "WAITING_FOR_DEPOSIT")

	status, body, err = s.sandboxCall(http.MethodPost, sandbox.DepositPath(created.PaymentKey), nil)
	var paid generated.Payment
	if err == nil && status == http.StatusOK {
		err = json.Unmarshal(body, &paid)
	}
	if err != nil || status != http.StatusOK {
		s.row("deposit (POST /sandbox/v1/virtual-accounts/{paymentKey}/deposit)", fmt.Sprint(status, " ", err), string(body), false)
		return
	}
	s.payment("deposit (POST /sandbox/v1/virtual-accounts/…/deposit)", &paid, nil, generated.PaymentStatusDone, func(p *generated.Payment) string {
		return won(p.TotalAmount) + " paid into the account"
	})
	_, ok := sh.await(ctx, "WAITING_FOR_DEPOSIT", "DONE")
	s.row("webhooks received and verified", "2 states",
		"Go receiver: PAYMENT_STATUS_CHANGED and DEPOSIT_CALLBACK looked up; issue and deposit, each state once", ok && issueOK)

	_, _, err = cl.CancelPayment(ctx, created.PaymentKey, generated.CancelPaymentRequest{CancelReason: "returned"})
	s.row("refund without a refund account", errResult(err), "after a deposit the refund account is required", err != nil && strings.Contains(errResult(err), "INVALID_REQUEST"))
	refunded, _, err := cl.CancelPayment(ctx, created.PaymentKey, generated.CancelPaymentRequest{
		CancelReason:         "returned",
		RefundReceiveAccount: &generated.RefundReceiveAccount{Bank: "20", AccountNumber: "1002345678901", HolderName: "박토스"},
	})
	s.payment("refund to a refund account", refunded, err, generated.PaymentStatusCanceled, func(p *generated.Payment) string {
		if p.VirtualAccount == nil {
			return "no virtualAccount"
		}
		return "refundStatus " + string(p.VirtualAccount.RefundStatus) + " (the bank pays it out later)"
	})
	got, ok := sh.await(ctx, "CANCELED")
	s.row("cancel webhooks received and verified", "1 state", fmt.Sprintf("%d states handled in all, each once", len(got)), ok && len(got) == 3)
}
