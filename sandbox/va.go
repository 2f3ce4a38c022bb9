package sandbox

import (
	"net/http"
	"slices"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// The virtual-account rules (docs/webhooks.md §4 gives each with its
// source; "assumed" marks the sandbox's choices where the docs are silent).
const (
	// defaultCustomerName is the name the checkout page issues accounts to
	// when the customer gives none.
	defaultCustomerName = "김토스"
	// minRefundAccountDigits: a refund account number shorter than this is
	// INVALID_REFUND_ACCOUNT_NUMBER (assumed: Korean account numbers have 10
	// to 14 digits; the spec's pattern allows 1 to 20).
	minRefundAccountDigits = 10
)

// Bank is a bank the sandbox issues virtual accounts at and refunds to.
type Bank struct {
	// Code is the two-digit bank code Toss uses (bankCode).
	Code string
	// Name is the bank's Korean name.
	Name string
}

// virtualAccountBanks are the banks the checkout page offers. Codes are
// Toss's bank codes (docs.tosspayments.com/codes/org-codes).
var virtualAccountBanks = []Bank{
	{"20", "우리은행"}, {"06", "KB국민은행"}, {"88", "신한은행"}, {"81", "하나은행"},
	{"11", "NH농협은행"}, {"03", "IBK기업은행"}, {"71", "우체국예금보험"}, {"32", "부산은행"},
	{"39", "경남은행"}, {"31", "iM뱅크(대구)"}, {"34", "광주은행"}, {"07", "Sh수협은행"},
}

// VirtualAccountBanks returns the banks a virtual account can be issued at
// (the checkout page's choice) and refunded to.
func VirtualAccountBanks() []Bank { return slices.Clone(virtualAccountBanks) }

func bankName(code string) string {
	for _, b := range virtualAccountBanks {
		if b.Code == code {
			return b.Name
		}
	}
	return ""
}

// refundBank reports whether bank (a code or a Korean name, as the cancel
// request's refundReceiveAccount.bank takes) is one the sandbox refunds to.
func refundBank(bank string) bool {
	for _, b := range virtualAccountBanks {
		if b.Code == bank || b.Name == bank {
			return true
		}
	}
	return false
}

// Reserved refund account numbers: a cancel after the deposit with one of
// them meets the answer or outcome named (see ReservedRefundAccounts).
const (
	refundAccountHolderMismatch = "1000000000001"
	refundAccountForbidden      = "1000000000002"
	refundAccountFails          = "1000000000003"
)

// ReservedRefundAccounts returns the refund account numbers the sandbox
// treats specially on a cancel after a deposit, each with what happens:
// an error code the cancel answers, or "FAILED", the refundStatus the
// refund ends in (PARTIAL_FAILED after a partial cancel). Any other number
// of 10 to 20 digits at a known bank with a holder name is refunded.
func ReservedRefundAccounts() map[string]string {
	return map[string]string{
		refundAccountHolderMismatch: string(generated.ErrorCodeInvalidRefundAccountInfo),
		refundAccountForbidden:      string(generated.ErrorCodeForbiddenBankRefundRequest),
		refundAccountFails:          string(generated.RefundStatusFailed),
	}
}

type vaRecord struct {
	bankCode      string
	customerName  string
	accountNumber string
	issued        bool
	dueDate       time.Time
	expired       bool
	depositorName string
	refundStatus  generated.RefundStatus
	refundDueAt   time.Time
	refundFails   bool
}

// issue gives an authenticated virtual-account payment its account and
// secret: WAITING_FOR_DEPOSIT (R1, W1).
func (s *Store) issue(p *payment, now time.Time) {
	kst := now.In(tosstime.Seoul)
	y, m, d := kst.Date()
	p.va.dueDate = time.Date(y, m, d+openapi.VirtualAccountValidDays, 23, 59, 59, 0, tosstime.Seoul)
	p.va.accountNumber = "X" + s.newDigits(13)
	p.va.issued = true
	p.lastTxKey = s.newTxKey()
	p.secret = "ps_" + s.newAlnum(21)
	s.setStatus(p, generated.PaymentStatusWaitingForDeposit, now)
}

// vaExpire applies the virtual account's clock: past the due date an
// account waiting for a deposit is expired (status unchanged, no webhook,
// W1; expired: true is assumed), and a pending refund completes (or fails,
// for the reserved account) refundDelay after the cancel.
func (s *Store) vaExpire(p *payment, now time.Time) {
	va := p.va
	if va.issued && !va.expired && p.status == generated.PaymentStatusWaitingForDeposit && now.After(va.dueDate) {
		va.expired = true
		s.emit(p, Event{At: now, Kind: EventVirtualAccountExpired, From: p.status, To: p.status})
	}
	if va.refundStatus == generated.RefundStatusPending && !now.Before(va.refundDueAt) {
		va.refundStatus = generated.RefundStatusCompleted
		if va.refundFails {
			va.refundStatus = generated.RefundStatusFailed
			if p.status == generated.PaymentStatusPartialCanceled {
				va.refundStatus = generated.RefundStatusPartialFailed
			}
		}
		s.emit(p, Event{At: now, Kind: EventRefundStatusChanged, From: p.status, To: p.status, RefundStatus: va.refundStatus})
	}
}

// vaCancelRules are the cancel rules of a virtual account: before the
// deposit the cancel is full only (NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT)
// and needs no refund account; after it, refundReceiveAccount is required
// (missing: INVALID_REQUEST, assumed) and checked.
func (s *Store) vaCancelRules(op string, lang Language, p *payment, req generated.CancelPaymentRequest, amount money.Amount) *Error {
	if p.va == nil {
		return nil
	}
	if p.status == generated.PaymentStatusWaitingForDeposit {
		if amount.Cmp(p.balance) != 0 {
			return s.refuse(op, generated.ErrorCodeNotAllowedPartialRefundWaitingDeposit, lang, "Before the deposit only a full cancel is possible (omit cancelAmount).")
		}
		return nil
	}
	ra := req.RefundReceiveAccount
	switch {
	case ra == nil:
		return s.refuse(op, generated.ErrorCodeInvalidRequest, lang, "refundReceiveAccount: required to cancel a virtual-account payment after the deposit (rule: required).")
	case !refundBank(ra.Bank):
		return s.refuse(op, generated.ErrorCodeInvalidBank, lang, "refundReceiveAccount.bank: "+ra.Bank+" is not a bank the sandbox refunds to (see sandbox.VirtualAccountBanks).")
	case !isDigits(ra.AccountNumber) || len(ra.AccountNumber) < minRefundAccountDigits || len(ra.AccountNumber) > 20:
		return s.refuse(op, generated.ErrorCodeInvalidRefundAccountNumber, lang, "refundReceiveAccount.accountNumber: 10 to 20 digits.")
	case ra.HolderName == "" || len([]rune(ra.HolderName)) > 60:
		return s.refuse(op, generated.ErrorCodeInvalidRefundAccountInfo, lang, "refundReceiveAccount.holderName: 1 to 60 characters.")
	case ra.AccountNumber == refundAccountHolderMismatch:
		return s.refuse(op, generated.ErrorCodeInvalidRefundAccountInfo, lang, "(sandbox reserved refund account: the holder does not match)")
	case ra.AccountNumber == refundAccountForbidden:
		return s.refuse(op, generated.ErrorCodeForbiddenBankRefundRequest, lang, "(sandbox reserved refund account: it takes no deposits)")
	}
	return nil
}

// vaRefund starts the refund of a cancel after the deposit: refundStatus
// PENDING until refundDelay has passed (assumed, docs/webhooks.md §4).
func (s *Store) vaRefund(p *payment, req generated.CancelPaymentRequest, from generated.PaymentStatus, now time.Time) {
	if p.va == nil || from == generated.PaymentStatusWaitingForDeposit {
		return
	}
	p.va.refundStatus = generated.RefundStatusPending
	p.va.refundDueAt = now.Add(openapi.RefundDelay)
	if req.RefundReceiveAccount != nil && req.RefundReceiveAccount.AccountNumber == refundAccountFails {
		p.va.refundFails = true
	}
	s.emit(p, Event{At: now, Kind: EventRefundStatusChanged, From: from, To: from, RefundStatus: p.va.refundStatus})
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
	s.lockFor(c)
	defer s.unlock()
	p := s.lookup(c.SecretKey, paymentKey)
	if p == nil {
		return generated.Payment{}, s.refuse(openapi.OpGetPayment, generated.ErrorCodeNotFoundPayment, c.Language, "")
	}
	if err := s.deposit(p, c.Language); err != nil {
		return generated.Payment{}, err
	}
	return s.render(p, c.Language), nil
}

func (s *Store) deposit(p *payment, lang Language) *Error {
	now := s.clock.Now()
	s.expire(p, now)
	bad := func(code generated.ErrorCode, detail string) *Error {
		return &Error{Status: http.StatusBadRequest, Code: code, Message: message(code, lang, detail)}
	}
	switch {
	case p.va == nil:
		return bad(generated.ErrorCodeInvalidRequest, "Only a virtual-account payment takes a deposit; this one is a card payment.")
	case p.status == generated.PaymentStatusReady || p.status == generated.PaymentStatusInProgress || p.status == generated.PaymentStatusExpired || p.status == generated.PaymentStatusAborted:
		return bad(generated.ErrorCodeInvalidRequest, "No account has been issued: the payment is "+string(p.status)+" (confirm issues it).")
	case p.status != generated.PaymentStatusWaitingForDeposit:
		return bad(generated.ErrorCodeAlreadyProcessedPayment, "The payment is "+string(p.status)+".")
	case p.va.expired:
		return bad(generated.ErrorCodeInvalidRequest, "The account expired at its due date "+p.va.dueDate.Format(time.RFC3339)+": the bank refuses the deposit.")
	}
	p.approvedAt = now
	p.lastTxKey = s.newTxKey()
	p.va.depositorName = p.va.customerName
	s.setStatus(p, generated.PaymentStatusDone, now)
	return nil
}

// depositAtCheckout is the deposit button of the checkout page, which
// knows the payment by its key alone.
func (s *Store) depositAtCheckout(paymentKey string) error {
	s.mu.Lock()
	defer s.unlock()
	p := s.byKey[paymentKey]
	if p == nil {
		return s.refuse(openapi.OpGetPayment, generated.ErrorCodeNotFoundPayment, Korean, "")
	}
	if err := s.deposit(p, Korean); err != nil {
		return err
	}
	return nil
}

func renderVA(p *payment, lang Language) *generated.VirtualAccount {
	va := p.va
	t := generated.VirtualAccountTypeNormalKo
	if lang == English {
		t = generated.VirtualAccountTypeNormal
	}
	out := &generated.VirtualAccount{
		AccountType:      &t,
		AccountNumber:    va.accountNumber,
		BankCode:         va.bankCode,
		CustomerName:     va.customerName,
		DueDate:          tosstime.From(va.dueDate),
		Expired:          va.expired,
		RefundStatus:     va.refundStatus,
		SettlementStatus: generated.SettlementStatusIncompleted,
	}
	if va.depositorName != "" {
		out.DepositorName = ptr(va.depositorName)
	}
	return out
}
