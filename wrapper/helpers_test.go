package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// The public test key of the Toss docs; tests never reach the real API.
const testKey = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"

// wantAuth is "Basic " + base64(testKey + ":").
const wantAuth = "Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg=="

func TestMain(m *testing.M) {
	// Every test closes its servers and idle connections; a goroutine left
	// behind (a retry loop, a timer, a connection) fails the package.
	goleak.VerifyTestMain(m)
}

// sleeper records the waits of the retry loop and returns at once.
type sleeper struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// seqKeys returns deterministic idempotency keys key-1, key-2, ...
func seqKeys() func() string {
	var mu sync.Mutex
	n := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("key-%d", n)
	}
}

type harness struct {
	c     *Client
	mux   *http.ServeMux
	url   string
	sleep *sleeper
}

// setup starts an httptest server and a Client pointed at it, with
// deterministic keys and a recording sleeper. Both are closed when the test
// ends.
func setup(t *testing.T, opts ...Option) *harness {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := &sleeper{}
	base := []Option{WithBaseURL(srv.URL), WithIdempotencyKeyGenerator(seqKeys()), WithSleeper(s.sleep)}
	c, err := New(testKey, append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return &harness{c: c, mux: mux, url: srv.URL, sleep: s}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-TossPayments-Trace-Id", "trace-abc")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(map[string]any{"code": code, "message": message, "data": nil})
	writeJSON(w, status, b)
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

func testHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

// testJSONBody compares the body with want as JSON values.
func testJSONBody(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func readBody(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read body: %v", err)
	}
	return bytes.TrimSpace(b)
}

// logBuffer collects the JSON log records of a client, at every level.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func cancelReq(reason string) generated.CancelPaymentRequest {
	return generated.CancelPaymentRequest{CancelReason: reason}
}

func httptestServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }

// answerTo returns payment_done.json made into the answer to r, whose body
// (for a POST) is body: the paymentKey of the path or body, the orderId
// and amount sent, the status a success has, and for a cancel the cancel
// asked for with the balance moved by it.
func answerTo(t testing.TB, r *http.Request, body []byte) []byte {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(fixture(t, "payment_done.json"), &p); err != nil {
		t.Fatal(err)
	}
	var req map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("request body: %v", err)
		}
	}
	if k := r.PathValue("paymentKey"); k != "" {
		p["paymentKey"] = k
	}
	if o := r.PathValue("orderId"); o != "" {
		p["orderId"] = o
	}
	for _, f := range []string{"paymentKey", "orderId"} {
		if v, ok := req[f]; ok {
			p[f] = v
		}
	}
	if v, ok := req["amount"]; ok {
		p["totalAmount"], p["balanceAmount"] = v, v
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/cancel"):
		total := p["totalAmount"].(float64)
		amount := total
		if v, ok := req["cancelAmount"]; ok {
			amount = v.(float64)
		}
		p["cancels"] = []any{map[string]any{"cancelAmount": amount, "cancelReason": req["cancelReason"], "canceledAt": "2021-01-01T10:10:00+09:00", "transactionKey": "tx-c1", "taxFreeAmount": 0, "taxExemptionAmount": 0, "refundableAmount": total - amount, "transferDiscountAmount": 0, "easyPayDiscountAmount": 0, "cancelStatus": "DONE"}}
		p["balanceAmount"] = total - amount
		p["status"] = "PARTIAL_CANCELED"
		if amount == total {
			p["status"] = "CANCELED"
		}
	case r.URL.Path == "/v1/payments":
		p["status"] = "READY"
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
