package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// TestListenDropsADeadURL: a key whose own webhook URL is a port on this
// machine that nothing listens on any more gets no URL back when "tosspay
// listen" stops (it would hold the key's webhooks in retries), and is told
// so; deadLocalURL judges only local URLs of a sandbox on this machine.
func TestListenDropsADeadURL(t *testing.T) {
	t.Parallel()
	alive := httptest.NewServer(nil)
	defer alive.Close()
	sb, _ := sandbox.New()
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	defer sb.CloseWebhooks(context.Background())
	gone := httptest.NewServer(nil) // made last, so that no server here takes its port
	dead := gone.URL + "/webhooks"
	gone.Close()
	if !deadLocalURL(srv.URL, dead) || deadLocalURL(srv.URL, alive.URL) || deadLocalURL(srv.URL, "https://example.com:1/hook") || deadLocalURL(srv.URL, "::") {
		t.Fatal("deadLocalURL misjudges")
	}
	// A sandbox elsewhere: its loopback URL is not judged from here (nor
	// does it learn whether a port here is open).
	if deadLocalURL("https://sandbox.example", dead) || deadLocalURL("http://192.0.2.1:8080", dead) {
		t.Fatal("deadLocalURL judged a remote sandbox's URL")
	}
	if err := sb.SetWebhookURL(sandbox.TestSecretKey, dead); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"listen", "--forward-to", alive.URL}, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	}()
	// Stop once listen has its answer to the registration (it says so),
	// not merely once the sandbox holds the URL: a stop between the two
	// cancels the registration itself.
	for !strings.Contains(out.String(), "Forwarding the webhooks") {
		select {
		case code := <-done:
			t.Fatalf("listen ended before it listened: exit %d: %s", code, errb.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if got := sb.WebhookURL(sandbox.TestSecretKey); got != sandbox.ListenWebhookURL {
		t.Fatalf("while listening the key's URL is %q", got)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := sb.WebhookURL(sandbox.TestSecretKey); got != "" {
		t.Errorf("after listen the key's URL is %q, want none", got)
	}
	if !strings.Contains(out.String(), "no longer answers") {
		t.Errorf("stdout: %s", out.String())
	}
}

// TestMessagesNameCommands: a key of neither kind over http:// is refused
// for its format, not as cleartext; the library's Go identifiers become
// the commands that do the same.
func TestMessagesNameCommands(t *testing.T) {
	t.Parallel()
	code, _, errs := runCmd(t, map[string]string{"TOSS_SECRET_KEY": "hello", "TOSS_BASE_URL": "http://127.0.0.1:1"}, "get", "--payment-key", "abcdef")
	if code != exitUsage || !strings.Contains(errs, "not a Toss secret key") || strings.Contains(errs, "cleartext") || strings.Contains(errs, "hello") {
		t.Errorf("TOSS_SECRET_KEY=hello: %d %q", code, errs)
	}
	msg := forCommandLine("settle it with Client.Resolve; act on the payment's state (APIError.Payment)")
	if strings.Contains(msg, "Client.") || strings.Contains(msg, "APIError") || !strings.Contains(msg, "tosspay get") {
		t.Errorf("forCommandLine: %q", msg)
	}
}

// TestLangCaseAndDemo: --lang takes a documented language in any case
// (ko-kr is ko-KR: language tags are case-insensitive; it was refused), and
// "tosspay demo --lang fr-FR" is refused before anything runs (it was
// taken silently).
func TestLangCaseAndDemo(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": "http://127.0.0.1:1"}
	if code, _, errs := runCmd(t, vars, "get", "--payment-key", "abcdef", "--lang", "ko-kr", "--max-retries", "0"); code != exitUnreachable {
		t.Errorf("--lang ko-kr: %d %q", code, errs)
	}
	code, out, errs := runCmd(t, nil, "demo", "--lang", "fr-FR")
	if code != exitUsage || !strings.Contains(errs, "en-US") || out != "" {
		t.Errorf("demo --lang fr-FR: %d %q %q", code, out, errs)
	}
}
