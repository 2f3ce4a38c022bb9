package sandbox

import (
	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// The browser pages, outside the API's /v1 namespace; a payment's
// checkout.url and receipt.url are the base URL, the prefix and the
// paymentKey.
const (
	checkoutPath = "/sandbox/checkout/"
	receiptPath  = "/sandbox/receipt/"
)

const (
	objectVersion = "2022-11-16"
	merchantID    = "tosspayments"
)

func ptr[T any](v T) *T { return &v }

func stamp(p *payment, at func(*payment) bool, t func(*payment) tosstime.Timestamp) *tosstime.Timestamp {
	if !at(p) {
		return nil
	}
	return ptr(t(p))
}

// render builds the Payment object, version 2022-11-16, as the real API
// shapes it for the payment's status.
func (s *Store) render(p *payment, lang Language) generated.Payment {
	approved := !p.approvedAt.IsZero() && p.status != generated.PaymentStatusExpired
	// issued: the payment has its secret and transaction, a card payment
	// from its approval on, a virtual account from the issue of its account.
	issued := approved || (p.va != nil && p.va.issued)
	zero := money.New(0)
	taxable, _ := p.balance.Sub(p.taxFree)
	vat := taxable.DivRound(11)
	supplied, _ := taxable.Sub(vat)

	out := generated.Payment{
		Version:             objectVersion,
		PaymentKey:          p.key,
		Type:                generated.PaymentTypeNormal,
		OrderID:             p.orderID,
		OrderName:           p.orderName,
		MID:                 merchantID,
		Currency:            "KRW",
		TotalAmount:         p.total,
		BalanceAmount:       p.balance,
		Status:              p.status,
		RequestedAt:         tosstime.From(p.requestedAt.In(tosstime.Seoul)),
		SuppliedAmount:      supplied,
		Vat:                 vat,
		CultureExpense:      false,
		TaxFreeAmount:       p.taxFree,
		TaxExemptionAmount:  zero,
		IsPartialCancelable: ptr(true),
		Country:             "KR",
		Checkout:            &generated.Checkout{URL: ptr(p.baseURL + checkoutPath + p.key)},
		Failure:             p.failure,
	}
	out.ApprovedAt = stamp(p, func(*payment) bool { return approved }, func(p *payment) tosstime.Timestamp {
		return tosstime.From(p.approvedAt.In(tosstime.Seoul))
	})
	if p.status == generated.PaymentStatusInProgress || issued {
		m := generated.PaymentMethodCardKo
		switch {
		case p.va != nil && lang == English:
			m = generated.PaymentMethodVirtualAccount
		case p.va != nil:
			m = generated.PaymentMethodVirtualAccountKo
		case lang == English:
			m = generated.PaymentMethodCard
		}
		out.Method = &m
	}
	if issued {
		out.UseEscrow = ptr(false)
		out.LastTransactionKey = ptr(p.lastTxKey)
		out.Secret = ptr(p.secret)
		out.Receipt = &generated.Receipt{URL: ptr(p.baseURL + receiptPath + p.key)}
		if p.card != nil {
			out.Card = renderCard(p, lang)
		}
		if p.va != nil && p.va.issued {
			out.VirtualAccount = renderVA(p, lang)
		}
	}
	if len(p.cancels) > 0 {
		cs := make([]generated.Cancel, len(p.cancels))
		for i, c := range p.cancels {
			cs[i] = generated.Cancel{
				CancelAmount:           c.amount,
				CancelReason:           c.reason,
				TaxFreeAmount:          ptr(c.taxFree),
				TaxExemptionAmount:     ptr(zero),
				RefundableAmount:       ptr(c.refundable),
				EasyPayDiscountAmount:  ptr(zero),
				CardDiscountAmount:     ptr(zero),
				TransferDiscountAmount: ptr(zero),
				CanceledAt:             tosstime.From(c.at.In(tosstime.Seoul)),
				TransactionKey:         c.txKey,
				CancelStatus:           ptr(generated.CancelStatusDone),
			}
		}
		out.Cancels = &cs
	}
	return out
}

func renderCard(p *payment, lang Language) *generated.Card {
	c := p.card
	cardType, ownerType := generated.CardTypeCreditKo, generated.OwnerTypePersonalKo
	if c.corporate {
		ownerType = generated.OwnerTypeCorporateKo
	}
	if lang == English {
		cardType = generated.CardTypeCredit
		// Toss publishes no English value for a corporate owner; rather than
		// invent one, the sandbox keeps 법인 in English too.
		if !c.corporate {
			ownerType = generated.OwnerTypePersonal
		}
	}
	var payer *generated.InterestPayer
	if c.freeInstallment {
		payer = ptr(generated.InterestPayerMerchant)
	}
	return &generated.Card{
		Amount:                ptr(p.total),
		IssuerCode:            "61",
		AcquirerCode:          ptr("31"),
		Number:                c.masked,
		InstallmentPlanMonths: c.installment,
		IsInterestFree:        c.freeInstallment,
		InterestPayer:         payer,
		ApproveNo:             c.approveNo,
		UseCardPoint:          false,
		CardType:              cardType,
		OwnerType:             ownerType,
		AcquireStatus:         generated.AcquireStatusReady,
	}
}
