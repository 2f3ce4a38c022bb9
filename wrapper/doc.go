// Package wrapper is the hand-written client over the generated Toss
// Payments client: authentication, idempotency, safe retries and typed
// errors.
package wrapper
