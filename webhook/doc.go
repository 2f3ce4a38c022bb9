// Package webhook receives the webhooks Toss Payments sends: a Receiver is
// an http.Handler that parses each delivery into the generated types,
// verifies it, de-duplicates it and calls the shop's function once per
// event.
//
// # Events
//
// PAYMENT_STATUS_CHANGED ({eventType, createdAt, data: Payment}) announces
// that a payment became DONE, CANCELED, PARTIAL_CANCELED, ABORTED or EXPIRED
// (and, for a virtual account, WAITING_FOR_DEPOSIT). DEPOSIT_CALLBACK
// ({createdAt, secret, status, transactionKey, orderId}, no eventType)
// announces that a virtual account was issued, paid into or cancelled.
// createdAt is Korean time without an offset. docs/webhooks.md gives every
// rule with its source.
//
// # Verification
//
// Toss does not sign these events. A Receiver verifies a
// PAYMENT_STATUS_CHANGED by looking the payment up at Toss
// (WithPaymentGetter, given the shop's *wrapper.Client: the safe default,
// and the only way for EXPIRED and ABORTED payments, which carry no secret)
// or by comparing data.secret with the secret the shop kept from the confirm
// answer (WithSecretLookup). A DEPOSIT_CALLBACK's secret must equal that
// kept secret, or the secret of the payment looked up by orderId. An event
// that fails verification is answered 401 and never reaches the function.
//
// # Delivery and de-duplication
//
// Toss counts a delivery as received only when it is answered 200 within 10
// seconds, and otherwise sends it again up to 7 times (1, 4, 16, 64, 256,
// 1024 and 4096 minutes later). Deliveries can repeat and arrive out of
// order. The Receiver answers 200 only when the function returned nil, or
// when the event was already processed; the function's error gives 500, so
// Toss tries again. Events are keyed by the
// tosspayments-webhook-transmission-id header (a hash of the body when it is
// missing) in a Store: a MemoryStore for one process, an SQLStore (a
// PostgreSQL table) for several replicas. With an SQLStore the event is
// claimed in a transaction that the function can write to (Tx(ctx)); the
// receiver commits it only when the function succeeds, so the shop's update
// and the record of the event land together or not at all.
//
// Out of order: an event's data is the payment when the event was created.
// Act on Event.Payment (the payment looked up at Toss, its current state)
// when it is set, or compare CreatedAt with the last event applied to the
// order. The two events Toss sends for one virtual-account change
// (PAYMENT_STATUS_CHANGED and DEPOSIT_CALLBACK, when both are registered)
// are distinct events: make the order update idempotent too.
//
// # Answers
//
//	200  handled now, or a duplicate of a handled event
//	400  not a JSON object, a malformed header, or fields verification needs are missing
//	401  verification failed (secret mismatch, no such payment, payment does not match)
//	405  not a POST
//	413  body larger than the limit (WithMaxBodyBytes, 1 MiB by default)
//	422  CANCEL_STATUS_CHANGED (its data names no payment to verify) or an unknown event type
//	500  the function returned an error or panicked; the receiver cannot verify this type
//	503  the store or the look-up at Toss failed; Toss retries later
package webhook
