package sandbox

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

const (
	// checkoutCard is the card the checkout page pays with.
	checkoutCard = "4330123412341234"
)

// ReservedCards returns the key-in card numbers that the sandbox declines,
// each with the documented error code it answers with. Any other well-formed
// number with an expiration month not in the past is approved. The HTTP
// status of each code is read from the spec's x-toss-error-codes for
// keyInPayment.
func ReservedCards() map[string]generated.ErrorCode { return maps.Clone(reservedCards) }

var reservedCards = map[string]generated.ErrorCode{
	"4000000000000002": generated.ErrorCodeRejectCardCompany,       // 403: the card company declines
	"4000000000009995": generated.ErrorCodeRejectCardPayment,       // 403: limit exceeded or insufficient balance
	"4000000000009987": generated.ErrorCodeInvalidCardLostOrStolen, // 400: reported lost or stolen
	"4000000000000036": generated.ErrorCodeInvalidStoppedCard,      // 400: suspended card
	"4000000000000259": generated.ErrorCodeFdsError,                // 403: blocked by fraud detection
	"4000000000000119": generated.ErrorCodeCardProcessingError,     // 400: card company error
}

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

// CheckoutResult is the outcome of a decision at the checkout page.
type CheckoutResult struct {
	// Payment is the payment after the decision.
	Payment generated.Payment
	// RedirectURL is the returnUrl with the query parameters Toss adds:
	// paymentKey, orderId and amount on approval; code, message and orderId
	// on failure.
	RedirectURL string
}

type payment struct {
	seq             uint64
	tenant          string
	key             string
	orderID         string
	orderName       string
	status          generated.PaymentStatus
	total           money.Amount
	balance         money.Amount
	taxFree         money.Amount // the tax-free part of the balance
	requestedAt     time.Time
	authenticatedAt time.Time
	approvedAt      time.Time
	returnURL       string
	automatic       bool
	baseURL         string
	card            *cardRecord
	cancels         []cancelRecord
	lastTxKey       string
	secret          string
	failure         *generated.Failure
	va              *vaRecord // set for method VIRTUAL_ACCOUNT
	timeline        []Event
	gone            bool // forgotten to keep within the limits
}

type cardRecord struct {
	masked          string
	installment     int
	freeInstallment bool
	approveNo       string
	corporate       bool
}

type cancelRecord struct {
	amount     money.Amount
	taxFree    money.Amount
	refundable money.Amount
	reason     string
	at         time.Time
	txKey      string
}

// tenant is what one secret key holds.
type tenant struct {
	byKey   map[string]*payment
	byOrder map[string]*payment
	// queue holds the payments in the order they were made, from
	// queue[head] on; forgotten ones are skipped when reached.
	queue    []*payment
	head     int
	payments int
	cancels  int
	// outbox is a ring of the latest events; outHead is its oldest once full.
	outbox  []Event
	outHead int
}

// Store holds the payments, one set per secret key, and applies the
// lifecycle rules to them: Create, Approve, Fail, Confirm, KeyIn, Cancel,
// Get, GetByOrderID. Each rule is a plain method, usable without HTTP; the
// HTTP side (Sandbox.Handler) only translates. Every state change is
// announced as an Event (see WithEventHook, Events, Timeline). A Store is
// safe for concurrent use.
type Store struct {
	mu      sync.Mutex // guards everything below
	clock   Clock
	spec    *spec
	rng     *rand.Rand
	baseURL string
	tenant  Limits // per secret key
	global  Limits // over all keys

	tenants  map[string]*tenant
	byKey    map[string]*payment // every payment, for the checkout pages
	seq      uint64
	payments int
	cancels  int

	hook         EventHook
	eventsPerKey int
	eventSeq     uint64 // the last Event.Seq given, over all keys
	outboxEvents int    // events in all outboxes
	maxOutbox    int
	pending      []pendingEvent

	calls     map[string]*callLog // each secret key's latest API calls
	callCount int                 // calls in all logs
	maxCalls  int
	fault     WebhookFault // of the rule holding s.mu

	wh *dispatcher // webhook delivery; never nil after newStore
}

func newStore(cfg config, sp *spec) *Store {
	s := &Store{
		clock:        cfg.clock,
		spec:         sp,
		rng:          rand.New(rand.NewPCG(cfg.seed, 0x70557061)),
		baseURL:      cfg.baseURL,
		tenant:       cfg.tenant,
		global:       cfg.global,
		tenants:      map[string]*tenant{},
		byKey:        map[string]*payment{},
		hook:         cfg.hook,
		eventsPerKey: DefaultEventsPerKey,
		maxOutbox:    maxOutboxEvents,
		maxCalls:     maxCalls,
		wh:           newDispatcher(cfg),
	}
	s.wh.sweep = s.sweep
	if cfg.webhookURL != "" {
		s.wh.mu.Lock()
		s.wh.start()
		s.wh.mu.Unlock()
	}
	return s
}

// sweep applies the time-driven transitions to every payment whose state
// can still change with time, so that they are announced (webhooks, the
// hook) when they happen rather than at the next look-up.
func (s *Store) sweep() {
	s.mu.Lock()
	defer s.unlock()
	now := s.clock.Now()
	for _, p := range s.byKey {
		switch {
		case p.status == generated.PaymentStatusReady, p.status == generated.PaymentStatusInProgress,
			p.va != nil && (p.status == generated.PaymentStatusWaitingForDeposit || p.va.refundStatus == generated.RefundStatusPending):
			s.expire(p, now)
		}
	}
}

// refuse builds the rule error for code, with the status the spec documents
// for it on the operation.
func (s *Store) refuse(op string, code generated.ErrorCode, lang Language, detail string) *Error {
	status, ok := s.spec.status(op, code)
	if !ok {
		return &Error{
			Status:  http.StatusInternalServerError,
			Code:    generated.ErrorCodeFailedInternalSystemProcessing,
			Message: message(generated.ErrorCodeFailedInternalSystemProcessing, lang, "sandbox bug: "+string(code)+" is not documented for "+op),
		}
	}
	return &Error{Status: status, Code: code, Message: message(code, lang, detail)}
}

func (s *Store) tenantOf(secretKey string, create bool) *tenant {
	t := s.tenants[secretKey]
	if t == nil && create {
		t = &tenant{byKey: map[string]*payment{}, byOrder: map[string]*payment{}}
		s.tenants[secretKey] = t
	}
	return t
}

func (s *Store) lookup(secretKey, paymentKey string) *payment {
	if t := s.tenantOf(secretKey, false); t != nil {
		return t.byKey[paymentKey]
	}
	return nil
}

// current returns secretKey's payment paymentKey, or nil, with the
// time-driven transitions applied as of now; the caller holds s.mu.
func (s *Store) current(secretKey, paymentKey string) *payment {
	p := s.lookup(secretKey, paymentKey)
	if p != nil {
		s.expire(p, s.clock.Now())
	}
	return p
}

// expire applies the time-driven transitions: READY unused for 30 minutes
// and IN_PROGRESS not confirmed within 10 minutes become EXPIRED.
func (s *Store) expire(p *payment, now time.Time) {
	switch {
	case p.status == generated.PaymentStatusReady && now.Sub(p.requestedAt) > openapi.ReadyWindow,
		p.status == generated.PaymentStatusInProgress && now.Sub(p.authenticatedAt) > openapi.ConfirmWindow:
		s.setStatus(p, generated.PaymentStatusExpired, now)
	}
	if p.va != nil {
		s.vaExpire(p, now)
	}
}

// forget drops p, the oldest payment of its tenant, with its cancels.
func (s *Store) forget(t *tenant, p *payment) {
	s.emit(p, Event{At: s.clock.Now(), Kind: EventForgotten, From: p.status, To: p.status})
	p.gone = true
	delete(t.byKey, p.key)
	if t.byOrder[p.orderID] == p {
		delete(t.byOrder, p.orderID)
	}
	delete(s.byKey, p.key)
	t.payments--
	s.payments--
	t.cancels -= len(p.cancels)
	s.cancels -= len(p.cancels)
	if t.payments == 0 {
		// Keep the outbox (it tells of this), not the grown maps.
		t.byKey, t.byOrder, t.queue, t.head = map[string]*payment{}, map[string]*payment{}, nil, 0
	}
}

// forgetOldest drops the oldest payment of t other than keep (the oldest
// with cancels when withCancels), and reports whether there was one.
func (s *Store) forgetOldest(t *tenant, keep *payment, withCancels bool) bool {
	if t == nil {
		return false
	}
	found := false
	for i := t.head; i < len(t.queue); i++ {
		if p := t.queue[i]; !p.gone && p != keep && (!withCancels || len(p.cancels) > 0) {
			s.forget(t, p)
			found = true
			break
		}
	}
	for t.head < len(t.queue) && t.queue[t.head].gone {
		t.queue[t.head] = nil
		t.head++
	}
	if t.head >= 1024 && 2*t.head >= len(t.queue) {
		n := copy(t.queue, t.queue[t.head:])
		clear(t.queue[n:])
		t.queue, t.head = t.queue[:n], 0
	}
	return found
}

// heaviest returns the tenant holding the most by weigh.
func (s *Store) heaviest(weigh func(*tenant) int) *tenant {
	var best *tenant
	for _, t := range s.tenants {
		if best == nil || weigh(t) > weigh(best) {
			best = t
		}
	}
	return best
}

// makeRoom forgets old payments until t (and the sandbox) can take
// addPayments more payments and addCancels more cancels; keep is never
// forgotten. A tenant pays for its own excess; the global excess is paid by
// the tenant that holds the most of it.
func (s *Store) makeRoom(t *tenant, keep *payment, addPayments, addCancels int) {
	for t.payments+addPayments > s.tenant.Payments && t.payments > 0 {
		if !s.forgetOldest(t, keep, false) {
			break
		}
	}
	for t.cancels+addCancels > s.tenant.Cancels && t.cancels > 0 {
		if !s.forgetOldest(t, keep, true) {
			break
		}
	}
	for s.payments+addPayments > s.global.Payments && s.payments > 0 {
		if !s.forgetOldest(s.heaviest(func(t *tenant) int { return t.payments }), keep, false) {
			break
		}
	}
	for s.cancels+addCancels > s.global.Cancels && s.cancels > 0 {
		if !s.forgetOldest(s.heaviest(func(t *tenant) int { return t.cancels }), keep, true) {
			break
		}
	}
}

func (s *Store) add(c Caller, p *payment) {
	t := s.tenantOf(c.SecretKey, true)
	s.makeRoom(t, nil, 1, 0)
	t = s.tenantOf(c.SecretKey, true) // makeRoom may have emptied and dropped it
	s.seq++
	s.payments++
	t.payments++
	p.seq = s.seq
	p.tenant = c.SecretKey
	p.key = s.newPaymentKey()
	p.baseURL = c.BaseURL
	if p.baseURL == "" {
		p.baseURL = s.baseURL
	}
	t.byKey[p.key] = p
	t.byOrder[p.orderID] = p
	t.queue = append(t.queue, p)
	s.byKey[p.key] = p
}

func (s *Store) created(p *payment) {
	s.emit(p, Event{At: p.requestedAt, Kind: EventCreated, To: p.status, Amount: p.total, TransactionKey: p.lastTxKey})
}

// wholeWon returns a as whole won, or an INVALID_REQUEST naming field.
func (s *Store) wholeWon(op, field string, a money.Amount, lang Language) (int64, *Error) {
	n, ok := a.Int64()
	if !ok {
		return 0, s.refuse(op, generated.ErrorCodeInvalidRequest, lang, field+": KRW amounts are whole numbers (rule: integer).")
	}
	return n, nil
}

// Create opens a payment window: the payment is READY and its checkout.url
// points at the sandbox's checkout page.
func (s *Store) Create(c Caller, req generated.CreatePaymentRequest) (generated.Payment, error) {
	const op = openapi.OpCreatePayment
	lang := c.Language
	if req.Method != generated.CreatePaymentMethodCard && req.Method != generated.CreatePaymentMethodVirtualAccount {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeNotSupportedMethod, lang, "The sandbox emulates card (CARD) and virtual-account (VIRTUAL_ACCOUNT) payments only.")
	}
	n, err := s.wholeWon(op, "amount", req.Amount, lang)
	if err != nil {
		return generated.Payment{}, err
	}
	if n < openapi.MinimumAmount {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeBelowMinimumAmount, lang, "The minimum is 100 KRW.")
	}
	if u, perr := url.Parse(req.ReturnURL); perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeInvalidRequest, lang, "returnUrl: must be an absolute http or https URL with its origin (rule: format uri).")
	}
	if req.FlowMode != nil && *req.FlowMode == generated.FlowModeDirect && req.EasyPay == nil && req.CardCompany == nil {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeInvalidFlowModeParameters, lang, "easyPay or cardCompany: one is required when flowMode is DIRECT.")
	}
	s.lockFor(c)
	defer s.unlock()
	if t := s.tenantOf(c.SecretKey, false); t != nil && t.byOrder[req.OrderID] != nil {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeDuplicatedOrderID, lang, "")
	}
	p := &payment{
		orderID:     req.OrderID,
		orderName:   req.OrderName,
		status:      generated.PaymentStatusReady,
		total:       req.Amount,
		balance:     req.Amount,
		taxFree:     money.New(0),
		requestedAt: s.clock.Now(),
		returnURL:   req.ReturnURL,
		automatic:   req.ConfirmationMethod != nil && *req.ConfirmationMethod == generated.ConfirmationMethodAutomatic,
	}
	if req.Method == generated.CreatePaymentMethodVirtualAccount {
		p.va = &vaRecord{refundStatus: generated.RefundStatusNone}
	}
	s.add(c, p)
	s.created(p)
	return s.render(p, lang), nil
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
	s.mu.Lock()
	defer s.unlock()
	p, err := s.checkoutPayment(paymentKey)
	if err != nil {
		return CheckoutResult{}, err
	}
	if p.va != nil {
		if bankCode == "" {
			bankCode = virtualAccountBanks[0].Code
		}
		if bankName(bankCode) == "" {
			return CheckoutResult{}, &Error{Status: http.StatusBadRequest, Code: generated.ErrorCodeInvalidBank, Message: message(generated.ErrorCodeInvalidBank, Korean, "bank: "+bankCode+" is not one of the sandbox's virtual-account banks.")}
		}
		if customerName == "" {
			customerName = defaultCustomerName
		}
		if len([]rune(customerName)) > 100 {
			return CheckoutResult{}, &Error{Status: http.StatusBadRequest, Code: generated.ErrorCodeInvalidRequest, Message: message(generated.ErrorCodeInvalidRequest, Korean, "customerName: at most 100 characters.")}
		}
		p.va.bankCode, p.va.customerName = bankCode, customerName
	}
	now := s.clock.Now()
	p.authenticatedAt = now
	if p.va == nil {
		p.card = &cardRecord{masked: maskCard(checkoutCard), approveNo: s.newDigits(8)}
	}
	s.setStatus(p, generated.PaymentStatusInProgress, now)
	if p.automatic {
		s.authorize(p, now)
	}
	q := url.Values{}
	q.Set("paymentKey", p.key)
	q.Set("orderId", p.orderID)
	q.Set("amount", p.total.String())
	return CheckoutResult{Payment: s.render(p, Korean), RedirectURL: withQuery(p.returnURL, q)}, nil
}

// Fail is the customer giving up at the checkout page: the payment is
// ABORTED and the result redirects with code PAY_PROCESS_CANCELED, its
// message and orderId. FailWith chooses the code.
func (s *Store) Fail(paymentKey string) (CheckoutResult, error) {
	return s.FailWith(paymentKey, FailPayProcessCanceled)
}

// The codes a checkout can fail with, as Toss's payment window hands them
// to the failUrl with their messages (source: Toss's list of payment-window
// errors; the messages are as documented there, assumed unchanged).
const (
	// FailPayProcessCanceled: the customer canceled, or closed the window.
	FailPayProcessCanceled = "PAY_PROCESS_CANCELED"
	// FailPayProcessAborted: the payment stopped during approval.
	FailPayProcessAborted = "PAY_PROCESS_ABORTED"
	// FailRejectCardCompany: the card company refused the card.
	FailRejectCardCompany = "REJECT_CARD_COMPANY"
)

// CheckoutFailure is an outcome a tester can choose at the checkout page.
type CheckoutFailure struct {
	// Code and Message are what the redirect carries, as Toss's window
	// sends them to the failUrl.
	Code, Message string
	// Description says in English when Toss answers it.
	Description string
}

// CheckoutFailures returns the failures FailWith takes, in the order the
// checkout page offers them.
func CheckoutFailures() []CheckoutFailure { return slices.Clone(checkoutFailures) }

var checkoutFailures = []CheckoutFailure{
	{FailPayProcessCanceled, "사용자에 의해 결제가 취소되었습니다.", "the customer canceled"},
	{FailPayProcessAborted, "결제 진행 중 승인에 실패하여 결제가 중단되었습니다.", "approval failed, the payment stopped"},
	{FailRejectCardCompany, "결제 승인이 거절되었습니다.", "the card company refused"},
}

func failMessage(code string) (string, bool) {
	for _, f := range checkoutFailures {
		if f.Code == code {
			return f.Message, true
		}
	}
	return "", false
}

// FailWith is the checkout failing with code, one of CheckoutFailures: the
// payment is ABORTED, its failure holds code and message, and the result
// redirects with code, message and orderId. An unknown code is
// INVALID_REQUEST and changes nothing.
func (s *Store) FailWith(paymentKey, code string) (CheckoutResult, error) {
	msg, ok := failMessage(code)
	if !ok {
		return CheckoutResult{}, &Error{Status: http.StatusBadRequest, Code: generated.ErrorCodeInvalidRequest,
			Message: message(generated.ErrorCodeInvalidRequest, Korean, "code: must be one of PAY_PROCESS_CANCELED, PAY_PROCESS_ABORTED, REJECT_CARD_COMPANY.")}
	}
	s.mu.Lock()
	defer s.unlock()
	p, err := s.checkoutPayment(paymentKey)
	if err != nil {
		return CheckoutResult{}, err
	}
	s.setStatus(p, generated.PaymentStatusAborted, s.clock.Now())
	p.failure = &generated.Failure{Code: &code, Message: &msg}
	q := url.Values{}
	q.Set("code", code)
	q.Set("message", msg)
	q.Set("orderId", p.orderID)
	return CheckoutResult{Payment: s.render(p, Korean), RedirectURL: withQuery(p.returnURL, q)}, nil
}

func (s *Store) checkoutPayment(paymentKey string) (*payment, *Error) {
	p := s.byKey[paymentKey]
	if p == nil {
		return nil, s.refuse(openapi.OpGetPayment, generated.ErrorCodeNotFoundPayment, Korean, "")
	}
	s.expire(p, s.clock.Now())
	switch p.status {
	case generated.PaymentStatusReady:
		return p, nil
	case generated.PaymentStatusExpired:
		return nil, s.refuse(openapi.OpConfirmPayment, generated.ErrorCodeNotFoundPaymentSession, Korean, "")
	default:
		return nil, s.refuse(openapi.OpConfirmPayment, generated.ErrorCodeAlreadyProcessedPayment, Korean, "")
	}
}

func withQuery(raw string, q url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	merged := u.Query()
	for k, v := range q {
		merged[k] = v
	}
	u.RawQuery = merged.Encode()
	return u.String()
}

// authorize moves an authenticated payment to DONE, or a virtual-account
// payment to WAITING_FOR_DEPOSIT with its account issued.
func (s *Store) authorize(p *payment, now time.Time) {
	if p.va != nil {
		s.issue(p, now)
		return
	}
	p.approvedAt = now
	p.lastTxKey = s.newTxKey()
	p.secret = "ps_" + s.newAlnum(21)
	s.setStatus(p, generated.PaymentStatusDone, now)
}

// Confirm authorizes a payment the customer approved at checkout. The amount
// must equal the payment's; the call must come within 10 minutes of the
// approval, after which the payment is EXPIRED.
func (s *Store) Confirm(c Caller, req generated.ConfirmPaymentRequest) (generated.Payment, error) {
	const op = openapi.OpConfirmPayment
	lang := c.Language
	s.lockFor(c)
	defer s.unlock()
	p := s.lookup(c.SecretKey, req.PaymentKey)
	if p == nil {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeNotFoundPayment, lang, "")
	}
	if p.orderID != req.OrderID {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeInvalidRequest, lang, "orderId: does not match the payment's order ID.")
	}
	now := s.clock.Now()
	s.expire(p, now)
	switch p.status {
	case generated.PaymentStatusInProgress:
	case generated.PaymentStatusReady:
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeNotFoundPaymentSession, lang, "The customer has not approved the payment at checkout.")
	case generated.PaymentStatusExpired, generated.PaymentStatusAborted:
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeNotFoundPaymentSession, lang, "")
	default:
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeAlreadyProcessedPayment, lang, "")
	}
	if req.Amount.Cmp(p.total) != 0 {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeInvalidRequest, lang,
			"amount: "+req.Amount.String()+" does not match the authenticated amount "+p.total.String()+".")
	}
	s.authorize(p, now)
	return s.render(p, lang), nil
}

// Cancel cancels the whole balance (no cancelAmount) or part of it.
func (s *Store) Cancel(c Caller, paymentKey string, req generated.CancelPaymentRequest) (generated.Payment, error) {
	const op = openapi.OpCancelPayment
	lang := c.Language
	s.lockFor(c)
	defer s.unlock()
	p := s.lookup(c.SecretKey, paymentKey)
	if p == nil {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeNotFoundPayment, lang, "")
	}
	now := s.clock.Now()
	s.expire(p, now)
	switch p.status {
	case generated.PaymentStatusDone, generated.PaymentStatusPartialCanceled:
	case generated.PaymentStatusWaitingForDeposit:
		if p.va == nil {
			return generated.Payment{}, s.refuse(op, generated.ErrorCodeNotCancelablePayment, lang, "")
		}
	case generated.PaymentStatusCanceled:
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeAlreadyCanceledPayment, lang, "")
	default:
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeNotCancelablePayment, lang, "Only DONE and PARTIAL_CANCELED payments can be canceled; this one is "+string(p.status)+".")
	}
	if req.Currency != nil && *req.Currency != "KRW" {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeInvalidRequest, lang, "currency: the payment is in KRW.")
	}
	if req.RefundableAmount != nil && req.RefundableAmount.Cmp(p.balance) != 0 {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeNotMatchesRefundableAmount, lang,
			"refundableAmount "+req.RefundableAmount.String()+" differs from the balance "+p.balance.String()+".")
	}
	if len(p.cancels) >= MaxCancelsPerPayment {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeExceedCancelLimit, lang,
			fmt.Sprintf("The payment already has %d cancels, the most the sandbox takes.", MaxCancelsPerPayment))
	}
	amount, taxFree, rerr := s.cancelParts(op, lang, p, req)
	if rerr != nil {
		return generated.Payment{}, rerr
	}
	if rerr := s.vaCancelRules(op, lang, p, req, amount); rerr != nil {
		return generated.Payment{}, rerr
	}
	// Room for one more cancel: within the key's and the sandbox's limits,
	// older payments are forgotten, never this one.
	t := s.tenants[p.tenant]
	s.makeRoom(t, p, 0, 1)
	balance, _ := p.balance.Sub(amount)
	remainingTaxFree, _ := p.taxFree.Sub(taxFree)
	p.balance, p.taxFree = balance, remainingTaxFree
	cr := cancelRecord{amount: amount, taxFree: taxFree, refundable: balance, reason: req.CancelReason, at: now, txKey: s.newTxKey()}
	p.cancels = append(p.cancels, cr)
	t.cancels++
	s.cancels++
	p.lastTxKey = cr.txKey
	from := p.status
	if balance.IsZero() {
		p.status = generated.PaymentStatusCanceled
	} else {
		p.status = generated.PaymentStatusPartialCanceled
	}
	s.vaRefund(p, req, from, now)
	s.emit(p, Event{At: now, Kind: EventCanceled, From: from, To: p.status, Amount: amount, TransactionKey: cr.txKey})
	return s.render(p, lang), nil
}

// cancelParts returns the amount and the tax-free part of a cancel of p, or
// the documented refusal. Whole balance when cancelAmount is absent, with
// the whole remaining tax-free part unless taxFreeAmount says otherwise; a
// partial cancel's taxFreeAmount defaults to 0, as Toss documents.
//
// The balance splits into a tax-free part and a taxable part, and a cancel
// takes from each: its taxFreeAmount from the tax-free part, the rest of
// its amount from the taxable part. Either exceeding what is left is 403
// NOT_CANCELABLE_AMOUNT (the spec's code for "the amount cannot be
// canceled"), so neither part ever goes below zero and vat and
// suppliedAmount, derived from the taxable part, never do either.
func (s *Store) cancelParts(op string, lang Language, p *payment, req generated.CancelPaymentRequest) (amount, taxFree money.Amount, _ *Error) {
	amount, taxFree = p.balance, p.taxFree
	if req.CancelAmount != nil {
		amount, taxFree = *req.CancelAmount, money.New(0)
		if _, err := s.wholeWon(op, "cancelAmount", amount, lang); err != nil {
			return amount, taxFree, err
		}
	}
	if req.TaxFreeAmount != nil {
		taxFree = *req.TaxFreeAmount
		if _, err := s.wholeWon(op, "taxFreeAmount", taxFree, lang); err != nil {
			return amount, taxFree, err
		}
	}
	if amount.Cmp(p.balance) > 0 {
		return amount, taxFree, s.refuse(op, generated.ErrorCodeNotCancelableAmount, lang,
			"cancelAmount "+amount.String()+" is more than the balance "+p.balance.String()+".")
	}
	if taxFree.Cmp(amount) > 0 {
		return amount, taxFree, s.refuse(op, generated.ErrorCodeNotCancelableAmount, lang,
			"taxFreeAmount "+taxFree.String()+" is more than the cancel amount "+amount.String()+".")
	}
	if taxFree.Cmp(p.taxFree) > 0 {
		return amount, taxFree, s.refuse(op, generated.ErrorCodeNotCancelableAmount, lang,
			"taxFreeAmount "+taxFree.String()+" is more than the tax-free part still cancelable, "+p.taxFree.String()+".")
	}
	taxable, err1 := amount.Sub(taxFree)
	taxableLeft, err2 := p.balance.Sub(p.taxFree)
	if err1 != nil || err2 != nil {
		return amount, taxFree, s.refuse(op, generated.ErrorCodeNotCancelableAmount, lang, "amount out of range.")
	}
	if taxable.Cmp(taxableLeft) > 0 {
		return amount, taxFree, s.refuse(op, generated.ErrorCodeNotCancelableAmount, lang,
			"The taxable part of the cancel, "+taxable.String()+" (cancelAmount − taxFreeAmount), is more than the taxable part still cancelable, "+
				taxableLeft.String()+": raise taxFreeAmount (the tax-free part still cancelable is "+p.taxFree.String()+").")
	}
	return amount, taxFree, nil
}

// KeyIn charges a card whose number was entered by the merchant: the
// payment is DONE at once, or the card is declined (see ReservedCards).
func (s *Store) KeyIn(c Caller, req generated.KeyInPaymentRequest) (generated.Payment, error) {
	const op = openapi.OpKeyInPayment
	lang := c.Language
	n, err := s.wholeWon(op, "amount", req.Amount, lang)
	if err != nil {
		return generated.Payment{}, err
	}
	if n < openapi.MinimumAmount {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeBelowMinimumAmount, lang, "The minimum is 100 KRW.")
	}
	taxFree := money.New(0)
	if req.TaxFreeAmount != nil {
		taxFree = *req.TaxFreeAmount
		if taxFree.Cmp(req.Amount) > 0 {
			return generated.Payment{}, s.refuse(op, generated.ErrorCodeInvalidRequest, lang, "taxFreeAmount: must not exceed amount.")
		}
	}
	if !isDigits(string(req.CardNumber)) || len(req.CardNumber) < 13 || len(req.CardNumber) > 19 {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeInvalidCardNumber, lang, "")
	}
	s.lockFor(c)
	defer s.unlock()
	if t := s.tenantOf(c.SecretKey, false); t != nil && t.byOrder[req.OrderID] != nil {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeDuplicatedOrderID, lang, "")
	}
	now := s.clock.Now()
	if expired(req.CardExpirationYear, req.CardExpirationMonth, now) {
		return generated.Payment{}, s.refuse(op, generated.ErrorCodeInvalidCardExpiration, lang, "")
	}
	if code, ok := reservedCards[string(req.CardNumber)]; ok {
		return generated.Payment{}, s.refuse(op, code, lang, "(sandbox reserved test card)")
	}
	card := &cardRecord{
		masked:    maskCard(string(req.CardNumber)),
		approveNo: s.newDigits(8),
		corporate: len(req.CustomerIdentityNumber) == 10,
	}
	if req.CardInstallmentPlan != nil {
		card.installment = *req.CardInstallmentPlan
	}
	if req.UseFreeInstallmentPlan != nil {
		card.freeInstallment = *req.UseFreeInstallmentPlan && card.installment > 1
	}
	p := &payment{
		orderID:         req.OrderID,
		orderName:       req.OrderName,
		total:           req.Amount,
		balance:         req.Amount,
		taxFree:         taxFree,
		requestedAt:     now,
		authenticatedAt: now,
		approvedAt:      now,
		card:            card,
		status:          generated.PaymentStatusDone,
	}
	s.add(c, p)
	// As authorize does, in the same order, so a seed gives the same keys.
	p.lastTxKey = s.newTxKey()
	p.secret = "ps_" + s.newAlnum(21)
	s.created(p)
	return s.render(p, lang), nil
}

// Get looks a payment up by its paymentKey.
func (s *Store) Get(c Caller, paymentKey string) (generated.Payment, error) {
	s.lockFor(c)
	defer s.unlock()
	p := s.current(c.SecretKey, paymentKey)
	if p == nil {
		return generated.Payment{}, s.refuse(openapi.OpGetPayment, generated.ErrorCodeNotFoundPayment, c.Language, "")
	}
	return s.render(p, c.Language), nil
}

// GetByOrderID looks a payment up by its orderId.
func (s *Store) GetByOrderID(c Caller, orderID string) (generated.Payment, error) {
	s.lockFor(c)
	defer s.unlock()
	var p *payment
	if t := s.tenantOf(c.SecretKey, false); t != nil {
		p = t.byOrder[orderID]
	}
	if p == nil {
		return generated.Payment{}, s.refuse(openapi.OpGetPaymentByOrderID, generated.ErrorCodeNotFoundPayment, c.Language, "")
	}
	s.expire(p, s.clock.Now())
	return s.render(p, c.Language), nil
}

// Payments returns a snapshot of the payments of secretKey, oldest first,
// rendered in Korean as the API does by default. Fault campaigns use it to
// check the store against what their clients believe.
func (s *Store) Payments(secretKey string) []generated.Payment {
	s.mu.Lock()
	defer s.unlock()
	t := s.tenantOf(secretKey, false)
	if t == nil {
		return nil
	}
	ps := make([]*payment, 0, len(t.byKey))
	for _, p := range t.byKey {
		s.expire(p, s.clock.Now())
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *payment) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]generated.Payment, len(ps))
	for i, p := range ps {
		out[i] = s.render(p, Korean)
	}
	return out
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// expired reports whether a card valid through yy/mm has expired at now
// (Korean time). The spec's patterns guarantee two digits each.
func expired(yy, mm string, now time.Time) bool {
	y, err1 := strconv.Atoi(yy)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil {
		return true
	}
	kst := now.In(tosstime.Seoul)
	cur := kst.Year()*12 + int(kst.Month()) - 1
	return (2000+y)*12+m-1 < cur
}

// maskCard masks a card number as Toss does: 12341234****123*.
func maskCard(n string) string {
	if len(n) < 13 {
		return n
	}
	b := []byte(n)
	for i := 8; i < 12; i++ {
		b[i] = '*'
	}
	b[len(b)-1] = '*'
	return string(b)
}

func (s *Store) usage() Usage {
	s.mu.Lock()
	defer s.unlock()
	return Usage{Tenants: len(s.tenants), Payments: s.payments, Cancels: s.cancels}
}

func (s *Store) usageOf(secretKey string) Usage {
	s.mu.Lock()
	defer s.unlock()
	t := s.tenants[secretKey]
	if t == nil {
		return Usage{}
	}
	return Usage{Tenants: 1, Payments: t.payments, Cancels: t.cancels}
}
