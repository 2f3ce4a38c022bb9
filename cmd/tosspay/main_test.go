package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// runCmd runs a command line with the given environment.
func runCmd(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	code := run(context.Background(), args, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	return code, out.String(), errb.String()
}

func TestDemoInProcess(t *testing.T) {
	t.Parallel()
	code, out, errs := runCmd(t, nil, "demo")
	if code != exitOK {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"READY", "IN_PROGRESS", "DONE", "PARTIAL_CANCELED", "CANCELED", "REJECT_CARD_COMPANY", "replayed", "look-up by orderId",
		"WAITING_FOR_DEPOSIT", "webhooks received and verified", "INVALID_REQUEST", "refundStatus PENDING",
		"register a card at the page", "type BILLING", "REJECT_CARD_PAYMENT", "INVALID_BILL_KEY_REQUEST", "Every step went as expected"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("a step failed:\n%s", out)
	}
	for _, card := range []string{demoCard, declineCard} {
		if strings.Contains(out+errs, card) {
			t.Errorf("the demo printed the card number %s unmasked:\n%s", card, out)
		}
	}
}

func TestDemoAgainstBaseURL(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	code, out, errs := runCmd(t, map[string]string{"TOSS_SECRET_KEY": "test_sk_demo_remote"}, "demo", "--base-url", srv.URL)
	if code != exitOK || !strings.Contains(out, "skipped") {
		t.Fatalf("demo --base-url exit %d\n%s\n%s", code, out, errs)
	}
	if n := len(sb.Payments("test_sk_demo_remote")); n != 5 {
		t.Errorf("the remote demo left %d payments, want 5 (create, key-in, virtual-account create, two billing charges)", n)
	}
	if n := len(sb.BillingKeys("test_sk_demo_remote")); n != 0 {
		t.Errorf("the remote demo left %d billing keys, want 0 (issued from card data, then removed)", n)
	}
	if code, _, _ := runCmd(t, nil, "demo", "--base-url", srv.URL); code != exitUsage {
		t.Errorf("demo --base-url without a key: exit %d", code)
	}
}

// counting is a server that counts the requests it gets.
func counting(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestOpsRefuseBadInputBeforeSending(t *testing.T) {
	t.Parallel()
	vars, _, hits := sandboxVars(t)
	cases := [][]string{
		{"confirm", "--payment-key", "k", "--order-id", "order-0001", "--amount", "abc"},
		{"confirm", "--order-id", "order-0001", "--amount", "1000"},
		{"confirm", "--payment-key", "k", "--order-id", "bad id!", "--amount", "1000"},
		{"confirm", "--payment-key", "k", "--order-id", "order-0001", "--amount", "-5"},
		{"cancel", "--payment-key", "k"},
		{"get"},
		{"get-order", "--order-id", "x"},
		{"key-in", "--order-id", "order-0001", "--order-name", "n", "--amount", "1000", "--card-number", "4330123412341234", "--card-expiration-year", "2029", "--card-expiration-month", "07", "--customer-identity-number", "881212"},
		{"create", "--order-id", "order-0001", "--order-name", "n", "--amount", "1000", "--return-url", "http://x.example", "--method", "BITCOIN"},
		{"get", "--payment-key", "k", "--max-retries", "50"},
		{"get", "--payment-key", "k", "stray"},
	}
	for _, c := range cases {
		code, out, errs := runCmd(t, vars, c...)
		if code != exitUsage || out != "" || errs == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c, code, out, errs)
		}
	}
	if code, _, errs := runCmd(t, map[string]string{"TOSS_BASE_URL": vars["TOSS_BASE_URL"]}, "get", "--payment-key", "k"); code != exitUsage || !strings.Contains(errs, "TOSS_SECRET_KEY") {
		t.Errorf("no key: exit %d %q", code, errs)
	}
	if n := hits(); n != 0 {
		t.Errorf("bad input reached the server %d times", n)
	}
}

func TestOpsAgainstSandbox(t *testing.T) {
	t.Parallel()
	vars, _, _ := sandboxVars(t)
	payment := func(out string) generated.Payment {
		t.Helper()
		var p generated.Payment
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("stdout is not a Payment: %v\n%s", err, out)
		}
		return p
	}
	code, out, errs := runCmd(t, vars, "key-in", "--order-id", "order-ops-0001", "--order-name", "T-shirt", "--amount", "15000",
		"--card-number", "4330123412341234", "--card-expiration-year", "39", "--card-expiration-month", "07",
		"--customer-identity-number", "881212", "--idempotency-key", "ops-key-1", "--lang", "en-US")
	if code != exitOK {
		t.Fatalf("key-in: exit %d %s", code, errs)
	}
	p := payment(out)
	if p.Status != generated.PaymentStatusDone || *p.Method != generated.PaymentMethodCard {
		t.Fatalf("key-in: %+v", p)
	}
	if code, out, _ = runCmd(t, vars, "get", "--payment-key", p.PaymentKey); code != exitOK || payment(out).OrderID != "order-ops-0001" {
		t.Errorf("get: exit %d %s", code, out)
	}
	if code, out, _ = runCmd(t, vars, "get-order", "--order-id", "order-ops-0001"); code != exitOK || payment(out).PaymentKey != p.PaymentKey {
		t.Errorf("get-order: exit %d %s", code, out)
	}
	if code, out, _ = runCmd(t, vars, "cancel", "--payment-key", p.PaymentKey, "--cancel-reason", "test", "--cancel-amount", "5000"); code != exitOK || payment(out).BalanceAmount.String() != "10000" {
		t.Errorf("cancel: exit %d %s", code, out)
	}
	code, out, errs = runCmd(t, vars, "cancel", "--payment-key", p.PaymentKey, "--cancel-reason", "test", "--cancel-amount", "50000")
	if code != exitAPI || out != "" || !strings.HasPrefix(errs, "NOT_CANCELABLE_AMOUNT: ") {
		t.Errorf("over-cancel: exit %d stdout %q stderr %q", code, out, errs)
	}
	code, _, errs = runCmd(t, vars, "confirm", "--payment-key", "nosuchkey", "--order-id", "order-ops-0002", "--amount", "1000")
	if code != exitAPI || !strings.HasPrefix(errs, "NOT_FOUND_PAYMENT: ") || !strings.Contains(errs, "trace id sbx") {
		t.Errorf("confirm unknown: exit %d %q", code, errs)
	}
	code, out, _ = runCmd(t, vars, "create", "--order-id", "order-ops-0003", "--order-name", "T-shirt", "--amount", "1000", "--return-url", "http://localhost/return")
	if code != exitOK || payment(out).Status != generated.PaymentStatusReady {
		t.Errorf("create: exit %d %s", code, out)
	}
	// --base-url wins over TOSS_BASE_URL.
	code, _, _ = runCmd(t, map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": "http://127.0.0.1:1"}, "get-order", "--order-id", "order-ops-0003", "--base-url", vars["TOSS_BASE_URL"])
	if code != exitOK {
		t.Errorf("--base-url: exit %d", code)
	}
}

// startSandbox runs "tosspay sandbox" with args on a free port until the
// test ends, and returns its banner, its base URL and a stop function that
// cancels its context and returns its exit status.
func startSandbox(t *testing.T, args ...string) (banner, base string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...), env{stdout: pw, stderr: &errb, getenv: func(string) string { return "" }})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "base URL:"); ok {
			base = strings.TrimSpace(v)
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stopped := false
	code := 0
	stop = func() int {
		if stopped {
			return code
		}
		stopped = true
		cancel()
		select {
		case code = <-done:
		case <-time.After(15 * time.Second):
			t.Fatal("sandbox did not stop")
		}
		if code != exitOK {
			t.Errorf("sandbox exit %d: %s", code, errb.String())
		}
		return code
	}
	t.Cleanup(func() { stop() })
	banner = strings.Join(lines, "\n")
	if base == "" {
		t.Fatalf("no base URL in the banner:\n%s\n%s", banner, errb.String())
	}
	return banner, base, stop
}

func TestSandboxCommand(t *testing.T) {
	t.Parallel()
	out, base, stop := startSandbox(t, "--seed", "3")
	if !strings.Contains(out, sandbox.TestSecretKey) || !strings.Contains(out, base+"/openapi.yaml") || !strings.Contains(out, "seed:      3 ") {
		t.Fatalf("banner:\n%s", out)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Get(base + "/openapi.yaml")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("spec: %v %v", resp, err)
	}
	resp.Body.Close()
	hc.CloseIdleConnections()
	stop()
	if code, _, _ := runCmd(t, nil, "sandbox", "--faults", "nope=1"); code != exitUsage {
		t.Errorf("bad --faults: exit %d", code)
	}
}

// Without --seed the sandbox picks a seed, and prints it so that a run with
// random faults can be reproduced.
func TestSandboxCommandPrintsRandomSeed(t *testing.T) {
	t.Parallel()
	out, _, _ := startSandbox(t, "--faults", "error-before=0.5")
	m := regexp.MustCompile(`seed:\s+(\d+) .*\n\s*faults:\s+error-before=0.5 \(seed (\d+)\)`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" || m[1] != m[2] {
		t.Fatalf("banner does not give the seed in use:\n%s", out)
	}
}

// On a loopback address the seed reproduces the payment keys; on an
// address others reach it does not (keys and secrets from crypto/rand), and
// the banner says which.
func TestSandboxSeedAndKeys(t *testing.T) {
	t.Parallel()
	firstKey := func(base string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/v1/payments", strings.NewReader(`{"method":"CARD","amount":15000,"orderId":"order-seed-0001","orderName":"T","returnUrl":"http://localhost/return"}`))
		req.SetBasicAuth(sandbox.TestSecretKey, "")
		req.Header.Set("Content-Type", "application/json")
		hc := &http.Client{Timeout: 5 * time.Second}
		defer hc.CloseIdleConnections()
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p struct{ PaymentKey string }
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.PaymentKey == "" {
			t.Fatalf("create: %d %v", resp.StatusCode, err)
		}
		return p.PaymentKey
	}
	var keys []string
	for _, addr := range []string{"127.0.0.1:0", "127.0.0.1:0", "0.0.0.0:0", "0.0.0.0:0"} {
		out, base, stop := startSandbox(t, "--addr", addr, "--seed", "7")
		random := strings.Contains(out, "payment keys and secrets are random")
		if random != (addr == "0.0.0.0:0") || strings.Contains(out, "reproduces the payment keys") == random {
			t.Errorf("--addr %s: banner:\n%s", addr, out)
		}
		keys = append(keys, firstKey(strings.Replace(base, "0.0.0.0", "127.0.0.1", 1)))
		stop()
	}
	if keys[0] != keys[1] {
		t.Error("on a loopback address, the same seed gave different payment keys")
	}
	if keys[2] == keys[0] || keys[2] == keys[3] {
		t.Error("on a shared address, the payment key followed the seed")
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	if code, _, errs := runCmd(t, nil); code != exitUsage || !strings.Contains(errs, "usage") {
		t.Errorf("no args: %d %q", code, errs)
	}
	if code, _, _ := runCmd(t, nil, "frobnicate"); code != exitUsage {
		t.Errorf("unknown command: %d", code)
	}
	if code, out, _ := runCmd(t, nil, "help"); code != exitOK || !strings.Contains(out, "tosspay demo") {
		t.Errorf("help: %d", code)
	}
}

// Card and personal data typed on the command line never come back in an
// error: not the rest of a card number typed with spaces (a positional
// argument), not a value the flag package refuses.
func TestOpsNeverEchoCardData(t *testing.T) {
	t.Parallel()
	vars, _, hits := sandboxVars(t)
	// Canary groups: each appears nowhere else on the command lines.
	card := []string{"4330", "9876", "5432", "1098"}
	keyIn := func(extra ...string) []string {
		return append([]string{"key-in", "--order-id", "order-echo-0001", "--order-name", "n", "--amount", "1000",
			"--card-expiration-year", "39", "--card-expiration-month", "07"}, extra...)
	}
	cases := []struct {
		args []string
		want string
	}{
		{keyIn("--card-number", card[0], card[1], card[2], card[3], "--customer-identity-number", "770707"), "unexpected argument 14 (counting"},
		{keyIn("--customer-identity-number", "7707", "0712", "--card-number", strings.Join(card, "")), "unexpected argument 14 (counting"},
		{keyIn("--card-number", strings.Join(card, ""), "--card-password", "65", "4321"), "unexpected argument 16 (counting"},
		{append(keyIn("--card-number", strings.Join(card, ""), "--"), card...), "unexpected argument 15 (counting"},
		// The flag package refuses these; the card data flags are strings
		// and take any value, so the refusal is about the other flag.
		{keyIn("--card-number", strings.Join(card, ""), "--customer-identity-number", "770707", "--card-installment-plan", "x"), `invalid value "x" for flag --card-installment-plan`},
		{keyIn("--card-number", strings.Join(card, ""), "--nope", card[0]), "flag provided but not defined: --nope"},
		{keyIn("--card-number", strings.Join(card, ""), "--card-password"), "flag needs an argument: --card-password"},
		{keyIn("--card-number=-"+strings.Join(card, ""), "--card-password=-"+card[0], "--customer-identity-number", "-770707", "--amount", "abc"), `invalid value "abc" for flag --amount`},
		{[]string{"demo", card[0]}, "unexpected argument 2 (counting"},
		{[]string{"sandbox", "--addr", "127.0.0.1:0", card[0]}, "unexpected argument 4 (counting"},
	}
	for _, c := range cases {
		code, out, errs := runCmd(t, vars, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
		for _, secret := range append(card, "770707", "7707", "0712", "4321") {
			if strings.Contains(out+errs, secret) {
				t.Errorf("%v: the output echoes %q:\n%s%s", c.args, secret, out, errs)
			}
		}
	}
	if n := hits(); n != 0 {
		t.Errorf("bad usage reached the server %d times", n)
	}
}

// A POST whose answer is lost (the sandbox commits it, then drops the
// connection) has an unknown outcome: exit 3, with the key to repeat it.
func TestOpsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	vars, sb, _ := sandboxVars(t, sandbox.WithFaults(sandbox.FaultRates{DropAfterCommit: 1}), sandbox.WithSeed(5))
	code, out, errs := runCmd(t, vars, "key-in", "--order-id", "order-lost-0001", "--order-name", "T-shirt", "--amount", "15000",
		"--card-number", "4330123412341234", "--card-expiration-year", "39", "--card-expiration-month", "07",
		"--customer-identity-number", "881212", "--idempotency-key", "lost-key-0001", "--max-retries", "0")
	if code != exitUnknown || out != "" || !strings.Contains(errs, "repeat with --idempotency-key lost-key-0001") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 3 and the --idempotency-key hint", code, out, errs)
	}
	if n := len(sb.Payments(sandbox.TestSecretKey)); n != 1 {
		t.Errorf("the sandbox holds %d payments, want the 1 committed", n)
	}
}

// The demo prints a payment whose card is null without panicking: the real
// API sends "card": null for other methods, and any server may.
func TestDemoCardDetail(t *testing.T) {
	t.Parallel()
	var p generated.Payment
	if err := json.Unmarshal([]byte(`{"card":null}`), &p); err != nil {
		t.Fatal(err)
	}
	if got := cardDetail(&p); got != "no card object" {
		t.Errorf("null card: %q", got)
	}
	p.Card = &generated.Card{Number: "43301234****123*"}
	if got := cardDetail(&p); got != "card 43301234****123*" {
		t.Errorf("card: %q", got)
	}
}

// rewritingSandbox serves a fresh sandbox whose 200 answers on path are
// decoded as a JSON object, changed by edit and sent re-encoded; every
// other answer passes as it is.
func rewritingSandbox(t *testing.T, path string, edit func(map[string]any)) *httptest.Server {
	t.Helper()
	sb, err := sandbox.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sb.Handler().ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if r.URL.Path == path && rec.Code == http.StatusOK {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Errorf("%s answered 200 with no JSON object to rewrite: %v", path, err)
			} else {
				edit(m)
				body, _ = json.Marshal(m)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The whole demo against a server that sends "card": null on key-in.
func TestDemoWithoutCardObject(t *testing.T) {
	t.Parallel()
	srv := rewritingSandbox(t, "/v1/payments/key-in", func(m map[string]any) { m["card"] = nil })
	code, out, errs := runCmd(t, map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey}, "demo", "--base-url", srv.URL)
	if code != exitOK || !strings.Contains(out, "no card object") {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errs)
	}
}

// tosspay sandbox --webhook-url sends every key's webhooks there, and
// --webhook-retry-scale compresses Toss's schedule: a delivery answered 500
// is sent again 60 ms later instead of a minute.
func TestSandboxCommandWebhooks(t *testing.T) {
	t.Parallel()
	got := make(chan string, 16)
	var n atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(openapi.HeaderWebhookTransmissionRetriedCount)
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer recv.Close()
	out, base, stop := startSandbox(t, "--webhook-url", recv.URL, "--webhook-retry-scale", "0.001")
	if !strings.Contains(out, "webhooks:  "+recv.URL) || !strings.Contains(out, "webhook targets: any address") {
		t.Fatalf("banner:\n%s", out)
	}
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": base}
	keyInAndCancel(t, vars, "order-cmd-wh-01")
	for _, want := range []string{"0", "1"} {
		select {
		case c := <-got:
			if c != want {
				t.Errorf("retried count %s, want %s", c, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no webhook with retried count %s", want)
		}
	}
	stop()
	for _, bad := range [][]string{{"--webhook-url", "ftp://x"}, {"--webhook-retry-scale", "0"}, {"--webhook-faults", "lost=1"},
		{"--webhook-targets", "private"}, {"--webhook-targets", "public", "--webhook-url", recv.URL}} {
		if code, _, _ := runCmd(t, nil, append([]string{"sandbox"}, bad...)...); code != exitUsage {
			t.Errorf("sandbox %v: exit %d, want %d", bad, code, exitUsage)
		}
	}
}

// TestWebhookTargetsFor: a sandbox listening on loopback delivers webhooks
// anywhere by default; one others can reach, to public addresses only;
// --webhook-targets overrides either way.
func TestWebhookTargetsFor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flag, addr string
		want       sandbox.WebhookTargets
	}{
		{"", "127.0.0.1:8080", sandbox.WebhookTargetsAny},
		{"", "127.0.0.2:0", sandbox.WebhookTargetsAny},
		{"", "[::1]:0", sandbox.WebhookTargetsAny},
		{"", "localhost:8080", sandbox.WebhookTargetsAny},
		{"", ":8080", sandbox.WebhookTargetsPublic},
		{"", "0.0.0.0:8080", sandbox.WebhookTargetsPublic},
		{"", "[::]:8080", sandbox.WebhookTargetsPublic},
		{"", "192.168.1.5:80", sandbox.WebhookTargetsPublic},
		{"", "sandbox.internal:80", sandbox.WebhookTargetsPublic},
		{"any", "0.0.0.0:8080", sandbox.WebhookTargetsAny},
		{"public", "127.0.0.1:8080", sandbox.WebhookTargetsPublic},
	} {
		if got, err := webhookTargetsFor(c.flag, c.addr); err != nil || got != c.want {
			t.Errorf("webhookTargetsFor(%q, %q) = %v, %v; want %v", c.flag, c.addr, got, err, c.want)
		}
	}
	if _, err := webhookTargetsFor("private", "127.0.0.1:0"); err == nil {
		t.Error(`--webhook-targets private: accepted`)
	}
}

// TestRateLimitFor: no limit by default on a loopback address, the shared
// default on any other; --rate-limit N gives bursts of 2N, 0 none, and
// anything but a number is refused.
func TestRateLimitFor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flag, addr string
		want       sandbox.RateLimit
	}{
		{"", "127.0.0.1:8080", sandbox.RateLimit{}},
		{"", "0.0.0.0:8080", sandbox.DefaultSharedRateLimit},
		{"", ":8080", sandbox.DefaultSharedRateLimit},
		{"0", "0.0.0.0:8080", sandbox.RateLimit{}},
		{"20", "127.0.0.1:8080", sandbox.RateLimit{PerSecond: 20, Burst: 40}},
		{"0.25", "127.0.0.1:8080", sandbox.RateLimit{PerSecond: 0.25, Burst: 1}},
	} {
		if got, err := rateLimitFor(c.flag, c.addr); err != nil || got != c.want {
			t.Errorf("rateLimitFor(%q, %q) = %+v, %v; want %+v", c.flag, c.addr, got, err, c.want)
		}
	}
	for _, bad := range []string{"-1", "fast", "NaN", "Inf", "1e999", "1e19", "1000001"} {
		if _, err := rateLimitFor(bad, "127.0.0.1:0"); err == nil {
			t.Errorf("--rate-limit %s: accepted", bad)
		}
	}
	if code, _, _ := runCmd(t, nil, "sandbox", "--rate-limit", "fast"); code != exitUsage {
		t.Errorf("sandbox --rate-limit fast: exit %d, want %d", code, exitUsage)
	}
}

// TestSandboxCommandRateLimit: --rate-limit is applied and said: past the
// burst, a key's request is answered 429 with Retry-After.
func TestSandboxCommandRateLimit(t *testing.T) {
	t.Parallel()
	out, base, stop := startSandbox(t, "--rate-limit", "0.01")
	defer stop()
	if !strings.Contains(out, "rate limit: 0.01 requests a second per secret key, bursts of 1") {
		t.Fatalf("banner:\n%s", out)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	statuses := []int{}
	for range 2 {
		req, _ := http.NewRequest("GET", base+"/v1/payments/orders/order-cmd-rl", nil)
		req.SetBasicAuth(sandbox.TestSecretKey, "")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if statuses[0] != http.StatusNotFound || statuses[1] != http.StatusTooManyRequests {
		t.Errorf("statuses %v, want [404 429]", statuses)
	}
}

// TestListenForwards: "tosspay listen" points the key's webhooks at itself
// and forwards each attempt to the app with Toss's headers; the app's 500
// is reported and the sandbox retries through the listener, its 200
// delivers. The lines printed carry the event, order and answer, never the
// body's secret. Ctrl-C ends it with exit 0.
func TestListenForwards(t *testing.T) {
	t.Parallel()
	type got struct{ retried, id, event string }
	hits := make(chan got, 16)
	var n atomic.Int64
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ EventType string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		hits <- got{r.Header.Get(openapi.HeaderWebhookTransmissionRetriedCount), r.Header.Get(openapi.HeaderWebhookTransmissionID), body.EventType}
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer app.Close()
	_, base, stop := startSandbox(t, "--webhook-retry-scale", "0.001")
	defer stop()
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": base}
	endpoint := func(method, u string) string {
		t.Helper()
		var body io.Reader
		if u != "" {
			body = strings.NewReader(`{"url":"` + u + `"}`)
		}
		req, _ := http.NewRequest(method, base+"/sandbox/v1/webhook-endpoint", body)
		req.SetBasicAuth(sandbox.TestSecretKey, "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ep sandbox.WebhookEndpoint
		_ = json.NewDecoder(resp.Body).Decode(&ep)
		if ep.URL == nil {
			return ""
		}
		return *ep.URL
	}
	// The key's own receiver, alive (a dead local one is removed instead:
	// TestListenDropsADeadURL).
	ownSrv := httptest.NewServer(http.NotFoundHandler())
	defer ownSrv.Close()
	own := ownSrv.URL + "/own-receiver"
	endpoint("PUT", own)

	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"listen", "--forward-to", app.URL + "/webhooks"}, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	}()
	for i := 0; !strings.Contains(out.String(), "Forwarding"); i++ {
		if i > 500 {
			t.Fatalf("listen did not start: %s %s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	keyInAndCancel(t, vars, "order-cmd-listen-01")
	var first got
	for i, want := range []string{"0", "1"} {
		select {
		case h := <-hits:
			if h.retried != want || h.event != sandbox.WebhookPaymentStatusChanged || h.id == "" || (i == 1 && h.id != first.id) {
				t.Errorf("delivery %d: %+v", i, h)
			}
			first = h
		case <-time.After(15 * time.Second):
			t.Fatalf("no webhook with retried count %s; listen printed:\n%s%s", want, out.String(), errb.String())
		}
	}
	for i := 0; !strings.Contains(out.String(), "→ 200 OK"); i++ {
		if i > 500 {
			t.Fatalf("listen output:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := endpoint("GET", ""); got != sandbox.ListenWebhookURL {
		t.Errorf("while listening the key's URL is %q", got)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("listen exit %d: %s", code, errb.String())
	}
	if got := endpoint("GET", ""); got != own {
		t.Errorf("after listening the key's URL is %q, want its own %q back", got, own)
	}
	printed := out.String()
	for _, want := range []string{"PAYMENT_STATUS_CHANGED  order-cmd-listen-01 CANCELED  retried 0  → 500 Internal Server Error", "retried 1  → 200 OK"} {
		if !strings.Contains(printed, want) {
			t.Errorf("listen output lacks %q:\n%s", want, printed)
		}
	}
	for _, bad := range [][]string{{"listen"}, {"listen", "--forward-to", "ftp://x"}, {"listen", "--forward-to", "/relative"}} {
		if code, _, _ := runCmd(t, vars, bad...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, exitUsage)
		}
	}
	if code, _, _ := runCmd(t, nil, "listen", "--forward-to", app.URL); code != exitUsage {
		t.Errorf("listen without TOSS_SECRET_KEY: exit %d", code)
	}
	// A live key is never sent: the sandbox would not take it anyway.
	var liveHits atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { liveHits.Add(1) }))
	defer trap.Close()
	if code, _, errs := runCmd(t, map[string]string{"TOSS_SECRET_KEY": "live_sk_0000000000000000000", "TOSS_BASE_URL": trap.URL}, "listen", "--forward-to", app.URL); code != exitUsage || liveHits.Load() != 0 || strings.Contains(errs, "live_sk_0") {
		t.Errorf("listen with a live key: exit %d, %d requests sent, stderr %q", code, liveHits.Load(), errs)
	}
	if code, _, _ := runCmd(t, map[string]string{"TOSS_SECRET_KEY": "test_ck_clientkey0000000000", "TOSS_BASE_URL": base}, "listen", "--forward-to", app.URL); code != exitAPI {
		t.Errorf("listen with a key the sandbox refuses: exit %d, want %d", code, exitAPI)
	}
}

// keyInAndCancel charges 1,000 with key-in and cancels it, through the CLI:
// the cancel is announced by a webhook (a key-in's DONE is not).
func keyInAndCancel(t *testing.T, vars map[string]string, orderID string) {
	t.Helper()
	code, stdout, errs := runCmd(t, vars, "key-in", "--order-id", orderID, "--order-name", "x", "--amount", "1000",
		"--card-number", demoCard, "--card-expiration-year", "39", "--card-expiration-month", "12", "--customer-identity-number", "881212")
	if code != exitOK {
		t.Fatalf("key-in: %d %s %s", code, stdout, errs)
	}
	var p struct{ PaymentKey string }
	_ = json.Unmarshal([]byte(stdout), &p)
	if code, _, errs := runCmd(t, vars, "cancel", "--payment-key", p.PaymentKey, "--cancel-reason", "x"); code != exitOK {
		t.Fatalf("cancel: %d %s", code, errs)
	}
}

// TestSandboxStopsWithListenerWaiting: Ctrl-C stops the sandbox at once
// while listeners' long polls wait (each answered 204), rather than after
// the shutdown grace. The polls are known to wait: a key's third waiting
// poll ends its oldest, so once the first poll comes back 204, two later
// ones were waiting in the sandbox.
func TestSandboxStopsWithListenerWaiting(t *testing.T) {
	t.Parallel()
	_, base, stop := startSandbox(t)
	poll := func(out chan<- int) {
		req, _ := http.NewRequest("GET", base+sandbox.WebhookListenPath+"?wait=60", nil)
		req.SetBasicAuth(sandbox.TestSecretKey, "")
		resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
		if err != nil {
			out <- 0
			return
		}
		resp.Body.Close()
		out <- resp.StatusCode
	}
	first, others := make(chan int, 1), make(chan int, 128)
	go poll(first)
	started := 0
	var got int
wait:
	for started < 100 {
		go poll(others)
		started++
		select {
		case got = <-first:
			break wait
		case <-time.After(20 * time.Millisecond):
		}
	}
	if got != http.StatusNoContent {
		t.Fatalf("the first poll got %d after %d later polls, want 204 (ended by a newer wait)", got, started)
	}
	if code := stop(); code != exitOK {
		t.Errorf("sandbox exit %d with listeners waiting, want %d", code, exitOK)
	}
	answered := 0
	for range started {
		if <-others == http.StatusNoContent {
			answered++
		}
	}
	if answered < 2 {
		t.Errorf("%d of %d later polls answered 204, want at least the 2 waiting at the stop", answered, started)
	}
}

// TestListenAnswerErrorEchoesNothing: a server's error code that is not a
// Toss code (terminal escapes, a key) is not printed.
func TestListenAnswerErrorEchoesNothing(t *testing.T) {
	t.Parallel()
	if err := answerError("x", 401, []byte(`{"code":"UNAUTHORIZED_KEY"}`)); !strings.Contains(err.Error(), "401 UNAUTHORIZED_KEY") {
		t.Errorf("a Toss code: %v", err)
	}
	for _, bad := range []string{"\u001b[31mRED", "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", strings.Repeat("A", 65)} {
		if err := answerError("x", 401, []byte(`{"code":"`+bad+`"}`)); strings.Contains(err.Error(), "RED") || strings.Contains(err.Error(), "test_sk") || strings.Contains(err.Error(), "AAAA") {
			t.Errorf("echoed: %v", err)
		}
	}
}
