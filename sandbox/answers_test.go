package sandbox_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// raw sends a request written byte for byte (no client cleans its path or
// checks its headers) and returns the response and its body.
func (e *env) raw(method, target, body string, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.srv.URL, "http://"), 10*time.Second)
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: sandbox.test\r\nConnection: close\r\nAuthorization: %s\r\n", method, target, basic(e.key))
	if body != "" {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", headers[i], headers[i+1])
	}
	b.WriteString("\r\n" + body)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatalf("%s %q: %v", method, target, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return resp, rb
}

// tossJSON asserts a Toss-shaped JSON error with status and code.
func tossJSON(t *testing.T, what string, resp *http.Response, body []byte, status int, code generated.ErrorCode) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: not JSON (%s): %q", what, resp.Header.Get("Content-Type"), body)
		return
	}
	msg, _ := m["message"].(string)
	if resp.StatusCode != status || m["code"] != string(code) || msg == "" || len(m) != 2 {
		t.Errorf("%s: %d %s, want %d %s with a message and nothing else: %s", what, resp.StatusCode, m["code"], status, code, body)
	}
	if resp.Header.Get(sandbox.TraceHeader) == "" {
		t.Errorf("%s: no trace id", what)
	}
	if resp.Header.Get(sandbox.ReplayHeader) != "" {
		t.Errorf("%s: answered as a replay", what)
	}
}

// nothingStored asserts that the sandbox holds no payment and no
// idempotency key.
func (e *env) nothingStored(what string) {
	e.t.Helper()
	if u := e.sb.Usage(); u.Payments != 0 || u.IdempotencyKeys != 0 || u.IdempotencyBytes != 0 {
		e.t.Errorf("%s: the sandbox stored something: %+v", what, u)
	}
}

// TestEveryRouteAnswersTossJSON: a path the spec does not have (a trailing
// slash, "//", "." or ".." included) answers 404 and a wrong method 405,
// each as Toss-shaped JSON, before authentication and idempotency: nothing
// is stored, and the same request with the same key answers the same way
// again rather than being replayed.
func TestEveryRouteAnswersTossJSON(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `{"method":"CARD","amount":1000,"orderId":"order-route-0001","orderName":"T","returnUrl":"https://shop.example/r"}`
	for _, c := range []struct {
		method, target string
		status         int
	}{
		{"GET", "/v1/payments/pk_route_0001/", 404},
		{"POST", "/v1/payments/", 404},
		{"POST", "/v1/payments/confirm/", 404},
		{"POST", "/v1/payments/key-in/", 404},
		{"POST", "/v1/payments/pk_route_0001/cancel/", 404},
		{"GET", "/v1/payments/orders/order-route-0001/", 404},
		{"GET", "/v1/payments/../v1/payments/pk_route_0001", 404},
		{"POST", "/v1/payments/../payments", 404},
		{"POST", "/v1/../v1/payments", 404},
		{"POST", "/v1/payments/./confirm", 404},
		{"POST", "//v1/payments", 404},
		{"GET", "/v1/payments//pk_route_0001", 404},
		{"POST", "/v1/%2e%2e/v1/payments", 404},
		{"GET", "/v1/payments", 405},
		{"PUT", "/v1/payments", 405},
		{"DELETE", "/v1/payments/pk_route_0001", 405},
		{"PATCH", "/v1/payments/confirm", 405},
		{"POST", "/v1/payments/pk_route_0001", 405},
		{"GET", "/v1/payments/pk_route_0001/cancel", 405},
		{"POST", "/v1/refunds", 404},
		{"POST", "/", 404},
		{"GET", "/sandbox/checkout/pk_route_0001/", 404},
	} {
		what := c.method + " " + c.target
		for attempt := range 2 {
			resp, b := e.raw(c.method, c.target, body, "Idempotency-Key", "route-key-1")
			tossJSON(t, fmt.Sprintf("%s (attempt %d)", what, attempt+1), resp, b, c.status, generated.ErrorCodeInvalidRequest)
			if c.status == 405 && resp.Header.Get("Allow") == "" {
				t.Errorf("%s: 405 without Allow", what)
			}
		}
		e.nothingStored(what)
	}
}

// TestInvalidTextRefused: invalid UTF-8 and escaped lone surrogates in a
// string field are refused with 400 INVALID_REQUEST (Go would store them as
// U+FFFD); a U+FFFD the client spelled out, and Korean text, are taken.
func TestInvalidTextRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	create := func(orderID, orderName string) string {
		return `{"method":"CARD","amount":1000,"orderId":"` + orderID + `","orderName":"` + orderName + `","returnUrl":"https://shop.example/r"}`
	}
	for name, body := range map[string]string{
		"a 0xFF byte":               create("order-utf8-0001", "T\xffshirt"),
		"a truncated sequence":      create("order-utf8-0002", "T\xed\x95shirt"),
		"an overlong encoding":      create("order-utf8-0003", "T\xc0\xafshirt"),
		"an encoded surrogate":      create("order-utf8-0004", "T\xed\xa0\x80shirt"),
		"an escaped lone surrogate": create("order-utf8-0005", `T\ud800shirt`),
		"a low surrogate alone":     create("order-utf8-0006", `T\udc00shirt`),
	} {
		resp, b := e.raw("POST", "/v1/payments", body, "Idempotency-Key", "utf8-key")
		tossJSON(t, name, resp, b, 400, generated.ErrorCodeInvalidRequest)
		e.nothingStored(name)
	}
	// Cancel reasons and key-in fields go through the same check.
	p := e.ok("POST", "/v1/payments/key-in", keyInBody("order-utf8-0010", 1000, "4330123412341234"))
	resp, b := e.raw("POST", "/v1/payments/"+p.PaymentKey+"/cancel", "{\"cancelReason\":\"bad\xfe\"}", "Idempotency-Key", "utf8-cancel")
	tossJSON(t, "cancel reason", resp, b, 400, generated.ErrorCodeInvalidRequest)
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusDone {
		t.Errorf("a refused cancel changed the payment: %s", got.Status)
	}
	for name, orderName := range map[string]string{"korean": "토스 티셔츠", "an escaped U+FFFD": `T\ufffd`, "a literal U+FFFD": "T\uFFFD", "a surrogate pair": `T\ud83d\ude00`} {
		resp, b := e.raw("POST", "/v1/payments", create("order-utf8-"+fmt.Sprint(len(name)+20), orderName), "Idempotency-Key", "ok-"+fmt.Sprint(len(name)))
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", name, resp.StatusCode, b)
		}
	}
}

// TestIdempotencyKeyBytes: a key the server sees with a tab, a byte over
// 0x7E or sent twice is refused with 400 INVALID_IDEMPOTENCY_KEY as JSON,
// and nothing is stored. net/http refuses the control characters other
// than tab itself, before any handler, with its own plain-text 400: this
// test records that, as docs/reliability.md states it.
func TestIdempotencyKeyBytes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `{"method":"CARD","amount":1000,"orderId":"order-ikey-0001","orderName":"T","returnUrl":"https://shop.example/r"}`
	for name, key := range map[string]string{
		"a tab inside": "key\twith-tab",
		"0xFF":         "key\xff",
		"UTF-8 text":   "키-한글",
		"0x80":         "key\x80",
	} {
		resp, b := e.raw("POST", "/v1/payments", body, "Idempotency-Key", key)
		tossJSON(t, name, resp, b, 400, generated.ErrorCodeInvalidIdempotencyKey)
		e.nothingStored(name)
	}
	resp, b := e.raw("POST", "/v1/payments", body, "Idempotency-Key", "one", "Idempotency-Key", "two")
	tossJSON(t, "sent twice", resp, b, 400, generated.ErrorCodeInvalidIdempotencyKey)
	resp, b = e.raw("POST", "/v1/payments", body, "Idempotency-Key", strings.Repeat("k", 301))
	tossJSON(t, "301 characters", resp, b, 400, generated.ErrorCodeInvalidIdempotencyKey)
	e.nothingStored("sent twice, too long")

	// What net/http refuses before the handler runs.
	for _, c := range []byte{0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1f, 0x7f} {
		resp, b := e.raw("POST", "/v1/payments", body, "Idempotency-Key", "key"+string(c)+"x")
		if resp.StatusCode != 400 || resp.Header.Get(sandbox.TraceHeader) != "" {
			t.Errorf("0x%02X: net/http answered %d %q (trace %q); docs/reliability.md says it refuses the header itself", c, resp.StatusCode, b, resp.Header.Get(sandbox.TraceHeader))
		}
	}
	e.nothingStored("control characters")

	// A key with a space is printable ASCII, and taken.
	if resp, b := e.raw("POST", "/v1/payments", body, "Idempotency-Key", "key with spaces"); resp.StatusCode != 200 {
		t.Errorf("a key with spaces: %d %s", resp.StatusCode, b)
	}
}
