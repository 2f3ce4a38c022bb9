package sandbox

import (
	"errors"
	"fmt"
	"github.com/tosspayments-go/tosspayments-go/sandbox/webhooks"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

type config struct {
	clock        Clock
	seed         uint64
	seeded       bool
	randomKeys   bool
	faults       FaultRates
	allowed      map[string]bool
	baseURL      string
	maxBody      int64
	tenant       Limits
	global       Limits
	hook         EventHook
	maxFaultWait time.Duration
	sources      []TimelineSource

	webhookURL    string
	webhookScale  float64
	webhookFaults WebhookFaultRates
	webhookClient *http.Client
	// rateLimit is the request rate of each secret key (zero: none).
	rateLimit RateLimit
	// webhookTargets is where webhooks may go.
	webhookTargets WebhookTargets
	webhookPerKey  int
	webhookTotal   int
}

// Option configures a Sandbox.
type Option func(*config) error

// WithClock sets the clock the lifecycle and idempotency windows read.
func WithClock(c Clock) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("sandbox: WithClock: nil clock")
		}
		cfg.clock = c
		return nil
	}
}

// WithSeed makes the sandbox reproducible: the same seed gives the same
// payment keys (unless WithUnguessableKeys) and, for the same sequence of
// requests, the same random faults.
func WithSeed(seed uint64) Option {
	return func(cfg *config) error {
		cfg.seed, cfg.seeded = seed, true
		return nil
	}
}

// WithUnguessableKeys draws payment keys and payments' secrets from
// crypto/rand, whatever the seed (which then drives the faults and the
// other numbers only). Use it for a sandbox that others reach: the checkout
// and receipt pages know a payment by its key alone, and a secret verifies
// a DEPOSIT_CALLBACK, so neither may be guessable from the seed or from
// keys seen before. tosspay sandbox sets it when it listens on anything but
// a loopback address.
func WithUnguessableKeys() Option {
	return func(cfg *config) error {
		cfg.randomKeys = true
		return nil
	}
}

// WithFaults sets the probability of each random fault per API request.
func WithFaults(r FaultRates) Option {
	return func(cfg *config) error {
		if err := r.validate(); err != nil {
			return err
		}
		cfg.faults = r
		return nil
	}
}

// WithAllowedKeys restricts the accepted secret keys to keys; by default any
// test_sk_ or test_gsk_ key is accepted. Live keys are refused either way.
func WithAllowedKeys(keys ...string) Option {
	return func(cfg *config) error {
		cfg.allowed = map[string]bool{}
		for _, k := range keys {
			if !isTestSecretKey(k) {
				return fmt.Errorf("sandbox: WithAllowedKeys: %.12q… is not a test secret key (test_sk_ or test_gsk_)", k)
			}
			cfg.allowed[k] = true
		}
		return nil
	}
}

// WithBaseURL sets the URL checkout.url and receipt.url point at. By default
// they use the scheme and host the request came to.
func WithBaseURL(u string) Option {
	return func(cfg *config) error {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("sandbox: WithBaseURL: %q is not an http(s) URL", u)
		}
		cfg.baseURL = strings.TrimRight(u, "/")
		return nil
	}
}

// WithMaxBodyBytes sets the largest request body accepted.
func WithMaxBodyBytes(n int64) Option {
	return func(cfg *config) error {
		if n <= 0 {
			return errors.New("sandbox: WithMaxBodyBytes: must be positive")
		}
		cfg.maxBody = n
		return nil
	}
}

// Sandbox is a local, stateful emulation of the Toss Payments Core API
// payment endpoints. Create one with New and serve its Handler. It is the
// Store (state and rules, whose methods it has) behind the HTTP side: the
// layers of Handler, the idempotency cache and the fault dice. A Sandbox is
// safe for concurrent use.
type Sandbox struct {
	*Store

	cfg      config
	spec     *spec
	idem     *idemCache
	dice     *dice
	counters faultCounters
	dash     *sessions
	rate     *rateLimiter
	delays   *delaySlots // the delay faults under way
	wh       *webhooks.Dispatcher
	newcomer chan struct{} // the slots of keys the book holds nothing for (newcomers)
	calls    *callLogs     // each secret key's latest API calls
	tail     *callTail     // their followers (GET /sandbox/v1/logs)

	traceSeq    atomic.Uint64
	tracePrefix string
	handler     http.Handler
}

// New returns a sandbox with an empty store.
func New(opts ...Option) (*Sandbox, error) {
	cfg := config{
		clock:        systemClock{},
		maxBody:      DefaultMaxBodyBytes,
		tenant:       DefaultTenantLimits,
		global:       DefaultGlobalLimits,
		maxFaultWait: maxFaultDelay,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if !cfg.seeded {
		cfg.seed = rand.Uint64()
	}
	if cfg.webhookURL != "" {
		if err := webhooks.CheckTarget(cfg.webhookTargets, cfg.webhookURL); err != nil {
			return nil, fmt.Errorf("sandbox: WithWebhookURL: %w", err)
		}
	}
	wc, err := webhooks.NewClient(cfg.webhookClient, cfg.webhookTargets)
	if err != nil {
		return nil, err
	}
	cfg.webhookClient = wc // from here on, the client deliveries are sent with
	sp, err := loadSpec()
	if err != nil {
		return nil, err
	}
	st, err := newStore(cfg, sp)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{
		Store:  st,
		cfg:    cfg,
		spec:   sp,
		idem:   newIdemCache(cfg.tenant, cfg.global),
		dice:   newDice(cfg.faults, cfg.seed),
		dash:   newSessions(),
		rate:   newRateLimiter(cfg.rateLimit, cfg.clock),
		delays: newDelaySlots(),
		// Half the cores (at least one) for the handlers of keys the
		// sandbox holds nothing for; see Sandbox.newcomers.
		newcomer: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)),
	}
	s.calls = newCallLogs()
	s.tail = newCallTail()
	s.wh = newDispatcher(cfg, st)
	st.publish = s.publish
	if cfg.webhookURL != "" {
		s.wh.Start() // expiries are announced even before any other event
	}
	s.tracePrefix = st.book.Alnum(8)
	s.handler = s.buildHandler()
	return s, nil
}

// Seed returns the seed the sandbox draws its payment keys and random faults
// from: the one given to WithSeed, or the random one New chose without it.
// Passing it to WithSeed reproduces the run.
func (s *Sandbox) Seed() uint64 { return s.cfg.seed }

// InFlight returns how many idempotency keys are claimed by a request that
// has not been answered yet. It is for tests: one that needs a request to
// hold its key (say, under a delay fault) before sending a duplicate waits
// until InFlight counts it, instead of sleeping and hoping.
func (s *Sandbox) InFlight() int { return s.idem.inFlight() }

// Handler returns the HTTP handler that serves the API, the checkout and
// receipt pages, and the spec at /openapi.yaml and /openapi.json.
func (s *Sandbox) Handler() http.Handler { return s.handler }

func (s *Sandbox) newTraceID() string {
	return fmt.Sprintf("sbx%s%013d", s.tracePrefix, s.traceSeq.Add(1))
}

func isTestSecretKey(k string) bool {
	return (strings.HasPrefix(k, "test_sk_") && len(k) > len("test_sk_")) ||
		(strings.HasPrefix(k, "test_gsk_") && len(k) > len("test_gsk_"))
}

// Usage is what a sandbox holds, over all secret keys.
type Usage struct {
	// Tenants is how many secret keys hold payments.
	Tenants int
	// Payments and Cancels are the payments kept and the cancels they hold.
	Payments, Cancels int
	// IdempotencyKeys and IdempotencyBytes are the keys remembered (answered
	// or in flight) and the bytes of their cached answers.
	IdempotencyKeys  int
	IdempotencyBytes int64
}

// Usage returns what the sandbox holds now, to compare with its Limits.
func (s *Sandbox) Usage() Usage {
	u := s.Store.usage()
	u.IdempotencyKeys, u.IdempotencyBytes = s.idem.usage()
	return u
}

// UsageOf returns what one secret key holds now, to compare with the limits
// of WithTenantLimits (Tenants is 1 when it holds payments).
func (s *Sandbox) UsageOf(secretKey string) Usage {
	u := s.Store.usageOf(secretKey)
	u.IdempotencyKeys, u.IdempotencyBytes = s.idem.usageOf(secretKey)
	return u
}
