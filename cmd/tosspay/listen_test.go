package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestListenPrintsOnlyPrintableText: a body whose orderId and status carry
// terminal escapes, a bidirectional override, a newline and invalid bytes is
// printed with each of them escaped, and cut to a bounded length.
func TestListenPrintsOnlyPrintableText(t *testing.T) {
	t.Parallel()
	hostile := "order\x1b[2J\x1b]0;pwned\x07\u202egnp.exe\r\nFAKE LINE\xff" + strings.Repeat("x", 200)
	body := `{"createdAt":"2026-01-02T15:00:00","secret":"ps_never_printed","status":"DONE\u001b[31m","transactionKey":"t","orderId":"` +
		strings.NewReplacer("\x1b", `\u001b`, "\x07", `\u0007`, "\r", `\r`, "\n", `\n`, "\u202e", `\u202e`, "\xff", `\u00ff`).Replace(hostile) + `"}`
	a := sandbox.ListenedAttempt{ID: "a1", Body: []byte(body), Headers: map[string]string{openapi.HeaderWebhookTransmissionRetriedCount: "0"}}
	line := describeAttempt(a, sandbox.ListenedAnswer{Error: "dial: \x1b[2Jrefused"}, nil)
	for _, r := range line {
		if r < 0x20 || r == 0x7f || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar {
			t.Fatalf("printed %U: %q", r, line)
		}
	}
	for _, want := range []string{`order\x1b[2J`, `\u202e`, `\r\n`, `DONE\x1b[31m`, `dial: \x1b[2Jrefused`, "…"} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q: %s", want, line)
		}
	}
	if strings.Contains(line, "ps_never_printed") || strings.Count(line, "x") > maxPrinted+10 {
		t.Errorf("line: %s", line)
	}
	// A header that does not parse still prints escaped.
	a.Headers[openapi.HeaderWebhookTransmissionRetriedCount] = "0\x1b[1m"
	if line := describeAttempt(a, sandbox.ListenedAnswer{Status: 200}, nil); !strings.Contains(line, `cannot read  retried 0\x1b[1m`) {
		t.Errorf("line: %q", line)
	}
	if got := printable("a\xffb"); got != `a\xffb` {
		t.Errorf("printable(invalid byte) = %q", got)
	}
	if got := printable("결제 DONE"); got != "결제 DONE" {
		t.Errorf("printable(Korean) = %q", got)
	}
}

// TestListenForwardsOnlyWebhookHeaders: of the attempt's headers only
// Toss's webhook headers and Content-Type reach the app, and none with a
// control character in its value.
func TestListenForwardsOnlyWebhookHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	forwardHeaders(h, map[string]string{
		"Content-Type":                                "application/json",
		openapi.HeaderWebhookTransmissionID:           "whtrans_1",
		openapi.HeaderWebhookTransmissionTime:         "2026-01-02T15:00:01+09:00",
		openapi.HeaderWebhookTransmissionRetriedCount: "0",
		openapi.HeaderWebhookSignature:                "v1:abc\r\nX-Injected: 1",
		"Authorization":                               "Basic dGVzdF9za18=",
		"Cookie":                                      "session=1",
		"Host":                                        "evil.example",
		"X-Forwarded-For":                             "10.0.0.1",
		"Transfer-Encoding":                           "chunked",
	})
	want := http.Header{}
	want.Set("Content-Type", "application/json")
	want.Set(openapi.HeaderWebhookTransmissionID, "whtrans_1")
	want.Set(openapi.HeaderWebhookTransmissionTime, "2026-01-02T15:00:01+09:00")
	want.Set(openapi.HeaderWebhookTransmissionRetriedCount, "0")
	if len(h) != len(want) {
		t.Fatalf("forwarded %v, want %v", h, want)
	}
	for k := range want {
		if h.Get(k) != want.Get(k) {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want.Get(k))
		}
	}
	h = http.Header{}
	forwardHeaders(h, nil)
	if h.Get("Content-Type") != "application/json" || len(h) != 1 {
		t.Errorf("no headers sent: forwarded %v", h)
	}
}

// TestListenPrintsThePreviousURLEscaped: the URL the key had, as the
// sandbox answers it, reaches the terminal escaped when the listener gives
// it back (an OSC 8 hyperlink, a clear-screen, a bidirectional override).
func TestListenPrintsThePreviousURLEscaped(t *testing.T) {
	t.Parallel()
	hostile := "http://shop.example/\x1b]8;;http://evil.example\x07hook\x1b]8;;\x07\x1b[2J\u202e"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == sandbox.WebhookEndpointPath && r.Method == http.MethodGet:
			_ = json.NewEncoder(w).Encode(map[string]any{"url": hostile, "default": false})
		case r.URL.Path == sandbox.WebhookEndpointPath:
			w.WriteHeader(http.StatusOK)
		default: // the listener waits: no attempt, and the user presses Ctrl-C
			cancel()
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	var out, errOut strings.Builder
	code := runListen(ctx, []string{"--forward-to", "http://127.0.0.1:1/hook", "--base-url", srv.URL}, env{
		stdout: &out, stderr: &errOut,
		getenv: func(k string) string {
			if k == "TOSS_SECRET_KEY" {
				return sandbox.TestSecretKey
			}
			return ""
		},
	})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "Stopped; the key's webhook URL is ") {
		t.Fatalf("no restore line: %q", out.String())
	}
	if strings.ContainsAny(out.String()+errOut.String(), "\x1b\x07\u202e") {
		t.Fatalf("printed a control or format character: %q", out.String())
	}
}
