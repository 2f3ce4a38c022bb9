package sandbox

import (
	"encoding/json"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// The triggers of the events that announce no payment: a BrandPay
// customer's (METHOD_UPDATED, CUSTOMER_STATUS_CHANGED, unsigned) and the
// payouts' (payout.changed, seller.changed, signed with the key's security
// key, SecurityKey). Each sends one event, shaped as docs/webhooks.md §2
// and §6 say and as the spec's x-webhooks schemas hold it, through the
// key's webhook outbox: its retries, resends, faults and listeners are
// those of every other delivery.

// The webhook event types that announce no payment.
const (
	WebhookBillingDeleted        = string(payments.WebhookBillingDeleted)
	WebhookMethodUpdated         = "METHOD_UPDATED"
	WebhookCustomerStatusChanged = "CUSTOMER_STATUS_CHANGED"
	WebhookPayoutChanged         = "payout.changed"
	WebhookSellerChanged         = "seller.changed"
)

// payoutEventVersion is the version a payout event's body names; the
// payout API's (assumed, as the fixtures).
const payoutEventVersion = "2022-11-16"

// webhookCreatedAt formats t as the payment events' createdAt: Korean time
// without an offset, six fractional digits (W1).
func webhookCreatedAt(t time.Time) string {
	return t.In(tosstime.Seoul).Format("2006-01-02T15:04:05.000000")
}

// offsetTime formats t in Korean time with its offset, as the payout
// events' times are written.
func offsetTime(t time.Time) string {
	return t.In(tosstime.Seoul).Format("2006-01-02T15:04:05.000000-07:00")
}

// sendEvent puts one event of typ in the key's outbox, signed with the
// key's security key when signed, and records the delivery in r.
func (r *triggerRun) sendEvent(s *Sandbox, typ string, body any, signed bool) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var key []byte
	if signed {
		key = []byte(s.SecurityKey(r.c.SecretKey))
	}
	if d, ok := s.wh.EnqueueEvent(r.c.SecretKey, typ, b, key, r.c.WebhookFault); ok {
		r.sent = append(r.sent, TriggeredWebhook{ID: d.TransmissionID, EventType: typ})
		if signed { // the answer names the key that signs what was sent
			r.securityKey = string(key)
		}
	}
	return nil
}

// keyNow is the time on the caller's key's clock.
func (r *triggerRun) keyNow(s *Sandbox) time.Time {
	now, _ := s.book.Clock(r.c.SecretKey)
	return now
}

type eventEnvelope struct {
	EventType string `json:"eventType"`
	CreatedAt string `json:"createdAt"`
	Data      any    `json:"data"`
}

// methodUpdated sends METHOD_UPDATED: a new BrandPay customer's card
// method became ENABLED.
func (r *triggerRun) methodUpdated(s *Sandbox) error {
	type data struct {
		CustomerKey string `json:"customerKey"`
		MethodKey   string `json:"methodKey"`
		Status      string `json:"status"`
	}
	return r.sendEvent(s, WebhookMethodUpdated, eventEnvelope{WebhookMethodUpdated, webhookCreatedAt(r.keyNow(s)), data{
		CustomerKey: "trigger-customer-" + s.book.Alnum(12), MethodKey: "method_" + s.book.Alnum(20), Status: "ENABLED",
	}}, false)
}

// customerStatusChanged sends CUSTOMER_STATUS_CHANGED: a new BrandPay
// customer changed their password.
func (r *triggerRun) customerStatusChanged(s *Sandbox) error {
	type data struct {
		CustomerKey string `json:"customerKey"`
		Status      string `json:"status"`
		ChangedAt   string `json:"changedAt"`
	}
	now := r.keyNow(s)
	return r.sendEvent(s, WebhookCustomerStatusChanged, eventEnvelope{WebhookCustomerStatusChanged, webhookCreatedAt(now), data{
		CustomerKey: "trigger-customer-" + s.book.Alnum(12), Status: "PASSWORD_CHANGED", ChangedAt: offsetTime(now),
	}}, false)
}

type payoutEnvelope struct {
	EventType  string `json:"eventType"`
	Version    string `json:"version"`
	EventID    string `json:"eventId"`
	EntityType string `json:"entityType"`
	EntityBody any    `json:"entityBody"`
	CreatedAt  string `json:"createdAt"`
}

func (r *triggerRun) payoutEvent(s *Sandbox, typ, entity string, body any) error {
	return r.sendEvent(s, typ, payoutEnvelope{
		EventType: typ, Version: payoutEventVersion, EventID: "evt_" + s.book.Alnum(24),
		EntityType: entity, EntityBody: body, CreatedAt: offsetTime(r.keyNow(s)),
	}, true)
}

// payoutChanged sends payout.changed: a payout of 15,000 won to a seller
// COMPLETED. The entity's fields beyond its id, status and amount are
// assumed (the payout API's shape; no webhook body is published).
func (r *triggerRun) payoutChanged(s *Sandbox) error {
	type amount struct {
		Currency string `json:"currency"`
		Value    int64  `json:"value"`
	}
	now := r.keyNow(s)
	return r.payoutEvent(s, WebhookPayoutChanged, "payout", struct {
		ID                     string `json:"id"`
		RefPayoutID            string `json:"refPayoutId"`
		Destination            string `json:"destination"`
		ScheduleType           string `json:"scheduleType"`
		PayoutDate             string `json:"payoutDate"`
		Amount                 amount `json:"amount"`
		TransactionDescription string `json:"transactionDescription"`
		RequestedAt            string `json:"requestedAt"`
		Status                 string `json:"status"`
		Error                  any    `json:"error"`
	}{
		ID: "FPA_" + s.book.Alnum(20), RefPayoutID: "trigger-payout-" + s.book.Alnum(12), Destination: "seller_" + s.book.Alnum(16),
		ScheduleType: "EXPRESS", PayoutDate: now.In(tosstime.Seoul).Format(time.DateOnly), Amount: amount{"KRW", triggerAmount},
		TransactionDescription: "tosspay trigger", RequestedAt: offsetTime(now), Status: "COMPLETED",
	})
}

// sellerChanged sends seller.changed: a new seller APPROVED. The entity's
// fields beyond its id and status are assumed.
func (r *triggerRun) sellerChanged(s *Sandbox) error {
	return r.payoutEvent(s, WebhookSellerChanged, "seller", struct {
		ID           string `json:"id"`
		RefSellerID  string `json:"refSellerId"`
		BusinessType string `json:"businessType"`
		Status       string `json:"status"`
	}{ID: "seller_" + s.book.Alnum(16), RefSellerID: "trigger-seller-" + s.book.Alnum(12), BusinessType: "INDIVIDUAL_BUSINESS", Status: "APPROVED"})
}
