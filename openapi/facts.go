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
