// Package wrapper is the client users call: authentication, idempotency,
// safe retries, typed errors and local validation over the generated Toss
// Payments client, whose request builders build every request. It hands
// back the generated types and the call's metadata.
//
//	c, err := wrapper.New(os.Getenv("TOSS_SECRET_KEY"))
//	...
//	p, meta, err := c.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{
//		PaymentKey: paymentKey, OrderID: orderID, Amount: money.New(15000),
//	})
//
// Every operation takes ctx first and returns its result (a *generated.Payment,
// or an issued *generated.Billing), a *Meta, always, also with an error (HTTP
// status, X-TossPayments-Trace-Id, idempotency key, attempts), and an error.
//
// # Authentication and secrets
//
// New takes the secret key (test_sk_…, live_sk_…, or a widget key) and sends
// Authorization: Basic base64(key + ":") only to the base URL: the client
// follows no redirect, whatever http.Client it is given, and a redirect
// comes back as an *APIError. It refuses a client key (test_ck_…), a key with
// ':' or white space, and an http:// base URL for a key that is not a test
// key. NewFromEnv reads TOSS_SECRET_KEY and TOSS_BASE_URL, as tosspay does.
//
// The key, card data, billing keys and customerKeys never appear in errors, log
// records or the printed form of any type of this package. What the server
// sends back (code, message, trace id, an HTML page) is scrubbed before it goes
// into an error: the key raw and in base64 (so its Basic form), each request
// secret of at least 4 characters, and a card or identity number also when
// written with separators ("9440-6172-8391-0245"); then control characters are
// dropped and lengths capped. The two-digit cardPassword is not scrubbed (the
// API does not echo it). Validation errors name fields and rules, never values.
//
// # Idempotency and retries
//
// Every POST carries an Idempotency-Key: the caller's (WithIdempotencyKey)
// or a fresh UUID v4, chosen once per call; every attempt sends the same key
// and body. It comes back in Meta and in every error: persist it with the
// order. Toss keeps a key for 15 days (openapi.IdempotencyWindow) and
// replays the first answer for it whatever the body. For retries that
// survive a crash, derive the key (ConfirmIdempotencyKey,
// CancelIdempotencyKey; a billing charge's and issue's are derived by default).
//
// A call is retried (DefaultRetryPolicy; WithRetry) only when that is safe:
// a connection failure or lost response, 409 IDEMPOTENT_REQUEST_PROCESSING,
// 429, or 5xx. A decline or another 4xx is never retried. Waits are capped
// exponential backoff with full jitter, or the server's Retry-After (one
// longer than MaxDelay ends the retries), and end when ctx ends. Every retry
// and class decision comes from one table (decide.go); WithLogger logs each.
//
// # Success
//
// A 2xx is a success only when it answers the request sent and says it was
// done: a payment with every key the spec requires, the paymentKey, orderId
// and amount sent, and the status of a success (a create READY; a confirm,
// key-in or billing charge DONE, the charge of type BILLING; a
// virtual-account confirm WAITING_FOR_DEPOSIT with its account; a cancel
// CANCELED or PARTIAL_CANCELED whose last cancel is DONE with the amounts
// sent), or a billing key of the customerKey sent. A payment ABORTED or
// EXPIRED with a failure is a declined *APIError with the failure's code;
// any other 2xx is an *APIError whose Mismatch names the failed check and
// whose Payment is what came back (for a POST, outcome unknown).
//
// # Errors
//
// A failed call returns a *ValidationError (a rule of the OpenAPI document
// broken; nothing was sent), an *APIError (an error answer, or a 2xx that is
// not a success) or a *TransportError (no answer after the retries). ClassOf
// sorts them by what to do next (IsDeclined, IsRetryable, IsOutcomeUnknown).
//
// # Outcome unknown
//
// This is the rule every outcome-unknown error of this package refers to. A
// POST's outcome is unknown when it may or may not have taken effect: a timeout
// or lost response after sending, a 5xx or 409 in flight after the last retry,
// a 3xx, a code the spec lists in the operation's x-toss-outcome-unknown
// (PROVIDER_ERROR; ALREADY_PROCESSED_PAYMENT on key-in), a 2xx that does not
// answer the request, and, once an attempt may have reached the server, any
// last answer that is not a 4xx with a Toss code (only that one Toss replays
// for the key). The payment may or may not have happened. Settle it before
// anything else, and never send the request again with a new idempotency key
// (that can charge or refund twice): Client.Resolve looks the payment up and
// returns it when its status shows the call done, a declined or rejected error
// when it shows it was not, and the error itself while it is not settled. When
// IsRetryable says so (a 5xx, a 409 in flight), repeating the call with the
// same key also settles it; otherwise a repeat only replays the answer. The
// error's Advice says which. ALREADY_PROCESSED_PAYMENT on a confirm, and
// DUPLICATED_ORDER_ID on a billing charge (its order charged before, under a
// key lost or expired), are settled at once by a look-up (Meta.Reconciled).
//
// # Testing
//
// WithBaseURL points the client at an httptest server or the local sandbox
// (WithHTTPClient: an in-memory transport); WithIdempotencyKeyGenerator and
// WithSleeper make keys and waits deterministic; with a test key,
// WithTestCode("REJECT_CARD_COMPANY") makes the API answer with that error.
package wrapper
