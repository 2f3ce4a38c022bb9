package payments

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/money"
)

var t0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// testBook returns a book on a clock that reads *now, with small bounds.
func testBook(t *testing.T, now *time.Time, maxEvents int) *Book {
	t.Helper()
	b, err := New(Config{
		Now:  func() time.Time { return *now },
		Seed: 1,
		Facts: Facts{AuthKeyWindow: 10 * time.Minute, ReadyWindow: 30 * time.Minute, ConfirmWindow: 10 * time.Minute, MinimumAmount: 100,
			AccountValidDays: 7, RefundDelay: 48 * time.Hour, CustomerNameMax: 100, HolderNameMax: 60, AccountNumberMax: 20},
		Tenant: Bounds{Payments: 100, Cancels: 200}, Global: Bounds{Payments: 1000, Cancels: 2000},
		EventsPerTenant: 1024, MaxEvents: maxEvents,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keyIn(t *testing.T, b *Book, tenant, orderID string) Payment {
	t.Helper()
	p, err := b.KeyIn(nil, tenant, KeyInInput{Amount: money.New(1000), OrderID: orderID, OrderName: "T",
		CardNumber: "4330123412341234", ExpirationYear: "29", ExpirationMonth: "07"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The logs together stay within their bound: the largest loses its oldest
// half, and each keeps its newest events.
func TestEventLogsBounded(t *testing.T) {
	now := t0
	b := testBook(t, &now, 50)
	for k := range 3 {
		for i := range 30 {
			keyIn(t, b, fmt.Sprintf("test_sk_out%d", k), fmt.Sprintf("order-out-%04d", i))
		}
	}
	total := 0
	for _, tn := range b.tenants {
		total += len(tn.events)
	}
	if total != b.events || total > 50 {
		t.Errorf("logs hold %d events (counted %d), bound 50", total, b.events)
	}
	last := b.Events("test_sk_out2", 0)
	if len(last) == 0 || last[len(last)-1].OrderID != "order-out-0029" {
		t.Errorf("the newest event of the last key is gone: %+v", last)
	}
}

// Many keys of one event each stay within the bound too: a log of one
// event is emptied when it is the largest, not kept whole.
func TestEventLogsBoundedOverManySmallKeys(t *testing.T) {
	now := t0
	b := testBook(t, &now, 8)
	for k := range 40 {
		if _, err := b.Create(nil, fmt.Sprintf("test_sk_small%02d", k), CreateInput{Method: MethodCard, Amount: money.New(1000),
			OrderID: "order-small-1", OrderName: "T", ReturnURL: "http://shop.test/return"}); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, tn := range b.tenants {
		total += len(tn.events)
	}
	if total != b.events || total > 8 {
		t.Errorf("logs hold %d events (counted %d), bound 8", total, b.events)
	}
}

// The activity list runs from the most recently active tenant to the
// idlest, and a call moves its tenant to the front.
func TestIdlestTenant(t *testing.T) {
	now := t0
	b := testBook(t, &now, 1000)
	for i, k := range []string{"test_sk_a", "test_sk_b", "test_sk_c"} {
		now = t0.Add(time.Duration(i) * time.Minute)
		keyIn(t, b, k, "order-1")
	}
	if k, at := b.Idlest(); k != "test_sk_a" || !at.Equal(t0) {
		t.Errorf("Idlest() = %q, %v; want test_sk_a, %v", k, at, t0)
	}
	now = t0.Add(time.Hour)
	if _, err := b.GetByOrderID(nil, "test_sk_a", "order-1"); err != nil {
		t.Fatal(err)
	}
	if k, _ := b.Idlest(); k != "test_sk_b" {
		t.Errorf("after test_sk_a's look-up, Idlest() = %q, want test_sk_b", k)
	}
	var n int
	for tn := b.active; tn != nil; tn = tn.older {
		n++
		if tn.older != nil && tn.older.newer != tn {
			t.Fatalf("the list is broken at %q", tn.name)
		}
	}
	if n != len(b.tenants) {
		t.Errorf("the list links %d tenants, the book holds %d", n, len(b.tenants))
	}
}

// New refuses a config with a fact, a bound or the clock missing.
func TestNewRefusesIncompleteConfig(t *testing.T) {
	now := t0
	good := testBook(t, &now, 10).cfg
	for name, edit := range map[string]func(*Config){
		"no clock":          func(c *Config) { c.Now = nil },
		"no ready window":   func(c *Config) { c.Facts.ReadyWindow = 0 },
		"no minimum":        func(c *Config) { c.Facts.MinimumAmount = 0 },
		"short account max": func(c *Config) { c.Facts.AccountNumberMax = minRefundAccountDigits - 1 },
		"no tenant bound":   func(c *Config) { c.Tenant.Payments = 0 },
		"no event bound":    func(c *Config) { c.MaxEvents = 0 },
	} {
		cfg := good
		edit(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	if _, err := New(good); err != nil {
		t.Errorf("New refused a complete config: %v", err)
	}
}

// A flood of new tenants past the global bound costs the tenants idle the
// longest, whole, never a tenant active during the flood; the book stays
// within its bounds and says which tenants it dropped.
func TestFloodOfNewTenantsTakesFromTheIdlest(t *testing.T) {
	now := t0
	b := testBook(t, &now, 1<<20) // global: 1,000 payments
	keyIn(t, b, "test_sk_idle", "order-idle-0001")
	for i := range 5 {
		keyIn(t, b, "test_sk_bystander", fmt.Sprintf("order-by-%04d", i))
	}
	var dropped []string
	for i := range 3000 {
		now = now.Add(time.Millisecond)
		var out Outbox
		if _, err := b.KeyIn(&out, fmt.Sprintf("test_sk_flood%05d", i), KeyInInput{Amount: money.New(1000), OrderID: "order-flood-1", OrderName: "T",
			CardNumber: "4330123412341234", ExpirationYear: "29", ExpirationMonth: "07"}); err != nil {
			t.Fatal(err)
		}
		for _, e := range out {
			if e.Kind == EventTenantForgotten {
				dropped = append(dropped, e.Tenant)
			}
		}
		if i%100 == 0 { // the bystander is active during the flood
			if _, err := b.Get(nil, "test_sk_bystander", "no-such-key"); err == nil {
				t.Fatal("found a payment that does not exist")
			}
		}
		if i%500 == 250 { // and creates some
			keyIn(t, b, "test_sk_bystander", fmt.Sprintf("order-by-more-%04d", i))
		}
	}
	if u := b.Usage(); u.Payments > 1000 || u.Tenants > 1000 {
		t.Errorf("book holds %+v, bound 1,000 payments", u)
	}
	if u := b.UsageOf("test_sk_bystander"); u.Payments != 11 {
		t.Errorf("the bystander active during the flood kept %d of its 11 payments", u.Payments)
	}
	if u := b.UsageOf("test_sk_idle"); u.Tenants != 0 {
		t.Errorf("the tenant idle since before the flood is still there: %+v", u)
	}
	if len(dropped) == 0 || dropped[0] != "test_sk_idle" {
		t.Errorf("dropped first: %.3q; want the idlest, test_sk_idle", dropped)
	}
	// The tenants kept are the newest of the flood.
	if u := b.UsageOf("test_sk_flood02999"); u.Payments != 1 {
		t.Errorf("the newest tenant lost its payment: %+v", u)
	}
	if u := b.UsageOf("test_sk_flood00000"); u.Tenants != 0 {
		t.Errorf("the oldest tenant of the flood is still there: %+v", u)
	}
}

// The event logs past their global bound cost the idlest tenant, whole.
func TestEventBoundTakesFromTheIdlest(t *testing.T) {
	now := t0
	b := testBook(t, &now, 10)
	keyIn(t, b, "test_sk_old", "order-old-0001")
	for i := range 12 {
		keyIn(t, b, fmt.Sprintf("test_sk_new%02d", i), "order-new-0001")
	}
	if u := b.UsageOf("test_sk_old"); u.Tenants != 0 {
		t.Errorf("the idlest tenant survived the event bound: %+v", u)
	}
	if b.events > 10 {
		t.Errorf("%d events kept, bound 10", b.events)
	}
	if u := b.UsageOf("test_sk_new11"); u.Payments != 1 {
		t.Errorf("the newest tenant lost its payment: %+v", u)
	}
}

// The same seed gives the same payment keys and secrets; with RandomKeys
// it gives different ones (crypto/rand), and the other numbers stay seeded.
func TestRandomKeysIgnoreTheSeed(t *testing.T) {
	run := func(random bool) (key, secret, tx string) {
		now := t0
		b := testBook(t, &now, 1024)
		b.cfg.RandomKeys = random
		p := keyIn(t, b, "test_sk_seed", "order-seed-0001")
		if len(p.Key) != 48 || len(p.Secret) != 24 {
			t.Fatalf("key %d characters, secret %d; want 48 and 24", len(p.Key), len(p.Secret))
		}
		for _, c := range p.Key {
			if !strings.ContainsRune(alnum, c) {
				t.Fatalf("key has %q, not a letter or digit", c)
			}
		}
		return p.Key, p.Secret, p.LastTransactionKey
	}
	k1, s1, tx1 := run(false)
	k2, s2, tx2 := run(false)
	if k1 != k2 || s1 != s2 || tx1 != tx2 {
		t.Error("the same seed gave different keys")
	}
	k3, s3, tx3 := run(true)
	k4, s4, _ := run(true)
	if k3 == k1 || k3 == k4 || s3 == s1 || s3 == s4 {
		t.Error("RandomKeys: the payment key or secret followed the seed")
	}
	if tx3 != tx1 {
		t.Error("RandomKeys: the transaction key no longer follows the seed")
	}
}

// Heavy tenants past the global bound pay their own way, even when a light
// tenant is the idlest: the light one keeps every payment.
func TestHeavyTenantsPayTheirOwnWay(t *testing.T) {
	now := t0
	b := testBook(t, &now, 1<<20) // tenant: 100 payments, global: 1,000
	for i := range 3 {
		keyIn(t, b, "test_sk_light", fmt.Sprintf("order-light-%04d", i))
	}
	for round := range 150 {
		for h := range 10 {
			now = now.Add(time.Millisecond)
			keyIn(t, b, fmt.Sprintf("test_sk_heavy%02d", h), fmt.Sprintf("order-heavy-%04d", round))
		}
	}
	if u := b.UsageOf("test_sk_light"); u.Payments != 3 {
		t.Errorf("the light tenant, idle but light, kept %d of its 3 payments", u.Payments)
	}
	if u := b.Usage(); u.Payments > 1000 {
		t.Errorf("book holds %+v, bound 1,000", u)
	}
}

// TestClockTenantsBounded: keys that only move their clocks are bounded:
// past the bound the idlest empty one makes room, and when the idlest all
// hold payments the clock is refused (ErrClockBusy), no payment forgotten.
func TestClockTenantsBounded(t *testing.T) {
	defer func(n int) { maxClockTenants = n }(maxClockTenants)
	maxClockTenants = 3
	now := t0
	b := testBook(t, &now, 1024)
	for _, k := range []string{"a", "b", "c"} {
		if _, _, err := b.AdvanceClock(nil, k, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := b.AdvanceClock(nil, "d", time.Hour); err != nil {
		t.Fatal(err)
	}
	if len(b.tenants) != 3 || b.tenants["a"] != nil || b.tenants["d"] == nil {
		t.Fatalf("%d tenants; a kept %v", len(b.tenants), b.tenants["a"] != nil)
	}
	if _, off := b.Clock("b"); off != time.Hour {
		t.Errorf("b's clock: %v", off)
	}
	for _, k := range []string{"b", "c", "d"} {
		keyIn(t, b, k, "order-"+k+"-01")
	}
	if _, _, err := b.AdvanceClock(nil, "e", time.Hour); err != ErrClockBusy {
		t.Errorf("a fourth key among three with payments: %v, want ErrClockBusy", err)
	}
	if u := b.Usage(); u.Payments != 3 || u.Tenants != 3 {
		t.Errorf("usage %+v", u)
	}
	// The bounds of a move.
	if _, _, err := b.AdvanceClock(nil, "b", -time.Second); err != ErrClockBackwards {
		t.Errorf("backwards: %v", err)
	}
	if _, _, err := b.SetClock(nil, "b", now.Add(MaxClockOffset+time.Second)); err != ErrClockTooFar {
		t.Errorf("too far: %v", err)
	}
	if _, _, err := b.AdvanceClock(nil, "b", MaxClockOffset); err != ErrClockTooFar {
		t.Errorf("past the bound by an hour: %v", err)
	}
}
