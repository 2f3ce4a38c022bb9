package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// The billing commands against a sandbox: issue-card takes the card data
// from standard input or the environment as key-in does, prints the key
// with the customerKey masked and never the card data; charge prints a
// BILLING payment; delete removes the key, and a second delete fails.
func TestBillingCommands(t *testing.T) {
	t.Parallel()
	vars, sb, _ := sandboxVars(t)
	const card, identity, customer = "4330123412349876", "770707", "cus-cli-billing-0001"
	code, out, errs := runStdin(t, vars, card+"\n"+identity+"\n", "billing", "issue-card", "--customer-key", customer,
		"--card-number", "-", "--customer-identity-number", "-", "--card-expiration-year", "39", "--card-expiration-month", "07")
	var b struct{ BillingKey, CustomerKey string }
	if err := json.Unmarshal([]byte(out), &b); code != exitOK || err != nil || b.BillingKey == "" {
		t.Fatalf("issue-card: exit %d %v\n%s\n%s", code, err, out, errs)
	}
	for _, s := range []string{card, identity, customer} {
		if strings.Contains(out+errs, s) {
			t.Errorf("issue-card prints %.4s…", s)
		}
	}
	if b.CustomerKey != "cus****01" {
		t.Errorf("customerKey printed as %q", b.CustomerKey)
	}

	charge := []string{"billing", "charge", "--billing-key", b.BillingKey, "--customer-key", customer, "--amount", "4900", "--order-id", "order-cli-bill-01", "--order-name", "plan"}
	code, out, errs = runCmd(t, vars, charge...)
	if code != exitOK || !strings.Contains(out, `"type": "BILLING"`) || !strings.Contains(out, `"status": "DONE"`) {
		t.Fatalf("charge: exit %d\n%s\n%s", code, out, errs)
	}
	// The same charge again replays (its idempotency key derives from the
	// billing key and order ID): still one payment.
	if code, _, errs = runCmd(t, vars, charge...); code != exitOK || len(sb.Payments(vars["TOSS_SECRET_KEY"])) != 1 {
		t.Fatalf("repeated charge: exit %d %s", code, errs)
	}
	code, _, errs = runCmd(t, vars, "billing", "charge", "--billing-key", b.BillingKey, "--customer-key", "cus-someone-else", "--amount", "4900", "--order-id", "order-cli-bill-02", "--order-name", "plan")
	if code != exitAPI || !strings.Contains(errs, "NOT_MATCHES_CUSTOMER_KEY") || strings.Contains(errs, "cus-someone-else") {
		t.Errorf("another customer: exit %d %q", code, errs)
	}

	if code, out, errs = runCmd(t, vars, "billing", "delete", "--billing-key", b.BillingKey); code != exitOK || !strings.Contains(out, `"deleted": true`) {
		t.Fatalf("delete: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs = runCmd(t, vars, "billing", "delete", "--billing-key", b.BillingKey); code != exitAPI || !strings.Contains(errs, "NOT_FOUND") {
		t.Errorf("second delete: exit %d %q", code, errs)
	}
	// No answer: the error quotes the request's URL, without the key.
	for _, args := range [][]string{charge, {"billing", "delete", "--billing-key", b.BillingKey}} {
		code, out, errs = runCmd(t, vars, append(args, "--base-url", "http://127.0.0.1:1", "--max-retries", "0")...)
		if code != exitUnreachable || strings.Contains(out+errs, b.BillingKey) || strings.Contains(out+errs, customer) {
			t.Errorf("%s without an answer: exit %d, prints the billing key or customerKey:\n%s%s", args[1], code, out, errs)
		}
	}
}

// The subscription story against a server whose issued billing key is
// shorter than the part the demo prints, and whose card number carries a
// terminal escape (an OSC 8 link): no panic, nothing the terminal acts on.
func TestDemoBillingHostileKey(t *testing.T) {
	t.Parallel()
	srv := rewritingSandbox(t, "/v1/billing/authorizations/card", func(m map[string]any) {
		m["billingKey"] = "k1"
		m["card"] = map[string]any{"number": "\x1b]8;;http://evil.test\x07click\x1b]8;;\x07"}
	})
	code, out, errs := runCmd(t, map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey}, "demo", "--base-url", srv.URL)
	if code != exitAPI || !strings.Contains(out, "issue the billing key") || strings.ContainsRune(out+errs, '\x1b') {
		t.Fatalf("demo exit %d (want %d: the charges of the made-up key fail), or an escape printed:\n%q\n%s", code, exitAPI, out, errs)
	}
}
