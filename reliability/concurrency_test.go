package reliability_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

const racers = 64

type result struct {
	p    *generated.Payment
	meta *wrapper.Meta
	err  error
}

// race runs f in racers goroutines released together.
func race(w *world, f func(i int) (*generated.Payment, *wrapper.Meta, error)) []result {
	out := make([]result, racers)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for i := range racers {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			p, meta, err := f(i)
			w.record(p, meta, err)
			out[i] = result{p, meta, err}
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
	return out
}

// patient retries a 409 for up to about 10 × 60 ms while the first request
// (held by a delay fault) finishes.
func patient() []wrapper.Option {
	return []wrapper.Option{
		wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 10, BaseDelay: 50 * time.Millisecond, MaxDelay: time.Second}),
		wrapper.WithSleeper(fixedSleep(60 * time.Millisecond)),
	}
}

// held makes the request that claims the key hold it for 250 ms, so the
// other racers find it in flight.
var held = wrapper.WithHeader(sandbox.FaultHeader, "delay=250ms")

func codeOf(err error) generated.ErrorCode {
	var ae *wrapper.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func stored(w *world, paymentKey string) generated.Payment {
	p, _ := w.sb.Get(sandbox.Caller{SecretKey: canaryKey}, paymentKey)
	return p
}

// TestConcurrentConfirmOneKey: 64 goroutines confirm one payment with one
// idempotency key. One request is processed (one charge); the others meet
// 409 IDEMPOTENT_REQUEST_PROCESSING, which the wrapper retries, and then
// read the replayed result.
func TestConcurrentConfirmOneKey(t *testing.T) {
	w := newWorld(t)
	obs := newObserver()
	defer obs.close()
	c := w.client(obs, patient()...)
	req := approved(t, w, c, "race-confirm-1", 15000)
	key := wrapper.ConfirmIdempotencyKey(req)

	res := race(w, func(int) (*generated.Payment, *wrapper.Meta, error) {
		return c.ConfirmPayment(context.Background(), req, wrapper.WithIdempotencyKey(key), held)
	})
	s := stored(w, req.PaymentKey)
	retried := 0
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("racer %d: %v", i, r.err)
		}
		if *r.p.LastTransactionKey != *s.LastTransactionKey || r.p.Status != generated.PaymentStatusDone {
			t.Errorf("racer %d: transaction %s, the sandbox's %s", i, *r.p.LastTransactionKey, *s.LastTransactionKey)
		}
		if r.meta.Attempts > 1 {
			retried++
		}
	}
	conflicts, replays := obs.count(http.StatusConflict), obs.replays.Load()
	t.Logf("64 racers, one key: 1 charge (status %s), %d answers 409, %d racers retried, %d replays", s.Status, conflicts, retried, replays)
	if s.Status != generated.PaymentStatusDone {
		t.Errorf("status %s", s.Status)
	}
	if conflicts == 0 || retried == 0 || replays != racers-1 {
		t.Errorf("want answers 409, retries and exactly %d replays, got %d, %d and %d", racers-1, conflicts, retried, replays)
	}
}

// TestConcurrentConfirmManyKeys: 64 goroutines confirm one payment, each with
// its own key: exactly one confirm charges; the others get
// ALREADY_PROCESSED_PAYMENT, which the client settles by a look-up: the same
// DONE payment, returned as a success marked Reconciled.
func TestConcurrentConfirmManyKeys(t *testing.T) {
	w := newWorld(t)
	c := w.client(nil)
	req := approved(t, w, c, "race-confirm-2", 15000)
	res := race(w, func(int) (*generated.Payment, *wrapper.Meta, error) {
		return c.ConfirmPayment(context.Background(), req)
	})
	s := stored(w, req.PaymentKey)
	direct, reconciled := 0, 0
	for i, r := range res {
		switch {
		case r.err != nil:
			t.Errorf("racer %d: %v", i, r.err)
		case *r.p.LastTransactionKey != *s.LastTransactionKey:
			t.Errorf("racer %d: transaction %s, the sandbox's %s", i, *r.p.LastTransactionKey, *s.LastTransactionKey)
		case r.meta.Reconciled:
			reconciled++
		default:
			direct++
		}
	}
	t.Logf("64 racers, 64 keys: %d confirmed, %d ALREADY_PROCESSED_PAYMENT reconciled by look-up; status %s", direct, reconciled, s.Status)
	if direct != 1 || reconciled != racers-1 || s.Status != generated.PaymentStatusDone {
		t.Errorf("want 1 confirm and %d reconciled, got %d and %d (status %s)", racers-1, direct, reconciled, s.Status)
	}
}

// TestConcurrentPartialCancels: 64 goroutines cancel parts of one payment.
// The sandbox never refunds more than the balance, and balanceAmount is
// always totalAmount − the sum of the cancels.
func TestConcurrentPartialCancels(t *testing.T) {
	w := newWorld(t)
	obs := newObserver()
	defer obs.close()
	c := w.client(obs, patient()...)
	ctx := context.Background()

	t.Run("distinct keys, 1,000 each of 10,000", func(t *testing.T) {
		p := keyedIn(t, c, "race-cancel-1", 10000)
		req := generated.CancelPaymentRequest{CancelReason: "partial refund", CancelAmount: ptr(won(1000))}
		res := race(w, func(i int) (*generated.Payment, *wrapper.Meta, error) {
			return c.CancelPayment(ctx, p.PaymentKey, req, wrapper.WithIdempotencyKey(wrapper.CancelIdempotencyKey(p.PaymentKey, i+1, req)))
		})
		ok, refused := 0, map[generated.ErrorCode]int{}
		for i, r := range res {
			switch {
			case r.err == nil:
				ok++
			case wrapper.ClassOf(r.err) == wrapper.ClassRejected:
				refused[codeOf(r.err)]++
			default:
				t.Errorf("racer %d: %v", i, r.err)
			}
		}
		s := stored(w, p.PaymentKey)
		t.Logf("64 racers × 1,000 of 10,000: %d cancels applied, refused %v, balance %s, status %s", ok, refused, s.BalanceAmount, s.Status)
		if ok != 10 || len(*s.Cancels) != 10 || !s.BalanceAmount.IsZero() || s.Status != generated.PaymentStatusCanceled {
			t.Errorf("want 10 cancels and a zero balance, got %d (%d stored), balance %s", ok, len(*s.Cancels), s.BalanceAmount)
		}
		for code := range refused {
			if code != generated.ErrorCodeNotCancelableAmount && code != generated.ErrorCodeAlreadyCanceledPayment {
				t.Errorf("unexpected refusal %s", code)
			}
		}
	})

	t.Run("distinct keys, random amounts", func(t *testing.T) {
		const total = 50000
		p := keyedIn(t, c, "race-cancel-2", total)
		amounts := make([]int64, racers)
		r := rand.New(rand.NewPCG(7, 7))
		for i := range amounts {
			amounts[i] = int64(100 * (1 + r.IntN(50)))
		}
		res := race(w, func(i int) (*generated.Payment, *wrapper.Meta, error) {
			req := generated.CancelPaymentRequest{CancelReason: "partial refund", CancelAmount: ptr(won(amounts[i]))}
			return c.CancelPayment(ctx, p.PaymentKey, req, wrapper.WithIdempotencyKey(wrapper.CancelIdempotencyKey(p.PaymentKey, i+1, req)))
		})
		var refunded int64
		ok := 0
		for i, r := range res {
			if r.err == nil {
				ok++
				refunded += amounts[i]
			} else if wrapper.ClassOf(r.err) != wrapper.ClassRejected {
				t.Errorf("racer %d: %v", i, r.err)
			}
		}
		s := stored(w, p.PaymentKey)
		var sum int64
		for _, cn := range *s.Cancels {
			sum += amountOf(cn.CancelAmount)
		}
		t.Logf("64 racers, random amounts of %d: %d cancels applied, %d refunded, balance %s", total, ok, refunded, s.BalanceAmount)
		if sum != refunded || sum > total || amountOf(s.BalanceAmount) != total-sum || len(*s.Cancels) != ok {
			t.Errorf("refunded %d by the callers' count, %d in %d stored cancels, balance %s of %d", refunded, sum, len(*s.Cancels), s.BalanceAmount, total)
		}
	})

	t.Run("one key", func(t *testing.T) {
		p := keyedIn(t, c, "race-cancel-3", 10000)
		req := generated.CancelPaymentRequest{CancelReason: "partial refund", CancelAmount: ptr(won(2500))}
		key := wrapper.CancelIdempotencyKey(p.PaymentKey, 1, req)
		before := obs.count(http.StatusConflict)
		res := race(w, func(int) (*generated.Payment, *wrapper.Meta, error) {
			return c.CancelPayment(ctx, p.PaymentKey, req, wrapper.WithIdempotencyKey(key), held)
		})
		s := stored(w, p.PaymentKey)
		for i, r := range res {
			if r.err != nil {
				t.Fatalf("racer %d: %v", i, r.err)
			}
			if *r.p.LastTransactionKey != *s.LastTransactionKey || !r.p.BalanceAmount.Equal(won(7500)) {
				t.Errorf("racer %d: transaction %s balance %s", i, *r.p.LastTransactionKey, r.p.BalanceAmount)
			}
		}
		t.Logf("64 racers, one cancel key: %d cancel applied, balance %s, %d answers 409", len(*s.Cancels), s.BalanceAmount, obs.count(http.StatusConflict)-before)
		if len(*s.Cancels) != 1 || !s.BalanceAmount.Equal(won(7500)) {
			t.Errorf("want one cancel and balance 7500, got %d, %s", len(*s.Cancels), s.BalanceAmount)
		}
	})
}
