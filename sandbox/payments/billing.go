package payments

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/money"
)

// Automatic billing: a customer registers a card once (at the registration
// page, which hands the merchant an authKey, or with card data the merchant
// sends), the tenant gets a billing key bound to the customer's
// customerKey, and charges it without the customer. A charge is a payment
// of its own (type BILLING, method CARD), created DONE by the row
// ActionBillingCharge; its cancels are the card rows. A billing key's one
// change, its removal, is the row of BillingKeyTransitions.

// The error codes and operations of billing.
const (
	CodeFailedCardCompanyResponse Code = "FAILED_CARD_COMPANY_RESPONSE"
	CodeInvalidBillKeyRequest     Code = "INVALID_BILL_KEY_REQUEST"
	CodeInvalidRejectCard         Code = "INVALID_REJECT_CARD"
	CodeNotFound                  Code = "NOT_FOUND"
	CodeNotMatchesCustomerKey     Code = "NOT_MATCHES_CUSTOMER_KEY"

	OpIssueBillingKey         Op = "issueBillingKey"
	OpIssueBillingKeyWithCard Op = "issueBillingKeyWithCard"
	OpChargeBillingKey        Op = "chargeBillingKey"
	OpDeleteBillingKey        Op = "deleteBillingKey"
)

// BillingKey is a snapshot of one billing key.
type BillingKey struct {
	Seq uint64
	// Tenant owns the key (never log it).
	Tenant string
	// Key is the billingKey: with the customerKey it charges the card
	// (never log it).
	Key string
	// CustomerKey is the customer the key is bound to: a personal
	// identifier, never printed in full.
	CustomerKey     string
	Card            Card
	AuthenticatedAt time.Time
	// Charges counts the charges the key made.
	Charges int
	// decline is the code every charge of a reserved card answers.
	decline Code
}

// billingShelf is what one tenant holds of billing.
type billingShelf struct {
	byKey map[string]*BillingKey
	order []*BillingKey // oldest first
}

func (s *billingShelf) len() int { return len(s.order) }

// billingBook is what the book holds of billing over all tenants.
type billingBook struct {
	// auths are the authKeys the registration page handed out and no
	// tenant has issued yet, oldest first; they belong to no tenant until
	// then (the page knows no secret key), so they are bounded globally.
	auths map[string]*pendingAuth
	order []*pendingAuth
	keys  int
}

type pendingAuth struct {
	authKey, customerKey string
	card                 Card
	decline              Code
	at                   time.Time
	used                 bool
}

// billingDecline is what a reserved card (ReservedCards) does in billing:
// refused when a key is issued for it (issue), or issued and every charge
// refused (charge), each with a code the billing operations document.
func billingDecline(card string) (issue, charge Code) {
	switch reservedCards[card] {
	case CodeRejectCardCompany, CodeFdsError:
		return "", CodeRejectCardCompany
	case CodeRejectCardPayment:
		return "", CodeRejectCardPayment
	case CodeInvalidCardLostOrStolen:
		return CodeInvalidRejectCard, ""
	case CodeInvalidStoppedCard:
		return CodeInvalidStoppedCard, ""
	case CodeCardProcessingError:
		return "", CodeFailedCardCompanyResponse
	}
	return "", ""
}

// BillingCard is a card the registration page offers, with what it does.
type BillingCard struct {
	Number, Masked, Outcome string
}

// BillingCards returns the cards the registration page offers: the
// checkout's card, which charges, then the reserved cards in number order.
func BillingCards() []BillingCard {
	out := []BillingCard{{checkoutCard, maskCard(checkoutCard), "charges are approved"}}
	nums := make([]string, 0, len(reservedCards))
	for n := range reservedCards {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for _, n := range nums {
		issue, charge := billingDecline(n)
		o := "registration fails with " + string(issue)
		if issue == "" {
			o = "every charge is declined with " + string(charge)
		}
		out = append(out, BillingCard{n, maskCard(n), o})
	}
	return out
}

func (b *Book) billingCard(number string) (Card, Code, *Refusal) {
	if !isDigits(number) || len(number) < 13 || len(number) > 19 {
		return Card{}, "", refuse(OpIssueBillingKeyWithCard, CodeInvalidCardNumber, "")
	}
	issue, charge := billingDecline(number)
	if issue != "" {
		return Card{}, "", refuse(OpIssueBillingKeyWithCard, issue, "(sandbox reserved test card)")
	}
	return Card{Masked: maskCard(number)}, charge, nil
}

// RegisterCard is the customer registering a card at the registration
// page: it returns the authKey the page sends to the successUrl with the
// customerKey. A card refused at issue (see BillingCards) is refused here,
// with the code the page sends to the failUrl. The authKey issues one
// billing key, for the customerKey, within the window.
func (b *Book) RegisterCard(customerKey, cardNumber string) (string, error) {
	b.begin(nil)
	defer b.end()
	card, decline, err := b.billingCard(cardNumber)
	if err != nil {
		return "", err
	}
	bb := &b.billing
	if bb.auths == nil {
		bb.auths = map[string]*pendingAuth{}
	}
	now := b.now()
	b.expireAuths(now)
	for len(bb.order) >= b.cfg.Global.Payments {
		delete(bb.auths, bb.order[0].authKey)
		bb.order = bb.order[1:]
	}
	a := &pendingAuth{authKey: "e_" + strings.ToUpper(hex.EncodeToString(secretBytes(16))), customerKey: customerKey, card: card, decline: decline, at: now}
	bb.auths[a.authKey] = a
	bb.order = append(bb.order, a)
	return a.authKey, nil
}

// expireAuths drops the authKeys older than the window.
func (b *Book) expireAuths(now time.Time) {
	bb := &b.billing
	for len(bb.order) > 0 && now.Sub(bb.order[0].at) > b.cfg.Facts.AuthKeyWindow {
		delete(bb.auths, bb.order[0].authKey)
		bb.order[0] = nil
		bb.order = bb.order[1:]
	}
}

// IssueBillingKey exchanges an authKey of the registration page for a
// billing key of the tenant, bound to customerKey: once, and only with the
// customerKey the page was given.
func (b *Book) IssueBillingKey(tenantName, authKey, customerKey string) (BillingKey, error) {
	const op = OpIssueBillingKey
	b.begin(nil)
	defer b.end()
	b.expireAuths(b.now())
	a := b.billing.auths[authKey]
	switch {
	case a == nil:
		return BillingKey{}, refuse(op, CodeInvalidRequest, fmt.Sprintf("authKey: unknown, or older than %v.", b.cfg.Facts.AuthKeyWindow))
	case a.used:
		return BillingKey{}, refuse(op, CodeInvalidRequest, "authKey: it has already issued a billing key.")
	case a.customerKey != customerKey:
		return BillingKey{}, refuse(op, CodeInvalidRequest, "customerKey: not the one the card was registered with.")
	}
	a.used = true
	k := b.addBillingKey(tenantName, customerKey, a.card, a.decline)
	return *k, nil
}

// IssueCardInput is an issueBillingKeyWithCard request, without what the
// sandbox does not keep (the identity number and the card password).
type IssueCardInput struct {
	CustomerKey, CardNumber, ExpirationYear, ExpirationMonth string
	// Corporate: the identity number is a business number.
	Corporate bool
}

// IssueBillingKeyWithCard issues a billing key from card data.
func (b *Book) IssueBillingKeyWithCard(tenantName string, in IssueCardInput) (BillingKey, error) {
	b.begin(nil)
	defer b.end()
	if expired(in.ExpirationYear, in.ExpirationMonth, b.nowOf(tenantName)) {
		return BillingKey{}, refuse(OpIssueBillingKeyWithCard, CodeInvalidCardExpiration, "")
	}
	card, decline, err := b.billingCard(in.CardNumber)
	if err != nil {
		return BillingKey{}, err
	}
	card.Corporate = in.Corporate
	return *b.addBillingKey(tenantName, in.CustomerKey, card, decline), nil
}

// addBillingKey files a new key under tenantName, forgetting the tenant's
// oldest keys (or, over the global bound, those of the tenants idle the
// longest, and tenants idle longer still) to stay within the payments'
// bounds.
func (b *Book) addBillingKey(tenantName, customerKey string, card Card, decline Code) *BillingKey {
	t := b.tenantOf(tenantName, true)
	for t.billing.len() >= b.cfg.Tenant.Payments {
		b.removeBillingKey(t, t.billing.order[0])
	}
	for b.billing.keys >= b.cfg.Global.Payments {
		// As makeRoom: the tenants idle the longest pay, never t while
		// another holds anything (O(1) per key, amortized).
		v := b.idlest
		if v == t {
			v = t.newer
		}
		switch {
		case v == nil:
			b.removeBillingKey(t, t.billing.order[0])
		case v.billing.len() > 0:
			b.removeBillingKey(v, v.billing.order[0])
		default:
			b.forgetTenant(v)
		}
	}
	if t.billing.byKey == nil {
		t.billing.byKey = map[string]*BillingKey{}
	}
	key := base64.URLEncoding.EncodeToString(secretBytes(32)) // 43 characters and "=", as Toss's
	b.seq++
	k := &BillingKey{Seq: b.seq, Tenant: tenantName, Key: key, CustomerKey: customerKey, Card: card, AuthenticatedAt: b.nowOf(tenantName), decline: decline}
	t.billing.byKey[key] = k
	t.billing.order = append(t.billing.order, k)
	b.billing.keys++
	return k
}

// secretBytes returns n bytes of crypto/rand, for the authKeys and billing
// keys: they are bearer secrets (an authKey belongs to no secret key until
// one issues with it), and the book's seeded generator is reproducible by
// design, from a seed the banner prints and tests fix.
func secretBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return b
}

// removeBillingKey drops k from t, without a webhook (bounds) .
func (b *Book) removeBillingKey(t *tenant, k *BillingKey) {
	delete(t.billing.byKey, k.Key)
	if i := slices.Index(t.billing.order, k); i >= 0 {
		t.billing.order = slices.Delete(t.billing.order, i, i+1)
	}
	b.billing.keys--
}

// ChargeInput is a chargeBillingKey request.
type ChargeInput struct {
	CustomerKey string
	Amount      money.Amount
	TaxFree     *money.Amount
	OrderID     string
	OrderName   string
	Installment *int
	BaseURL     string
}

// ChargeBillingKey charges the card of a billing key of the tenant: a
// payment of type BILLING, DONE with the request (no
// PAYMENT_STATUS_CHANGED), or the card's decline, which stores nothing.
func (b *Book) ChargeBillingKey(out *Outbox, tenantName, billingKey string, in ChargeInput) (Payment, error) {
	const op = OpChargeBillingKey
	taxFree, err := b.chargedAmount(op, in.Amount, in.TaxFree)
	if err != nil {
		return Payment{}, err
	}
	b.begin(out)
	defer b.end()
	t := b.tenantOf(tenantName, false)
	var k *BillingKey
	if t != nil {
		k = t.billing.byKey[billingKey]
	}
	switch {
	case k == nil:
		return Payment{}, refuse(op, CodeInvalidBillKeyRequest, "No billing key of this secret key has that value (or it was removed).")
	case k.CustomerKey != in.CustomerKey:
		return Payment{}, refuse(op, CodeNotMatchesCustomerKey, "")
	case b.byOrder[orderKey{t, in.OrderID}] != nil:
		return Payment{}, refuse(op, CodeDuplicatedOrderID, "")
	case k.decline != "":
		return Payment{}, refuse(op, k.decline, "(sandbox reserved test card)")
	}
	now := b.nowOf(tenantName)
	card := k.Card
	card.ApproveNo = b.digits(8)
	if in.Installment != nil {
		card.Installment = *in.Installment
	}
	p := &record{Payment: Payment{
		OrderID: in.OrderID, OrderName: in.OrderName, Method: MethodCard, Billing: true,
		Total: in.Amount, Balance: in.Amount, TaxFree: taxFree,
		RequestedAt: now, AuthenticatedAt: now, ApprovedAt: now, Card: &card, BaseURL: in.BaseURL,
	}}
	b.add(tenantName, p)
	p.LastTransactionKey = b.txKey()
	p.Secret = b.newSecret()
	k.Charges++
	b.apply(p, ActionBillingCharge, now, Event{Amount: p.Total, TransactionKey: p.LastTransactionKey})
	return p.snapshot(), nil
}

// DeleteBillingKey removes a billing key of the tenant: it charges no
// more, and BILLING_DELETED announces it (BillingKeyTransitions).
func (b *Book) DeleteBillingKey(out *Outbox, tenantName, billingKey string) error {
	b.begin(out)
	defer b.end()
	t := b.tenantOf(tenantName, false)
	var k *BillingKey
	if t != nil {
		k = t.billing.byKey[billingKey]
	}
	if k == nil {
		return refuse(OpDeleteBillingKey, CodeNotFound, "No billing key of this secret key has that value (or it was removed).")
	}
	b.removeBillingKey(t, k)
	row := billingKeyTransitions[0]
	b.log(t, Event{At: b.nowOf(tenantName), Kind: EventBillingKeyDeleted, Tenant: tenantName, BillingKey: k.Key, Webhooks: row.Webhooks})
	return nil
}

// BillingKeys returns the tenant's billing keys, newest first.
func (b *Book) BillingKeys(tenantName string) []BillingKey {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.tenants[tenantName]
	if t == nil {
		return nil
	}
	out := make([]BillingKey, 0, t.billing.len())
	for i := t.billing.len() - 1; i >= 0; i-- {
		out = append(out, *t.billing.order[i])
	}
	return out
}

// BillingUsage is how many billing keys the book holds, and authKeys
// waiting to be issued.
func (b *Book) BillingUsage() (keys, pendingAuths int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.billing.keys, len(b.billing.order)
}
