package payments

import (
	"errors"
	"fmt"
	"time"
)

// Each tenant has a clock of its own: the book's clock plus an offset that
// only grows (a test clock). The tenant's payments read it (their
// requestedAt, approvedAt, due dates, windows and refunds); nothing else
// does: another tenant's payments, the tenants' activity (which decides
// who is idlest), and the idempotency window keep the book's clock.

// MaxClockOffset bounds how far a tenant's clock runs ahead of the book's:
// ten years, far past every window the rules know (the longest is a virtual
// account's validity of days), and far from time.Duration's overflow.
const MaxClockOffset = 10 * 366 * 24 * time.Hour

// Errors of SetClock.
var (
	// ErrClockBackwards: the instant asked for is before the tenant's time.
	ErrClockBackwards = errors.New("the clock never moves backwards")
	// ErrClockTooFar: the instant is more than MaxClockOffset ahead of the
	// book's clock.
	ErrClockTooFar = fmt.Errorf("the clock runs at most %d days ahead of the wall clock", MaxClockOffset/(24*time.Hour))
	// ErrClockBusy: the book holds MaxClockTenants tenants and none of the
	// idlest is empty, so a new tenant's clock has no room.
	ErrClockBusy = errors.New("too many keys hold a clock or payments; try again later")
)

// MaxClockTenants bounds the tenants a clock alone brings into the book: a
// key that moves its clock before it made anything becomes a tenant (to
// hold its clock), and past this many tenants the idlest empty one (no
// payments, no events: a clock alone) is forgotten to make room.
const MaxClockTenants = 100_000

// maxClockTenants is MaxClockTenants; tests lower it.
var maxClockTenants = MaxClockTenants

// clockTenant returns the tenant of name for its clock, made if need be
// within MaxClockTenants, or nil when there is no room; the caller holds b.mu.
func (b *Book) clockTenant(name string) *tenant {
	if t := b.tenants[name]; t != nil {
		return t
	}
	if len(b.tenants) >= maxClockTenants {
		victim := b.idlest
		for i := 0; victim != nil && i < 64 && (victim.payments > 0 || len(victim.events) > 0); i++ {
			victim = victim.newer
		}
		if victim == nil || victim.payments > 0 || len(victim.events) > 0 {
			return nil
		}
		b.forgetTenant(victim) // told, so what else is kept for it goes too
	}
	return b.tenantOf(name, true)
}

// nowOf returns the tenant's time; the caller holds b.mu.
func (b *Book) nowOf(tenantName string) time.Time {
	if t := b.tenants[tenantName]; t != nil {
		return b.now().Add(t.clock)
	}
	return b.now()
}

// at returns the time of p's tenant; the caller holds b.mu.
func (b *Book) at(p *record) time.Time {
	if p.tenant != nil {
		return b.now().Add(p.tenant.clock)
	}
	return b.now()
}

// Clock returns the tenant's time and how far it runs ahead of the book's.
func (b *Book) Clock(tenantName string) (now time.Time, offset time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t := b.tenants[tenantName]; t != nil {
		offset = t.clock
	}
	return b.now().Add(offset), offset
}

// ClockOffset returns how far the tenant's clock runs ahead of the book's.
func (b *Book) ClockOffset(tenantName string) time.Duration {
	_, off := b.Clock(tenantName)
	return off
}

// SetClock moves the tenant's clock to the instant to (ErrClockBackwards
// if that is before its time, ErrClockTooFar past MaxClockOffset), then
// applies the clock's transitions to its payments, in the order they were
// made, with their events in out. It returns the tenant's time and how far
// its clock moved.
func (b *Book) SetClock(out *Outbox, tenantName string, to time.Time) (time.Time, time.Duration, error) {
	return b.moveClock(out, tenantName, func(base time.Time, _ time.Duration) time.Duration { return to.Sub(base) })
}

// AdvanceClock moves the tenant's clock forward by d (exactly: the wall
// clock's own progress meanwhile is not subtracted); see SetClock.
func (b *Book) AdvanceClock(out *Outbox, tenantName string, d time.Duration) (time.Time, time.Duration, error) {
	if d < 0 {
		now, _ := b.Clock(tenantName)
		return now, 0, ErrClockBackwards
	}
	if d > MaxClockOffset {
		now, _ := b.Clock(tenantName)
		return now, 0, ErrClockTooFar
	}
	return b.moveClock(out, tenantName, func(_ time.Time, old time.Duration) time.Duration { return old + d })
}

// moveClock sets the tenant's offset to next(the book's time, the old
// offset), within the bounds, and applies the clock's transitions.
func (b *Book) moveClock(out *Outbox, tenantName string, next func(time.Time, time.Duration) time.Duration) (time.Time, time.Duration, error) {
	b.begin(out)
	defer b.end()
	base := b.now()
	t := b.tenants[tenantName]
	var old time.Duration
	if t != nil {
		old = t.clock
	}
	off := next(base, old)
	switch {
	case off < old:
		return base.Add(old), 0, ErrClockBackwards
	case off > MaxClockOffset:
		return base.Add(old), 0, ErrClockTooFar
	}
	if t == nil {
		if t = b.clockTenant(tenantName); t == nil {
			return base, 0, ErrClockBusy
		}
	}
	t.clock = off
	now := base.Add(off)
	for i := t.head; i < len(t.queue); i++ {
		if p := t.queue[i]; p != nil && !p.gone {
			b.tick(p, now)
		}
	}
	return now, off - old, nil
}

// ReserveSeqOf is ReserveSeq with the tenant's time.
func (b *Book) ReserveSeqOf(tenantName string) (uint64, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.eventSeq++
	return b.eventSeq, b.nowOf(tenantName)
}
