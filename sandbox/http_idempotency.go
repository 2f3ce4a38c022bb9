package sandbox

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// idempotency replays the first response of a key for 15 days and answers
// 409 IDEMPOTENT_REQUEST_PROCESSING while the first is in flight.
func (s *Sandbox) idempotency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			s.pause(r)
			next.ServeHTTP(w, r)
			return
		}
		op := routeOf(r).route.Operation.OperationID
		ci, _ := r.Context().Value(callerKey).(callerInfo)
		id := idemID(ci.secretKey, r.Method, r.URL.Path, key)
		state, e := s.idem.claim(ci.secretKey, id, s.cfg.clock.Now())
		switch state {
		case idemInFlight:
			s.writeOp(w, op, generated.ErrorCodeIdempotentRequestProcessing, langOf(r), "")
			return
		case idemFull:
			s.writeOp(w, op, generated.ErrorCodeForbiddenRequest, langOf(r),
				"Every idempotency key this secret key may hold ("+strconv.Itoa(s.cfg.tenant.IdempotencyKeys)+") is in flight: wait for an answer.")
			return
		case idemReplay:
			note := noteOf(r.Context())
			note.replay = true
			note.about(e.paymentKey, e.orderID)
			for i := 0; i+1 < len(e.header); i += 2 {
				w.Header().Add(e.header[i], e.header[i+1])
			}
			w.Header().Set(ReplayHeader, "true")
			w.WriteHeader(e.status)
			_, _ = w.Write(e.body)
			return
		}
		done := false
		defer func() {
			if !done {
				s.idem.release(id)
			}
		}()
		s.pause(r)
		rec := newRecorder()
		next.ServeHTTP(rec, r)
		note := noteOf(r.Context())
		s.idem.finish(id, rec.status, flatHeader(rec.header), bytes.Clone(rec.body.Bytes()), note.paymentKey, note.orderID, s.cfg.clock.Now(), openapi.IdempotencyWindow)
		done = true
		rec.copyTo(w)
	})
}

// pause waits out a delay fault, or until the client goes away.
func (s *Sandbox) pause(r *http.Request) {
	d, _ := r.Context().Value(delayKey).(time.Duration)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// recorder buffers a response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// flatHeader is h as the cache keeps it: name, value, name, value… in one
// slice (a map per answer cost about 460 bytes).
func flatHeader(h http.Header) []string {
	n := 0
	for _, vs := range h {
		n += 2 * len(vs)
	}
	out := make([]string, 0, n)
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, k, v)
		}
	}
	return out
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(code int) { rec.status = code }

func (rec *recorder) Write(b []byte) (int, error) { return rec.body.Write(b) }

func (rec *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}
