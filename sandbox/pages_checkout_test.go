package sandbox_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// postForm posts form to u with headers (name, value, …) and returns the
// answer's status and body.
func (e *env) postForm(u string, form url.Values, headers ...string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The checkout, receipt and error pages load nothing from elsewhere, cannot
// be framed (clickjacking an approval) nor sniffed as another type.
func TestCheckoutPagesHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ready := e.ok("POST", "/v1/payments", createBody("order-page-hdr1", 1000))
	keyed := e.ok("POST", "/v1/payments/key-in", keyInBody("order-page-hdr2", 1000, "4330123412341234"))
	for name, u := range map[string]string{
		"checkout": *ready.Checkout.URL,
		"receipt":  *keyed.Receipt.URL,
		"error":    e.srv.URL + "/sandbox/checkout/nosuchpayment",
	} {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := e.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q; want default-src 'none' and frame-ancestors 'none'", name, csp)
		}
		if strings.Contains(csp, "form-action") {
			t.Errorf("%s: Content-Security-Policy %q: form-action would block the redirect to the returnUrl", name, csp)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", name, got)
		}
	}
}

// A page of another site cannot post the customer's decision; the checkout
// page itself (same origin) and a client without browser headers can.
func TestCheckoutPostOriginCheck(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.ok("POST", "/v1/payments", createBody("order-page-orig", 1000))
	approve := url.Values{"result": {"approve"}}
	for name, h := range map[string][]string{
		"cross-site fetch metadata": {"Sec-Fetch-Site", "cross-site"},
		"another origin":            {"Origin", "http://evil.example"},
	} {
		if st, body := e.postForm(*p.Checkout.URL, approve, h...); st != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", name, st, body)
		}
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusReady {
		t.Fatalf("a refused cross-origin post changed the payment: %s", got.Status)
	}
	if st, body := e.postForm(*p.Checkout.URL, approve, "Sec-Fetch-Site", "same-origin"); st != http.StatusSeeOther {
		t.Fatalf("same-origin approval: %d %s", st, body)
	}
}

// The checkout form refuses a customerName that is not UTF-8 text or holds
// a NUL, and stores nothing; a Korean name is taken.
func TestCheckoutCustomerNameText(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := e.ok("POST", "/v1/payments", vaCreateBody("order-page-name", 10000))
	for name, v := range map[string]string{
		"invalid UTF-8": "Kim\xff\xfe",
		"NUL":           "Kim\x00Lee",
	} {
		st, body := e.postForm(*p.Checkout.URL, url.Values{"result": {"approve"}, "bank": {"88"}, "customerName": {v}})
		if st != http.StatusBadRequest || !strings.Contains(body, "INVALID_REQUEST") || !strings.Contains(body, "customerName") {
			t.Errorf("%s: %d %s; want 400 INVALID_REQUEST naming customerName", name, st, body)
		}
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusReady {
		t.Fatalf("a refused name changed the payment: %s", got.Status)
	}
	if st, body := e.postForm(*p.Checkout.URL, url.Values{"result": {"approve"}, "bank": {"88"}, "customerName": {"박토스"}}); st != http.StatusSeeOther {
		t.Fatalf("a Korean name: %d %s", st, body)
	}
}

// The sales slip shows Korean time, as the other pages do.
func TestReceiptShowsKST(t *testing.T) {
	t.Parallel()
	e := setup(t) // the fake clock reads UTC
	keyed := e.ok("POST", "/v1/payments/key-in", keyInBody("order-page-kst1", 1000, "4330123412341234"))
	resp, err := e.hc.Get(*keyed.Receipt.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := t0.In(tosstime.Seoul).Format("2006-01-02 15:04:05") + " KST"
	if !strings.Contains(string(b), want) {
		t.Errorf("receipt does not show %q:\n%s", want, b)
	}
}
