package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// The webhooks example, as the README shows it, against an in-process
// sandbox: it registers its receiver, issues a virtual account, deposits,
// and receives the deposit, verified, once.
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
	for _, want := range []string{"issued: WAITING_FOR_DEPOSIT, bank 88\n", "received: DONE, 30000 won (verified at the API)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// Every delivery the receiver answered got 200: it refused nothing the
	// sandbox sent. (Which delivery brought DONE depends on timing: the
	// issue's webhooks, when they arrive after the deposit, already carry the
	// API's DONE, and the deposit's then bring no new state; deliveries
	// after the program ended find no receiver, as they would in production.)
	// The sandbox records an answer once it has read it.
	for i := 0; ; i++ {
		answered := 0
		for _, d := range sb.WebhookDeliveries(sandbox.TestSecretKey, "") {
			for _, a := range d.Attempts {
				if a.StatusCode == 0 {
					continue
				}
				answered++
				if a.StatusCode != http.StatusOK {
					t.Fatalf("%s %s answered %d %q", d.EventType, d.Status, a.StatusCode, a.Answer)
				}
			}
		}
		if answered >= 1 {
			break
		}
		if i == 1000 {
			t.Fatalf("the sandbox recorded %d answers, want at least the delivery that brought DONE", answered)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWebhooksGivesTheURLBack: the example leaves the key's webhook URL as
// it found it: none, or the one the key had registered.
func TestWebhooksGivesTheURLBack(t *testing.T) {
	for _, previous := range []string{"", "http://127.0.0.1:3000/webhooks/mine"} {
		sb, err := sandbox.New()
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sb.Handler())
		if previous != "" {
			if err := sb.SetWebhookURL(sandbox.TestSecretKey, previous); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("TOSS_SECRET_KEY", sandbox.TestSecretKey)
		t.Setenv("TOSS_BASE_URL", srv.URL)
		if err := run(context.Background(), io.Discard); err != nil {
			t.Fatalf("run: %v", err)
		}
		if got := sb.WebhookURL(sandbox.TestSecretKey); got != previous {
			t.Errorf("after the example the key's URL is %q, want %q", got, previous)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		sb.CloseWebhooks(ctx)
		cancel()
		srv.Close()
	}
}
