package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// The dashboard's pages, under /sandbox/ with the other browser pages.
const (
	dashboardPath = "/sandbox/dashboard"
	loginPath     = dashboardPath + "/login"
	logoutPath    = dashboardPath + "/logout"
	paymentsPath  = dashboardPath + "/payments/"
	sessionCookie = "sandbox_session"
)

// How the dashboard knows a browser's secret key:
//
//   - The login form takes the test secret key (POST, never in a URL) and
//     sets an HttpOnly, SameSite=Strict cookie holding a session token: 32
//     bytes from crypto/rand, fresh at every login. The cookie never holds
//     the key; a token means nothing to another sandbox, nor to this one
//     once restarted, and a token signed out (or forgotten) never works
//     again, whatever its owner does next.
//   - The sandbox maps tokens to keys, bounded twice: each key keeps its
//     latest maxSessionsPerKey logins (a further login forgets the key's
//     oldest, so logins with one key never sign out another key's users),
//     and all keys together maxSessions, past which the session unused the
//     longest is forgotten (so a flood of logins with many keys signs out
//     the idle, not those using the dashboard). Every page reads only the
//     payments of the session's key, and a payment of another key answers
//     404 as if it did not exist.
//   - Every POST (login, logout, the payment buttons) passes Go's
//     http.CrossOriginProtection (Sec-Fetch-Site, else Origin against Host),
//     and every POST made with a session carries a CSRF token, the HMAC of
//     the session token under a secret the sandbox drew when it started, in
//     a hidden field. The SameSite=Strict cookie is a third guard: a
//     cross-site form sends no cookie at all.
type sessions struct {
	secret [32]byte
	cop    *http.CrossOriginProtection

	mu    sync.Mutex // guards everything below
	byTok map[string]*session
	byKey map[string][]*session // each key's sessions, oldest login first
	// newest and idlest are the ends of the list of sessions by last use.
	newest, idlest *session
}

// session is one login.
type session struct {
	tok, key     string
	newer, older *session
}

// Bounds of the sessions: per key, and over all keys.
const (
	maxSessionsPerKey = 8
	maxSessions       = 10_000
)

func newSessions() *sessions {
	s := &sessions{byTok: map[string]*session{}, byKey: map[string][]*session{}, cop: http.NewCrossOriginProtection()}
	_, _ = rand.Read(s.secret[:])
	return s
}

func (ss *sessions) mac(parts ...string) string {
	m := hmac.New(sha256.New, ss.secret[:])
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// login starts a session of key and returns its token, fresh from
// crypto/rand.
func (ss *sessions) login(key string) string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand's contract)
	se := &session{tok: base64.RawURLEncoding.EncodeToString(b[:]), key: key}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if own := ss.byKey[key]; len(own) >= maxSessionsPerKey {
		ss.remove(own[0])
	}
	if len(ss.byTok) >= maxSessions {
		ss.remove(ss.idlest)
	}
	ss.byTok[se.tok] = se
	ss.byKey[key] = append(ss.byKey[key], se)
	ss.touch(se)
	return se.tok
}

// touch moves se to the newest end of the list; ss.mu is held.
func (ss *sessions) touch(se *session) {
	if ss.newest == se {
		return
	}
	ss.unlink(se)
	se.older = ss.newest
	if ss.newest != nil {
		ss.newest.newer = se
	}
	ss.newest = se
	if ss.idlest == nil {
		ss.idlest = se
	}
}

func (ss *sessions) unlink(se *session) {
	if se.newer != nil {
		se.newer.older = se.older
	} else if ss.newest == se {
		ss.newest = se.older
	}
	if se.older != nil {
		se.older.newer = se.newer
	} else if ss.idlest == se {
		ss.idlest = se.newer
	}
	se.newer, se.older = nil, nil
}

// remove ends se; ss.mu is held.
func (ss *sessions) remove(se *session) {
	ss.unlink(se)
	delete(ss.byTok, se.tok)
	own := ss.byKey[se.key]
	for i, o := range own {
		if o == se {
			own = append(own[:i:i], own[i+1:]...)
			break
		}
	}
	if len(own) == 0 {
		delete(ss.byKey, se.key)
	} else {
		ss.byKey[se.key] = own
	}
}

func (ss *sessions) logout(tok string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if se := ss.byTok[tok]; se != nil {
		ss.remove(se)
	}
}

// keyOf returns the secret key and token of the request's session, and
// marks the session used.
func (ss *sessions) keyOf(r *http.Request) (key, tok string, ok bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return "", "", false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se := ss.byTok[c.Value]
	if se == nil {
		return "", "", false
	}
	ss.touch(se)
	return se.key, se.tok, true
}

// valid reports whether tok is a session still signed in (without marking
// it used: a stream open in a tab is not a use).
func (ss *sessions) valid(tok string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.byTok[tok] != nil
}

func (ss *sessions) csrf(tok string) string { return ss.mac("csrf", tok) }

// checkCSRF reports whether the form's token is the session's.
func (ss *sessions) checkCSRF(r *http.Request, tok string) bool {
	got := r.PostForm.Get("csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(ss.csrf(tok)))
}

// dashboardAction is a button on a payment's page: what a test merchant
// does by hand. It is offered while shows(status) holds and posts to
// paymentsPath + {paymentKey} + "/" + name. A deposit button for virtual
// accounts is one more entry here.
type dashboardAction struct {
	name  string
	label string
	// choices, when set, are offered in a select named "code".
	choices []CheckoutFailure
	shows   func(generated.PaymentStatus) bool
	do      func(s *Sandbox, paymentKey string, form url.Values) error
}

var dashboardActions = []dashboardAction{
	{
		name: "approve", label: "Approve as the customer",
		shows: func(st generated.PaymentStatus) bool { return st == generated.PaymentStatusReady },
		do: func(s *Sandbox, pk string, _ url.Values) error {
			_, err := s.Approve(pk)
			return err
		},
	},
	{
		name: "fail", label: "Fail the checkout", choices: payments.CheckoutFailures(),
		shows: func(st generated.PaymentStatus) bool { return st == generated.PaymentStatusReady },
		do: func(s *Sandbox, pk string, f url.Values) error {
			_, err := s.FailWith(pk, f.Get("code"))
			return err
		},
	},
	{
		name: "deposit", label: "Simulate the customer's deposit",
		shows: func(st generated.PaymentStatus) bool { return st == generated.PaymentStatusWaitingForDeposit },
		do: func(s *Sandbox, pk string, _ url.Values) error {
			return s.depositAtCheckout(pk)
		},
	},
}

func findAction(name string) *dashboardAction {
	for i := range dashboardActions {
		if dashboardActions[i].name == name {
			return &dashboardActions[i]
		}
	}
	return nil
}

// dashboardPage is what every dashboard template reads.
type dashboardPage struct {
	Title string
	Key   string // the key, shortened, for "signed in as"
	CSRF  string
	// login
	Message string
	// list
	OrderID, Status string
	Statuses        []statusOption
	Rows            []dashRow
	Matched         int
	Calls           []callRow
	BillingKeys     []billingRow
	// Clock is the key's time when its clock runs ahead of the wall
	// clock (POST /sandbox/v1/clock), else "".
	Clock string
	// payment
	P        *dashPayment
	Notice   string
	Actions  []actionView
	Timeline []timeRow
	// error
	HTTPStatus int
	Code       string
}

type statusOption struct {
	Value    string
	Selected bool
}

type dashRow struct {
	PaymentKey, OrderID, OrderName, Status, Amount, Balance, RequestedAt, Link string
}

type callRow struct {
	At, Kind, Summary, Link string
	Failed                  bool
}

type timeRow struct {
	At, Kind, Summary string
	Failed            bool
}

type dashPayment struct {
	PaymentKey, OrderID, OrderName, Status, Total, Balance    string
	RequestedAt, ApprovedAt, Failure, CheckoutURL, ReceiptURL string
}

type actionView struct {
	Name, Label, Action string
	Choices             []CheckoutFailure
}

var dashStatuses = []generated.PaymentStatus{
	generated.PaymentStatusReady, generated.PaymentStatusInProgress, generated.PaymentStatusWaitingForDeposit,
	generated.PaymentStatusDone, generated.PaymentStatusPartialCanceled, generated.PaymentStatusCanceled,
	generated.PaymentStatusAborted, generated.PaymentStatusExpired,
}

func kst(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(tosstime.Seoul).Format("2006-01-02 15:04:05.000 MST")
}

// shortKey shows enough of a key to tell which one is signed in.
func shortKey(k string) string {
	if len(k) <= 12 {
		return k
	}
	return k[:12] + "…"
}

// writePage renders a dashboard page with headers that keep it local:
// nothing loads from elsewhere, no frame holds it, no cache keeps it.
func writePage(w http.ResponseWriter, status int, name string, page *dashboardPage) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = dashboardTemplates.ExecuteTemplate(w, name, page)
}

func (s *Sandbox) dashError(w http.ResponseWriter, status int, code, msg string, page *dashboardPage) {
	p := &dashboardPage{Title: code, HTTPStatus: status, Code: code, Message: msg}
	if page != nil {
		p.Key, p.CSRF = page.Key, page.CSRF
	}
	writePage(w, status, "error", p)
}

// session returns the page of a signed-in request, or redirects to the
// login form and returns nil.
func (s *Sandbox) session(w http.ResponseWriter, r *http.Request) (key string, page *dashboardPage) {
	key, tok, ok := s.dash.keyOf(r)
	if !ok {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, loginPath, http.StatusSeeOther)
		} else {
			s.dashError(w, http.StatusUnauthorized, "UNAUTHORIZED_KEY", "Sign in first: your session is unknown to this sandbox (it may have restarted).", nil)
		}
		return "", nil
	}
	page = &dashboardPage{Key: shortKey(key), CSRF: s.dash.csrf(tok)}
	if now, off := s.book.Clock(key); off > 0 {
		page.Clock = kst(now) + " (" + off.String() + " ahead of the wall clock)"
	}
	return key, page
}

// checkPost refuses a POST that is cross-origin, or (with a session)
// lacks the session's CSRF token. It parses the form.
func (s *Sandbox) checkPost(w http.ResponseWriter, r *http.Request, tok string, page *dashboardPage) bool {
	if err := s.dash.cop.Check(r); err != nil {
		s.dashError(w, http.StatusForbidden, "FORBIDDEN_REQUEST", "Cross-origin request refused.", page)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.dashError(w, http.StatusBadRequest, "INVALID_REQUEST", "The form could not be read.", page)
		return false
	}
	if tok != "" && !s.dash.checkCSRF(r, tok) {
		s.dashError(w, http.StatusForbidden, "FORBIDDEN_REQUEST", "The form's CSRF token is missing or wrong: reload the page and try again.", page)
		return false
	}
	return true
}

func methodNotAllowed(s *Sandbox, w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	s.dashError(w, http.StatusMethodNotAllowed, "INVALID_REQUEST", "Method "+r.Method+" is not allowed here (allowed: "+allow+").", nil)
}

// validDashboardKey says why key cannot sign in, or returns "".
func (s *Sandbox) validDashboardKey(key string) string {
	switch {
	case strings.HasPrefix(key, "live_"):
		return "The sandbox never takes live keys: use a test secret key."
	case strings.HasPrefix(key, "test_ck_"):
		return "That is a client key: sign in with the secret key (test_sk_…)."
	case len(key) > maxSecretKeyLength || !isTestSecretKey(key):
		return "That is not a test secret key (test_sk_… or test_gsk_…)."
	case s.cfg.allowed != nil && !s.cfg.allowed[key]:
		return "That key is not on this sandbox's allow-list."
	}
	return ""
}

func (s *Sandbox) dashLogin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		writePage(w, http.StatusOK, "login", &dashboardPage{Title: "Sign in"})
	case http.MethodPost:
		if !s.checkPost(w, r, "", nil) {
			return
		}
		key := strings.TrimSpace(r.PostForm.Get("secretKey"))
		if why := s.validDashboardKey(key); why != "" {
			writePage(w, http.StatusUnauthorized, "login", &dashboardPage{Title: "Sign in", Message: why})
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: sessionCookie, Value: s.dash.login(key), Path: "/sandbox/",
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		})
		http.Redirect(w, r, dashboardPath, http.StatusSeeOther)
	default:
		methodNotAllowed(s, w, r, "GET, POST")
	}
}

func (s *Sandbox) dashLogout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(s, w, r, "POST")
		return
	}
	_, tok, ok := s.dash.keyOf(r)
	if ok && !s.checkPost(w, r, tok, nil) {
		return
	}
	if ok {
		s.dash.logout(tok)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/sandbox/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, loginPath, http.StatusSeeOther)
}

// maxDashboardRows is how many payments the list shows.
const maxDashboardRows = 100

func (s *Sandbox) dashList(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(s, w, r, "GET")
		return
	}
	key, page := s.session(w, r)
	if page == nil {
		return
	}
	q := r.URL.Query()
	page.Title = "Payments"
	page.OrderID, page.Status = q.Get("orderId"), q.Get("status")
	for _, st := range dashStatuses {
		page.Statuses = append(page.Statuses, statusOption{Value: string(st), Selected: string(st) == page.Status})
	}
	page.Rows, page.Matched = s.Store.dashboardRows(key, page.OrderID, page.Status, maxDashboardRows)
	page.BillingKeys = s.Store.billingRows(key, maxDashboardRows)
	calls := s.Calls(key, "")
	for i := len(calls) - 1; i >= 0 && len(calls)-i <= 20; i-- {
		c := calls[i]
		for _, e := range callEntries(c) {
			row := callRow{At: kst(e.At), Kind: e.Kind, Summary: e.Summary, Failed: e.Failed}
			if c.PaymentKey != "" && s.Store.owns(key, c.PaymentKey) {
				row.Link = paymentsPath + url.PathEscape(c.PaymentKey)
			}
			page.Calls = append(page.Calls, row)
		}
	}
	writePage(w, http.StatusOK, "list", page)
}

// dashPaymentPage serves paymentsPath + {paymentKey} (GET) and
// paymentsPath + {paymentKey} + "/" + {action} (POST).
func (s *Sandbox) dashPaymentPage(w http.ResponseWriter, r *http.Request) {
	pk, action := r.PathValue("paymentKey"), r.PathValue("action")
	if action == "" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(s, w, r, "GET")
		return
	}
	if action != "" && r.Method != http.MethodPost {
		methodNotAllowed(s, w, r, "POST")
		return
	}
	key, page := s.session(w, r)
	if page == nil {
		return
	}
	if action != "" {
		_, tok, _ := s.dash.keyOf(r)
		if !s.checkPost(w, r, tok, page) {
			return
		}
		a := findAction(action)
		if a == nil {
			s.dashError(w, http.StatusNotFound, "INVALID_REQUEST", "No such action.", page)
			return
		}
		// A payment of another key is not there, whatever the action.
		if !s.Store.owns(key, pk) {
			s.dashError(w, http.StatusNotFound, "NOT_FOUND_PAYMENT", "No such payment for this key.", page)
			return
		}
		what := "dashboard button: " + a.name
		if checkoutFailureKnown(r.PostForm.Get("code")) && a.choices != nil {
			what += " with " + r.PostForm.Get("code")
		}
		done := s.pageCall(w, r, pk, what)
		if err := a.do(s, pk, r.PostForm); err != nil {
			e := asError(err)
			done(e.Status, string(e.Code))
			s.dashError(w, e.Status, string(e.Code), e.Message, page)
			return
		}
		done(http.StatusSeeOther, "")
		http.Redirect(w, r, paymentsPath+url.PathEscape(pk)+"?done="+url.QueryEscape(a.name), http.StatusSeeOther)
		return
	}
	p := s.Store.dashboardPayment(key, pk)
	if p == nil {
		s.dashError(w, http.StatusNotFound, "NOT_FOUND_PAYMENT", "No such payment for this key.", page)
		return
	}
	tl, ok := s.PaymentTimeline(key, pk)
	if !ok {
		s.dashError(w, http.StatusNotFound, "NOT_FOUND_PAYMENT", "No such payment for this key.", page)
		return
	}
	page.Title, page.P = "Payment "+p.OrderID, p
	if a := findAction(r.URL.Query().Get("done")); a != nil {
		page.Notice = "Done: " + a.label + "."
	}
	for _, a := range dashboardActions {
		if a.shows(generated.PaymentStatus(p.Status)) {
			page.Actions = append(page.Actions, actionView{Name: a.name, Label: a.label, Choices: a.choices,
				Action: paymentsPath + url.PathEscape(pk) + "/" + a.name})
		}
	}
	for _, e := range tl {
		page.Timeline = append(page.Timeline, timeRow{At: kst(e.At), Kind: e.Kind, Summary: e.Summary, Failed: e.Failed})
	}
	writePage(w, http.StatusOK, "payment", page)
}

// dashboardRows lists secretKey's payments newest first, those whose order
// ID contains orderID and whose status is status (either empty: any), at
// most limit of them, and how many match.
func (s *Store) dashboardRows(secretKey, orderID, status string, limit int) ([]dashRow, int) {
	var out payments.Outbox
	ps, matched := s.book.Newest(&out, secretKey, func(p *payments.Payment) bool {
		return (orderID == "" || strings.Contains(p.OrderID, orderID)) && (status == "" || string(p.Status) == status)
	}, limit)
	s.publish(WebhookFault{}, out)
	var rows []dashRow
	for _, p := range ps {
		rows = append(rows, dashRow{
			PaymentKey: p.Key, OrderID: p.OrderID, OrderName: p.OrderName, Status: string(p.Status),
			Amount: p.Total.String(), Balance: p.Balance.String(), RequestedAt: kst(p.RequestedAt),
			Link: paymentsPath + url.PathEscape(p.Key),
		})
	}
	return rows, matched
}

// dashboardPayment is what the dashboard shows of one payment of
// secretKey, or nil.
func (s *Store) dashboardPayment(secretKey, paymentKey string) *dashPayment {
	p, ok := s.lookup(secretKey, paymentKey)
	if !ok {
		return nil
	}
	d := &dashPayment{
		PaymentKey: p.Key, OrderID: p.OrderID, OrderName: p.OrderName, Status: string(p.Status),
		Total: p.Total.String(), Balance: p.Balance.String(), RequestedAt: kst(p.RequestedAt),
		ApprovedAt: kst(p.ApprovedAt), CheckoutURL: checkoutPath + url.PathEscape(p.Key),
	}
	if !p.ApprovedAt.IsZero() {
		d.ReceiptURL = receiptPath + url.PathEscape(p.Key)
	}
	if p.Failure != nil {
		d.Failure = p.Failure.Code + ": " + p.Failure.Message
	}
	return d
}
