package sandbox

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox/webhooks"
)

// FaultHeader is the request header that injects a fault into one request:
// "drop-after-commit", "error-before", "rate-limit" or "delay=<duration>".
const FaultHeader = "X-Sandbox-Fault"

// The fault kinds.
const (
	// FaultDropAfterCommit processes the request, keeps its effects (and its
	// idempotent response), then closes the connection without answering.
	FaultDropAfterCommit = "drop-after-commit"
	// FaultErrorBefore answers 500 FAILED_INTERNAL_SYSTEM_PROCESSING without
	// processing the request.
	FaultErrorBefore = "error-before"
	// FaultRateLimit answers 429 TOO_MANY_REQUESTS with Retry-After without
	// processing the request.
	FaultRateLimit = "rate-limit"
	// FaultDelay processes the request after a pause that starts once the
	// idempotency key is claimed, so a concurrent duplicate sees 409.
	FaultDelay = webhooks.FaultDelay
)

// FaultRates are the probabilities, each in [0, 1] and summing to at most 1,
// that an API request meets each random fault.
type FaultRates struct {
	DropAfterCommit float64
	ErrorBefore     float64
	RateLimit       float64
}

func (r FaultRates) validate() error {
	return checkRates("fault", r.DropAfterCommit, r.ErrorBefore, r.RateLimit)
}

func (r FaultRates) any() bool { return r.DropAfterCommit+r.ErrorBefore+r.RateLimit > 0 }

// ParseFaults reads the --faults flag:
// "drop-after-commit=0.2,error-before=0.1,rate-limit=0.05". An empty string
// means no random faults.
func ParseFaults(s string) (FaultRates, error) {
	var r FaultRates
	err := parseRates("fault", s, []rateKind{
		{FaultDropAfterCommit, &r.DropAfterCommit},
		{FaultErrorBefore, &r.ErrorBefore},
		{FaultRateLimit, &r.RateLimit},
	})
	if err != nil {
		return FaultRates{}, err
	}
	return r, r.validate()
}

// rateKind is one kind of random fault: its name in a flag, and where its
// probability goes.
type rateKind struct {
	name string
	p    *float64
}

// parseRates reads "kind=probability,..." into kinds; what names the fault
// family in errors ("fault", "webhook fault").
func parseRates(what, s string, kinds []rateKind) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("sandbox: %s %q: want kind=probability", what, part)
		}
		p, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("sandbox: %s %q: %q is not a number", what, name, val)
		}
		i := slices.Index(names, name)
		if i < 0 {
			return fmt.Errorf("sandbox: unknown %s kind %q (want one of %s)", what, name, strings.Join(names, ", "))
		}
		*kinds[i].p = p
	}
	return nil
}

// checkRates checks that each of ps is a probability and that together they
// are at most 1.
func checkRates(what string, ps ...float64) error {
	sum := 0.0
	for _, p := range ps {
		if p < 0 || p > 1 || p != p {
			return fmt.Errorf("sandbox: %s rate %v is not a probability in [0, 1]", what, p)
		}
		sum += p
	}
	if sum > 1 {
		return fmt.Errorf("sandbox: %s rates sum to more than 1", what)
	}
	return nil
}

// FaultCounts counts the faults the sandbox has injected, by kind.
type FaultCounts struct {
	DropAfterCommit int64
	ErrorBefore     int64
	RateLimit       int64
	Delay           int64
}

type faultCounters struct {
	drop, errBefore, rateLimit, delay atomic.Int64
}

// FaultCounts returns how many faults of each kind were injected so far,
// from the header and from the dice together.
func (s *Sandbox) FaultCounts() FaultCounts {
	return FaultCounts{
		DropAfterCommit: s.counters.drop.Load(),
		ErrorBefore:     s.counters.errBefore.Load(),
		RateLimit:       s.counters.rateLimit.Load(),
		Delay:           s.counters.delay.Load(),
	}
}

type fault struct {
	kind  string
	delay time.Duration
}

// parseFault reads an X-Sandbox-Fault value.
func parseFault(v string, maxWait time.Duration) (fault, error) {
	v = strings.TrimSpace(v)
	switch v {
	case FaultDropAfterCommit, FaultErrorBefore, FaultRateLimit:
		return fault{kind: v}, nil
	}
	if d, ok := strings.CutPrefix(v, FaultDelay+"="); ok {
		dur, err := time.ParseDuration(d)
		if err != nil || dur < 0 || dur > maxWait {
			return fault{}, fmt.Errorf("%s: delay %q must be a duration between 0 and %s (rule: delay=<duration>)", FaultHeader, d, maxWait)
		}
		return fault{kind: FaultDelay, delay: dur}, nil
	}
	return fault{}, fmt.Errorf("%s: %q is not one of %s, %s, %s, delay=<duration>", FaultHeader, v, FaultDropAfterCommit, FaultErrorBefore, FaultRateLimit)
}

// dice draws the random faults, reproducibly for a seed and a sequence of requests.
type dice struct {
	mu    sync.Mutex
	rates FaultRates
	rng   *rand.Rand
}

func newDice(r FaultRates, seed uint64) *dice {
	return &dice{rates: r, rng: rand.New(rand.NewPCG(seed, 0xfa0175))}
}

func (d *dice) roll() fault {
	if !d.rates.any() {
		return fault{}
	}
	d.mu.Lock()
	u := d.rng.Float64()
	d.mu.Unlock()
	switch r := d.rates; {
	case u < r.DropAfterCommit:
		return fault{kind: FaultDropAfterCommit}
	case u < r.DropAfterCommit+r.ErrorBefore:
		return fault{kind: FaultErrorBefore}
	case u < r.DropAfterCommit+r.ErrorBefore+r.RateLimit:
		return fault{kind: FaultRateLimit}
	}
	return fault{}
}

// faults injects the fault named by X-Sandbox-Fault, or one drawn by the dice.
func (s *Sandbox) faults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := routeOf(r).route.Operation.OperationID
		lang := langOf(r)
		if v := r.Header.Get(WebhookFaultHeader); v != "" {
			wf, err := ParseWebhookFault(v)
			if err != nil {
				s.writeOp(w, op, generated.ErrorCodeInvalidRequest, lang, err.Error())
				return
			}
			ci, _ := r.Context().Value(callerKey).(callerInfo)
			ci.webhookFault = wf
			r = r.WithContext(context.WithValue(r.Context(), callerKey, ci))
		}
		var f fault
		asked := r.Header.Get(FaultHeader)
		if asked != "" {
			var err error
			if f, err = parseFault(asked, s.cfg.maxFaultWait); err != nil {
				s.writeOp(w, op, generated.ErrorCodeInvalidRequest, lang, err.Error())
				return
			}
		} else {
			f = s.dice.roll()
		}
		if f.kind == FaultDelay {
			// A paused request holds a connection: the pauses under way
			// are bounded per key and in all. Past them an asked delay is
			// refused (nothing processed) and a rolled one is not applied.
			ci, _ := r.Context().Value(callerKey).(callerInfo)
			ok, why := s.delays.take(ci.secretKey)
			switch {
			case ok:
				defer s.delays.give(ci.secretKey)
			case asked != "":
				w.Header().Set("Retry-After", "1")
				s.writeOp(w, op, generated.ErrorCodeTooManyRequests, lang,
					fmt.Sprintf("%s: %s (%d per key, %d in all); nothing was processed.", FaultHeader, why, maxDelaysPerKey, maxDelays))
				return
			default:
				f = fault{}
			}
		}
		switch f.kind {
		case "":
		case FaultDelay:
			noteOf(r.Context()).fault = FaultDelay + "=" + f.delay.String()
		default:
			noteOf(r.Context()).fault = f.kind
		}
		switch f.kind {
		case FaultErrorBefore:
			s.counters.errBefore.Add(1)
			s.writeOp(w, op, generated.ErrorCodeFailedInternalSystemProcessing, lang, "(sandbox fault error-before: nothing was processed)")
			return
		case FaultRateLimit:
			s.counters.rateLimit.Add(1)
			w.Header().Set("Retry-After", "1")
			s.writeOp(w, op, generated.ErrorCodeTooManyRequests, lang, "(sandbox fault rate-limit: nothing was processed)")
			return
		case FaultDelay:
			s.counters.delay.Add(1)
			r = r.WithContext(context.WithValue(r.Context(), delayKey, f.delay))
		case FaultDropAfterCommit:
			s.counters.drop.Add(1)
			rec := newRecorder()
			next.ServeHTTP(rec, r)
			// The request took effect; the client never hears of it.
			panic(http.ErrAbortHandler)
		}
		next.ServeHTTP(w, r)
	})
}
