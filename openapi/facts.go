package openapi

import "time"

// Toss's documented facts that an OpenAPI document cannot hold: header
// names, windows and schedules. This file is the one place the sandbox, the
// webhook receiver, the wrapper and the CLI read them from; what the
// document can hold (lengths, patterns, x-toss-… extensions) is read from
// the document instead. Each names its source in ../shared or docs/.

// The headers Toss sends with each webhook delivery (docs/webhooks.md W1).
const (
	HeaderWebhookTransmissionID           = "tosspayments-webhook-transmission-id"
	HeaderWebhookTransmissionTime         = "tosspayments-webhook-transmission-time"
	HeaderWebhookTransmissionRetriedCount = "tosspayments-webhook-transmission-retried-count"
	// HeaderWebhookSignature carries the signature of the signed (payout)
	// webhooks: one or more "v1:" base64 HMAC-SHA256 values of
	// "{payload}:{transmission-time}" under the shop's security key.
	HeaderWebhookSignature = "tosspayments-webhook-signature"
)

// WebhookRetryIntervals is Toss's webhook schedule: the wait before each
// retry of a delivery that was not answered 200 (docs/webhooks.md W2, W4).
// After the last retry the delivery has failed: eight attempts at most.
var WebhookRetryIntervals = [...]time.Duration{
	1 * time.Minute, 4 * time.Minute, 16 * time.Minute, 64 * time.Minute,
	256 * time.Minute, 1024 * time.Minute, 4096 * time.Minute,
}

// WebhookTimeout is how long a receiver has to answer a delivery
// (docs/webhooks.md W2: 10 seconds).
const WebhookTimeout = 10 * time.Second

// IdempotencyWindow is how long the API answers a repeated Idempotency-Key
// with the first answer (toss-api-facts: 15 days).
const IdempotencyWindow = 15 * 24 * time.Hour

// The payment window's clock (toss-api-facts: a created payment waits 30
// minutes for the customer; an authenticated one must be confirmed within
// 10 minutes, after which it is EXPIRED).
const (
	// ReadyWindow is how long a created (READY) payment waits for the
	// customer at the payment window.
	ReadyWindow = 30 * time.Minute
	// ConfirmWindow is how long after the customer's authentication a
	// payment (IN_PROGRESS) can be confirmed.
	ConfirmWindow = 10 * time.Minute
)

// BillingAuthKeyWindow is how long the authKey that the card-registration
// window sends to the successUrl can be exchanged for a billing key.
// Assumed: Toss publishes no validity; the sandbox gives it the confirm
// window's 10 minutes, the time a payment's authentication stays usable.
const BillingAuthKeyWindow = ConfirmWindow

// MinimumAmount is the smallest amount of a card or virtual-account
// payment, in won (BELOW_MINIMUM_AMOUNT below it).
const MinimumAmount = 100

// VirtualAccountValidDays is how long an issued virtual account takes
// deposits: until 23:59:59 Korean time, this many days after the issue
// (docs/webhooks.md §4: issued 2024-02-13, due 2024-02-20T23:59:59+09:00
// in a real answer; Toss's default validity is 168 hours).
const VirtualAccountValidDays = 7

// RefundDelay is how long after the cancel of a deposited virtual account
// the refund reaches the customer (docs/webhooks.md §4 R1: "refunded 2 days
// after the cancel request"; the sandbox's reading of it).
const RefundDelay = 48 * time.Hour

// MaxIdempotencyKeyLength returns the longest Idempotency-Key the API takes:
// the maxLength of the document's Idempotency-Key header parameter (300).
// It panics if the embedded document does not load or says none, which its
// tests rule out.
func MaxIdempotencyKeyLength() int {
	doc, err := Load()
	if err != nil {
		panic("openapi: " + err.Error())
	}
	for _, p := range doc.Components.Parameters {
		if p.Value != nil && p.Value.In == "header" && p.Value.Name == "Idempotency-Key" &&
			p.Value.Schema != nil && p.Value.Schema.Value != nil && p.Value.Schema.Value.MaxLength != nil {
			return int(*p.Value.Schema.Value.MaxLength)
		}
	}
	panic("openapi: the document's Idempotency-Key parameter has no maxLength")
}

// AcceptLanguages are the Accept-Language values Toss documents: en-US
// turns enum values and error messages into English, ko-KR (like no
// header) keeps them Korean (toss-api-facts). The document leaves the
// header an open string (an enum there would narrow the 0.4.0 contract), so
// the CLI refuses other values from this list before sending them.
var AcceptLanguages = []string{"ko-KR", "en-US"}
