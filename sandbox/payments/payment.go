package payments

import (
	"slices"
	"time"

	"github.com/tosspayments-go/tosspayments-go/money"
)

// Payment is a snapshot of one payment: the book's state as of the call
// that returned it. Changing it changes nothing in the book.
type Payment struct {
	// Seq orders the payments of the sandbox by creation.
	Seq uint64
	// Tenant is the secret key that owns the payment (never log it).
	Tenant string
	// Key is the paymentKey.
	Key       string
	OrderID   string
	OrderName string
	Method    Method
	Status    Status
	// Total is the amount paid; Balance what is left after the cancels, of
	// which TaxFree is the tax-free part.
	Total, Balance, TaxFree money.Amount
	RequestedAt             time.Time
	// AuthenticatedAt is the approval at checkout (or the key-in);
	// ApprovedAt the confirmation or deposit; zero until then.
	AuthenticatedAt time.Time
	ApprovedAt      time.Time
	ReturnURL       string
	// Automatic: created with confirmationMethod AUTOMATIC.
	Automatic bool
	// BaseURL is where the payment's checkout and receipt pages are.
	BaseURL string
	// Card is the card paid with, once known.
	Card *Card
	// Cancels are the cancels, oldest first.
	Cancels []Cancel
	// LastTransactionKey is the transaction of the latest change that made one.
	LastTransactionKey string
	// Secret is the payment's secret, once issued (it authenticates
	// webhooks: never log it).
	Secret string
	// Failure is why the checkout failed, for an ABORTED payment.
	Failure *Failure
	// Billing: a charge of a billing key (type BILLING).
	Billing bool
	// VirtualAccount is set for method VIRTUAL_ACCOUNT.
	VirtualAccount *VirtualAccount
}

// Card is what the sandbox keeps of a card: never its number.
type Card struct {
	Masked          string
	Installment     int
	FreeInstallment bool
	ApproveNo       string
	Corporate       bool
}

// Cancel is one cancel of a payment.
type Cancel struct {
	Amount, TaxFree money.Amount
	// Refundable is the balance after the cancel.
	Refundable     money.Amount
	Reason         string
	At             time.Time
	TransactionKey string
}

// Failure is the code and message a failed checkout redirects with.
type Failure struct {
	Code, Message string
}

// VirtualAccount is the account of a virtual-account payment.
type VirtualAccount struct {
	BankCode      string
	CustomerName  string
	AccountNumber string
	// Issued: confirm issued the account (WAITING_FOR_DEPOSIT on).
	Issued  bool
	DueDate time.Time
	// Expired: the due date passed before a deposit.
	Expired       bool
	DepositorName string
	RefundStatus  RefundStatus
	// RefundDueAt is when a PENDING refund settles.
	RefundDueAt time.Time
	refundFails bool
}

// Approved reports whether the payment has been approved (a card payment
// confirmed or keyed in, a virtual account deposited) and not expired.
func (p *Payment) Approved() bool {
	return !p.ApprovedAt.IsZero() && p.Status != StatusExpired
}

// Issued reports whether the payment has its secret and transaction: a
// card payment from its approval on, a virtual account from the issue of
// its account.
func (p *Payment) Issued() bool {
	return p.Approved() || (p.VirtualAccount != nil && p.VirtualAccount.Issued)
}

// snapshot returns a copy of p that later changes to p do not reach.
// Cancels are only ever appended, so the copy shares their array, clipped.
func (p *Payment) snapshot() Payment {
	c := *p
	c.Cancels = slices.Clip(p.Cancels)
	if p.VirtualAccount != nil {
		va := *p.VirtualAccount
		c.VirtualAccount = &va
	}
	return c
}

// record is a payment in the book.
type record struct {
	Payment
	tenant   *tenant
	timeline []Event
	gone     bool // forgotten to keep within the bounds
}
