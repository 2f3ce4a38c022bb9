// Command webhooks receives Toss webhooks with the webhook package: against
// the sandbox it registers its URL, takes a virtual-account payment to its
// deposit, and prints the deposit as the API answered it: the deposit's two
// events (PAYMENT_STATUS_CHANGED, DEPOSIT_CALLBACK) bring one new state, and
// the function is called once for it.
//
//	go run ./cmd/tosspay sandbox
//	TOSS_SECRET_KEY=test_sk_... TOSS_BASE_URL=http://127.0.0.1:8080 go run ./examples/webhooks
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/webhook"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	base, key := os.Getenv("TOSS_BASE_URL"), os.Getenv("TOSS_SECRET_KEY")
	client, err := wrapper.New(key, wrapper.WithBaseURL(base))
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()

	// The receiver looks every payment event up with the shop's client: the
	// function gets the payment as the API answers it, never the body's
	// word (anyone who knows a paymentKey can post a body).
	events := make(chan *webhook.Event, 16)
	receiver, err := webhook.New(func(ctx context.Context, ev *webhook.Event) error {
		// Act on ev.Status(), ev.TotalAmount(), ev.Cancels(): the API's answer.
		// Ship only when ev.Status() is DONE and ev.TotalAmount() is the
		// order's. With webhook.WithStore(sqlStore), update the order in
		// webhook.Tx(ctx): the update and the record of the event commit
		// together, so a crash neither loses nor doubles it.
		events <- ev
		return nil // an error answers 500: Toss sends the event again
	}, webhook.WithPaymentGetter(client))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/toss", receiver)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// Bounded reads: a sender that trickles its headers or body is cut off.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { // let the receiver finish answering what it handled
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	// Register the receiver's URL, as merchants do in the developer center,
	// and give the key its URL back on the way out: left pointing at this
	// program's port, which dies with it, the key's later webhooks would be
	// retried there for days.
	previous, err := ownWebhookURL(ctx, base, key)
	if err != nil {
		return err
	}
	hookURL := "http://" + ln.Addr().String() + "/webhooks/toss"
	if _, err := sandboxCall(ctx, base, key, http.MethodPut, "/sandbox/v1/webhook-endpoint", `{"url":"`+hookURL+`"}`); err != nil {
		return err
	}
	defer restoreWebhookURL(base, key, previous)

	// A virtual-account payment: the customer picks a bank at checkout, and
	// confirm issues the account.
	orderID := fmt.Sprintf("order-%d", time.Now().UnixNano())
	amount := money.New(30000)
	created, _, err := client.CreatePayment(ctx, generated.CreatePaymentRequest{
		Method: generated.CreatePaymentMethodVirtualAccount, Amount: amount,
		OrderID: orderID, OrderName: "Toss hoodie", ReturnURL: "http://localhost:8080/return",
	})
	if err != nil {
		return err
	}
	if err := chooseBankAtSandboxCheckout(ctx, *created.Checkout.URL, "88"); err != nil {
		return err
	}
	issued, _, err := client.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{PaymentKey: created.PaymentKey, OrderID: orderID, Amount: amount})
	if err != nil {
		return err
	}
	if issued.Secret == nil || issued.VirtualAccount == nil {
		return fmt.Errorf("confirm answered %s without an account", issued.Status)
	}
	fmt.Fprintf(out, "issued: %s, bank %s\n", issued.Status, issued.VirtualAccount.BankCode)

	// The customer pays into the account: the sandbox's deposit button.
	if _, err := sandboxCall(ctx, base, key, http.MethodPost, "/sandbox/v1/virtual-accounts/"+url.PathEscape(created.PaymentKey)+"/deposit", ""); err != nil {
		return err
	}
	for {
		select {
		case ev := <-events:
			if ev.OrderID() == orderID && ev.Status() == generated.PaymentStatusDone && ev.TotalAmount().Equal(amount) {
				fmt.Fprintf(out, "received: %s, %s won (verified at the API)\n", ev.Status(), ev.TotalAmount())
				return nil
			}
		case <-time.After(10 * time.Second):
			return fmt.Errorf("the deposit's webhooks did not arrive")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sandboxCall calls one of the sandbox's own endpoints with the secret key
// and returns the answer's body (at most 64 KiB).
func sandboxCall(ctx context.Context, base, key, method, path, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(key, "")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s %.1024s", method, path, resp.Status, b)
	}
	return b, nil
}

// ownWebhookURL returns the URL the key registered itself ("" for none, or
// when it uses the sandbox's default).
func ownWebhookURL(ctx context.Context, base, key string) (string, error) {
	b, err := sandboxCall(ctx, base, key, http.MethodGet, "/sandbox/v1/webhook-endpoint", "")
	if err != nil {
		return "", err
	}
	var ep struct {
		URL     *string `json:"url"`
		Default bool    `json:"default"`
	}
	if err := json.Unmarshal(b, &ep); err != nil {
		return "", err
	}
	if ep.URL == nil || ep.Default {
		return "", nil
	}
	return *ep.URL, nil
}

// restoreWebhookURL registers previous again, or removes the key's URL when
// it had none of its own.
func restoreWebhookURL(base, key, previous string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	method, body := http.MethodDelete, ""
	if previous != "" {
		b, _ := json.Marshal(map[string]string{"url": previous})
		method, body = http.MethodPut, string(b)
	}
	if _, err := sandboxCall(ctx, base, key, method, "/sandbox/v1/webhook-endpoint", body); err != nil {
		fmt.Fprintf(os.Stderr, "could not give the key its webhook URL back: %v\n", err)
	}
}

// chooseBankAtSandboxCheckout does what the customer does at the sandbox's
// checkout page: it approves, choosing the bank of the virtual account.
func chooseBankAtSandboxCheckout(ctx context.Context, checkoutURL, bank string) error {
	form := url.Values{"result": {"approve"}, "bank": {bank}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, checkoutURL, strings.NewReader(form))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("checkout answered %s, want 303 to the returnUrl", resp.Status)
	}
	return nil
}
