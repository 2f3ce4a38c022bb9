package wrapper

import (
	"context"
	"encoding/base64"
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
