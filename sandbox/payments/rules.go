package payments

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// checkoutCard is the card the checkout page pays with.
const checkoutCard = "4330123412341234"

// ReservedCards returns the key-in card numbers the sandbox declines, each
// with the documented code it answers with. Any other well-formed number
// with an expiration month not in the past is approved.
func ReservedCards() map[string]Code { return maps.Clone(reservedCards) }

var reservedCards = map[string]Code{
	"4000000000000002": CodeRejectCardCompany,       // the card company declines
	"4000000000009995": CodeRejectCardPayment,       // limit exceeded or insufficient balance
	"4000000000009987": CodeInvalidCardLostOrStolen, // reported lost or stolen
	"4000000000000036": CodeInvalidStoppedCard,      // suspended card
	"4000000000000259": CodeFdsError,                // blocked by fraud detection
	"4000000000000119": CodeCardProcessingError,     // card company error
}

// tick applies the clock's transitions to p as of now: READY unused for
// the ready window and IN_PROGRESS not confirmed within the confirm window
// expire; a virtual account's due date passes, its refund settles.
func (b *Book) tick(p *record, now time.Time) {
	f := b.cfg.Facts
	switch {
	case p.Status == StatusReady && now.Sub(p.RequestedAt) > f.ReadyWindow,
		p.Status == StatusInProgress && now.Sub(p.AuthenticatedAt) > f.ConfirmWindow:
		b.apply(p, ActionExpire, now, Event{})
	}
	if p.VirtualAccount != nil {
		b.tickAccount(p, now)
	}
}

// Sweep applies the clock's transitions to every payment whose state can
// still change with time, so that they are announced when they happen
// rather than at the next look-up.
func (b *Book) Sweep(out *Outbox) {
	b.begin(out)
	defer b.end()
	for _, p := range b.byKey {
		va := p.VirtualAccount
		if p.Status == StatusReady || p.Status == StatusInProgress ||
			va != nil && (p.Status == StatusWaitingForDeposit || va.RefundStatus == RefundPending) {
			b.tick(p, b.at(p))
		}
	}
}

// wholeWon returns a as whole won, or an INVALID_REQUEST naming field.
func wholeWon(op Op, field string, a money.Amount) (int64, *Refusal) {
	n, ok := a.Int64()
	if !ok {
		return 0, refuse(op, CodeInvalidRequest, field+": KRW amounts are whole numbers (rule: integer).")
	}
	return n, nil
}

// CreateInput is a createPayment request.
type CreateInput struct {
	Method    Method
	Amount    money.Amount
	OrderID   string
	OrderName string
	ReturnURL string
	// DirectWithoutProvider: flowMode DIRECT with neither easyPay nor
	// cardCompany.
	DirectWithoutProvider bool
	// Automatic: confirmationMethod AUTOMATIC.
	Automatic bool
	// BaseURL is where the payment's pages are.
	BaseURL string
}

// Create opens a payment window: the payment is READY.
func (b *Book) Create(out *Outbox, tenantName string, in CreateInput) (Payment, error) {
	const op = OpCreatePayment
	if in.Method != MethodCard && in.Method != MethodVirtualAccount {
		return Payment{}, refuse(op, CodeNotSupportedMethod, "The sandbox emulates card (CARD) and virtual-account (VIRTUAL_ACCOUNT) payments only.")
	}
	n, err := wholeWon(op, "amount", in.Amount)
	if err != nil {
		return Payment{}, err
	}
	if n < b.cfg.Facts.MinimumAmount {
		return Payment{}, refuse(op, CodeBelowMinimumAmount, fmt.Sprintf("The minimum is %d KRW.", b.cfg.Facts.MinimumAmount))
	}
	if u, perr := url.Parse(in.ReturnURL); perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Payment{}, refuse(op, CodeInvalidRequest, "returnUrl: must be an absolute http or https URL with its origin (rule: format uri).")
	}
	if in.DirectWithoutProvider {
		return Payment{}, refuse(op, CodeInvalidFlowModeParameters, "easyPay or cardCompany: one is required when flowMode is DIRECT.")
	}
	b.begin(out)
	defer b.end()
	if t := b.tenantOf(tenantName, false); t != nil && b.byOrder[orderKey{t, in.OrderID}] != nil {
		return Payment{}, refuse(op, CodeDuplicatedOrderID, "")
	}
	p := &record{Payment: Payment{
		OrderID:     in.OrderID,
		OrderName:   in.OrderName,
		Method:      in.Method,
		Total:       in.Amount,
		Balance:     in.Amount,
		TaxFree:     money.New(0),
		RequestedAt: b.nowOf(tenantName),
		ReturnURL:   in.ReturnURL,
		Automatic:   in.Automatic,
		BaseURL:     in.BaseURL,
	}}
	if in.Method == MethodVirtualAccount {
		p.VirtualAccount = &VirtualAccount{RefundStatus: RefundNone}
	}
	b.add(tenantName, p)
	b.apply(p, ActionCreate, p.RequestedAt, Event{Amount: p.Total})
	return p.snapshot(), nil
}

// KeyInInput is a keyInPayment request, without what the sandbox does not
// keep (the identity number: only whether it is a corporate one).
type KeyInInput struct {
	Amount          money.Amount
	TaxFree         *money.Amount
	OrderID         string
	OrderName       string
	CardNumber      string
	ExpirationYear  string
	ExpirationMonth string
	Installment     *int
	FreeInstallment *bool
	// Corporate: the customer's identity number is a business number.
	Corporate bool
	BaseURL   string
}

// KeyIn charges a card whose number was entered by the merchant: the
// payment is DONE at once, or the card is declined (see ReservedCards).
func (b *Book) KeyIn(out *Outbox, tenantName string, in KeyInInput) (Payment, error) {
	const op = OpKeyInPayment
	taxFree, err := b.chargedAmount(op, in.Amount, in.TaxFree)
	if err != nil {
		return Payment{}, err
	}
	if !isDigits(in.CardNumber) || len(in.CardNumber) < 13 || len(in.CardNumber) > 19 {
		return Payment{}, refuse(op, CodeInvalidCardNumber, "")
	}
	b.begin(out)
	defer b.end()
	if t := b.tenantOf(tenantName, false); t != nil && b.byOrder[orderKey{t, in.OrderID}] != nil {
		return Payment{}, refuse(op, CodeDuplicatedOrderID, "")
	}
	now := b.nowOf(tenantName)
	if expired(in.ExpirationYear, in.ExpirationMonth, now) {
		return Payment{}, refuse(op, CodeInvalidCardExpiration, "")
	}
	if code, ok := reservedCards[in.CardNumber]; ok {
		return Payment{}, refuse(op, code, "(sandbox reserved test card)")
	}
	card := &Card{Masked: maskCard(in.CardNumber), ApproveNo: b.digits(8), Corporate: in.Corporate}
	if in.Installment != nil {
		card.Installment = *in.Installment
	}
	if in.FreeInstallment != nil {
		card.FreeInstallment = *in.FreeInstallment && card.Installment > 1
	}
	p := &record{Payment: Payment{
		OrderID:         in.OrderID,
		OrderName:       in.OrderName,
		Method:          MethodCard,
		Total:           in.Amount,
		Balance:         in.Amount,
		TaxFree:         taxFree,
		RequestedAt:     now,
		AuthenticatedAt: now,
		ApprovedAt:      now,
		Card:            card,
		BaseURL:         in.BaseURL,
	}}
	b.add(tenantName, p)
	// As authorize does, in the same order, so a seed gives the same keys.
	p.LastTransactionKey = b.txKey()
	p.Secret = b.newSecret()
	b.apply(p, ActionKeyIn, now, Event{Amount: p.Total, TransactionKey: p.LastTransactionKey})
	return p.snapshot(), nil
}

// checkoutPayment returns the payment the checkout page decides on, READY.
func (b *Book) checkoutPayment(paymentKey string) (*record, *Refusal) {
	p := b.byKey[paymentKey]
	if p == nil {
		return nil, refuse(OpGetPayment, CodeNotFoundPayment, "")
	}
	b.touch(p.tenant)
	b.tick(p, b.at(p))
	switch p.Status {
	case StatusReady:
		return p, nil
	case StatusExpired:
		return nil, refuse(OpConfirmPayment, CodeNotFoundPaymentSession, "")
	default:
		return nil, refuse(OpConfirmPayment, CodeAlreadyProcessedPayment, "")
	}
}

// Approve is the customer approving the payment at the checkout page,
// choosing for a virtual account the bank (bankCode, one of Banks; "" for
// the first) and giving their name (customerName; "" for a default): the
// payment is IN_PROGRESS, DONE or WAITING_FOR_DEPOSIT at once when it was
// created with confirmationMethod AUTOMATIC. It returns the returnUrl with
// paymentKey, orderId and amount.
func (b *Book) Approve(out *Outbox, paymentKey, bankCode, customerName string) (Payment, string, error) {
	b.begin(out)
	defer b.end()
	p, err := b.checkoutPayment(paymentKey)
	if err != nil {
		return Payment{}, "", err
	}
	if va := p.VirtualAccount; va != nil {
		if bankCode == "" {
			bankCode = banks[0].Code
		}
		if BankName(bankCode) == "" {
			return Payment{}, "", badRequest(CodeInvalidBank, "bank: "+bankCode+" is not one of the sandbox's virtual-account banks.")
		}
		if customerName == "" {
			customerName = DefaultCustomerName
		}
		if !utf8.ValidString(customerName) || strings.ContainsRune(customerName, 0) {
			// What the JSON API takes: UTF-8 text (RFC 8259), and no NUL,
			// which no name holds and C strings end at.
			return Payment{}, "", badRequest(CodeInvalidRequest, "customerName: not valid UTF-8 text, or holds a NUL character (rule: UTF-8 text without NUL).")
		}
		if n := b.cfg.Facts.CustomerNameMax; len([]rune(customerName)) > n {
			return Payment{}, "", badRequest(CodeInvalidRequest, fmt.Sprintf("customerName: at most %d characters.", n))
		}
		va.BankCode, va.CustomerName = bankCode, customerName
	}
	now := b.at(p)
	p.AuthenticatedAt = now
	if p.VirtualAccount == nil {
		p.Card = &Card{Masked: maskCard(checkoutCard), ApproveNo: b.digits(8)}
	}
	b.apply(p, ActionApprove, now, Event{})
	if p.Automatic {
		b.confirm(p, now)
	}
	q := url.Values{}
	q.Set("paymentKey", p.Key)
	q.Set("orderId", p.OrderID)
	q.Set("amount", p.Total.String())
	return p.snapshot(), WithQuery(p.ReturnURL, q), nil
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

// CheckoutFailures returns the failures Fail takes, in the order the
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

// Fail is the checkout failing with code, one of CheckoutFailures: the
// payment is ABORTED, its failure holds code and message, and the returned
// URL is the returnUrl with code, message and orderId. An unknown code is
// INVALID_REQUEST and changes nothing.
func (b *Book) Fail(out *Outbox, paymentKey, code string) (Payment, string, error) {
	msg, ok := failMessage(code)
	if !ok {
		return Payment{}, "", badRequest(CodeInvalidRequest, "code: must be one of PAY_PROCESS_CANCELED, PAY_PROCESS_ABORTED, REJECT_CARD_COMPANY.")
	}
	b.begin(out)
	defer b.end()
	p, err := b.checkoutPayment(paymentKey)
	if err != nil {
		return Payment{}, "", err
	}
	b.apply(p, ActionFail, b.at(p), Event{})
	p.Failure = &Failure{Code: code, Message: msg}
	q := url.Values{}
	q.Set("code", code)
	q.Set("message", msg)
	q.Set("orderId", p.OrderID)
	return p.snapshot(), WithQuery(p.ReturnURL, q), nil
}

// WithQuery returns raw with q's values added to its query (a redirect to a
// successUrl or failUrl), or raw itself when it does not parse.
func WithQuery(raw string, q url.Values) string {
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

// confirm authorizes an authenticated payment: DONE, or for a virtual
// account WAITING_FOR_DEPOSIT with its account issued.
func (b *Book) confirm(p *record, now time.Time) {
	if p.VirtualAccount != nil {
		b.issue(p, now)
	} else {
		p.ApprovedAt = now
		p.LastTransactionKey = b.txKey()
		p.Secret = b.newSecret()
	}
	b.apply(p, ActionConfirm, now, Event{})
}

// ConfirmInput is a confirmPayment request.
type ConfirmInput struct {
	PaymentKey string
	OrderID    string
	Amount     money.Amount
}

// Confirm authorizes a payment the customer approved at checkout. The
// amount must equal the payment's; the call must come within the confirm
// window of the approval, after which the payment is EXPIRED.
func (b *Book) Confirm(out *Outbox, tenantName string, in ConfirmInput) (Payment, error) {
	const op = OpConfirmPayment
	b.begin(out)
	defer b.end()
	p := b.lookup(tenantName, in.PaymentKey)
	if p == nil {
		return Payment{}, refuse(op, CodeNotFoundPayment, "")
	}
	if p.OrderID != in.OrderID {
		return Payment{}, refuse(op, CodeInvalidRequest, "orderId: does not match the payment's order ID.")
	}
	now := b.at(p)
	b.tick(p, now)
	switch p.Status {
	case StatusInProgress:
	case StatusReady:
		return Payment{}, refuse(op, CodeNotFoundPaymentSession, "The customer has not approved the payment at checkout.")
	case StatusExpired, StatusAborted:
		return Payment{}, refuse(op, CodeNotFoundPaymentSession, "")
	default:
		return Payment{}, refuse(op, CodeAlreadyProcessedPayment, "")
	}
	if in.Amount.Cmp(p.Total) != 0 {
		return Payment{}, refuse(op, CodeInvalidRequest,
			"amount: "+in.Amount.String()+" does not match the authenticated amount "+p.Total.String()+".")
	}
	b.confirm(p, now)
	return p.snapshot(), nil
}

// RefundAccount is the account a cancel after a deposit refunds to.
type RefundAccount struct {
	Bank, AccountNumber, HolderName string
}

// CancelInput is a cancelPayment request.
type CancelInput struct {
	Reason           string
	Amount           *money.Amount
	TaxFree          *money.Amount
	RefundableAmount *money.Amount
	Currency         *string
	RefundAccount    *RefundAccount
}

// Cancel cancels the whole balance (no Amount) or part of it.
func (b *Book) Cancel(out *Outbox, tenantName, paymentKey string, in CancelInput) (Payment, error) {
	const op = OpCancelPayment
	b.begin(out)
	defer b.end()
	p := b.lookup(tenantName, paymentKey)
	if p == nil {
		return Payment{}, refuse(op, CodeNotFoundPayment, "")
	}
	now := b.at(p)
	b.tick(p, now)
	switch {
	case allows(p.Method, p.Status, ActionCancelRest):
	case p.Status == StatusCanceled:
		return Payment{}, refuse(op, CodeAlreadyCanceledPayment, "")
	case p.Status == StatusWaitingForDeposit:
		return Payment{}, refuse(op, CodeNotCancelablePayment, "")
	default:
		return Payment{}, refuse(op, CodeNotCancelablePayment, "Only DONE and PARTIAL_CANCELED payments can be canceled; this one is "+string(p.Status)+".")
	}
	if in.Currency != nil && *in.Currency != "KRW" {
		return Payment{}, refuse(op, CodeInvalidRequest, "currency: the payment is in KRW.")
	}
	if in.RefundableAmount != nil && in.RefundableAmount.Cmp(p.Balance) != 0 {
		return Payment{}, refuse(op, CodeNotMatchesRefundableAmount,
			"refundableAmount "+in.RefundableAmount.String()+" differs from the balance "+p.Balance.String()+".")
	}
	if len(p.Cancels) >= MaxCancelsPerPayment {
		return Payment{}, refuse(op, CodeExceedCancelLimit,
			fmt.Sprintf("The payment already has %d cancels, the most the sandbox takes.", MaxCancelsPerPayment))
	}
	amount, taxFree, rerr := cancelParts(op, &p.Payment, in)
	if rerr != nil {
		return Payment{}, rerr
	}
	if rerr := accountCancelRules(op, b.cfg.Facts, &p.Payment, in, amount); rerr != nil {
		return Payment{}, rerr
	}
	// Room for one more cancel: within the tenant's and the book's bounds,
	// older payments are forgotten, never this one.
	t := p.tenant
	b.makeRoom(t, p, 0, 1)
	balance, _ := p.Balance.Sub(amount)
	remainingTaxFree, _ := p.TaxFree.Sub(taxFree)
	p.Balance, p.TaxFree = balance, remainingTaxFree
	c := Cancel{Amount: amount, TaxFree: taxFree, Refundable: balance, Reason: in.Reason, At: now, TransactionKey: b.txKey()}
	p.Cancels = append(p.Cancels, c)
	t.cancels++
	b.cancels++
	p.LastTransactionKey = c.TransactionKey
	action := ActionCancelPart
	if balance.IsZero() {
		action = ActionCancelRest
	}
	from := p.Status
	b.startRefund(p, in, from, now)
	b.apply(p, action, now, Event{Amount: amount, TransactionKey: c.TransactionKey})
	return p.snapshot(), nil
}

// cancelParts returns the amount and the tax-free part of a cancel of p, or
// the documented refusal. Whole balance when Amount is absent, with the
// whole remaining tax-free part unless TaxFree says otherwise; a partial
// cancel's TaxFree defaults to 0, as Toss documents.
//
// The balance splits into a tax-free part and a taxable part, and a cancel
// takes from each: its taxFreeAmount from the tax-free part, the rest of
// its amount from the taxable part. Either exceeding what is left is 403
// NOT_CANCELABLE_AMOUNT (the spec's code for "the amount cannot be
// canceled"), so neither part ever goes below zero and vat and
// suppliedAmount, derived from the taxable part, never do either.
func cancelParts(op Op, p *Payment, in CancelInput) (amount, taxFree money.Amount, _ *Refusal) {
	amount, taxFree = p.Balance, p.TaxFree
	if in.Amount != nil {
		amount, taxFree = *in.Amount, money.New(0)
		if _, err := wholeWon(op, "cancelAmount", amount); err != nil {
			return amount, taxFree, err
		}
	}
	if in.TaxFree != nil {
		taxFree = *in.TaxFree
		if _, err := wholeWon(op, "taxFreeAmount", taxFree); err != nil {
			return amount, taxFree, err
		}
	}
	if amount.Cmp(p.Balance) > 0 {
		return amount, taxFree, refuse(op, CodeNotCancelableAmount,
			"cancelAmount "+amount.String()+" is more than the balance "+p.Balance.String()+".")
	}
	if taxFree.Cmp(amount) > 0 {
		return amount, taxFree, refuse(op, CodeNotCancelableAmount,
			"taxFreeAmount "+taxFree.String()+" is more than the cancel amount "+amount.String()+".")
	}
	if taxFree.Cmp(p.TaxFree) > 0 {
		return amount, taxFree, refuse(op, CodeNotCancelableAmount,
			"taxFreeAmount "+taxFree.String()+" is more than the tax-free part still cancelable, "+p.TaxFree.String()+".")
	}
	taxable, err1 := amount.Sub(taxFree)
	taxableLeft, err2 := p.Balance.Sub(p.TaxFree)
	if err1 != nil || err2 != nil {
		return amount, taxFree, refuse(op, CodeNotCancelableAmount, "amount out of range.")
	}
	if taxable.Cmp(taxableLeft) > 0 {
		return amount, taxFree, refuse(op, CodeNotCancelableAmount,
			"The taxable part of the cancel, "+taxable.String()+" (cancelAmount − taxFreeAmount), is more than the taxable part still cancelable, "+
				taxableLeft.String()+": raise taxFreeAmount (the tax-free part still cancelable is "+p.TaxFree.String()+").")
	}
	return amount, taxFree, nil
}

// Get looks a payment of the tenant up by its paymentKey.
func (b *Book) Get(out *Outbox, tenantName, paymentKey string) (Payment, error) {
	b.begin(out)
	defer b.end()
	p := b.current(tenantName, paymentKey)
	if p == nil {
		return Payment{}, refuse(OpGetPayment, CodeNotFoundPayment, "")
	}
	return p.snapshot(), nil
}

// GetByOrderID looks a payment of the tenant up by its orderId.
func (b *Book) GetByOrderID(out *Outbox, tenantName, orderID string) (Payment, error) {
	b.begin(out)
	defer b.end()
	var p *record
	if t := b.tenantOf(tenantName, false); t != nil {
		p = b.byOrder[orderKey{t, orderID}]
	}
	if p == nil {
		return Payment{}, refuse(OpGetByOrderID, CodeNotFoundPayment, "")
	}
	b.tick(p, b.at(p))
	return p.snapshot(), nil
}

// Find returns the payment paymentKey of any tenant, as the checkout and
// receipt pages know it by its key alone.
func (b *Book) Find(out *Outbox, paymentKey string) (Payment, bool) {
	b.begin(out)
	defer b.end()
	p := b.byKey[paymentKey]
	if p == nil {
		return Payment{}, false
	}
	b.tick(p, b.at(p))
	return p.snapshot(), true
}

// Owner returns the tenant that owns paymentKey, or "".
func (b *Book) Owner(paymentKey string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.byKey[paymentKey]; p != nil {
		return p.Tenant
	}
	return ""
}

// Payments returns the tenant's payments, oldest first.
func (b *Book) Payments(out *Outbox, tenantName string) []Payment {
	b.begin(out)
	defer b.end()
	t := b.tenantOf(tenantName, false)
	if t == nil {
		return nil
	}
	ps := make([]*record, 0, t.payments)
	now := b.nowOf(tenantName)
	for _, p := range t.queue[t.head:] {
		if !p.gone {
			ps = append(ps, p)
		}
	}
	for _, p := range ps {
		b.tick(p, now)
	}
	slices.SortFunc(ps, func(x, y *record) int { return cmp.Compare(x.Seq, y.Seq) })
	snaps := make([]Payment, len(ps))
	for i, p := range ps {
		snaps[i] = p.snapshot()
	}
	return snaps
}

// Newest returns the tenant's payments newest first that match (nil: all),
// at most limit of them, and how many match.
func (b *Book) Newest(out *Outbox, tenantName string, match func(*Payment) bool, limit int) ([]Payment, int) {
	b.begin(out)
	defer b.end()
	t := b.tenantOf(tenantName, false)
	if t == nil {
		return nil, 0
	}
	now := b.nowOf(tenantName)
	var rows []Payment
	matched := 0
	for i := len(t.queue) - 1; i >= t.head; i-- {
		p := t.queue[i]
		if p == nil || p.gone {
			continue
		}
		b.tick(p, now)
		if match != nil && !match(&p.Payment) {
			continue
		}
		matched++
		if len(rows) < limit {
			rows = append(rows, p.snapshot())
		}
	}
	return rows, matched
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
	s := []byte(n)
	for i := 8; i < 12; i++ {
		s[i] = '*'
	}
	s[len(s)-1] = '*'
	return string(s)
}

// chargedAmount checks the amount of a payment approved with its request
// (key-in, a billing charge): whole won, at least the minimum, and a
// tax-free part (0 when absent) not above it.
func (b *Book) chargedAmount(op Op, amount money.Amount, taxFree *money.Amount) (money.Amount, error) {
	n, err := wholeWon(op, "amount", amount)
	if err != nil {
		return money.Amount{}, err
	}
	if n < b.cfg.Facts.MinimumAmount {
		return money.Amount{}, refuse(op, CodeBelowMinimumAmount, fmt.Sprintf("The minimum is %d KRW.", b.cfg.Facts.MinimumAmount))
	}
	free := money.New(0)
	if taxFree != nil {
		if free = *taxFree; free.Cmp(amount) > 0 {
			return money.Amount{}, refuse(op, CodeInvalidRequest, "taxFreeAmount: must not exceed amount.")
		}
	}
	return free, nil
}
