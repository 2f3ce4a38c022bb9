package payments

import (
	"fmt"
	"strings"
)

// Action is what happens to a payment: a request, the customer at the
// checkout page, or the clock.
type Action string

// The actions of Transitions.
const (
	// ActionCreate: createPayment opens a payment window.
	ActionCreate Action = "create"
	// ActionKeyIn: keyInPayment charges a card at once.
	ActionKeyIn Action = "key-in"
	// ActionApprove: the customer approves at the checkout page.
	ActionApprove Action = "approve at checkout"
	// ActionFail: the checkout fails or the customer gives up.
	ActionFail Action = "fail at checkout"
	// ActionConfirm: confirmPayment, or the checkout's own confirmation
	// when the payment was created with confirmationMethod AUTOMATIC.
	ActionConfirm Action = "confirm"
	// ActionExpire: the window's clock runs out (30 minutes READY, 10
	// minutes IN_PROGRESS).
	ActionExpire Action = "clock: window ends"
	// ActionDeposit: the customer pays into the virtual account.
	ActionDeposit Action = "deposit"
	// ActionAccountExpire: the virtual account's due date passes.
	ActionAccountExpire Action = "clock: due date passes"
	// ActionCancelPart and ActionCancelRest: cancelPayment of part of the
	// balance, or of all that is left.
	ActionCancelPart Action = "cancel part"
	ActionCancelRest Action = "cancel the rest"
	// ActionRefundSettle: the refund of a cancel after a deposit completes
	// or fails.
	ActionRefundSettle Action = "clock: refund settles"
	// ActionBillingCharge: chargeBillingKey charges a billing key, approved
	// with the request.
	ActionBillingCharge Action = "billing charge"
	// ActionBillingKeyDelete: deleteBillingKey removes a billing key.
	ActionBillingKeyDelete Action = "remove the billing key"
)

// Transition is one row of the state machine: a payment of Method (or of
// any, MethodAny) in status From that meets Action moves to To and sends
// Webhooks, in that order.
type Transition struct {
	Method   Method
	From     Status
	Action   Action
	To       Status
	Webhooks []Webhook
}

var (
	psc    = []Webhook{WebhookPaymentStatusChanged}
	pscDep = []Webhook{WebhookPaymentStatusChanged, WebhookDepositCallback}
)

// transitions is the whole state machine (docs/webhooks.md §2 for the
// webhooks: PAYMENT_STATUS_CHANGED when a status becomes DONE, CANCELED,
// PARTIAL_CANCELED, ABORTED, EXPIRED or WAITING_FOR_DEPOSIT; for virtual
// accounts DEPOSIT_CALLBACK too on the issue, the deposit and each cancel;
// nothing for READY, IN_PROGRESS, a passed due date, a refund's progress,
// or a key-in's DONE, approved with the request like billing payments:
// assumed).
var transitions = []Transition{
	{MethodAny, StatusNone, ActionCreate, StatusReady, nil},
	{MethodCard, StatusNone, ActionKeyIn, StatusDone, nil},
	{MethodCard, StatusNone, ActionBillingCharge, StatusDone, nil},
	{MethodAny, StatusReady, ActionApprove, StatusInProgress, nil},
	{MethodAny, StatusReady, ActionFail, StatusAborted, psc},
	{MethodAny, StatusReady, ActionExpire, StatusExpired, psc},
	{MethodAny, StatusInProgress, ActionExpire, StatusExpired, psc},
	{MethodCard, StatusInProgress, ActionConfirm, StatusDone, psc},
	{MethodVirtualAccount, StatusInProgress, ActionConfirm, StatusWaitingForDeposit, pscDep},
	{MethodVirtualAccount, StatusWaitingForDeposit, ActionDeposit, StatusDone, pscDep},
	{MethodVirtualAccount, StatusWaitingForDeposit, ActionAccountExpire, StatusWaitingForDeposit, nil},
	{MethodVirtualAccount, StatusWaitingForDeposit, ActionCancelRest, StatusCanceled, pscDep},
	{MethodCard, StatusDone, ActionCancelPart, StatusPartialCanceled, psc},
	{MethodCard, StatusDone, ActionCancelRest, StatusCanceled, psc},
	{MethodCard, StatusPartialCanceled, ActionCancelPart, StatusPartialCanceled, psc},
	{MethodCard, StatusPartialCanceled, ActionCancelRest, StatusCanceled, psc},
	{MethodVirtualAccount, StatusDone, ActionCancelPart, StatusPartialCanceled, pscDep},
	{MethodVirtualAccount, StatusDone, ActionCancelRest, StatusCanceled, pscDep},
	{MethodVirtualAccount, StatusPartialCanceled, ActionCancelPart, StatusPartialCanceled, pscDep},
	{MethodVirtualAccount, StatusPartialCanceled, ActionCancelRest, StatusCanceled, pscDep},
	{MethodVirtualAccount, StatusCanceled, ActionRefundSettle, StatusCanceled, nil},
	{MethodVirtualAccount, StatusPartialCanceled, ActionRefundSettle, StatusPartialCanceled, nil},
}

// BillingKeyTransition is the one change of a billing key, a subject
// without a status of its own: removed, it sends Webhooks.
type BillingKeyTransition struct {
	Action   Action
	Webhooks []Webhook
}

// billingKeyTransitions are the changes of a billing key (docs/webhooks.md
// §2: BILLING_DELETED when one is removed). Its issue sends nothing.
var billingKeyTransitions = []BillingKeyTransition{
	{ActionBillingKeyDelete, []Webhook{WebhookBillingDeleted}},
}

// BillingKeyTransitions returns the changes of a billing key.
func BillingKeyTransitions() []BillingKeyTransition {
	out := make([]BillingKeyTransition, len(billingKeyTransitions))
	for i, t := range billingKeyTransitions {
		t.Webhooks = append([]Webhook(nil), t.Webhooks...)
		out[i] = t
	}
	return out
}

// Transitions returns the state machine, one row per allowed change, in
// the order of a payment's life.
func Transitions() []Transition {
	out := make([]Transition, len(transitions))
	for i, t := range transitions {
		t.Webhooks = append([]Webhook(nil), t.Webhooks...)
		out[i] = t
	}
	return out
}

// find returns the row for a payment of method in status from meeting a.
func find(method Method, from Status, a Action) (Transition, bool) {
	for _, t := range transitions {
		if (t.Method == method || t.Method == MethodAny) && t.From == from && t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

// allows reports whether the table has a row for a payment of method in
// status from meeting a.
func allows(method Method, from Status, a Action) bool {
	_, ok := find(method, from, a)
	return ok
}

// TransitionsMarkdown renders the table as the sandbox's README shows it.
func TransitionsMarkdown() string {
	var b strings.Builder
	b.WriteString("| method | from | action | to | webhooks sent |\n|---|---|---|---|---|\n")
	hooksOf := func(ws []Webhook) string {
		hooks := make([]string, len(ws))
		for i, w := range ws {
			hooks[i] = "`" + string(w) + "`"
		}
		if len(hooks) == 0 {
			return "none"
		}
		return strings.Join(hooks, ", ")
	}
	cell := func(s string, none string) string {
		if s == "" {
			return none
		}
		return "`" + s + "`"
	}
	for _, t := range transitions {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n",
			cell(string(t.Method), "any"), cell(string(t.From), "(new)"), t.Action, cell(string(t.To), ""), hooksOf(t.Webhooks))
	}
	for _, t := range billingKeyTransitions {
		fmt.Fprintf(&b, "| billing key | issued | %s | removed | %s |\n", t.Action, hooksOf(t.Webhooks))
	}
	return b.String()
}
