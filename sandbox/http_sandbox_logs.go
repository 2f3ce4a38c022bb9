package sandbox

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// dashboardLogsPath streams the signed-in key's calls to the dashboard
// (the same stream as LogsPath, authenticated by the session's cookie, so
// that a browser's EventSource can follow it).
const dashboardLogsPath = dashboardPath + "/logs"

// logsHandler: GET /sandbox/v1/logs[?status=200,4xx][&path=/cancel] streams
// the key's API calls as they are answered, as Server-Sent Events: an
// event "call" per call (data: a LoggedCall, id: its seq), "lost" when
// the follower fell more than 64 calls behind and some were dropped (data:
// {"lost": n}), a comment every 15 s while idle, and "end" before the
// stream ends (after 30 minutes, or when a newer follower of the key
// replaced it). With Last-Event-ID, the calls the log still holds after
// that seq come first.
func (s *Sandbox) logsHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	s.streamCalls(w, r, ci.secretKey, apiEvent, nil)
}

// apiEvent is a call as GET /sandbox/v1/logs sends it: an event "call"
// whose data is a LoggedCall.
func apiEvent(c Call) (string, []byte) {
	b, _ := json.Marshal(loggedCall(c))
	return "call", b
}

// rowEvent is a call as the dashboard's stream sends it: an event "rows"
// whose data is the rows the list page shows for it (callEntries), so
// that the page's script only puts text in cells.
func rowEvent(c Call) (string, []byte) {
	var rows []callRow
	for _, e := range callEntries(c) {
		rows = append(rows, callRow{At: kst(e.At), Kind: e.Kind, Summary: e.Summary, Failed: e.Failed})
	}
	b, _ := json.Marshal(rows)
	return "rows", b
}

// dashLogs is dashboardLogsPath: the stream for a signed-in browser.
func (s *Sandbox) dashLogs(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(s, w, r, http.MethodGet)
		return
	}
	key, tok, ok := s.dash.keyOf(r)
	if !ok {
		s.writeError(w, http.StatusUnauthorized, generated.ErrorCodeUnauthorizedKey, langOf(r), "Sign in to the dashboard first.")
		return
	}
	// The stream lives as long as its session: signed out (or forgotten),
	// it ends before sending another call.
	s.streamCalls(w, r, key, rowEvent, func() bool { return s.dash.valid(tok) })
}

// streamCalls streams key's calls; alive, when set, is asked before each
// event, and the stream ends once it says no.
func (s *Sandbox) streamCalls(w http.ResponseWriter, r *http.Request, key string, render func(Call) (string, []byte), alive func() bool) {
	lang := langOf(r)
	filter, err := parseCallFilter(r.URL.Query().Get("status"), r.URL.Query().Get("path"))
	if err != nil {
		s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang, err.Error()+".")
		return
	}
	var after uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		after, _ = strconv.ParseUint(v, 10, 64)
	}
	f, err := s.tail.follow(key)
	if err != nil {
		w.Header().Set("Retry-After", "5")
		s.writeError(w, http.StatusTooManyRequests, generated.ErrorCodeTooManyRequests, lang,
			strconv.Itoa(tailTotal)+" streams of calls are open on this sandbox already; try again.")
		return
	}
	defer s.tail.unfollow(key, f)

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	// send writes one event within tailWriteTimeout; a follower that does
	// not read is cut off rather than waited for.
	send := func(format string, args ...any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(tailWriteTimeout))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 2000\n: calls of %s\n\n", shortKey(key)) {
		return
	}
	// The calls the log holds after Last-Event-ID come first; those of
	// them that reach the follower too are not sent twice.
	replayed := map[uint64]bool{}
	if after > 0 {
		for _, c := range s.Calls(key, "") {
			if c.Seq <= after || !filter.match(c) {
				continue
			}
			replayed[c.Seq] = true
			if !sendCall(send, c, render) {
				return
			}
		}
	}
	life := time.NewTimer(tailLife)
	defer life.Stop()
	beat := time.NewTicker(tailHeartbeat)
	defer beat.Stop()
	signedOut := func() bool {
		if alive == nil || alive() {
			return false
		}
		send("event: end\ndata: {\"reason\":\"the dashboard's session was signed out\"}\n\n")
		return true
	}
	for {
		select {
		case c := <-f.calls:
			if signedOut() {
				return
			}
			if n := s.tail.takeLost(f); n > 0 && !send("event: lost\ndata: {\"lost\":%d}\n\n", n) {
				return
			}
			if replayed[c.Seq] || !filter.match(c) {
				continue
			}
			if !sendCall(send, c, render) {
				return
			}
		case <-beat.C:
			if signedOut() || !send(": idle\n\n") {
				return
			}
		case <-life.C:
			send("event: end\ndata: {\"reason\":\"the stream lasted %d minutes; reconnect\"}\n\n", int(tailLife/time.Minute))
			return
		case <-f.ended:
			send("event: end\ndata: {\"reason\":\"a newer follower took its place (reconnect with Last-Event-ID), or the sandbox is stopping\"}\n\n")
			return
		case <-r.Context().Done():
			return
		}
	}
}

func sendCall(send func(string, ...any) bool, c Call, render func(Call) (string, []byte)) bool {
	event, b := render(c)
	return send("id: %d\nevent: %s\ndata: %s\n\n", c.Seq, event, b)
}

//go:embed pages/live.js
var liveJS []byte

// dashLiveJS serves the dashboard's one script: it adds the key's calls
// to the list page as they happen. The page works without it.
func (s *Sandbox) dashLiveJS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(liveJS)
}
