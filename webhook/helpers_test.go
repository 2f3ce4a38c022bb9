package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// The secret of the test payments: it must never show in a log line.
const testSecret = "ps_secret_never_logged_7f3a"

// paymentJSON is a Payment as Toss answers it, with the given key, order
// and status (every key the spec requires), 1000 won, last transaction txrd_1.
func paymentJSON(paymentKey, orderID, status string, secret *string) string {
	return payJSON(pay{key: paymentKey, order: orderID, status: status, secret: secret, total: 1000, last: "txrd_1"})
}

// pay is a Payment for payJSON.
type pay struct {
	key, order, status string
	secret             *string
	total, balance     int // balance 0: the total; -1: nothing left
	last               string
	cancels            int
}

func payJSON(p pay) string {
	sec := "null"
	if p.secret != nil {
		sec = fmt.Sprintf("%q", *p.secret)
	}
	switch p.balance {
	case 0:
		p.balance = p.total
	case -1: // fully cancelled
		p.balance = 0
	}
	cancels := "null"
	if p.cancels > 0 {
		var cs []string
		for i := range p.cancels {
			cs = append(cs, fmt.Sprintf(`{"cancelAmount":100,"cancelReason":"r","canceledAt":"2026-01-02T15:0%d:00+09:00","transactionKey":"txc_%d","taxFreeAmount":0,"taxExemptionAmount":0,"refundableAmount":0,"easyPayDiscountAmount":0,"cardDiscountAmount":null,"transferDiscountAmount":0,"cancelRequestId":null,"cancelStatus":"DONE"}`, i, i))
		}
		cancels = "[" + strings.Join(cs, ",") + "]"
	}
	return fmt.Sprintf(`{"mId":"tvivarepublica","version":"2022-11-16","paymentKey":%q,"orderId":%q,"orderName":"T-shirt",
"type":"NORMAL","currency":"KRW","method":"가상계좌","totalAmount":%d,"balanceAmount":%d,"status":%q,
"requestedAt":"2026-01-02T14:46:43+09:00","approvedAt":"2026-01-02T14:46:58+09:00","useEscrow":false,
"lastTransactionKey":%q,"suppliedAmount":909,"vat":91,"cultureExpense":false,"taxFreeAmount":0,
"taxExemptionAmount":0,"cancels":%s,"card":null,"virtualAccount":null,"secret":%s,"mobilePhone":null,
"giftCertificate":null,"transfer":null,"cashReceipt":null,"cashReceipts":null,"discount":null,
"easyPay":null,"country":"KR","failure":null,"checkout":{"url":"https://api.tosspayments.com/v1/payments/x/checkout"}}`,
		p.key, p.order, p.total, p.balance, p.status, p.last, cancels, sec)
}

// eventOf is a PAYMENT_STATUS_CHANGED body whose data is p.
func eventOf(p pay, createdAt string) []byte {
	return []byte(fmt.Sprintf(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":%q,"data":%s}`, createdAt, payJSON(p)))
}

func strPtr(s string) *string { return &s }

// statusEvent is a PAYMENT_STATUS_CHANGED body.
func statusEvent(paymentKey, orderID, status string, secret *string, createdAt string) []byte {
	return []byte(fmt.Sprintf(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":%q,"data":%s}`,
		createdAt, paymentJSON(paymentKey, orderID, status, secret)))
}

// depositEvent is a DEPOSIT_CALLBACK body.
func depositEvent(orderID, status, secret string) []byte {
	return []byte(fmt.Sprintf(`{"createdAt":"2026-01-02T15:00:00.000000","secret":%q,"status":%q,"transactionKey":"9FF15E1A29D0E77C218F57262BFA4986","orderId":%q}`,
		secret, status, orderID))
}

// fakeToss is a PaymentGetter and OrderPaymentGetter over a map; set
// changes a payment as Toss would.
type fakeToss struct {
	mu       sync.Mutex
	payments map[string]*generated.Payment // by paymentKey
	err      error                         // returned by every look-up when set
	calls    int
	block    chan struct{} // when set, every look-up waits for it to close
}

func newFakeToss(t testing.TB, payments ...string) *fakeToss {
	t.Helper()
	f := &fakeToss{payments: map[string]*generated.Payment{}}
	for _, raw := range payments {
		f.set(t, raw)
	}
	return f
}

func (f *fakeToss) set(t testing.TB, raw string) {
	t.Helper()
	var p generated.Payment
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("fake payment: %v", err)
	}
	f.mu.Lock()
	f.payments[p.PaymentKey] = &p
	f.mu.Unlock()
}

func (f *fakeToss) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeToss) wait(ctx context.Context) error {
	f.mu.Lock()
	f.calls++
	b := f.block
	f.mu.Unlock()
	if b != nil {
		select {
		case <-b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (f *fakeToss) GetPayment(ctx context.Context, key string, _ ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error) {
	if err := f.wait(ctx); err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, nil, f.err
	}
	if p, ok := f.payments[key]; ok {
		c := *p
		return &c, &wrapper.Meta{}, nil
	}
	return nil, nil, &wrapper.APIError{Operation: "getPayment", StatusCode: http.StatusNotFound, Code: "NOT_FOUND_PAYMENT"}
}

func (f *fakeToss) GetPaymentByOrderID(ctx context.Context, orderID string, _ ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error) {
	if err := f.wait(ctx); err != nil {
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, nil, f.err
	}
	for _, p := range f.payments {
		if p.OrderID == orderID {
			c := *p
			return &c, &wrapper.Meta{}, nil
		}
	}
	return nil, nil, &wrapper.APIError{Operation: "getPaymentByOrderId", StatusCode: http.StatusNotFound, Code: "NOT_FOUND_PAYMENT"}
}

// secrets is a SecretLookup over a map of orderId to secret.
func secrets(m map[string]string) SecretLookup {
	return func(_ context.Context, orderID string) (string, bool, error) {
		s, ok := m[orderID]
		return s, ok, nil
	}
}

// recorder is the user's function of the tests: it records the events it
// was called with and can be told to fail.
type recorder struct {
	mu     sync.Mutex
	events []*Event
	raw    []*Unverified
	fail   func(*Event) error
}

func (r *recorder) handleUnverified(_ context.Context, u *Unverified) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.raw = append(r.raw, u)
	return nil
}

// statuses lists the statuses the function saw, in order.
func (r *recorder) statuses() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, string(e.Status()))
	}
	return out
}

func (r *recorder) handle(_ context.Context, ev *Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(ev); err != nil {
			return err
		}
	}
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// logBuffer collects log lines for the assertions; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// deliver POSTs body to h as Toss would, with the transmission id tid
// (none when empty) and the retried count.
func deliver(t testing.TB, h http.Handler, tid string, retried int, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/toss", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tid != "" {
		req.Header.Set(openapi.HeaderWebhookTransmissionID, tid)
	}
	req.Header.Set(openapi.HeaderWebhookTransmissionTime, "2026-01-02T15:00:01+09:00")
	req.Header.Set(openapi.HeaderWebhookTransmissionRetriedCount, fmt.Sprint(retried))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func mustNew(t testing.TB, fn HandlerFunc, opts ...Option) *Receiver {
	t.Helper()
	r, err := New(fn, append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustNewUnverified(t testing.TB, fn UnverifiedFunc, opts ...Option) *Receiver {
	t.Helper()
	r, err := NewUnverified(fn, append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantStatus(t testing.TB, w *httptest.ResponseRecorder, want int) {
	t.Helper()
	if w.Code != want {
		t.Fatalf("status = %d, want %d; body %q", w.Code, want, w.Body.String())
	}
}

var errBoom = errors.New("boom")

func noSecretIn(t testing.TB, s string) {
	t.Helper()
	if strings.Contains(s, testSecret) || strings.Contains(s, "wrong-secret") {
		t.Errorf("a secret leaked: %s", s)
	}
}
