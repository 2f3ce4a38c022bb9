package sandbox

import (
	"errors"
	"net/http"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
)

// Store is the payments of every secret key, with their rules, in the API's
// types: it translates each request into the rules of package payments
// (the domain, which knows no HTTP) and each answer into a
// generated.Payment, then publishes the events the rule made (webhooks,
// the hook) as an explicit last step. Create, Approve, Fail, Confirm,
// KeyIn, Cancel, Deposit, Get and GetByOrderID are usable without HTTP;
// the handler (Sandbox.Handler) only translates. A Store is safe for
// concurrent use.
type Store struct {
	book    *payments.Book
	spec    *spec
	baseURL string
	// publish hands the events of one call to the webhooks and the hook,
	// with the call's webhook faults; set by New.
	publish func(WebhookFault, payments.Outbox)
}

func newStore(cfg config, sp *spec) (*Store, error) {
	var lengths [3]int
	for i, f := range [][2]string{{"VirtualAccount", "customerName"}, {"RefundReceiveAccount", "holderName"}, {"RefundReceiveAccount", "accountNumber"}} {
		n, err := sp.maxLength(f[0], f[1])
		if err != nil {
			return nil, err
		}
		lengths[i] = n
	}
	book, err := payments.New(payments.Config{
		Now:  cfg.clock.Now,
		Seed: cfg.seed,
		Facts: payments.Facts{
			ReadyWindow:      openapi.ReadyWindow,
			ConfirmWindow:    openapi.ConfirmWindow,
			AuthKeyWindow:    openapi.BillingAuthKeyWindow,
			MinimumAmount:    openapi.MinimumAmount,
			AccountValidDays: openapi.VirtualAccountValidDays,
			RefundDelay:      openapi.RefundDelay,
			CustomerNameMax:  lengths[0],
			HolderNameMax:    lengths[1],
			AccountNumberMax: lengths[2],
		},
		Tenant:          payments.Bounds{Payments: cfg.tenant.Payments, Cancels: cfg.tenant.Cancels},
		Global:          payments.Bounds{Payments: cfg.global.Payments, Cancels: cfg.global.Cancels},
		EventsPerTenant: DefaultEventsPerKey,
		MaxEvents:       maxOutboxEvents,
	})
	if err != nil {
		return nil, err
	}
	return &Store{book: book, spec: sp, baseURL: cfg.baseURL, publish: func(WebhookFault, payments.Outbox) {}}, nil
}

// maxOutboxEvents bounds the events of all secret keys' logs together
// (about 200 B each, so about 50 MB).
const maxOutboxEvents = 256 << 10

// Caller says on whose behalf a rule runs and how its answer is rendered.
type Caller struct {
	// SecretKey owns the payments: each key sees only its own.
	SecretKey string
	// Language selects Korean or English enum values and messages.
	Language Language
	// BaseURL is where checkout and receipt URLs point; empty means the
	// sandbox's configured base URL.
	BaseURL string
	// WebhookFault is the fault the webhooks of the changes this call makes
	// meet (the X-Sandbox-Webhook-Fault header); zero for none.
	WebhookFault WebhookFault
}

func (s *Store) baseOf(c Caller) string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	return s.baseURL
}

// CheckoutResult is the outcome of a decision at the checkout page.
type CheckoutResult struct {
	// Payment is the payment after the decision.
	Payment generated.Payment
	// RedirectURL is the returnUrl with the query parameters Toss adds:
	// paymentKey, orderId and amount on approval; code, message and orderId
	// on failure.
	RedirectURL string
}

// ReservedCards returns the key-in card numbers that the sandbox declines,
// each with the documented error code it answers with. Any other well-formed
// number with an expiration month not in the past is approved. The HTTP
// status of each code is read from the spec's x-toss-error-codes for
// keyInPayment.
func ReservedCards() map[string]generated.ErrorCode {
	out := map[string]generated.ErrorCode{}
	for n, c := range payments.ReservedCards() {
		out[n] = generated.ErrorCode(c)
	}
	return out
}

// Bank is a bank the sandbox issues virtual accounts at and refunds to.
type Bank = payments.Bank

// VirtualAccountBanks returns the banks a virtual account can be issued at
// (the checkout page's choice) and refunded to.
func VirtualAccountBanks() []Bank { return payments.Banks() }

// ReservedRefundAccounts returns the refund account numbers the sandbox
// treats specially on a cancel after a deposit, each with what happens:
// an error code the cancel answers, or "FAILED", the refundStatus the
// refund ends in (PARTIAL_FAILED after a partial cancel). Any other number
// of 10 to 20 digits at a known bank with a holder name is refunded.
func ReservedRefundAccounts() map[string]string { return payments.ReservedRefundAccounts() }

// CheckoutFailure is an outcome a tester can choose at the checkout page.
type CheckoutFailure = payments.CheckoutFailure

// CheckoutFailures returns the failures FailWith takes, in the order the
// checkout page offers them.
func CheckoutFailures() []CheckoutFailure { return payments.CheckoutFailures() }

// The codes a checkout can fail with (see payments.FailPayProcessCanceled).
const (
	FailPayProcessCanceled = payments.FailPayProcessCanceled
	FailPayProcessAborted  = payments.FailPayProcessAborted
	FailRejectCardCompany  = payments.FailRejectCardCompany
)

// MaxCancelsPerPayment is how many cancels one payment takes before
// further ones are refused with 403 EXCEED_CANCEL_LIMIT. It bounds the
// size of a payment, and so of every cached answer that holds it.
const MaxCancelsPerPayment = payments.MaxCancelsPerPayment

// answer turns a rule's error into the *Error the API answers: a refusal
// gets the status the spec documents for its code on its operation and
// the code's message in lang.
func (s *Store) answer(err error, lang Language) error {
	var r *payments.Refusal
	if !errors.As(err, &r) {
		return err
	}
	code := generated.ErrorCode(r.Code)
	status := r.Status
	if status == 0 {
		var ok bool
		if status, ok = s.spec.status(string(r.Op), code); !ok {
			return &Error{
				Status:  http.StatusInternalServerError,
				Code:    generated.ErrorCodeFailedInternalSystemProcessing,
				Message: message(generated.ErrorCodeFailedInternalSystemProcessing, lang, "sandbox bug: "+string(code)+" is not documented for "+string(r.Op)),
			}
		}
	}
	return &Error{Status: status, Code: code, Message: message(code, lang, r.Detail)}
}

// done publishes the events of a call, then renders its answer.
func (s *Store) done(c Caller, out payments.Outbox, p payments.Payment, err error) (generated.Payment, error) {
	s.publish(c.WebhookFault, out)
	if err != nil {
		return generated.Payment{}, s.answer(err, c.Language)
	}
	return render(p, c.Language), nil
}

// checkoutDone is done for a decision at the checkout page, in Korean.
func (s *Store) checkoutDone(out payments.Outbox, p payments.Payment, redirect string, err error) (CheckoutResult, error) {
	s.publish(WebhookFault{}, out)
	if err != nil {
		return CheckoutResult{}, s.answer(err, Korean)
	}
	return CheckoutResult{Payment: render(p, Korean), RedirectURL: redirect}, nil
}

// Create opens a payment window: the payment is READY and its checkout.url
// points at the sandbox's checkout page.
func (s *Store) Create(c Caller, req generated.CreatePaymentRequest) (generated.Payment, error) {
	var out payments.Outbox
	p, err := s.book.Create(&out, c.SecretKey, payments.CreateInput{
		Method:                payments.Method(req.Method),
		Amount:                req.Amount,
		OrderID:               req.OrderID,
		OrderName:             req.OrderName,
		ReturnURL:             req.ReturnURL,
		DirectWithoutProvider: req.FlowMode != nil && *req.FlowMode == generated.FlowModeDirect && req.EasyPay == nil && req.CardCompany == nil,
		Automatic:             req.ConfirmationMethod != nil && *req.ConfirmationMethod == generated.ConfirmationMethodAutomatic,
		BaseURL:               s.baseOf(c),
	})
	return s.done(c, out, p, err)
}

// Approve is the customer approving the payment at the checkout page: the
// payment moves to IN_PROGRESS (to DONE at once when it was created with
// confirmationMethod AUTOMATIC) and the result says where to redirect.
//
// For a virtual-account payment it is ApproveVirtualAccount with the
// default bank and customer name.
func (s *Store) Approve(paymentKey string) (CheckoutResult, error) {
	return s.ApproveVirtualAccount(paymentKey, "", "")
}

// ApproveVirtualAccount is the customer approving the payment at the
// checkout page; for a virtual-account payment, choosing the bank
// (bankCode, one of VirtualAccountBanks; "" for the first) and giving their
// name (customerName; "" for a default). The account itself is issued by
// confirm, as Toss issues it. For a card payment the bank and name are
// ignored.
func (s *Store) ApproveVirtualAccount(paymentKey, bankCode, customerName string) (CheckoutResult, error) {
	var out payments.Outbox
	p, redirect, err := s.book.Approve(&out, paymentKey, bankCode, customerName)
	return s.checkoutDone(out, p, redirect, err)
}

// Fail is the customer giving up at the checkout page: the payment is
// ABORTED and the result redirects with code PAY_PROCESS_CANCELED, its
// message and orderId. FailWith chooses the code.
func (s *Store) Fail(paymentKey string) (CheckoutResult, error) {
	return s.FailWith(paymentKey, FailPayProcessCanceled)
}

// FailWith is the checkout failing with code, one of CheckoutFailures: the
// payment is ABORTED, its failure holds code and message, and the result
// redirects with code, message and orderId. An unknown code is
// INVALID_REQUEST and changes nothing.
func (s *Store) FailWith(paymentKey, code string) (CheckoutResult, error) {
	var out payments.Outbox
	p, redirect, err := s.book.Fail(&out, paymentKey, code)
	return s.checkoutDone(out, p, redirect, err)
}

// Confirm authorizes a payment the customer approved at checkout. The amount
// must equal the payment's; the call must come within 10 minutes of the
// approval, after which the payment is EXPIRED.
func (s *Store) Confirm(c Caller, req generated.ConfirmPaymentRequest) (generated.Payment, error) {
	var out payments.Outbox
	p, err := s.book.Confirm(&out, c.SecretKey, payments.ConfirmInput{PaymentKey: req.PaymentKey, OrderID: req.OrderID, Amount: req.Amount})
	return s.done(c, out, p, err)
}

// Cancel cancels the whole balance (no cancelAmount) or part of it.
func (s *Store) Cancel(c Caller, paymentKey string, req generated.CancelPaymentRequest) (generated.Payment, error) {
	in := payments.CancelInput{
		Reason:           req.CancelReason,
		Amount:           req.CancelAmount,
		TaxFree:          req.TaxFreeAmount,
		RefundableAmount: req.RefundableAmount,
	}
	if req.Currency != nil {
		cur := string(*req.Currency)
		in.Currency = &cur
	}
	if ra := req.RefundReceiveAccount; ra != nil {
		in.RefundAccount = &payments.RefundAccount{Bank: ra.Bank, AccountNumber: ra.AccountNumber, HolderName: ra.HolderName}
	}
	var out payments.Outbox
	p, err := s.book.Cancel(&out, c.SecretKey, paymentKey, in)
	return s.done(c, out, p, err)
}

// KeyIn charges a card whose number was entered by the merchant: the
// payment is DONE at once, or the card is declined (see ReservedCards).
func (s *Store) KeyIn(c Caller, req generated.KeyInPaymentRequest) (generated.Payment, error) {
	var out payments.Outbox
	p, err := s.book.KeyIn(&out, c.SecretKey, payments.KeyInInput{
		Amount:          req.Amount,
		TaxFree:         req.TaxFreeAmount,
		OrderID:         req.OrderID,
		OrderName:       req.OrderName,
		CardNumber:      string(req.CardNumber),
		ExpirationYear:  req.CardExpirationYear,
		ExpirationMonth: req.CardExpirationMonth,
		Installment:     req.CardInstallmentPlan,
		FreeInstallment: req.UseFreeInstallmentPlan,
		Corporate:       len(req.CustomerIdentityNumber) == 10,
		BaseURL:         s.baseOf(c),
	})
	return s.done(c, out, p, err)
}

// Get looks a payment up by its paymentKey.
func (s *Store) Get(c Caller, paymentKey string) (generated.Payment, error) {
	var out payments.Outbox
	p, err := s.book.Get(&out, c.SecretKey, paymentKey)
	return s.done(c, out, p, err)
}

// GetByOrderID looks a payment up by its orderId.
func (s *Store) GetByOrderID(c Caller, orderID string) (generated.Payment, error) {
	var out payments.Outbox
	p, err := s.book.GetByOrderID(&out, c.SecretKey, orderID)
	return s.done(c, out, p, err)
}

// Deposit is the customer paying the exact amount into the virtual account
// of a WAITING_FOR_DEPOSIT payment of c.SecretKey: the payment is DONE
// (B1), approvedAt is the deposit's time and DEPOSIT_CALLBACK and
// PAYMENT_STATUS_CHANGED announce it. The sandbox's developer-center
// button; Toss has no such API. Refusals: 404 NOT_FOUND_PAYMENT; 400
// INVALID_REQUEST for a payment that is not a virtual account, has no
// account yet, or whose account expired (the bank refuses the transfer;
// the payment does not change); 400 ALREADY_PROCESSED_PAYMENT once
// deposited or cancelled.
func (s *Store) Deposit(c Caller, paymentKey string) (generated.Payment, error) {
	var out payments.Outbox
	p, err := s.book.Deposit(&out, c.SecretKey, paymentKey)
	return s.done(c, out, p, err)
}

// depositAtCheckout is the deposit button of the checkout page, which
// knows the payment by its key alone.
func (s *Store) depositAtCheckout(paymentKey string) error {
	var out payments.Outbox
	_, err := s.book.Deposit(&out, "", paymentKey)
	_, err = s.done(Caller{}, out, payments.Payment{}, err)
	return err
}

// Payments returns a snapshot of the payments of secretKey, oldest first,
// rendered in Korean as the API does by default. Fault campaigns use it to
// check the store against what their clients believe.
func (s *Store) Payments(secretKey string) []generated.Payment {
	var out payments.Outbox
	ps := s.book.Payments(&out, secretKey)
	s.publish(WebhookFault{}, out)
	if ps == nil {
		return nil
	}
	rendered := make([]generated.Payment, len(ps))
	for i, p := range ps {
		rendered[i] = render(p, Korean)
	}
	return rendered
}

// find returns the payment paymentKey of any key, as the checkout and
// receipt pages know it.
func (s *Store) find(paymentKey string) (payments.Payment, bool) {
	var out payments.Outbox
	p, ok := s.book.Find(&out, paymentKey)
	s.publish(WebhookFault{}, out)
	return p, ok
}

// lookup returns secretKey's payment paymentKey as of now.
func (s *Store) lookup(secretKey, paymentKey string) (payments.Payment, bool) {
	var out payments.Outbox
	p, err := s.book.Get(&out, secretKey, paymentKey)
	s.publish(WebhookFault{}, out)
	return p, err == nil
}

// ownerOf returns the secret key that owns paymentKey, or "".
func (s *Store) ownerOf(paymentKey string) string { return s.book.Owner(paymentKey) }

// owns reports whether paymentKey is a payment of secretKey.
func (s *Store) owns(secretKey, paymentKey string) bool {
	_, ok := s.lookup(secretKey, paymentKey)
	return ok
}

// sweep applies the time-driven transitions to every payment whose state
// can still change with time, so that they are announced (webhooks, the
// hook) when they happen rather than at the next look-up.
func (s *Store) sweep() {
	var out payments.Outbox
	s.book.Sweep(&out)
	s.publish(WebhookFault{}, out)
}

func (s *Store) usage() Usage {
	u := s.book.Usage()
	return Usage{Tenants: u.Tenants, Payments: u.Payments, Cancels: u.Cancels}
}

func (s *Store) usageOf(secretKey string) Usage {
	u := s.book.UsageOf(secretKey)
	return Usage{Tenants: u.Tenants, Payments: u.Payments, Cancels: u.Cancels}
}

// checkoutFailureKnown reports whether code is one of CheckoutFailures.
func checkoutFailureKnown(code string) bool {
	for _, f := range payments.CheckoutFailures() {
		if f.Code == code {
			return true
		}
	}
	return false
}
