// Command quickstart takes one payment through its life: create it, let the
// customer approve it, confirm it.
//
//	go run ./cmd/tosspay sandbox    # prints the base URL and a test key
//	TOSS_SECRET_KEY=test_sk_... TOSS_BASE_URL=http://127.0.0.1:8080 go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// The key from TOSS_SECRET_KEY (test_sk_… or live_sk_…); TOSS_BASE_URL,
	// when set, points the client at a sandbox, else it calls the real API.
	c, err := wrapper.NewFromEnv()
	if err != nil {
		return err
	}
	defer c.CloseIdleConnections()

	// 1. Create the payment window.
	orderID := fmt.Sprintf("order-%d", time.Now().UnixNano())
	created, _, err := c.CreatePayment(ctx, generated.CreatePaymentRequest{
		Method: generated.CreatePaymentMethodCard, Amount: money.New(15000),
		OrderID: orderID, OrderName: "Toss T-shirts", ReturnURL: "http://localhost:8080/return",
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "created:", created.Status)

	// 2. The customer opens created.Checkout.URL and approves; the browser
	// comes back to the returnUrl with paymentKey, orderId and amount.
	if created.Checkout == nil || created.Checkout.URL == nil {
		return fmt.Errorf("payment %s has no checkout URL", created.PaymentKey)
	}
	paymentKey, amount, err := approveAtSandboxCheckout(ctx, *created.Checkout.URL)
	if err != nil {
		return err
	}

	// 3. Confirm: the money moves here.
	req := generated.ConfirmPaymentRequest{PaymentKey: paymentKey, OrderID: orderID, Amount: amount}
	// A key derived from the request survives a crash: the retry after a restart replays the first answer.
	p, meta, err := c.ConfirmPayment(ctx, req, wrapper.WithIdempotencyKey(wrapper.ConfirmIdempotencyKey(req)))
	switch {
	case err == nil:
		fmt.Fprintf(out, "confirmed: %s %s %s (trace id %s, for support)\n", p.Status, p.TotalAmount, p.Currency, meta.TraceID)
		return nil
	case wrapper.IsDeclined(err):
		return fmt.Errorf("declined, tell the customer: %w", err)
	case wrapper.IsOutcomeUnknown(err):
		// Settle it: Resolve looks the payment up and says whether the confirm took effect.
		settled, _, rerr := c.Resolve(ctx, err)
		if rerr != nil {
			return fmt.Errorf("not confirmed, or still unknown (try Resolve again later): %w", rerr)
		}
		fmt.Fprintf(out, "confirmed (settled by a look-up): %s %s %s\n", settled.Status, settled.TotalAmount, settled.Currency)
		return nil
	default:
		return err
	}
}

// approveAtSandboxCheckout does what the customer does at the sandbox's
// checkout page: it posts the page's form with result=approve, and reads
// paymentKey and amount from the returnUrl the answer redirects to.
func approveAtSandboxCheckout(ctx context.Context, checkoutURL string) (string, money.Amount, error) {
	form := url.Values{"result": {"approve"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, checkoutURL, strings.NewReader(form))
	if err != nil {
		return "", money.Amount{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	browser := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := browser.Do(req)
	if err != nil {
		return "", money.Amount{}, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", money.Amount{}, fmt.Errorf("checkout answered %s, want 303 to the returnUrl", resp.Status)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", money.Amount{}, err
	}
	amount, err := money.Parse(back.Query().Get("amount"))
	return back.Query().Get("paymentKey"), amount, err
}
