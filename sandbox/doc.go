// Package sandbox is a local, stateful emulation of the Toss Payments Core
// API payment endpoints, for tests that cannot reach api.tosspayments.com and
// for teams in other languages that test against the same contract.
//
// It implements the strict server interface generated from
// openapi/tosspayments.yaml, so a change of the spec breaks the build until
// the sandbox follows, and it validates every request against that spec.
//
// # Serving
//
//	sb, err := sandbox.New()
//	srv := httptest.NewServer(sb.Handler())
//
// The handler serves the ten API operations (payments and billing), a
// card-registration page (/sandbox/billing/auth), a checkout page at each
// payment's checkout.url (/sandbox/checkout/{paymentKey}), a sales slip at
// receipt.url (/sandbox/receipt/{paymentKey}), a dashboard per test key
// (/sandbox/dashboard), the spec at /openapi.yaml and /openapi.json, and the
// sandbox's own endpoints under /sandbox/v1/ (authenticated with the secret
// key): a virtual account's deposit, the key's webhook URL, its webhook
// deliveries, and the webhook listener's long poll and reports.
//
// # Dashboard
//
// /sandbox/dashboard shows the payments of the secret key a browser signed
// in with (a session cookie holding an HMAC of the key, never the key),
// each with its timeline: the API calls about it (status, error code,
// idempotency replay, fault injected), its state changes and cancels, and
// the entries of any TimelineSource (webhook deliveries). Its POST buttons
// (approve or fail a checkout) are guarded against cross-site requests and
// carry a CSRF token. Calls and PaymentTimeline give the same in Go.
//
// # How a request is answered
//
// A request passes routing (unknown or non-canonical path 404, wrong method
// 405, before anything is stored), the body cap (1 MiB), authentication as
// Toss does it (Basic base64(key + ":"), test keys only, payments isolated
// per secret key) and the key's request rate (WithRateLimit), the call log,
// faults, validation against the spec (400 INVALID_REQUEST naming the field
// and the rule), idempotency (the first response of key + secret key +
// method + path is replayed for 15 days; 409 IDEMPOTENT_REQUEST_PROCESSING
// while it is in flight), the generated strict handler, and the rules of
// package payments (http_entry.go documents the layers' order). Every response
// carries X-TossPayments-Trace-Id and every error is Toss-shaped JSON, except
// that the checkout and receipt pages answer a browser (Accept: text/html)
// with an HTML page.
//
// # Rules
//
// Package payments (sandbox/payments) holds the payments, their rules and
// the tenants' bounds, without HTTP; every status change and the webhooks
// it sends are one row of its table, payments.Transitions, which the
// README shows. The Store offers the rules in the API's types (Create,
// Approve, ApproveVirtualAccount, Fail, Confirm, Deposit, Cancel, KeyIn,
// Get, GetByOrderID): plain methods, usable without HTTP, which a Sandbox
// has too. The HTTP side (the layers above and the generated strict
// handler) only translates. Every state change is an
// Event, kept per payment (Timeline) and per secret key (Events) and handed
// to the hook of WithEventHook.
//
// # Virtual accounts and webhooks
//
// A VIRTUAL_ACCOUNT payment gets its account at confirm
// (WAITING_FOR_DEPOSIT), is paid by Deposit (DONE), expires at its due date
// on the Clock, and needs a refund account to be cancelled after the
// deposit. The state changes Toss announces are POSTed to the secret key's
// webhook URL (SetWebhookURL, WithWebhookURL) with Toss's headers, from a
// bounded outbox per key, and retried on Toss's schedule on the Clock
// (openapi.WebhookRetryIntervals, WithWebhookRetryScale) until answered 200;
// WebhookDeliveries keeps each delivery with its answers, and
// X-Sandbox-Webhook-Fault or WithWebhookFaults makes deliveries repeat,
// arrive out of order or late. Call CloseWebhooks when done.
//
// A key whose URL is ListenWebhookURL has its webhooks pulled instead, by a
// listener ("tosspay listen") that forwards each attempt to the app and
// reports its answer, for an app the sandbox cannot reach. A sandbox many
// users share delivers to public addresses only (WithWebhookTargets), so
// that none of them can make it POST to the services on its network; no
// delivery follows a redirect.
//
// # Test controls
//
// For tests in any language, each over the sandbox's own endpoints and
// touching only the caller's key: a clock per key on top of the Clock
// (AdvanceClock, SetKeyClock, KeyClock; POST /sandbox/v1/clock), which
// moves time for that key's payments and sends its webhook retries that
// fall due, in order; triggers that make an event happen in one call
// (Trigger, Triggers; POST /sandbox/v1/triggers/{event}); one delivery and
// its resend (WebhookDelivery, ResendWebhook); and the key's API calls as
// Server-Sent Events (GET /sandbox/v1/logs), bounded per key and in all.
//
// # Limits
//
// Every limit (idempotency keys, cached bytes, payments, cancels) applies
// per secret key, with a global bound on top (WithTenantLimits,
// WithGlobalLimits). A key past its limit forgets its own oldest entries
// rather than being refused, so one tenant never locks out another;
// WithRateLimit bounds each key's request rate (429 TOO_MANY_REQUESTS with
// Retry-After past it), and NewServer caps open connections. Time comes from an injectable Clock
// (see FakeClock), so tests cross the 10-minute confirm window or the 15-day
// idempotency window without sleeping.
//
// # Faults
//
// The header X-Sandbox-Fault injects a fault into one request, and WithFaults
// with WithSeed injects random, reproducible faults into every request. See
// FaultHeader for the kinds, FaultCounts for the counters and Payments for a
// snapshot of the store.
package sandbox
