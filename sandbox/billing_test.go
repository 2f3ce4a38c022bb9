package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

const (
	billingCustomer = "cus-billing-2024-0001"
	successURL      = "http://shop.test/billing/success?plan=monthly"
	failURL         = "http://shop.test/billing/fail"
)

// registerCard posts the card-registration page's form and returns the
// redirect's URL.
func (e *env) registerCard(customerKey, result, card string, headers ...string) (*http.Response, *url.URL) {
	e.t.Helper()
	form := url.Values{"customerKey": {customerKey}, "successUrl": {successURL}, "failUrl": {failURL}, "result": {result}, "card": {card}}
	req, _ := http.NewRequest("POST", e.srv.URL+"/sandbox/billing/auth", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	return resp, loc
}

// authKey registers the approving card for customerKey and returns the
// authKey the page sent to the successUrl.
func (e *env) authKey(customerKey string) string {
	e.t.Helper()
	resp, loc := e.registerCard(customerKey, "approve", "")
	if resp.StatusCode != http.StatusSeeOther || loc == nil || !strings.HasPrefix(loc.String(), "http://shop.test/billing/success?") {
		e.t.Fatalf("registration: %d to %v", resp.StatusCode, loc)
	}
	q := loc.Query()
	if q.Get("customerKey") != customerKey || q.Get("plan") != "monthly" || !regexp.MustCompile(`^e_[0-9A-F]{32}$`).MatchString(q.Get("authKey")) {
		e.t.Fatalf("successUrl query %v", q)
	}
	return q.Get("authKey")
}

// billing expects a 200 Billing.
func (e *env) billing(method, path string, body any, headers ...string) generated.Billing {
	e.t.Helper()
	return answer200[generated.Billing](e, method, path, body, headers...)
}

func chargeBody(customerKey, orderID string, amount int) map[string]any {
	return map[string]any{"customerKey": customerKey, "amount": amount, "orderId": orderID, "orderName": "Monthly plan"}
}

func issueCardBody(customerKey, card string) map[string]any {
	return map[string]any{"customerKey": customerKey, "cardNumber": card, "cardExpirationYear": "29", "cardExpirationMonth": "07", "customerIdentityNumber": "881212"}
}

// TestBillingSubscription: the whole flow over HTTP, every answer checked
// against the spec by the env's middleware. The page hands an authKey to
// the successUrl; it issues one key, once, and only for its customerKey;
// charges are BILLING payments, DONE with no webhook; a cancel is announced;
// the removal sends BILLING_DELETED and the key charges no more.
func TestBillingSubscription(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	e := hooked(t)
	e.register(rc.srv.URL)

	page, body := e.do("GET", "/sandbox/billing/auth?"+url.Values{"customerKey": {billingCustomer}, "successUrl": {successURL}, "failUrl": {failURL}}.Encode(), nil)
	csp := page.Header.Get("Content-Security-Policy")
	if page.StatusCode != 200 || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' http://shop.test http://shop.test") ||
		!strings.Contains(csp, "frame-ancestors 'none'") || page.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("page: %d, CSP %q", page.StatusCode, csp)
	}
	if !strings.Contains(string(body), `<td>cus****01</td>`) || !strings.Contains(string(body), `name="customerKey" value="cus-billing-2024-0001"`) {
		t.Errorf("the page shows the customerKey other than masked, or lacks its form field:\n%s", body)
	}

	auth := e.authKey(billingCustomer)
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/billing/authorizations/issue", map[string]any{"authKey": auth, "customerKey": "cus-someone-else"})
	k := e.billing("POST", "/v1/billing/authorizations/issue", map[string]any{"authKey": auth, "customerKey": billingCustomer})
	if k.CustomerKey != billingCustomer || k.Card == nil || *k.Card.Number != "43301234****123*" || k.Method == nil || *k.Method != generated.PaymentMethodCardKo {
		t.Fatalf("billing %+v", k)
	}
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/billing/authorizations/issue", map[string]any{"authKey": auth, "customerKey": billingCustomer})

	path := "/v1/billing/" + url.PathEscape(k.BillingKey)
	e.clock.Advance(time.Minute)
	p := e.ok("POST", path, chargeBody(billingCustomer, "order-sub-2024-03", 4900))
	if p.Type != generated.PaymentTypeBilling || p.Status != generated.PaymentStatusDone || p.TotalAmount.String() != "4900" || p.Card == nil || p.Card.Number != "43301234****123*" || p.ApprovedAt == nil {
		t.Fatalf("charge: %+v", p)
	}
	if got := e.ok("GET", "/v1/payments/orders/order-sub-2024-03", nil); got.PaymentKey != p.PaymentKey || got.Type != generated.PaymentTypeBilling {
		t.Fatalf("look-up: %+v", got)
	}
	e.ok("POST", path, chargeBody(billingCustomer, "order-sub-2024-04", 4900))
	e.fails(400, generated.ErrorCodeNotMatchesCustomerKey, "POST", path, chargeBody("cus-someone-else", "order-sub-2024-05", 4900))
	e.fails(400, generated.ErrorCodeDuplicatedOrderID, "POST", path, chargeBody(billingCustomer, "order-sub-2024-04", 4900))
	e.fails(400, generated.ErrorCodeBelowMinimumAmount, "POST", path, chargeBody(billingCustomer, "order-sub-2024-05", 99))

	refund := e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", map[string]any{"cancelReason": "refund"})
	if refund.Status != generated.PaymentStatusCanceled || refund.Type != generated.PaymentTypeBilling {
		t.Fatalf("cancel: %+v", refund)
	}

	resp, b := e.do("DELETE", path, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	e.fails(400, generated.ErrorCodeInvalidBillKeyRequest, "POST", path, chargeBody(billingCustomer, "order-sub-2024-06", 4900))
	e.fails(404, generated.ErrorCodeNotFound, "DELETE", path, nil)
	for _, c := range e.sb.Calls(e.key, "") {
		if strings.Contains(c.Path, k.BillingKey) || strings.Contains(c.Path, url.PathEscape(k.BillingKey)) {
			t.Errorf("the call log holds the billing key: %s %s", c.Method, c.Path)
		}
	}

	ds := e.settle("two delivered", func(ds []sandbox.WebhookDelivery) bool {
		return len(ds) == 2 && ds[0].State == sandbox.WebhookDelivered && ds[1].State == sandbox.WebhookDelivered
	})
	if ds[0].EventType != sandbox.WebhookPaymentStatusChanged || ds[0].Status != generated.PaymentStatusCanceled || ds[0].OrderID != "order-sub-2024-03" {
		t.Errorf("first delivery: the cancel's, got %s %s %s (no webhook is sent for a charge's DONE)", ds[0].EventType, ds[0].Status, ds[0].OrderID)
	}
	if ds[1].EventType != "BILLING_DELETED" || ds[1].PaymentKey != "" {
		t.Fatalf("second delivery %s", ds[1].EventType)
	}
	var v map[string]any
	_ = json.Unmarshal(ds[1].Body, &v)
	if err := specDoc.Components.Schemas["BillingDeletedEvent"].Value.VisitJSON(v); err != nil {
		t.Errorf("BILLING_DELETED body does not match the spec: %v\n%s", err, ds[1].Body)
	}
	data, _ := v["data"].(map[string]any)
	if v["eventType"] != "BILLING_DELETED" || data["billingKey"] != k.BillingKey || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$`).MatchString(fmt.Sprint(v["createdAt"])) {
		t.Errorf("BILLING_DELETED body %s", ds[1].Body)
	}
}

// TestBillingDeclines: the reserved cards are refused at registration or
// issue, or issued with every charge declined, and a declined charge stores
// nothing.
func TestBillingDeclines(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.fails(400, generated.ErrorCodeInvalidStoppedCard, "POST", "/v1/billing/authorizations/card", issueCardBody(billingCustomer, "4000000000000036"))
	e.fails(400, generated.ErrorCodeInvalidRejectCard, "POST", "/v1/billing/authorizations/card", issueCardBody(billingCustomer, "4000000000009987"))
	e.fails(400, generated.ErrorCodeInvalidCardNumber, "POST", "/v1/billing/authorizations/card", issueCardBody(billingCustomer, "12345"))
	expired := issueCardBody(billingCustomer, "4330123412341234")
	expired["cardExpirationYear"] = "23"
	e.fails(400, generated.ErrorCodeInvalidCardExpiration, "POST", "/v1/billing/authorizations/card", expired)

	for card, code := range map[string]generated.ErrorCode{
		"4000000000009995": generated.ErrorCodeRejectCardPayment,
		"4000000000000002": generated.ErrorCodeRejectCardCompany,
		"4000000000000119": generated.ErrorCodeFailedCardCompanyResponse,
	} {
		k := e.billing("POST", "/v1/billing/authorizations/card", issueCardBody(billingCustomer, card))
		if strings.Contains(fmt.Sprint(k), card) {
			t.Errorf("the answer holds the card number: %+v", k)
		}
		status := 403
		if code == generated.ErrorCodeFailedCardCompanyResponse {
			status = 500
		}
		e.fails(status, code, "POST", "/v1/billing/"+url.PathEscape(k.BillingKey), chargeBody(billingCustomer, "order-declined-"+card[12:], 4900))
		e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/orders/order-declined-"+card[12:], nil)
	}

	resp, loc := e.registerCard(billingCustomer, "approve", "4000000000000036")
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/billing/fail" || loc.Query().Get("code") != "INVALID_STOPPED_CARD" || loc.Query().Get("message") == "" {
		t.Fatalf("registration of a stopped card: %d to %v", resp.StatusCode, loc)
	}
	resp, loc = e.registerCard(billingCustomer, "close", "")
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/billing/fail" || loc.Query().Get("code") != "PAY_PROCESS_CANCELED" {
		t.Fatalf("closed window: %d to %v", resp.StatusCode, loc)
	}
}

// TestBillingKeysBelongToTheirSecretKey: another secret key can neither
// charge nor remove a key, and sees none of them.
func TestBillingKeysBelongToTheirSecretKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	k := e.billing("POST", "/v1/billing/authorizations/card", issueCardBody(billingCustomer, "4330123412341234"))
	path := "/v1/billing/" + url.PathEscape(k.BillingKey)
	other := "test_sk_otherTenant0000000000000"
	e.fails(400, generated.ErrorCodeInvalidBillKeyRequest, "POST", path, chargeBody(billingCustomer, "order-other-0001", 1000), "Authorization", basic(other))
	e.fails(404, generated.ErrorCodeNotFound, "DELETE", path, nil, "Authorization", basic(other))
	e.ok("POST", path, chargeBody(billingCustomer, "order-mine-0001", 1000))
	if got := e.sb.BillingKeys(other); len(got) != 0 {
		t.Errorf("the other key holds %d billing keys", len(got))
	}
	if got := e.sb.BillingKeys(e.key); len(got) != 1 || got[0].BillingKey != k.BillingKey {
		t.Errorf("billing keys %+v", got)
	}
}

// TestBillingAuthKeyExpires: an authKey unused for the window issues nothing.
func TestBillingAuthKeyExpires(t *testing.T) {
	t.Parallel()
	e := setup(t)
	auth := e.authKey(billingCustomer)
	e.clock.Advance(11 * time.Minute)
	e.fails(400, generated.ErrorCodeInvalidRequest, "POST", "/v1/billing/authorizations/issue", map[string]any{"authKey": auth, "customerKey": billingCustomer})
}

// TestBillingPageRefuses: a cross-site form, a malformed customerKey or URL,
// another method.
func TestBillingPageRefuses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if resp, _ := e.registerCard(billingCustomer, "approve", "", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", resp.StatusCode)
	}
	if resp, _ := e.registerCard("a", "approve", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("one-character customerKey: %d", resp.StatusCode)
	}
	for _, q := range []url.Values{
		{"customerKey": {billingCustomer}, "successUrl": {"javascript:alert(1)"}, "failUrl": {failURL}},
		{"customerKey": {billingCustomer}, "successUrl": {successURL}, "failUrl": {"/relative"}},
		{"customerKey": {"has space"}, "successUrl": {successURL}, "failUrl": {failURL}},
	} {
		if resp, _ := e.do("GET", "/sandbox/billing/auth?"+q.Encode(), nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %v: %d", q, resp.StatusCode)
		}
	}
	if resp, _ := e.do("PUT", "/sandbox/billing/auth", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d", resp.StatusCode)
	}
}

// TestBillingKeysBounded: a secret key keeps at most as many billing keys as
// payments; past it its oldest keys are forgotten.
func TestBillingKeysBounded(t *testing.T) {
	t.Parallel()
	e := setup(t, sandbox.WithMaxPayments(3))
	var keys []string
	for range 5 {
		keys = append(keys, e.billing("POST", "/v1/billing/authorizations/card", issueCardBody(billingCustomer, "4330123412341234")).BillingKey)
	}
	if got := e.sb.BillingKeys(e.key); len(got) != 3 || got[0].BillingKey != keys[4] || got[2].BillingKey != keys[2] {
		t.Fatalf("kept %d keys", len(got))
	}
	e.fails(400, generated.ErrorCodeInvalidBillKeyRequest, "POST", "/v1/billing/"+url.PathEscape(keys[0]), chargeBody(billingCustomer, "order-forgot-0001", 1000))
}

// TestBillingSecretsUnpredictable: the authKey (which any secret key may
// exchange, with its customerKey, for the card) and the billing key are
// drawn from crypto/rand, not from the seed, which the banner prints and
// tests and CI runs fix: two sandboxes of one seed give different ones.
func TestBillingSecretsUnpredictable(t *testing.T) {
	t.Parallel()
	a, b := setup(t), setup(t) // both WithSeed(1)
	if ka, kb := a.authKey(billingCustomer), b.authKey(billingCustomer); ka == kb {
		t.Errorf("two sandboxes of one seed handed out the same authKey %.6s…", ka)
	}
	ka := a.billing("POST", "/v1/billing/authorizations/card", issueCardBody(billingCustomer, "4330123412341234")).BillingKey
	kb := b.billing("POST", "/v1/billing/authorizations/card", issueCardBody(billingCustomer, "4330123412341234")).BillingKey
	if ka == kb {
		t.Errorf("two sandboxes of one seed issued the same billing key %.6s…", ka)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}=$`).MatchString(ka) {
		t.Errorf("billing key %.6s… is not the URL-safe base64 of 32 bytes", ka)
	}
}

// TestBillingAuthKeyIssuesOnceAtOnce: one authKey sent by many callers at
// once, of two secret keys, issues one billing key (run with -race).
func TestBillingAuthKeyIssuesOnceAtOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	auth := e.authKey(billingCustomer)
	const other = "test_sk_otherTenant0000000000000"
	var wg sync.WaitGroup
	statuses := make(chan int, 16)
	for i := range 16 {
		key := e.key
		if i%2 == 1 {
			key = other
		}
		wg.Go(func() {
			body := strings.NewReader(`{"authKey":"` + auth + `","customerKey":"` + billingCustomer + `"}`)
			req, _ := http.NewRequest("POST", e.srv.URL+"/v1/billing/authorizations/issue", body)
			req.Header.Set("Authorization", basic(key))
			req.Header.Set("Content-Type", "application/json")
			resp, err := e.hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	issued := 0
	for s := range statuses {
		switch s {
		case http.StatusOK:
			issued++
		case http.StatusBadRequest:
		default:
			t.Errorf("status %d", s)
		}
	}
	if keys := len(e.sb.BillingKeys(e.key)) + len(e.sb.BillingKeys(other)); issued != 1 || keys != 1 {
		t.Errorf("%d answers 200 and %d billing keys, want one of each", issued, keys)
	}
}
