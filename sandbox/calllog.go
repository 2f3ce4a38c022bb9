package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Call is one API request of a secret key as the sandbox answered it: what
// the dashboard shows of it in a payment's timeline. It holds no body, no
// header but the idempotency key, and nothing secret: the request and
// answer bodies (card numbers, the payment's secret) are never recorded.
type Call struct {
	// Seq orders the call among the events (Event.Seq): it is taken when
	// the request arrives, so a call sorts before the changes it made.
	Seq uint64
	// At is the store's clock when the request arrived.
	At time.Time
	// Method and Path are the request's (the path holds a paymentKey or an
	// orderId, never a secret).
	Method, Path string
	// Operation is the spec's operationId.
	Operation string
	// Status is the answer's HTTP status; 0 when the connection was closed
	// without an answer (fault drop-after-commit).
	Status int
	// Code is the error code of a refusal.
	Code string
	// IdempotencyKey is the request's Idempotency-Key, if it sent one.
	IdempotencyKey string
	// Replay says the answer came from the idempotency cache.
	Replay bool
	// Fault is the fault injected into the request ("drop-after-commit",
	// "error-before", "rate-limit", "delay=2s"), or "".
	Fault string
	// PaymentKey and OrderID name the payment the call was about, when it
	// named one (in its path or body, or in its answer).
	PaymentKey, OrderID string
	// TraceID is the answer's X-TossPayments-Trace-Id.
	TraceID string
	// Duration is how long the sandbox took to answer (wall time).
	Duration time.Duration
}

// Bounds of the call log: the latest callsPerKey calls of each secret key,
// and maxCalls over all keys (about 300 B each, so about 80 MB), past
// which the log of the key idle the longest is dropped.
const (
	callsPerKey = 1024
	maxCalls    = 256 << 10
)

// callLog is a ring of a secret key's latest calls; head is its oldest once
// full.
type callLog struct {
	name  string
	calls []Call
	head  int
	// newer and older link the logs from the most recently written
	// (callLogs.active) to the idlest, which goes first past the bound.
	newer, older *callLog
}

// callLogs are the call logs of every secret key, bounded: at most perKey
// calls each and max over all keys.
type callLogs struct {
	mu     sync.Mutex // guards everything below
	logs   map[string]*callLog
	count  int // calls in all logs
	max    int
	perKey int
	// active and idlest are the ends of the logs' activity list.
	active, idlest *callLog
}

func newCallLogs() *callLogs {
	return &callLogs{logs: map[string]*callLog{}, max: maxCalls, perKey: callsPerKey}
}

// beginCall reserves the Seq and time (on secretKey's clock) of a call
// arriving now, in the order of the book's events.
func (s *Sandbox) beginCall(secretKey string) (uint64, time.Time) {
	return s.book.ReserveSeqOf(secretKey)
}

// recordCall adds c to secretKey's call log.
func (s *Sandbox) recordCall(secretKey string, c Call) {
	s.calls.record(secretKey, c)
	s.tail.publish(secretKey, c)
}

func (cl *callLogs) record(secretKey string, c Call) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	l := cl.logs[secretKey]
	if l == nil {
		l = &callLog{name: secretKey}
		cl.logs[secretKey] = l
	}
	cl.touch(l)
	if len(l.calls) < cl.perKey {
		l.calls = append(l.calls, c)
		cl.count++
		if cl.count > cl.max {
			cl.trim()
		}
		return
	}
	l.calls[l.head] = c
	l.head = (l.head + 1) % len(l.calls)
}

// touch moves l to the active end of the list: O(1).
func (cl *callLogs) touch(l *callLog) {
	if cl.active == l {
		return
	}
	cl.unlink(l)
	l.older = cl.active
	if cl.active != nil {
		cl.active.newer = l
	}
	cl.active = l
	if cl.idlest == nil {
		cl.idlest = l
	}
}

func (cl *callLogs) unlink(l *callLog) {
	if l.newer != nil {
		l.newer.older = l.older
	} else if cl.active == l {
		cl.active = l.older
	}
	if l.older != nil {
		l.older.newer = l.newer
	} else if cl.idlest == l {
		cl.idlest = l.newer
	}
	l.newer, l.older = nil, nil
}

// trim drops the log of the key idle the longest (each call is dropped at
// most once: O(1) per call, amortized, whatever the number of keys); when
// the only log is the one being written, it keeps its newer half.
func (cl *callLogs) trim() {
	l := cl.idlest
	if l == nil {
		return
	}
	if l != cl.active {
		cl.remove(l)
		return
	}
	linear := l.linear()
	keep := linear[(len(linear)+1)/2:]
	cl.count -= len(linear) - len(keep)
	l.calls, l.head = append([]Call(nil), keep...), 0
}

// remove drops l; cl.mu is held.
func (cl *callLogs) remove(l *callLog) {
	cl.unlink(l)
	cl.count -= len(l.calls)
	delete(cl.logs, l.name)
}

// drop forgets secretKey's log (its tenant was dropped by the book).
func (cl *callLogs) drop(secretKey string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if l := cl.logs[secretKey]; l != nil {
		cl.remove(l)
	}
}

func (l *callLog) linear() []Call {
	n := len(l.calls)
	out := make([]Call, 0, n)
	for i := range n {
		out = append(out, l.calls[(l.head+i)%n])
	}
	return out
}

// Calls returns the latest API calls of secretKey, oldest first (at most
// the last 1,024; fewer when the logs of all keys together pass their
// bound). With paymentKey set, only the calls about that payment.
func (s *Sandbox) Calls(secretKey, paymentKey string) []Call {
	cl := s.calls
	cl.mu.Lock()
	defer cl.mu.Unlock()
	l := cl.logs[secretKey]
	if l == nil {
		return nil
	}
	var out []Call
	for _, c := range l.linear() {
		if paymentKey == "" || c.PaymentKey == paymentKey {
			out = append(out, c)
		}
	}
	return out
}

// callNote is what the layers below the call log learn about a call: the
// fault injected, a replay, the payment it was about. It lives in the
// request's context; one request is served by one goroutine at a time.
type callNote struct {
	fault      string
	replay     bool
	paymentKey string
	orderID    string
}

type noteKey struct{}

func noteOf(ctx context.Context) *callNote {
	n, _ := ctx.Value(noteKey{}).(*callNote)
	if n == nil {
		return &callNote{} // a throwaway: the Store used without the handler
	}
	return n
}

// about records the payment a call is about, once known.
func (n *callNote) about(paymentKey, orderID string) {
	if paymentKey != "" {
		n.paymentKey = paymentKey
	}
	if orderID != "" {
		n.orderID = orderID
	}
}

// statusWriter remembers the status written and, for an error, the start
// of the body, to read its code. A success's body is never kept.
type statusWriter struct {
	http.ResponseWriter
	status int
	head   bytes.Buffer
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && w.head.Len() < 4<<10 {
		w.head.Write(b[:min(len(b), 4<<10-w.head.Len())])
	}
	return w.ResponseWriter.Write(b)
}

// maxRecorded bounds the strings a call keeps from the request.
const maxRecorded = 300

// printable returns v when it is printable ASCII of at most maxRecorded
// bytes, else a placeholder: what the dashboard shows is what was sent,
// or says it could not be shown.
func printable(v string) string {
	if len(v) > maxRecorded {
		return "(" + strconv.Itoa(len(v)) + " bytes, not shown)"
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "(not printable ASCII, not shown)"
		}
	}
	return v
}

// activity records each authenticated API call in its secret key's call
// log, after the answer (or the dropped connection) and whatever the
// layers below noted about it.
func (s *Sandbox) activity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ci, _ := r.Context().Value(callerKey).(callerInfo)
		seq, at := s.beginCall(ci.secretKey)
		start := time.Now()
		note := &callNote{}
		rt := routeOf(r)
		c := Call{
			Seq: seq, At: at, Method: r.Method, Path: redactBillingKey(printable(r.URL.Path)),
			Operation: rt.route.Operation.OperationID,
		}
		if k := r.Header.Get("Idempotency-Key"); k != "" && r.Method == http.MethodPost {
			c.IdempotencyKey = printable(k)
		}
		// The payment a POST is about, from the identifiers of its body
		// (nothing else of it is read), so a call refused before the rules
		// ran (a fault, a validation error) still lands in its timeline.
		if len(rt.body) > 0 {
			var ids struct {
				PaymentKey string `json:"paymentKey"`
				OrderID    string `json:"orderId"`
			}
			if json.Unmarshal(rt.body, &ids) == nil {
				note.about(ids.PaymentKey, ids.OrderID)
			}
		}
		sw := &statusWriter{ResponseWriter: w}
		record := func() {
			c.Fault, c.Replay = note.fault, note.replay
			c.PaymentKey, c.OrderID = printable(note.paymentKey), printable(note.orderID)
			if c.PaymentKey == "" && rt.params["paymentKey"] != "" {
				c.PaymentKey = printable(rt.params["paymentKey"])
			}
			if c.OrderID == "" && rt.params["orderId"] != "" {
				c.OrderID = printable(rt.params["orderId"])
			}
			c.TraceID = w.Header().Get(TraceHeader)
			c.Duration = time.Since(start)
			if sw.status >= 400 {
				var e struct {
					Code string `json:"code"`
				}
				if json.Unmarshal(sw.head.Bytes(), &e) == nil {
					c.Code = printable(e.Code)
				}
			}
			s.recordCall(ci.secretKey, c)
		}
		defer func() {
			if v := recover(); v != nil {
				// The drop-after-commit fault, or a bug: the client got no answer.
				c.Status = sw.status
				if v == http.ErrAbortHandler {
					c.Status = 0
				}
				record()
				panic(v)
			}
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), noteKey{}, note)))
		c.Status = sw.status
		if c.Status == 0 {
			c.Status = http.StatusOK
		}
		record()
	})
}

// pageCall starts the record of a POST to a browser page (the checkout
// page, a dashboard button) about paymentKey, as what ("checkout: approve"),
// and returns the function that finishes it with the answer's status and
// error code. The call goes to the log of the key that owns the payment,
// so its timeline tells a click at checkout from an API call; a payment no
// key owns leaves no record.
func (s *Sandbox) pageCall(w http.ResponseWriter, r *http.Request, paymentKey, what string) func(status int, code string) {
	owner := s.Store.ownerOf(paymentKey)
	seq, at := s.beginCall(owner)
	trace := w.Header().Get(TraceHeader)
	return func(status int, code string) {
		if owner == "" {
			return
		}
		s.recordCall(owner, Call{
			Seq: seq, At: at, Method: http.MethodPost, Path: printable(r.URL.Path), Operation: what,
			Status: status, Code: code, PaymentKey: paymentKey, TraceID: trace,
		})
	}
}
