package sandbox

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// ListenWebhookURL is the webhook "URL" of a key whose webhooks are pulled
// by a listener ("tosspay listen --forward-to URL") instead of POSTed: the
// sandbox hands each attempt to the key's listener through
// GET /sandbox/v1/webhook-listen, the listener forwards it to the app and
// reports the app's answer through POST /sandbox/v1/webhook-listen/{id},
// and the attempt counts as if the sandbox had POSTed it (200 delivered,
// anything else retried on Toss's schedule). An attempt that no listener
// takes, or whose answer is not reported, within WebhookTimeout fails. So
// an app behind NAT, or on a private network that a shared sandbox does not
// deliver to (WebhookTargetsPublic), still gets its webhooks.
const ListenWebhookURL = "listen:"

const (
	// listenWaitDefault and listenWaitMax bound how long GET
	// /sandbox/v1/webhook-listen waits for an attempt (?wait=seconds).
	listenWaitDefault = 25 * time.Second
	listenWaitMax     = 60 * time.Second
)

// ListenedAttempt is the answer of GET /sandbox/v1/webhook-listen: one
// attempt to forward, with the headers and body the sandbox would POST.
type ListenedAttempt struct {
	// ID names the attempt in the report of its answer.
	ID string `json:"id"`
	// Headers are the attempt's HTTP headers (Content-Type, User-Agent and
	// Toss's three transmission headers).
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

// listenWaitsPerKey and listenWaits bound the listeners waiting at once:
// per key (a further GET ends the key's oldest wait, answered 204, so a
// restarted listener is never locked out by its predecessor's abandoned
// poll) and in all (a further GET is answered 429), so that long polls
// cannot hold the connections a shared sandbox serves everyone with.
const (
	listenWaitsPerKey = 2
	listenWaits       = 256
)

// listenHub hands attempts from the dispatcher to the listeners of each key.
type listenHub struct {
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

func newListenHub() *listenHub {
	return &listenHub{keys: map[string]*listenQueue{}, pending: map[string]*pulled{}, closed: make(chan struct{})}
}

// close ends the waits of the listeners and the hand-overs under way.
func (h *listenHub) close() { h.once.Do(func() { close(h.closed) }) }

// queue returns key's queue, counted until release; the caller holds h.mu.
// Entries without a user are removed, so the map holds only keys in use.
func (h *listenHub) queue(key string) *listenQueue {
	q := h.keys[key]
	if q == nil {
		q = &listenQueue{ch: make(chan *pulled)}
		h.keys[key] = q
	}
	q.refs++
	return q
}

// release undoes queue; the caller holds h.mu.
func (h *listenHub) release(key string) {
	if q := h.keys[key]; q != nil {
		if q.refs--; q.refs == 0 {
			delete(h.keys, key)
		}
	}
}

var (
	errNoListener     = errors.New("no listener took the attempt within " + WebhookTimeout.String() + " (run tosspay listen --forward-to URL with this key)")
	errListenerSilent = errors.New("the listener did not report the app's answer within " + WebhookTimeout.String())
	errListenClosed   = errors.New("the sandbox stopped before a listener answered")
	errTooManyWaits   = errors.New("too many listeners are waiting on this sandbox")
)

// deliver offers p to a listener of p.key and waits for the app's answer,
// timeout in all. The attempt is pending from the offer on, so that its
// answer can be taken whenever the listener got it.
func (h *listenHub) deliver(p *pulled, timeout time.Duration) (ListenedAnswer, error) {
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
func (h *listenHub) take(key string, wait time.Duration, done <-chan struct{}) (*pulled, error) {
	h.mu.Lock()
	if h.waits >= listenWaits {
		h.mu.Unlock()
		return nil, errTooManyWaits
	}
	q := h.queue(key)
	kick := make(chan struct{})
	q.waiter = append(q.waiter, kick)
	if len(q.waiter) > listenWaitsPerKey {
		close(q.waiter[0])
		q.waiter = q.waiter[1:]
	}
	h.waits++
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.waits--
		if i := slices.Index(q.waiter, kick); i >= 0 {
			q.waiter = slices.Delete(q.waiter, i, i+1)
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

// report passes the app's answer to the attempt id of key's; false when
// there is no such attempt waiting (unknown, another key's, or timed out).
func (h *listenHub) report(key, id string, ans ListenedAnswer) bool {
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

// webhookListenHandler: GET /sandbox/v1/webhook-listen[?wait=seconds]
// answers the next attempt of the key's webhooks (200 ListenedAttempt) or,
// when none comes within the wait, 204.
func (s *Sandbox) webhookListenHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	wait := listenWaitDefault
	if v := r.URL.Query().Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || time.Duration(n)*time.Second > listenWaitMax {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r),
				"wait: want whole seconds from 0 to "+strconv.Itoa(int(listenWaitMax/time.Second))+".")
			return
		}
		wait = time.Duration(n) * time.Second
	}
	p, err := s.wh.listen.take(ci.secretKey, wait, r.Context().Done())
	if err != nil {
		w.Header().Set("Retry-After", "1")
		s.writeError(w, http.StatusTooManyRequests, generated.ErrorCodeTooManyRequests, langOf(r),
			strconv.Itoa(listenWaits)+" listeners are waiting on this sandbox already; try again.")
		return
	}
	if p == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, p.a)
}

// webhookListenReportHandler: POST /sandbox/v1/webhook-listen/{id} with a
// ListenedAnswer records the app's answer to the attempt (204), or 404
// NOT_FOUND when no attempt of the key's by that id is waiting for one.
func (s *Sandbox) webhookListenReportHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSandboxAPIBody+1))
	var ans ListenedAnswer
	if err != nil || len(body) > maxSandboxAPIBody || json.Unmarshal(body, &ans) != nil || ans.Status < 0 || ans.Status > 999 {
		s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r), `body: want {"status": 200, "answer": "..."} (at most 16 KiB).`)
		return
	}
	if !s.wh.listen.report(ci.secretKey, r.PathValue("id"), ans) {
		s.writeError(w, http.StatusNotFound, generated.ErrorCodeNotFound, langOf(r), "No attempt of this key by that id is waiting for its answer (it timed out, was reported, or is another key's).")
		return
	}
	w.WriteHeader(http.StatusNoContent)
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

// StopListeners ends the waits of the webhook listeners (their GET
// /sandbox/v1/webhook-listen answers 204 at once, from then on) and fails
// the hand-overs under way; CloseWebhooks does it too. Call it before
// http.Server.Shutdown, which otherwise waits for the listeners' long polls
// (Server.RegisterOnShutdown(sb.StopListeners)).
func (s *Sandbox) StopListeners() { s.wh.listen.close() }
