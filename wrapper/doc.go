// Package wrapper is the client users call: authentication, idempotency,
// safe retries and typed errors over the generated Toss Payments client.
package wrapper
