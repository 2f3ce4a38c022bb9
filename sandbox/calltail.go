package sandbox

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// The call log can be followed as it grows: GET /sandbox/v1/logs streams a
// key's API calls as Server-Sent Events ("tosspay logs tail", or a
// browser's EventSource). A follower never holds what it has not read
// beyond a small buffer, and never slows the API or another key: calls are
// handed to it without waiting, and one it has no room for is counted as
// lost and reported to it instead.

// Bounds of the followers of the call log.
const (
	// tailBuffer is how many calls a follower may fall behind by; past it
	// the newest are lost (and counted) rather than held.
	tailBuffer = 64
	// tailPerKey is how many followers one key has at once; another one
	// ends the oldest (a restarted "tosspay logs tail" is never locked
	// out by an abandoned stream).
	tailPerKey = 4
	// tailTotal is how many followers the sandbox has at once; past it
	// the key with the most gives up its oldest (if it has two or more),
	// else the oldest stream of all ends: a newcomer always gets in, and
	// the one ended reconnects with Last-Event-ID, missing nothing.
	tailTotal = 256
	// tailLife is how long one stream lasts; then it ends and the client
	// reconnects (with Last-Event-ID, missing nothing the log still holds).
	tailLife = 30 * time.Minute
	// tailWriteTimeout is how long one write to a follower may take: a
	// follower that stops reading is disconnected, not buffered for.
	tailWriteTimeout = 10 * time.Second
	// tailHeartbeat is how often an idle stream sends a comment, so that
	// proxies keep it open and a vanished follower is noticed.
	tailHeartbeat = 15 * time.Second
)

// errTailFull: tailTotal followers are connected already.
var errTailFull = errors.New("too many followers")

// follower is one stream of a key's calls.
type follower struct {
	calls chan Call
	ended chan struct{} // closed when the stream must end (replaced, or shutdown)
	lost  int           // calls that found no room; guarded by callTail.mu
	key   string
	seq   uint64 // the order followers came in
	end   sync.Once
}

func (f *follower) stop() { f.end.Do(func() { close(f.ended) }) }

// callTail hands each recorded call to the followers of its key.
type callTail struct {
	mu     sync.Mutex // guards everything below
	byKey  map[string][]*follower
	total  int
	seq    uint64
	closed bool
}

func newCallTail() *callTail { return &callTail{byKey: map[string][]*follower{}} }

// follow adds a follower of key's calls; past tailPerKey the key's oldest
// ends, past tailTotal it is refused.
func (ct *callTail) follow(key string) (*follower, error) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.seq++
	f := &follower{calls: make(chan Call, tailBuffer), ended: make(chan struct{}), key: key, seq: ct.seq}
	if ct.closed {
		f.stop()
		return f, nil
	}
	fs := ct.byKey[key]
	if len(fs) >= tailPerKey || (len(fs) > 0 && ct.total >= tailTotal) {
		fs[0].stop()
		fs = fs[1:]
		ct.byKey[key] = fs
		ct.total--
	}
	if ct.total >= tailTotal && !ct.evictFromBusiest() && !ct.evictOldest() {
		return nil, errTailFull
	}
	ct.byKey[key] = append(fs, f)
	ct.total++
	return f, nil
}

// evictFromBusiest ends the oldest follower of the key with the most,
// when it has more than one, so that one user's many streams give way to
// another's first; the caller holds ct.mu.
func (ct *callTail) evictFromBusiest() bool {
	var busiest string
	for k, fs := range ct.byKey {
		if len(fs) > len(ct.byKey[busiest]) {
			busiest = k
		}
	}
	fs := ct.byKey[busiest]
	if len(fs) < 2 {
		return false
	}
	fs[0].stop()
	ct.byKey[busiest] = fs[1:]
	ct.total--
	return true
}

// evictOldest ends the stream open the longest; the caller holds ct.mu.
func (ct *callTail) evictOldest() bool {
	var old *follower
	for _, fs := range ct.byKey {
		if len(fs) > 0 && (old == nil || fs[0].seq < old.seq) {
			old = fs[0]
		}
	}
	if old == nil {
		return false
	}
	old.stop()
	if fs := ct.byKey[old.key][1:]; len(fs) > 0 {
		ct.byKey[old.key] = fs
	} else {
		delete(ct.byKey, old.key)
	}
	ct.total--
	return true
}

// unfollow removes f (if it is still there).
func (ct *callTail) unfollow(key string, f *follower) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	fs := ct.byKey[key]
	for i, o := range fs {
		if o == f {
			fs = append(fs[:i:i], fs[i+1:]...)
			ct.total--
			break
		}
	}
	if len(fs) == 0 {
		delete(ct.byKey, key)
	} else {
		ct.byKey[key] = fs
	}
	f.stop()
}

// publish hands c to key's followers without waiting.
func (ct *callTail) publish(key string, c Call) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	for _, f := range ct.byKey[key] {
		select {
		case f.calls <- c:
		default:
			f.lost++
		}
	}
}

// takeLost returns and clears the count of f's lost calls.
func (ct *callTail) takeLost(f *follower) int {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	n := f.lost
	f.lost = 0
	return n
}

// followers counts the followers of key, and of all keys.
func (ct *callTail) followers(key string) (int, int) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return len(ct.byKey[key]), ct.total
}

// close ends every stream, and those to come, at once.
func (ct *callTail) close() {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.closed = true
	for _, fs := range ct.byKey {
		for _, f := range fs {
			f.stop()
		}
	}
}

// LoggedCall is one call as GET /sandbox/v1/logs streams it (the data of
// an event "call"): never a body, a card number or a secret. At is Korean
// time, on the key's clock.
type LoggedCall struct {
	Seq            uint64    `json:"seq"`
	At             time.Time `json:"at"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	Operation      string    `json:"operation,omitempty"`
	Status         int       `json:"status"`
	Code           string    `json:"code,omitempty"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	Replay         bool      `json:"replay,omitempty"`
	Fault          string    `json:"fault,omitempty"`
	TraceID        string    `json:"traceId,omitempty"`
	DurationMs     float64   `json:"durationMs"`
	PaymentKey     string    `json:"paymentKey,omitempty"`
	OrderID        string    `json:"orderId,omitempty"`
}

func loggedCall(c Call) LoggedCall {
	return LoggedCall{
		Seq: c.Seq, At: c.At.In(tosstime.Seoul), Method: c.Method, Path: c.Path, Operation: c.Operation, Status: c.Status, Code: c.Code,
		IdempotencyKey: c.IdempotencyKey, Replay: c.Replay, Fault: c.Fault, TraceID: c.TraceID,
		DurationMs: float64(c.Duration.Microseconds()) / 1000, PaymentKey: c.PaymentKey, OrderID: c.OrderID,
	}
}

// callFilter is the ?status= and ?path= of GET /sandbox/v1/logs.
type callFilter struct {
	statuses []string // "200", "4xx"; none: any
	path     string   // a substring of the path; "": any
}

// parseCallFilter reads status (a comma-separated list of statuses, 404,
// or classes, 4xx) and path (a substring of the path, at most 300 bytes).
func parseCallFilter(status, path string) (callFilter, error) {
	var f callFilter
	if status != "" {
		for _, s := range strings.Split(status, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			ok := len(s) == 3 && s[0] >= '0' && s[0] <= '5'
			if ok && s[1:] != "xx" {
				_, err := strconv.Atoi(s)
				ok = err == nil
			}
			if !ok || len(f.statuses) >= 16 {
				return callFilter{}, errors.New("status: want statuses or classes, comma-separated: 200,4xx (at most 16)")
			}
			f.statuses = append(f.statuses, s)
		}
	}
	if len(path) > maxRecorded {
		return callFilter{}, errors.New("path: at most 300 bytes")
	}
	f.path = path
	return f, nil
}

func (f callFilter) match(c Call) bool {
	if f.path != "" && !strings.Contains(c.Path, f.path) {
		return false
	}
	if len(f.statuses) == 0 {
		return true
	}
	st := strconv.Itoa(c.Status)
	if c.Status == 0 {
		st = "000"
	}
	for _, s := range f.statuses {
		if s == st || (s[1:] == "xx" && len(st) == 3 && st[0] == s[0]) {
			return true
		}
	}
	return false
}

// Followers counts the streams of GET /sandbox/v1/logs open for secretKey,
// and for all keys.
func (s *Sandbox) Followers(secretKey string) (int, int) { return s.tail.followers(secretKey) }
