package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestSecondConfirmSaysSettled: a second confirm of a DONE payment exits 0
// with the payment, and says on stderr that the API answered
// ALREADY_PROCESSED_PAYMENT and a look-up settled it; the first says
// nothing there.
func TestSecondConfirmSaysSettled(t *testing.T) {
	t.Parallel()
	sb, _ := sandbox.New()
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	c := sandbox.Caller{SecretKey: sandbox.TestSecretKey}
	p, err := sb.Create(c, generated.CreatePaymentRequest{Method: generated.CreatePaymentMethodCard, Amount: money.New(15000),
		OrderID: "order-twice-01", OrderName: "T", ReturnURL: "http://localhost/return"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Approve(p.PaymentKey); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}
	args := []string{"confirm", "--payment-key", p.PaymentKey, "--order-id", "order-twice-01", "--amount", "15000"}
	code, out, errs := runCmd(t, vars, args...)
	if code != 0 || !strings.Contains(out, `"DONE"`) || errs != "" {
		t.Fatalf("first confirm: %d %q %q", code, out, errs)
	}
	code, out, errs = runCmd(t, vars, args...)
	if code != 0 || !strings.Contains(out, `"DONE"`) || !strings.Contains(errs, "ALREADY_PROCESSED_PAYMENT") || !strings.Contains(errs, "look-up settled it") {
		t.Fatalf("second confirm: %d %q %q", code, out, errs)
	}
}
