package reliability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestTosspayKeepsSecrets runs the tosspay command (built from ./cmd/tosspay)
// with the canary key in TOSS_SECRET_KEY and the canary card against a
// sandbox that drops and fails requests, through successes, declines,
// refusals, bad input and unknown outcomes, and checks that neither canary
// appears in anything it prints.
func TestTosspayKeepsSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the tosspay command; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "tosspay")
	build := exec.Command("go", "build", "-o", bin, "../cmd/tosspay")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build tosspay: %v\n%s", err, out)
	}
	w := newWorld(t, sandbox.WithFaults(sandbox.FaultRates{DropAfterCommit: 0.2, ErrorBefore: 0.2, RateLimit: 0.1}), sandbox.WithSeed(11))
	var all bytes.Buffer
	run := func(args ...string) (string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "TOSS_SECRET_KEY="+canaryKey, "TOSS_BASE_URL="+w.srv.URL)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("tosspay %v: %v", args, err)
		}
		all.WriteString("tosspay " + args[0] + "\n" + stdout.String() + stderr.String()) // the output, not the command line
		return stdout.String(), code
	}
	keyIn := func(order, card string, extra ...string) (string, int) {
		return run(append([]string{"key-in", "--order-id", order, "--order-name", "canary", "--amount", "20000",
			"--card-number", card, "--card-expiration-year", "30", "--card-expiration-month", "12",
			"--customer-identity-number", "880101"}, extra...)...)
	}

	codes := map[int]int{}
	var paymentKey string
	for i, args := range [][]string{
		{"--max-retries", "9"}, {"--max-retries", "0"}, {"--max-retries", "0"}, {"--max-retries", "0"},
	} {
		out, code := keyIn("canary-order-"+string(rune('a'+i)), canaryCard, args...)
		codes[code]++
		var p generated.Payment
		if code == 0 && json.Unmarshal([]byte(out), &p) == nil && paymentKey == "" {
			paymentKey = p.PaymentKey
		}
	}
	_, code := keyIn("canary-order-declined", "4000000000000002", "--max-retries", "9")
	codes[code]++
	_, code = keyIn("canary-order-expired", canaryCard, "--card-expiration-year", "19")
	codes[code]++
	_, code = keyIn("bad", canaryCard) // an orderId the spec refuses: nothing is sent
	codes[code]++
	_, code = keyIn("canary-order-badcard", canaryCard+"00000") // too long a card number
	codes[code]++
	// A card number typed with spaces: the shell splits it, and the stray
	// groups are refused without being echoed.
	before := all.Len()
	_, code = run("key-in", "--order-id", "canary-order-spaced", "--order-name", "canary", "--amount", "20000",
		"--card-number", canaryCard[:4], canaryCard[4:8], canaryCard[8:12], canaryCard[12:],
		"--card-expiration-year", "30", "--card-expiration-month", "12", "--customer-identity-number", "880101")
	codes[code]++
	if code != 2 {
		t.Errorf("a spaced card number: exit %d, want 2 (bad input)", code)
	}
	if spacedOut := all.String()[before:]; strings.Contains(spacedOut, canaryCard[4:8]) || strings.Contains(spacedOut, canaryCard[12:]) {
		t.Errorf("a spaced card number's groups were echoed: %q", spacedOut)
	}
	if paymentKey != "" {
		for _, args := range [][]string{
			{"cancel", "--payment-key", paymentKey, "--cancel-reason", "canary", "--cancel-amount", "1000", "--max-retries", "9"},
			{"cancel", "--payment-key", paymentKey, "--cancel-reason", "canary", "--cancel-amount", "999999999"},
			{"get", "--payment-key", paymentKey, "--max-retries", "9"},
			{"get-order", "--order-id", "canary-order-a", "--max-retries", "9"},
		} {
			_, code := run(args...)
			codes[code]++
		}
	}
	_, code = run("confirm", "--payment-key", "nope-nope", "--order-id", "canary-order-x", "--amount", "1000", "--max-retries", "9")
	codes[code]++
	_, code = run("demo", "--base-url", w.srv.URL)
	codes[code]++
	t.Logf("tosspay exit statuses: %v (0 ok, 1 refused or declined, 2 bad input, 3 outcome unknown)", codes)
	if paymentKey == "" || codes[1] == 0 || codes[2] == 0 {
		t.Errorf("want successes, refusals and bad input among the runs: %v", codes)
	}
	assertNoCanary(t, "tosspay's output", all.String())
	assertNoCanary(t, "the sandbox's server log", w.logs.String())
}
