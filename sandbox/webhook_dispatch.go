package sandbox

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
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

// Webhook delivery: every state change Toss announces is POSTed to the
// secret key's webhook URL, with Toss's headers, and sent again on Toss's
// schedule until it is answered 200 (docs/webhooks.md §1 and §6). A
// worker sends them from a bounded outbox per key: the API never waits for
// a receiver.

// The webhook event types the sandbox sends. PAYMENT_STATUS_CHANGED is the
// spec's eventType; a DEPOSIT_CALLBACK body carries none, so its name is
// only Toss's docs' (docs/webhooks.md).
const (
	WebhookPaymentStatusChanged = string(payments.WebhookPaymentStatusChanged)
	WebhookDepositCallback      = string(payments.WebhookDepositCallback)
)

// The headers Toss sends with each webhook.
//
// Deprecated: use openapi.HeaderWebhookTransmissionID and its siblings,
// where Toss's facts live.
const (
	WebhookTransmissionIDHeader           = openapi.HeaderWebhookTransmissionID
	WebhookTransmissionTimeHeader         = openapi.HeaderWebhookTransmissionTime
	WebhookTransmissionRetriedCountHeader = openapi.HeaderWebhookTransmissionRetriedCount
)

// WebhookRetryIntervals is Toss's schedule, as openapi.WebhookRetryIntervals.
//
// Deprecated: use openapi.WebhookRetryIntervals.
var WebhookRetryIntervals = openapi.WebhookRetryIntervals

// Limits and timings of webhook delivery.
const (
	// WebhookTimeout is how long a receiver has to answer.
	//
	// Deprecated: use openapi.WebhookTimeout.
	WebhookTimeout = openapi.WebhookTimeout
	// WebhookAnswerBytes is how much of a receiver's answer a delivery
	// keeps (WebhookAttempt.Answer).
	WebhookAnswerBytes = 512
	// DefaultWebhookDeliveriesPerKey is how many deliveries (with their
	// attempts) a secret key keeps, sent or waiting; past it the key's
	// oldest are forgotten, and one still waiting is dropped (counted).
	DefaultWebhookDeliveriesPerKey = 256
	// DefaultWebhookDeliveries bounds the deliveries kept over all keys;
	// past it the key holding the most forgets its oldest.
	DefaultWebhookDeliveries = 16384
	// webhookInFlightPerKey and webhookInFlight bound the attempts under way
	// at once, for one key and for the sandbox: a dead receiver holds at
	// most webhookInFlightPerKey workers, never the others' deliveries.
	webhookInFlightPerKey = 2
	webhookInFlight       = 64
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

// WithWebhookURL sets the webhook URL of every secret key that has not
// registered its own ("tosspay sandbox --webhook-url").
func WithWebhookURL(u string) Option {
	return func(cfg *config) error {
		if err := checkWebhookURL(u); err != nil {
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
		if err := r.validate(); err != nil {
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

func checkWebhookURL(raw string) error {
	if raw == ListenWebhookURL {
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

// WebhookState is where a delivery stands.
type WebhookState string

// The states of a delivery.
const (
	// WebhookPending: waiting for its first attempt or a retry
	// (Toss's "전송 중").
	WebhookPending WebhookState = "PENDING"
	// WebhookDelivered: answered 200.
	WebhookDelivered WebhookState = "DELIVERED"
	// WebhookFailed: the eighth attempt was not answered 200 (Toss's "실패").
	WebhookFailed WebhookState = "FAILED"
	// WebhookDropped: forgotten while waiting, to keep its key within its
	// limits.
	WebhookDropped WebhookState = "DROPPED"
	// WebhookAbandoned: the sandbox stopped before the delivery was done;
	// Close says how many.
	WebhookAbandoned WebhookState = "ABANDONED"
)

// WebhookAttempt is one POST of a delivery and its answer.
type WebhookAttempt struct {
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

// WebhookDelivery is one webhook event for one secret key: its body, where
// it went, and every attempt with its answer.
type WebhookDelivery struct {
	// TransmissionID is the tosspayments-webhook-transmission-id, the same
	// on every attempt.
	TransmissionID string `json:"transmissionId"`
	// EventType is PAYMENT_STATUS_CHANGED or DEPOSIT_CALLBACK.
	EventType string `json:"eventType"`
	// EventSeq is the Seq of the sandbox Event the delivery announces.
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
	State         WebhookState `json:"state"`
	NextAttemptAt *time.Time   `json:"nextAttemptAt,omitempty"`
	// Faults are the webhook faults it met.
	Faults   []string         `json:"faults,omitempty"`
	Attempts []WebhookAttempt `json:"attempts"`
}

// WebhookStats counts webhook deliveries over the sandbox's life.
type WebhookStats struct {
	// Enqueued deliveries, attempts made (duplicates included), deliveries
	// answered 200, given up after the last retry, dropped to keep a key
	// within its limits, and abandoned at Close.
	Enqueued, Attempts, Delivered, Failed, Dropped, Abandoned int64
	// Pending is how many wait for an attempt now.
	Pending int
}

type whItem struct {
	d        *WebhookDelivery
	tenant   *whTenant
	due      time.Time
	index    int // in the heap; -1 when not in it
	inFlight bool
	held     bool // out-of-order: waits for a later delivery of its key
	dup      bool // duplicate: the first attempt is sent twice
	done     bool // delivered, failed, dropped or abandoned
}

type whTenant struct {
	key      string
	url      string // registered; "" uses the default
	items    []*whItem
	inFlight int
	pending  int
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

// dispatcher is the webhook outbox and its worker.
type dispatcher struct {
	clock      Clock
	client     *http.Client
	targets    WebhookTargets
	listen     *listenHub
	scale      float64
	defaultURL string
	perKey     int
	total      int

	mu       sync.Mutex // guards everything below
	tenants  map[string]*whTenant
	queue    whHeap
	items    int
	inFlight int
	rng      *rand.Rand
	rates    WebhookFaultRates
	stats    WebhookStats
	started  bool
	closed   bool
	wake     chan struct{}
	stop     chan struct{}
	loopDone chan struct{}
	attempts sync.WaitGroup

	// sweep applies the time-driven transitions to every payment (the
	// store's), so that an expiry is announced without a look-up; the
	// worker runs it every sweepEvery of the clock, holding no lock.
	sweep     func()
	lastSweep time.Time
}

// sweepEvery is how often (on the sandbox's clock) the webhook worker looks
// for payments that expired with nobody asking, to announce them.
const sweepEvery = time.Second

func newDispatcher(cfg config) *dispatcher {
	client := cfg.webhookClient // set by New (webhookClient)
	scale := cfg.webhookScale
	if scale == 0 {
		scale = 1
	}
	perKey, total := cfg.webhookPerKey, cfg.webhookTotal
	if perKey == 0 {
		perKey, total = DefaultWebhookDeliveriesPerKey, DefaultWebhookDeliveries
	}
	return &dispatcher{
		clock: cfg.clock, client: client, targets: cfg.webhookTargets, listen: newListenHub(), scale: scale, defaultURL: cfg.webhookURL,
		perKey: perKey, total: total,
		tenants: map[string]*whTenant{},
		rng:     rand.New(rand.NewPCG(cfg.seed, 0x3eb400c)),
		rates:   cfg.webhookFaults,
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
}

func (d *dispatcher) scaled(t time.Duration) time.Duration {
	return time.Duration(float64(t) * d.scale)
}

// urlOf returns the URL the key's webhooks go to; the caller holds d.mu.
func (d *dispatcher) urlOf(key string) string {
	if t := d.tenants[key]; t != nil && t.url != "" {
		return t.url
	}
	return d.defaultURL
}

// sending reports whether key's webhooks go anywhere.
func (d *dispatcher) sending(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.closed && d.urlOf(key) != ""
}

// createdAt formats t as Toss's webhook createdAt: Korean time without an
// offset, six fractional digits (W1).
func createdAt(t time.Time) string {
	return t.In(tosstime.Seoul).Format("2006-01-02T15:04:05.000000")
}

func webhookBody(typ string, e Event, p *generated.Payment) ([]byte, error) {
	switch typ {
	case WebhookDepositCallback:
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
		}{WebhookPaymentStatusChanged, createdAt(e.At), p})
	}
}

// enqueue puts the webhooks of e in key's outbox. It never blocks on I/O.
// The types are those of e's row of payments.Transitions.
func (d *dispatcher) enqueue(key string, e Event, types []payments.Webhook, p *generated.Payment, fault WebhookFault) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.urlOf(key)
	if d.closed || u == "" {
		return
	}
	t := d.tenant(key)
	now := d.clock.Now()
	for _, wt := range types {
		typ := string(wt)
		body, err := webhookBody(typ, e, p)
		if err != nil {
			continue
		}
		f := fault
		if f == (WebhookFault{}) {
			f = d.roll()
		}
		it := &whItem{
			d: &WebhookDelivery{
				TransmissionID: "whtrans_" + d.id(),
				EventType:      typ, EventSeq: e.Seq, PaymentKey: e.PaymentKey, OrderID: e.OrderID, Status: p.Status,
				URL: u, Body: body, State: WebhookPending, Faults: f.names(), Attempts: []WebhookAttempt{},
			},
			tenant: t, due: now.Add(f.Delay), index: -1, held: f.OutOfOrder, dup: f.Duplicate,
		}
		if it.held {
			it.due = now.Add(d.scaled(webhookFaultHold))
		}
		d.stats.Enqueued++
		t.items = append(t.items, it)
		t.pending++
		d.items++
		heap.Push(&d.queue, it)
		d.trim(t)
	}
	d.start()
	d.signal()
}

// roll draws a random fault for one delivery; the caller holds d.mu.
func (d *dispatcher) roll() WebhookFault {
	r := d.rates
	if r.Duplicate+r.OutOfOrder+r.Delay == 0 {
		return WebhookFault{}
	}
	u := d.rng.Float64()
	switch {
	case u < r.Duplicate:
		return WebhookFault{Duplicate: true}
	case u < r.Duplicate+r.OutOfOrder:
		return WebhookFault{OutOfOrder: true}
	case u < r.Duplicate+r.OutOfOrder+r.Delay:
		return WebhookFault{Delay: d.scaled(webhookFaultHold)}
	}
	return WebhookFault{}
}

func (d *dispatcher) id() string {
	const lower = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 26)
	for i := range b {
		b[i] = lower[d.rng.IntN(len(lower))]
	}
	return string(b)
}

// tenant returns key's record, making room among the keys; the caller holds d.mu.
func (d *dispatcher) tenant(key string) *whTenant {
	t := d.tenants[key]
	if t != nil {
		return t
	}
	if len(d.tenants) >= maxWebhookTenants {
		for k, o := range d.tenants {
			if o.pending == 0 && o.inFlight == 0 {
				d.items -= len(o.items)
				delete(d.tenants, k)
				break
			}
		}
	}
	t = &whTenant{key: key}
	d.tenants[key] = t
	return t
}

// trim keeps t within its limit and the sandbox within its own, forgetting
// the oldest deliveries that are not being sent; the caller holds d.mu.
func (d *dispatcher) trim(t *whTenant) {
	for len(t.items) > d.perKey && d.forgetOldest(t) {
	}
	for d.items > d.total {
		var big *whTenant
		for _, o := range d.tenants {
			if big == nil || len(o.items) > len(big.items) {
				big = o
			}
		}
		if big == nil || !d.forgetOldest(big) {
			return
		}
	}
}

func (d *dispatcher) forgetOldest(t *whTenant) bool {
	for i, it := range t.items {
		if it.inFlight {
			continue
		}
		if !it.done {
			d.finish(it, WebhookDropped)
			d.stats.Dropped++
		}
		t.items = append(t.items[:i:i], t.items[i+1:]...)
		d.items--
		return true
	}
	return false
}

// finish ends it in state; the caller holds d.mu.
func (d *dispatcher) finish(it *whItem, state WebhookState) {
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

func (d *dispatcher) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// start runs the worker once there is something to send; the caller holds d.mu.
func (d *dispatcher) start() {
	if d.started {
		return
	}
	d.started = true
	d.loopDone = make(chan struct{})
	go d.run()
}

// clockNotifier is a Clock that says when it moves (FakeClock does), so the
// worker sends what an Advance made due without waiting in real time.
type clockNotifier interface {
	moved() <-chan struct{}
}

func (d *dispatcher) run() {
	defer close(d.loopDone)
	for {
		var moved <-chan struct{}
		if n, ok := d.clock.(clockNotifier); ok {
			moved = n.moved()
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
func (d *dispatcher) startDue(now time.Time) time.Time {
	var blocked []*whItem
	var next time.Time
	for d.queue.Len() > 0 {
		it := d.queue[0]
		if it.due.After(now) {
			next = it.due
			break
		}
		heap.Pop(&d.queue)
		if it.tenant.inFlight >= webhookInFlightPerKey || d.inFlight >= webhookInFlight {
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

// launch sends it in its own goroutine; the caller holds d.mu.
func (d *dispatcher) launch(it *whItem) {
	it.inFlight = true
	it.tenant.inFlight++
	d.inFlight++
	retried := len(realAttempts(it.d.Attempts))
	it.held = false
	d.attempts.Add(1)
	go func() {
		defer d.attempts.Done()
		d.attempt(it, retried)
	}()
}

func realAttempts(as []WebhookAttempt) []WebhookAttempt {
	n := 0
	for _, a := range as {
		if !a.Duplicate {
			n++
		}
	}
	return as[:n:n]
}

// post sends one attempt and returns what happened.
func (d *dispatcher) post(it *whItem, retried int, dup bool) WebhookAttempt {
	at := d.clock.Now()
	a := WebhookAttempt{RetriedCount: retried, At: at, Duplicate: dup}
	headers := map[string]string{
		"Content-Type":                        "application/json",
		"User-Agent":                          "TossPayments-Sandbox-Webhook/1",
		WebhookTransmissionIDHeader:           it.d.TransmissionID,
		WebhookTransmissionTimeHeader:         at.In(tosstime.Seoul).Format(time.RFC3339),
		WebhookTransmissionRetriedCountHeader: strconv.Itoa(retried),
	}
	if it.d.URL == ListenWebhookURL {
		ans, err := d.listen.deliver(&pulled{
			key:    it.tenant.key,
			a:      ListenedAttempt{ID: newAttemptID(), Headers: headers, Body: it.d.Body},
			answer: make(chan ListenedAnswer, 1),
		}, WebhookTimeout)
		if err != nil {
			a.Error = err.Error()
			return a
		}
		a.StatusCode, a.Error, a.Answer = ans.Status, clip(ans.Error, WebhookAnswerBytes), clip(ans.Answer, WebhookAnswerBytes)
		return a
	}
	ctx, cancel := context.WithTimeout(context.Background(), WebhookTimeout)
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
	b, _ := io.ReadAll(io.LimitReader(resp.Body, WebhookAnswerBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	a.StatusCode = resp.StatusCode
	a.Answer = string(b)
	return a
}

// attempt sends it (twice under the duplicate fault) and records the
// outcome: delivered on 200, else the next retry on Toss's schedule or, after
// the last, failed.
func (d *dispatcher) attempt(it *whItem, retried int) {
	a := d.post(it, retried, false)
	var dupA *WebhookAttempt
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
		d.finish(it, WebhookDelivered)
		d.stats.Delivered++
	case retried >= len(openapi.WebhookRetryIntervals) || d.closed:
		if d.closed {
			d.finish(it, WebhookAbandoned)
			d.stats.Abandoned++
			return
		}
		d.finish(it, WebhookFailed)
		d.stats.Failed++
	default:
		it.due = d.clock.Now().Add(d.scaled(openapi.WebhookRetryIntervals[retried]))
		due := it.due
		it.d.NextAttemptAt = &due
		heap.Push(&d.queue, it)
	}
}

// release lets the deliveries of it's key held by the out-of-order fault
// go, now that a later one has been sent; the caller holds d.mu.
func (d *dispatcher) release(it *whItem) {
	now := d.clock.Now()
	for _, o := range it.tenant.items {
		if o != it && o.held && !o.inFlight && !o.done && o.d.EventSeq <= it.d.EventSeq && o.index >= 0 {
			o.held = false
			o.due = now
			heap.Fix(&d.queue, o.index)
		}
	}
}

// setURL registers key's webhook URL ("" removes it).
func (d *dispatcher) setURL(key, u string) {
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

func (d *dispatcher) deliveries(key, paymentKey string) []WebhookDelivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tenants[key]
	if t == nil {
		return nil
	}
	out := make([]WebhookDelivery, 0, len(t.items))
	for _, it := range t.items {
		if paymentKey != "" && it.d.PaymentKey != paymentKey {
			continue
		}
		c := *it.d
		c.Attempts = append([]WebhookAttempt{}, it.d.Attempts...)
		c.Faults = append([]string(nil), it.d.Faults...)
		if c.NextAttemptAt != nil {
			n := *c.NextAttemptAt
			c.NextAttemptAt = &n
		}
		if c.State == WebhookPending && c.NextAttemptAt == nil && !it.inFlight {
			n := it.due
			c.NextAttemptAt = &n
		}
		out = append(out, c)
	}
	return out
}

func (d *dispatcher) statsNow() WebhookStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	for _, t := range d.tenants {
		s.Pending += t.pending
	}
	return s
}

// close stops the worker: what is due now is attempted once more (until
// ctx ends); what is still waiting after that is abandoned and counted.
func (d *dispatcher) close(ctx context.Context) WebhookStats {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return d.statsNow()
	}
	d.closed = true
	started := d.started
	d.mu.Unlock()
	d.listen.close()
	if started {
		close(d.stop)
		<-d.loopDone
	}
	// The attempts under way end within WebhookTimeout, or with ctx.
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
		d.finish(it, WebhookAbandoned)
		d.stats.Abandoned++
	}
	d.mu.Unlock()
	d.client.CloseIdleConnections()
	return d.statsNow()
}

// SetWebhookURL registers where secretKey's webhooks go, as a merchant does
// in the developer center (one URL per key, W2); "" removes it (the
// sandbox's default URL, if any, applies again). Only absolute http(s)
// URLs are taken.
func (s *Sandbox) SetWebhookURL(secretKey, u string) error {
	if u != "" {
		if err := checkWebhookURL(u); err != nil {
			return err
		}
		if err := checkTarget(s.wh.targets, u); err != nil {
			return err
		}
	}
	s.wh.setURL(secretKey, u)
	return nil
}

// WebhookURL returns where secretKey's webhooks go: its registered URL, or
// the sandbox's default, or "" when they go nowhere.
func (s *Sandbox) WebhookURL(secretKey string) string {
	s.wh.mu.Lock()
	defer s.wh.mu.Unlock()
	return s.wh.urlOf(secretKey)
}

// WebhookDeliveries returns secretKey's deliveries, oldest first (only those
// of paymentKey unless it is ""), with every attempt and answer: the
// latest DefaultWebhookDeliveriesPerKey (WithWebhookLimits).
func (s *Sandbox) WebhookDeliveries(secretKey, paymentKey string) []WebhookDelivery {
	return s.wh.deliveries(secretKey, paymentKey)
}

// WebhookStats counts the webhook deliveries so far.
func (s *Sandbox) WebhookStats() WebhookStats { return s.wh.statsNow() }

// CloseWebhooks stops webhook delivery: the deliveries due now are sent
// once more within ctx; every delivery still waiting (a retry not yet due,
// or one ctx left no time for) is abandoned and counted in the returned
// stats' Abandoned. Call it after the HTTP server has shut down; events
// after it send nothing.
func (s *Sandbox) CloseWebhooks(ctx context.Context) WebhookStats { return s.wh.close(ctx) }
