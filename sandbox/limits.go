package sandbox

import (
	"errors"
	"fmt"
)

// Limits bounds what the sandbox holds, either for one secret key (a
// tenant) or for the whole sandbox. Every field must be positive.
//
// A tenant at one of its limits makes room by forgetting its own oldest
// entries: its oldest answered idempotency keys (a key still in flight is
// never forgotten) and its oldest payments, with their cancels. Over a
// global limit a heavy tenant (its fair share of the limit, and 1/64 of it)
// forgets its own oldest; otherwise the tenant idle the longest forgets
// its oldest, and is forgotten whole once empty (its answers, call log and
// webhook deliveries with it). So a flood from one key costs that key its
// history, and a flood of new keys costs the idle ones, never a key in use;
// see docs/reliability.md and sandbox/README.md "Limits".
type Limits struct {
	// IdempotencyKeys is how many idempotency keys are remembered.
	IdempotencyKeys int
	// IdempotencyBytes bounds the bytes of the cached answers (ids, headers
	// and bodies).
	IdempotencyBytes int64
	// Payments is how many payments are kept.
	Payments int
	// Cancels is how many cancels the kept payments hold in all. A payment
	// also takes at most MaxCancelsPerPayment.
	Cancels int
}

func (l Limits) validate(who string) error {
	if l.IdempotencyKeys <= 0 || l.IdempotencyBytes <= 0 || l.Payments <= 0 || l.Cancels <= 0 {
		return fmt.Errorf("sandbox: %s: every limit must be positive: %+v", who, l)
	}
	return nil
}

// Defaults of the limits; each has an option.
const (
	// DefaultMaxBodyBytes is the largest request body accepted (1 MiB).
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxPayments is how many payments one secret key keeps; past it
	// the key's oldest payments are forgotten.
	DefaultMaxPayments = 10_000
	// DefaultMaxIdempotencyKeys is how many idempotency keys one secret key
	// keeps; past it the key's oldest answered keys are forgotten.
	DefaultMaxIdempotencyKeys = 10_000
	// DefaultMaxIdempotencyBytes bounds the bytes of the answers cached for
	// one secret key (ids, headers and bodies); past it the key's oldest
	// answered keys are forgotten.
	DefaultMaxIdempotencyBytes = 16 << 20
	// DefaultMaxCancels is how many cancels the payments of one secret key
	// hold in all; past it the key's oldest payments are forgotten.
	DefaultMaxCancels = 20_000
	// TestSecretKey is the public test key of the Toss documentation; the
	// sandbox accepts it like any other test_sk_ key.
	TestSecretKey = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"
	// DefaultEventsPerKey is how many state-change events a secret key's
	// outbox keeps (see Store.Events).
	DefaultEventsPerKey = 1024
)

// DefaultTenantLimits are the limits of one secret key.
var DefaultTenantLimits = Limits{
	IdempotencyKeys:  DefaultMaxIdempotencyKeys,
	IdempotencyBytes: DefaultMaxIdempotencyBytes,
	Payments:         DefaultMaxPayments,
	Cancels:          DefaultMaxCancels,
}

// DefaultGlobalLimits bound the whole sandbox, whatever the number of keys
// (docs/reliability.md has the RSS each flood reaches).
var DefaultGlobalLimits = Limits{
	IdempotencyKeys:  100_000,
	IdempotencyBytes: 128 << 20,
	Payments:         100_000,
	Cancels:          200_000,
}

// WithTenantLimits sets the limits of each secret key.
func WithTenantLimits(l Limits) Option {
	return func(cfg *config) error {
		if err := l.validate("WithTenantLimits"); err != nil {
			return err
		}
		cfg.tenant = l
		return nil
	}
}

// WithGlobalLimits sets the limits of the whole sandbox, on top of the
// limits of each secret key.
func WithGlobalLimits(l Limits) Option {
	return func(cfg *config) error {
		if err := l.validate("WithGlobalLimits"); err != nil {
			return err
		}
		cfg.global = l
		return nil
	}
}

// WithMaxPayments sets how many payments each secret key keeps
// (Limits.Payments of WithTenantLimits).
func WithMaxPayments(n int) Option {
	return func(cfg *config) error {
		if n <= 0 {
			return errors.New("sandbox: WithMaxPayments: must be positive")
		}
		cfg.tenant.Payments = n
		return nil
	}
}

// WithMaxIdempotencyKeys sets how many idempotency keys each secret key
// keeps (Limits.IdempotencyKeys of WithTenantLimits).
func WithMaxIdempotencyKeys(n int) Option {
	return func(cfg *config) error {
		if n <= 0 {
			return errors.New("sandbox: WithMaxIdempotencyKeys: must be positive")
		}
		cfg.tenant.IdempotencyKeys = n
		return nil
	}
}

// WithMaxIdempotencyBytes sets the bytes of cached answers each secret key
// keeps (Limits.IdempotencyBytes of WithTenantLimits).
func WithMaxIdempotencyBytes(n int64) Option {
	return func(cfg *config) error {
		if n <= 0 {
			return errors.New("sandbox: WithMaxIdempotencyBytes: must be positive")
		}
		cfg.tenant.IdempotencyBytes = n
		return nil
	}
}
