package payments

import (
	crand "crypto/rand"
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

// Bounds bounds the payments kept, for one tenant or for the whole book.
type Bounds struct {
	// Payments is how many payments are kept.
	Payments int
	// Cancels is how many cancels the kept payments hold in all.
	Cancels int
}

// Facts are Toss's numbers the rules use; the sandbox gives them from
// openapi/facts.go.
type Facts struct {
	// ReadyWindow: a READY payment expires after it.
	ReadyWindow time.Duration
	// ConfirmWindow: an IN_PROGRESS payment expires after it.
	ConfirmWindow time.Duration
	// MinimumAmount is the smallest payment, in won.
	MinimumAmount int64
	// AccountValidDays: an issued virtual account takes deposits until
	// 23:59:59 Korean time this many days after the issue.
	AccountValidDays int
	// RefundDelay: a refund after a deposit settles this long after the cancel.
	RefundDelay time.Duration
	// The longest customer name a virtual account is issued to, and the
	// longest holder name and account number of a refund account: the
	// maxLengths of the document's VirtualAccount.customerName and
	// RefundReceiveAccount.holderName and accountNumber.
	CustomerNameMax, HolderNameMax, AccountNumberMax int
	// AuthKeyWindow: an authKey of the card-registration page issues a
	// billing key within it.
	AuthKeyWindow time.Duration
}

// Config configures a Book. Every field is required.
type Config struct {
	// Now tells the time.
	Now func() time.Time
	// Seed drives the keys and numbers the book draws, except the billing
	// secrets (authKeys, billing keys: crypto/rand, see secretBytes); with
	// RandomKeys, payment keys and secrets come from crypto/rand too, so
	// that no one who knows the seed (or saw other keys) can guess them.
	Seed       uint64
	RandomKeys bool
	Facts      Facts
	// Tenant bounds each secret key; Global the whole book. A tenant at its
	// bound forgets its own oldest payments; over the global bound the
	// tenants idle the longest forget theirs, and are dropped once empty.
	Tenant, Global Bounds
	// EventsPerTenant is how many events a tenant's log keeps; MaxEvents
	// bounds the events of all logs (the idlest tenant's log goes first).
	EventsPerTenant, MaxEvents int
}

// MaxCancelsPerPayment is how many cancels one payment takes before
// further ones are refused with EXCEED_CANCEL_LIMIT. It bounds the size of
// a payment, and so of every answer that holds it.
const MaxCancelsPerPayment = 100

// maxTimeline bounds the events of one payment: created, approved or
// aborted, confirmed or expired, issued, deposited, expired account, its
// cancels with their refund changes and spares.
const maxTimeline = 8 + 2*MaxCancelsPerPayment

// tenant is what one secret key holds.
type tenant struct {
	name string
	// queue holds the payments in the order they were made, from
	// queue[head] on; forgotten ones are skipped when reached.
	queue    []*record
	head     int
	payments int
	cancels  int
	// events is a ring of the latest events; eventsHead is its oldest once full.
	events     []Event
	eventsHead int
	// lastActive is the book's clock at the tenant's latest call; newer and
	// older link the tenants from the most recently active (Book.active)
	// to the idlest, so that the idlest is found in O(1).
	lastActive   time.Time
	newer, older *tenant
	billing      billingShelf // its billing keys (billing.go)
	// clock is how far the tenant's clock runs ahead of the book's
	// (clock.go); it only grows.
	clock time.Duration
}

// orderKey names a payment by its tenant and orderId.
type orderKey struct {
	t       *tenant
	orderID string
}

// Book holds the payments of every tenant and applies the rules to them.
// It is safe for concurrent use; each method holds its lock for the whole
// rule, and appends the events it makes to the caller's Outbox.
type Book struct {
	mu      sync.Mutex // guards everything below
	cfg     Config
	rng     *rand.Rand
	tenants map[string]*tenant
	// active and idlest are the ends of the tenants' activity list.
	active, idlest *tenant
	byKey          map[string]*record // every payment, by its key
	// byOrder is every payment by its tenant and orderId. (One map for
	// all tenants: two maps per tenant cost about 500 bytes each.)
	byOrder  map[orderKey]*record
	seq      uint64
	payments int
	cancels  int
	eventSeq uint64 // the last Event.Seq given
	events   int    // events in all tenants' logs
	out      *Outbox
	billing  billingBook // billing keys and pending authKeys (billing.go)
	// dropped are the tenants dropped by a rule that had no outbox, told
	// in the next one's.
	dropped []string
}

// New returns an empty book.
func New(cfg Config) (*Book, error) {
	f := cfg.Facts
	switch {
	case cfg.Now == nil:
		return nil, errors.New("payments: Config.Now is nil")
	case f.ReadyWindow <= 0 || f.ConfirmWindow <= 0 || f.AuthKeyWindow <= 0 || f.MinimumAmount <= 0 || f.AccountValidDays <= 0 || f.RefundDelay <= 0 ||
		f.CustomerNameMax <= 0 || f.HolderNameMax <= 0 || f.AccountNumberMax < minRefundAccountDigits:
		return nil, errors.New("payments: Config.Facts: every fact must be positive")
	case cfg.Tenant.Payments <= 0 || cfg.Tenant.Cancels <= 0 || cfg.Global.Payments <= 0 || cfg.Global.Cancels <= 0:
		return nil, errors.New("payments: Config: every bound must be positive")
	case cfg.EventsPerTenant <= 0 || cfg.MaxEvents <= 0:
		return nil, errors.New("payments: Config: the event bounds must be positive")
	}
	return &Book{
		cfg:     cfg,
		rng:     rand.New(rand.NewPCG(cfg.Seed, 0x70557061)),
		tenants: map[string]*tenant{},
		byKey:   map[string]*record{},
		byOrder: map[orderKey]*record{},
	}, nil
}

// begin takes the lock for a rule whose events go to out (nil: dropped).
func (b *Book) begin(out *Outbox) {
	b.mu.Lock()
	b.out = out
	b.tellDropped()
}

// end releases the lock. It sends nothing: the caller publishes out.
func (b *Book) end() {
	b.out = nil
	b.mu.Unlock()
}

func (b *Book) now() time.Time { return b.cfg.Now() }

// tenantOf returns name's tenant, made when create is set, and marks it
// active.
func (b *Book) tenantOf(name string, create bool) *tenant {
	t := b.tenants[name]
	if t == nil && create {
		t = &tenant{name: name}
		b.tenants[name] = t
	}
	if t != nil {
		b.touch(t)
	}
	return t
}

// touch moves t to the active end of the activity list: O(1).
func (b *Book) touch(t *tenant) {
	t.lastActive = b.now()
	if b.active == t {
		return
	}
	b.unlink(t)
	t.older = b.active
	if b.active != nil {
		b.active.newer = t
	}
	b.active = t
	if b.idlest == nil {
		b.idlest = t
	}
}

func (b *Book) unlink(t *tenant) {
	if t.newer != nil {
		t.newer.older = t.older
	} else if b.active == t {
		b.active = t.older
	}
	if t.older != nil {
		t.older.newer = t.newer
	} else if b.idlest == t {
		b.idlest = t.newer
	}
	t.newer, t.older = nil, nil
}

// drop removes an empty tenant.
func (b *Book) drop(t *tenant) {
	b.billing.keys -= t.billing.len()
	b.unlink(t)
	delete(b.tenants, t.name)
}

// Idlest returns the tenant idle the longest and since when, or "" when
// the book holds none.
func (b *Book) Idlest() (string, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.idlest == nil {
		return "", time.Time{}
	}
	return b.idlest.name, b.idlest.lastActive
}

func (b *Book) lookup(tenantName, paymentKey string) *record {
	if t := b.tenantOf(tenantName, false); t != nil {
		if p := b.byKey[paymentKey]; p != nil && p.tenant == t {
			return p
		}
	}
	return nil
}

// current returns the tenant's payment, or nil, with the clock's
// transitions applied as of now.
func (b *Book) current(tenantName, paymentKey string) *record {
	p := b.lookup(tenantName, paymentKey)
	if p != nil {
		b.tick(p, b.at(p))
	}
	return p
}

// forget drops p, with its cancels.
func (b *Book) forget(t *tenant, p *record) {
	b.emit(p, Event{At: b.at(p), Kind: EventForgotten, From: p.Status, To: p.Status})
	p.gone = true
	if ok := (orderKey{t, p.OrderID}); b.byOrder[ok] == p {
		delete(b.byOrder, ok)
	}
	delete(b.byKey, p.Key)
	t.payments--
	b.payments--
	t.cancels -= len(p.Cancels)
	b.cancels -= len(p.Cancels)
	if t.payments == 0 {
		// Keep the events (they tell of this), not the grown maps.
		t.queue, t.head = nil, 0
	}
}

// forgetOldest drops the oldest payment of t other than keep (the oldest
// with cancels when withCancels), and reports whether there was one.
func (b *Book) forgetOldest(t *tenant, keep *record, withCancels bool) bool {
	if t == nil {
		return false
	}
	found := false
	for i := t.head; i < len(t.queue); i++ {
		if p := t.queue[i]; !p.gone && p != keep && (!withCancels || len(p.Cancels) > 0) {
			b.forget(t, p)
			found = true
			break
		}
	}
	for t.head < len(t.queue) && t.queue[t.head].gone {
		t.queue[t.head] = nil
		t.head++
	}
	if t.head >= 1024 && 2*t.head >= len(t.queue) {
		n := copy(t.queue, t.queue[t.head:])
		clear(t.queue[n:])
		t.queue, t.head = t.queue[:n], 0
	}
	return found
}

// idleWindow is how many of the idlest tenants makeRoom weighs against
// each other to choose who pays the global excess.
const idleWindow = 8

// makeRoom forgets old payments until t (and the book) can take
// addPayments more payments and addCancels more cancels; keep is never
// forgotten. A tenant pays for its own excess; the global excess is paid by
// t when it is heavy (its fair share of the bound, and 1/64 of it), else by the tenants
// idle the longest (the far end of the activity list; of its idleWindow
// tenants, the one holding the most): a flood of new
// tenants costs the idle ones their oldest payments, not the active ones,
// and a few heavy tenants pay for themselves, not the light ones. Each payment is
// forgotten at most once, so the cost is O(1) per payment added, amortized,
// whatever the number of tenants.
func (b *Book) makeRoom(t *tenant, keep *record, addPayments, addCancels int) {
	for t.payments+addPayments > b.cfg.Tenant.Payments && t.payments > 0 {
		if !b.forgetOldest(t, keep, false) {
			break
		}
	}
	for t.cancels+addCancels > b.cfg.Tenant.Cancels && t.cancels > 0 {
		if !b.forgetOldest(t, keep, true) {
			break
		}
	}
	for {
		overP := b.payments+addPayments > b.cfg.Global.Payments && b.payments > 0
		overC := b.cancels+addCancels > b.cfg.Global.Cancels && b.cancels > 0
		if !overP && !overC {
			break
		}
		// A heavy tenant (holding its fair share of what is over, the
		// bound over the number of tenants, and at least 1/64 of the
		// bound) pays its own way, so a few heavy tenants never take from
		// a light one; else the idlest pay.
		n := len(b.tenants)
		heavy := func(has, bound int) bool { return has*n >= bound && has*64 >= bound }
		if (overP && heavy(t.payments, b.cfg.Global.Payments)) || (overC && heavy(t.cancels, b.cfg.Global.Cancels)) {
			if b.forgetOldest(t, keep, false) {
				continue
			}
		}
		v := b.idlest
		if v == t {
			v = t.newer // t is idlest only when no other tenant is newer
		}
		if v == nil {
			v = t
		}
		// Of the few idlest, the one holding the most pays (the idlest
		// among equals): keys rotating through the bound, each under
		// 1/64 of it, never drain a lighter tenant merely idler than all
		// of them. A constant window, so making room stays O(1).
		if v != t {
			for w, i := v.newer, 1; w != nil && i < idleWindow; w, i = w.newer, i+1 {
				if w != t && w.payments > v.payments {
					v = w
				}
			}
		}
		if !b.forgetOldest(v, keep, false) {
			if v == t {
				break
			}
			b.forgetTenant(v) // only events left (or only keep)
			continue
		}
		if v != t && v.payments == 0 {
			b.forgetTenant(v)
		}
	}
}

// forgetTenant drops v whole, with its payments and events, and tells the
// caller (an EventTenantForgotten in the outbox), so that what else is
// kept for it (idempotency answers, call log, webhook deliveries) goes too.
func (b *Book) forgetTenant(v *tenant) {
	if b.tenants[v.name] != v {
		return // forgotten already
	}
	// Dropped first, so that the payments' forgetting records no events
	// (emit skips a tenant no longer in the book).
	b.drop(v)
	for v.payments > 0 && b.forgetOldest(v, nil, false) {
	}
	b.events -= len(v.events)
	v.events, v.eventsHead = nil, 0
	b.dropped = append(b.dropped, v.name)
	b.tellDropped()
}

// tellDropped puts an EventTenantForgotten for each tenant dropped in the
// call's outbox; a rule without one (nil) leaves them for the next call's.
func (b *Book) tellDropped() {
	if b.out == nil || len(b.dropped) == 0 {
		return
	}
	for _, name := range b.dropped {
		*b.out = append(*b.out, Event{At: b.now(), Kind: EventTenantForgotten, Tenant: name})
	}
	b.dropped = b.dropped[:0]
}

// add files p, new, under tenantName.
func (b *Book) add(tenantName string, p *record) {
	t := b.tenantOf(tenantName, true)
	b.makeRoom(t, nil, 1, 0)
	t = b.tenantOf(tenantName, true) // makeRoom may have emptied and dropped it
	b.seq++
	b.payments++
	t.payments++
	p.Seq = b.seq
	p.Tenant = tenantName
	p.Key = b.newPaymentKey()
	p.tenant = t
	b.byOrder[orderKey{t, p.OrderID}] = p
	t.queue = append(t.queue, p)
	b.byKey[p.Key] = p
}

// Usage is what the book holds.
type Usage struct {
	Tenants, Payments, Cancels int
}

// Usage returns what the book holds over all tenants.
func (b *Book) Usage() Usage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Usage{Tenants: len(b.tenants), Payments: b.payments, Cancels: b.cancels}
}

// Holds reports whether the book holds a tenant of that name (one that has
// made a payment, a billing key or a clock and not been forgotten since).
func (b *Book) Holds(tenantName string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tenants[tenantName] != nil
}

// UsageOf returns what one tenant holds (Tenants is 1 when it exists).
func (b *Book) UsageOf(tenantName string) Usage {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.tenants[tenantName]
	if t == nil {
		return Usage{}
	}
	return Usage{Tenants: 1, Payments: t.payments, Cancels: t.cancels}
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Alnum returns n letters and digits drawn from the book's seed.
func (b *Book) Alnum(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.alnum(n)
}

func (b *Book) alnum(n int) string {
	s := make([]byte, n)
	for i := range s {
		s[i] = alnum[b.rng.IntN(len(alnum))]
	}
	return string(s)
}

func (b *Book) digits(n int) string {
	s := make([]byte, n)
	for i := range s {
		s[i] = byte('0' + b.rng.IntN(10))
	}
	return string(s)
}

func (b *Book) txKey() string {
	const hex = "0123456789ABCDEF"
	s := make([]byte, 32)
	for i := range s {
		s[i] = hex[b.rng.IntN(16)]
	}
	return string(s)
}

// unguessable returns n letters and digits that no one can guess: from
// crypto/rand with RandomKeys, else from the seed.
func (b *Book) unguessable(n int) string {
	seeded := b.alnum(n) // drawn either way: the seed's other numbers stay the same
	if !b.cfg.RandomKeys {
		return seeded
	}
	s := make([]byte, 0, n)
	var buf [64]byte
	for len(s) < n {
		_, _ = crand.Read(buf[:]) // never fails (crypto/rand's contract)
		for _, c := range buf {
			// 248 = 4 × 62: bytes below it map onto the letters evenly.
			if c < 248 && len(s) < n {
				s = append(s, alnum[c%byte(len(alnum))])
			}
		}
	}
	return string(s)
}

// newSecret returns a payment's secret.
func (b *Book) newSecret() string { return "ps_" + b.unguessable(21) }

// newPaymentKey returns a fresh key, unique across the book.
func (b *Book) newPaymentKey() string {
	for {
		k := b.unguessable(48)
		if b.byKey[k] == nil {
			return k
		}
	}
}
