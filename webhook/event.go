package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// Type is a webhook event type, as Toss names it in eventType.
type Type string

// The event types the docs list (docs/webhooks.md §2). DEPOSIT_CALLBACK bodies
// carry no eventType; the receiver recognises them by their shape.
const (
	PaymentStatusChanged  Type = Type(generated.PaymentStatusChangedEventEventTypePaymentStatusChanged)
	DepositCallback       Type = "DEPOSIT_CALLBACK" // no eventType in the body: the docs' name
	CancelStatusChanged   Type = Type(generated.CancelStatusChangedEventEventTypeCancelStatusChanged)
	BillingDeleted        Type = Type(generated.BillingDeletedEventEventTypeBillingDeleted)
	MethodUpdated         Type = Type(generated.MethodUpdatedEventEventTypeMethodUpdated)
	CustomerStatusChanged Type = Type(generated.CustomerStatusChangedEventEventTypeCustomerStatusChanged)
	PayoutChanged         Type = Type(generated.PayoutWebhookEventEventTypePayoutChanged)
	SellerChanged         Type = Type(generated.PayoutWebhookEventEventTypeSellerChanged)
)

// Signed reports whether Toss signs events of this type
// (openapi.HeaderWebhookSignature): the payout events only.
func (t Type) Signed() bool { return t == PayoutChanged || t == SellerChanged }

// Delivery is what the headers of one delivery say ("" and 0 when absent).
// RetriedCount is 0 on the first attempt and counts up to 7 as Toss sends the
// event again. The sender chooses all three: the receiver de-duplicates on
// what the API answers, not on TransmissionID.
type Delivery struct {
	TransmissionID   string
	TransmissionTime string
	RetriedCount     int
}

// Claims is a delivery's body as sent: what the sender claims, verified by
// nothing. Exactly one of the pointers is set, after Type.
type Claims struct {
	// Type is the event type the body names.
	Type Type

	PaymentStatusChanged  *generated.PaymentStatusChangedEvent
	DepositCallback       *generated.DepositCallbackEvent
	CancelStatusChanged   *generated.CancelStatusChangedEvent
	BillingDeleted        *generated.BillingDeletedEvent
	MethodUpdated         *generated.MethodUpdatedEvent
	CustomerStatusChanged *generated.CustomerStatusChangedEvent
	// Payout is the body of payout.changed and seller.changed.
	Payout *generated.PayoutWebhookEvent
}

// CreatedAt is when the body says Toss created the event, as written
// (payment events: Korean time without an offset; payout events: with one).
func (c *Claims) CreatedAt() string {
	switch {
	case c.PaymentStatusChanged != nil:
		return string(c.PaymentStatusChanged.CreatedAt)
	case c.DepositCallback != nil:
		return string(c.DepositCallback.CreatedAt)
	case c.CancelStatusChanged != nil:
		return string(c.CancelStatusChanged.CreatedAt)
	case c.BillingDeleted != nil:
		return string(c.BillingDeleted.CreatedAt)
	case c.MethodUpdated != nil:
		return string(c.MethodUpdated.CreatedAt)
	case c.CustomerStatusChanged != nil:
		return string(c.CustomerStatusChanged.CreatedAt)
	case c.Payout != nil:
		return string(c.Payout.CreatedAt)
	}
	return ""
}

// OrderID is the orderId the body names ("" for events about no payment).
func (c *Claims) OrderID() string {
	switch {
	case c.PaymentStatusChanged != nil:
		return c.PaymentStatusChanged.Data.OrderID
	case c.DepositCallback != nil:
		return c.DepositCallback.OrderID
	}
	return ""
}

// Status is the status the body claims: a payment's, a cancel's, a BrandPay
// method's or customer's ("" when the body names none).
func (c *Claims) Status() string {
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	switch {
	case c.PaymentStatusChanged != nil:
		return string(c.PaymentStatusChanged.Data.Status)
	case c.DepositCallback != nil:
		return string(c.DepositCallback.Status)
	case c.CancelStatusChanged != nil && c.CancelStatusChanged.Data.CancelStatus != nil:
		return string(*c.CancelStatusChanged.Data.CancelStatus)
	case c.MethodUpdated != nil:
		return deref(c.MethodUpdated.Data.Status)
	case c.CustomerStatusChanged != nil:
		return deref(c.CustomerStatusChanged.Data.Status)
	}
	return ""
}

// Event is a verified event, as the user's HandlerFunc receives it. For a
// payment event (PAYMENT_STATUS_CHANGED, DEPOSIT_CALLBACK) Payment is the
// payment as the API answered when the receiver looked it up: the truth, and
// what Status, OrderID, PaymentKey, TotalAmount, BalanceAmount and Cancels
// read. The body is only the news that something changed: it is kept in
// Claimed, and where it disagrees with the API, Disagreements names the
// fields. For a signed payout event, Payout is the body, verified by its
// signature.
type Event struct {
	// Type is the event type.
	Type Type
	// Key is what the receiver de-duplicated on: for a payment event the
	// payment and the status and last transaction the API answered (the
	// same for PAYMENT_STATUS_CHANGED and DEPOSIT_CALLBACK); for a payout
	// event its eventId.
	Key string
	// Delivery is what this delivery's headers said.
	Delivery
	// Payment is the payment as the API answered (payment events; nil
	// otherwise).
	Payment *generated.Payment
	// Payout is the signed body of a payout.changed or seller.changed event.
	Payout *generated.PayoutWebhookEvent
	// Claimed is the body as sent, unverified: read it for the event's
	// createdAt or a DEPOSIT_CALLBACK's transactionKey, never for the state
	// of the payment.
	Claimed Claims
	// Disagreements names the fields where the body disagreed with the API
	// (status, orderId, totalAmount, balanceAmount, lastTransactionKey,
	// cancels): a late or out-of-order delivery, or a forgery. Empty when
	// they agree.
	Disagreements []string
}

// Status is the payment's status as the API answered ("" for events that
// are not about a payment).
func (e *Event) Status() generated.PaymentStatus {
	if e.Payment == nil {
		return ""
	}
	return e.Payment.Status
}

// OrderID is the payment's orderId as the API answered.
func (e *Event) OrderID() string {
	if e.Payment == nil {
		return ""
	}
	return e.Payment.OrderID
}

// PaymentKey is the payment's key as the API answered.
func (e *Event) PaymentKey() string {
	if e.Payment == nil {
		return ""
	}
	return e.Payment.PaymentKey
}

// TotalAmount is the payment's total as the API answered.
func (e *Event) TotalAmount() money.Amount {
	if e.Payment == nil {
		return money.Amount{}
	}
	return e.Payment.TotalAmount
}

// BalanceAmount is what remains of the payment after its cancels, as the
// API answered.
func (e *Event) BalanceAmount() money.Amount {
	if e.Payment == nil {
		return money.Amount{}
	}
	return e.Payment.BalanceAmount
}

// Cancels are the payment's cancels as the API answered, oldest first.
func (e *Event) Cancels() []generated.Cancel {
	if e.Payment == nil || e.Payment.Cancels == nil {
		return nil
	}
	return *e.Payment.Cancels
}

// Unverified is a delivery the receiver could not verify, as an
// UnverifiedFunc receives it, and as Parse reads one: the headers and the
// body as sent. Nothing in it is known to be true; anyone who knows a
// paymentKey can post one.
type Unverified struct {
	// Key is what the receiver de-duplicated on: the type and a hash of the
	// body, whatever the transmission id.
	Key string
	Delivery
	Claims
	// SecretMatched is true when the body's secret (a DEPOSIT_CALLBACK's, a
	// PAYMENT_STATUS_CHANGED's data.secret) equalled the secret the shop's
	// SecretLookup kept: the body came from Toss, but it may be stale or
	// out of order.
	SecretMatched bool
}

// A rejection is why a delivery is not handed to the user's function: the
// HTTP status to answer, a short reason for the body and the log, and the
// error behind it (never containing secrets).
type rejection struct {
	status int
	reason string
	err    error
}

func (r *rejection) Error() string {
	if r.err != nil {
		return r.reason + ": " + r.err.Error()
	}
	return r.reason
}

func reject(status int, reason string, err error) *rejection {
	return &rejection{status: status, reason: reason, err: err}
}

// Parse reads a delivery (its body and headers) without verifying it, for
// tools that show or record deliveries: "tosspay listen" prints each one's
// type, order and status. An app acting on webhooks uses a Receiver. The
// error says what is malformed; of the body it quotes at most an unknown
// eventType, never the payment or its secret.
func Parse(body []byte, h http.Header) (*Unverified, error) {
	u, rej := parse(body, h)
	if rej != nil {
		return nil, rej
	}
	return u, nil
}

// parse reads a delivery's body and headers, checking that it carries what
// verification needs. It does not verify.
func parse(body []byte, h http.Header) (*Unverified, *rejection) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, reject(http.StatusBadRequest, "body is not a JSON object", nil)
	}
	var probe struct {
		EventType *string `json:"eventType"`
	}
	if err := json.Unmarshal(trimmed, &probe); err != nil {
		return nil, reject(http.StatusBadRequest, "eventType is not a string", nil)
	}
	u := &Unverified{Delivery: Delivery{
		TransmissionID:   h.Get(openapi.HeaderWebhookTransmissionID),
		TransmissionTime: h.Get(openapi.HeaderWebhookTransmissionTime),
	}}
	if rc := h.Get(openapi.HeaderWebhookTransmissionRetriedCount); rc != "" {
		n, err := strconv.Atoi(rc)
		if err != nil || n < 0 {
			return nil, reject(http.StatusBadRequest, "malformed "+openapi.HeaderWebhookTransmissionRetriedCount+" header", nil)
		}
		u.RetriedCount = n
	}

	t := DepositCallback // flat, without eventType (tolerated when present)
	if probe.EventType != nil {
		t = Type(*probe.EventType)
	}
	u.Type = t
	var missing map[string]bool
	switch t {
	case DepositCallback:
		var d generated.DepositCallbackEvent
		if rej := decode(trimmed, &d, t); rej != nil {
			return nil, rej
		}
		if m := missingFields(map[string]bool{"orderId": d.OrderID == "", "secret": d.Secret == "", "status": d.Status == ""}); m != "" {
			return nil, reject(http.StatusBadRequest, "no eventType, and not a DEPOSIT_CALLBACK: missing "+m, nil)
		}
		u.DepositCallback = &d
	case PaymentStatusChanged:
		var p generated.PaymentStatusChangedEvent
		if rej := decode(trimmed, &p, t); rej != nil {
			return nil, rej
		}
		missing = map[string]bool{"data.paymentKey": p.Data.PaymentKey == "", "data.orderId": p.Data.OrderID == "", "data.status": p.Data.Status == ""}
		u.PaymentStatusChanged = &p
	case CancelStatusChanged:
		var c generated.CancelStatusChangedEvent
		if rej := decode(trimmed, &c, t); rej != nil {
			return nil, rej
		}
		u.CancelStatusChanged = &c
	case BillingDeleted:
		var b generated.BillingDeletedEvent
		if rej := decode(trimmed, &b, t); rej != nil {
			return nil, rej
		}
		missing = map[string]bool{"data.billingKey": b.Data.BillingKey == ""}
		u.BillingDeleted = &b
	case MethodUpdated:
		var m generated.MethodUpdatedEvent
		if rej := decode(trimmed, &m, t); rej != nil {
			return nil, rej
		}
		missing = map[string]bool{"data.customerKey": m.Data.CustomerKey == ""}
		u.MethodUpdated = &m
	case CustomerStatusChanged:
		var c generated.CustomerStatusChangedEvent
		if rej := decode(trimmed, &c, t); rej != nil {
			return nil, rej
		}
		missing = map[string]bool{"data.customerKey": c.Data.CustomerKey == ""}
		u.CustomerStatusChanged = &c
	case PayoutChanged, SellerChanged:
		var p generated.PayoutWebhookEvent
		if rej := decode(trimmed, &p, t); rej != nil {
			return nil, rej
		}
		missing = map[string]bool{"eventId": p.EventID == ""}
		u.Payout = &p
	default:
		return nil, reject(http.StatusUnprocessableEntity, fmt.Sprintf("unknown event type %.64q", *probe.EventType), nil)
	}
	if m := missingFields(missing); m != "" {
		return nil, reject(http.StatusBadRequest, string(t)+" without "+m, nil)
	}
	sum := sha256.Sum256(trimmed)
	u.Key = string(t) + ":sha256:" + hex.EncodeToString(sum[:])
	return u, nil
}

// decode unmarshals a body of type t into v.
func decode(body []byte, v any, t Type) *rejection {
	if err := json.Unmarshal(body, v); err != nil {
		return reject(http.StatusBadRequest, "malformed "+string(t)+" body", typeErr(err))
	}
	return nil
}

// missingFields lists, sorted, the names whose value is true.
func missingFields(m map[string]bool) string {
	var out []string
	for k, missing := range m {
		if missing {
			out = append(out, k)
		}
	}
	slices.Sort(out) // deterministic for logs and tests
	return strings.Join(out, ", ")
}

// typeErr keeps only where a JSON type mismatch happened: the decoder's
// error for a syntax problem can quote the body, and the body carries the
// secret.
func typeErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s: want %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return errors.New("undecodable value")
}
