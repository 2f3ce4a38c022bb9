// Package webhooks delivers the sandbox's webhooks: every change that
// payments.Transitions says sends one is POSTed to the secret key's URL
// with Toss's headers and sent again on Toss's schedule until answered 200
// (docs/webhooks.md §1 and §6). A worker sends them from a bounded outbox
// per key, so the API never waits for a receiver. Here too: the faults a
// delivery can meet (duplicate, out of order, delayed), the listeners that
// pull the webhooks of a key behind NAT (ListenURL, Hub) and the addresses
// deliveries may go to (Targets).
package webhooks

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// The types of the webhooks, as their bodies are built.
const (
	paymentStatusChanged = string(payments.WebhookPaymentStatusChanged)
	depositCallback      = string(payments.WebhookDepositCallback)
	billingDeleted       = string(payments.WebhookBillingDeleted)
)

// Limits and timings of webhook delivery.
const (
	// AnswerBytes is how much of a receiver's answer a delivery
	// keeps (Attempt.Answer).
	AnswerBytes = 512
	// DefaultDeliveriesPerKey is how many deliveries (with their
	// attempts) a secret key keeps, sent or waiting; past it the key's
	// oldest are forgotten, and one still waiting is dropped (counted).
	DefaultDeliveriesPerKey = 256
	// DefaultDeliveries bounds the deliveries kept over all keys;
	// past it the key idle the longest forgets its oldest.
	DefaultDeliveries = 16384
	// webhookInFlightPerKey bounds the attempts under way at once for one
	// key: a dead receiver (or a listen: URL nobody listens on) holds at
	// most that many. A key's first attempt may start while fewer than
	// webhookInFlightMax are under way in all; its further ones only while
	// fewer than webhookInFlight (the shared slots). So keys with dead
	// receivers take at most one slot each past the shared ones, and a key
	// with nothing under way starts at once unless webhookInFlightMax keys
	// are each waiting on one (a goroutine and a connection each, about
	// 10 MB in all).
	webhookInFlightPerKey = 2
	webhookInFlight       = 64
	webhookInFlightMax    = 512
	// idleWindow is how many of the idlest keys are weighed against each
	// other to choose whose delivery goes past the bound.
	idleWindow = 8
	// maxWebhookTenants bounds the keys with a registered URL or deliveries;
	// past it an idle one (nothing waiting) is forgotten.
	maxWebhookTenants = 100_000
	// maxWebhookURL is the longest URL registered.
	maxWebhookURL = 2048

	// webhookFaultHold is how long a delivery under the out-of-order fault
	// waits for a later one of its key to overtake it, and the delay of a
	// random delay fault (both times the retry scale).
	webhookFaultHold = 2 * time.Minute
)

func CheckURL(raw string) error {
	if raw == ListenURL {
		return nil
	}
	if len(raw) > maxWebhookURL {
		return fmt.Errorf("url: longer than %d characters", maxWebhookURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("url: %q is not an absolute http or https URL (rule: http or https, with a host, without credentials)", raw)
	}
	return nil
}

// State is where a delivery stands.
type State string

// The states of a delivery.
const (
	// Pending: waiting for its first attempt or a retry
	// (Toss's "전송 중").
	Pending State = "PENDING"
	// Delivered: answered 200.
	Delivered State = "DELIVERED"
	// Failed: the eighth attempt was not answered 200 (Toss's "실패").
	Failed State = "FAILED"
	// Dropped: forgotten while waiting, to keep its key within its
	// limits.
	Dropped State = "DROPPED"
	// Abandoned: the sandbox stopped before the delivery was done;
	// Close says how many.
	Abandoned State = "ABANDONED"
)

// Attempt is one POST of a delivery and its answer.
type Attempt struct {
	// RetriedCount is the tosspayments-webhook-transmission-retried-count
	// sent: 0 on the first attempt.
	RetriedCount int `json:"retriedCount"`
	// At is the tosspayments-webhook-transmission-time sent.
	At time.Time `json:"at"`
	// StatusCode is the receiver's HTTP status; 0 when it did not answer.
	StatusCode int `json:"statusCode"`
	// Error says why there was no answer (timeout, refused connection).
	Error string `json:"error,omitempty"`
	// Answer is the start of the receiver's answer body.
	Answer string `json:"answer,omitempty"`
	// Duplicate marks the copy the duplicate fault sent.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Delivery is one webhook event for one secret key: its body, where
// it went, and every attempt with its answer.
type Delivery struct {
	// TransmissionID is the tosspayments-webhook-transmission-id, the same
	// on every attempt.
	TransmissionID string `json:"transmissionId"`
	// EventType is the event type: PAYMENT_STATUS_CHANGED, DEPOSIT_CALLBACK,
	// BILLING_DELETED, or that of an event given whole (EnqueueEvent).
	EventType string `json:"eventType"`
	// EventSeq is the Seq of the payments.Event the delivery announces.
	EventSeq   uint64                  `json:"eventSeq"`
	PaymentKey string                  `json:"paymentKey"`
	OrderID    string                  `json:"orderId"`
	Status     generated.PaymentStatus `json:"status"`
	// URL is where it is sent.
	URL string `json:"url"`
	// Body is the JSON body sent.
	Body json.RawMessage `json:"body"`
	// State is where the delivery stands; NextAttemptAt is when it is sent
	// next while PENDING.
	State         State      `json:"state"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	// ResentFrom is the transmission id of the delivery this one sends
	// again (Resend), or "".
	ResentFrom string `json:"resentFrom,omitempty"`
	// Faults are the webhook faults it met.
	Faults   []string  `json:"faults,omitempty"`
	Attempts []Attempt `json:"attempts"`
}

// Stats counts webhook deliveries over the sandbox's life.
type Stats struct {
	// Enqueued deliveries, attempts made (duplicates included), deliveries
	// answered 200, given up after the last retry, dropped to keep a key
	// within its limits, and abandoned at Close.
	Enqueued, Attempts, Delivered, Failed, Dropped, Abandoned int64
	// Pending is how many wait for an attempt now.
	Pending int
}

type whItem struct {
	d        *Delivery
	tenant   *whTenant
	due      time.Time
	index    int // in the heap; -1 when not in it
	inFlight bool
	held     bool // out-of-order: waits for a later delivery of its key
	dup      bool // duplicate: the first attempt is sent twice
	done     bool // delivered, failed, dropped or abandoned
	// late: its key's clock was advanced past its due time (clock.go), so
	// its attempt is stamped with the time it was due, as if the time had
	// passed, and its next retry counts from there.
	late bool
	// launchOff is how far its key's clock ran ahead when its attempt
	// started: a move of the clock during the attempt counts for its retry.
	launchOff time.Duration
	// signKey, when set, signs every attempt (signed.go).
	signKey []byte
}

type whTenant struct {
	key      string
	url      string // registered; "" uses the default
	items    []*whItem
	inFlight int
	pending  int
	// newer and older link the keys holding deliveries from the one that
	// enqueued last (Dispatcher.active) to the idlest, which pays the
	// global excess; linked says whether it is in the list.
	newer, older *whTenant
	linked       bool
	// useNewer and useOlder link every key the dispatcher knows, from the
	// one registered or enqueued for last (Dispatcher.useNewest) to the
	// one unused the longest, which is forgotten first past
	// maxWebhookTenants.
	useNewer, useOlder *whTenant
}

type whHeap []*whItem

func (h whHeap) Len() int           { return len(h) }
func (h whHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h whHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *whHeap) Push(x any) { it := x.(*whItem); it.index = len(*h); *h = append(*h, it) }
func (h *whHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	it.index = -1
	return it
}

// Dispatcher is the webhook outbox and its worker.
type Dispatcher struct {
	clock      interface{ Now() time.Time }
	offset     func(key string) time.Duration
	moved      func() <-chan struct{}
	client     *http.Client
	targets    Targets
	listen     *Hub
	scale      float64
	defaultURL string
	perKey     int
	total      int

	mu      sync.Mutex // guards everything below
	tenants map[string]*whTenant
	// active and idlest are the ends of the list of keys holding
	// deliveries.
	active, idlest *whTenant
	holders        int // the keys in that list
	// useNewest and useIdlest are the ends of the list of every key by
	// use; maxTenants bounds the keys (maxWebhookTenants).
	useNewest, useIdlest *whTenant
	maxTenants           int
	queue                whHeap
	items                int
	inFlight             int
	rng                  *rand.Rand
	rates                FaultRates
	stats                Stats
	started              bool
	closed               bool
	wake                 chan struct{}
	stop                 chan struct{}
	loopDone             chan struct{}
	attempts             sync.WaitGroup

	// sweep applies the time-driven transitions to every payment (the
	// store's), so that an expiry is announced without a look-up; the
	// worker runs it every sweepEvery of the clock, holding no lock.
	sweep     func()
	lastSweep time.Time
}

// sweepEvery is how often (on the sandbox's clock) the webhook worker looks
// for payments that expired with nobody asking, to announce them.
const sweepEvery = time.Second

// Config configures a Dispatcher.
type Config struct {
	// Clock tells the time; Moved, when set, returns a channel closed at
	// the clock's next move (a fake clock's), so that the worker sends what
	// an advance made due without waiting in real time.
	Clock interface{ Now() time.Time }
	Moved func() <-chan struct{}
	// Offset, when set, says how far a key's clock runs ahead of Clock
	// (a test clock per key; see Shift).
	Offset func(key string) time.Duration
	// Client sends the deliveries (NewClient builds it).
	Client  *http.Client
	Targets Targets
	// Scale multiplies Toss's retry intervals and the fault holds (0: 1).
	Scale float64
	// DefaultURL is where the webhooks of a key without a URL of its own go.
	DefaultURL string
	// PerKey and Total bound the deliveries kept (0: the defaults).
	PerKey, Total int
	// Seed drives the transmission ids and the random faults.
	Seed  uint64
	Rates FaultRates
	// Sweep, when set, applies the time-driven transitions of every
	// payment; the worker runs it every sweepEvery of the clock, holding
	// no lock, so that an expiry is announced without a look-up.
	Sweep func()
}

// NewDispatcher returns a dispatcher whose worker starts with the first
// delivery or URL (or Start).
func NewDispatcher(cfg Config) *Dispatcher {
	scale := cfg.Scale
	if scale == 0 {
		scale = 1
	}
	perKey, total := cfg.PerKey, cfg.Total
	if perKey == 0 {
		perKey, total = DefaultDeliveriesPerKey, DefaultDeliveries
	}
	return &Dispatcher{
		clock: cfg.Clock, offset: cfg.Offset, moved: cfg.Moved, client: cfg.Client, targets: cfg.Targets, listen: NewHub(), scale: scale, defaultURL: cfg.DefaultURL,
		perKey: perKey, total: total,
		tenants: map[string]*whTenant{}, maxTenants: maxWebhookTenants,
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x3eb400c)),
		rates: cfg.Rates,
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		sweep: cfg.Sweep,
	}
}

func (d *Dispatcher) scaled(t time.Duration) time.Duration {
	return time.Duration(float64(t) * d.scale)
}

// urlOf returns the URL the key's webhooks go to; the caller holds d.mu.
func (d *Dispatcher) urlOf(key string) string {
	if t := d.tenants[key]; t != nil && t.url != "" {
		return t.url
	}
	return d.defaultURL
}

// Start runs the worker now, so that expiries are announced before any
// delivery (a sandbox with a default URL).
func (d *Dispatcher) Start() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.start()
	}
}

// URLOf returns where key's webhooks go: its registered URL, or the
// default, or "" when they go nowhere.
func (d *Dispatcher) URLOf(key string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.urlOf(key)
}

// OwnURL reports whether key registered a URL of its own.
func (d *Dispatcher) OwnURL(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tenants[key]
	return t != nil && t.url != ""
}

// Targets returns where deliveries may go.
func (d *Dispatcher) Targets() Targets { return d.targets }

// Listen returns the hub that hands the attempts of keys whose URL is
// ListenURL to their listeners.
func (d *Dispatcher) Listen() *Hub { return d.listen }

// Sending reports whether key's webhooks go anywhere.
func (d *Dispatcher) Sending(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.closed && d.urlOf(key) != ""
}

// createdAt formats t as Toss's webhook createdAt: Korean time without an
// offset, six fractional digits (W1).
func createdAt(t time.Time) string {
	return t.In(tosstime.Seoul).Format("2006-01-02T15:04:05.000000")
}

func webhookBody(typ string, e payments.Event, p *generated.Payment) ([]byte, error) {
	switch typ {
	case billingDeleted:
		// reason: null, as Toss's wording of it is not published (assumed).
		type data struct {
			BillingKey string  `json:"billingKey"`
			Reason     *string `json:"reason"`
		}
		return json.Marshal(struct {
			EventType string `json:"eventType"`
			CreatedAt string `json:"createdAt"`
			Data      data   `json:"data"`
		}{billingDeleted, createdAt(e.At), data{BillingKey: e.BillingKey}})
	case depositCallback:
		secret := ""
		if p.Secret != nil {
			secret = *p.Secret
		}
		return json.Marshal(struct {
			CreatedAt      string                  `json:"createdAt"`
			Secret         string                  `json:"secret"`
			Status         generated.PaymentStatus `json:"status"`
			TransactionKey string                  `json:"transactionKey"`
			OrderID        string                  `json:"orderId"`
		}{createdAt(e.At), secret, p.Status, e.TransactionKey, p.OrderID})
	default:
		return json.Marshal(struct {
			EventType string             `json:"eventType"`
			CreatedAt string             `json:"createdAt"`
			Data      *generated.Payment `json:"data"`
		}{paymentStatusChanged, createdAt(e.At), p})
	}
}

// Enqueue puts the webhooks of e (those of its row of
// payments.Transitions) in key's outbox, with p, the payment as of the
// change, as their data (nil for a billing key's). It never blocks on I/O.
func (d *Dispatcher) Enqueue(key string, e payments.Event, p *generated.Payment, fault Fault) {
	types := e.Webhooks
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.urlOf(key)
	if d.closed || u == "" {
		return
	}
	t := d.tenant(key)
	now := d.clock.Now()
	var status generated.PaymentStatus
	if p != nil {
		status = p.Status
	}
	for _, wt := range types {
		typ := string(wt)
		body, err := webhookBody(typ, e, p)
		if err != nil {
			continue
		}
		f := fault
		if f == (Fault{}) {
			f = d.roll()
		}
		it := &whItem{
			d: &Delivery{
				TransmissionID: "whtrans_" + d.id(),
				EventType:      typ, EventSeq: e.Seq, PaymentKey: e.PaymentKey, OrderID: e.OrderID, Status: status,
				URL: u, Body: body, State: Pending, Faults: f.names(), Attempts: []Attempt{},
			},
			tenant: t, due: now.Add(f.Delay), index: -1, held: f.OutOfOrder, dup: f.Duplicate,
		}
		if it.held {
			it.due = now.Add(d.scaled(webhookFaultHold))
		}
		d.push(t, it)
	}
	d.start()
	d.signal()
}

// push queues a new delivery of t (enqueue, an event, a resend) and keeps t
// within its bounds; the caller holds d.mu.
func (d *Dispatcher) push(t *whTenant, it *whItem) {
	d.stats.Enqueued++
	d.touch(t)
	t.items = append(t.items, it)
	t.pending++
	d.items++
	heap.Push(&d.queue, it)
	d.trim(t)
}

// roll draws a random fault for one delivery; the caller holds d.mu.
func (d *Dispatcher) roll() Fault {
	r := d.rates
	if r.Duplicate+r.OutOfOrder+r.Delay == 0 {
		return Fault{}
	}
	u := d.rng.Float64()
	switch {
	case u < r.Duplicate:
		return Fault{Duplicate: true}
	case u < r.Duplicate+r.OutOfOrder:
		return Fault{OutOfOrder: true}
	case u < r.Duplicate+r.OutOfOrder+r.Delay:
		return Fault{Delay: d.scaled(webhookFaultHold)}
	}
	return Fault{}
}

func (d *Dispatcher) id() string {
	const lower = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 26)
	for i := range b {
		b[i] = lower[d.rng.IntN(len(lower))]
	}
	return string(b)
}

// tenant returns key's record, making room among the keys; the caller holds d.mu.
func (d *Dispatcher) tenant(key string) *whTenant {
	t := d.tenants[key]
	if t != nil {
		d.touchUse(t)
		return t
	}
	if len(d.tenants) >= d.maxTenants {
		// The key unused the longest with nothing waiting goes (not one
		// at random: a bystander that registered its URL a moment ago
		// keeps it whatever the number of keys registering after it).
		for o := d.useIdlest; o != nil; o = o.useNewer {
			if o.pending == 0 && o.inFlight == 0 {
				d.items -= len(o.items)
				d.unlink(o)
				d.unlinkUse(o)
				delete(d.tenants, o.key)
				break
			}
		}
	}
	t = &whTenant{key: key}
	d.tenants[key] = t
	d.touchUse(t)
	return t
}

// touchUse moves t to the newest end of the list by use; the caller holds d.mu.
func (d *Dispatcher) touchUse(t *whTenant) {
	if d.useNewest == t {
		return
	}
	d.unlinkUse(t)
	t.useOlder = d.useNewest
	if d.useNewest != nil {
		d.useNewest.useNewer = t
	}
	d.useNewest = t
	if d.useIdlest == nil {
		d.useIdlest = t
	}
}

func (d *Dispatcher) unlinkUse(t *whTenant) {
	if t.useNewer != nil {
		t.useNewer.useOlder = t.useOlder
	} else if d.useNewest == t {
		d.useNewest = t.useOlder
	}
	if t.useOlder != nil {
		t.useOlder.useNewer = t.useNewer
	} else if d.useIdlest == t {
		d.useIdlest = t.useNewer
	}
	t.useNewer, t.useOlder = nil, nil
}

// trim keeps t within its limit and the sandbox within its own, forgetting
// the oldest deliveries that are not being sent, the global excess from t
// when it holds its fair share, else from the keys idle the longest (of
// the idleWindow idlest, the one holding the most) (O(1) per delivery, amortized, whatever the number
// of keys); the caller holds d.mu.
func (d *Dispatcher) trim(t *whTenant) {
	for len(t.items) > d.perKey && d.forgetOlder(t) {
	}
	for d.items > d.total {
		// A key holding its fair share of the bound (and at least 1/64
		// of it) pays its own way, as the payments' book rules, so keys
		// rotating through the bound never drop a light key's delivery
		// that is waiting for its retry.
		if n := len(t.items); n*d.holders >= d.total && n*64 >= d.total && d.forgetOlder(t) {
			continue
		}
		// Of the few idlest, the one holding the most pays, so keys each
		// under 1/64 of the bound, rotating through it, do not drain a
		// lighter key only a little idler than all of them.
		v := d.idlest
		if v != nil {
			for w, i := v.newer, 1; w != nil && i < idleWindow; w, i = w.newer, i+1 {
				if len(w.items) > len(v.items) {
					v = w
				}
			}
		}
		for v != nil && !(v != t && d.forgetOldest(v) || v == t && d.forgetOlder(t)) {
			v = v.newer // its deliveries are all being sent
		}
		if v == nil {
			return
		}
	}
}

// touch moves t to the active end of the list; the caller holds d.mu.
func (d *Dispatcher) touch(t *whTenant) {
	if d.active == t {
		return
	}
	d.unlink(t)
	t.linked = true
	d.holders++
	t.older = d.active
	if d.active != nil {
		d.active.newer = t
	}
	d.active = t
	if d.idlest == nil {
		d.idlest = t
	}
}

func (d *Dispatcher) unlink(t *whTenant) {
	if !t.linked {
		return
	}
	if t.newer != nil {
		t.newer.older = t.older
	} else if d.active == t {
		d.active = t.older
	}
	if t.older != nil {
		t.older.newer = t.newer
	} else if d.idlest == t {
		d.idlest = t.newer
	}
	t.newer, t.older, t.linked = nil, nil, false
	d.holders--
}

func (d *Dispatcher) forgetOldest(t *whTenant) bool { return d.forgetOldestOf(t, len(t.items)) }

// forgetOlder forgets the oldest delivery of t not being sent other than
// its newest (the one just enqueued, which trimming must never drop).
func (d *Dispatcher) forgetOlder(t *whTenant) bool { return d.forgetOldestOf(t, len(t.items)-1) }

// forgetOldestOf forgets the oldest of t's first n deliveries that is not
// being sent, and reports whether there was one; the caller holds d.mu.
func (d *Dispatcher) forgetOldestOf(t *whTenant, n int) bool {
	for i, it := range t.items[:max(n, 0)] {
		if it.inFlight {
			continue
		}
		if !it.done {
			d.finish(it, Dropped)
			d.stats.Dropped++
		}
		t.items = append(t.items[:i:i], t.items[i+1:]...)
		d.items--
		if len(t.items) == 0 {
			d.unlink(t)
		}
		return true
	}
	return false
}

// finish ends it in state; the caller holds d.mu.
func (d *Dispatcher) finish(it *whItem, state State) {
	if it.index >= 0 {
		heap.Remove(&d.queue, it.index)
	}
	if !it.done {
		it.tenant.pending--
	}
	it.done = true
	it.d.State = state
	it.d.NextAttemptAt = nil
}

func (d *Dispatcher) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// start runs the worker once there is something to send; the caller holds d.mu.
func (d *Dispatcher) start() {
	if d.started {
		return
	}
	d.started = true
	d.loopDone = make(chan struct{})
	go d.run()
}

func (d *Dispatcher) run() {
	defer close(d.loopDone)
	for {
		var moved <-chan struct{}
		if d.moved != nil {
			moved = d.moved()
		}
		if now := d.clock.Now(); d.sweep != nil && !now.Before(d.lastSweep.Add(sweepEvery)) {
			d.lastSweep = now
			d.sweep() // may enqueue: takes d.mu itself
		}
		d.mu.Lock()
		now := d.clock.Now()
		next := d.startDue(now)
		if s := d.lastSweep.Add(sweepEvery); d.sweep != nil && (next.IsZero() || s.Before(next)) {
			next = s
		}
		d.mu.Unlock()
		var timer *time.Timer
		var fire <-chan time.Time
		if !next.IsZero() {
			timer = time.NewTimer(max(next.Sub(now), time.Millisecond))
			fire = timer.C
		}
		select {
		case <-d.stop:
		case <-d.wake:
		case <-moved:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		select {
		case <-d.stop:
			return
		default:
		}
	}
}

// startDue starts an attempt of every due delivery within the in-flight
// limits, and returns when the next one falls due (zero: none, or only
// ones waiting for a free slot); the caller holds d.mu.
func (d *Dispatcher) startDue(now time.Time) time.Time {
	var blocked []*whItem
	var next time.Time
	for d.queue.Len() > 0 {
		it := d.queue[0]
		if it.due.After(now) {
			next = it.due
			break
		}
		heap.Pop(&d.queue)
		if !d.slotFree(it.tenant) {
			blocked = append(blocked, it)
			continue
		}
		d.launch(it)
	}
	// A blocked delivery waits for a slot: an attempt that ends signals.
	for _, it := range blocked {
		heap.Push(&d.queue, it)
	}
	return next
}

// slotFree reports whether an attempt of t may start now: fair per key
// (see webhookInFlightPerKey); the caller holds d.mu.
func (d *Dispatcher) slotFree(t *whTenant) bool {
	switch {
	case t.inFlight >= webhookInFlightPerKey:
		return false
	case t.inFlight == 0:
		return d.inFlight < webhookInFlightMax
	}
	return d.inFlight < webhookInFlight
}

// launch sends it in its own goroutine; the caller holds d.mu.
func (d *Dispatcher) launch(it *whItem) {
	it.inFlight = true
	it.tenant.inFlight++
	d.inFlight++
	retried := len(realAttempts(it.d.Attempts))
	it.held = false
	it.launchOff = d.offsetOf(it.tenant.key)
	d.attempts.Add(1)
	go func() {
		defer d.attempts.Done()
		d.attempt(it, retried)
	}()
}

func realAttempts(as []Attempt) []Attempt {
	n := 0
	for _, a := range as {
		if !a.Duplicate {
			n++
		}
	}
	return as[:n:n]
}

// post sends one attempt and returns what happened.
func (d *Dispatcher) post(it *whItem, retried int, dup bool) Attempt {
	at := d.attemptTime(it)
	a := Attempt{RetriedCount: retried, At: at, Duplicate: dup}
	headers := map[string]string{
		"Content-Type":                                "application/json",
		"User-Agent":                                  "TossPayments-Sandbox-Webhook/1",
		openapi.HeaderWebhookTransmissionID:           it.d.TransmissionID,
		openapi.HeaderWebhookTransmissionTime:         at.In(tosstime.Seoul).Format(time.RFC3339),
		openapi.HeaderWebhookTransmissionRetriedCount: strconv.Itoa(retried),
	}
	if it.signKey != nil {
		headers[openapi.HeaderWebhookSignature] = sign(it.d.Body, headers[openapi.HeaderWebhookTransmissionTime], it.signKey)
	}
	if it.d.URL == ListenURL {
		ans, err := d.listen.deliver(&pulled{
			key:    it.tenant.key,
			a:      ListenedAttempt{ID: newAttemptID(), Headers: headers, Body: it.d.Body},
			answer: make(chan ListenedAnswer, 1),
		}, openapi.WebhookTimeout)
		if err != nil {
			a.Error = err.Error()
			return a
		}
		a.StatusCode, a.Error, a.Answer = ans.Status, clip(ans.Error, AnswerBytes), clip(ans.Answer, AnswerBytes)
		return a
	}
	ctx, cancel := context.WithTimeout(context.Background(), openapi.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, it.d.URL, strings.NewReader(string(it.d.Body)))
	if err != nil {
		a.Error = err.Error()
		return a
	}
	for name, v := range headers {
		req.Header.Set(name, v)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		a.Error = deliveryError(d.targets, err)
		return a
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, AnswerBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	a.StatusCode = resp.StatusCode
	a.Answer = string(b)
	return a
}

// attempt sends it (twice under the duplicate fault) and records the
// outcome: delivered on 200, else the next retry on Toss's schedule or, after
// the last, failed.
func (d *Dispatcher) attempt(it *whItem, retried int) {
	a := d.post(it, retried, false)
	var dupA *Attempt
	if it.dup && retried == 0 {
		x := d.post(it, retried, true)
		dupA = &x
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stats.Attempts++
	it.d.Attempts = append(it.d.Attempts, a)
	if dupA != nil {
		d.stats.Attempts++
		it.d.Attempts = append(it.d.Attempts, *dupA)
	}
	it.inFlight = false
	it.tenant.inFlight--
	d.inFlight--
	defer d.signal()
	if retried == 0 {
		d.release(it)
	}
	if it.done { // dropped or abandoned meanwhile
		return
	}
	switch {
	case a.StatusCode == http.StatusOK:
		d.finish(it, Delivered)
		d.stats.Delivered++
	case retried >= len(openapi.WebhookRetryIntervals) || d.closed:
		if d.closed {
			d.finish(it, Abandoned)
			d.stats.Abandoned++
			return
		}
		d.finish(it, Failed)
		d.stats.Failed++
	default:
		d.retryAt(it, retried)
		heap.Push(&d.queue, it)
	}
}

// release lets the deliveries of it's key held by the out-of-order fault
// go, now that a later one has been sent; the caller holds d.mu.
func (d *Dispatcher) release(it *whItem) {
	now := d.clock.Now()
	for _, o := range it.tenant.items {
		if o != it && o.held && !o.inFlight && !o.done && o.d.EventSeq <= it.d.EventSeq && o.index >= 0 {
			o.held = false
			o.due = now
			heap.Fix(&d.queue, o.index)
		}
	}
}

// Forget drops the deliveries kept for key (its tenant was dropped, idle
// the longest): those waiting are dropped and counted, those being sent
// end as they end. A registered URL stays.
func (d *Dispatcher) Forget(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tenants[key]
	if t == nil {
		return
	}
	for d.forgetOldest(t) {
	}
	if t.url == "" && len(t.items) == 0 {
		d.unlinkUse(t)
		delete(d.tenants, key)
	}
}

// SetURL registers key's webhook URL ("" removes it).
func (d *Dispatcher) SetURL(key, u string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u == "" {
		if t := d.tenants[key]; t != nil {
			t.url = ""
		}
		return
	}
	d.tenant(key).url = u
	if !d.closed {
		d.start() // expiries are announced even before any other event
	}
}

func (d *Dispatcher) Deliveries(key, paymentKey string) []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tenants[key]
	if t == nil {
		return nil
	}
	out := make([]Delivery, 0, len(t.items))
	off := d.offsetOf(key)
	for _, it := range t.items {
		if paymentKey != "" && it.d.PaymentKey != paymentKey {
			continue
		}
		out = append(out, d.copyOf(it, off))
	}
	return out
}

func (d *Dispatcher) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	for _, t := range d.tenants {
		s.Pending += t.pending
	}
	return s
}

// Close stops the worker: what is due now is attempted once more (until
// ctx ends); what is still waiting after that is abandoned and counted.
func (d *Dispatcher) Close(ctx context.Context) Stats {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return d.Stats()
	}
	d.closed = true
	started := d.started
	d.mu.Unlock()
	d.listen.Close()
	if started {
		close(d.stop)
		<-d.loopDone
	}
	// The attempts under way end within openapi.WebhookTimeout, or with ctx.
	waited := make(chan struct{})
	go func() { d.attempts.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
	}
	// Send what is due now, once each, within the in-flight limit.
	d.mu.Lock()
	now := d.clock.Now()
	var due []*whItem
	for d.queue.Len() > 0 && !d.queue[0].due.After(now) {
		it := heap.Pop(&d.queue).(*whItem)
		if ctx.Err() == nil {
			due = append(due, it)
		} else {
			heap.Push(&d.queue, it)
			break
		}
	}
	d.mu.Unlock()
	sem := make(chan struct{}, webhookInFlight)
	var wg sync.WaitGroup
	for _, it := range due {
		if ctx.Err() != nil {
			d.mu.Lock()
			heap.Push(&d.queue, it)
			d.mu.Unlock()
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		d.mu.Lock()
		it.inFlight = true
		it.tenant.inFlight++
		d.inFlight++
		retried := len(realAttempts(it.d.Attempts))
		d.mu.Unlock()
		go func() {
			defer func() { <-sem; wg.Done() }()
			d.attempt(it, retried)
		}()
	}
	wg.Wait()
	d.mu.Lock()
	for d.queue.Len() > 0 {
		it := d.queue[0]
		d.finish(it, Abandoned)
		d.stats.Abandoned++
	}
	d.mu.Unlock()
	d.client.CloseIdleConnections()
	return d.Stats()
}
