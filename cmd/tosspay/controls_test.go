package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestControlsAgainstSandbox: clock, trigger and webhooks over HTTP, as
// text and --json; the trigger table of --help is the sandbox's; refusals
// exit 1 with the sandbox's code, usage errors 2, an absent sandbox 4.
func TestControlsAgainstSandbox(t *testing.T) {
	t.Parallel()
	got := make(chan string, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(openapi.HeaderWebhookTransmissionID)
	}))
	defer recv.Close()
	vars, sb, _ := sandboxVars(t)
	defer sb.CloseWebhooks(context.Background())
	if err := sb.SetWebhookURL(sandbox.TestSecretKey, recv.URL); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runCmd(t, vars, "clock", "advance", "7d")
	if code != 0 || !strings.Contains(out, "ahead by     168h0m0s") {
		t.Fatalf("clock advance: %d %q %q", code, out, errs)
	}
	code, out, _ = runCmd(t, vars, "clock", "show", "--json")
	var kc sandbox.KeyClock
	if code != 0 || json.Unmarshal([]byte(out), &kc) != nil || kc.OffsetSeconds != 7*24*3600 {
		t.Fatalf("clock show --json: %d %q", code, out)
	}
	if code, _, errs := runCmd(t, vars, "clock", "to", "2001-01-01T00:00:00Z"); code != exitAPI || !strings.Contains(errs, "never moves backwards") {
		t.Errorf("clock backwards: %d %q", code, errs)
	}
	if code, _, errs := runCmd(t, vars, "clock", "advance", "soon"); code != exitUsage || !strings.Contains(errs, "7d") {
		t.Errorf("clock advance soon: %d %q", code, errs)
	}

	code, out, _ = runCmd(t, vars, "trigger", "--help")
	for _, tr := range sandbox.Triggers() {
		if code != 0 || !strings.Contains(out, tr.Event) {
			t.Errorf("trigger --help lacks %s", tr.Event)
		}
	}
	code, out, errs = runCmd(t, vars, "trigger", "payment.done")
	if code != 0 || !strings.Contains(out, "CARD DONE") || !strings.Contains(out, "order trigger-") || !strings.Contains(out, "webhook  whtrans_") {
		t.Fatalf("trigger: %d %q %q", code, out, errs)
	}
	code, out, _ = runCmd(t, vars, "trigger", "virtual-account.deposited", "--json")
	var res sandbox.TriggerResult
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Payments) != 1 || res.Payments[0].Status != "DONE" {
		t.Fatalf("trigger --json: %d %q", code, out)
	}
	if code, _, errs := runCmd(t, vars, "trigger", "payment.nope"); code != exitAPI || !strings.Contains(errs, "404 NOT_FOUND") {
		t.Errorf("unknown trigger: %d %q", code, errs)
	}
	if code, _, _ := runCmd(t, vars, "trigger"); code != exitUsage {
		t.Errorf("trigger without EVENT: %d", code)
	}

	first := <-got
	deadline := time.Now().Add(10 * time.Second)
	for {
		if d, ok := sb.WebhookDelivery(sandbox.TestSecretKey, first); ok && d.State == sandbox.WebhookDelivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first webhook was never recorded as delivered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	code, out, _ = runCmd(t, vars, "webhooks", "list")
	if code != 0 || !strings.Contains(out, first) || !strings.Contains(out, "DELIVERED") {
		t.Fatalf("webhooks list: %d %q", code, out)
	}
	code, out, _ = runCmd(t, vars, "webhooks", "show", first)
	if code != 0 || !strings.Contains(out, "retry 0 at") {
		t.Errorf("webhooks show: %d %q", code, out)
	}
	code, out, errs = runCmd(t, vars, "webhooks", "resend", first)
	if code != 0 || !strings.Contains(out, "resent "+first+" as whtrans_") {
		t.Fatalf("webhooks resend: %d %q %q", code, out, errs)
	}
	for arrived := false; !arrived; {
		select {
		case id := <-got:
			arrived = id != first && strings.Contains(out, id) // the new transmission
		case <-time.After(10 * time.Second):
			t.Fatal("the resent webhook never arrived")
		}
	}
	other := map[string]string{"TOSS_SECRET_KEY": "test_sk_SomebodyElse0000000001", "TOSS_BASE_URL": vars["TOSS_BASE_URL"]}
	if code, _, errs := runCmd(t, other, "webhooks", "resend", first); code != exitAPI || !strings.Contains(errs, "404") {
		t.Errorf("another key's resend: %d %q", code, errs)
	}
	if code, _, errs := runCmd(t, vars, "webhooks", "delete", first); code != exitUsage || !strings.Contains(errs, "want one of list, show, resend") {
		t.Errorf("webhooks delete: %d %q", code, errs)
	}
	if code, _, errs := runCmd(t, vars, "clock"); code != exitUsage || !strings.Contains(errs, "want one of show, advance, to") {
		t.Errorf("clock alone: %d %q", code, errs)
	}
	if code, _, _ := runCmd(t, vars, "clock", "advance"); code != exitUsage {
		t.Errorf("clock advance without SPAN: %d", code)
	}
	if code, _, _ := runCmd(t, map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey}, "clock", "show"); code != exitUsage {
		t.Errorf("no base URL: %d", code)
	}
	if code, _, _ := runCmd(t, map[string]string{"TOSS_SECRET_KEY": "live_sk_x", "TOSS_BASE_URL": vars["TOSS_BASE_URL"]}, "clock", "show"); code != exitUsage {
		t.Errorf("a live key: %d", code)
	}
	if code, _, _ := runCmd(t, map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": "http://127.0.0.1:1"}, "clock", "show"); code != exitUnreachable {
		t.Errorf("no sandbox: %d", code)
	}
}

// TestLogsTail: "tosspay logs tail" prints each call as it is answered,
// filtered, one line each, and stops at Ctrl-C.
func TestLogsTail(t *testing.T) {
	t.Parallel()
	vars, sb, _ := sandboxVars(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"logs", "tail", "--status", "4xx"}, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	}()
	for !strings.Contains(out.String(), "Following") {
		time.Sleep(5 * time.Millisecond)
	}
	for range 100 { // the follower is registered just before the banner is flushed
		if n, _ := sb.Followers(sandbox.TestSecretKey); n == 1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	runCmd(t, vars, "get-order", "--order-id", "order-logs-none")
	runCmd(t, vars, "key-in", "--amount", "15000", "--order-id", "order-logs-ok", "--order-name", "T",
		"--card-number", "4330123412341234", "--card-expiration-year", "35", "--card-expiration-month", "12", "--customer-identity-number", "881212")
	runCmd(t, vars, "get-order", "--order-id", "order-logs-none2")
	for strings.Count(out.String(), "\n") < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "GET  /v1/payments/orders/order-logs-none  404 NOT_FOUND_PAYMENT") ||
		!strings.Contains(lines[1], "trace sbx") || !strings.Contains(lines[2], "order-logs-none2") {
		t.Fatalf("lines: %q", lines)
	}
	if strings.Contains(out.String(), "4330") {
		t.Error("the card number was printed")
	}
}

// TestHelpMarksOnlyFlagsToGive: "create --help" does not mark --method
// required (it defaults to CARD) but marks --amount; --lang takes only the
// languages the spec lists.
func TestHelpMarksOnlyFlagsToGive(t *testing.T) {
	t.Parallel()
	_, out, _ := runCmd(t, nil, "create", "--help")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		switch f[0] {
		case "--method":
			if f[2] == "*" || !strings.Contains(line, "(default CARD)") {
				t.Errorf("--method: %q", line)
			}
		case "--amount":
			if f[2] != "*" {
				t.Errorf("--amount not marked required: %q", line)
			}
		}
	}
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": "http://127.0.0.1:1"}
	code, _, errs := runCmd(t, vars, "get", "--payment-key", "abcdef", "--lang", "fr-FR")
	if code != exitUsage || !strings.Contains(errs, "--lang") || !strings.Contains(errs, "en-US") {
		t.Errorf("--lang fr-FR: %d %q", code, errs)
	}
}

// TestControlsWordsAndFlagsInAnyOrder: a control's flags may come before
// its words, as Go's commands take them ("trigger --json payment.done"
// was refused as an unexpected argument); after "--" all are words; an
// empty word is refused before anything is sent.
func TestControlsWordsAndFlagsInAnyOrder(t *testing.T) {
	t.Parallel()
	sb, _ := sandbox.New()
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	defer sb.CloseWebhooks(context.Background())
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey}
	code, out, errs := runCmd(t, vars, "trigger", "--json", "--base-url", srv.URL, "payment.done")
	var res sandbox.TriggerResult
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil || res.Event != "payment.done" {
		t.Fatalf("trigger --json --base-url URL EVENT: %d %q %q", code, out, errs)
	}
	code, out, errs = runCmd(t, vars, "clock", "advance", "--base-url", srv.URL, "--", "1h")
	if code != exitOK || !strings.Contains(out, "ahead by     1h0m0s") {
		t.Fatalf("clock advance --base-url URL -- 1h: %d %q %q", code, out, errs)
	}
	for _, args := range [][]string{{"webhooks", "show", ""}, {"trigger", "--base-url", srv.URL, ""}, {"clock", "show", "--json", "extra"}} {
		if code, _, errs := runCmd(t, vars, args...); code != exitUsage {
			t.Errorf("%q: %d %q", args, code, errs)
		}
	}
	if code, out, _ := runCmd(t, vars, "trigger", "--help"); code != exitOK || !strings.Contains(out, "payment.done") {
		t.Errorf("trigger --help: %d %q", code, out)
	}
}

// TestGroupHelp: "tosspay clock --help" (and webhooks, logs, billing)
// lists the group's commands and exits 0; it answered "want one of" and
// exit 2, as for a missing subcommand, which still does.
func TestGroupHelp(t *testing.T) {
	t.Parallel()
	for _, group := range []string{"clock", "webhooks", "logs", "billing"} {
		code, out, errs := runCmd(t, nil, group, "--help")
		subs := subcommands(group)
		if code != exitOK || len(subs) == 0 || !strings.Contains(out, "tosspay "+group+" "+subs[0]) {
			t.Errorf("%s --help: %d %q %q", group, code, out, errs)
		}
	}
	if code, _, errs := runCmd(t, nil, "clock"); code != exitUsage || !strings.Contains(errs, "want one of show, advance, to") {
		t.Errorf("clock alone: %d %q", code, errs)
	}
}
