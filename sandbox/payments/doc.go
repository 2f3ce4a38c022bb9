// Package payments is the sandbox's domain: the payments of each secret key
// (a tenant), the rules that change them and the bounds that keep what a
// tenant holds finite. It knows nothing of HTTP or of the generated API
// types (a test holds it to that with go list -deps): the sandbox
// translates requests into its inputs and its Payment snapshots into API
// answers.
//
// # Transitions
//
// Every change of a payment's status, and the webhooks each change sends,
// is one row of Transitions: {method, from, action, to, webhooks}. The rules
// (Create, KeyIn, Approve, Fail, Confirm, Cancel, Deposit and the clock's
// expiries) check their inputs, choose an action and run it through the
// table; nothing else decides a status or a webhook. The sandbox's README
// shows the table as TransitionsMarkdown renders it, and a test fails when
// the two differ.
//
// A new kind of payment is new rows, not new branches: billing charges,
// for instance, are a creating action whose row goes from StatusNone to
// StatusDone sending no PAYMENT_STATUS_CHANGED, and their cancels are the
// card rows (or rows of their own, should their webhooks differ).
//
// # Outbox
//
// A rule does not send anything. Each event it makes (see Event) is
// appended to the Outbox the caller passes; the caller publishes them
// (webhooks, hooks) after the rule returns, outside the book's lock.
//
// # Facts
//
// Toss's numbers the rules use (windows, the minimum amount, the virtual
// account's validity) are given in Config; the sandbox fills it from
// openapi/facts.go, the one place they are written.
package payments
