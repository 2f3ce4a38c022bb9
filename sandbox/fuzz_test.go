package sandbox_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// fuzzTarget is the sandbox every fuzz input goes to, shared across inputs
// (building one parses the spec), with two known payments the inputs can
// address: one DONE (key-in), one IN_PROGRESS (approved at checkout).
type fuzzTarget struct {
	h                  http.Handler
	doneKey, doneOrder string
	openKey, openOrder string
}

var fuzzSandbox = sync.OnceValues(func() (*fuzzTarget, error) {
	sb, err := sandbox.New(
		sandbox.WithClock(sandbox.NewFakeClock(t0)),
		sandbox.WithSeed(99),
		// Bounded, so a long run cannot exhaust memory.
		sandbox.WithMaxPayments(20000),
		sandbox.WithMaxIdempotencyKeys(50000),
	)
	if err != nil {
		return nil, err
	}
	c := sandbox.Caller{SecretKey: sandbox.TestSecretKey}
	done, err := sb.KeyIn(c, generated.KeyInPaymentRequest{
		Amount: amt(50000), OrderID: "fuzz-done-0001", OrderName: "fuzz", CardNumber: "4330123412341234",
		CardExpirationYear: "30", CardExpirationMonth: "12", CustomerIdentityNumber: "880101",
	})
	if err != nil {
		return nil, err
	}
	open, err := sb.Create(c, generated.CreatePaymentRequest{
		Amount: amt(15000), Method: generated.CreatePaymentMethodCard, OrderID: "fuzz-open-0001",
		OrderName: "fuzz", ReturnURL: "https://shop.example/return",
	})
	if err != nil {
		return nil, err
	}
	if _, err := sb.Approve(open.PaymentKey); err != nil {
		return nil, err
	}
	return &fuzzTarget{h: sb.Handler(), doneKey: done.PaymentKey, doneOrder: done.OrderID, openKey: open.PaymentKey, openOrder: open.OrderID}, nil
})

// The operations the fuzzer addresses, by op % len(fuzzOps); "{}" is the
// path value.
var fuzzOps = []struct{ method, path string }{
	{"POST", "/v1/payments"},
	{"POST", "/v1/payments/confirm"},
	{"POST", "/v1/payments/{}/cancel"},
	{"POST", "/v1/payments/key-in"},
	{"GET", "/v1/payments/{}"},
	{"GET", "/v1/payments/orders/{}"},
	{"POST", "/sandbox/checkout/{}"},
	{"DELETE", "/v1/payments/{}"},
}

func amt(n int64) money.Amount { return money.New(n) }

func headerSafe(v string) bool { return !strings.ContainsAny(v, "\r\n\x00") }

// FuzzHandler sends arbitrary bodies, path values and headers to every
// operation of the sandbox (and the checkout page). It must never panic, never answer 5xx or 429
// unless it was asked to (X-Sandbox-Fault, or a TossPayments-Test-Code
// documented with that status), and always answer a Toss-shaped error
// (JSON with code and message) with a trace ID.
func FuzzHandler(f *testing.F) {
	create := `{"method":"CARD","amount":15000,"orderId":"fuzz-order-01","orderName":"x","returnUrl":"https://a.example/r"}`
	confirm := `{"paymentKey":"{key}","orderId":"fuzz-open-0001","amount":15000}`
	keyIn := `{"amount":1000,"orderId":"fuzz-keyin-01","orderName":"x","cardNumber":"4330123412341234","cardExpirationYear":"30","cardExpirationMonth":"12","customerIdentityNumber":"880101"}`
	seeds := []struct {
		op               uint8
		flags            uint8
		path             string
		body             string
		key, lang, code  string
		fault, rawHeader string
	}{
		{0, 0, "", create, "k1", "", "", "", ""},
		{0, 0, "", create, "k1", "en-US", "", "", ""},
		{0, 0, "", `{"method":"CARD","amount":1e999999,"orderId":"fuzz-order-02","orderName":"x","returnUrl":"https://a.example/r"}`, "", "", "", "", ""},
		{0, 0, "", `{"method":"CARD","amount":-1,"orderId":"ab","orderName":"","returnUrl":"x"}`, "", "", "", "", ""},
		{0, 0, "", `{"method":"CARD","amount":100.5,"orderId":"fuzz-order-03","orderName":"x","returnUrl":"https://a.example/r","flowMode":"DIRECT"}`, "", "", "", "", ""},
		{1, 4, "", confirm, "", "", "", "", ""},
		{1, 4, "", `{"paymentKey":"{key}","orderId":"fuzz-open-0001","amount":15000.0000001}`, "", "", "", "", ""},
		{2, 4, "", `{"cancelReason":"r","cancelAmount":1000}`, "c1", "", "", "", ""},
		{2, 4, "", `{"cancelReason":"r","cancelAmount":99999999999999999999}`, "", "", "", "", ""},
		{2, 4, "", `{"cancelReason":"r","refundableAmount":1,"taxFreeAmount":0.5}`, "", "", "", "", ""},
		{2, 4, "", `{"cancelReason":"r","currency":"USD","refundReceiveAccount":{"bank":"03","accountNumber":"1","holderName":"x"}}`, "", "", "", "", ""},
		{3, 0, "", keyIn, "", "", "", "", ""},
		{3, 0, "", strings.Replace(keyIn, "4330123412341234", "4000000000000002", 1), "", "", "", "", ""},
		{3, 0, "", strings.Replace(keyIn, `"30"`, `"19"`, 1), "", "", "", "", ""},
		{4, 4, "", "", "", "", "", "", ""},
		{4, 0, "nope", "", "", "", "NOT_FOUND_PAYMENT", "", ""},
		{5, 8, "", "", "", "en", "", "", ""},
		{5, 0, "../../openapi.yaml", "", "", "", "", "", ""},
		{6, 4, "", "result=approve", "", "", "", "", ""},
		{7, 4, "", "", "", "", "", "", ""},
		{0, 1, "", create, "", "", "", "", "Basic dGVzdF9za194"},
		{0, 1, "", create, "", "", "", "", "Bearer x"},
		{0, 2, "", create, "", "", "", "", ""},
		{0, 3, "", create, "", "", "", "", ""},
		{0, 0, "", create, strings.Repeat("k", 301), "", "", "", ""},
		{0, 0, "", create, "", "", "REJECT_CARD_COMPANY", "", ""},
		{0, 0, "", create, "", "", "FAILED_INTERNAL_SYSTEM_PROCESSING", "", ""},
		{1, 4, "", confirm, "", "", "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING", "", ""},
		{0, 0, "", create, "", "", "", "error-before", ""},
		{0, 0, "", create, "", "", "", "rate-limit", ""},
		{0, 0, "", create, "", "", "", "drop-after-commit", ""},
		{0, 0, "", create, "", "", "", "delay=1ms", ""},
		{0, 0, "", create, "", "", "", "delay=-1s", ""},
		{1, 0, "", `{`, "", "", "", "", ""},
		{1, 0, "", `null`, "", "", "", "", ""},
		{1, 0, "", `[]`, "", "", "", "", ""},
		{1, 0, "", "\xff\xfe", "", "", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.op, s.flags, s.path, []byte(s.body), s.key, s.lang, s.code, s.fault, s.rawHeader)
	}
	target, err := fuzzSandbox()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op, flags uint8, pathValue string, body []byte, idemKey, lang, testCode, faultValue, rawAuth string) {
		for _, v := range []string{idemKey, lang, testCode, faultValue, rawAuth} {
			if !headerSafe(v) {
				t.Skip("not a valid header value")
			}
		}
		o := fuzzOps[int(op)%len(fuzzOps)]
		switch {
		case flags&4 != 0:
			pathValue = target.openKey
			if flags&16 != 0 {
				pathValue = target.doneKey
			}
		case flags&8 != 0:
			pathValue = target.doneOrder
		}
		body = bytes.ReplaceAll(body, []byte("{key}"), []byte(target.openKey))
		u := strings.Replace(o.path, "{}", url.PathEscape(pathValue), 1)
		req, err := http.NewRequest(o.method, "http://sandbox.test"+u, bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		switch flags & 3 {
		case 0:
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(sandbox.TestSecretKey+":")))
		case 1:
			req.Header.Set("Authorization", rawAuth)
		case 3:
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("live_sk_"+rawAuth+":")))
		}
		if o.path == "/sandbox/checkout/{}" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else if len(body) > 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		for _, h := range [][2]string{{"Idempotency-Key", idemKey}, {"Accept-Language", lang}, {"TossPayments-Test-Code", testCode}} {
			if h[1] != "" {
				req.Header.Set(h[0], h[1])
			}
		}
		// Faults: a valid one is injected and may explain a 5xx, a 429 or a
		// dropped connection; a delay is cut to 1 ms so runs stay fast.
		fault := strings.TrimSpace(faultValue)
		if d, ok := strings.CutPrefix(fault, "delay="); ok {
			if dur, err := time.ParseDuration(d); err == nil && dur > time.Millisecond {
				faultValue = "delay=1ms"
			}
		}
		if faultValue != "" {
			req.Header.Set(sandbox.FaultHeader, faultValue)
		}

		rec := httptest.NewRecorder()
		func() {
			defer func() {
				if v := recover(); v != nil {
					if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) && fault == sandbox.FaultDropAfterCommit {
						rec = nil // the injected drop
						return
					}
					panic(v)
				}
			}()
			target.h.ServeHTTP(rec, req)
		}()
		if rec == nil {
			return
		}
		resp := rec.Result()
		status := resp.StatusCode
		if resp.Header.Get(sandbox.TraceHeader) == "" {
			t.Errorf("%s %s: no trace id", o.method, u)
		}
		// A TossPayments-Test-Code names the error to answer: a documented
		// 5xx code answered as asked is injected, like error-before.
		var answered struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &answered)
		byTestCode := testCode != "" && answered.Code == testCode
		switch {
		case status >= 500 && fault != sandbox.FaultErrorBefore && !byTestCode:
			t.Fatalf("%s %s: %d not injected: %s", o.method, u, status, rec.Body.Bytes())
		case status == http.StatusTooManyRequests && fault != sandbox.FaultRateLimit:
			t.Fatalf("%s %s: 429 not injected", o.method, u)
		case status >= 400:
			var e struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.Message == "" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("%s %s: %d is not a Toss-shaped error: %q", o.method, u, status, rec.Body.Bytes())
			}
		case status >= 200 && status < 300 && o.method != "DELETE" && !strings.HasPrefix(o.path, "/sandbox/"):
			var p generated.Payment
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.PaymentKey == "" {
				t.Fatalf("%s %s: %d with an unreadable payment: %v", o.method, u, status, err)
			}
		}
	})
}
