package sandbox

import (
	"fmt"
	"strings"
	"time"
)

// WebhookFaultHeader names, on an API request (or a deposit), the faults the
// webhooks of the changes it makes meet: a comma-separated list of
// "duplicate" (the first attempt is sent twice, same transmission id),
// "out-of-order" (held until a later delivery of the key has been sent) and
// "delay=<duration>" (the first attempt waits, on the sandbox's clock).
const WebhookFaultHeader = "X-Sandbox-Webhook-Fault"

// The webhook faults, by name in WebhookFaultHeader and --webhook-faults
// (the delay is "delay", FaultDelay, as for the API).
const (
	WebhookFaultDuplicate  = "duplicate"
	WebhookFaultOutOfOrder = "out-of-order"
)

// WebhookFault is a set of faults for the webhooks of one change.
type WebhookFault struct {
	// Duplicate sends the first attempt twice, with the same headers.
	Duplicate bool
	// OutOfOrder holds the delivery until a later delivery of the same key
	// has been attempted (or webhookFaultHold has passed).
	OutOfOrder bool
	// Delay postpones the first attempt.
	Delay time.Duration
}

func (f WebhookFault) names() []string {
	var n []string
	if f.Duplicate {
		n = append(n, WebhookFaultDuplicate)
	}
	if f.OutOfOrder {
		n = append(n, WebhookFaultOutOfOrder)
	}
	if f.Delay > 0 {
		n = append(n, FaultDelay+"="+f.Delay.String())
	}
	return n
}

// ParseWebhookFault reads an X-Sandbox-Webhook-Fault value.
func ParseWebhookFault(v string) (WebhookFault, error) {
	var f WebhookFault
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case part == WebhookFaultDuplicate:
			f.Duplicate = true
		case part == WebhookFaultOutOfOrder:
			f.OutOfOrder = true
		case strings.HasPrefix(part, FaultDelay+"="):
			d, err := time.ParseDuration(strings.TrimPrefix(part, FaultDelay+"="))
			if err != nil || d <= 0 || d > 24*time.Hour {
				return f, fmt.Errorf("%s: %q: delay must be a duration above 0 and at most 24h (rule: delay=<duration>)", WebhookFaultHeader, part)
			}
			f.Delay = d
		default:
			return f, fmt.Errorf("%s: %q is not one of duplicate, out-of-order, delay=<duration>", WebhookFaultHeader, part)
		}
	}
	return f, nil
}

// WebhookFaultRates are the probabilities, each in [0, 1] and summing to at
// most 1, that a delivery meets each random fault (drawn from the seed).
type WebhookFaultRates struct {
	Duplicate  float64
	OutOfOrder float64
	Delay      float64
}

func (r WebhookFaultRates) validate() error {
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
	return r, r.validate()
}
