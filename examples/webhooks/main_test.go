package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// The webhooks example, as the README shows it, against an in-process
// sandbox: it registers its receiver, issues a virtual account, deposits,
// and receives the deposit's two events, verified.
func TestWebhooksAgainstSandbox(t *testing.T) {
	sb, err := sandbox.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sb.CloseWebhooks(ctx)
	}()
	t.Setenv("TOSS_SECRET_KEY", sandbox.TestSecretKey)
	t.Setenv("TOSS_BASE_URL", srv.URL)

	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{"issued: WAITING_FOR_DEPOSIT, bank 88\n", "received: DEPOSIT_CALLBACK DONE, 30000 won (verified at the API)\n", "received: PAYMENT_STATUS_CHANGED DONE, 30000 won (verified at the API)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// The receiver answered 200 to both before the program ended; the
	// sandbox records an answer once it has read it.
	for i := 0; ; i++ {
		var delivered int
		for _, d := range sb.WebhookDeliveries(sandbox.TestSecretKey, "") {
			if d.Status == "DONE" && d.State == sandbox.WebhookDelivered {
				delivered++
			}
		}
		if delivered == 2 {
			break
		}
		if i == 1000 {
			t.Fatalf("the sandbox recorded %d deposit webhooks answered 200, want 2", delivered)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
