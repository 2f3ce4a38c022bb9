package webhooks

import (
	"fmt"
	"strings"
	"time"
)

// FaultDelay is the name of the delay fault, the same for the API's
// requests (X-Sandbox-Fault) and for webhooks.
const FaultDelay = "delay"

// FaultHeader names, on an API request (or a deposit), the faults the
// webhooks of the changes it makes meet: a comma-separated list of
// "duplicate" (the first attempt is sent twice, same transmission id),
// "out-of-order" (held until a later delivery of the key has been sent) and
// "delay=<duration>" (the first attempt waits, on the sandbox's clock).
const FaultHeader = "X-Sandbox-Webhook-Fault"

// The webhook faults, by name in FaultHeader and --webhook-faults
// (the delay is "delay", FaultDelay, as for the API).
const (
	FaultDuplicate  = "duplicate"
	FaultOutOfOrder = "out-of-order"
)

// Fault is a set of faults for the webhooks of one change.
type Fault struct {
	// Duplicate sends the first attempt twice, with the same headers.
	Duplicate bool
	// OutOfOrder holds the delivery until a later delivery of the same key
	// has been attempted (or webhookFaultHold has passed).
	OutOfOrder bool
	// Delay postpones the first attempt.
	Delay time.Duration
}

func (f Fault) names() []string {
	var n []string
	if f.Duplicate {
		n = append(n, FaultDuplicate)
	}
	if f.OutOfOrder {
		n = append(n, FaultOutOfOrder)
	}
	if f.Delay > 0 {
		n = append(n, FaultDelay+"="+f.Delay.String())
	}
	return n
}

// ParseFault reads an X-Sandbox-Webhook-Fault value.
func ParseFault(v string) (Fault, error) {
	var f Fault
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case part == FaultDuplicate:
			f.Duplicate = true
		case part == FaultOutOfOrder:
			f.OutOfOrder = true
		case strings.HasPrefix(part, FaultDelay+"="):
			d, err := time.ParseDuration(strings.TrimPrefix(part, FaultDelay+"="))
			if err != nil || d <= 0 || d > 24*time.Hour {
				return f, fmt.Errorf("%s: %q: delay must be a duration above 0 and at most 24h (rule: delay=<duration>)", FaultHeader, part)
			}
			f.Delay = d
		default:
			return f, fmt.Errorf("%s: %q is not one of duplicate, out-of-order, delay=<duration>", FaultHeader, part)
		}
	}
	return f, nil
}

// FaultRates are the probabilities, each in [0, 1] and summing to at
// most 1, that a delivery meets each random fault (drawn from the seed).
type FaultRates struct {
	Duplicate  float64
	OutOfOrder float64
	Delay      float64
}
