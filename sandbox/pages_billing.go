package sandbox

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
)

// billingAuthPath is the card-registration page, the sandbox's stand-in
// for the window the SDK's requestBillingAuth opens:
//
//	GET  /sandbox/billing/auth?customerKey=…&successUrl=…&failUrl=…
//
// shows it; POST (the page's form: the same three fields, result=approve
// with card, or result=close) redirects (303) to successUrl with
// customerKey and authKey, or to failUrl with code and message.
const billingAuthPath = "/sandbox/billing/auth"

// billingCOP guards the page's POST against cross-site forms as the
// dashboard's are guarded (Sec-Fetch-Site, else Origin against Host).
var billingCOP = http.NewCrossOriginProtection()

// safeOrigin is what an origin may hold to be written into a header.
var safeOrigin = regexp.MustCompile(`^https?://[A-Za-z0-9.\-\[\]:]+$`)

// billingForm is the page's three fields, checked.
type billingForm struct {
	customerKey, successURL, failURL string
	successOrigin, failOrigin        string
}

// readBillingForm checks the fields as the spec's CustomerKey schema and
// absolute http(s) URLs; it says what is wrong, or "".
func (s *Sandbox) readBillingForm(v url.Values) (billingForm, string) {
	f := billingForm{customerKey: v.Get("customerKey"), successURL: v.Get("successUrl"), failURL: v.Get("failUrl")}
	if sc := s.spec.doc.Components.Schemas["CustomerKey"]; sc == nil || sc.Value.VisitJSON(f.customerKey) != nil {
		return f, "customerKey: 2 to 300 letters, digits, -, _, =, . or @ (the spec's CustomerKey)."
	}
	origin := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(raw) > 2048 {
			return ""
		}
		if o := u.Scheme + "://" + u.Host; safeOrigin.MatchString(o) {
			return o
		}
		return ""
	}
	if f.successOrigin = origin(f.successURL); f.successOrigin == "" {
		return f, "successUrl: an absolute http or https URL (at most 2,048 characters, no credentials)."
	}
	if f.failOrigin = origin(f.failURL); f.failOrigin == "" {
		return f, "failUrl: an absolute http or https URL (at most 2,048 characters, no credentials)."
	}
	return f, ""
}

// billingAuth serves the card-registration page (see billingAuthPath).
func (s *Sandbox) billingAuth(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	bad := func(detail string) {
		s.pageError(w, r, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, detail)
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		f, why := s.readBillingForm(r.URL.Query())
		if why != "" {
			bad(why)
			return
		}
		// The form posts here and is redirected to the merchant's URLs,
		// which form-action must allow.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "+
			f.successOrigin+" "+f.failOrigin+"; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Content-Type", "text/html; charset=utf-8")
		_ = billingPage.Execute(w, map[string]any{
			"Customer": sensitive.Mask(f.customerKey), "SuccessOrigin": f.successOrigin,
			"CustomerKey": f.customerKey, "SuccessURL": f.successURL, "FailURL": f.failURL,
			"Cards": BillingCards(),
		})
	case http.MethodPost:
		if err := billingCOP.Check(r); err != nil {
			s.pageError(w, r, http.StatusForbidden, generated.ErrorCodeForbiddenRequest, "Cross-origin request refused.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			bad("The form could not be read: send customerKey, successUrl, failUrl and result=approve (with card) or result=close as application/x-www-form-urlencoded.")
			return
		}
		f, why := s.readBillingForm(r.PostForm)
		if why != "" {
			bad(why)
			return
		}
		q := url.Values{}
		target := f.failURL
		switch strings.ToLower(r.PostForm.Get("result")) {
		case "approve":
			card := r.PostForm.Get("card")
			if card == "" {
				card = BillingCards()[0].Number
			}
			authKey, err := s.RegisterCard(f.customerKey, card)
			var e *Error
			switch {
			case err == nil:
				target = f.successURL
				q.Set("customerKey", f.customerKey)
				q.Set("authKey", authKey)
			case errors.As(err, &e) && e.Status < 500:
				q.Set("code", string(e.Code))
				q.Set("message", message(e.Code, Korean, ""))
			default:
				bad("The card could not be registered.")
				return
			}
		case "close":
			q.Set("code", payments.FailPayProcessCanceled)
			q.Set("message", payments.CheckoutFailures()[0].Message)
		default:
			bad("result: must be approve or close (rule: form field).")
			return
		}
		http.Redirect(w, r, payments.WithQuery(target, q), http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, POST")
		s.pageError(w, r, http.StatusMethodNotAllowed, generated.ErrorCodeInvalidRequest, "Method "+r.Method+" is not allowed on the card-registration page (allowed: GET, POST).")
	}
}

// billingRow is a billing key as the dashboard lists it: the key and the
// customerKey shortened (whoever holds both charges the card).
type billingRow struct {
	IssuedAt, Key, Customer, Card string
	Charges                       int
}

// billingRows returns at most limit of secretKey's billing keys, newest first.
func (s *Store) billingRows(secretKey string, limit int) []billingRow {
	ks := s.book.BillingKeys(secretKey)
	var rows []billingRow
	for _, k := range ks[:min(len(ks), limit)] {
		rows = append(rows, billingRow{IssuedAt: kst(k.AuthenticatedAt), Key: k.Key[:6] + "…",
			Customer: sensitive.Mask(k.CustomerKey), Card: k.Card.Masked, Charges: k.Charges})
	}
	return rows
}
