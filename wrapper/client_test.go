package wrapper

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
)

func TestNewRefusesBadKeys(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                        "empty",
		"test_sk_abc:":            "contains ':'",
		"test_sk_abc\n":           "white space",
		"test_sk_a bc":            "white space",
		"test_ck_D5GePWvyJnrK0W0": "client key",
		"live_ck_D5GePWvyJnrK0W0": "client key",
	}
	for key, want := range cases {
		c, err := New(key)
		if err == nil || c != nil {
			t.Errorf("New(%q) = %v, nil; want an error", key, c)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) error %q lacks %q", key, err, want)
		}
		if len(key) > 8 && strings.Contains(err.Error(), key) {
			t.Errorf("New(%q) error quotes the key: %q", key, err)
		}
	}
}

func TestMode(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]Mode{
		"test_sk_x": ModeTest, "test_gsk_x": ModeTest, "live_sk_x": ModeLive, "live_gsk_x": ModeLive, "sandbox_x": ModeUnknown,
	} {
		c, err := New(key)
		if err != nil {
			t.Fatal(err)
		}
		if c.Mode() != want || c.IsTest() != (want == ModeTest) {
			t.Errorf("New(%q).Mode() = %s, want %s", key, c.Mode(), want)
		}
	}
}

func TestOptionsRefuseBadInput(t *testing.T) {
	t.Parallel()
	bad := map[string]Option{
		"WithBaseURL relative":    WithBaseURL("/v1"),
		"WithBaseURL ftp":         WithBaseURL("ftp://x"),
		"WithBaseURL credentials": WithBaseURL("https://u:p@api.tosspayments.com"),
		"WithHTTPClient nil":      WithHTTPClient(nil),
		"WithLanguage empty":      WithLanguage(""),
		"WithLanguage newline":    WithLanguage("en\r\nX: y"),
		"WithRetry zero":          WithRetry(RetryPolicy{}),
		"WithRetry eleven":        WithRetry(RetryPolicy{MaxAttempts: 11}),
		"WithRetry bounds":        WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Second, MaxDelay: time.Millisecond}),
		"WithTimeout zero":        WithTimeout(0),
		"WithLogger nil":          WithLogger(nil),
		"WithKeyGenerator nil":    WithIdempotencyKeyGenerator(nil),
		"WithSleeper nil":         WithSleeper(nil),
		"nil option":              nil,
	}
	for name, o := range bad {
		if _, err := New(testKey, o); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestDefaultHTTPClient(t *testing.T) {
	t.Parallel()
	c, err := New(testKey)
	if err != nil {
		t.Fatal(err)
	}
	// The attempt timeout bounds every attempt (its context); the transport
	// adds dial, TLS and response-header timeouts.
	if c.http == http.DefaultClient || c.cfg.timeout <= 0 {
		t.Fatalf("default client %+v, attempt timeout %s", c.http, c.cfg.timeout)
	}
	tr, ok := c.http.Transport.(*http.Transport)
	if !ok || tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion < tls.VersionTLS12 {
		t.Fatalf("TLS config %+v", tr.TLSClientConfig)
	}
	if tr.TLSHandshakeTimeout == 0 || tr.ResponseHeaderTimeout == 0 {
		t.Error("transport without timeouts")
	}
	if c.BaseURL() != DefaultBaseURL {
		t.Errorf("base URL %s", c.BaseURL())
	}
}

// TestWithHTTPClientCopies: the caller's client is not modified.
func TestWithHTTPClientCopies(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: 3 * time.Second}
	c, err := New(testKey, WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil || c.http == hc || c.http.Timeout != 3*time.Second {
		t.Errorf("WithHTTPClient modified or kept the caller's client")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClientPrintsNoKey(t *testing.T) {
	t.Parallel()
	c, err := New(testKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c), fmt.Sprintf("%v %+v %#v", *c, *c, *c), c.String(), c.LogValue().String()} {
		if strings.Contains(s, testKey) || strings.Contains(s, wantAuth[6:]) {
			t.Errorf("printed key: %s", s)
		}
	}
	if !strings.Contains(c.String(), "mode: test") {
		t.Errorf("String() = %s", c)
	}
	v := secretValue("x")
	if fmt.Sprintf("%v %+v %#v %s %q", v, v, v, v, v) != strings.TrimSpace(strings.Repeat(redacted+" ", 5)) {
		t.Errorf("secretValue printed %v", fmt.Sprintf("%v %+v %#v %s %q", v, v, v, v, v))
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUIDv4(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		k := newUUIDv4()
		if !uuidV4.MatchString(k) || seen[k] {
			t.Fatalf("bad or repeated UUID %q", k)
		}
		seen[k] = true
	}
}

func TestDeriveIdempotencyKey(t *testing.T) {
	t.Parallel()
	a := DeriveIdempotencyKey("confirm", "pk", "order-1", "15000")
	if a != DeriveIdempotencyKey("confirm", "pk", "order-1", "15000") {
		t.Error("not stable")
	}
	if !strings.HasPrefix(a, "confirm-") || len(a) != len("confirm-")+43 {
		t.Errorf("key %q", a)
	}
	distinct := []string{
		a,
		DeriveIdempotencyKey("confirm", "pk", "order-1", "15001"),
		DeriveIdempotencyKey("cancel", "pk", "order-1", "15000"),
		DeriveIdempotencyKey("confirm", "pko", "rder-1", "15000"), // same concatenation
		DeriveIdempotencyKey("confirm", "pk", "order-1", "15000", ""),
	}
	seen := map[string]bool{}
	for _, k := range distinct {
		if seen[k] {
			t.Errorf("collision: %q", k)
		}
		seen[k] = true
	}
	long := DeriveIdempotencyKey(strings.Repeat("op/!", 200), strings.Repeat("f", 10000))
	if len(long) > MaxIdempotencyKeyLength || strings.ContainsAny(long, "/!") {
		t.Errorf("key %q: %d characters", long, len(long))
	}
	if k := DeriveIdempotencyKey("", "x"); !strings.HasPrefix(k, "op-") {
		t.Errorf("empty operation: %q", k)
	}
}

func TestTypedIdempotencyKeys(t *testing.T) {
	t.Parallel()
	r := confirmReq()
	k1 := ConfirmIdempotencyKey(r)
	r.Amount = money.MustParse("15000.00")
	if ConfirmIdempotencyKey(r) != k1 {
		t.Error("15000 and 15000.00 give different keys")
	}
	r.Amount = money.New(15001)
	if ConfirmIdempotencyKey(r) == k1 {
		t.Error("the amount is not part of the key")
	}
	full := CancelIdempotencyKey("pk", 1, generated.CancelPaymentRequest{CancelReason: "a"})
	if full != CancelIdempotencyKey("pk", 1, generated.CancelPaymentRequest{CancelReason: "another reason"}) {
		t.Error("the reason changed the key")
	}
	part := generated.CancelPaymentRequest{CancelReason: "a", CancelAmount: ptr(money.New(500))}
	if CancelIdempotencyKey("pk", 2, part) == CancelIdempotencyKey("pk", 3, part) || CancelIdempotencyKey("pk", 2, part) == full {
		t.Error("sequence or amount is not part of the key")
	}
	for in, want := range map[string]string{"1000": "1000", "1000.0": "1000", "726.240": "726.24", "0.00": "0", "-0.0": "0"} {
		if got := money.MustParse(in).Canonical().String(); got != want {
			t.Errorf("Canonical(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestDefaultClientFollowsTimeout: with WithTimeout longer than the default,
// neither the transport's header timeout nor the client's timeout ends an
// attempt before the per-attempt timeout; dial, TLS handshake and the TLS
// 1.2 minimum are kept.
func TestDefaultClientFollowsTimeout(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{90 * time.Second, 10 * time.Minute, 50 * time.Millisecond} {
		c, err := New(testKey, WithTimeout(d))
		if err != nil {
			t.Fatal(err)
		}
		tr := c.http.Transport.(*http.Transport)
		// No overall Client.Timeout: the attempt's context bounds the attempt.
		if tr.ResponseHeaderTimeout < d || (c.http.Timeout != 0 && c.http.Timeout < d) {
			t.Errorf("WithTimeout(%s): ResponseHeaderTimeout %s, Client.Timeout %s cut the attempt short", d, tr.ResponseHeaderTimeout, c.http.Timeout)
		}
		if tr.ResponseHeaderTimeout == 0 || tr.TLSHandshakeTimeout == 0 || tr.DialContext == nil ||
			tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion < tls.VersionTLS12 {
			t.Errorf("WithTimeout(%s): a timeout or the TLS minimum was lost: %+v", d, tr)
		}
		if c.cfg.timeout != d {
			t.Errorf("attempt timeout %s, want %s", c.cfg.timeout, d)
		}
	}
}

// TestCleartextBaseURL: a live key (or one of unknown mode) is never sent
// over http://, loopback included; a test key may be (a sandbox on another
// host in CI), and https:// is always fine.
func TestCleartextBaseURL(t *testing.T) {
	t.Parallel()
	const live, unknown = "live_sk_abcdefgh", "sandbox_abcdefgh"
	cases := []struct {
		key, base string
		ok        bool
	}{
		{live, "http://api.tosspayments.com", false},
		{live, "http://10.0.0.5:8080", false},
		{live, "http://sandbox.ci.internal:8080/prefix", false},
		{live, "http://[2001:db8::1]:8080", false},
		{live, "http://localhost.evil.example", false},
		{unknown, "http://sandbox.ci.internal:8080", false},
		{live, "https://api.tosspayments.com", true},
		{live, "https://10.0.0.5:8443", true},
		{live, "http://127.0.0.1:8080", false},
		{live, "http://127.8.9.10", false},
		{live, "http://[::1]:8080", false},
		{live, "http://localhost:8080", false},
		{live, "http://LOCALHOST", false},
		{unknown, "http://127.0.0.1:8080", false},
		{testKey, "http://sandbox.ci.internal:8080", true},
		{testKey, "http://10.0.0.5:8080", true},
	}
	for _, tc := range cases {
		c, err := New(tc.key, WithBaseURL(tc.base))
		if tc.ok != (err == nil) {
			t.Errorf("New(%.8s…, WithBaseURL(%q)) = %v, %v; want ok %v", tc.key, tc.base, c, err, tc.ok)
			continue
		}
		if err != nil && (!strings.Contains(err.Error(), "cleartext") || strings.Contains(err.Error(), tc.key)) {
			t.Errorf("error %q does not say why or quotes the key", err)
		}
	}
}

// TestNewFromEnv: the key from TOSS_SECRET_KEY, the base URL from
// TOSS_BASE_URL (the default when unset or empty); an explicit WithBaseURL
// wins; an unset key is an error that does not quote anything.
func TestNewFromEnv(t *testing.T) {
	t.Setenv(EnvSecretKey, "")
	t.Setenv(EnvBaseURL, "")
	if _, err := NewFromEnv(); err == nil || !strings.Contains(err.Error(), EnvSecretKey) {
		t.Errorf("no key: err = %v", err)
	}
	t.Setenv(EnvSecretKey, testKey)
	c, err := NewFromEnv()
	if err != nil || c.BaseURL() != DefaultBaseURL || !c.IsTest() {
		t.Fatalf("key only: %v, %v", c, err)
	}
	mux := http.NewServeMux()
	var auth string
	mux.HandleFunc("GET /sandbox/v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		writeJSON(w, 200, answerTo(t, r, nil))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	t.Setenv(EnvBaseURL, srv.URL+"/sandbox")
	c, err = NewFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	if _, _, err := c.GetPayment(context.Background(), "pk-1"); err != nil || auth != wantAuth {
		t.Errorf("through TOSS_BASE_URL: %v, auth %q", err, auth)
	}
	if c, err := NewFromEnv(WithBaseURL("https://gateway.example")); err != nil || c.BaseURL() != "https://gateway.example" {
		t.Errorf("WithBaseURL does not win: %v, %v", c, err)
	}
	t.Setenv(EnvBaseURL, "ftp://x")
	if _, err := NewFromEnv(); err == nil {
		t.Error("a bad TOSS_BASE_URL was accepted")
	}
}
