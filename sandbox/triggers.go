package sandbox

import (
	"errors"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
)

// A trigger makes an event happen for a secret key in one call: it creates
// what the event needs (a payment, its checkout approval, its confirm...)
// through the same rules the API and the checkout page use, so the key's
// webhooks, call log and dashboard see exactly what a test driving each
// step by hand would have made. POST /sandbox/v1/triggers/{event} and
// "tosspay trigger EVENT" run them; Triggers is their one table.

// Trigger is one row of the table of triggers.
type Trigger struct {
	// Event is the trigger's name, as POST /sandbox/v1/triggers/{event}
	// and "tosspay trigger EVENT" take it.
	Event string `json:"event"`
	// Makes says what the trigger creates and makes happen.
	Makes string `json:"makes"`
	// Webhooks are the webhooks the change sends, as the transition table
	// says ("none" when Toss sends none).
	Webhooks string `json:"webhooks"`

	run func(*Sandbox, *triggerRun) error
}

// TriggeredPayment is a payment a trigger created, as it stands after it.
type TriggeredPayment struct {
	PaymentKey   string                        `json:"paymentKey"`
	OrderID      string                        `json:"orderId"`
	Method       generated.CreatePaymentMethod `json:"method"`
	Status       generated.PaymentStatus       `json:"status"`
	TotalAmount  money.Amount                  `json:"totalAmount"`
	Balance      money.Amount                  `json:"balanceAmount"`
	RefundStatus *generated.RefundStatus       `json:"refundStatus,omitempty"`
	// AccountExpired is the virtual account's expired flag, when it has one.
	AccountExpired *bool `json:"accountExpired,omitempty"`
}

// TriggerResult is the answer of POST /sandbox/v1/triggers/{event}: what
// the trigger created, and the webhook deliveries it queued (their
// transmission ids, for GET /sandbox/v1/webhook-deliveries/{id}).
type TriggerResult struct {
	Event    string             `json:"event"`
	Payments []TriggeredPayment `json:"payments"`
	// BillingKey is the billing key a billing trigger issued.
	BillingKey string             `json:"billingKey,omitempty"`
	Deliveries []TriggeredWebhook `json:"deliveries"`
	// SecurityKey is the key's security key, which signed the deliveries
	// of a payout trigger (SecurityKey).
	SecurityKey string `json:"securityKey,omitempty"`
}

// TriggeredWebhook names one delivery a trigger queued.
type TriggeredWebhook struct {
	ID         string `json:"id"`
	EventType  string `json:"eventType"`
	PaymentKey string `json:"paymentKey"`
	Status     string `json:"status"`
}

// The amounts a trigger pays and cancels.
const (
	triggerAmount = 15000
	triggerPart   = 5000
)

// Triggers returns the table of triggers, in the order "tosspay trigger
// --help" prints it.
func Triggers() []Trigger { return append([]Trigger(nil), triggers...) }

var triggers = []Trigger{
	{Event: "payment.done", Makes: "a card payment created, approved at checkout and confirmed: DONE",
		Webhooks: WebhookPaymentStatusChanged, run: func(s *Sandbox, r *triggerRun) error { return r.cardDone(s) }},
	{Event: "payment.partial-canceled", Makes: "a card payment DONE, then 5,000 of its 15,000 cancelled: PARTIAL_CANCELED",
		Webhooks: WebhookPaymentStatusChanged + " (twice)", run: func(s *Sandbox, r *triggerRun) error {
			return r.then(r.cardDone(s), func() error { return r.cancel(s, triggerPart, false) })
		}},
	{Event: "payment.canceled", Makes: "a card payment DONE, then cancelled in full: CANCELED",
		Webhooks: WebhookPaymentStatusChanged + " (twice)", run: func(s *Sandbox, r *triggerRun) error {
			return r.then(r.cardDone(s), func() error { return r.cancel(s, 0, false) })
		}},
	{Event: "payment.failed", Makes: "a card payment whose checkout fails with REJECT_CARD_COMPANY: ABORTED",
		Webhooks: WebhookPaymentStatusChanged, run: func(s *Sandbox, r *triggerRun) error {
			return r.then(r.create(s, generated.CreatePaymentMethodCard), func() error {
				_, err := s.FailWith(r.key, FailRejectCardCompany)
				return err
			})
		}},
	{Event: "virtual-account.issued", Makes: "a virtual-account payment approved and confirmed: WAITING_FOR_DEPOSIT",
		Webhooks: WebhookPaymentStatusChanged + ", " + WebhookDepositCallback, run: func(s *Sandbox, r *triggerRun) error { return r.accountIssued(s) }},
	{Event: "virtual-account.deposited", Makes: "a virtual account issued, then paid into: DONE",
		Webhooks: WebhookPaymentStatusChanged + ", " + WebhookDepositCallback + " (each twice)", run: func(s *Sandbox, r *triggerRun) error {
			return r.then(r.accountIssued(s), func() error { return r.deposit(s) })
		}},
	{Event: "virtual-account.expired", Makes: "a virtual account issued, its due date brought to now: expired, still WAITING_FOR_DEPOSIT",
		Webhooks: WebhookPaymentStatusChanged + ", " + WebhookDepositCallback + " at the issue; none at the expiry (W1)", run: func(s *Sandbox, r *triggerRun) error {
			return r.then(r.accountIssued(s), func() error { return r.hasten(s) })
		}},
	{Event: "refund.completed", Makes: "a virtual account paid into, cancelled in full to a refund account, the refund settled: CANCELED, refundStatus COMPLETED",
		Webhooks: WebhookPaymentStatusChanged + ", " + WebhookDepositCallback + " (issue, deposit, cancel); none at the refund (W1)", run: func(s *Sandbox, r *triggerRun) error {
			return r.then(r.accountIssued(s), func() error { return r.deposit(s) }, func() error { return r.cancel(s, 0, true) }, func() error { return r.hasten(s) })
		}},
	{Event: "billing.charged", Makes: "a card registered for a customer, its billing key issued and charged: a BILLING payment, DONE",
		Webhooks: "none (W1: billing payments get none)", run: func(s *Sandbox, r *triggerRun) error { return r.billingCharge(s) }},
	// triggers_events.go: the events that announce no payment.
	{Event: "method.updated", Makes: "a BrandPay customer's card method ENABLED (no payment)",
		Webhooks: WebhookMethodUpdated + " (unsigned)", run: func(s *Sandbox, r *triggerRun) error { return r.methodUpdated(s) }},
	{Event: "customer.status-changed", Makes: "a BrandPay customer's status PASSWORD_CHANGED (no payment)",
		Webhooks: WebhookCustomerStatusChanged + " (unsigned)", run: func(s *Sandbox, r *triggerRun) error { return r.customerStatusChanged(s) }},
	{Event: "payout.changed", Makes: "a payout of 15,000 to a seller COMPLETED (no payment)",
		Webhooks: WebhookPayoutChanged + ", signed with the key's security key (GET " + SecurityKeyPath + ")", run: func(s *Sandbox, r *triggerRun) error { return r.payoutChanged(s) }},
	{Event: "seller.changed", Makes: "a seller APPROVED for payouts (no payment)",
		Webhooks: WebhookSellerChanged + ", signed with the key's security key (GET " + SecurityKeyPath + ")", run: func(s *Sandbox, r *triggerRun) error { return r.sellerChanged(s) }},
}

// triggerOf returns the trigger named event, or nil.
func triggerOf(event string) *Trigger {
	for i := range triggers {
		if triggers[i].Event == event {
			return &triggers[i]
		}
	}
	return nil
}

// Errors of Trigger.
var (
	// ErrUnknownTrigger: no trigger by that name.
	ErrUnknownTrigger = errors.New("no such trigger")
)

// triggerRun is one trigger under way: the caller and the payment it made.
type triggerRun struct {
	c       Caller
	key     string // the payment's key
	orderID string
	method  generated.CreatePaymentMethod
	// billingKey is the billing key a billing trigger issued.
	billingKey string
	// sent are the deliveries of an event that announces no payment, and
	// securityKey the key that signed them.
	sent        []TriggeredWebhook
	securityKey string
}

// then runs steps after err, stopping at the first error.
func (r *triggerRun) then(err error, steps ...func() error) error {
	for _, step := range steps {
		if err != nil {
			return err
		}
		err = step()
	}
	return err
}

func (r *triggerRun) create(s *Sandbox, m generated.CreatePaymentMethod) error {
	r.method = m
	r.orderID = "trigger-" + s.book.Alnum(16)
	p, err := s.Create(r.c, generated.CreatePaymentRequest{
		Method: m, Amount: money.New(triggerAmount), OrderID: r.orderID,
		OrderName: "tosspay trigger", ReturnURL: "http://localhost/return",
	})
	if err != nil {
		return err
	}
	r.key = p.PaymentKey
	return nil
}

func (r *triggerRun) confirm(s *Sandbox) error {
	if _, err := s.Approve(r.key); err != nil {
		return err
	}
	_, err := s.Confirm(r.c, generated.ConfirmPaymentRequest{PaymentKey: r.key, OrderID: r.orderID, Amount: money.New(triggerAmount)})
	return err
}

func (r *triggerRun) cardDone(s *Sandbox) error {
	return r.then(r.create(s, generated.CreatePaymentMethodCard), func() error { return r.confirm(s) })
}

func (r *triggerRun) accountIssued(s *Sandbox) error {
	return r.then(r.create(s, generated.CreatePaymentMethodVirtualAccount), func() error { return r.confirm(s) })
}

func (r *triggerRun) deposit(s *Sandbox) error {
	_, err := s.Deposit(r.c, r.key)
	return err
}

// cancel cancels amount (0: the whole balance), to a refund account when
// refund is set.
func (r *triggerRun) cancel(s *Sandbox, amount int64, refund bool) error {
	req := generated.CancelPaymentRequest{CancelReason: "tosspay trigger"}
	if amount > 0 {
		a := money.New(amount)
		req.CancelAmount = &a
	}
	if refund {
		req.RefundReceiveAccount = &generated.RefundReceiveAccount{
			Bank: payments.Banks()[0].Code, AccountNumber: "12345678901234", HolderName: "김토스",
		}
	}
	_, err := s.Cancel(r.c, r.key, req)
	return err
}

// billingCharge registers the checkout page's card for a new customer,
// issues its billing key and charges it.
func (r *triggerRun) billingCharge(s *Sandbox) error {
	customer := "trigger-customer-" + s.book.Alnum(12)
	authKey, err := s.RegisterCard(customer, payments.BillingCards()[0].Number)
	if err != nil {
		return err
	}
	k, err := s.IssueBillingKey(r.c, generated.IssueBillingKeyRequest{AuthKey: authKey, CustomerKey: customer})
	if err != nil {
		return err
	}
	r.method = generated.CreatePaymentMethodCard
	r.orderID = "trigger-" + s.book.Alnum(16)
	p, err := s.ChargeBillingKey(r.c, k.BillingKey, generated.ChargeBillingKeyRequest{
		CustomerKey: customer, Amount: money.New(triggerAmount), OrderID: r.orderID, OrderName: "tosspay trigger",
	})
	if err != nil {
		return err
	}
	r.key = p.PaymentKey
	r.billingKey = k.BillingKey
	return nil
}

// hasten brings the payment's next time-driven change to now
// (payments.Book.Hasten): the account's due date, or the refund.
func (r *triggerRun) hasten(s *Sandbox) error {
	var out payments.Outbox
	_, ok := s.book.Hasten(&out, r.c.SecretKey, r.key)
	s.publish(r.c.WebhookFault, out)
	if !ok {
		return errors.New("nothing to bring forward")
	}
	return nil
}

// Trigger runs the trigger named event for c.SecretKey and returns what it
// created. ErrUnknownTrigger says it did not run; a refusal of one of its
// steps (the key's limits) is an *Error.
func (s *Sandbox) Trigger(c Caller, event string) (TriggerResult, error) {
	t := triggerOf(event)
	if t == nil {
		return TriggerResult{}, ErrUnknownTrigger
	}
	r := &triggerRun{c: c}
	l := clockLock(c.SecretKey) // the key's clock stands still meanwhile
	l.RLock()
	err := t.run(s, r)
	l.RUnlock()
	res := TriggerResult{Event: event, Payments: []TriggeredPayment{}, Deliveries: append([]TriggeredWebhook{}, r.sent...), BillingKey: r.billingKey, SecurityKey: r.securityKey}
	if r.key != "" {
		if p, ok := s.lookup(c.SecretKey, r.key); ok {
			res.Payments = append(res.Payments, triggered(p))
		}
		for _, d := range s.WebhookDeliveries(c.SecretKey, r.key) {
			res.Deliveries = append(res.Deliveries, TriggeredWebhook{ID: d.TransmissionID, EventType: d.EventType, PaymentKey: d.PaymentKey, Status: string(d.Status)})
		}
	}
	return res, err
}

func triggered(p payments.Payment) TriggeredPayment {
	t := TriggeredPayment{
		PaymentKey: p.Key, OrderID: p.OrderID, Method: generated.CreatePaymentMethod(p.Method),
		Status: generated.PaymentStatus(p.Status), TotalAmount: p.Total, Balance: p.Balance,
	}
	if va := p.VirtualAccount; va != nil {
		rs := generated.RefundStatus(va.RefundStatus)
		exp := va.Expired
		t.RefundStatus, t.AccountExpired = &rs, &exp
	}
	return t
}

// triggerNames lists the runnable triggers, for an error message.
func triggerNames() string {
	var names []string
	for _, t := range triggers {
		names = append(names, t.Event)
	}
	return strings.Join(names, ", ")
}
