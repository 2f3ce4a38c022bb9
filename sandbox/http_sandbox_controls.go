package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
	"github.com/tosspayments-go/tosspayments-go/sandbox/webhooks"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// The test controls among the sandbox's own endpoints, for tests in any
// language: the key's clock, triggers, a delivery and its resend, and the
// live call log. Each authenticates with the secret key (authed) and
// touches only that key's payments, deliveries and calls.

// The paths of the test controls, for their clients.
const (
	// ClockPath: GET the key's time; POST {"advance": "7d"} or {"to":
	// "2026-01-02T00:00:00+09:00"} moves it forward.
	ClockPath = sandboxAPIPrefix + "clock"
	// TriggersPath: GET the table of triggers.
	TriggersPath = sandboxAPIPrefix + "triggers"
	// LogsPath: GET streams the key's API calls (text/event-stream).
	LogsPath = sandboxAPIPrefix + "logs"
)

// TriggerPath is the path of POST /sandbox/v1/triggers/{event}.
func TriggerPath(event string) string { return TriggersPath + "/" + url.PathEscape(event) }

// WebhookDeliveryPath is the path of GET /sandbox/v1/webhook-deliveries/{id}.
func WebhookDeliveryPath(id string) string { return WebhookDeliveriesPath + "/" + url.PathEscape(id) }

// WebhookResendPath is the path of POST /sandbox/v1/webhook-deliveries/{id}/resend.
func WebhookResendPath(id string) string { return WebhookDeliveryPath(id) + "/resend" }

func (s *Sandbox) controls(mux *http.ServeMux) {
	mux.HandleFunc(ClockPath, s.authed([]string{http.MethodGet, http.MethodPost}, s.clockHandler))
	mux.HandleFunc(TriggersPath, s.authed([]string{http.MethodGet}, s.triggersHandler))
	mux.HandleFunc(TriggersPath+"/{event}", s.authed([]string{http.MethodPost}, s.triggerHandler))
	mux.HandleFunc(WebhookDeliveriesPath+"/{id}", s.authed([]string{http.MethodGet}, s.webhookDeliveryHandler))
	mux.HandleFunc(WebhookDeliveriesPath+"/{id}/resend", s.authed([]string{http.MethodPost}, s.webhookResendHandler))
	mux.HandleFunc(LogsPath, s.authed([]string{http.MethodGet}, s.logsHandler))
	mux.HandleFunc(SecurityKeyPath, s.authed([]string{http.MethodGet}, s.securityKeyHandler))
	mux.HandleFunc(dashboardLogsPath, s.dashLogs)
	mux.HandleFunc("GET "+dashboardPath+"/live.js", s.dashLiveJS)
}

// KeyClock is the answer of GET and POST /sandbox/v1/clock: the key's
// time, the wall clock's, and how far the key's runs ahead (never
// negative).
type KeyClock struct {
	Now           time.Time `json:"now"`
	WallClock     time.Time `json:"wallClock"`
	Offset        string    `json:"offset"`
	OffsetSeconds int64     `json:"offsetSeconds"`
	// Moved is how far a POST moved the clock.
	Moved string `json:"moved,omitempty"`
}

// KeyClock returns secretKey's clock (see AdvanceClock).
func (s *Sandbox) KeyClock(secretKey string) KeyClock {
	now, off := s.book.Clock(secretKey)
	return keyClock(now, off)
}

func keyClock(now time.Time, off time.Duration) KeyClock {
	return KeyClock{
		Now: now.In(tosstime.Seoul), WallClock: now.Add(-off).In(tosstime.Seoul),
		Offset: off.String(), OffsetSeconds: int64(off / time.Second),
	}
}

// AdvanceClock moves secretKey's clock forward by d, for that key's
// payments only: windows end, due dates pass and refunds settle as if the
// time had passed (announced by their webhooks), and the key's webhook
// retries that fall due are sent at once, in order, each stamped with the
// time it was due. Another key's clock does not move; nor do the
// idempotency window and the rate limit, which keep the wall clock. The
// clock runs at most payments.MaxClockOffset ahead.
func (s *Sandbox) AdvanceClock(secretKey string, d time.Duration) (KeyClock, error) {
	l := clockLock(secretKey)
	l.Lock()
	defer l.Unlock()
	var out payments.Outbox
	_, moved, err := s.book.AdvanceClock(&out, secretKey, d)
	return s.clockMoved(secretKey, out, moved, err)
}

// SetKeyClock moves secretKey's clock to the instant to, never backwards;
// see AdvanceClock.
func (s *Sandbox) SetKeyClock(secretKey string, to time.Time) (KeyClock, error) {
	l := clockLock(secretKey)
	l.Lock()
	defer l.Unlock()
	var out payments.Outbox
	_, moved, err := s.book.SetClock(&out, secretKey, to)
	return s.clockMoved(secretKey, out, moved, err)
}

// clockLocks keep a key's triggers and the moves of its clock apart: a
// trigger's steps (create, approve, confirm...) happen at one time of the
// key's, so that an advance made meanwhile by a parallel test cannot expire
// the payment between two of them. Keys share the locks by a hash of the
// key (a move waits at most for the triggers of a few keys).
var (
	clockLocks    [64]sync.RWMutex
	clockLockSeed = maphash.MakeSeed()
)

func clockLock(secretKey string) *sync.RWMutex {
	return &clockLocks[maphash.String(clockLockSeed, secretKey)%uint64(len(clockLocks))]
}

// clockMoved sends what a move of the key's clock made due: the retries
// first (due at their own, earlier, times), then what the clock's
// transitions announce, due now.
func (s *Sandbox) clockMoved(secretKey string, out payments.Outbox, moved time.Duration, err error) (KeyClock, error) {
	kc := s.KeyClock(secretKey)
	if err != nil {
		return kc, err
	}
	s.wh.Shift(secretKey, moved)
	s.publish(WebhookFault{}, out)
	kc.Moved = moved.String()
	return kc, nil
}

// ParseClockSpan reads a span of time as "tosspay clock advance" and POST
// /sandbox/v1/clock take it: Go's durations (90m, 1h30m, 36h) with days in
// front (7d, 1d12h). Only positive spans are taken.
func ParseClockSpan(v string) (time.Duration, error) {
	bad := fmt.Errorf("advance: %q is not a span of time like 7d, 36h, 1d12h or 90m (positive)", clip(v, 40))
	days, rest := int64(0), v
	if i := strings.IndexByte(v, 'd'); i >= 0 {
		n, err := strconv.ParseInt(v[:i], 10, 64)
		if err != nil || n < 0 || n > int64(payments.MaxClockOffset/(24*time.Hour))+1 {
			return 0, bad
		}
		days, rest = n, v[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || d < 0 || d > payments.MaxClockOffset {
			return 0, bad
		}
	}
	total := time.Duration(days)*24*time.Hour + d
	if total <= 0 || v == "" {
		return 0, bad
	}
	return total, nil
}

func clip(v string, n int) string {
	if len(v) > n {
		return v[:n] + "…"
	}
	return v
}

// readBody reads a small JSON body into v, or answers 400 and returns false.
func (s *Sandbox) readBody(w http.ResponseWriter, r *http.Request, v any, want string) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSandboxAPIBody+1))
	if err != nil || len(body) > maxSandboxAPIBody || json.Unmarshal(body, v) != nil {
		s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r), "body: want "+want+" (at most 16 KiB).")
		return false
	}
	return true
}

// clockHandler: GET /sandbox/v1/clock answers the key's KeyClock; POST
// {"advance": "7d"} or {"to": "RFC 3339 instant"} moves it forward.
func (s *Sandbox) clockHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	lang := langOf(r)
	if r.Method == http.MethodGet {
		writeJSON(w, s.KeyClock(ci.secretKey))
		return
	}
	var in struct {
		Advance *string `json:"advance"`
		To      *string `json:"to"`
	}
	if !s.readBody(w, r, &in, `{"advance": "7d"} or {"to": "2026-01-02T00:00:00+09:00"}`) {
		return
	}
	var kc KeyClock
	var err error
	switch {
	case (in.Advance == nil) == (in.To == nil):
		s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang, `body: want exactly one of {"advance": "7d"} and {"to": "2026-01-02T00:00:00+09:00"}.`)
		return
	case in.Advance != nil:
		d, perr := ParseClockSpan(*in.Advance)
		if perr != nil {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang, perr.Error()+".")
			return
		}
		kc, err = s.AdvanceClock(ci.secretKey, d)
	default:
		t, perr := time.Parse(time.RFC3339Nano, *in.To)
		if perr != nil {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang, fmt.Sprintf("to: %q is not an RFC 3339 instant with its offset, like 2026-01-02T00:00:00+09:00.", clip(*in.To, 40)))
			return
		}
		kc, err = s.SetKeyClock(ci.secretKey, t)
	}
	switch {
	case errors.Is(err, payments.ErrClockBackwards):
		s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang,
			"The clock never moves backwards: the key's time is "+kc.Now.Format(time.RFC3339)+".")
	case errors.Is(err, payments.ErrClockTooFar):
		s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang,
			fmt.Sprintf("The key's clock runs at most %d days ahead of the wall clock (it is %s ahead now).", payments.MaxClockOffset/(24*time.Hour), kc.Offset))
	case errors.Is(err, payments.ErrClockBusy):
		w.Header().Set("Retry-After", "60")
		s.writeError(w, http.StatusServiceUnavailable, generated.ErrorCodeFailedInternalSystemProcessing, lang, err.Error()+".")
	case err != nil:
		writeJSONError(w, asError(err))
	default:
		writeJSON(w, kc)
	}
}

// triggersHandler: GET /sandbox/v1/triggers answers {"triggers": [...]}.
func (s *Sandbox) triggersHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	writeJSON(w, struct {
		Triggers []Trigger `json:"triggers"`
	}{Triggers()})
}

// triggerHandler: POST /sandbox/v1/triggers/{event} runs the trigger and
// answers its TriggerResult.
func (s *Sandbox) triggerHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	lang := langOf(r)
	event := r.PathValue("event")
	c := Caller{SecretKey: ci.secretKey, BaseURL: ci.baseURL, Language: lang, WebhookFault: ci.webhookFault}
	res, err := s.Trigger(c, event)
	switch {
	case errors.Is(err, ErrUnknownTrigger):
		s.writeError(w, http.StatusNotFound, generated.ErrorCodeNotFound, lang,
			fmt.Sprintf("No trigger %q; GET %s lists them: %s.", clip(event, 40), TriggersPath, triggerNames()))
	case err != nil:
		writeJSONError(w, asError(err))
	default:
		if res.SecurityKey != "" {
			// It carries the key's security key, as GET SecurityKeyPath does.
			w.Header().Set("Cache-Control", "no-store")
		}
		writeJSON(w, res)
	}
}

// webhookDeliveryHandler: GET /sandbox/v1/webhook-deliveries/{id} answers
// the key's delivery whose transmission id is id, or 404 NOT_FOUND.
func (s *Sandbox) webhookDeliveryHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	d, ok := s.wh.Delivery(ci.secretKey, r.PathValue("id"))
	if !ok {
		s.writeError(w, http.StatusNotFound, generated.ErrorCodeNotFound, langOf(r), "No delivery of this key by that id (it was never made, was forgotten, or is another key's).")
		return
	}
	writeJSON(w, d)
}

// webhookResendHandler: POST /sandbox/v1/webhook-deliveries/{id}/resend
// sends the delivery's event again as a new transmission and answers the
// new delivery (202).
func (s *Sandbox) webhookResendHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	d, err := s.ResendWebhook(ci.secretKey, r.PathValue("id"))
	switch {
	case errors.Is(err, webhooks.ErrNoDelivery):
		s.writeError(w, http.StatusNotFound, generated.ErrorCodeNotFound, langOf(r), "No delivery of this key by that id (it was never made, was forgotten, or is another key's).")
	case err != nil:
		s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r),
			"The key has no webhook URL: PUT "+WebhookEndpointPath+" {\"url\": ...} first.")
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(d)
	}
}

// WebhookDelivery returns secretKey's delivery whose transmission id is id.
func (s *Sandbox) WebhookDelivery(secretKey, id string) (WebhookDelivery, bool) {
	return s.wh.Delivery(secretKey, id)
}

// ResendWebhook sends the event of secretKey's delivery id again: a new
// delivery (its own transmission id, attempts and retries; ResentFrom
// names the original) of the same body to the key's current URL, due at
// once. The original stays as it was.
func (s *Sandbox) ResendWebhook(secretKey, id string) (WebhookDelivery, error) {
	return s.wh.Resend(secretKey, id)
}
