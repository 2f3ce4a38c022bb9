package webhook

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A body (or a transmission-id header) of a megabyte must not make a log
// line of a megabyte: what the sender chose is logged shortened, so a
// flood of forged deliveries cannot fill the shop's logs.
func TestLoggedClaimsAreBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("o", 200_000)
	toss := newFakeToss(t, paymentJSON("pk_1", "order_1", "DONE", nil))
	var logs logBuffer
	r := mustNew(t, (&recorder{}).handle, WithPaymentGetter(toss), WithLogger(logs.logger()))
	bodies := map[string][]byte{
		// refused after the look-up: the orderId differs
		"long orderId and status": []byte(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"x","data":{"paymentKey":"pk_1","orderId":"` + long + `","status":"` + long + `"}}`),
		// accepted, and logged as disagreeing with the API
		"long claimed status": []byte(`{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"x","data":{"paymentKey":"pk_1","orderId":"order_1","status":"` + long + `"}}`),
	}
	for name, body := range bodies {
		before := len(logs.String())
		deliver(t, r, strings.Repeat("t", 100_000), 0, body)
		if n := len(logs.String()) - before; n == 0 || n > 2000 {
			t.Errorf("%s: the delivery logged %d bytes", name, n)
		}
	}
}

// Deliveries nobody can verify (here BILLING_DELETED bodies, each one
// different) must not push the state of verified payments out of the
// receiver's memory: otherwise a replay of a handled payment state calls
// the function again.
func TestUnverifiedFloodKeepsVerifiedState(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_1", "order_1", "DONE", strPtr(testSecret)))
	var rec recorder
	const size = 8
	r := mustNew(t, rec.handle, WithPaymentGetter(toss), WithUnverified(rec.handleUnverified), WithStore(NewMemoryStoreSize(size)))
	done := statusEvent("pk_1", "order_1", "DONE", strPtr(testSecret), "2026-01-02T15:00:00")
	wantStatus(t, deliver(t, r, "whtrans_1", 0, done), 200)
	for i := range 4 * size {
		body := fmt.Sprintf(`{"eventType":"BILLING_DELETED","createdAt":"2026-01-02T15:00:00","data":{"billingKey":"bk_%d","reason":"r"}}`, i)
		wantStatus(t, deliver(t, r, fmt.Sprintf("whtrans_f%d", i), 0, []byte(body)), 200)
	}
	wantStatus(t, deliver(t, r, "whtrans_2", 0, done), 200)
	if n := rec.count(); n != 1 {
		t.Fatalf("the function saw the DONE state %d times, want 1", n)
	}
}

// A signature header of hundreds of thousands of values (the server lets a
// header be a megabyte) costs no more than the few values tried.
func TestSignatureHeaderOfManyValues(t *testing.T) {
	header := strings.Repeat("v1:AAAA,", 120_000)
	key := [][]byte{[]byte("k")}
	now := time.Date(2026, 1, 2, 6, 0, 0, 0, time.UTC)
	sent := now.Format(time.RFC3339)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := verifySignature(header, sent, []byte(`{}`), key, now, time.Minute)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a header of bogus values verified")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Fatalf("checking the header allocated %d bytes", n)
	}
}

// A paymentKey of "." or ".." is within the spec's length, but the look-up
// would send it as a dot segment: GET /v1/payments/.. is GET /v1/ with the
// shop's secret key. It is refused before any look-up.
func TestDotSegmentKeysAreNotLookedUp(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_1", "order_1", "DONE", nil))
	r := mustNew(t, (&recorder{}).handle, WithPaymentGetter(toss))
	for _, key := range []string{".", ".."} {
		wantStatus(t, deliver(t, r, "whtrans_1", 0, statusEvent(key, "order_1", "DONE", nil, "2026-01-02T15:00:00")), 400)
	}
	if n := toss.count(); n != 0 {
		t.Fatalf("%d look-ups", n)
	}
}

// The receiver printed with %v or %+v (a debugging line, a panic's value)
// shows no security key.
func TestReceiverPrintsNoKey(t *testing.T) {
	t.Parallel()
	key := []byte("payout-security-key-never-printed")
	r := mustNew(t, (&recorder{}).handle, WithSecurityKeys(key))
	var spelled []string
	for _, b := range key[:6] {
		spelled = append(spelled, fmt.Sprint(b))
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, r) + fmt.Sprintf(verb, *r)
		if strings.Contains(out, string(key[:12])) || strings.Contains(out, strings.Join(spelled, " ")) || strings.Contains(out, fmt.Sprintf("%x", key[:6])) || strings.Contains(out, strings.Join(spelled, ", ")) {
			t.Errorf("%s shows the key: %.300s", verb, out)
		}
	}
}

// A shop registered for DEPOSIT_CALLBACK gets the deposit's DONE once. A
// forger who read the paymentKey and orderId in the success page's URL then
// posts a PAYMENT_STATUS_CHANGED of that payment: the look-up answers the
// same DONE, a state already handled, so the function is not called again
// (it would ship the order twice). Likewise for a shop registered for both
// events: the second of the two deliveries of one change brings no new
// state.
func TestOneStateOnceWhateverTheEventType(t *testing.T) {
	t.Parallel()
	for _, st := range testStores(t) {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			toss := newFakeToss(t, payJSON(pay{key: "pk_va", order: "order_va", status: "DONE", secret: strPtr(testSecret), total: 1000, last: "txdep"}))
			var rec recorder
			r := mustNew(t, rec.handle, WithPaymentGetter(toss), WithStore(st.store(t)))
			wantStatus(t, deliver(t, r, "whtrans_dc", 0, depositEvent("order_va", "DONE", testSecret)), 200)
			forged := statusEvent("pk_va", "order_va", "DONE", nil, "2026-01-02T15:00:00")
			wantStatus(t, deliver(t, r, "whtrans_forged", 0, forged), 200)
			if got := rec.statuses(); len(got) != 1 {
				t.Fatalf("the function saw %v, want one DONE", got)
			}
		})
	}
}
