package wrapper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/tosspayments-go/tosspayments-go/drift"
	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
)

// success is what a payment's status must say for an operation to have
// done what it was asked.
type success int

const (
	anyStatus success = iota // a look-up: any status answers it
	created                  // READY
	confirmed                // DONE; WAITING_FOR_DEPOSIT with a virtual account
	keyedIn                  // DONE
	canceled                 // CANCELED or PARTIAL_CANCELED, the last cancel DONE
	charged                  // DONE, type BILLING
)

// expect is what a 2xx must say to answer the request that was sent. Each
// operation fills in what it asked for; a zero field is not checked.
type expect struct {
	paymentKey string
	orderID    string
	// amount is the totalAmount the payment must have, if hasAmount.
	amount    money.Amount
	hasAmount bool
	success   success
	// For a cancel: the cancelAmount and taxFreeAmount sent (nil: not
	// sent; a nil cancelAmount asks for the whole balance).
	cancelAmount, taxFree *money.Amount
}

// verdict is what a payment says of the request: ok, declined (a
// definitive failure the payment records), pending (not settled yet), or
// neither (why names the failed check).
type verdict struct {
	why      string
	declined bool
	pending  bool
}

// identity returns the first check of what the request named (paymentKey,
// orderId, totalAmount) that p fails, or "". A reason names the field and
// what was sent, never a free-text value that came back.
func (e *expect) identity(p *generated.Payment) string {
	switch {
	case e.paymentKey != "" && p.PaymentKey != e.paymentKey:
		return "paymentKey is not the one sent"
	case e.orderID != "" && p.OrderID != e.orderID:
		return "orderId is not the one sent"
	case e.hasAmount && !p.TotalAmount.Equal(e.amount):
		return fmt.Sprintf("totalAmount %s is not the amount sent (%s)", p.TotalAmount.Canonical(), e.amount.Canonical())
	}
	return ""
}

// judge decides by status whether p shows the request done as asked. It
// is the one place that says what a success is: for a direct answer and
// for Client.Resolve's look-up alike.
func (e *expect) judge(p *generated.Payment) verdict {
	if why := e.identity(p); why != "" {
		return verdict{why: why}
	}
	s := p.Status
	switch e.success {
	case created:
		if s != generated.PaymentStatusReady {
			return verdict{why: "status " + statusName(s) + " is not READY"}
		}
	case confirmed, keyedIn, charged:
		switch {
		case s == generated.PaymentStatusDone && e.success == charged && p.Type != generated.PaymentTypeBilling:
			return verdict{why: "type is not BILLING"}
		case s == generated.PaymentStatusDone:
		case s == generated.PaymentStatusWaitingForDeposit && e.success == confirmed:
			if p.VirtualAccount == nil || p.VirtualAccount.AccountNumber == "" {
				return verdict{why: "status WAITING_FOR_DEPOSIT without a virtualAccount"}
			}
		case declined(p):
			return verdict{why: "status " + string(s) + " with a failure: declined", declined: true}
		case s == generated.PaymentStatusReady || s == generated.PaymentStatusInProgress:
			return verdict{why: "status " + string(s) + ": not settled yet", pending: true}
		case s == generated.PaymentStatusCanceled || s == generated.PaymentStatusPartialCanceled:
			return verdict{why: "status " + string(s) + ": canceled since it was done"}
		default: // a status the spec does not list is not settled yet
			return verdict{why: "status " + statusName(s) + " is not one a success has", pending: !s.Valid()}
		}
	case canceled:
		return e.cancelVerdict(p)
	}
	return verdict{}
}

// declined reports whether p records a definitive failure: ABORTED or
// EXPIRED with a failure object.
func declined(p *generated.Payment) bool {
	return (p.Status == generated.PaymentStatusAborted || p.Status == generated.PaymentStatusExpired) && p.Failure != nil
}

// cancelVerdict checks that the cancel just asked for is the payment's
// last cancel, DONE, of the amounts sent, and that the balance moved by the
// cancels: balanceAmount = totalAmount − Σ cancelAmount of those not
// ABORTED (0 after a cancel of the whole balance).
func (e *expect) cancelVerdict(p *generated.Payment) verdict {
	if p.Cancels == nil || len(*p.Cancels) == 0 {
		return verdict{why: "cancels is empty: the cancel is not in the payment"}
	}
	cancels := *p.Cancels
	last := cancels[len(cancels)-1]
	switch {
	case !e.asked(last):
		// An earlier cancel of these amounts may be this one, followed by
		// another: not settled by this payment.
		return verdict{why: fmt.Sprintf("the last cancel is of %s, not of the amounts sent", last.CancelAmount.Canonical()), pending: slices.ContainsFunc(cancels[:len(cancels)-1], e.asked)}
	case last.CancelStatus == nil || *last.CancelStatus != generated.CancelStatusDone:
		// IN_PROGRESS, or a value the spec does not list: not settled yet.
		pending := last.CancelStatus != nil && *last.CancelStatus != generated.CancelStatusAborted
		return verdict{why: "the last cancel's cancelStatus is not DONE", pending: pending}
	case p.Status != generated.PaymentStatusCanceled && p.Status != generated.PaymentStatusPartialCanceled:
		return verdict{why: "status " + statusName(p.Status) + " is not CANCELED or PARTIAL_CANCELED", pending: !p.Status.Valid()}
	}
	left := p.TotalAmount
	for _, c := range cancels {
		var err error
		if c.CancelStatus != nil && *c.CancelStatus == generated.CancelStatusAborted {
			continue // an aborted cancel refunded nothing
		}
		if left, err = left.Sub(c.CancelAmount); err != nil {
			return verdict{why: "the cancel amounts cannot be added up"}
		}
	}
	if !left.Equal(p.BalanceAmount) {
		return verdict{why: fmt.Sprintf("balanceAmount %s is not totalAmount minus the cancels (%s)", p.BalanceAmount.Canonical(), left.Canonical())}
	}
	if e.cancelAmount == nil && !p.BalanceAmount.IsZero() {
		return verdict{why: fmt.Sprintf("balanceAmount %s after a cancel of the whole balance", p.BalanceAmount.Canonical())}
	}
	return verdict{}
}

// asked reports whether c is of the cancelAmount and taxFreeAmount sent.
func (e *expect) asked(c generated.Cancel) bool {
	return (e.cancelAmount == nil || c.CancelAmount.Equal(*e.cancelAmount)) &&
		(e.taxFree == nil || c.TaxFreeAmount != nil && c.TaxFreeAmount.Equal(*e.taxFree))
}

// statusName quotes a status the spec lists; any other value is not quoted
// (it came from the server and may carry anything).
func statusName(s generated.PaymentStatus) string {
	if s.Valid() {
		return string(s)
	}
	return "(a value the spec does not list)"
}

// decodePayment decodes a 2xx body of the operation op and checks that it
// carries every key the spec requires of the answer's top level, with drift's
// walker (the module's one JSON walker); why says what failed ("" for nothing).
// Keys missing deeper are drift, not a failure (the tolerant reader).
func decodePayment(op *specOp, data []byte) (*generated.Payment, string) {
	p := new(generated.Payment)
	if err := json.Unmarshal(data, p); err != nil {
		return nil, describeDecodeError(err)
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil, "the body is null, not a payment"
	}
	chk, err := drift.Load()
	if err != nil {
		return p, "the spec's checker: " + err.Error()
	}
	if name := chk.MissingRequired(op.ID, op.SuccessStatus, data); name != "" {
		return p, "the required key " + strconv.Quote(name) + " is missing"
	}
	return p, ""
}
