package webhooks

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// ListenURL is the webhook "URL" of a key whose webhooks are pulled
// by a listener ("tosspay listen --forward-to URL") instead of POSTed: the
// sandbox hands each attempt to the key's listener through
// GET /sandbox/v1/webhook-listen, the listener forwards it to the app and
// reports the app's answer through POST /sandbox/v1/webhook-listen/{id},
// and the attempt counts as if the sandbox had POSTed it (200 delivered,
// anything else retried on Toss's schedule). An attempt that no listener
// takes, or whose answer is not reported, within openapi.WebhookTimeout fails. So
// an app behind NAT, or on a private network that a shared sandbox does not
// deliver to (TargetsPublic), still gets its webhooks.
const ListenURL = "listen:"

// ListenedAttempt is the answer of GET /sandbox/v1/webhook-listen: one
// attempt to forward, with the headers and body the sandbox would POST.
type ListenedAttempt struct {
	// ID names the attempt in the report of its answer.
	ID string `json:"id"`
	// Headers are the attempt's HTTP headers (Content-Type, User-Agent,
	// Toss's three transmission headers and, on a signed event, the
	// signature over the body and this attempt's transmission time).
	Headers map[string]string `json:"headers"`
	// Body is the webhook's JSON body.
	Body json.RawMessage `json:"body"`
}

// ListenedAnswer is the body of POST /sandbox/v1/webhook-listen/{id}: what
// the app answered the forwarded attempt (Status 0 with Error when it did
// not answer).
type ListenedAnswer struct {
	Status int    `json:"status"`
	Answer string `json:"answer,omitempty"`
	Error  string `json:"error,omitempty"`
}

// listenWaitsPerKey and MaxListenWaits bound the listeners waiting at once:
// per key (a further GET ends the key's oldest wait, answered 204, so a
// restarted listener is never locked out by its predecessor's abandoned
// poll) and in all, so that long polls cannot hold the connections a shared
// sandbox serves everyone with. At the global bound a further GET still
// waits: a key already waiting ends its own oldest wait; a key not waiting
// yet ends another key's, that of a key waiting twice first, else any (its
// listener polls again at once). So no number of keys can lock a new
// listener out.
const (
	listenWaitsPerKey = 2
	MaxListenWaits    = 256
)

// Hub hands attempts from the Dispatcher to the listeners of each key.
type Hub struct {
	mu      sync.Mutex
	keys    map[string]*listenQueue // keys with a listener waiting or an attempt being handed over
	pending map[string]*pulled      // attempts offered or taken, by id, until answered or timed out
	waits   int                     // listeners waiting, all keys
	closed  chan struct{}           // closed when the webhooks are closed: listeners stop waiting
	once    sync.Once
}

type listenQueue struct {
	ch     chan *pulled
	refs   int
	waiter []chan struct{} // the waiting listeners' kick channels, oldest first
}

// pulled is one attempt handed to a listener.
type pulled struct {
	key    string
	a      ListenedAttempt
	answer chan ListenedAnswer // buffered: the report never blocks
}

func NewHub() *Hub {
	return &Hub{keys: map[string]*listenQueue{}, pending: map[string]*pulled{}, closed: make(chan struct{})}
}

// Close ends the waits of the listeners and the hand-overs under way.
func (h *Hub) Close() { h.once.Do(func() { close(h.closed) }) }

// queue returns key's queue, counted until release; the caller holds h.mu.
// Entries without a user are removed, so the map holds only keys in use.
func (h *Hub) queue(key string) *listenQueue {
	q := h.keys[key]
	if q == nil {
		q = &listenQueue{ch: make(chan *pulled)}
		h.keys[key] = q
	}
	q.refs++
	return q
}

// release undoes queue; the caller holds h.mu.
func (h *Hub) release(key string) {
	if q := h.keys[key]; q != nil {
		if q.refs--; q.refs == 0 {
			delete(h.keys, key)
		}
	}
}

var (
	errNoListener     = errors.New("no listener took the attempt within " + openapi.WebhookTimeout.String() + " (run tosspay listen --forward-to URL with this key)")
	errListenerSilent = errors.New("the listener did not report the app's answer within " + openapi.WebhookTimeout.String())
	errListenClosed   = errors.New("the sandbox stopped before a listener answered")
	errTooManyWaits   = errors.New("too many listeners are waiting on this sandbox")
)

// deliver offers p to a listener of p.key and waits for the app's answer,
// timeout in all. The attempt is pending from the offer on, so that its
// answer can be taken whenever the listener got it.
func (h *Hub) deliver(p *pulled, timeout time.Duration) (ListenedAnswer, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	h.mu.Lock()
	h.pending[p.a.ID] = p
	ch := h.queue(p.key).ch
	h.mu.Unlock()
	var err error
	select {
	case ch <- p:
	case <-t.C:
		err = errNoListener
	case <-h.closed:
		err = errListenClosed
	}
	h.mu.Lock()
	h.release(p.key)
	h.mu.Unlock()
	if err == nil {
		select {
		case ans := <-p.answer:
			return ans, nil
		case <-t.C:
			err = errListenerSilent
		case <-h.closed:
			err = errListenClosed
		}
	}
	h.mu.Lock()
	_, unanswered := h.pending[p.a.ID]
	delete(h.pending, p.a.ID)
	h.mu.Unlock()
	if !unanswered {
		// The answer was reported as the wait ended: it is in the channel.
		return <-p.answer, nil
	}
	return ListenedAnswer{}, err
}

// take waits up to wait (or until done, a newer wait of the key ends it, or
// the hub closes) for an attempt of key's; nil when none came.
func (h *Hub) take(key string, wait time.Duration, done <-chan struct{}) (*pulled, error) {
	h.mu.Lock()
	q := h.queue(key)
	if len(q.waiter) >= listenWaitsPerKey || (h.waits >= MaxListenWaits && len(q.waiter) > 0) {
		h.endOldestWait(q) // the key's own
	}
	if h.waits >= MaxListenWaits {
		if v := h.roomFor(q); v != nil {
			h.endOldestWait(v)
		} else {
			h.release(key)
			h.mu.Unlock()
			return nil, errTooManyWaits
		}
	}
	kick := make(chan struct{})
	q.waiter = append(q.waiter, kick)
	h.waits++
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		if i := slices.Index(q.waiter, kick); i >= 0 {
			q.waiter = slices.Delete(q.waiter, i, i+1)
			h.waits--
		}
		h.release(key)
		h.mu.Unlock()
	}()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case p := <-q.ch:
		return p, nil
	case <-t.C:
	case <-done:
	case <-kick:
	case <-h.closed:
	}
	return nil, nil
}

// endOldestWait ends q's oldest wait (its GET answers 204); the caller
// holds h.mu.
func (h *Hub) endOldestWait(q *listenQueue) {
	if len(q.waiter) == 0 {
		return
	}
	close(q.waiter[0])
	q.waiter = slices.Delete(q.waiter, 0, 1)
	h.waits--
}

// roomFor picks the key whose wait ends to make room for one of q's: one
// waiting more than once, else any other waiting; nil when none (every
// wait is q's). The caller holds h.mu; the map holds at most the waiting
// keys and those with an attempt being handed over.
func (h *Hub) roomFor(q *listenQueue) *listenQueue {
	var any *listenQueue
	for _, v := range h.keys {
		if v == q || len(v.waiter) == 0 {
			continue
		}
		if len(v.waiter) > 1 {
			return v
		}
		if any == nil {
			any = v
		}
	}
	return any
}

// Take waits up to wait (or until done, a newer wait of the key ends it,
// or the hub closes) for an attempt of key's, and returns it; nil when none
// came. It fails only when MaxListenWaits waits are all the key's own,
// which listenWaitsPerKey rules out.
func (h *Hub) Take(key string, wait time.Duration, done <-chan struct{}) (*ListenedAttempt, error) {
	p, err := h.take(key, wait, done)
	if p == nil {
		return nil, err
	}
	return &p.a, nil
}

// Report passes the app's answer to the attempt id of key's; false when
// there is no such attempt waiting (unknown, another key's, or timed out).
func (h *Hub) Report(key, id string, ans ListenedAnswer) bool { return h.report(key, id, ans) }

// report passes the app's answer to the attempt id of key's; false when
// there is no such attempt waiting (unknown, another key's, or timed out).
func (h *Hub) report(key, id string, ans ListenedAnswer) bool {
	h.mu.Lock()
	p := h.pending[id]
	if p == nil || p.key != key {
		h.mu.Unlock()
		return false
	}
	delete(h.pending, id)
	h.mu.Unlock()
	p.answer <- ans
	return true
}

// newAttemptID names a handed-over attempt: random, so that no key can
// guess another's.
func newAttemptID() string { return rand.Text() }

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
