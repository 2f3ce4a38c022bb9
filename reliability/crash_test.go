package reliability_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// observer is a transport that counts answers by status and the replays
// the sandbox marks with X-Sandbox-Idempotent-Replay.
type observer struct {
	base     *http.Transport
	mu       sync.Mutex
	statuses map[int]int
	replays  atomic.Int64
	sent     atomic.Int64
}

func newObserver() *observer {
	return &observer{base: &http.Transport{MaxIdleConnsPerHost: 128}, statuses: map[int]int{}}
}

func (o *observer) RoundTrip(r *http.Request) (*http.Response, error) {
	o.sent.Add(1)
	resp, err := o.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.statuses[resp.StatusCode]++
	o.mu.Unlock()
	if resp.Header.Get(sandbox.ReplayHeader) == "true" {
		o.replays.Add(1)
	}
	return resp, nil
}

func (o *observer) count(status int) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.statuses[status]
}

func (o *observer) close() { o.base.CloseIdleConnections() }

// fixedSleep waits d whatever the wrapper asks, so that a retried 409 gives
// the request in flight time to finish.
func fixedSleep(d time.Duration) func(context.Context, time.Duration) error {
	return func(ctx context.Context, _ time.Duration) error { return sleepCtx(ctx, d) }
}

// approved creates a payment through c and has the customer approve it.
func approved(t *testing.T, w *world, c *wrapper.Client, orderID string, amount int64) generated.ConfirmPaymentRequest {
	t.Helper()
	p, _, err := c.CreatePayment(context.Background(), generated.CreatePaymentRequest{
		Amount: won(amount), Method: generated.CreatePaymentMethodCard, OrderID: orderID,
		OrderName: "crash test", ReturnURL: "https://shop.example/return",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.sb.Approve(p.PaymentKey); err != nil {
		t.Fatal(err)
	}
	return generated.ConfirmPaymentRequest{PaymentKey: p.PaymentKey, OrderID: orderID, Amount: won(amount)}
}

// keyedIn charges amount on the canary card through c.
func keyedIn(t *testing.T, c *wrapper.Client, orderID string, amount int64, opts ...wrapper.CallOption) *generated.Payment {
	t.Helper()
	p, _, err := c.KeyInPayment(context.Background(), keyInRequest(orderID, amount), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func keyInRequest(orderID string, amount int64) generated.KeyInPaymentRequest {
	return generated.KeyInPaymentRequest{
		Amount: won(amount), OrderID: orderID, OrderName: "crash test key-in",
		CardNumber: canaryCard, CardExpirationYear: "30", CardExpirationMonth: "12",
		CustomerIdentityNumber: "880101",
	}
}

// dies sends one request through a client that gets no answer (the
// sandbox commits it and drops the connection) and is then thrown away,
// as a process that crashes after sending, and checks that the doomed
// caller was told the outcome is unknown, with the key to retry with.
func dies(t *testing.T, w *world, send func(*wrapper.Client) (*generated.Payment, *wrapper.Meta, error), key string) {
	t.Helper()
	doomed := w.client(nil, wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 1}))
	p, meta, err := send(doomed)
	w.record(p, meta, err)
	doomed.CloseIdleConnections()
	if !wrapper.IsOutcomeUnknown(err) {
		t.Fatalf("the doomed call: want an outcome-unknown error, got %v", err)
	}
	var te *wrapper.TransportError
	if !errors.As(err, &te) || !te.MayHaveReachedServer || te.IdempotencyKey != key || meta.IdempotencyKey != key {
		t.Fatalf("the doomed call: want a TransportError that may have reached the server with key %s, got %#v", key, err)
	}
}

var dropped = wrapper.WithHeader(sandbox.FaultHeader, sandbox.FaultDropAfterCommit)

// TestCrashSafeRetry: a caller that dies after sending confirm, cancel or
// key-in (the sandbox commits, the response is lost, the client is thrown
// away) and restarts with the same derived idempotency key gets the
// original result, not a second charge or refund.
func TestCrashSafeRetry(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	obs := newObserver()
	defer obs.close()
	restarted := func() *wrapper.Client { return w.client(obs) }

	t.Run("confirm", func(t *testing.T) {
		req := approved(t, w, w.client(nil), "crash-confirm-1", 15000)
		key := wrapper.ConfirmIdempotencyKey(req)
		dies(t, w, func(c *wrapper.Client) (*generated.Payment, *wrapper.Meta, error) {
			return c.ConfirmPayment(ctx, req, wrapper.WithIdempotencyKey(key), dropped)
		}, key)
		stored, _ := w.sb.Get(sandbox.Caller{SecretKey: canaryKey}, req.PaymentKey)
		if stored.Status != generated.PaymentStatusDone {
			t.Fatalf("the dropped confirm should have committed: %s", stored.Status)
		}
		before := obs.replays.Load()
		p, meta, err := restarted().ConfirmPayment(ctx, req, wrapper.WithIdempotencyKey(wrapper.ConfirmIdempotencyKey(req)))
		w.record(p, meta, err)
		if err != nil {
			t.Fatal(err)
		}
		if obs.replays.Load() != before+1 {
			t.Error("the restarted confirm was not answered by a replay")
		}
		if *p.LastTransactionKey != *stored.LastTransactionKey || p.ApprovedAt == nil || *p.ApprovedAt != *stored.ApprovedAt {
			t.Errorf("the restarted confirm got transaction %v, the original is %v", *p.LastTransactionKey, *stored.LastTransactionKey)
		}
		after, _ := w.sb.Get(sandbox.Caller{SecretKey: canaryKey}, req.PaymentKey)
		if *after.LastTransactionKey != *stored.LastTransactionKey {
			t.Error("the payment was authorized a second time")
		}
	})

	t.Run("cancel", func(t *testing.T) {
		p0 := keyedIn(t, w.client(nil), "crash-cancel-1", 20000)
		partial := generated.CancelPaymentRequest{CancelReason: "partial refund", CancelAmount: ptr(won(3000))}
		full := generated.CancelPaymentRequest{CancelReason: "full refund"}
		for seq, req := range []generated.CancelPaymentRequest{partial, full} {
			key := wrapper.CancelIdempotencyKey(p0.PaymentKey, seq+1, req)
			dies(t, w, func(c *wrapper.Client) (*generated.Payment, *wrapper.Meta, error) {
				return c.CancelPayment(ctx, p0.PaymentKey, req, wrapper.WithIdempotencyKey(key), dropped)
			}, key)
			stored, _ := w.sb.Get(sandbox.Caller{SecretKey: canaryKey}, p0.PaymentKey)
			before := obs.replays.Load()
			p, meta, err := restarted().CancelPayment(ctx, p0.PaymentKey, req, wrapper.WithIdempotencyKey(wrapper.CancelIdempotencyKey(p0.PaymentKey, seq+1, req)))
			w.record(p, meta, err)
			if err != nil {
				t.Fatalf("cancel %d after the restart: %v", seq+1, err)
			}
			if obs.replays.Load() != before+1 {
				t.Errorf("cancel %d after the restart was not a replay", seq+1)
			}
			after, _ := w.sb.Get(sandbox.Caller{SecretKey: canaryKey}, p0.PaymentKey)
			if n := len(*after.Cancels); n != seq+1 || *after.LastTransactionKey != *stored.LastTransactionKey {
				t.Errorf("cancel %d: the sandbox has %d cancels (want %d)", seq+1, n, seq+1)
			}
			if !p.BalanceAmount.Equal(after.BalanceAmount) {
				t.Errorf("cancel %d: the caller sees balance %s, the sandbox %s", seq+1, p.BalanceAmount, after.BalanceAmount)
			}
		}
		final, _ := w.sb.Get(sandbox.Caller{SecretKey: canaryKey}, p0.PaymentKey)
		if final.Status != generated.PaymentStatusCanceled || !final.BalanceAmount.IsZero() || len(*final.Cancels) != 2 ||
			!(*final.Cancels)[0].CancelAmount.Equal(won(3000)) || !(*final.Cancels)[1].CancelAmount.Equal(won(17000)) {
			t.Errorf("final: %s balance %s cancels %d", final.Status, final.BalanceAmount, len(*final.Cancels))
		}
	})

	t.Run("key-in", func(t *testing.T) {
		req := keyInRequest("crash-keyin-1", 12000)
		key := wrapper.DeriveIdempotencyKey("keyIn", req.OrderID, "12000")
		dies(t, w, func(c *wrapper.Client) (*generated.Payment, *wrapper.Meta, error) {
			return c.KeyInPayment(ctx, req, wrapper.WithIdempotencyKey(key), dropped)
		}, key)
		stored, _ := w.sb.GetByOrderID(sandbox.Caller{SecretKey: canaryKey}, req.OrderID)
		p, meta, err := restarted().KeyInPayment(ctx, req, wrapper.WithIdempotencyKey(wrapper.DeriveIdempotencyKey("keyIn", req.OrderID, "12000")))
		w.record(p, meta, err)
		if err != nil {
			t.Fatal(err)
		}
		if p.PaymentKey != stored.PaymentKey || *p.LastTransactionKey != *stored.LastTransactionKey {
			t.Errorf("the restarted key-in got payment %s, the original is %s", p.PaymentKey, stored.PaymentKey)
		}
	})

	t.Run("a second process while the first request is in flight", func(t *testing.T) {
		// The first process hangs with its request held by the sandbox (a
		// delay); a second process (a restart, another replica) sends the
		// same derived key, meets 409 IDEMPOTENT_REQUEST_PROCESSING, retries,
		// and reads the first request's result.
		req := approved(t, w, w.client(nil), "crash-inflight-1", 9000)
		key := wrapper.ConfirmIdempotencyKey(req)
		hung := w.client(nil, wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 1}))
		first := make(chan *generated.Payment, 1)
		held := w.sb.InFlight()
		go func() {
			p, meta, err := hung.ConfirmPayment(ctx, req, wrapper.WithIdempotencyKey(key), wrapper.WithHeader(sandbox.FaultHeader, "delay=300ms"))
			w.record(p, meta, err)
			first <- p
		}()
		// Wait until the first request holds its key on the sandbox (it is
		// paused by the delay after claiming it), not for a guessed time.
		for w.sb.InFlight() <= held {
			if err := sleepCtx(ctx, time.Millisecond); err != nil {
				t.Fatalf("the first request never claimed its key: %v", err)
			}
			select {
			case p := <-first:
				t.Fatalf("the first request ended (%v) before it was seen holding its key", p)
			default:
			}
		}
		c := w.client(obs, wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 10, MaxDelay: time.Second}), wrapper.WithSleeper(fixedSleep(50*time.Millisecond)))
		conflicts := obs.count(http.StatusConflict)
		p, meta, err := c.ConfirmPayment(ctx, req, wrapper.WithIdempotencyKey(wrapper.ConfirmIdempotencyKey(req)))
		w.record(p, meta, err)
		if err != nil {
			t.Fatal(err)
		}
		if obs.count(http.StatusConflict) == conflicts || meta.Attempts < 2 {
			t.Errorf("want the second process to meet 409 and retry; attempts %d", meta.Attempts)
		}
		p1 := <-first
		hung.CloseIdleConnections()
		stored, _ := w.sb.Get(sandbox.Caller{SecretKey: canaryKey}, req.PaymentKey)
		if p1 == nil || stored.Status != generated.PaymentStatusDone || *p.LastTransactionKey != *stored.LastTransactionKey || *p1.LastTransactionKey != *stored.LastTransactionKey {
			t.Errorf("two processes, one confirm: second %s %v, sandbox %s %v", p.Status, *p.LastTransactionKey, stored.Status, *stored.LastTransactionKey)
		}
	})

	t.Run("control: a restart with a new key refunds twice", func(t *testing.T) {
		// Why the key must be derived: the same partial cancel sent again
		// with a fresh random key is a second refund. The test would catch
		// a wrapper or sandbox that let that happen with the same key.
		p0 := keyedIn(t, w.client(nil), "crash-control-1", 10000)
		req := generated.CancelPaymentRequest{CancelReason: "partial refund", CancelAmount: ptr(won(1000))}
		random := "random-key-of-the-first-process"
		dies(t, w, func(c *wrapper.Client) (*generated.Payment, *wrapper.Meta, error) {
			return c.CancelPayment(ctx, p0.PaymentKey, req, wrapper.WithIdempotencyKey(random), dropped)
		}, random)
		if _, _, err := restarted().CancelPayment(ctx, p0.PaymentKey, req); err != nil {
			t.Fatal(err)
		}
		after, _ := w.sb.Get(sandbox.Caller{SecretKey: canaryKey}, p0.PaymentKey)
		if len(*after.Cancels) != 2 || !after.BalanceAmount.Equal(won(8000)) {
			t.Errorf("want the control to refund twice (2 cancels, balance 8000), got %d cancels, balance %s", len(*after.Cancels), after.BalanceAmount)
		}
	})

	assertNoCanary(t, "the logs", w.logs.String())
	assertNoCanary(t, "the callers' errors and results", w.out.String())
}
