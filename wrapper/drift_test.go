package wrapper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/drift"
	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/internal/benchcpu"
)

// driftSink collects reports.
type driftSink struct {
	mu      sync.Mutex
	reports []drift.Report
}

func (s *driftSink) report(r drift.Report) {
	s.mu.Lock()
	s.reports = append(s.reports, r)
	s.mu.Unlock()
}

func (s *driftSink) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.reports {
		out = append(out, fmt.Sprintf("%s %d %s %s %s", r.Operation, r.Status, r.Pointer, r.Kind, r.Value))
	}
	slices.Sort(out)
	return out
}

// driftingPayment is the confirm fixture with an unknown field carrying
// personal data and an unknown card type; without paymentKey too when
// dropKey is set.
func driftingPayment(t *testing.T, dropKey bool) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, "payment_done.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["customerName"] = "김토스 9440617283910245"
	m["card"].(map[string]any)["cardType"] = "PREPAID"
	if dropKey {
		delete(m, "paymentKey")
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDriftReporter: a drifting answer still makes a successful call, and
// its drifts are reported once however often they come back. An answer
// without a key the spec requires is reported too, and fails the call:
// the client cannot tell that it answers the request.
func TestDriftReporter(t *testing.T) {
	t.Parallel()
	sink := &driftSink{}
	rec, err := drift.NewRecorder(nil, sink.report)
	if err != nil {
		t.Fatal(err)
	}
	h := setup(t, WithDriftRecorder(rec))
	body := driftingPayment(t, false)
	var served atomic.Pointer[[]byte]
	served.Store(&body)
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, *served.Load())
	})
	for range 3 {
		p, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
		if err != nil {
			t.Fatalf("a drifting answer failed the call: %v", err)
		}
		if p.OrderID != "order-20210101-0001" || p.Card == nil || p.Card.CardType != "PREPAID" {
			t.Fatalf("the payment was not read as without the check: %+v", p)
		}
	}
	keyless := driftingPayment(t, true)
	served.Store(&keyless)
	if _, _, err := h.c.ConfirmPayment(context.Background(), confirmReq()); !IsOutcomeUnknown(err) {
		t.Fatalf("an answer without paymentKey: err %v, want outcome unknown", err)
	}
	want := []string{
		"confirmPayment 200 /card/cardType unknown-enum PREPAID",
		"confirmPayment 200 /customerName unknown-property ",
		"confirmPayment 200 /paymentKey missing-required ",
	}
	if g := sink.got(); !slices.Equal(g, want) {
		t.Fatalf("reported %q\nwant %q", g, want)
	}
	for _, r := range rec.Reports() {
		want := int64(4)
		if r.Kind == drift.MissingRequired {
			want = 1
		}
		if r.Count != want {
			t.Errorf("%v: count %d, want %d", r, r.Count, want)
		}
		if s := fmt.Sprintf("%v %+v", r, r); strings.Contains(s, "9440617283910245") || strings.Contains(s, "김토스") || strings.Contains(s, "15000") {
			t.Errorf("a report carries a value of the answer: %s", s)
		}
	}
}

// TestDriftReporterChecksEveryAttempt: error answers are checked too, each
// attempt's: an undocumented status before the retry, an error code the
// operation does not document for its status on the last.
func TestDriftReporterChecksEveryAttempt(t *testing.T) {
	t.Parallel()
	sink := &driftSink{}
	h := setup(t, WithDriftReporter(sink.report))
	var n atomic.Int32
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeError(w, http.StatusBadGateway, "BAD_GATEWAY", "upstream")
			return
		}
		writeJSON(w, http.StatusBadRequest, []byte(`{"code":"REJECT_CARD_COMPANY","message":"거절"}`))
	})
	_, meta, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != generated.ErrorCodeRejectCardCompany || meta.Attempts != 2 {
		t.Fatalf("err = %v, attempts %d: the check changed the call", err, meta.Attempts)
	}
	want := []string{
		"confirmPayment 400 /code undocumented-code REJECT_CARD_COMPANY",
		"confirmPayment 502  undocumented-status ",
	}
	if g := sink.got(); !slices.Equal(g, want) {
		t.Fatalf("reported %q\nwant %q", g, want)
	}
}

// TestDriftReporterValidAnswer: an answer that matches the spec reports
// nothing.
func TestDriftReporterValidAnswer(t *testing.T) {
	t.Parallel()
	sink := &driftSink{}
	h := setup(t, WithDriftReporter(sink.report))
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fixture(t, "payment_done.json"))
	})
	h.mux.HandleFunc("GET /v1/payments/{key}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, []byte(`{"code":"NOT_FOUND_PAYMENT","message":"없음"}`))
	})
	if _, _, err := h.c.ConfirmPayment(context.Background(), confirmReq()); err != nil {
		t.Fatal(err)
	}
	if g := sink.got(); len(g) != 0 {
		t.Errorf("a valid answer reported %q", g)
	}
	if _, _, err := h.c.GetPayment(context.Background(), "tviva2024"); err == nil {
		t.Fatal("want the 404")
	}
	if g := sink.got(); len(g) != 0 {
		t.Errorf("a documented error answer reported %q", g)
	}
}

// TestDriftReporterPanicNeverFailsTheCall: a reporter that panics is
// recovered; the call returns its payment and the client logs the panic
// without its value.
func TestDriftReporterPanicNeverFailsTheCall(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	h := setup(t, WithLogger(logs.logger()), WithDriftReporter(func(drift.Report) { panic("reporter bug " + testKey) }))
	body := driftingPayment(t, false)
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, body)
	})
	p, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	if err != nil || p == nil {
		t.Fatalf("the reporter's panic failed the call: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "drift reporter panicked") {
		t.Errorf("the panic was not logged:\n%s", out)
	}
	if strings.Contains(out, testKey) || strings.Contains(out, "reporter bug") {
		t.Errorf("the log carries the panic's value:\n%s", out)
	}
}

func TestDriftOptions(t *testing.T) {
	t.Parallel()
	if _, err := New(testKey, WithDriftRecorder(nil)); err == nil {
		t.Error("WithDriftRecorder(nil) accepted")
	}
	c, err := New(testKey)
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.onBody != nil {
		t.Error("the drift check is on by default")
	}
	c, err = New(testKey, WithDriftReporter(nil))
	if err != nil || c.cfg.onBody == nil {
		t.Errorf("WithDriftReporter(nil) (log on slog.Default): %v", err)
	}
}

// BenchmarkConfirmPaymentDrift is BenchmarkConfirmPayment's wrapper call
// (validation on) with the drift check off and on, against a local server
// answering a payment that matches the spec. Run interleaved, as
// docs/benchmarks.md ("Drift check") says.
func BenchmarkConfirmPaymentDrift(b *testing.B) {
	payment := fixture(b, "payment_done.json")
	srv := httptestServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusOK, payment)
	}))
	defer srv.Close()
	req := confirmReq()
	ctx := context.Background()
	for _, on := range []bool{false, true} {
		name := "drift=off"
		opts := []Option{WithBaseURL(srv.URL)}
		if on {
			name = "drift=on"
			opts = append(opts, WithDriftReporter(func(r drift.Report) { b.Fatalf("drift: %v", r) }))
		}
		b.Run(name, func(b *testing.B) {
			c, err := New(testKey, opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			b.ReportAllocs()
			cpu := benchcpu.Start()
			for b.Loop() {
				if _, _, err := c.ConfirmPayment(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			benchcpu.Report(b, cpu)
		})
	}
}
