package contracttests

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

var record = flag.Bool("record", false, "live tests: save scrubbed responses of the real API into testdata/live/")

const liveHowTo = "live contract tests are off; to call the real API set TOSS_SECRET_KEY=test_sk_... " +
	"(or TOSS_LIVE=1 for the public docs test key) and run: TOSS_LIVE=1 go test ./contract_tests -run Live -v " +
	"[-record to save scrubbed responses into testdata/live/]; TOSS_BASE_URL overrides " + apiServer

// liveConfig reads the switch. It skips when live mode is off and refuses
// anything but a test key.
func liveConfig(t *testing.T) (baseURL, key string) {
	t.Helper()
	key = os.Getenv("TOSS_SECRET_KEY")
	if key == "" && os.Getenv("TOSS_LIVE") == "1" {
		key = docsTestKey
	}
	if key == "" {
		t.Skip(liveHowTo)
	}
	if err := checkLiveKey(key); err != nil {
		t.Fatal(err)
	}
	baseURL = os.Getenv("TOSS_BASE_URL")
	if baseURL == "" {
		baseURL = apiServer
	}
	return baseURL, key
}

// checkLiveKey accepts only test secret keys; the message never echoes the key.
func checkLiveKey(key string) error {
	switch {
	case strings.HasPrefix(key, "live_"):
		return fmt.Errorf("refusing a live_ key: the live contract tests create payments; use a test_sk_ key")
	case strings.HasPrefix(key, "test_ck_"), strings.HasPrefix(key, "test_gck_"):
		return fmt.Errorf("a client key (test_ck_/test_gck_) is for browsers; use a test_sk_ secret key")
	case strings.HasPrefix(key, "test_sk_"), strings.HasPrefix(key, "test_gsk_"), strings.HasPrefix(key, "test_ak_"):
		return nil
	}
	return fmt.Errorf("TOSS_SECRET_KEY must be a test secret key (test_sk_...)")
}

// TestLive runs the live contract tests against the real API (or
// TOSS_BASE_URL) when switched on.
func TestLive(t *testing.T) {
	base, key := liveConfig(t)
	dir := ""
	if *record {
		dir = filepath.Join(testdataDir, "live")
	}
	runLive(t, base, key, dir)
}

// liveResult is one answer of the API.
type liveResult struct {
	step   string
	op     string
	status int
	header http.Header
	body   []byte
}

func randomID(prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b)
}

// runLive walks the payment story against baseURL, validating every status
// and body against the spec. Steps whose outcome depends on the merchant's
// contract (key-in) accept any documented status.
func runLive(t *testing.T, baseURL, key, recordDir string) {
	t.Helper()
	httpClient := &http.Client{Timeout: 30 * time.Second}
	client, err := generated.NewClient(baseURL, generated.WithHTTPClient(httpClient), generated.WithRequestEditorFn(basicAuth(key)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	const (
		want2xx = "2xx"
		want4xx = "4xx"
		wantAny = "any"
	)
	// want is want2xx, want4xx, wantAny, or an exact "<status> <CODE>" where
	// the facts fix the answer.
	check := func(step, op, want string, a answer) liveResult {
		t.Helper()
		resp, err := a.resp, a.err
		if err != nil {
			t.Fatalf("%s (%s): %v", step, op, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			t.Fatalf("%s (%s): read body: %v", step, op, err)
		}
		r := liveResult{step: step, op: op, status: resp.StatusCode, header: resp.Header, body: body}
		trace := resp.Header.Get("X-TossPayments-Trace-Id")
		t.Logf("%s: %s → %d (trace %s)", step, op, r.status, trace)
		switch {
		case want == want2xx && (r.status < 200 || r.status > 299):
			t.Errorf("%s: %s answered %d, want 2xx: %.300s", step, op, r.status, scrub(body))
		case want == want4xx && (r.status < 400 || r.status > 499):
			t.Errorf("%s: %s answered %d, want 4xx: %.300s", step, op, r.status, scrub(body))
		case want != want2xx && want != want4xx && want != wantAny:
			var e generated.Error
			_ = json.Unmarshal(body, &e)
			if got := fmt.Sprintf("%d %s", r.status, e.Code); got != want {
				t.Errorf("%s: %s answered %s, want %s: %.300s", step, op, got, want, scrub(body))
			}
		}
		if err := validateResponse(t, op, r.status, resp.Header, body); err != nil {
			t.Errorf("SPEC DRIFT at %s: the real %s %d does not match the spec:\n%v\nbody: %.2000s", step, op, r.status, err, scrub(body))
		}
		if diffs, err := roundTripDiffs(op, r.status, body); err != nil {
			t.Errorf("SPEC DRIFT at %s: %v", step, err)
		} else if len(diffs) > 0 {
			t.Errorf("SPEC DRIFT at %s: the generated types lose data of the real %s %d:\n  %s", step, op, r.status, strings.Join(diffs, "\n  "))
		}
		f := fixture{Path: step, OpID: op, Status: r.status, Body: body}
		if p := fixtureCodeProblem(t, f); p != "" && r.status >= 400 {
			t.Errorf("SPEC DRIFT at %s: %s", step, p)
		}
		if recordDir != "" {
			saveLive(t, recordDir, r)
		}
		return r
	}
	idem := func() *string { return ptr(randomID("ct-")) }

	// 1. Create a payment window.
	orderID := randomID("ct-order-")
	created := check("create", "createPayment", want2xx, firstResp(client.CreatePayment(ctx, &generated.CreatePaymentParams{IdempotencyKey: idem()}, generated.CreatePaymentRequest{
		Method: generated.CreatePaymentMethodCard, Amount: amt("1000"), OrderID: orderID,
		OrderName: "contract test", ReturnURL: "https://example.com/return",
	})))
	var p generated.Payment
	if err := json.Unmarshal(created.body, &p); err != nil || p.PaymentKey == "" {
		t.Fatalf("create: no paymentKey in %.300s (%v)", scrub(created.body), err)
	}

	// 2. Look it up both ways, in Korean and in English.
	check("get-created", "getPayment", want2xx, firstResp(client.GetPayment(ctx, p.PaymentKey, &generated.GetPaymentParams{})))
	check("get-created-en-us", "getPayment", want2xx, firstResp(client.GetPayment(ctx, p.PaymentKey, &generated.GetPaymentParams{AcceptLanguage: ptr("en-US")})))
	check("get-by-order-created", "getPaymentByOrderId", want2xx, firstResp(client.GetPaymentByOrderID(ctx, orderID, &generated.GetPaymentByOrderIDParams{})))

	// 3. Unknown keys and orders.
	unknownKey := randomID("ctunknown")
	check("get-unknown", "getPayment", "404 NOT_FOUND_PAYMENT", firstResp(client.GetPayment(ctx, unknownKey, &generated.GetPaymentParams{})))
	check("get-by-order-unknown", "getPaymentByOrderId", "404 NOT_FOUND_PAYMENT", firstResp(client.GetPaymentByOrderID(ctx, randomID("ct-none-"), &generated.GetPaymentByOrderIDParams{})))
	check("confirm-unknown", "confirmPayment", want4xx, firstResp(client.ConfirmPayment(ctx, &generated.ConfirmPaymentParams{IdempotencyKey: idem()}, generated.ConfirmPaymentRequest{
		PaymentKey: unknownKey, OrderID: randomID("ct-none-"), Amount: amt("1000"),
	})))
	check("confirm-unauthenticated", "confirmPayment", want4xx, firstResp(client.ConfirmPayment(ctx, &generated.ConfirmPaymentParams{IdempotencyKey: idem()}, generated.ConfirmPaymentRequest{
		PaymentKey: p.PaymentKey, OrderID: orderID, Amount: amt("1000"),
	})))
	check("cancel-unknown", "cancelPayment", "404 NOT_FOUND_PAYMENT", firstResp(client.CancelPayment(ctx, unknownKey, &generated.CancelPaymentParams{IdempotencyKey: idem()}, generated.CancelPaymentRequest{CancelReason: "contract test"})))
	check("cancel-ready", "cancelPayment", want4xx, firstResp(client.CancelPayment(ctx, p.PaymentKey, &generated.CancelPaymentParams{IdempotencyKey: idem()}, generated.CancelPaymentRequest{CancelReason: "contract test"})))

	// 4. The test-code header makes the API answer with a chosen error.
	check("confirm-test-code", "confirmPayment", "403 REJECT_CARD_COMPANY", firstResp(client.ConfirmPayment(ctx, &generated.ConfirmPaymentParams{IdempotencyKey: idem(), TossPaymentsTestCode: ptr("REJECT_CARD_COMPANY")}, generated.ConfirmPaymentRequest{
		PaymentKey: p.PaymentKey, OrderID: orderID, Amount: amt("1000"),
	})))

	// 5. Key-in: allowed only with separate terms; any documented answer will do.
	keyInOrder := randomID("ct-keyin-")
	keyIn := check("key-in", "keyInPayment", wantAny, firstResp(client.KeyInPayment(ctx, &generated.KeyInPaymentParams{IdempotencyKey: idem()}, generated.KeyInPaymentRequest{
		Amount: amt("1000"), OrderID: keyInOrder, OrderName: "contract test", CardNumber: "4330123412341234",
		CardExpirationYear: fmt.Sprintf("%02d", (time.Now().Year()+2)%100), CardExpirationMonth: "12", CustomerIdentityNumber: "881212",
	})))
	if keyIn.status >= 200 && keyIn.status < 300 {
		var kp generated.Payment
		if err := json.Unmarshal(keyIn.body, &kp); err == nil && kp.PaymentKey != "" {
			check("cancel-key-in", "cancelPayment", want2xx, firstResp(client.CancelPayment(ctx, kp.PaymentKey, &generated.CancelPaymentParams{IdempotencyKey: idem()}, generated.CancelPaymentRequest{CancelReason: "contract test cleanup"})))
		}
	}

	// 6. Authentication errors.
	wrong, err := generated.NewClient(baseURL, generated.WithHTTPClient(httpClient), generated.WithRequestEditorFn(basicAuth("test_sk_"+randomID("wrong"))))
	if err != nil {
		t.Fatal(err)
	}
	// The real API refuses a key it does not know (401); the sandbox takes any
	// test key and keeps payments per key, so there the payment is not found.
	wrongKeyWant := "401 UNAUTHORIZED_KEY"
	if baseURL != apiServer {
		wrongKeyWant = want4xx
	}
	check("get-wrong-key", "getPayment", wrongKeyWant, firstResp(wrong.GetPayment(ctx, p.PaymentKey, &generated.GetPaymentParams{})))
	noColon, err := generated.NewClient(baseURL, generated.WithHTTPClient(httpClient), generated.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key)))
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	check("get-no-colon", "getPayment", "403 INCORRECT_BASIC_AUTH_FORMAT", firstResp(noColon.GetPayment(ctx, p.PaymentKey, &generated.GetPaymentParams{})))
}

// answer holds what a generated client call returned, so a call can be
// passed as one argument: check(step, op, want, firstResp(client.X(...))).
type answer struct {
	resp *http.Response
	err  error
}

func firstResp(resp *http.Response, err error) answer { return answer{resp, err} }

// saveLive writes a scrubbed response as testdata/live/<op>.<status>.live-<step>.json.
func saveLive(t *testing.T, dir string, r liveResult) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s.%d.live-%s.json", r.op, r.status, r.step)
	if err := os.WriteFile(filepath.Join(dir, name), scrub(r.body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s", filepath.Join(dir, name))
}

var keyPattern = regexp.MustCompile(`(test|live)_(sk|gsk|ck|gck|ak)_[A-Za-z0-9]+`)

// scrub removes what must not be checked in: the payment secret, API keys
// inside URLs, and card, phone, account and identity numbers beyond their
// first digits. The result stays valid against the spec. Numbers keep their
// exact digits.
func scrub(body []byte) []byte {
	v, err := decodeTree(body)
	if err != nil {
		return []byte(`"unparseable body withheld"`)
	}
	v = scrubValue("", v)
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return []byte(`"unencodable body withheld"`)
	}
	return append(out, '\n')
}

var maskKeep = map[string]int{
	"number": 8, "cardNumber": 8, "accountNumber": 3, "customerMobilePhone": 3,
	"customerIdentityNumber": 0, "businessNumber": 3,
}

// personalNames are fields holding a person's name, replaced whole.
var personalNames = map[string]bool{"customerName": true, "holderName": true, "depositorName": true}

func scrubValue(key string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = scrubValue(k, x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = scrubValue(key, x)
		}
		return v
	case string:
		if key == "secret" && v != "" {
			return "ps_scrubbed"
		}
		if personalNames[key] && v != "" {
			return "scrubbed name"
		}
		if keep, ok := maskKeep[key]; ok {
			return mask(v, keep)
		}
		return keyPattern.ReplaceAllString(v, "${1}_${2}_scrubbed")
	}
	return v
}

// mask replaces every digit after the first keep digits with '*'.
func mask(s string, keep int) string {
	b := []byte(s)
	seen := 0
	for i, c := range b {
		if c >= '0' && c <= '9' {
			seen++
			if seen > keep {
				b[i] = '*'
			}
		}
	}
	return string(b)
}
