// Package webhook receives the webhooks Toss Payments sends: a Receiver is
// an http.Handler that reads each delivery, verifies it, de-duplicates it
// and calls the shop's function with what the API says.
//
// # The function sees the truth
//
// Payment webhooks are not signed, and anyone who knows a paymentKey and an
// orderId (both are in the success page's URL) can post one. A body is
// therefore only the news that something changed. The receiver looks the
// payment up with the shop's *wrapper.Client (WithPaymentGetter) and hands
// the function an *Event whose Payment is the API's answer: Status, OrderID,
// TotalAmount, BalanceAmount and Cancels read it. What the body claimed stays
// in Event.Claimed; the fields where it disagrees with the API are in
// Event.Disagreements and logged (never the secret).
//
//	receiver, err := webhook.New(func(ctx context.Context, ev *webhook.Event) error {
//		if ev.Status() == generated.PaymentStatusDone {
//			return shipOrder(ctx, ev.OrderID(), ev.TotalAmount())
//		}
//		return nil
//	}, webhook.WithPaymentGetter(client))
//
// A shop that cannot ask the API uses NewUnverified: its function gets an
// *Unverified, the body as claimed, and the type says so.
//
// # Events
//
// PAYMENT_STATUS_CHANGED ({eventType, createdAt, data: Payment}) is verified
// by looking the payment up by data.paymentKey (same orderId; same secret
// when the body carries one). DEPOSIT_CALLBACK ({createdAt, secret, status,
// transactionKey, orderId}, no eventType) by looking it up by orderId and
// comparing the secrets in constant time. payout.changed and seller.changed
// carry an HMAC-SHA256 signature (openapi.HeaderWebhookSignature) under the
// shop's security key (WithSecurityKeys), checked before the body is parsed,
// with a tolerance on the transmission time (WithSignatureTolerance) and
// several v1: values accepted during a key rotation. BILLING_DELETED,
// METHOD_UPDATED, CUSTOMER_STATUS_CHANGED and CANCEL_STATUS_CHANGED can be
// verified neither way: they go to the WithUnverified function, or are
// refused (422). docs/webhooks.md gives every rule with its source.
//
// # Replays, retries and order
//
// Toss counts a delivery as received only when it is answered 200 within
// openapi.WebhookTimeout, and otherwise sends it again on
// openapi.WebhookRetryIntervals. The receiver de-duplicates on the state the
// API answered (payment, status, last transaction), not on the
// transmission id the sender chose nor on the event type: a delivery that
// brings no new state, a DEPOSIT_CALLBACK after the PAYMENT_STATUS_CHANGED
// of the same change included, is answered 200 without calling the
// function. A genuine retry after the
// function failed calls it again (the claim was released); out-of-order
// deliveries are harmless, since each hands over the payment as it is now,
// and the older news maps to a state already handled. The function may
// therefore not see every intermediate status: it sees each new state the
// API answers. The state keys live in a Store: a MemoryStore for one
// process, an SQLStore (PostgreSQL) for several replicas, where the claim
// and the function's own writes (Tx(ctx)) commit in one transaction.
//
// # Cost of forgeries
//
// Every delivery of a payment event costs a look-up with the shop's secret
// key. Concurrent deliveries of one payment share a look-up (one that starts
// after they arrived, never one already under way), and look-ups are bounded
// to DefaultLookupsPerSecond (burst DefaultLookupBurst; WithLookupRate):
// past it the receiver answers 503 without calling the API, so a flood of
// forged deliveries spends at most that share of the shop's quota, and Toss
// sends the genuine ones again. Bodies are read within WithMaxBodyBytes and
// WithBodyReadTimeout; run the receiver in an http.Server with
// ReadHeaderTimeout and ReadTimeout set too.
//
// # Answers
//
//	200  handled now, or no new state
//	400  not a JSON object, a malformed header, or fields verification needs are missing
//	401  verification failed (no such payment, another order, secret mismatch, signature missing or wrong)
//	405  not a POST
//	408  the body did not arrive within the read timeout
//	413  body larger than the limit
//	422  an event type that cannot be verified (and no WithUnverified), or an unknown one
//	500  the function returned an error or panicked; the receiver lacks what this type needs
//	503  the store or the look-up at Toss failed, or the look-up bound was reached; Toss retries later
package webhook
