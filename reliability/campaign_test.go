package reliability_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

var (
	campaignSeed      = flag.Uint64("campaign.seed", 20240301, "seed of the fault campaign")
	campaignPurchases = flag.Int("campaign.purchases", 0, "purchases in the fault campaign (0: 520, or 150 with -short)")
	campaignWorkers   = flag.Int("campaign.workers", 8, "concurrent callers in the fault campaign")
)

// The fault rates of the campaign, per request: 40% of requests meet one.
var campaignRates = [numKinds]float64{
	fkDrop:        0.10,
	fkErrorBefore: 0.08,
	fkRateLimit:   0.08,
	fkTimeout:     0.04,
	fkInFlight:    0.10,
}

// How a caller came to know an operation's outcome.
type outcome int

const (
	outSuccess    outcome = iota // the call succeeded
	outDefinitive                // a definitive error (declined, rejected)
	outLookup                    // settled by a look-up
	outRecall                    // settled by calling again with the same idempotency key
	outUnsettled                 // still unknown: must never happen
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"success", "definitive error", "settled by look-up", "settled by a same-key call", "UNSETTLED"}

// maxSettleRounds bounds the settling of one unknown outcome.
const maxSettleRounds = 25

// campaign is the state of one fault campaign: the callers' beliefs and
// the figures.
type campaign struct {
	w  *world
	c  *wrapper.Client
	in *injector

	mu       sync.Mutex
	outcomes map[string]*[numOutcomes]int
	beliefs  map[int]*belief
	notes    []string

	settleCalls atomic.Int64
	retries     atomic.Int64

	// The "nothing happened" invariant: every error the wrapper classed
	// declined, rejected or retryable on a POST is checked against the
	// sandbox's store, which must show no effect of the operation.
	noEffectChecks     atomic.Int64
	noEffectViolations atomic.Int64
}

// belief is what a caller believes about one purchase once it is over.
type belief struct {
	charged    bool
	orderID    string
	paymentKey string
	total      int64
	status     generated.PaymentStatus
	cancels    []int64 // the cancel amounts applied, in order
	balance    int64
}

func (cp *campaign) note(op string, o outcome) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.outcomes[op] == nil {
		cp.outcomes[op] = new([numOutcomes]int)
	}
	cp.outcomes[op][o]++
}

func (cp *campaign) fail(format string, args ...any) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.notes = append(cp.notes, fmt.Sprintf(format, args...))
}

// definitive reports whether err settles an outcome: the request was
// refused or declined, and nothing happened.
func definitive(err error) bool {
	switch wrapper.ClassOf(err) {
	case wrapper.ClassDeclined, wrapper.ClassRejected, wrapper.ClassInvalid:
		return true
	}
	return false
}

type callFunc func() (*generated.Payment, *wrapper.Meta, error)

// do runs one payment operation and settles its outcome as a careful
// integrator does: a success or a definitive error is final; anything else
// (outcome unknown, retries exhausted) is settled by looking the payment up
// (applied reports whether the look-up shows the operation's effect) and,
// while it is not seen, by calling again with the same idempotency key,
// which replays the first answer or finishes the work.
//
// effect reads the sandbox's store directly and describes what the
// operation changed there ("" for nothing). When the first call fails with
// a class that says nothing happened (declined, rejected, retryable), the
// store must show no effect. Only the first call is checked: before it the
// store holds no effect of the operation by construction, while a later
// same-key call may meet the effect of an earlier one whose outcome was
// unknown.
func (cp *campaign) do(ctx context.Context, op string, call callFunc, lookup callFunc, applied func(*generated.Payment) bool, effect func() string) (*generated.Payment, error) {
	p, meta, err := call()
	cp.w.record(p, meta, err)
	cp.retries.Add(int64(max(0, meta.Attempts-1)))
	cp.checkNoEffect(op, err, effect)
	switch {
	case err == nil:
		cp.note(op, outSuccess)
		return p, nil
	case definitive(err):
		cp.note(op, outDefinitive)
		return nil, err
	}
	for round := 1; round <= maxSettleRounds; round++ {
		if lookup != nil {
			cp.settleCalls.Add(1)
			lp, lmeta, lerr := lookup()
			cp.w.record(lp, lmeta, lerr)
			cp.retries.Add(int64(max(0, lmeta.Attempts-1)))
			if lerr == nil && applied(lp) {
				cp.note(op, outLookup)
				return lp, nil
			}
		}
		cp.settleCalls.Add(1)
		p, meta, err = call()
		cp.w.record(p, meta, err)
		cp.retries.Add(int64(max(0, meta.Attempts-1)))
		switch {
		case err == nil:
			cp.note(op, outRecall)
			return p, nil
		case definitive(err):
			cp.note(op, outRecall)
			return nil, err
		}
		if e := sleepCtx(ctx, time.Duration(round)*5*time.Millisecond); e != nil {
			break
		}
	}
	cp.note(op, outUnsettled)
	cp.fail("%s: outcome still unknown after %d rounds: %v", op, maxSettleRounds, err)
	return nil, err
}

// checkNoEffect holds an error that says nothing happened to the sandbox's
// store.
func (cp *campaign) checkNoEffect(op string, err error, effect func() string) {
	switch wrapper.ClassOf(err) {
	case wrapper.ClassDeclined, wrapper.ClassRejected, wrapper.ClassRetryable:
	default:
		return
	}
	if effect == nil {
		return
	}
	cp.noEffectChecks.Add(1)
	if e := effect(); e != "" {
		cp.noEffectViolations.Add(1)
		cp.fail("%s: the wrapper classed the error %s (nothing happened), but %s: %v", op, wrapper.ClassOf(err), e, err)
	}
}

// caller is the campaign's identity in the sandbox's rule methods.
var caller = sandbox.Caller{SecretKey: canaryKey}

// orderEffect describes the payment of orderID in the store, if any, that
// pred picks.
func (cp *campaign) orderEffect(orderID string, pred func(generated.Payment) bool) func() string {
	return func() string {
		if p, err := cp.w.sb.GetByOrderID(caller, orderID); err == nil && pred(p) {
			return fmt.Sprintf("the sandbox holds payment %s of %s (%s)", p.PaymentKey, orderID, p.Status)
		}
		return ""
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func won(n int64) money.Amount { return money.New(n) }

func amountOf(a money.Amount) int64 {
	n, _ := a.Int64()
	return n
}

// purchase is one customer buying one thing: by checkout (create, approve,
// confirm) or by key-in, with a second order when the first is definitively
// not charged (a declined card, an abandoned checkout), then cancels and
// look-ups.
func (cp *campaign) purchase(ctx context.Context, id int) {
	r := rand.New(rand.NewPCG(*campaignSeed, uint64(id)))
	b := &belief{}
	defer func() {
		cp.mu.Lock()
		cp.beliefs[id] = b
		cp.mu.Unlock()
	}()
	total := int64(1000 + 100*r.IntN(491))
	byCheckout := r.IntN(10) < 6
	var p *generated.Payment
	for attempt := 1; attempt <= 2 && p == nil; attempt++ {
		orderID := fmt.Sprintf("p%05d-a%d", id, attempt)
		if byCheckout {
			p = cp.checkout(ctx, r, orderID, total, attempt)
		} else {
			p = cp.keyIn(ctx, r, orderID, total, attempt)
		}
	}
	if p == nil {
		return
	}
	b.charged, b.orderID, b.paymentKey, b.total = true, p.OrderID, p.PaymentKey, total
	b.status, b.balance = p.Status, amountOf(p.BalanceAmount)
	cp.lookups(ctx, b)

	seq := 0
	cancel := func(req generated.CancelPaymentRequest) (*generated.Payment, error) {
		seq++
		key := wrapper.CancelIdempotencyKey(b.paymentKey, seq, req)
		applied := len(b.cancels)
		return cp.do(ctx, "cancelPayment",
			func() (*generated.Payment, *wrapper.Meta, error) {
				return cp.c.CancelPayment(ctx, b.paymentKey, req, wrapper.WithIdempotencyKey(key))
			},
			func() (*generated.Payment, *wrapper.Meta, error) { return cp.c.GetPayment(ctx, b.paymentKey) },
			func(lp *generated.Payment) bool { return lp.Cancels != nil && len(*lp.Cancels) > applied },
			func() string {
				if p, err := cp.w.sb.Get(caller, b.paymentKey); err == nil && p.Cancels != nil && len(*p.Cancels) > applied {
					return fmt.Sprintf("the sandbox applied %d cancels to %s, the caller %d", len(*p.Cancels), b.orderID, applied)
				}
				return ""
			},
		)
	}
	apply := func(p *generated.Payment, amount int64) {
		b.cancels = append(b.cancels, amount)
		b.status, b.balance = p.Status, amountOf(p.BalanceAmount)
		if want := b.total - sum(b.cancels); b.balance != want {
			cp.fail("%s: balance %d after cancels %v of %d, want %d", b.orderID, b.balance, b.cancels, b.total, want)
		}
	}
	for range r.IntN(3) {
		if b.balance < 200 {
			break
		}
		amount := int64(100 * (1 + r.IntN(int(b.balance/200))))
		req := generated.CancelPaymentRequest{CancelReason: "partial refund", CancelAmount: ptr(won(amount))}
		if p, err := cancel(req); err == nil {
			apply(p, amount)
		} else if !definitive(err) {
			return
		} else {
			cp.fail("%s: partial cancel of %d refused: %v", b.orderID, amount, err)
		}
	}
	if r.IntN(10) == 0 {
		// More than the balance: a definitive 403 NOT_CANCELABLE_AMOUNT.
		req := generated.CancelPaymentRequest{CancelReason: "too much", CancelAmount: ptr(won(b.balance + 1000))}
		if _, err := cancel(req); err == nil || !definitive(err) {
			cp.fail("%s: a cancel beyond the balance was not refused: %v", b.orderID, err)
		}
	}
	if r.IntN(2) == 0 && b.balance > 0 {
		amount := b.balance
		if p, err := cancel(generated.CancelPaymentRequest{CancelReason: "full refund"}); err == nil {
			apply(p, amount)
		} else if definitive(err) {
			cp.fail("%s: full cancel refused: %v", b.orderID, err)
		}
	}
	cp.lookups(ctx, b)
}

// charged reports whether a payment in this status took the money.
func charged(s generated.PaymentStatus) bool {
	return s == generated.PaymentStatusDone || s == generated.PaymentStatusPartialCanceled || s == generated.PaymentStatusCanceled
}

func sum(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}

func ptr[T any](v T) *T { return &v }

// lookups reads the payment by key and by order ID and checks it against
// the caller's belief. A look-up is safe to repeat until it answers.
func (cp *campaign) lookups(ctx context.Context, b *belief) {
	for _, byOrder := range []bool{false, true} {
		op := "getPayment"
		if byOrder {
			op = "getPaymentByOrderId"
		}
		var p *generated.Payment
		for round := 0; round <= maxSettleRounds; round++ {
			var (
				meta *wrapper.Meta
				err  error
			)
			if byOrder {
				p, meta, err = cp.c.GetPaymentByOrderID(ctx, b.orderID)
			} else {
				p, meta, err = cp.c.GetPayment(ctx, b.paymentKey)
			}
			cp.w.record(p, meta, err)
			cp.retries.Add(int64(max(0, meta.Attempts-1)))
			if round > 0 {
				cp.settleCalls.Add(1)
			}
			if err == nil {
				if round == 0 {
					cp.note(op, outSuccess)
				} else {
					cp.note(op, outRecall)
				}
				break
			}
			if definitive(err) {
				cp.note(op, outDefinitive)
				cp.fail("%s %s: %v", op, b.orderID, err)
				return
			}
			p = nil
		}
		if p == nil {
			cp.note(op, outUnsettled)
			cp.fail("%s %s: no answer", op, b.orderID)
			continue
		}
		if p.Status != b.status || amountOf(p.BalanceAmount) != b.balance || p.PaymentKey != b.paymentKey {
			cp.fail("%s %s: read %s balance %s, caller believes %s balance %d", op, b.orderID, p.Status, p.BalanceAmount, b.status, b.balance)
		}
	}
}

// checkout creates a payment, has the customer approve it (or, now and
// then, give up) and confirms it. It returns the charged payment, or nil
// when the order is definitively not charged.
func (cp *campaign) checkout(ctx context.Context, r *rand.Rand, orderID string, total int64, attempt int) *generated.Payment {
	req := generated.CreatePaymentRequest{
		Amount: won(total), Method: generated.CreatePaymentMethodCard, OrderID: orderID,
		OrderName: "campaign order", ReturnURL: "https://shop.example/return",
	}
	key := wrapper.DeriveIdempotencyKey("create", orderID, fmt.Sprint(total))
	p, err := cp.do(ctx, "createPayment",
		func() (*generated.Payment, *wrapper.Meta, error) {
			return cp.c.CreatePayment(ctx, req, wrapper.WithIdempotencyKey(key))
		},
		func() (*generated.Payment, *wrapper.Meta, error) { return cp.c.GetPaymentByOrderID(ctx, orderID) },
		func(*generated.Payment) bool { return true },
		cp.orderEffect(orderID, func(generated.Payment) bool { return true }),
	)
	if err != nil {
		if definitive(err) {
			cp.fail("%s: create refused: %v", orderID, err)
		}
		return nil
	}
	// The customer at the checkout page (a browser, not the wrapper).
	if attempt == 1 && r.IntN(20) == 0 {
		if _, err := cp.w.sb.Fail(p.PaymentKey); err != nil {
			cp.fail("%s: fail at checkout: %v", orderID, err)
		}
		return nil
	}
	if _, err := cp.w.sb.Approve(p.PaymentKey); err != nil {
		cp.fail("%s: approve: %v", orderID, err)
		return nil
	}
	creq := generated.ConfirmPaymentRequest{PaymentKey: p.PaymentKey, OrderID: orderID, Amount: won(total)}
	ckey := wrapper.ConfirmIdempotencyKey(creq)
	p, err = cp.do(ctx, "confirmPayment",
		func() (*generated.Payment, *wrapper.Meta, error) {
			return cp.c.ConfirmPayment(ctx, creq, wrapper.WithIdempotencyKey(ckey))
		},
		func() (*generated.Payment, *wrapper.Meta, error) { return cp.c.GetPayment(ctx, creq.PaymentKey) },
		func(lp *generated.Payment) bool { return lp.Status == generated.PaymentStatusDone },
		cp.orderEffect(orderID, func(p generated.Payment) bool { return charged(p.Status) }),
	)
	if err != nil {
		if definitive(err) {
			cp.fail("%s: confirm refused: %v", orderID, err)
		}
		return nil
	}
	return p
}

// keyIn charges a keyed-in card; on the first order, now and then, a card
// the sandbox declines.
func (cp *campaign) keyIn(ctx context.Context, r *rand.Rand, orderID string, total int64, attempt int) *generated.Payment {
	card, declined := canaryCard, false
	if attempt == 1 && r.IntN(7) == 0 {
		card, declined = "4000000000000002", true // REJECT_CARD_COMPANY
	}
	req := generated.KeyInPaymentRequest{
		Amount: won(total), OrderID: orderID, OrderName: "campaign key-in",
		CardNumber: sensitive.String(card), CardExpirationYear: "30", CardExpirationMonth: "12",
		CustomerIdentityNumber: "880101",
	}
	key := wrapper.DeriveIdempotencyKey("keyIn", orderID, fmt.Sprint(total))
	p, err := cp.do(ctx, "keyInPayment",
		func() (*generated.Payment, *wrapper.Meta, error) {
			return cp.c.KeyInPayment(ctx, req, wrapper.WithIdempotencyKey(key))
		},
		func() (*generated.Payment, *wrapper.Meta, error) { return cp.c.GetPaymentByOrderID(ctx, orderID) },
		func(*generated.Payment) bool { return true },
		cp.orderEffect(orderID, func(p generated.Payment) bool { return charged(p.Status) }),
	)
	switch {
	case err == nil && declined:
		cp.fail("%s: a reserved declining card was charged", orderID)
	case err != nil && !declined && definitive(err):
		cp.fail("%s: key-in refused: %v", orderID, err)
	case err != nil && declined && !wrapper.IsDeclined(err):
		cp.fail("%s: want a decline, got %v", orderID, err)
	}
	if err != nil {
		return nil
	}
	return p
}

// TestFaultCampaign runs thousands of payment operations through the wrapper
// against the sandbox over loopback HTTP while a seeded injector hits about
// 40% of the requests with a fault, then checks the sandbox's store against
// what every caller believes: no payment charged twice, no cancel applied
// twice, balanceAmount = totalAmount − the sum of the cancels, no outcome
// left unknown. The canary key and card run through it all; neither may
// appear in any log, error or output.
func TestFaultCampaign(t *testing.T) {
	purchases := *campaignPurchases
	if purchases == 0 {
		purchases = 520
		if testing.Short() {
			purchases = 150
		}
	}
	start := time.Now()
	w := newWorld(t)
	in := newInjector(*campaignSeed, campaignRates)
	var sleeps atomic.Int64
	c := w.client(in,
		wrapper.WithRetry(wrapper.RetryPolicy{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 2 * time.Second}),
		wrapper.WithSleeper(scaledSleep(&sleeps)),
		wrapper.WithTimeout(300*time.Millisecond),
	)
	cp := &campaign{w: w, c: c, in: in, outcomes: map[string]*[numOutcomes]int{}, beliefs: map[int]*belief{}}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ids := make(chan int)
	var wg sync.WaitGroup
	for range *campaignWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				cp.purchase(ctx, id)
			}
		}()
	}
	for id := range purchases {
		ids <- id
	}
	close(ids)
	wg.Wait()
	in.close()
	c.CloseIdleConnections()
	elapsed := time.Since(start)

	// The sandbox's store against the callers' beliefs.
	payments := w.sb.Payments(canaryKey)
	byPurchase := map[int][]generated.Payment{}
	var doubleCharges, cancelMismatches, beliefMismatches int
	for _, p := range payments {
		var id, attempt int
		if _, err := fmt.Sscanf(p.OrderID, "p%05d-a%d", &id, &attempt); err != nil {
			t.Errorf("unexpected order %q", p.OrderID)
			continue
		}
		byPurchase[id] = append(byPurchase[id], p)
		var cancelled int64
		if p.Cancels != nil {
			for _, cn := range *p.Cancels {
				cancelled += amountOf(cn.CancelAmount)
			}
		}
		if got, want := amountOf(p.BalanceAmount), amountOf(p.TotalAmount)-cancelled; got != want || got < 0 {
			cancelMismatches++
			t.Errorf("%s: balanceAmount %d, totalAmount − cancels = %d", p.OrderID, got, want)
		}
	}
	for id := range purchases {
		b := cp.beliefs[id]
		var got []generated.Payment
		for _, p := range byPurchase[id] {
			if charged(p.Status) {
				got = append(got, p)
			}
		}
		if len(got) > 1 {
			doubleCharges++
			t.Errorf("purchase %d charged %d times", id, len(got))
		}
		switch {
		case b == nil:
			beliefMismatches++
			t.Errorf("purchase %d: no belief recorded", id)
		case !b.charged && len(got) != 0:
			beliefMismatches++
			t.Errorf("purchase %d: caller believes it was not charged, the sandbox charged %s", id, got[0].OrderID)
		case b.charged && len(got) != 1:
			beliefMismatches++
			t.Errorf("purchase %d: caller believes %s was charged, the sandbox has %d charges", id, b.orderID, len(got))
		case b.charged:
			p := got[0]
			var cancels []int64
			if p.Cancels != nil {
				for _, cn := range *p.Cancels {
					cancels = append(cancels, amountOf(cn.CancelAmount))
				}
			}
			if p.OrderID != b.orderID || p.Status != b.status || amountOf(p.BalanceAmount) != b.balance ||
				fmt.Sprint(cancels) != fmt.Sprint(b.cancels) {
				beliefMismatches++
				t.Errorf("purchase %d: sandbox %s %s balance %s cancels %v; caller believes %s %s balance %d cancels %v",
					id, p.OrderID, p.Status, p.BalanceAmount, cancels, b.orderID, b.status, b.balance, b.cancels)
			}
		}
	}

	// Figures.
	var ops, unsettled int
	var byOutcome [numOutcomes]int
	opNames := make([]string, 0, len(cp.outcomes))
	for op, o := range cp.outcomes {
		opNames = append(opNames, op)
		for k, n := range o {
			ops += n
			byOutcome[k] += n
		}
		unsettled += o[outUnsettled]
	}
	sort.Strings(opNames)
	requests := in.requests.Load()
	var faulted int64
	for k := fkDrop; k < numKinds; k++ {
		faulted += in.faults[k].Load()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "fault campaign: seed %d, %d purchases, %d callers, %s\n", *campaignSeed, purchases, *campaignWorkers, elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "  operations: %d (", ops)
	for i, op := range opNames {
		if i > 0 {
			b.WriteString(", ")
		}
		n := 0
		for _, v := range cp.outcomes[op] {
			n += v
		}
		fmt.Fprintf(&b, "%s %d", op, n)
	}
	fmt.Fprintf(&b, "), plus %d settling calls\n", cp.settleCalls.Load())
	fmt.Fprintf(&b, "  outcomes: ")
	for k, n := range byOutcome {
		if k > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", outcomeNames[k], n)
	}
	fmt.Fprintf(&b, "\n  requests: %d, %d hit by an injected fault (%.1f%%), plus %d shadow requests\n",
		requests, faulted, 100*float64(faulted)/float64(max(requests, 1)), in.faults[fkInFlight].Load())
	b.WriteString("  faults by kind:")
	for k := fkDrop; k < numKinds; k++ {
		fmt.Fprintf(&b, " %s %d;", kindNames[k], in.faults[k].Load())
	}
	fc := w.sb.FaultCounts()
	fmt.Fprintf(&b, "\n  sandbox counted: drop-after-commit %d, error-before %d, rate-limit %d, delay %d\n",
		fc.DropAfterCommit, fc.ErrorBefore, fc.RateLimit, fc.Delay)
	fmt.Fprintf(&b, "  answers seen: 409 %d, 429 %d, 500 %d, transport errors %d\n",
		in.statusCount(409), in.statusCount(429), in.statusCount(500), in.netErrs.Load())
	fmt.Fprintf(&b, "  retries by the wrapper: %d (backoff waits %d)\n", cp.retries.Load(), sleeps.Load())
	fmt.Fprintf(&b, "  errors classed declined, rejected or retryable on a POST: %d, of which the sandbox shows an effect: %d\n",
		cp.noEffectChecks.Load(), cp.noEffectViolations.Load())
	fmt.Fprintf(&b, "  payments in the sandbox: %d; double charges: %d; cancel mismatches: %d; belief mismatches: %d; unsettled outcomes: %d",
		len(payments), doubleCharges, cancelMismatches, beliefMismatches, unsettled)
	t.Log(b.String())

	for _, n := range cp.notes {
		t.Error(n)
	}
	if min := 2000; !testing.Short() && *campaignPurchases == 0 && ops < min {
		t.Errorf("%d operations, want at least %d", ops, min)
	}
	if share := float64(faulted) / float64(max(requests, 1)); share < 0.30 {
		t.Errorf("%.1f%% of requests hit by a fault, want at least 30%%", 100*share)
	}
	for k := fkDrop; k < numKinds; k++ {
		if in.faults[k].Load() == 0 {
			t.Errorf("no %s fault was injected", kindNames[k])
		}
	}
	if in.statusCount(409) == 0 {
		t.Error("no 409 IDEMPOTENT_REQUEST_PROCESSING was seen")
	}
	if unsettled != 0 || doubleCharges != 0 || cp.noEffectViolations.Load() != 0 {
		t.Errorf("unsettled %d, double charges %d, \"nothing happened\" errors with an effect %d: want 0",
			unsettled, doubleCharges, cp.noEffectViolations.Load())
	}
	if cp.noEffectChecks.Load() == 0 {
		t.Error("no error was classed declined, rejected or retryable on a POST: the invariant checked nothing")
	}

	// Secret hygiene over everything the campaign produced.
	w.srv.Close()
	assertNoCanary(t, "the logs", w.logs.String())
	assertNoCanary(t, "the callers' errors and results", w.out.String())
	if !strings.Contains(w.logs.String(), "tosspayments: retrying") {
		t.Error("the wrapper logged no retry: is the log captured?")
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Error("the campaign ran out of time")
	}
	_ = sandbox.FaultHeader
}
