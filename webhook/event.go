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
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// Type is a webhook event type, as Toss names it in eventType.
type Type string

// The event types the receiver parses. DEPOSIT_CALLBACK bodies carry no
// eventType; the receiver recognises them by their shape.
const (
	PaymentStatusChanged Type = Type(generated.PaymentStatusChangedEventEventTypePaymentStatusChanged)
	DepositCallback      Type = "DEPOSIT_CALLBACK" // no eventType in the body: the docs' name
	CancelStatusChanged  Type = Type(generated.CancelStatusChangedEventEventTypeCancelStatusChanged)
)

// The headers Toss sends with every webhook.
const (
	HeaderTransmissionID           = "tosspayments-webhook-transmission-id"
	HeaderTransmissionTime         = "tosspayments-webhook-transmission-time"
	HeaderTransmissionRetriedCount = "tosspayments-webhook-transmission-retried-count"
)

// Event is one webhook delivery, parsed and verified. Exactly one of
// PaymentStatusChanged and DepositCallback is set, after Type.
type Event struct {
	// Type is the event type.
	Type Type
	// Key is what the receiver de-duplicates on: the transmission id header
	// ("tid:" + id), or when it is absent a hash of the body ("sha256:" + hex).
	Key string
	// TransmissionID, TransmissionTime and RetriedCount are the headers of
	// this delivery as sent ("" and 0 when absent). RetriedCount is 0 on the
	// first attempt and counts up to 7 as Toss sends the event again.
	TransmissionID   string
	TransmissionTime string
	RetriedCount     int

	// PaymentStatusChanged is the body of a PAYMENT_STATUS_CHANGED event.
	// Its Data is the payment as it was when Toss created the event: a later
	// event may have been delivered first.
	PaymentStatusChanged *generated.PaymentStatusChangedEvent
	// DepositCallback is the body of a DEPOSIT_CALLBACK event.
	DepositCallback *generated.DepositCallbackEvent

	// Payment is the payment as Toss answered when the receiver looked it up
	// to verify the event: its current state, newer than the event's when
	// deliveries arrive late or out of order. Nil when the event was verified
	// by its secret alone.
	Payment *generated.Payment
}

// CreatedAt is when Toss created the event (Korean time, no offset). The
// order of CreatedAt is the order of the events.
func (e *Event) CreatedAt() tosstime.Timestamp {
	switch {
	case e.PaymentStatusChanged != nil:
		return e.PaymentStatusChanged.CreatedAt
	case e.DepositCallback != nil:
		return e.DepositCallback.CreatedAt
	}
	return ""
}

// OrderID is the merchant's order ID the event is about.
func (e *Event) OrderID() string {
	switch {
	case e.PaymentStatusChanged != nil:
		return e.PaymentStatusChanged.Data.OrderID
	case e.DepositCallback != nil:
		return e.DepositCallback.OrderID
	}
	return ""
}

// Status is the payment status the event announces.
func (e *Event) Status() generated.PaymentStatus {
	switch {
	case e.PaymentStatusChanged != nil:
		return e.PaymentStatusChanged.Data.Status
	case e.DepositCallback != nil:
		return e.DepositCallback.Status
	}
	return ""
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

// Parse reads a delivery (its body and headers) into an Event without
// verifying it, for tools that show or record deliveries: "tosspay listen"
// prints each one's type, order and status. An app acting on webhooks uses
// a Receiver, which verifies. The error says what is malformed; of the
// body it quotes at most an unknown eventType, never the payment or its
// secret.
func Parse(body []byte, h http.Header) (*Event, error) {
	ev, rej := parse(body, h)
	if rej != nil {
		return nil, rej
	}
	return ev, nil
}

// parse reads a delivery's body and headers into an Event, checking that it
// carries what verification needs. It does not verify.
func parse(body []byte, h http.Header) (*Event, *rejection) {
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
	ev := &Event{
		TransmissionID:   h.Get(HeaderTransmissionID),
		TransmissionTime: h.Get(HeaderTransmissionTime),
	}
	if rc := h.Get(HeaderTransmissionRetriedCount); rc != "" {
		n, err := strconv.Atoi(rc)
		if err != nil || n < 0 {
			return nil, reject(http.StatusBadRequest, "malformed "+HeaderTransmissionRetriedCount+" header", nil)
		}
		ev.RetriedCount = n
	}
	if ev.TransmissionID != "" {
		ev.Key = "tid:" + ev.TransmissionID
	} else {
		sum := sha256.Sum256(trimmed)
		ev.Key = "sha256:" + hex.EncodeToString(sum[:])
	}

	switch {
	case probe.EventType == nil || Type(*probe.EventType) == DepositCallback:
		// DEPOSIT_CALLBACK: flat, without eventType (tolerated when present).
		ev.Type = DepositCallback
		var d generated.DepositCallbackEvent
		if err := json.Unmarshal(trimmed, &d); err != nil {
			return nil, reject(http.StatusBadRequest, "malformed DEPOSIT_CALLBACK body", typeErr(err))
		}
		if missing := missingFields(map[string]bool{"orderId": d.OrderID == "", "secret": d.Secret == "", "status": d.Status == ""}); missing != "" {
			return nil, reject(http.StatusBadRequest, "no eventType, and not a DEPOSIT_CALLBACK: missing "+missing, nil)
		}
		ev.DepositCallback = &d
	case Type(*probe.EventType) == PaymentStatusChanged:
		ev.Type = PaymentStatusChanged
		var p generated.PaymentStatusChangedEvent
		if err := json.Unmarshal(trimmed, &p); err != nil {
			return nil, reject(http.StatusBadRequest, "malformed PAYMENT_STATUS_CHANGED body", typeErr(err))
		}
		if missing := missingFields(map[string]bool{"data.paymentKey": p.Data.PaymentKey == "", "data.orderId": p.Data.OrderID == "", "data.status": p.Data.Status == ""}); missing != "" {
			return nil, reject(http.StatusBadRequest, "PAYMENT_STATUS_CHANGED without "+missing, nil)
		}
		ev.PaymentStatusChanged = &p
	case Type(*probe.EventType) == CancelStatusChanged:
		// Its data is a Cancel, which names no payment: nothing to look up
		// and no secret to compare, so it cannot be verified.
		return nil, reject(http.StatusUnprocessableEntity, "CANCEL_STATUS_CHANGED cannot be verified: its data names no payment", nil)
	default:
		return nil, reject(http.StatusUnprocessableEntity, fmt.Sprintf("unknown event type %.64q", *probe.EventType), nil)
	}
	return ev, nil
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
