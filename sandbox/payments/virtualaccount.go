package payments

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// The virtual-account rules (docs/webhooks.md §4 gives each with its
// source; "assumed" marks the sandbox's choices where the docs are silent).
const (
	// DefaultCustomerName is the name the checkout page issues accounts to
	// when the customer gives none.
	DefaultCustomerName = "김토스"
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

// banks are the banks the checkout page offers. Codes are Toss's bank
// codes (docs.tosspayments.com/codes/org-codes).
var banks = []Bank{
	{"20", "우리은행"}, {"06", "KB국민은행"}, {"88", "신한은행"}, {"81", "하나은행"},
	{"11", "NH농협은행"}, {"03", "IBK기업은행"}, {"71", "우체국예금보험"}, {"32", "부산은행"},
	{"39", "경남은행"}, {"31", "iM뱅크(대구)"}, {"34", "광주은행"}, {"07", "Sh수협은행"},
}

// Banks returns the banks a virtual account can be issued at (the checkout
// page's choice) and refunded to.
func Banks() []Bank { return slices.Clone(banks) }

// bankCodes lists the banks' codes, for a refusal.
func bankCodes() string {
	codes := make([]string, len(banks))
	for i, b := range banks {
		codes[i] = b.Code
	}
	return strings.Join(codes, ", ")
}

// BankName returns the name of the bank with code, or "".
func BankName(code string) string {
	for _, b := range banks {
		if b.Code == code {
			return b.Name
		}
	}
	return ""
}

// refundBank reports whether bank (a code or a Korean name, as the cancel
// request's refundReceiveAccount.bank takes) is one the sandbox refunds to.
func refundBank(bank string) bool {
	for _, b := range banks {
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
		refundAccountHolderMismatch: string(CodeInvalidRefundAccountInfo),
		refundAccountForbidden:      string(CodeForbiddenBankRefundRequest),
		refundAccountFails:          string(RefundFailed),
	}
}

// issue gives an authenticated virtual-account payment its account and
// secret, before its move to WAITING_FOR_DEPOSIT (R1, W1).
func (b *Book) issue(p *record, now time.Time) {
	kst := now.In(tosstime.Seoul)
	y, m, d := kst.Date()
	va := p.VirtualAccount
	va.DueDate = time.Date(y, m, d+b.cfg.Facts.AccountValidDays, 23, 59, 59, 0, tosstime.Seoul)
	va.AccountNumber = "X" + b.digits(13)
	va.Issued = true
	p.LastTransactionKey = b.txKey()
	p.Secret = b.newSecret()
}

// tickAccount applies the virtual account's clock: past the due date an
// account waiting for a deposit is expired (status unchanged, no webhook,
// W1; expired: true is assumed), and a pending refund completes (or fails,
// for the reserved account) RefundDelay after the cancel.
func (b *Book) tickAccount(p *record, now time.Time) {
	va := p.VirtualAccount
	if va.Issued && !va.Expired && p.Status == StatusWaitingForDeposit && now.After(va.DueDate) {
		va.Expired = true
		b.apply(p, ActionAccountExpire, now, Event{})
	}
	if va.RefundStatus == RefundPending && !now.Before(va.RefundDueAt) {
		va.RefundStatus = RefundCompleted
		if va.refundFails {
			va.RefundStatus = RefundFailed
			if p.Status == StatusPartialCanceled {
				va.RefundStatus = RefundPartialFailed
			}
		}
		b.apply(p, ActionRefundSettle, now, Event{RefundStatus: va.RefundStatus})
	}
}

// accountCancelRules are the cancel rules of a virtual account: before the
// deposit the cancel is full only (NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT)
// and needs no refund account; after it, a refund account is required
// (missing: INVALID_REQUEST, assumed) and checked.
func accountCancelRules(op Op, f Facts, p *Payment, in CancelInput, amount money.Amount) *Refusal {
	if p.VirtualAccount == nil {
		return nil
	}
	if p.Status == StatusWaitingForDeposit {
		if amount.Cmp(p.Balance) != 0 {
			return refuse(op, CodeNotAllowedPartialRefundWaitingDeposit, "Before the deposit only a full cancel is possible (omit cancelAmount).")
		}
		return nil
	}
	ra := in.RefundAccount
	switch {
	case ra == nil:
		return refuse(op, CodeInvalidRequest, "refundReceiveAccount: required to cancel a virtual-account payment after the deposit (rule: required).")
	case !refundBank(ra.Bank):
		return refuse(op, CodeInvalidBank, "refundReceiveAccount.bank: "+ra.Bank+" is not a bank the sandbox refunds to; the codes it knows: "+bankCodes()+" (or their Korean names, as the checkout page lists them).")
	case !isDigits(ra.AccountNumber) || len(ra.AccountNumber) < minRefundAccountDigits || len(ra.AccountNumber) > f.AccountNumberMax:
		return refuse(op, CodeInvalidRefundAccountNumber, fmt.Sprintf("refundReceiveAccount.accountNumber: %d to %d digits.", minRefundAccountDigits, f.AccountNumberMax))
	case ra.HolderName == "" || len([]rune(ra.HolderName)) > f.HolderNameMax:
		return refuse(op, CodeInvalidRefundAccountInfo, fmt.Sprintf("refundReceiveAccount.holderName: 1 to %d characters.", f.HolderNameMax))
	case ra.AccountNumber == refundAccountHolderMismatch:
		return refuse(op, CodeInvalidRefundAccountInfo, "(sandbox reserved refund account: the holder does not match)")
	case ra.AccountNumber == refundAccountForbidden:
		return refuse(op, CodeForbiddenBankRefundRequest, "(sandbox reserved refund account: it takes no deposits)")
	}
	return nil
}

// startRefund starts the refund of a cancel after the deposit: refundStatus
// PENDING until RefundDelay has passed (assumed, docs/webhooks.md §4). The
// status does not change, so it is an event, not a transition.
func (b *Book) startRefund(p *record, in CancelInput, from Status, now time.Time) {
	va := p.VirtualAccount
	if va == nil || from == StatusWaitingForDeposit {
		return
	}
	va.RefundStatus = RefundPending
	va.RefundDueAt = now.Add(b.cfg.Facts.RefundDelay)
	if in.RefundAccount != nil && in.RefundAccount.AccountNumber == refundAccountFails {
		va.refundFails = true
	}
	b.emit(p, Event{At: now, Kind: EventRefundStatusChanged, From: from, To: from, RefundStatus: va.RefundStatus})
}

// Deposit is the customer paying the exact amount into the virtual account
// of a WAITING_FOR_DEPOSIT payment: the payment is DONE (B1) and approvedAt
// is the deposit's time. The sandbox's developer-center button; Toss has
// no such API. With tenantName "", the payment of any tenant (the checkout
// page knows it by its key alone). Refusals: NOT_FOUND_PAYMENT; 400
// INVALID_REQUEST for a payment that is not a virtual account, has no
// account yet, or whose account expired (the bank refuses the transfer;
// the payment does not change); 400 ALREADY_PROCESSED_PAYMENT once
// deposited or cancelled.
func (b *Book) Deposit(out *Outbox, tenantName, paymentKey string) (Payment, error) {
	b.begin(out)
	defer b.end()
	var p *record
	if tenantName == "" {
		p = b.byKey[paymentKey]
	} else {
		p = b.lookup(tenantName, paymentKey)
	}
	if p == nil {
		return Payment{}, refuse(OpGetPayment, CodeNotFoundPayment, "")
	}
	now := b.at(p)
	b.tick(p, now)
	va := p.VirtualAccount
	switch {
	case va == nil:
		return Payment{}, badRequest(CodeInvalidRequest, "Only a virtual-account payment takes a deposit; this one is a card payment.")
	case p.Status == StatusReady || p.Status == StatusInProgress || p.Status == StatusExpired || p.Status == StatusAborted:
		return Payment{}, badRequest(CodeInvalidRequest, "No account has been issued: the payment is "+string(p.Status)+" (confirm issues it).")
	case !allows(p.Method, p.Status, ActionDeposit):
		return Payment{}, badRequest(CodeAlreadyProcessedPayment, "The payment is "+string(p.Status)+".")
	case va.Expired:
		return Payment{}, badRequest(CodeInvalidRequest, "The account expired at its due date "+va.DueDate.Format(time.RFC3339)+": the bank refuses the deposit.")
	}
	p.ApprovedAt = now
	p.LastTransactionKey = b.txKey()
	va.DepositorName = va.CustomerName
	b.apply(p, ActionDeposit, now, Event{})
	return p.snapshot(), nil
}
