package sandbox_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

const keyB = "test_sk_otherTenantKey000000000"

// browser is a client with a cookie jar that does not follow redirects,
// signed in to the dashboard as one key.
type browser struct {
	t  *testing.T
	e  *env
	hc *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, hc: &http.Client{
		Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signIn returns a browser signed in as key.
func (e *env) signIn(key string) *browser {
	e.t.Helper()
	b := e.browser()
	resp, body := b.post("/sandbox/dashboard/login", url.Values{"secretKey": {key}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sandbox/dashboard" {
		e.t.Fatalf("sign in: %d %s: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return b
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	req.Header.Set("Accept", "text/html")
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the signed-in dashboard.
func (b *browser) csrf() string {
	b.t.Helper()
	_, body := b.get("/sandbox/dashboard")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no CSRF token on the dashboard:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

func paymentPath(pk string) string { return "/sandbox/dashboard/payments/" + pk }

func TestDashboardLogin(t *testing.T) {
	e := setup(t)
	b := e.browser()

	resp, _ := b.get("/sandbox/dashboard")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sandbox/dashboard/login" {
		t.Fatalf("signed out: %d %q, want 303 to the login form", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.get("/sandbox/dashboard/login")
	if resp.StatusCode != 200 || !strings.Contains(body, `<label for="secretKey">`) || !strings.Contains(body, `type="password"`) {
		t.Fatalf("login form: %d\n%s", resp.StatusCode, body)
	}
	for _, bad := range []string{"", "live_sk_abcdefgh", "test_ck_abcdefgh", "sk_nothing", "test_sk_" + strings.Repeat("x", 300)} {
		resp, body := b.post("/sandbox/dashboard/login", url.Values{"secretKey": {bad}})
		if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 || !strings.Contains(body, `role="alert"`) {
			t.Errorf("key %.20q: %d, cookies %v, want 401 with the form and no cookie", bad, resp.StatusCode, resp.Cookies())
		}
		if bad != "" && strings.Contains(body, bad) {
			t.Errorf("key %.20q is echoed in the page", bad)
		}
	}

	resp, _ = b.post("/sandbox/dashboard/login", url.Values{"secretKey": {e.key}})
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("login: %d, cookies %v", resp.StatusCode, cookies)
	}
	c := cookies[0]
	if strings.Contains(c.Value, e.key) || strings.Contains(c.Value, e.key[8:]) || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/sandbox/" {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path /sandbox/, and not the key", c)
	}
	resp, body = b.get("/sandbox/dashboard")
	if resp.StatusCode != 200 || strings.Contains(body, e.key) || !strings.Contains(body, e.key[:12]+"…") {
		t.Errorf("dashboard: %d; it should name the key shortened, never whole", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q: want default-src 'none' (no external assets)", csp)
	}

	// Signing out forgets the session: the same cookie no longer works.
	resp, _ = b.post("/sandbox/dashboard/logout", url.Values{"csrf": {b.csrf()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	old := e.browser()
	u, _ := url.Parse(e.srv.URL + "/sandbox/")
	old.hc.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/sandbox/"}})
	if resp, _ := old.get("/sandbox/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out session still reads the dashboard: %d", resp.StatusCode)
	}
	// A cookie no login made is no session either.
	forged := e.browser()
	forged.hc.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: e.key, Path: "/sandbox/"}})
	if resp, _ := forged.get("/sandbox/dashboard"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a cookie holding the key itself reads the dashboard: %d", resp.StatusCode)
	}
}

func TestDashboardLoginHonoursAllowList(t *testing.T) {
	e := setup(t, sandbox.WithAllowedKeys(sandbox.TestSecretKey))
	resp, _ := e.browser().post("/sandbox/dashboard/login", url.Values{"secretKey": {keyB}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a key off the allow-list signs in: %d", resp.StatusCode)
	}
	e.signIn(sandbox.TestSecretKey)
}

func TestDashboardEscapes(t *testing.T) {
	e := setup(t)
	const evil = `<script>alert("x")</script>&"'`
	body := createBody("order-escape-1", 1000)
	body["orderName"] = evil
	p := e.ok("POST", "/v1/payments", body)
	b := e.signIn(e.key)

	pages := map[string]string{}
	_, pages["list"] = b.get("/sandbox/dashboard")
	_, pages["payment"] = b.get(paymentPath(p.PaymentKey))
	_, pages["filter"] = b.get("/sandbox/dashboard?orderId=" + url.QueryEscape(evil) + "&status=" + url.QueryEscape(`"><script>x()</script>`))
	resp, checkout := b.get("/sandbox/checkout/" + p.PaymentKey)
	if resp.StatusCode != 200 {
		t.Fatalf("checkout: %d", resp.StatusCode)
	}
	pages["checkout"] = checkout
	for name, page := range pages {
		if strings.Contains(withoutLiveScript(page), "<script") {
			t.Errorf("%s page holds a raw <script>:\n%s", name, page)
		}
	}
	for _, name := range []string{"list", "payment", "checkout"} {
		if !strings.Contains(pages[name], "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&#34;&#39;") {
			t.Errorf("%s page does not show the order name escaped:\n%s", name, pages[name])
		}
	}
	if !strings.Contains(pages["filter"], `value="&lt;script&gt;`) {
		t.Errorf("the filter does not echo its orderId escaped:\n%s", pages["filter"])
	}
}

func TestDashboardFilters(t *testing.T) {
	e := setup(t)
	e.ok("POST", "/v1/payments", createBody("shirt-0001", 1000)) // READY
	e.clock.Advance(time.Second)
	e.paid("shirt-0002", 2000) // DONE
	e.clock.Advance(time.Second)
	e.paid("mug-0003", 3000) // DONE
	e.clock.Advance(time.Second)
	p4 := e.ok("POST", "/v1/payments", createBody("mug-0004", 4000))
	e.checkout(p4, "fail") // ABORTED
	b := e.signIn(e.key)

	rowOrder := regexp.MustCompile(`<td><a href="/sandbox/dashboard/payments/[^"]+">([^<]+)</a></td>`)
	orders := func(query string) []string {
		t.Helper()
		resp, body := b.get("/sandbox/dashboard" + query)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", query, resp.StatusCode)
		}
		var out []string
		for _, m := range rowOrder.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"mug-0004", "mug-0003", "shirt-0002", "shirt-0001"}}, // newest first
		{"?orderId=shirt", []string{"shirt-0002", "shirt-0001"}},
		{"?orderId=0003", []string{"mug-0003"}},
		{"?status=DONE", []string{"mug-0003", "shirt-0002"}},
		{"?status=ABORTED", []string{"mug-0004"}},
		{"?status=READY&orderId=shirt", []string{"shirt-0001"}},
		{"?status=CANCELED", nil},
		{"?orderId=nothing-like-it", nil},
	} {
		if got := orders(c.query); !slices.Equal(got, c.want) {
			t.Errorf("dashboard%s: %v, want %v", c.query, got, c.want)
		}
	}
	if _, body := b.get("/sandbox/dashboard?status=DONE"); !strings.Contains(body, `<option value="DONE" selected>`) {
		t.Error("the status filter does not show its choice")
	}
}

// TestDashboardIsolation: key B, signed in, cannot see or act on key A's
// payment through any dashboard URL, and A's timeline shows nothing B did.
func TestDashboardIsolation(t *testing.T) {
	e := setup(t)
	pa := e.ok("POST", "/v1/payments", createBody("order-of-a-1", 1000))
	done := e.paid("order-of-a-2", 2000)

	// B pokes at A's payment through the API: not found, and logged as B's.
	eb := *e
	eb.key = keyB
	eb.fails(404, generated.ErrorCodeNotFoundPayment, "GET", "/v1/payments/"+pa.PaymentKey, nil)
	own := eb.ok("POST", "/v1/payments", createBody("order-of-b-1", 3000))

	b := e.signIn(keyB)
	csrf := b.csrf()
	_, list := b.get("/sandbox/dashboard")
	if strings.Contains(list, "order-of-a") || !strings.Contains(list, "order-of-b-1") {
		t.Errorf("B's list shows A's orders, or not B's own:\n%s", list)
	}
	if strings.Contains(list, `href="/sandbox/dashboard/payments/`+pa.PaymentKey+`"`) {
		t.Error("B's recent calls link to A's payment")
	}
	for _, q := range []string{"?orderId=order-of-a", "?status=READY", "?status=DONE"} {
		if _, body := b.get("/sandbox/dashboard" + q); strings.Contains(body, "order-of-a-") {
			t.Errorf("B's dashboard%s shows A's orders", q)
		}
	}
	for _, pk := range []string{pa.PaymentKey, done.PaymentKey} {
		if resp, body := b.get(paymentPath(pk)); resp.StatusCode != 404 || strings.Contains(body, "order-of-a") {
			t.Errorf("B reads A's payment page: %d", resp.StatusCode)
		}
		for _, action := range []string{"approve", "fail"} {
			resp, _ := b.post(paymentPath(pk)+"/"+action, url.Values{"csrf": {csrf}, "code": {sandbox.FailRejectCardCompany}})
			if resp.StatusCode != 404 {
				t.Errorf("B's %s on A's payment: %d, want 404", action, resp.StatusCode)
			}
		}
	}
	if got := e.ok("GET", "/v1/payments/"+pa.PaymentKey, nil); got.Status != generated.PaymentStatusReady {
		t.Errorf("A's payment is %s after B's buttons, want READY", got.Status)
	}
	// B's own payment works, so the 404s above are about ownership.
	if resp, _ := b.get(paymentPath(own.PaymentKey)); resp.StatusCode != 200 {
		t.Errorf("B's own payment page: %d", resp.StatusCode)
	}
	if resp, _ := b.post(paymentPath(own.PaymentKey)+"/approve", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("B approving its own payment: %d", resp.StatusCode)
	}

	// A sees its payments and none of B's calls.
	a := e.signIn(e.key)
	_, aList := a.get("/sandbox/dashboard")
	if !strings.Contains(aList, "order-of-a-1") || strings.Contains(aList, "order-of-b") {
		t.Errorf("A's list:\n%s", aList)
	}
	tl, ok := e.sb.PaymentTimeline(e.key, pa.PaymentKey)
	if !ok {
		t.Fatal("A's timeline: no payment")
	}
	for _, en := range tl {
		if strings.Contains(en.Summary, "404") || strings.Contains(en.Summary, "dashboard button") {
			t.Errorf("A's timeline shows B's call or click: %s", en.Summary)
		}
	}
	if _, ok := e.sb.PaymentTimeline(keyB, pa.PaymentKey); ok {
		t.Error("PaymentTimeline gives B A's payment")
	}
}

func TestDashboardCSRF(t *testing.T) {
	e := setup(t)
	p := e.ok("POST", "/v1/payments", createBody("order-csrf-1", 1000))
	b := e.signIn(e.key)
	csrf := b.csrf()
	other := e.signIn(keyB).csrf()
	approve := paymentPath(p.PaymentKey) + "/approve"

	for _, c := range []struct {
		name    string
		form    url.Values
		headers []string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf": {"AAAA"}}, nil},
		{"another session's token", url.Values{"csrf": {other}}, nil},
		{"cross-site fetch", url.Values{"csrf": {csrf}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"foreign Origin", url.Values{"csrf": {csrf}}, []string{"Origin", "http://evil.example"}},
	} {
		resp, _ := b.post(approve, c.form, c.headers...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", c.name, resp.StatusCode)
		}
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusReady {
		t.Fatalf("a refused POST changed the payment: %s", got.Status)
	}
	// Without a session, a POST is refused before anything else.
	if resp, _ := e.browser().post(approve, url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no session: %d, want 401", resp.StatusCode)
	}
	// Logging out and logging in are CSRF-guarded too.
	if resp, _ := b.post("/sandbox/dashboard/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.browser().post("/sandbox/dashboard/login", url.Values{"secretKey": {e.key}}, "Origin", "http://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin login: %d, want 403", resp.StatusCode)
	}
	// The right token, same origin: done.
	resp, _ := b.post(approve, url.Values{"csrf": {csrf}}, "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve with the token: %d", resp.StatusCode)
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusInProgress {
		t.Errorf("after the approve button: %s, want IN_PROGRESS", got.Status)
	}
}

func TestDashboardButtons(t *testing.T) {
	e := setup(t)
	p := e.ok("POST", "/v1/payments", createBody("order-button-1", 1000))
	b := e.signIn(e.key)
	_, page := b.get(paymentPath(p.PaymentKey))
	for _, want := range []string{`action="/sandbox/dashboard/payments/` + p.PaymentKey + `/approve"`, `/fail"`, `<label for="code-fail">`, sandbox.FailRejectCardCompany} {
		if !strings.Contains(page, want) {
			t.Errorf("the READY payment's page lacks %q", want)
		}
	}
	resp, _ := b.post(paymentPath(p.PaymentKey)+"/fail", url.Values{"csrf": {b.csrf()}, "code": {sandbox.FailRejectCardCompany}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("fail button: %d", resp.StatusCode)
	}
	got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
	if got.Status != generated.PaymentStatusAborted || got.Failure == nil || *got.Failure.Code != sandbox.FailRejectCardCompany {
		t.Fatalf("after the fail button: %s %+v", got.Status, got.Failure)
	}
	_, page = b.get(resp.Header.Get("Location"))
	if strings.Contains(page, "/approve\"") || !strings.Contains(page, "Done: Fail the checkout.") {
		t.Errorf("an ABORTED payment still offers approve, or the notice is missing:\n%s", page)
	}
	// Acting twice is the rule's refusal, shown as a page.
	resp, body := b.post(paymentPath(p.PaymentKey)+"/approve", url.Values{"csrf": {b.csrf()}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, string(generated.ErrorCodeAlreadyProcessedPayment)) {
		t.Errorf("approve after fail: %d\n%s", resp.StatusCode, body)
	}
	tl, _ := e.sb.PaymentTimeline(e.key, p.PaymentKey)
	var clicks []string
	for _, en := range tl {
		if en.Kind == "page" {
			clicks = append(clicks, en.Summary)
		}
	}
	if len(clicks) != 2 || !strings.Contains(clicks[0], "(dashboard button: fail with REJECT_CARD_COMPANY) → 303 See Other") ||
		!strings.Contains(clicks[1], "(dashboard button: approve) → 400 ALREADY_PROCESSED_PAYMENT") {
		t.Errorf("the timeline's clicks: %q", clicks)
	}
	if resp, _ := b.post(paymentPath(p.PaymentKey)+"/nothing", url.Values{"csrf": {b.csrf()}}); resp.StatusCode != 404 {
		t.Errorf("unknown action: %d", resp.StatusCode)
	}
	if resp, _ := b.get(paymentPath(p.PaymentKey) + "/approve"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on a button: %d, want 405", resp.StatusCode)
	}
}

// TestDashboardTimeline runs a flow with an idempotent replay and faults,
// and reads the payment's timeline, through PaymentTimeline and the page.
func TestDashboardTimeline(t *testing.T) {
	e := setup(t)
	const order = "order-timeline-1"
	p := e.ok("POST", "/v1/payments", createBody(order, 15000), "Idempotency-Key", "create-timeline-1")
	e.ok("POST", "/v1/payments", createBody(order, 15000), "Idempotency-Key", "create-timeline-1") // replay
	e.clock.Advance(time.Second)
	e.checkout(p, "approve")
	confirm := map[string]any{"paymentKey": p.PaymentKey, "orderId": order, "amount": 15000}
	e.fails(500, generated.ErrorCodeFailedInternalSystemProcessing, "POST", "/v1/payments/confirm", confirm, sandbox.FaultHeader, "error-before")
	e.ok("POST", "/v1/payments/confirm", confirm)
	e.clock.Advance(time.Second)

	// A partial cancel whose answer is dropped, then its retry, replayed.
	cancel := `{"cancelReason":"returned","cancelAmount":5000}`
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/payments/"+p.PaymentKey+"/cancel", strings.NewReader(cancel))
	req.Header.Set("Authorization", basic(e.key))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "cancel-timeline-1")
	req.Header.Set(sandbox.FaultHeader, sandbox.FaultDropAfterCommit)
	// A connection of its own: net/http retries a request with an
	// Idempotency-Key on a reused connection that closes, and that retry
	// would carry the fault again.
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	if resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("drop-after-commit answered %d", resp.StatusCode)
	}
	got := e.ok("POST", "/v1/payments/"+p.PaymentKey+"/cancel", cancel, "Idempotency-Key", "cancel-timeline-1")
	if got.BalanceAmount.String() != "10000" {
		t.Fatalf("balance %s after the replayed cancel", got.BalanceAmount)
	}
	e.fails(403, generated.ErrorCodeNotCancelableAmount, "POST", "/v1/payments/"+p.PaymentKey+"/cancel", `{"cancelReason":"too much","cancelAmount":99999}`)
	e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)

	tl, ok := e.sb.PaymentTimeline(e.key, p.PaymentKey)
	if !ok {
		t.Fatal("no timeline")
	}
	var lines []string
	for _, en := range tl {
		lines = append(lines, en.Kind+" "+en.Summary)
	}
	want := []string{
		`api POST /v1/payments (createPayment) → 200 OK; Idempotency-Key create-timeline-1`,
		`state created READY, 15000 KRW`,
		`replay POST /v1/payments (createPayment) → 200 OK, replayed from the idempotency cache; Idempotency-Key create-timeline-1`,
		`page POST /sandbox/checkout/` + p.PaymentKey + ` (checkout page: approve) → 303 See Other`,
		`state READY → IN_PROGRESS`,
		`fault fault error-before: answered 500, nothing processed`,
		`api POST /v1/payments/confirm (confirmPayment) → 500 FAILED_INTERNAL_SYSTEM_PROCESSING`,
		`api POST /v1/payments/confirm (confirmPayment) → 200 OK`,
		`state IN_PROGRESS → DONE; transaction `,
		`fault fault drop-after-commit: processed, then the connection was closed without an answer`,
		`api POST /v1/payments/` + p.PaymentKey + `/cancel (cancelPayment) → no answer: connection closed; Idempotency-Key cancel-timeline-1`,
		`cancel canceled 5000 KRW, DONE → PARTIAL_CANCELED; transaction `,
		`replay POST /v1/payments/` + p.PaymentKey + `/cancel (cancelPayment) → 200 OK, replayed from the idempotency cache; Idempotency-Key cancel-timeline-1`,
		`api POST /v1/payments/` + p.PaymentKey + `/cancel (cancelPayment) → 403 NOT_CANCELABLE_AMOUNT`,
		`api GET /v1/payments/` + p.PaymentKey + ` (getPayment) → 200 OK`,
	}
	if len(lines) != len(want) {
		t.Fatalf("timeline has %d entries, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("entry %d:\n got %s\nwant %s…", i, lines[i], want[i])
		}
	}
	failed := 0
	for _, en := range tl {
		if en.Failed {
			failed++
		}
	}
	if failed != 5 { // two faults, the 500, the dropped call, the 403
		t.Errorf("%d entries marked failed, want 5", failed)
	}

	b := e.signIn(e.key)
	_, page := b.get(paymentPath(p.PaymentKey))
	for _, w := range []string{`<td id="status">PARTIAL_CANCELED</td>`, `<td class="kind">fault (failed)</td>`, "replayed from the idempotency cache", "fault drop-after-commit", "canceled 5000 KRW", "403 NOT_CANCELABLE_AMOUNT", "trace sbx"} {
		if !strings.Contains(page, w) {
			t.Errorf("the payment page lacks %q", w)
		}
	}
}

// TestCallLogKeepsNoSecrets: card numbers, the payment's secret and the
// secret key reach neither the call log nor the pages.
func TestCallLogKeepsNoSecrets(t *testing.T) {
	e := setup(t)
	const card = "4111222233334444"
	p := e.ok("POST", "/v1/payments/key-in", keyInBody("order-secret-1", 1000, card))
	e.fails(403, generated.ErrorCodeRejectCardCompany, "POST", "/v1/payments/key-in", keyInBody("order-secret-2", 1000, "4000000000000002"))
	b := e.signIn(e.key)
	_, list := b.get("/sandbox/dashboard")
	_, page := b.get(paymentPath(p.PaymentKey))
	for _, c := range e.sb.Calls(e.key, "") {
		page += c.Path + c.IdempotencyKey + c.Code + c.OrderID + c.PaymentKey
	}
	for _, secret := range []string{card, "4000000000000002", *p.Secret, e.key} {
		if strings.Contains(list+page, secret) {
			t.Errorf("%.6s… reaches the dashboard or the call log", secret)
		}
	}
	if !strings.Contains(list, "403 REJECT_CARD_COMPANY") {
		t.Error("the declined key-in is not among the recent calls")
	}
}

func TestCallLogIsBoundedPerKey(t *testing.T) {
	e := setup(t)
	for i := range 1030 {
		path := "/v1/payments/orders/order-bound-" + strings.Repeat("0", 4-len(itoa(i))) + itoa(i)
		e.fails(404, generated.ErrorCodeNotFoundPayment, "GET", path, nil)
	}
	calls := e.sb.Calls(e.key, "")
	if len(calls) != 1024 {
		t.Fatalf("%d calls kept, want the latest 1024", len(calls))
	}
	if calls[0].OrderID != "order-bound-0006" || calls[1023].OrderID != "order-bound-1029" {
		t.Errorf("kept %s … %s, want order-bound-0006 … order-bound-1029", calls[0].OrderID, calls[1023].OrderID)
	}
	if got := e.sb.Calls(keyB, ""); got != nil {
		t.Errorf("another key has %d calls", len(got))
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestTimelineSource: entries of a source (a webhook delivery) appear in
// the timeline in order and on the page, escaped.
func TestTimelineSource(t *testing.T) {
	var asked []string
	src := func(secretKey, paymentKey string) []sandbox.TimelineEntry {
		asked = append(asked, secretKey)
		return []sandbox.TimelineEntry{{At: t0.Add(time.Minute), Kind: "webhook", Summary: "PAYMENT_STATUS_CHANGED → http://merchant.example/hook: 500 <b>oops</b>", Failed: true}}
	}
	e := setup(t, sandbox.WithTimelineSource(src))
	p := e.ok("POST", "/v1/payments", createBody("order-source-1", 1000))
	e.clock.Advance(2 * time.Minute)
	e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
	tl, _ := e.sb.PaymentTimeline(e.key, p.PaymentKey)
	var kinds []string
	for _, en := range tl {
		kinds = append(kinds, en.Kind)
	}
	if want := []string{"api", "state", "webhook", "api"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	if len(asked) != 1 || asked[0] != e.key {
		t.Errorf("the source was asked for %v", asked)
	}
	_, page := e.signIn(e.key).get(paymentPath(p.PaymentKey))
	if !strings.Contains(page, "500 &lt;b&gt;oops&lt;/b&gt;") || !strings.Contains(page, `<td class="kind">webhook (failed)</td>`) {
		t.Errorf("the source's entry is not on the page, escaped:\n%s", page)
	}
}

func TestCheckoutOutcomes(t *testing.T) {
	e := setup(t)
	b := e.browser()
	p := e.ok("POST", "/v1/payments", createBody("order-outcome-0", 1000))
	_, page := b.get("/sandbox/checkout/" + p.PaymentKey)
	for _, w := range []string{`value="approve"`, `value="fail"`, `value="close"`, `<label for="code">`, sandbox.FailPayProcessAborted} {
		if !strings.Contains(page, w) {
			t.Errorf("checkout page lacks %q", w)
		}
	}
	for i, c := range []struct {
		form url.Values
		code string
	}{
		{url.Values{"result": {"fail"}, "code": {sandbox.FailRejectCardCompany}}, sandbox.FailRejectCardCompany},
		{url.Values{"result": {"fail"}, "code": {sandbox.FailPayProcessAborted}}, sandbox.FailPayProcessAborted},
		{url.Values{"result": {"fail"}}, sandbox.FailPayProcessCanceled},
		{url.Values{"result": {"close"}}, sandbox.FailPayProcessCanceled},
	} {
		order := "order-outcome-" + itoa(i+1)
		p := e.ok("POST", "/v1/payments", createBody(order, 1000))
		resp, _ := b.post("/sandbox/checkout/"+p.PaymentKey, c.form)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		q := loc.Query()
		msg := ""
		for _, f := range sandbox.CheckoutFailures() {
			if f.Code == c.code {
				msg = f.Message
			}
		}
		if resp.StatusCode != http.StatusSeeOther || q.Get("code") != c.code || q.Get("message") != msg || q.Get("orderId") != order || q.Has("paymentKey") {
			t.Errorf("%v: %d %s", c.form, resp.StatusCode, loc)
		}
		got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil)
		if got.Status != generated.PaymentStatusAborted || *got.Failure.Code != c.code {
			t.Errorf("%v: payment %s %v", c.form, got.Status, got.Failure)
		}
	}
	p = e.ok("POST", "/v1/payments", createBody("order-outcome-9", 1000))
	resp, _ := b.post("/sandbox/checkout/"+p.PaymentKey, url.Values{"result": {"fail"}, "code": {"MADE_UP"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown failure code: %d, want 400", resp.StatusCode)
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusReady {
		t.Errorf("an unknown code changed the payment: %s", got.Status)
	}
}

// TestPagesAreUsableByKeyboard: every field a person fills in on the
// browser pages has a label, every control is a real form control (no
// scripts, nothing clickable that is not a link or a button), and every
// button says what it does.
func TestPagesAreUsableByKeyboard(t *testing.T) {
	e := setup(t)
	p := e.ok("POST", "/v1/payments", createBody("order-keyboard-1", 1000))
	b := e.browser()
	pages := map[string]string{}
	_, pages["login"] = b.get("/sandbox/dashboard/login")
	_, pages["checkout"] = b.get("/sandbox/checkout/" + p.PaymentKey)
	b = e.signIn(e.key)
	_, pages["list"] = b.get("/sandbox/dashboard")
	_, pages["payment"] = b.get(paymentPath(p.PaymentKey))

	control := regexp.MustCompile(`<(input|select)\b([^>]*)>`)
	attr := func(tag, name string) string {
		m := regexp.MustCompile(`\b` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		return m[1]
	}
	button := regexp.MustCompile(`<button\b[^>]*>([^<]*)</button>`)
	for name, page := range pages {
		if strings.Contains(withoutLiveScript(page), "<script") || strings.Contains(page, "onclick") || strings.Contains(page, "tabindex") {
			t.Errorf("%s: scripts or hand-made focus handling", name)
		}
		n := 0
		for _, m := range control.FindAllStringSubmatch(page, -1) {
			if attr(m[2], "type") == "hidden" {
				continue
			}
			n++
			id := attr(m[2], "id")
			if id == "" || !strings.Contains(page, `<label for="`+id+`">`) {
				t.Errorf("%s: %s without a label: %s", name, m[1], m[0])
			}
		}
		buttons := button.FindAllStringSubmatch(page, -1)
		for _, bt := range buttons {
			if strings.TrimSpace(bt[1]) == "" {
				t.Errorf("%s: a button without text: %s", name, bt[0])
			}
		}
		if n+len(buttons) == 0 {
			t.Errorf("%s: no controls found; the test reads nothing", name)
		}
	}
}

// TestDashboardDepositAndWebhooks: a virtual-account payment waiting for
// its deposit offers the deposit button; pressing it pays the account, and
// the timeline shows the webhook deliveries and the receiver's answers
// (a refused first attempt, then the retry answered 200), never a body.
func TestDashboardDepositAndWebhooks(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(n int, _ hit) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	e := hooked(t)
	e.register(rc.srv.URL)
	p := e.issued("order-dash-va-1", 30000)
	b := e.signIn(e.key)
	_, page := b.get(paymentPath(p.PaymentKey))
	if !strings.Contains(page, `action="/sandbox/dashboard/payments/`+p.PaymentKey+`/deposit"`) {
		t.Fatalf("a WAITING_FOR_DEPOSIT payment's page lacks the deposit button:\n%s", page)
	}
	resp, _ := b.post(paymentPath(p.PaymentKey)+"/deposit", url.Values{"csrf": {b.csrf()}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deposit button: %d", resp.StatusCode)
	}
	if got := e.ok("GET", "/v1/payments/"+p.PaymentKey, nil); got.Status != generated.PaymentStatusDone {
		t.Fatalf("after the deposit button: %s", got.Status)
	}
	// The first delivery is refused; its retry is due a minute later.
	e.settle("refused once", func(ds []sandbox.WebhookDelivery) bool {
		for _, d := range ds {
			if len(d.Attempts) > 0 && d.Attempts[0].StatusCode == http.StatusInternalServerError && d.NextAttemptAt != nil {
				return true
			}
		}
		return false
	})
	e.clock.Advance(time.Minute)
	e.settle("all answered 200", func(ds []sandbox.WebhookDelivery) bool {
		for _, d := range ds {
			if d.State != sandbox.WebhookDelivered {
				return false
			}
		}
		return len(ds) > 0
	})
	tl, _ := e.sb.PaymentTimeline(e.key, p.PaymentKey)
	var refused, answered int
	for _, en := range tl {
		if en.Kind != "webhook" {
			continue
		}
		if strings.Contains(en.Summary, "ps_") || strings.Contains(en.Summary, "{") {
			t.Errorf("a webhook entry shows the body: %q", en.Summary)
		}
		switch {
		case en.Failed && strings.Contains(en.Summary, "answered 500"):
			refused++
		case !en.Failed && strings.Contains(en.Summary, "answered 200"):
			answered++
		}
	}
	if refused != 1 || answered == 0 {
		t.Errorf("webhook entries: %d refused, %d answered 200; want 1 and at least 1:\n%+v", refused, answered, tl)
	}
	_, page = b.get(paymentPath(p.PaymentKey))
	if !strings.Contains(page, "answered 500") || strings.Contains(page, "/deposit\"") {
		t.Errorf("the DONE payment's page: no webhook answers, or still a deposit button:\n%s", page)
	}
}

// liveScript is the one script a page may hold: the list page's, which
// adds calls as they happen (pages/live.js, script-src 'self').
const liveScript = `<script src="/sandbox/dashboard/live.js" defer></script>`

// withoutLiveScript is page without its one allowed script tag.
func withoutLiveScript(page string) string { return strings.Replace(page, liveScript, "", 1) }
