package wrapper

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// TestErrorClasses checks the class, the fields and the number of attempts
// of each kind of error answer.
func TestErrorClasses(t *testing.T) {
	t.Parallel()
	type answer struct {
		status int
		code   string
	}
	cases := []struct {
		name      string
		op        string // "confirm", "keyin" or "get"
		answer    answer
		wantClass Class
		wantHits  int32
		retryable bool
	}{
		{"decline REJECT_CARD_COMPANY", "confirm", answer{403, "REJECT_CARD_COMPANY"}, ClassDeclined, 1, false},
		{"decline REJECT_CARD_PAYMENT on key-in", "keyin", answer{403, "REJECT_CARD_PAYMENT"}, ClassDeclined, 1, false},
		{"decline FDS_ERROR", "confirm", answer{403, "FDS_ERROR"}, ClassDeclined, 1, false},
		{"decline unknown REJECT_ code", "confirm", answer{403, "REJECT_SOMETHING_NEW"}, ClassDeclined, 1, false},
		{"rejected INVALID_REQUEST", "confirm", answer{400, "INVALID_REQUEST"}, ClassRejected, 1, false},
		{"rejected UNAUTHORIZED_KEY", "confirm", answer{401, "UNAUTHORIZED_KEY"}, ClassRejected, 1, false},
		{"rejected NOT_FOUND_PAYMENT", "get", answer{404, "NOT_FOUND_PAYMENT"}, ClassRejected, 1, false},
		{"rejected unknown 4xx code", "confirm", answer{400, "SOMETHING_NEW"}, ClassRejected, 1, false},
		{"unknown PROVIDER_ERROR", "confirm", answer{400, "PROVIDER_ERROR"}, ClassOutcomeUnknown, 1, false},
		{"unknown ALREADY_PROCESSED_PAYMENT on key-in", "keyin", answer{400, "ALREADY_PROCESSED_PAYMENT"}, ClassOutcomeUnknown, 1, false},
		{"rejected ALREADY_PROCESSED_PAYMENT on a look-up (not in its x-toss-outcome-unknown)", "get", answer{400, "ALREADY_PROCESSED_PAYMENT"}, ClassRejected, 1, false},
		{"decline INVALID_CARD_EXPIRATION (x-toss-declined, no REJECT_ prefix)", "keyin", answer{400, "INVALID_CARD_EXPIRATION"}, ClassDeclined, 1, false},
		{"rejected DUPLICATED_ORDER_ID on key-in", "keyin", answer{400, "DUPLICATED_ORDER_ID"}, ClassRejected, 1, false},
		{"retryable FORBIDDEN_CONSECUTIVE_REQUEST, not retried", "get", answer{403, "FORBIDDEN_CONSECUTIVE_REQUEST"}, ClassRetryable, 1, true},
		{"unknown 500 on POST after retries", "confirm", answer{500, "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING"}, ClassOutcomeUnknown, 3, true},
		{"retryable 500 on GET after retries", "get", answer{500, "FAILED_INTERNAL_SYSTEM_PROCESSING"}, ClassRetryable, 3, true},
		{"retryable 429 after retries", "confirm", answer{429, "TOO_MANY_REQUESTS"}, ClassRetryable, 3, true},
		{"unknown 409 in flight after retries", "confirm", answer{409, "IDEMPOTENT_REQUEST_PROCESSING"}, ClassOutcomeUnknown, 3, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			var hits atomic.Int32
			handler := func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				writeError(w, tc.answer.status, tc.answer.code, "message for "+tc.answer.code)
			}
			h.mux.HandleFunc("POST /v1/payments/confirm", handler)
			h.mux.HandleFunc("POST /v1/payments/key-in", handler)
			h.mux.HandleFunc("GET /v1/payments/{paymentKey}", handler)
			ctx := context.Background()
			var (
				p    *generated.Payment
				meta *Meta
				err  error
			)
			switch tc.op {
			case "confirm":
				p, meta, err = h.c.ConfirmPayment(ctx, confirmReq())
			case "keyin":
				p, meta, err = h.c.KeyInPayment(ctx, keyInReq("4330123412341234"))
			case "get":
				p, meta, err = h.c.GetPayment(ctx, "pk-1")
			}
			if p != nil {
				t.Fatalf("payment = %+v, want nil", p)
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			if got := ClassOf(err); got != tc.wantClass {
				t.Errorf("class = %s, want %s", got, tc.wantClass)
			}
			if got := IsRetryable(err); got != tc.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tc.retryable)
			}
			if IsDeclined(err) != (tc.wantClass == ClassDeclined) || IsOutcomeUnknown(err) != (tc.wantClass == ClassOutcomeUnknown) {
				t.Errorf("helpers disagree with class %s", tc.wantClass)
			}
			if hits.Load() != tc.wantHits || ae.Attempts != int(tc.wantHits) || meta.Attempts != int(tc.wantHits) {
				t.Errorf("hits = %d, attempts = %d/%d, want %d", hits.Load(), ae.Attempts, meta.Attempts, tc.wantHits)
			}
			if ae.StatusCode != tc.answer.status || string(ae.Code) != tc.answer.code || ae.Message != "message for "+tc.answer.code || ae.TraceID != "trace-abc" {
				t.Errorf("APIError = %#v", ae)
			}
			wantKey := "key-1"
			if tc.op == "get" {
				wantKey = ""
			}
			if ae.IdempotencyKey != wantKey || meta.IdempotencyKey != wantKey {
				t.Errorf("key = %q / %q, want %q", ae.IdempotencyKey, meta.IdempotencyKey, wantKey)
			}
			msg := err.Error()
			for _, part := range []string{tc.answer.code, "trace-abc", ae.Operation} {
				if !strings.Contains(msg, part) {
					t.Errorf("Error() = %q, missing %q", msg, part)
				}
			}
		})
	}
}

func TestAPIErrorConstants(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 403, "REJECT_CARD_COMPANY", "declined")
	})
	_, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != generated.ErrorCodeRejectCardCompany || ae.Operation != "confirmPayment" {
		t.Fatalf("err = %#v", err)
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var hits atomic.Int32
	h.mux.HandleFunc("GET /v1/payments/{paymentKey}", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(502)
		_, _ = w.Write([]byte("<html>\n<body>\t502 Bad Gateway</body>\n</html>"))
	})
	_, meta, err := h.c.GetPayment(context.Background(), "pk-1")
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	if ae.StatusCode != 502 || ae.Code != "" || hits.Load() != 3 || meta.StatusCode != 502 {
		t.Errorf("APIError = %#v, hits %d", ae, hits.Load())
	}
	for _, want := range []string{"Bad Gateway", "text/html", "not a Toss error body", "<html> <body> 502 Bad Gateway"} {
		if !strings.Contains(ae.Message, want) {
			t.Errorf("message %q lacks %q", ae.Message, want)
		}
	}
}

// TestErrorBodyCapped: a huge error body is read up to 1 MiB only.
func TestErrorBodyCapped(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var written atomic.Int64
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		chunk := []byte(`{"code":"INVALID_REQUEST","message":"` + strings.Repeat("x", 64<<10))
		for range 256 { // 16 MiB if anyone read it all
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	_, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(ae.Message, "read stopped at 1048576") {
		t.Errorf("message = %.200q", ae.Message)
	}
	if len(ae.Message) > 1000 {
		t.Errorf("message is %d bytes long", len(ae.Message))
	}
	if ClassOf(err) != ClassRejected {
		t.Errorf("class = %s", ClassOf(err))
	}
}

func TestUndecodablePayment(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []byte(`{"status": 42`))
	})
	_, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 200 || !IsOutcomeUnknown(err) {
		t.Fatalf("err = %v, class %s", err, ClassOf(err))
	}
}

// hijackClose drops the connection without an answer: a lost response.
func hijackClose(hits *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

func TestTransportErrorDroppedConnection(t *testing.T) {
	t.Parallel()
	for _, get := range []bool{false, true} {
		h := setup(t)
		var hits atomic.Int32
		h.mux.HandleFunc("POST /v1/payments/confirm", hijackClose(&hits))
		h.mux.HandleFunc("GET /v1/payments/{paymentKey}", hijackClose(&hits))
		var err error
		var meta *Meta
		if get {
			_, meta, err = h.c.GetPayment(context.Background(), "pk-1")
		} else {
			_, meta, err = h.c.ConfirmPayment(context.Background(), confirmReq())
		}
		var te *TransportError
		if !errors.As(err, &te) {
			t.Fatalf("err = %T %v", err, err)
		}
		if hits.Load() != 3 || te.Attempts != 3 || meta.Attempts != 3 || !te.MayHaveReachedServer {
			t.Errorf("hits %d, %+v", hits.Load(), te)
		}
		wantClass := ClassOutcomeUnknown
		if get {
			wantClass = ClassRetryable
		}
		if ClassOf(err) != wantClass || !IsRetryable(err) {
			t.Errorf("get=%v: class = %s, retryable %v", get, ClassOf(err), IsRetryable(err))
		}
		if !strings.Contains(err.Error(), "3 attempts") || !strings.Contains(err.Error(), "may have reached the server") {
			t.Errorf("Error() = %q", err.Error())
		}
		if !get && te.IdempotencyKey != "key-1" {
			t.Errorf("key = %q", te.IdempotencyKey)
		}
	}
}

func TestTransportErrorNoServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	s := &sleeper{}
	c, err := New(testKey, WithBaseURL(url), WithSleeper(s.sleep))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	_, meta, err := c.ConfirmPayment(context.Background(), confirmReq())
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	if te.MayHaveReachedServer || te.Attempts != 3 || ClassOf(err) != ClassRetryable || len(s.got()) != 2 {
		t.Errorf("%+v, class %s, sleeps %v", te, ClassOf(err), s.got())
	}
	if !strings.Contains(err.Error(), "did not reach the server") || meta.IdempotencyKey == "" {
		t.Errorf("Error() = %q, meta %+v", err.Error(), meta)
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	h := setup(t, WithTimeout(30*time.Millisecond))
	var hits atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	_, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	// Each attempt times out; under load an attempt may time out before
	// the handler runs, so the hits are not counted exactly.
	if te.Attempts != 3 || hits.Load() < 1 || !te.MayHaveReachedServer || !IsOutcomeUnknown(err) {
		t.Errorf("attempts %d, hits %d, %+v, class %s", te.Attempts, hits.Load(), te, ClassOf(err))
	}
}

func TestClassOfForeignErrors(t *testing.T) {
	t.Parallel()
	if ClassOf(nil) != ClassNone || ClassOf(errors.New("x")) != ClassOther {
		t.Error("ClassOf of nil or a foreign error")
	}
	if IsRetryable(errors.New("x")) || IsDeclined(nil) || IsOutcomeUnknown(nil) {
		t.Error("helpers on foreign errors")
	}
	if Class(99).String() != "Class(99)" || ClassDeclined.String() != "declined" {
		t.Error("Class.String")
	}
}

// TestLostOutcomeNotHiddenByLaterAnswer: when an earlier attempt of a POST
// may have reached the server (its response was dropped), a last answer
// that is not a definitive Toss answer about the key (a 429, a proxy's
// codeless 4xx) must not say "nothing happened": the charge may have gone
// through. A 4xx with a Toss code is the first answer replayed and stays
// definitive.
func TestLostOutcomeNotHiddenByLaterAnswer(t *testing.T) {
	t.Parallel()
	proxyPage := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "<html>blocked</html>")
		}
	}
	tooMany := func(retryAfter string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeError(w, 429, "TOO_MANY_REQUESTS", "slow down")
		}
	}
	cases := []struct {
		name      string
		then      http.HandlerFunc
		wantClass Class
		wantHits  int32
		retryable bool
	}{
		{"drop then 429 until attempts run out", tooMany(""), ClassOutcomeUnknown, 3, true},
		{"drop then 429 with Retry-After beyond MaxDelay", tooMany("3600"), ClassOutcomeUnknown, 2, true},
		{"drop then a codeless 403 from a proxy", proxyPage(403), ClassOutcomeUnknown, 2, true},
		{"drop then a redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusSeeOther)
		}, ClassOutcomeUnknown, 2, false},
		{"drop then a decline (the replayed first answer)", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 403, "REJECT_CARD_COMPANY", "declined")
		}, ClassDeclined, 2, false},
		{"drop then INVALID_REQUEST (the replayed first answer)", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, 400, "INVALID_REQUEST", "bad")
		}, ClassRejected, 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			var hits atomic.Int32
			drop := hijackClose(&hits)
			h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
				if hits.Load() == 0 {
					drop(w, r)
					return
				}
				hits.Add(1)
				tc.then(w, r)
			})
			_, meta, err := h.c.ConfirmPayment(context.Background(), confirmReq())
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *APIError", err, err)
			}
			if got := ClassOf(err); got != tc.wantClass {
				t.Errorf("class = %s, want %s (%v)", got, tc.wantClass, err)
			}
			if IsOutcomeUnknown(err) != (tc.wantClass == ClassOutcomeUnknown) || IsRetryable(err) != tc.retryable {
				t.Errorf("IsOutcomeUnknown %v, IsRetryable %v; want class %s, retryable %v", IsOutcomeUnknown(err), IsRetryable(err), tc.wantClass, tc.retryable)
			}
			if hits.Load() != tc.wantHits || meta.Attempts != int(tc.wantHits) || ae.IdempotencyKey != "key-1" {
				t.Errorf("hits %d, attempts %d, key %q; want %d hits", hits.Load(), meta.Attempts, ae.IdempotencyKey, tc.wantHits)
			}
			if !strings.Contains(err.Error(), tc.wantClass.String()) {
				t.Errorf("Error() = %q lacks the class", err)
			}
		})
	}
}

// TestRedirectToPOSTIsOutcomeUnknown: a 3xx answer to a POST (the client
// follows no redirect) may follow processing; a look-up that gets one is
// refused, not retried.
func TestRedirectToPOSTIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var hits atomic.Int32
	redirect := func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/v1/elsewhere", http.StatusSeeOther)
	}
	h.mux.HandleFunc("POST /v1/payments/confirm", redirect)
	h.mux.HandleFunc("GET /v1/payments/{paymentKey}", redirect)
	_, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	if !IsOutcomeUnknown(err) || hits.Load() != 1 {
		t.Errorf("POST: class %s, hits %d: %v", ClassOf(err), hits.Load(), err)
	}
	_, _, err = h.c.GetPayment(context.Background(), "pk-1")
	if ClassOf(err) != ClassRejected || hits.Load() != 2 {
		t.Errorf("GET: class %s, hits %d: %v", ClassOf(err), hits.Load(), err)
	}
}

// TestNotSentIsNotReached: a failure before the transport used any
// connection (a proxy setting that fails, a header value net/http refuses)
// did not reach the server: the call is retryable, not outcome unknown.
func TestNotSentIsNotReached(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	proxyFails := &http.Transport{Proxy: func(*http.Request) (*url.URL, error) { return nil, errors.New("no proxy for you") }}
	defer proxyFails.CloseIdleConnections()
	cases := map[string]struct {
		opts []Option
		call []CallOption
	}{
		"proxy setting fails":          {opts: []Option{WithHTTPClient(&http.Client{Transport: proxyFails})}},
		"header net/http refuses":      {call: []CallOption{WithHeader("X-Note", "a\x00b")}},
		"header name net/http refuses": {call: []CallOption{WithHeader("X(Note)", "a")}},
	}
	for name, tc := range cases {
		s := &sleeper{}
		c, err := New(testKey, append([]Option{WithBaseURL(srv.URL), WithSleeper(s.sleep)}, tc.opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		_, meta, err := c.ConfirmPayment(context.Background(), confirmReq(), tc.call...)
		c.CloseIdleConnections()
		var te *TransportError
		if !errors.As(err, &te) {
			t.Errorf("%s: err = %T %v", name, err, err)
			continue
		}
		if te.MayHaveReachedServer || ClassOf(err) != ClassRetryable || IsOutcomeUnknown(err) || meta.Attempts != 3 {
			t.Errorf("%s: %v (class %s, attempts %d)", name, err, ClassOf(err), meta.Attempts)
		}
		if !strings.Contains(err.Error(), "did not reach the server") {
			t.Errorf("%s: Error() = %q", name, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the server", hits.Load())
	}
}
