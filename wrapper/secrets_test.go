package wrapper

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
)

const (
	canaryKey      = "test_sk_CANARYsecretKEYdoNotLeak42"
	canaryCard     = "9999888877776666"
	canaryIdentity = "771231"
)

// TestSecretsNeverLeak runs every operation through success, decline,
// server errors that echo the request, dropped connections and local
// validation failures, with a canary key and card, and checks that neither
// appears in any log record, error string or printed value.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	canaries := []string{
		canaryKey,
		base64.StdEncoding.EncodeToString([]byte(canaryKey + ":")),
		canaryCard,
		canaryIdentity,
	}
	logs := &logBuffer{}
	mux := http.NewServeMux()
	var mode string // set before each call; the calls run one at a time
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo := string(body) + " " + r.Header.Get("Authorization") + " " + canaryKey
		switch mode {
		case "ok":
			writeJSON(w, 200, answerTo(t, r, body))
		case "decline":
			writeError(w, 403, "REJECT_CARD_COMPANY", "declined: "+echo)
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "<pre>"+echo+"</pre>")
		case "garbage":
			writeJSON(w, 200, []byte(`{"totalAmount": "`+canaryCard+`x"}`))
		case "drop":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}
	})
	srv := newServer(t, mux)
	c, err := New(canaryKey, WithBaseURL(srv), WithLogger(logs.logger()), WithSleeper((&sleeper{}).sleep))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)

	keyIn := keyInReq(canaryCard)
	keyIn.CustomerIdentityNumber = canaryIdentity
	badKeyIn := keyInReq(canaryCard + "12345") // 21 characters: too long
	badKeyIn.CustomerIdentityNumber = canaryIdentity + "x"
	badPassword := keyInReq(canaryCard)
	badPassword.CardPassword = ptr(sensitive.String(canaryIdentity))

	ctx := context.Background()
	calls := map[string]func() (*generated.Payment, *Meta, error){
		"create": func() (*generated.Payment, *Meta, error) {
			return c.CreatePayment(ctx, generated.CreatePaymentRequest{Method: "CARD", Amount: money.New(1000), OrderID: "order-0001", OrderName: "x", ReturnURL: "https://example.com/r"})
		},
		"confirm": func() (*generated.Payment, *Meta, error) { return c.ConfirmPayment(ctx, confirmReq()) },
		"cancel":  func() (*generated.Payment, *Meta, error) { return c.CancelPayment(ctx, "pk-1", cancelReq("refund")) },
		"key-in":  func() (*generated.Payment, *Meta, error) { return c.KeyInPayment(ctx, keyIn) },
		"key-in invalid": func() (*generated.Payment, *Meta, error) {
			return c.KeyInPayment(ctx, badKeyIn)
		},
		"key-in invalid password": func() (*generated.Payment, *Meta, error) {
			return c.KeyInPayment(ctx, badPassword)
		},
		"get":       func() (*generated.Payment, *Meta, error) { return c.GetPayment(ctx, "pk-1") },
		"get by id": func() (*generated.Payment, *Meta, error) { return c.GetPaymentByOrderID(ctx, "order-0001") },
	}
	var out strings.Builder
	print := func(v any) {
		fmt.Fprintf(&out, "%v\n%+v\n%#v\n%s\n", v, v, v, v)
	}
	errorsSeen := 0
	for _, m := range []string{"ok", "decline", "html", "garbage", "drop"} {
		mode = m
		for name, call := range calls {
			p, meta, err := call()
			if err != nil {
				errorsSeen++
				out.WriteString(err.Error() + "\n")
				print(err)
			}
			print(meta)
			_ = p
			slog.New(slog.NewTextHandler(&out, nil)).Info("call", "name", name, "err", err, "meta", meta, "client", c)
		}
	}
	print(c)
	print(*c)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("client", "client", c)
	if errorsSeen < 30 {
		t.Fatalf("only %d errors; the test does not exercise the failure paths", errorsSeen)
	}
	all := out.String() + logs.String()
	for _, canary := range canaries {
		if i := strings.Index(all, canary); i >= 0 {
			t.Errorf("canary %q leaked: …%s…", canary[:6], all[max(0, i-200):min(len(all), i+50)])
		}
	}
	if !strings.Contains(all, redacted) {
		t.Error("the echoed secrets were not scrubbed into " + redacted)
	}
}

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptestServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestScrubCardNumberWithSeparators: a card number echoed with dashes,
// spaces or dots is scrubbed like the bare number; short values are not
// (documented in doc.go).
func TestScrubCardNumberWithSeparators(t *testing.T) {
	t.Parallel()
	secrets := secretList{secretValue(canaryCard), secretValue(canaryIdentity), secretValue("12")}
	for _, echo := range []string{
		canaryCard, "9999-8888-7777-6666", "9999 8888 7777 6666", "9999.8888.7777.6666", "9999 - 8888 - 7777 - 6666",
		"9-9-9-9-8-8-8-8-7-7-7-7-6-6-6-6", "771231", "77-12-31",
	} {
		got := secrets.scrub("card " + echo + " refused")
		if got != "card "+redacted+" refused" {
			t.Errorf("scrub(%q) = %q", echo, got)
		}
	}
	for _, keep := range []string{"9999-8888-7777-666", "order 12 of 12", "99998888777766", "amount 1,000"} {
		if got := secrets.scrub(keep); got != keep {
			t.Errorf("scrub(%q) = %q, want it unchanged", keep, got)
		}
	}
	// Through the client: a decline that echoes the card number with dashes.
	h := setup(t)
	h.mux.HandleFunc("POST /v1/payments/key-in", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 403, "REJECT_CARD_COMPANY", "card 9999-8888-7777-6666 refused")
	})
	_, _, err := h.c.KeyInPayment(context.Background(), keyInReq(canaryCard))
	if err == nil || strings.Contains(err.Error(), "9999-8888-7777-6666") || !strings.Contains(err.Error(), redacted) {
		t.Errorf("err = %v", err)
	}
}

// TestEchoesScrubbed: whatever a server reflects (the key raw, in base64
// with and without padding, in either alphabet, in the Basic header form,
// split by control characters; the card number bare or with separators) in
// the error code, the message, the trace id header or an HTML page, is
// scrubbed before it reaches an error, a printed value, Meta or a log, and
// before anything is cut; control characters are dropped and lengths capped.
func TestEchoesScrubbed(t *testing.T) {
	t.Parallel()
	basic := base64.StdEncoding.EncodeToString([]byte(canaryKey + ":"))
	forms := map[string]string{
		"raw":                canaryKey,
		"base64":             basic,
		"base64 unpadded":    strings.TrimRight(basic, "="),
		"base64url unpadded": base64.RawURLEncoding.EncodeToString([]byte(canaryKey + ":")),
		"base64 of the key":  base64.StdEncoding.EncodeToString([]byte(canaryKey)),
		"Basic header":       "Basic " + basic,
		"split by controls":  canaryKey[:10] + "\x00\x1b" + canaryKey[10:],
		"card":               canaryCard,
		"card with dashes":   "9999-8888-7777-6666",
		"card with spaces":   "9999 8888 7777 6666",
		"identity":           canaryIdentity,
	}
	// What must never appear: the key, its distinctive middle (a prefix
	// left by a cut), any base64 form, the card and identity numbers.
	leaks := []string{canaryKey, "CANARYsecret", strings.TrimRight(basic, "="), basic[:24], canaryCard, "9999-8888", "9999 8888", canaryIdentity}
	paths := map[string]func(w http.ResponseWriter, echo string){
		"code": func(w http.ResponseWriter, echo string) {
			writeError(w, 400, "X_"+echo, "m")
		},
		"message": func(w http.ResponseWriter, echo string) {
			writeError(w, 400, "INVALID_REQUEST", "bad: "+echo+"\r\n\tend")
		},
		"trace id": func(w http.ResponseWriter, echo string) {
			w.Header().Set("X-TossPayments-Trace-Id", strings.Map(func(r rune) rune {
				if r < ' ' {
					return -1
				}
				return r
			}, echo))
			b, _ := json.Marshal(map[string]string{"code": "INVALID_REQUEST", "message": "m"})
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = w.Write(b)
		},
		"HTML page, echo at the cut": func(w http.ResponseWriter, echo string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = io.WriteString(w, "<html><body>"+strings.Repeat("x ", 60)+echo+strings.Repeat(" y", 500)+"</body></html>")
		},
		"long message, echo at the cut": func(w http.ResponseWriter, echo string) {
			writeError(w, 400, "INVALID_REQUEST", strings.Repeat("z", maxMessageLen-20)+echo)
		},
	}
	for pathName, answer := range paths {
		for formName, echo := range forms {
			t.Run(pathName+"/"+formName, func(t *testing.T) {
				t.Parallel()
				logs := &logBuffer{}
				srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w, echo) }))
				c, err := New(canaryKey, WithBaseURL(srv), WithLogger(logs.logger()), WithRetry(RetryPolicy{MaxAttempts: 1}))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(c.CloseIdleConnections)
				keyIn := keyInReq(canaryCard)
				keyIn.CustomerIdentityNumber = canaryIdentity
				_, meta, err := c.KeyInPayment(context.Background(), keyIn)
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Fatalf("err = %v", err)
				}
				var out strings.Builder
				fmt.Fprintf(&out, "%v\n%+v\n%#v\n%s\n%+v\n%s\n%s\n", err, err, err, err.Error(), meta, ae.Code, ae.TraceID)
				slog.New(slog.NewJSONHandler(&out, nil)).Info("call", "err", err, "meta", meta)
				all := out.String() + logs.String()
				for _, leak := range leaks {
					if i := strings.Index(all, leak); i >= 0 {
						t.Errorf("%q leaked: …%s…", leak[:6], all[max(0, i-60):min(len(all), i+40)])
					}
				}
				for _, field := range []string{err.Error(), string(ae.Code), ae.Message, ae.TraceID, meta.TraceID} {
					if strings.ContainsFunc(field, func(r rune) bool { return r < ' ' || r == 0x7f }) {
						t.Errorf("a control character reached %q", field)
					}
				}
				if n := len([]rune(ae.Message)); n > maxMessageLen+1 || len(ae.Code) > maxCodeLen+3 || len(ae.TraceID) > maxTraceLen+3 {
					t.Errorf("lengths not capped: message %d, code %d, trace id %d", n, len(ae.Code), len(ae.TraceID))
				}
			})
		}
	}
}

// TestCleanScrubsBeforeCutting: a secret that straddles the cut is removed
// whole, never left as a prefix.
func TestCleanScrubsBeforeCutting(t *testing.T) {
	t.Parallel()
	s := secretsOfKey(canaryKey)
	for cut := 1; cut < len(canaryKey)+12; cut++ {
		text := strings.Repeat("a", 10) + canaryKey + " tail"
		got := s.clean(text, 10+cut)
		if strings.Contains(got, canaryKey[:min(8, len(canaryKey))]) && strings.Contains(got, "CANARY"[:min(cut, 6)]) && strings.Contains(got, "test_sk_C") {
			t.Errorf("cut %d: %q keeps a prefix of the key", cut, got)
		}
	}
	if got := s.clean("a\x00b\r\n\tc  d\x7f", 100); got != "ab c d" {
		t.Errorf("clean = %q", got)
	}
}

// TestMismatchEchoScrubbed: a key-in answered with the card number as its
// totalAmount fails the amount check without quoting the card.
func TestMismatchEchoScrubbed(t *testing.T) {
	t.Parallel()
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, edit(t, r, readBody(t, r), func(p map[string]any) { p["totalAmount"] = json.Number(canaryCard) }))
	}))
	c, err := New(canaryKey, WithBaseURL(srv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	_, _, err = c.KeyInPayment(context.Background(), keyInReq(canaryCard))
	var ae *APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.Mismatch, "totalAmount") {
		t.Fatalf("err = %v, want the amount check to fail", err)
	}
	if out := fmt.Sprintf("%v %+v %s", err, err, ae.Mismatch); strings.Contains(out, canaryCard) {
		t.Errorf("the card number leaked: %s", out)
	}
}
