// Package wrapper is the client users call: authentication, idempotency,
// safe retries, typed errors and local validation over the generated Toss
// Payments client. It hands back the generated types (generated.Payment and
// the generated request types) and the call's metadata.
//
//	c, err := wrapper.New(os.Getenv("TOSS_SECRET_KEY"))
//	...
//	p, meta, err := c.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{
//		PaymentKey: paymentKey, OrderID: orderID, Amount: money.New(15000),
//	})
//
// Every operation takes ctx first and returns (*generated.Payment, *Meta,
// error). Meta always comes back, also with an error: it holds the HTTP
// status, the X-TossPayments-Trace-Id, the idempotency key and the number of
// attempts.
//
// # Authentication
//
// New takes the secret key (test_sk_…, live_sk_…, or a widget key
// test_gsk_…/live_gsk_…) and sends Authorization: Basic base64(key + ":") on
// every request it builds, which only ever go to the base URL's scheme, host
// and port: the client follows no redirect, whatever http.Client it is given
// (it uses a copy whose CheckRedirect returns the redirect itself), and a
// redirect comes back as an *APIError naming its status and saying nothing
// was re-sent. NewFromEnv reads the key from TOSS_SECRET_KEY and the base URL
// from TOSS_BASE_URL, as the tosspay command does. New refuses an
// empty key, a key containing ':' or white space, and a client key
// (test_ck_…), which is for browsers. Mode and IsTest tell a test key from a
// live one; both use the same host.
//
// The key never appears in errors, log records or the printed form of any
// type of this package (%v, %+v, %#v, slog). Nor does card data: KeyInPayment
// puts the card number, password and identity number in the request body
// only, validation errors name fields and rules but never values, and text
// the server sends back is scrubbed of the key and the card data before it
// goes into an error or a log record: the error code, the message, the
// X-TossPayments-Trace-Id and any other body (an HTML page). The key is
// removed raw, in base64 with and without padding (both alphabets) and so in
// its Basic header form; the whole text is scrubbed before it is cut, control
// characters are dropped and lengths are capped. The scrubbing removes each
// value of at least 4 characters as it is, and a card or identity number (6
// digits or more) also when written with spaces, '-', '.' or '/' between its
// digits ("9440-6172-8391-0245"). It does not remove a value shorter than 4
// characters, such as the two-digit cardPassword: removing every such pair of
// digits would garble the text, and the API does not echo it. The
// generated.KeyInPaymentRequest you pass prints its card fields as
// [REDACTED].
//
// The default HTTP client has connection, TLS and response timeouts, TLS 1.2
// at least, and follows no redirects; WithTimeout bounds each attempt
// (DefaultTimeout), and the default client's response timeouts follow it (a
// client given to WithHTTPClient keeps its own). WithHTTPClient and
// WithBaseURL point the client at a local sandbox or an httptest server. New
// refuses an http:// base URL for a live key (or one of unknown mode), on
// any host, loopback included, so that a live key never crosses a
// connection in cleartext; a test key may use http:// to any host.
//
// # Idempotency and retries
//
// Every POST carries an Idempotency-Key: the caller's (WithIdempotencyKey) or
// a fresh UUID v4 from crypto/rand. The key is chosen once per call, before
// the first attempt, and every attempt sends the same key and the same body.
// It comes back in Meta and in every error: persist it with the order. A key
// (the caller's or a generator's) must be 1 to 300 characters of printable
// ASCII, not starting or ending with a space; another is refused with a
// *ValidationError before anything is sent, even with validation off.
//
// Toss keeps a key for 15 days and identifies a request by key, API key,
// method and URL only: a request that reuses a key replays the first response
// whatever its body. So a key must never be reused for a different request,
// and a request whose outcome is unknown must be repeated with its original
// key, never a new one (a new key can charge or refund twice). For retries
// that survive a crash or a redeploy, derive the key from what identifies the
// request with DeriveIdempotencyKey, ConfirmIdempotencyKey or
// CancelIdempotencyKey.
//
// A call is retried (DefaultRetryPolicy: 2 retries; WithRetry changes it) only
// when that is safe: after a connection failure or a lost response, a 409
// IDEMPOTENT_REQUEST_PROCESSING (the first request is still in flight), a
// 429, or a 5xx; POSTs always carry their key and GETs are safe. A decline or
// any other 4xx is never retried. Waits use capped exponential backoff with
// full jitter, or the server's Retry-After (a Retry-After longer than the
// policy's MaxDelay ends the retries), and end at once when ctx ends. Each
// decision and its reason are logged with WithLogger.
//
// # Errors
//
// A 2xx is a success only when it answers the request that was sent: the body
// decodes into a generated.Payment, carries every key the spec requires of
// the answer (read from the spec when the package loads), and matches the
// request. A confirm must come back with the same paymentKey, orderId and
// totalAmount and a status DONE or WAITING_FOR_DEPOSIT; a cancel with the
// same paymentKey, the cancel just asked for as the last of its cancels and
// the balance moved by it; a key-in with the same orderId and amount; a
// create with the same orderId and amount, READY; a look-up with the key or
// orderId asked for. Any other 2xx is an *APIError whose Mismatch names the
// failed check and whose Payment is what came back; for a POST its class is
// ClassOutcomeUnknown and it is never retried (a repeat with the same key
// would replay it).
//
// A failed call returns one of three error types, for errors.As:
//
//   - *ValidationError: the request broke a rule of the OpenAPI document
//     (orderId "ab", a cancelReason over 200 characters, an amount ≤ 0, an
//     idempotency key over 300 characters) and nothing was sent. It names the
//     field and the rule. WithValidation(false) turns this check off, but not
//     the checks of the call options (an idempotency key, a header).
//   - *APIError: the API answered with an error: status, code (the spec's
//     codes are the generated.ErrorCode constants, such as
//     generated.ErrorCodeRejectCardCompany; new codes are kept as they are),
//     message, trace id, idempotency key, operation and attempts. A body that
//     is not a Toss error (an HTML page from a proxy) still gives the status,
//     content type and the start of the body. At most 1 MiB of an error body
//     is read.
//   - *TransportError: no answer after the retries: it says how many attempts
//     were made and whether the request may have reached the server (with an
//     *http.Transport, the default, a failure before it used any connection
//     did not).
//
// ClassOf sorts any of them by what to do next:
//
//   - ClassDeclined (IsDeclined): the card company, bank or fraud detection
//     refused the payment (403 REJECT_*, FDS_ERROR, ...: the spec's
//     x-toss-declined list). No money moved. Tell the customer; do not retry.
//   - ClassRejected: the request was refused for what it says (INVALID_REQUEST,
//     NOT_FOUND_PAYMENT, ALREADY_CANCELED_PAYMENT, ...). Fix it; do not retry it.
//   - ClassRetryable (IsRetryable): nothing took effect (a 429, or every
//     attempt failed before a connection was used), or the call was a
//     look-up. Call again later with the same idempotency key.
//   - ClassOutcomeUnknown (IsOutcomeUnknown): a timeout or lost response after
//     sending, a 5xx after the last retry, a 409 still in flight, a 3xx to a
//     POST, or a code the spec lists in the operation's x-toss-outcome-unknown
//     (PROVIDER_ERROR; ALREADY_PROCESSED_PAYMENT on key-in, and on a confirm
//     whose reconciling look-up failed). Also,
//     once an attempt of a POST may have reached the server, any last answer
//     that is not a 4xx with a Toss error code (with the same key, Toss
//     replays the first answer, so such a 4xx is definitive; a 429, a 5xx or a
//     proxy's page says nothing about the earlier attempt). The
//     payment may or may not have happened. Settle it before anything else:
//     Client.Resolve looks the payment up and returns it when it shows the
//     call took effect as asked, or a definitive error carrying it when not.
//     When IsRetryable says so (a 5xx, a 409 in flight), calling again with
//     the same idempotency key also settles it; for the others (a replayed
//     code, a 2xx that does not answer the request) a repeat only replays
//     the answer. The error's Advice says which.
//
// A confirm answered ALREADY_PROCESSED_PAYMENT is settled at once: the client
// looks the payment up, and if it is DONE (or WAITING_FOR_DEPOSIT) with the
// same orderId and amount the call succeeds with Meta.Reconciled set (and
// Meta.Lookup the look-up's metadata); otherwise it returns a definitive
// *APIError (ClassRejected) carrying the payment found.
//
// Every retry and class decision comes from one table of outcomes; the
// attempt loop only asks it.
//   - ClassInvalid: a *ValidationError.
//
// # Testing
//
// Point the client at an httptest server or the local sandbox with
// WithBaseURL (and WithHTTPClient for an in-memory transport). Use
// WithIdempotencyKeyGenerator for deterministic keys and WithSleeper to
// record the waits between attempts instead of sleeping. With a test key,
// WithTestCode("REJECT_CARD_COMPANY") makes the real API answer with that
// error. The examples below run against an in-process server.
package wrapper
