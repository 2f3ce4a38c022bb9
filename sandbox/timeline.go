package sandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// TimelineEntry is one line of a payment's timeline on the dashboard: an API
// call, a fault, a change of state, a cancel, or whatever a TimelineSource
// adds (a webhook delivery and its answer). The dashboard renders every
// kind the same way, so a new kind needs no change to it.
type TimelineEntry struct {
	// At is when it happened; entries are shown in the order of At, then Seq.
	At time.Time
	// Seq orders entries of the same instant: the Seq of the Event or Call
	// it tells of, or of the Event it follows (a webhook delivery gives the
	// Seq of the event it delivers). Zero sorts first among equal At.
	Seq uint64
	// Kind is a short label: "api", "replay", "fault", "page" (a click at
	// the checkout page or on the dashboard), "state", "cancel", "webhook", …
	Kind string
	// Summary is the line shown, plain text (the dashboard escapes it).
	Summary string
	// Failed marks an entry that went wrong: an error answer, a dropped
	// connection, a webhook the endpoint refused.
	Failed bool
}

// TimelineSource adds entries to a payment's timeline: it returns the
// entries it has for the payment paymentKey of secretKey (nil for none),
// and must not block. Webhook delivery hangs its attempts and their answers
// here; see WithTimelineSource.
type TimelineSource func(secretKey, paymentKey string) []TimelineEntry

// WithTimelineSource adds a source of timeline entries to the ones the
// sandbox records itself (its API calls, faults, state changes and
// cancels). It may be given more than once.
func WithTimelineSource(src TimelineSource) Option {
	return func(cfg *config) error {
		if src != nil {
			cfg.sources = append(cfg.sources, src)
		}
		return nil
	}
}

// PaymentTimeline returns the timeline of the payment paymentKey of
// secretKey, oldest first: its API calls (with their status, error code,
// idempotency replay and fault), its state changes and cancels, and the
// entries of every TimelineSource. The second result is false when the key
// has no such payment.
func (s *Sandbox) PaymentTimeline(secretKey, paymentKey string) ([]TimelineEntry, bool) {
	events := s.Timeline(secretKey, paymentKey)
	if events == nil {
		return nil, false
	}
	var out []TimelineEntry
	for _, c := range s.Calls(secretKey, paymentKey) {
		out = append(out, callEntries(c)...)
	}
	for _, e := range events {
		out = append(out, eventEntry(e))
	}
	for _, d := range s.WebhookDeliveries(secretKey, paymentKey) {
		out = append(out, webhookEntries(d)...)
	}
	for _, src := range s.cfg.sources {
		out = append(out, src(secretKey, paymentKey)...)
	}
	slices.SortStableFunc(out, func(a, b TimelineEntry) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
	return out, true
}

// callEntries tells of a call: the fault injected into it, if any, then
// the call and its answer.
func callEntries(c Call) []TimelineEntry {
	var out []TimelineEntry
	if c.Fault != "" {
		out = append(out, TimelineEntry{At: c.At, Seq: c.Seq, Kind: "fault", Summary: faultSummary(c.Fault), Failed: true})
	}
	kind, answer := "api", ""
	if strings.HasPrefix(c.Path, "/sandbox/") {
		kind = "page" // a click at the checkout page or on the dashboard
	}
	switch {
	case c.Status == 0:
		answer = "no answer: connection closed"
	case c.Code != "":
		answer = fmt.Sprintf("%d %s", c.Status, c.Code)
	default:
		answer = fmt.Sprintf("%d %s", c.Status, http.StatusText(c.Status))
	}
	if c.Replay {
		kind = "replay"
		answer += ", replayed from the idempotency cache"
	}
	sum := fmt.Sprintf("%s %s (%s) → %s", c.Method, c.Path, c.Operation, answer)
	if c.IdempotencyKey != "" {
		sum += "; Idempotency-Key " + c.IdempotencyKey
	}
	if c.TraceID != "" {
		sum += "; trace " + c.TraceID
	}
	return append(out, TimelineEntry{At: c.At, Seq: c.Seq, Kind: kind, Summary: sum, Failed: c.Status == 0 || c.Status >= 400})
}

func faultSummary(f string) string {
	switch f {
	case FaultDropAfterCommit:
		return "fault drop-after-commit: processed, then the connection was closed without an answer"
	case FaultErrorBefore:
		return "fault error-before: answered 500, nothing processed"
	case FaultRateLimit:
		return "fault rate-limit: answered 429, nothing processed"
	}
	return "fault " + f
}

func eventEntry(e Event) TimelineEntry {
	te := TimelineEntry{At: e.At, Seq: e.Seq, Kind: "state"}
	switch e.Kind {
	case EventCreated:
		te.Summary = fmt.Sprintf("created %s, %s KRW", e.To, e.Amount)
	case EventStatusChanged:
		te.Summary = fmt.Sprintf("%s → %s", e.From, e.To)
	case EventCanceled:
		te.Kind = "cancel"
		te.Summary = fmt.Sprintf("canceled %s KRW, %s → %s", e.Amount, e.From, e.To)
	case EventForgotten:
		te.Summary = "forgotten to keep within the limits"
	default:
		te.Summary = string(e.Kind)
	}
	if e.TransactionKey != "" {
		te.Summary += "; transaction " + e.TransactionKey
	}
	return te
}

// webhookEntries tells of a webhook delivery: each attempt with the
// receiver's answer, and the delivery still waiting or given up. Only the
// event, the status it announces and the answer's status are shown, never
// the body (it carries the payment's secret).
func webhookEntries(d WebhookDelivery) []TimelineEntry {
	what := d.EventType
	if d.Status != "" {
		what += " (" + string(d.Status) + ")"
	}
	var out []TimelineEntry
	for _, a := range d.Attempts {
		answer := fmt.Sprintf("answered %d", a.StatusCode)
		if a.StatusCode == 0 {
			answer = "no answer"
			if a.Error != "" {
				answer += ": " + a.Error
			}
		}
		copyOf := ""
		if a.Duplicate {
			copyOf = ", a duplicate (fault)"
		}
		out = append(out, TimelineEntry{
			At: a.At, Seq: d.EventSeq, Kind: "webhook",
			Summary: fmt.Sprintf("%s sent to the webhook URL, attempt %d%s: %s", what, a.RetriedCount+1, copyOf, answer),
			Failed:  a.StatusCode != http.StatusOK,
		})
	}
	switch {
	case d.NextAttemptAt != nil:
		out = append(out, TimelineEntry{At: *d.NextAttemptAt, Seq: d.EventSeq, Kind: "webhook",
			Summary: fmt.Sprintf("%s: next attempt due (%s)", what, d.State)})
	case d.State == WebhookFailed:
		out = append(out, TimelineEntry{At: lastAttempt(d), Seq: d.EventSeq, Kind: "webhook",
			Summary: what + ": given up after " + fmt.Sprint(len(d.Attempts)) + " attempts", Failed: true})
	}
	return out
}

func lastAttempt(d WebhookDelivery) time.Time {
	if n := len(d.Attempts); n > 0 {
		return d.Attempts[n-1].At
	}
	return time.Time{}
}
