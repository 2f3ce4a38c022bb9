package contracttests

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestSandboxBillingAnswersFollowTheSpec walks the billing story against an
// in-process sandbox (in Korean and in English) and holds every answer, the
// successes and each error the sandbox gives, to the spec with both
// validators (kin-openapi and libopenapi), its code to the operation's
// x-toss-error-codes for that status, and the BILLING_DELETED body to its
// schema with both.
func TestSandboxBillingAnswersFollowTheSpec(t *testing.T) {
	t.Parallel()
	sb, srv, _ := sandboxWithWebhookSink(t, sandbox.WithSeed(3))
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(sandbox.TestSecretKey+":"))
	send := func(method, path, lang string, body any) (*http.Response, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			rd = bytes.NewReader(j)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	seen := map[string]bool{}
	// expect sends a request, wants status (and code, for an error), and
	// validates the answer with both validators.
	expect := func(op string, status int, code, method, path, lang string, body any) []byte {
		t.Helper()
		resp, b := send(method, path, lang, body)
		var e struct{ Code string }
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode != status || e.Code != code {
			t.Fatalf("%s %s: %d %s, want %d %s: %s", method, path, resp.StatusCode, e.Code, status, code, b)
		}
		v := validateResponseBoth(t, op, resp.StatusCode, resp.Header, b)
		if v.Kin != nil || v.Lib != nil {
			t.Errorf("%s %d %s breaks the spec: kin %v; libopenapi %v\n%s", op, status, code, v.Kin, v.Lib, b)
		}
		if code != "" && !documentedCode(t, op, status, code) {
			t.Errorf("%s: %d %s is not in that response's x-toss-error-codes", op, status, code)
		}
		seen[op] = true
		return b
	}
	const customer = "cus-contract-billing-01"
	card := func(number string) map[string]any {
		return map[string]any{"customerKey": customer, "cardNumber": number, "cardExpirationYear": "39", "cardExpirationMonth": "07", "customerIdentityNumber": "881212"}
	}
	charge := func(orderID string, amount int) map[string]any {
		return map[string]any{"customerKey": customer, "amount": amount, "orderId": orderID, "orderName": "Monthly plan"}
	}
	for _, lang := range []string{"", "en-US"} {
		form := url.Values{"customerKey": {customer}, "successUrl": {"http://shop.test/ok"}, "failUrl": {"http://shop.test/fail"}, "result": {"approve"}}
		resp, err := hc.PostForm(srv.URL+"/sandbox/billing/auth", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil || loc.Query().Get("authKey") == "" {
			t.Fatalf("registration: %d %v", resp.StatusCode, err)
		}
		issue := map[string]string{"authKey": loc.Query().Get("authKey"), "customerKey": customer}
		expect("issueBillingKey", 200, "", "POST", "/v1/billing/authorizations/issue", lang, issue)
		expect("issueBillingKey", 400, "INVALID_REQUEST", "POST", "/v1/billing/authorizations/issue", lang, issue)

		var k struct{ BillingKey string }
		_ = json.Unmarshal(expect("issueBillingKeyWithCard", 200, "", "POST", "/v1/billing/authorizations/card", lang, card("4330123412341234")), &k)
		expect("issueBillingKeyWithCard", 400, "INVALID_STOPPED_CARD", "POST", "/v1/billing/authorizations/card", lang, card("4000000000000036"))
		expect("issueBillingKeyWithCard", 400, "INVALID_CARD_NUMBER", "POST", "/v1/billing/authorizations/card", lang, card("12345"))

		path := "/v1/billing/" + url.PathEscape(k.BillingKey)
		order := "order-contract-" + strings.ReplaceAll(lang, "-", "") + "01"
		expect("chargeBillingKey", 200, "", "POST", path, lang, charge(order, 4900))
		expect("chargeBillingKey", 400, "DUPLICATED_ORDER_ID", "POST", path, lang, charge(order, 4900))
		other := charge(order+"x", 4900)
		other["customerKey"] = "cus-someone-else"
		expect("chargeBillingKey", 400, "NOT_MATCHES_CUSTOMER_KEY", "POST", path, lang, other)
		expect("chargeBillingKey", 400, "BELOW_MINIMUM_AMOUNT", "POST", path, lang, charge(order+"y", 10))
		for number, want := range map[string][2]any{"4000000000009995": {403, "REJECT_CARD_PAYMENT"}, "4000000000000119": {500, "FAILED_CARD_COMPANY_RESPONSE"}} {
			var d struct{ BillingKey string }
			_ = json.Unmarshal(expect("issueBillingKeyWithCard", 200, "", "POST", "/v1/billing/authorizations/card", lang, card(number)), &d)
			expect("chargeBillingKey", want[0].(int), want[1].(string), "POST", "/v1/billing/"+url.PathEscape(d.BillingKey), lang, charge(order+"z", 4900))
		}
		expect("deleteBillingKey", 200, "", "DELETE", path, lang, nil)
		expect("deleteBillingKey", 404, "NOT_FOUND", "DELETE", path, lang, nil)
		expect("chargeBillingKey", 400, "INVALID_BILL_KEY_REQUEST", "POST", path, lang, charge(order+"w", 4900))
	}
	if documentedCode(t, "deleteBillingKey", 404, "NOT_FOUND_PAYMENT") || documentedCode(t, "chargeBillingKey", 403, "NOT_MATCHES_CUSTOMER_KEY") {
		t.Error("documentedCode accepts a code the spec does not list for that status")
	}
	for _, op := range []string{"issueBillingKey", "issueBillingKeyWithCard", "chargeBillingKey", "deleteBillingKey"} {
		if !seen[op] {
			t.Errorf("no answer of %s was checked", op)
		}
	}

	var deleted []sandbox.WebhookDelivery
	for i := 0; len(deleted) < 2; i++ {
		if i > 2000 {
			t.Fatalf("the two BILLING_DELETED deliveries never came: %d", len(deleted))
		}
		time.Sleep(5 * time.Millisecond)
		deleted = deleted[:0]
		for _, d := range sb.WebhookDeliveries(sandbox.TestSecretKey, "") {
			if d.EventType == "BILLING_DELETED" && d.State == sandbox.WebhookDelivered {
				deleted = append(deleted, d)
			}
		}
	}
	for _, d := range deleted {
		if v := validateSchemaBoth(t, "BillingDeletedEvent", d.Body); v.Kin != nil || v.Lib != nil {
			t.Errorf("BILLING_DELETED breaks BillingDeletedEvent: kin %v; libopenapi %v\n%s", v.Kin, v.Lib, d.Body)
		}
	}
}

// documentedCode reports whether the spec lists code for status of op.
func documentedCode(t *testing.T, op string, status int, code string) bool {
	t.Helper()
	resp := operationByID(t, op).Op.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return false
	}
	codes, _ := resp.Value.Extensions["x-toss-error-codes"].([]any)
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}
