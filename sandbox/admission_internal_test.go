package sandbox

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestNewcomersWaitForTheirSlots: while the requests of keys the sandbox
// holds nothing for fill the newcomers' slots, another new key waits, and a
// key already at work is answered at once.
func TestNewcomersWaitForTheirSlots(t *testing.T) {
	sb, err := New()
	if err != nil {
		t.Fatal(err)
	}
	sb.newcomer = make(chan struct{}, 1) // one slot, whatever the machine
	h := sb.Handler()
	request := func(ctx context.Context, key, method, path, body string, headers ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequestWithContext(ctx, method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	create := func(order string) string {
		return `{"method":"CARD","amount":15000,"orderId":"` + order + `","orderName":"T","returnUrl":"http://localhost/return"}`
	}
	const worker = "test_sk_at_work_000000000000"
	if w := request(context.Background(), worker, "POST", "/v1/payments", create("order-at-work-1")); w.Code != http.StatusOK {
		t.Fatalf("the worker's first create: %d %s", w.Code, w.Body)
	}
	if n := len(sb.newcomer); n != 0 {
		t.Fatalf("a finished request still holds %d slot(s)", n)
	}

	// A newcomer waiting out a delay fault holds no slot: only its
	// handler's run does.
	pauseCtx, endPause := context.WithCancel(context.Background())
	defer endPause()
	paused := make(chan struct{})
	go func() {
		defer close(paused)
		request(pauseCtx, "test_sk_newcomer_p_0000000000", "POST", "/v1/payments", create("order-newcomer-p"), FaultHeader, "delay=1m")
	}()

	for deadline := time.Now().Add(10 * time.Second); sb.counters.delay.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the delay fault was never applied")
		}
	}

	// Another newcomer's handler runs: it holds the one slot.
	select {
	case sb.newcomer <- struct{}{}:
	case <-time.After(5 * time.Second):
		t.Fatal("the newcomer waiting out its delay holds the only slot")
	}
	// A second newcomer waits for the slot.
	waited := make(chan int)
	go func() {
		waited <- request(context.Background(), "test_sk_newcomer_b_0000000000", "GET", "/v1/payments/orders/order-nothing-1", "").Code
	}()

	// The worker is answered meanwhile.
	if w := request(context.Background(), worker, "GET", "/v1/payments/orders/order-at-work-1", ""); w.Code != http.StatusOK {
		t.Fatalf("the worker's look-up while newcomers fill the slots: %d %s", w.Code, w.Body)
	}
	select {
	case code := <-waited:
		t.Fatalf("the second newcomer was answered (%d) while the first held the only slot", code)
	case <-time.After(100 * time.Millisecond):
	}

	<-sb.newcomer // that handler is done: its slot is free
	select {
	case code := <-waited:
		if code != http.StatusNotFound {
			t.Errorf("the second newcomer's look-up: %d, want 404", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second newcomer never got the freed slot")
	}
	endPause()
	<-paused
}
