package sandbox

import (
	"net/http"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// wantsHTML reports whether the client asked for HTML, as browsers do.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// pageError answers a refusal of a browser page: an HTML page to a client
// that accepts text/html (a browser), a Toss-shaped JSON error to any other.
func (s *Sandbox) pageError(w http.ResponseWriter, r *http.Request, status int, code generated.ErrorCode, detail string) {
	e := &Error{Status: status, Code: code, Message: message(code, langOf(r), detail)}
	if wantsHTML(r) {
		writeHTMLError(w, e)
		return
	}
	writeJSONError(w, e)
}

// pageHeaders are the headers of the checkout, receipt and error pages:
// nothing loads from elsewhere, no frame holds them (a framed checkout page
// could be clickjacked into approving), nothing sniffs them as another type.
// No form-action: the checkout's POST redirects to the shop's returnUrl,
// which form-action would block.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

func writeHTMLError(w http.ResponseWriter, e *Error) {
	pageHeaders(w)
	w.WriteHeader(e.Status)
	_ = errorPage.Execute(w, map[string]any{"Status": e.Status, "Code": string(e.Code), "Message": e.Message})
}

// checkout serves the payment window: GET shows the page, POST with the form
// field result decides and redirects (303) to the payment's returnUrl:
// approve (a virtual-account payment takes bank, a code of
// VirtualAccountBanks, and customerName with it); fail, with code (one of
// CheckoutFailures, PAY_PROCESS_CANCELED when absent); or close, the
// customer closing the window (PAY_PROCESS_CANCELED). Once a virtual
// account is issued, result=deposit simulates the customer's deposit and
// redirects (303) back to the page.
func (s *Sandbox) checkout(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("paymentKey")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		view := s.checkoutView(key)
		if view == nil {
			s.pageError(w, r, http.StatusNotFound, generated.ErrorCodeNotFoundPayment, "")
			return
		}
		pageHeaders(w)
		_ = checkoutPage.Execute(w, view)
	case http.MethodPost:
		// As the dashboard's: a page of another site cannot post the
		// customer's decision (Sec-Fetch-Site, else Origin against Host).
		if err := s.dash.cop.Check(r); err != nil {
			s.pageError(w, r, http.StatusForbidden, generated.ErrorCodeForbiddenRequest, "The checkout form must be posted from the checkout page itself (cross-origin request refused).")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, "The form could not be read: send result=approve, result=fail (with code) or result=close as application/x-www-form-urlencoded.")
			return
		}
		var (
			res CheckoutResult
			err error
		)
		result, code := strings.ToLower(r.PostForm.Get("result")), r.PostForm.Get("code")
		if result != "approve" && result != "fail" && result != "close" && result != "deposit" {
			s.pageError(w, r, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, "result: must be approve, fail, close or deposit (rule: form field).")
			return
		}
		what := "checkout page: " + result
		if checkoutFailureKnown(code) && result == "fail" {
			what += " with " + code
		}
		done := s.pageCall(w, r, key, what)
		switch result {
		case "approve":
			res, err = s.ApproveVirtualAccount(key, r.PostForm.Get("bank"), r.PostForm.Get("customerName"))
		case "fail":
			if code == "" {
				code = FailPayProcessCanceled
			}
			res, err = s.FailWith(key, code)
		case "close":
			res, err = s.FailWith(key, FailPayProcessCanceled)
		case "deposit":
			if err = s.depositAtCheckout(key); err == nil {
				res.RedirectURL = checkoutPath + key
			}
		}
		if err != nil {
			e := asError(err)
			done(e.Status, string(e.Code))
			if wantsHTML(r) {
				writeHTMLError(w, e)
				return
			}
			writeJSONError(w, e)
			return
		}
		done(http.StatusSeeOther, "")
		http.Redirect(w, r, res.RedirectURL, http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, POST")
		s.pageError(w, r, http.StatusMethodNotAllowed, generated.ErrorCodeInvalidRequest, "Method "+r.Method+" is not allowed on the checkout page (allowed: GET, POST).")
	}
}

// receipt serves the sales slip of an approved payment.
func (s *Sandbox) receipt(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		s.pageError(w, r, http.StatusMethodNotAllowed, generated.ErrorCodeInvalidRequest, "Method "+r.Method+" is not allowed on the receipt page (allowed: GET).")
		return
	}
	view := s.receiptView(r.PathValue("paymentKey"))
	if view == nil {
		s.pageError(w, r, http.StatusNotFound, generated.ErrorCodeNotFoundPayment, "No sales slip: no such payment, or it has not been approved.")
		return
	}
	pageHeaders(w)
	_ = receiptPage.Execute(w, view)
}

// checkoutView is what the checkout page shows of a payment, or nil.
func (s *Store) checkoutView(key string) map[string]any {
	p, ok := s.find(key)
	if !ok {
		return nil
	}
	v := map[string]any{
		"OrderName": p.OrderName, "OrderID": p.OrderID, "Amount": p.Total.String(),
		"Status": string(p.Status), "Open": p.Status == payments.StatusReady,
		"Note": "This payment can no longer be approved here.", "Failures": payments.CheckoutFailures(),
	}
	if va := p.VirtualAccount; va != nil {
		v["VirtualAccount"] = true
		v["Banks"] = payments.Banks()
		v["CustomerName"] = payments.DefaultCustomerName
		if va.Issued {
			v["Account"] = va.AccountNumber
			v["BankCode"], v["BankName"] = va.BankCode, payments.BankName(va.BankCode)
			v["DueDate"] = va.DueDate.Format("2006-01-02 15:04:05 MST")
			v["Expired"] = va.Expired
			v["Depositable"] = p.Status == payments.StatusWaitingForDeposit && !va.Expired
			v["Note"] = "No deposit possible: the payment is " + string(p.Status) + "."
			if va.Expired && p.Status == payments.StatusWaitingForDeposit {
				v["Note"] = "No deposit possible: the account expired at its due date."
			}
		}
	}
	return v
}

// receiptView is what the sales slip shows of an approved payment, or nil.
func (s *Store) receiptView(key string) map[string]any {
	p, ok := s.find(key)
	if !ok || (p.ApprovedAt.IsZero() && (p.VirtualAccount == nil || !p.VirtualAccount.Issued)) {
		return nil
	}
	card := ""
	switch {
	case p.Card != nil:
		card = p.Card.Masked
	case p.VirtualAccount != nil:
		card = "virtual account " + payments.BankName(p.VirtualAccount.BankCode) + " " + p.VirtualAccount.AccountNumber
	}
	return map[string]any{
		"OrderName": p.OrderName, "OrderID": p.OrderID, "Card": card,
		"Total": p.Total.String(), "Balance": p.Balance.String(), "Status": string(p.Status),
		"ApprovedAt": approvedAtText(p),
	}
}

func approvedAtText(p payments.Payment) string {
	if p.ApprovedAt.IsZero() {
		return "waiting for the deposit"
	}
	return p.ApprovedAt.In(tosstime.Seoul).Format("2006-01-02 15:04:05 MST")
}
