package wrapper_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// fuzzKey is the secret key of the fuzz clients: it must never come back
// in an error, even when the server echoes it.
const fuzzKey = "test_sk_FUZZcanaryKEY7q2Zr9Lm"

// canned answers every request with one response and counts the requests.
type canned struct {
	status int
	header http.Header
	body   []byte
	hits   atomic.Int64
	keys   sync.Map // Idempotency-Key values seen
}

func (c *canned) RoundTrip(r *http.Request) (*http.Response, error) {
	c.hits.Add(1)
	c.keys.Store(r.Header.Get("Idempotency-Key"), true)
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: c.status, Header: c.header.Clone(), Body: io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)), Request: r,
	}, nil
}

func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func fuzzClient(tb testing.TB, rt http.RoundTripper, opts ...wrapper.Option) *wrapper.Client {
	c, err := wrapper.New(fuzzKey, append([]wrapper.Option{
		wrapper.WithBaseURL("http://api.fuzz.test"),
		wrapper.WithHTTPClient(&http.Client{Transport: rt}),
		wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 2, MaxDelay: time.Second}),
		wrapper.WithSleeper(noSleep),
	}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func fixtureSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// FuzzDecodePayment decodes arbitrary JSON as a Payment, directly into the
// generated type and through the wrapper (a 200 answer). Neither may panic;
// what decodes must encode and decode again to the same JSON; an
// unreadable 200 is an outcome-unknown error, never a nil payment without
// an error.
func FuzzDecodePayment(f *testing.F) {
	fixtureSeeds(f)
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"paymentKey":"k","totalAmount":726.24,"balanceAmount":0.0,"cancels":null}`,
		`{"easyPay":"토스페이","cancels":[{"cancelAmount":1e3}]}`, `{"easyPay":{"provider":"토스페이","amount":1e400}}`,
		`{"totalAmount":-0.000000000000000000001}`, `{"approvedAt":"2022-01-01T11:31:29+09:00","status":"NEW_STATUS"}`,
		`{"card":{"issuerCode":"4V","amount":"1000"}}`, `{"totalAmount":99999999999999999999999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var p generated.Payment
		if err := json.Unmarshal(body, &p); err == nil {
			out, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("a decoded payment does not encode: %v", err)
			}
			var q generated.Payment
			if err := json.Unmarshal(out, &q); err != nil {
				t.Fatalf("an encoded payment does not decode: %v\n%s", err, out)
			}
			again, err := json.Marshal(q)
			if err != nil || !bytes.Equal(out, again) {
				t.Fatalf("the round trip is not stable: %v\n%s\n%s", err, out, again)
			}
		}
		rt := &canned{status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: body}
		c := fuzzClient(t, rt)
		got, meta, err := c.GetPayment(context.Background(), "pk_fuzz")
		switch {
		case meta == nil:
			t.Fatal("nil Meta")
		case err == nil && got == nil:
			t.Fatal("no payment and no error")
		case err != nil && got != nil:
			t.Fatal("a payment and an error")
		case err != nil && wrapper.ClassOf(err) != wrapper.ClassOutcomeUnknown:
			t.Fatalf("an unreadable 200 is %s: %v", wrapper.ClassOf(err), err)
		case err != nil && strings.Contains(err.Error(), fuzzKey):
			t.Fatal("the secret key is in the error")
		}
	})
}

// FuzzErrorResponse answers every request with an arbitrary status,
// Content-Type, Retry-After and body. The wrapper must not panic, must
// classify every error, must retry only with the same idempotency key and
// within its bound, and must never put the secret key in an error, even
// when the body echoes it.
func FuzzErrorResponse(f *testing.F) {
	for _, s := range []struct {
		status      uint16
		ct, ra      string
		body        string
		getNotPost  bool
		lyingLength bool
	}{
		{403, "application/json", "", `{"code":"REJECT_CARD_COMPANY","message":"declined"}`, false, false},
		{409, "application/json", "", `{"code":"IDEMPOTENT_REQUEST_PROCESSING","message":"in flight"}`, false, false},
		{429, "application/json", "1", `{"code":"TOO_MANY_REQUESTS","message":"slow down"}`, false, false},
		{429, "", "Wed, 21 Oct 2015 07:28:00 GMT", ``, true, false},
		{429, "", "99999999999999999999", ``, false, false},
		{500, "text/html", "", `<html><body>Bad gateway ` + fuzzKey + `</body></html>`, false, false},
		{500, "application/json", "", `{"code":"X","message":"` + fuzzKey + `"}`, false, true},
		{400, "application/json; charset=utf-8", "-1", `{"code":"","message":""}`, false, false},
		{404, "application/json", "", `{"code":"NOT_FOUND_PAYMENT","message":"없음","data":null}`, true, false},
		{400, "application/json", "", `{"code":"PROVIDER_ERROR","message":"x"}`, false, false},
		{400, "application/json", "", `{"code":"ALREADY_PROCESSED_PAYMENT","message":"x"}`, false, false},
		{302, "", "", ``, true, false},
		{204, "", "", ``, false, false},
		{599, "\x00", " 1 ", "\xff\xfe\xfd", false, false},
	} {
		f.Add(s.status, s.ct, s.ra, []byte(s.body), s.getNotPost, s.lyingLength)
	}
	f.Fuzz(func(t *testing.T, status uint16, contentType, retryAfter string, body []byte, getNotPost, lyingLength bool) {
		code := 200 + int(status)%400
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		rt := &canned{status: code, header: h, body: body}
		c := fuzzClient(t, rt)
		var (
			meta *wrapper.Meta
			err  error
		)
		if getNotPost {
			_, meta, err = c.GetPayment(context.Background(), "pk_fuzz")
		} else {
			_, meta, err = c.ConfirmPayment(context.Background(), generated.ConfirmPaymentRequest{
				PaymentKey: "pk_fuzz", OrderID: "order-fuzz-1", Amount: money.New(1000),
			}, wrapper.WithIdempotencyKey("fuzz-key-1"))
		}
		if meta == nil {
			t.Fatal("nil Meta")
		}
		if n := rt.hits.Load(); n < 1 || n > 2 {
			t.Fatalf("%d requests, want 1 or 2", n)
		}
		if !getNotPost {
			rt.keys.Range(func(k, _ any) bool {
				if k != "fuzz-key-1" {
					t.Errorf("an attempt carried key %q", k)
				}
				return true
			})
		}
		if err == nil {
			if code >= 300 {
				t.Fatalf("status %d gave no error", code)
			}
			return
		}
		if cl := wrapper.ClassOf(err); cl == wrapper.ClassOther || cl == wrapper.ClassNone || cl == wrapper.ClassInvalid {
			t.Fatalf("status %d: class %s: %v", code, cl, err)
		}
		var ae *wrapper.APIError
		if errors.As(err, &ae) && ae.StatusCode != code {
			t.Fatalf("APIError.StatusCode %d, answered %d", ae.StatusCode, code)
		}
		for _, s := range []string{err.Error(), fmtAll(err)} {
			if strings.Contains(s, fuzzKey) {
				t.Fatalf("the secret key is in the error: %s", s)
			}
		}
		if wrapper.IsDeclined(err) && rt.hits.Load() != 1 {
			t.Fatal("a decline was retried")
		}
	})
}

func fmtAll(err error) string {
	var b strings.Builder
	for _, v := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		b.WriteString(sprintf(v, err))
	}
	return b.String()
}

// handlerTransport sends requests to an in-process handler.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

var validationSandbox = sync.OnceValues(func() (http.Handler, error) {
	sb, err := sandbox.New(sandbox.WithSeed(5), sandbox.WithMaxPayments(20000), sandbox.WithMaxIdempotencyKeys(50000),
		sandbox.WithClock(sandbox.NewFakeClock(time.Date(2024, 3, 1, 3, 0, 0, 0, time.UTC))))
	if err != nil {
		return nil, err
	}
	return sb.Handler(), nil
})

// FuzzValidation builds confirm, cancel and key-in requests from arbitrary
// fields. When the wrapper's local validation refuses one, nothing was sent,
// the error names a field and never holds the card number, and the sandbox
// (which validates against the same spec) refuses the same request sent
// without local validation: the wrapper is never stricter than the API.
func FuzzValidation(f *testing.F) {
	for _, s := range []struct {
		op                                  uint8
		paymentKey, orderID, amount, reason string
		key, card                           string
	}{
		{0, "pk_1234567890", "order-0001", "15000", "", "", ""},
		{0, "pk_1234567890", "ab", "15000", "", "", ""},
		{0, "pk_1234567890", "order-0001", "0", "", "", ""},
		{0, "pk_1234567890", "order-0001", "-1", "", "", ""},
		{0, "", "order-0001", "1000", "", "", ""},
		{0, strings.Repeat("p", 201), "order-0001", "1000", "", "", ""},
		{0, "pk_1234567890", "order-0001", "1000", "", strings.Repeat("k", 301), ""},
		{1, "pk_1234567890", "", "1000", "reason", "", ""},
		{1, "pk_1234567890", "", "1000", strings.Repeat("r", 201), "", ""},
		{1, "pk_1234567890", "", "1000", "", "", ""},
		{1, "pk/../x", "", "0.5", "reason", "", ""},
		{2, "", "order-key-in-1", "1000", "", "", "4330123412341234"},
		{2, "", "order-key-in-2", "1000", "", "", "43301234123412349999999"},
		{2, "", "order-key-in-3", "1000", "", "", "4330-1234-1234-1234"},
		{2, "", "order key in", "1000.5", "", "", "433012341234"},
	} {
		f.Add(s.op, s.paymentKey, s.orderID, s.amount, s.reason, s.key, s.card)
	}
	h, err := validationSandbox()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint8, paymentKey, orderID, amountText, reason, key, card string) {
		amount, err := money.Parse(amountText)
		if err != nil {
			t.Skip()
		}
		rt := &canned{status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"paymentKey":"pk"}`)}
		local := fuzzClient(t, rt)
		remote := fuzzClient(t, handlerTransport{h}, wrapper.WithValidation(false),
			wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 1}), wrapper.WithBaseURL("http://sandbox.fuzz.test"))
		var opts []wrapper.CallOption
		if key != "" {
			opts = append(opts, wrapper.WithIdempotencyKey(key))
		}
		send := func(c *wrapper.Client) error {
			var err error
			switch op % 3 {
			case 0:
				_, _, err = c.ConfirmPayment(context.Background(), generated.ConfirmPaymentRequest{PaymentKey: paymentKey, OrderID: orderID, Amount: amount}, opts...)
			case 1:
				_, _, err = c.CancelPayment(context.Background(), paymentKey, generated.CancelPaymentRequest{CancelReason: reason, CancelAmount: &amount}, opts...)
			case 2:
				_, _, err = c.KeyInPayment(context.Background(), generated.KeyInPaymentRequest{
					Amount: amount, OrderID: orderID, OrderName: "fuzz", CardNumber: sensitive.String(card),
					CardExpirationYear: "30", CardExpirationMonth: "12", CustomerIdentityNumber: "880101",
				}, opts...)
			}
			return err
		}
		err = send(local)
		var ve *wrapper.ValidationError
		if !errors.As(err, &ve) {
			if rt.hits.Load() == 0 {
				t.Fatalf("accepted locally but nothing was sent: %v", err)
			}
			return
		}
		if rt.hits.Load() != 0 {
			t.Fatalf("refused locally (%v) but %d requests were sent", err, rt.hits.Load())
		}
		if ve.Field == "" || ve.Rule == "" || wrapper.ClassOf(err) != wrapper.ClassInvalid {
			t.Fatalf("a validation error without a field or a rule: %#v", ve)
		}
		if len(card) >= 8 && strings.Count(card, "0")+strings.Count(card, "1")+strings.Count(card, "2")+strings.Count(card, "3")+
			strings.Count(card, "4")+strings.Count(card, "5")+strings.Count(card, "6")+strings.Count(card, "7")+
			strings.Count(card, "8")+strings.Count(card, "9") >= 8 && strings.Contains(err.Error(), card) {
			t.Fatalf("the card number is in the error: %v", err)
		}
		rerr := send(remote)
		var rve *wrapper.ValidationError
		if errors.As(rerr, &rve) && (rve.In == "path" || rve.In == "option") && rve.Field == ve.Field {
			// An empty path value and a bad call option (an idempotency key
			// over 300 characters or with a byte that is not printable ASCII,
			// which would fail in net/http or address another request) are
			// refused even without validation, by design.
			return
		}
		var ae *wrapper.APIError
		if rerr == nil || !errors.As(rerr, &ae) || ae.StatusCode < 400 || ae.StatusCode >= 500 {
			t.Fatalf("the wrapper refused %q (%v), the sandbox answered %v", ve.Field, err, rerr)
		}
	})
}

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }
