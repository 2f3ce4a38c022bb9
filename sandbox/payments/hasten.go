package payments

import "time"

// Hasten brings one payment's next time-driven change to now, for the
// sandbox's triggers: a virtual account waiting for its deposit gets its
// due date moved to the tenant's time and expires; a pending refund
// settles. Only that payment changes (the tenant's clock does not move).
// It reports whether there was such a change to bring forward.
func (b *Book) Hasten(out *Outbox, tenantName, paymentKey string) (Payment, bool) {
	b.begin(out)
	defer b.end()
	p := b.lookup(tenantName, paymentKey)
	if p == nil {
		return Payment{}, false
	}
	now := b.at(p)
	b.tick(p, now)
	va := p.VirtualAccount
	switch {
	case va == nil:
		return p.snapshot(), false
	case va.Issued && !va.Expired && p.Status == StatusWaitingForDeposit:
		va.DueDate = now.Add(-time.Second)
	case va.RefundStatus == RefundPending:
		va.RefundDueAt = now
	default:
		return p.snapshot(), false
	}
	b.tick(p, now)
	return p.snapshot(), true
}
