package payments

import (
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
	// secrets (authKeys, billing keys: crypto/rand, see secretBytes).
	Seed  uint64
	Facts Facts
	// Tenant bounds each secret key; Global the whole book. A tenant at its
	// bound forgets its own oldest payments; over the global bound the book
	// forgets the oldest payments of the tenant holding the most.
	Tenant, Global Bounds
	// EventsPerTenant is how many events a tenant's log keeps; MaxEvents
	// bounds the events of all logs (the largest loses its oldest half).
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
	name    string
	byKey   map[string]*record
	byOrder map[string]*record
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
	byKey          map[string]*record // every payment, for the checkout pages
	seq            uint64
	payments       int
	cancels        int
	eventSeq       uint64 // the last Event.Seq given
	events         int    // events in all tenants' logs
	out            *Outbox
	billing        billingBook // billing keys and pending authKeys (billing.go)
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
	}, nil
}

// begin takes the lock for a rule whose events go to out (nil: dropped).
func (b *Book) begin(out *Outbox) {
	b.mu.Lock()
	b.out = out
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
		t = &tenant{name: name, byKey: map[string]*record{}, byOrder: map[string]*record{}}
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
		return t.byKey[paymentKey]
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
	delete(t.byKey, p.Key)
	if t.byOrder[p.OrderID] == p {
		delete(t.byOrder, p.OrderID)
	}
	delete(b.byKey, p.Key)
	t.payments--
	b.payments--
	t.cancels -= len(p.Cancels)
	b.cancels -= len(p.Cancels)
	if t.payments == 0 {
		// Keep the events (they tell of this), not the grown maps.
		t.byKey, t.byOrder, t.queue, t.head = map[string]*record{}, map[string]*record{}, nil, 0
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

// heaviest returns the tenant holding the most by weigh.
func (b *Book) heaviest(weigh func(*tenant) int) *tenant {
	var best *tenant
	for _, t := range b.tenants {
		if best == nil || weigh(t) > weigh(best) {
			best = t
		}
	}
	return best
}

// makeRoom forgets old payments until t (and the book) can take
// addPayments more payments and addCancels more cancels; keep is never
// forgotten. A tenant pays for its own excess; the global excess is paid by
// the tenant that holds the most of it.
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
	for b.payments+addPayments > b.cfg.Global.Payments && b.payments > 0 {
		if !b.forgetOldest(b.heaviest(func(t *tenant) int { return t.payments }), keep, false) {
			break
		}
	}
	for b.cancels+addCancels > b.cfg.Global.Cancels && b.cancels > 0 {
		if !b.forgetOldest(b.heaviest(func(t *tenant) int { return t.cancels }), keep, true) {
			break
		}
	}
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
	t.byKey[p.Key] = p
	t.byOrder[p.OrderID] = p
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

// newPaymentKey returns a fresh key, unique across the book.
func (b *Book) newPaymentKey() string {
	for {
		k := b.alnum(48)
		if b.byKey[k] == nil {
			return k
		}
	}
}
