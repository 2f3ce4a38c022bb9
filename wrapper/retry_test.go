package wrapper

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder keeps the idempotency key and body of every attempt.
type recorder struct {
	mu     sync.Mutex
	keys   []string
	bodies []string
}

func (rec *recorder) add(t *testing.T, r *http.Request) int {
	b := readBody(t, r)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.keys = append(rec.keys, r.Header.Get("Idempotency-Key"))
	rec.bodies = append(rec.bodies, string(b))
	return len(rec.keys)
}

// sameEveryAttempt checks that all n attempts carried the same key and body.
func (rec *recorder) sameEveryAttempt(t *testing.T, n int, wantKey string) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.keys) != n {
		t.Fatalf("attempts = %d, want %d", len(rec.keys), n)
	}
	for i := range rec.keys {
		if rec.keys[i] != wantKey || rec.bodies[i] != rec.bodies[0] {
			t.Errorf("attempt %d: key %q body %s; first: key %q body %s", i+1, rec.keys[i], rec.bodies[i], wantKey, rec.bodies[0])
		}
	}
}

func TestRetrySameKeyAndBody(t *testing.T) {
	t.Parallel()
	answers := map[string]func(w http.ResponseWriter){
		"500 then 500 then 200": nil,
		"409 in flight then 200": func(w http.ResponseWriter) {
			writeError(w, 409, "IDEMPOTENT_REQUEST_PROCESSING", "이전 멱등 요청이 처리중 입니다.")
		},
		"429 then 200": func(w http.ResponseWriter) { writeError(w, 429, "TOO_MANY_REQUESTS", "slow down") },
		"dropped then 200": func(w http.ResponseWriter) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		},
	}
	for name, fail := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			rec := &recorder{}
			failures := 1
			if fail == nil {
				failures = 2
				fail = func(w http.ResponseWriter) { writeError(w, 500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "retry") }
			}
			h.mux.HandleFunc("POST /v1/payments/{paymentKey}/cancel", func(w http.ResponseWriter, r *http.Request) {
				if n := rec.add(t, r); n <= failures {
					fail(w)
					return
				}
				writeJSON(w, 200, fixture(t, "payment_canceled_legacy_easypay.json"))
			})
			p, meta, err := h.c.CancelPayment(context.Background(), "dxRrMScPUSvrdmfYps_UG", cancelReq("Customer wants refund"))
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if p == nil || meta.Attempts != failures+1 || meta.IdempotencyKey != "key-1" || meta.StatusCode != 200 {
				t.Errorf("meta = %+v", meta)
			}
			rec.sameEveryAttempt(t, failures+1, "key-1")
			if got := h.sleep.got(); len(got) != failures {
				t.Errorf("sleeps = %v, want %d", got, failures)
			}
		})
	}
}

func TestNoRetryOnDecline(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var hits atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeError(w, 403, "REJECT_CARD_PAYMENT", "한도초과 혹은 잔액부족으로 결제에 실패했습니다.")
	})
	_, meta, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	if !IsDeclined(err) || IsRetryable(err) {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 1 || meta.Attempts != 1 || len(h.sleep.got()) != 0 {
		t.Errorf("hits %d, attempts %d, sleeps %v", hits.Load(), meta.Attempts, h.sleep.got())
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var hits atomic.Int32
	h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "2")
			writeError(w, 429, "TOO_MANY_REQUESTS", "slow down")
			return
		}
		writeJSON(w, 200, answerTo(t, r, nil))
	})
	if _, _, err := h.c.GetPayment(context.Background(), "pk-1"); err != nil {
		t.Fatal(err)
	}
	if got := h.sleep.got(); len(got) != 1 || got[0] != 2*time.Second {
		t.Errorf("sleeps = %v, want [2s]", got)
	}
}

func TestRetryAfterBeyondMaxDelayEndsRetries(t *testing.T) {
	t.Parallel()
	// An hour, more seconds than an int64 holds, a date next year.
	for _, after := range []string{"3600", "99999999999999999999", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat)} {
		h := setup(t)
		var hits atomic.Int32
		h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Retry-After", after)
			writeError(w, 429, "TOO_MANY_REQUESTS", "slow down")
		})
		_, _, err := h.c.GetPayment(context.Background(), "pk-1")
		if ClassOf(err) != ClassRetryable || hits.Load() != 1 || len(h.sleep.got()) != 0 {
			t.Errorf("Retry-After %s: err %v, hits %d, sleeps %v", after, err, hits.Load(), h.sleep.got())
		}
	}
}

func TestBackoffFullJitterBounds(t *testing.T) {
	t.Parallel()
	c, err := New(testKey, WithRetry(RetryPolicy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	bounds := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}
	for n, bound := range bounds {
		var maxSeen time.Duration
		for range 2000 {
			d := c.cfg.retry.backoff(n + 1)
			if d < 0 || d > bound {
				t.Fatalf("backoff(%d) = %s, outside [0, %s]", n+1, d, bound)
			}
			maxSeen = max(maxSeen, d)
		}
		if maxSeen < bound/2 {
			t.Errorf("backoff(%d): largest of 2000 draws %s; not jittered over [0, %s]", n+1, maxSeen, bound)
		}
	}
	if d := c.cfg.retry.backoff(200); d > 300*time.Millisecond {
		t.Errorf("backoff(200) = %s overflows the cap", d)
	}
}

// TestCancelledContextEndsBackoffSleep uses the real sleeper: a 50-minute
// Retry-After wait must end when ctx is cancelled. A wrapping sleeper
// signals when the wait starts; ctx is cancelled then, and the wait must
// have returned because ctx ended (no wall-clock assertion).
func TestCancelledContextEndsBackoffSleep(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	var sawDone atomic.Bool
	var sleeps atomic.Int32
	sleep := func(ctx context.Context, d time.Duration) error {
		if sleeps.Add(1) == 1 {
			close(started)
		}
		err := sleepContext(ctx, d)
		sawDone.Store(ctx.Err() != nil && errors.Is(err, ctx.Err()))
		return err
	}
	h := setup(t, WithSleeper(sleep), WithRetry(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Hour, MaxDelay: time.Hour}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var hits atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "3000")
		writeError(w, 503, "FAILED_INTERNAL_SYSTEM_PROCESSING", "busy")
	})
	go func() {
		<-started
		cancel()
	}()
	_, meta, err := h.c.ConfirmPayment(ctx, confirmReq())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if sleeps.Load() != 1 || !sawDone.Load() {
		t.Fatalf("sleeps %d, the sleep saw ctx end: %v; want one sleep ended by ctx", sleeps.Load(), sawDone.Load())
	}
	var te *TransportError
	var ae *APIError
	if !errors.As(err, &te) || !errors.As(err, &ae) || ae.StatusCode != 503 {
		t.Fatalf("err = %#v", err)
	}
	if hits.Load() != 1 || meta.Attempts != 1 || !te.MayHaveReachedServer || !IsOutcomeUnknown(err) {
		t.Errorf("hits %d, meta %+v, te %+v, class %s", hits.Load(), meta, te, ClassOf(err))
	}
}

func TestDeadlineBeforeNextAttemptStops(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var hits atomic.Int32
	h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "4")
		writeError(w, 503, "FAILED_INTERNAL_SYSTEM_PROCESSING", "busy")
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _, err := h.c.GetPayment(ctx, "pk-1")
	var ae *APIError
	if !errors.As(err, &ae) || hits.Load() != 1 || len(h.sleep.got()) != 0 {
		t.Errorf("err %v, hits %d, sleeps %v", err, hits.Load(), h.sleep.got())
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var hits atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, meta, err := h.c.ConfirmPayment(ctx, confirmReq())
	var te *TransportError
	if !errors.As(err, &te) || te.MayHaveReachedServer || meta.Attempts != 0 || hits.Load() != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, meta %+v, hits %d", err, meta, hits.Load())
	}
}

func TestRetryLogsReasons(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	h := setup(t, WithLogger(logs.logger()))
	var hits atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			writeError(w, 500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "retry")
			return
		}
		writeError(w, 403, "REJECT_CARD_COMPANY", "declined")
	})
	_, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	if !IsDeclined(err) {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{
		`"msg":"tosspayments: retrying"`, `"reason":"500: server error"`, `"idempotency_key":"key-1"`,
		`"msg":"tosspayments: call failed"`, `"class":"declined"`, `never retried`,
	} {
		if !contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}
