package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
	"github.com/tosspayments-go/tosspayments-go/sandbox/webhooks"
)

// Webhook delivery lives in package sandbox/webhooks; this file is the
// sandbox's face of it: its options, its methods and the names its users
// know. Its /sandbox/v1 endpoints are in http_sandbox_endpoints.go.

// The webhook event types the sandbox sends. PAYMENT_STATUS_CHANGED is the
// spec's eventType; a DEPOSIT_CALLBACK body carries none, so its name is
// only Toss's docs' (docs/webhooks.md).
const (
	WebhookPaymentStatusChanged = string(payments.WebhookPaymentStatusChanged)
	WebhookDepositCallback      = string(payments.WebhookDepositCallback)
)

// Limits and timings of webhook delivery (see package webhooks).
const (
	// WebhookAnswerBytes is how much of a receiver's answer a delivery
	// keeps (WebhookAttempt.Answer).
	WebhookAnswerBytes = webhooks.AnswerBytes
	// DefaultWebhookDeliveriesPerKey is how many deliveries (with their
	// attempts) a secret key keeps, sent or waiting.
	DefaultWebhookDeliveriesPerKey = webhooks.DefaultDeliveriesPerKey
	// DefaultWebhookDeliveries bounds the deliveries kept over all keys.
	DefaultWebhookDeliveries = webhooks.DefaultDeliveries
)

// The names of package webhooks, as the sandbox's users know them.
type (
	// WebhookState is where a delivery stands.
	WebhookState = webhooks.State
	// WebhookAttempt is one POST of a delivery and its answer.
	WebhookAttempt = webhooks.Attempt
	// WebhookDelivery is one webhook event for one secret key.
	WebhookDelivery = webhooks.Delivery
	// WebhookStats counts webhook deliveries over the sandbox's life.
	WebhookStats = webhooks.Stats
	// WebhookFault is a set of faults for the webhooks of one change.
	WebhookFault = webhooks.Fault
	// WebhookFaultRates are the probabilities of the random webhook faults.
	WebhookFaultRates = webhooks.FaultRates
	// WebhookTargets says which addresses the sandbox delivers webhooks to.
	WebhookTargets = webhooks.Targets
	// ListenedAttempt is the answer of GET /sandbox/v1/webhook-listen.
	ListenedAttempt = webhooks.ListenedAttempt
	// ListenedAnswer is the body of POST /sandbox/v1/webhook-listen/{id}.
	ListenedAnswer = webhooks.ListenedAnswer
)

// The states of a delivery (see package webhooks).
const (
	WebhookPending   = webhooks.Pending
	WebhookDelivered = webhooks.Delivered
	WebhookFailed    = webhooks.Failed
	WebhookDropped   = webhooks.Dropped
	WebhookAbandoned = webhooks.Abandoned
)

// WebhookFaultHeader names, on an API request (or a deposit), the faults
// the webhooks of the changes it makes meet (see webhooks.FaultHeader).
const WebhookFaultHeader = webhooks.FaultHeader

// The webhook faults, by name in WebhookFaultHeader and --webhook-faults.
const (
	WebhookFaultDuplicate  = webhooks.FaultDuplicate
	WebhookFaultOutOfOrder = webhooks.FaultOutOfOrder
)

// The addresses webhooks may go to (see webhooks.TargetsAny).
const (
	WebhookTargetsAny    = webhooks.TargetsAny
	WebhookTargetsPublic = webhooks.TargetsPublic
)

// ListenWebhookURL is the webhook "URL" of a key whose webhooks are pulled
// by a listener ("tosspay listen --forward-to URL"); see webhooks.ListenURL.
const ListenWebhookURL = webhooks.ListenURL

// ParseWebhookFault reads an X-Sandbox-Webhook-Fault value.
func ParseWebhookFault(v string) (WebhookFault, error) { return webhooks.ParseFault(v) }

// ParseWebhookTargets reads "any" or "public" ("tosspay sandbox
// --webhook-targets").
func ParseWebhookTargets(s string) (WebhookTargets, error) { return webhooks.ParseTargets(s) }

func validateWebhookRates(r WebhookFaultRates) error {
	return checkRates("webhook fault", r.Duplicate, r.OutOfOrder, r.Delay)
}

// ParseWebhookFaults reads the --webhook-faults flag:
// "duplicate=0.1,out-of-order=0.1,delay=0.05".
func ParseWebhookFaults(s string) (WebhookFaultRates, error) {
	var r WebhookFaultRates
	err := parseRates("webhook fault", s, []rateKind{
		{WebhookFaultDuplicate, &r.Duplicate},
		{WebhookFaultOutOfOrder, &r.OutOfOrder},
		{FaultDelay, &r.Delay},
	})
	if err != nil {
		return WebhookFaultRates{}, err
	}
	return r, validateWebhookRates(r)
}

// WithWebhookURL sets the webhook URL of every secret key that has not
// registered its own ("tosspay sandbox --webhook-url").
func WithWebhookURL(u string) Option {
	return func(cfg *config) error {
		if err := webhooks.CheckURL(u); err != nil {
			return fmt.Errorf("sandbox: WithWebhookURL: %w", err)
		}
		cfg.webhookURL = u
		return nil
	}
}

// WithWebhookRetryScale multiplies Toss's retry intervals (and the holds
// of the webhook faults) by scale, in (0, 1]: 0.001 makes the minute before
// the first retry 60 ms, for local runs. Tests keep 1 and a FakeClock.
func WithWebhookRetryScale(scale float64) Option {
	return func(cfg *config) error {
		if !(scale > 0 && scale <= 1) {
			return fmt.Errorf("sandbox: WithWebhookRetryScale(%v): want a scale in (0, 1]", scale)
		}
		cfg.webhookScale = scale
		return nil
	}
}

// WithWebhookFaults sets the probability of each random webhook fault per
// delivery, drawn reproducibly from the seed.
func WithWebhookFaults(r WebhookFaultRates) Option {
	return func(cfg *config) error {
		if err := validateWebhookRates(r); err != nil {
			return err
		}
		cfg.webhookFaults = r
		return nil
	}
}

// WithWebhookClient sets the HTTP client deliveries are sent with (default:
// a client with WebhookTimeout). Its Timeout, if shorter, also applies. The
// sandbox uses a copy that follows no redirect.
func WithWebhookClient(c *http.Client) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("sandbox: WithWebhookClient(nil)")
		}
		cfg.webhookClient = c
		return nil
	}
}

// WithWebhookLimits sets how many deliveries one secret key keeps and how
// many the sandbox keeps in all (DefaultWebhookDeliveriesPerKey,
// DefaultWebhookDeliveries).
func WithWebhookLimits(perKey, total int) Option {
	return func(cfg *config) error {
		if perKey <= 0 || total < perKey {
			return fmt.Errorf("sandbox: WithWebhookLimits(%d, %d): want 0 < perKey <= total", perKey, total)
		}
		cfg.webhookPerKey, cfg.webhookTotal = perKey, total
		return nil
	}
}

// WithWebhookTargets sets where webhooks may go (default
// WebhookTargetsAny). WebhookTargetsPublic cannot be combined with
// WithWebhookClient: the caller's transport decides where it connects.
func WithWebhookTargets(t WebhookTargets) Option {
	return func(cfg *config) error {
		if t != WebhookTargetsAny && t != WebhookTargetsPublic {
			return fmt.Errorf("sandbox: WithWebhookTargets(%d): want WebhookTargetsAny or WebhookTargetsPublic", int(t))
		}
		cfg.webhookTargets = t
		return nil
	}
}

// newDispatcher builds the webhook dispatcher of a sandbox.
func newDispatcher(cfg config, st *Store) *webhooks.Dispatcher {
	var moved func() <-chan struct{}
	if fc, ok := cfg.clock.(*FakeClock); ok {
		moved = fc.moved
	}
	return webhooks.NewDispatcher(webhooks.Config{
		Clock: cfg.clock, Offset: st.book.ClockOffset, Moved: moved, Client: cfg.webhookClient, Targets: cfg.webhookTargets,
		Scale: cfg.webhookScale, DefaultURL: cfg.webhookURL, PerKey: cfg.webhookPerKey, Total: cfg.webhookTotal,
		Seed: cfg.seed, Rates: cfg.webhookFaults, Sweep: st.sweep,
	})
}

// SetWebhookURL registers where secretKey's webhooks go, as a merchant does
// in the developer center (one URL per key, W2); "" removes it (the
// sandbox's default URL, if any, applies again). Only absolute http(s)
// URLs are taken.
func (s *Sandbox) SetWebhookURL(secretKey, u string) error {
	if u != "" {
		if err := webhooks.CheckURL(u); err != nil {
			return err
		}
		if err := webhooks.CheckTarget(s.wh.Targets(), u); err != nil {
			return err
		}
	}
	s.wh.SetURL(secretKey, u)
	return nil
}

// WebhookURL returns where secretKey's webhooks go: its registered URL, or
// the sandbox's default, or "" when they go nowhere.
func (s *Sandbox) WebhookURL(secretKey string) string {
	return s.wh.URLOf(secretKey)
}

// WebhookDeliveries returns secretKey's deliveries, oldest first (only those
// of paymentKey unless it is ""), with every attempt and answer: the
// latest DefaultWebhookDeliveriesPerKey (WithWebhookLimits).
func (s *Sandbox) WebhookDeliveries(secretKey, paymentKey string) []WebhookDelivery {
	return s.wh.Deliveries(secretKey, paymentKey)
}

// WebhookStats counts the webhook deliveries so far.
func (s *Sandbox) WebhookStats() WebhookStats { return s.wh.Stats() }

// CloseWebhooks stops webhook delivery: the deliveries due now are sent
// once more within ctx; every delivery still waiting (a retry not yet due,
// or one ctx left no time for) is abandoned and counted in the returned
// stats' Abandoned. Call it after the HTTP server has shut down; events
// after it send nothing.
func (s *Sandbox) CloseWebhooks(ctx context.Context) WebhookStats { return s.wh.Close(ctx) }

// StopListeners ends the waits of the webhook listeners (their GET
// /sandbox/v1/webhook-listen answers 204 at once, from then on) and fails
// the hand-overs under way; CloseWebhooks does it too. Call it before
// http.Server.Shutdown, which otherwise waits for the listeners' long polls
// (Server.RegisterOnShutdown(sb.StopListeners)).
//
// It also ends the streams of GET /sandbox/v1/logs.
func (s *Sandbox) StopListeners() {
	s.wh.Listen().Close()
	s.tail.close()
}
