package sandbox

import (
	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
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

// render builds the Payment object, version 2022-11-16, as the real API
// shapes it for the payment's status.
func render(p payments.Payment, lang Language) generated.Payment {
	va := p.VirtualAccount
	zero := money.New(0)
	taxable, _ := p.Balance.Sub(p.TaxFree)
	vat := taxable.DivRound(11)
	supplied, _ := taxable.Sub(vat)

	out := generated.Payment{
		Version:             objectVersion,
		PaymentKey:          p.Key,
		Type:                generated.PaymentTypeNormal,
		OrderID:             p.OrderID,
		OrderName:           p.OrderName,
		MID:                 merchantID,
		Currency:            "KRW",
		TotalAmount:         p.Total,
		BalanceAmount:       p.Balance,
		Status:              generated.PaymentStatus(p.Status),
		RequestedAt:         tosstime.From(p.RequestedAt.In(tosstime.Seoul)),
		SuppliedAmount:      supplied,
		Vat:                 vat,
		CultureExpense:      false,
		TaxFreeAmount:       p.TaxFree,
		TaxExemptionAmount:  zero,
		IsPartialCancelable: ptr(true),
		Country:             "KR",
		Checkout:            &generated.Checkout{URL: ptr(p.BaseURL + checkoutPath + p.Key)},
		Failure:             failureOf(p.Failure),
	}
	if p.Billing {
		out.Type, out.Checkout = generated.PaymentTypeBilling, nil
	}
	if p.Approved() {
		out.ApprovedAt = ptr(tosstime.From(p.ApprovedAt.In(tosstime.Seoul)))
	}
	if p.Status == payments.StatusInProgress || p.Issued() {
		m := generated.PaymentMethodCardKo
		switch {
		case va != nil && lang == English:
			m = generated.PaymentMethodVirtualAccount
		case va != nil:
			m = generated.PaymentMethodVirtualAccountKo
		case lang == English:
			m = generated.PaymentMethodCard
		}
		out.Method = &m
	}
	if p.Issued() {
		out.UseEscrow = ptr(false)
		out.LastTransactionKey = ptr(p.LastTransactionKey)
		out.Secret = ptr(p.Secret)
		out.Receipt = &generated.Receipt{URL: ptr(p.BaseURL + receiptPath + p.Key)}
		if p.Card != nil {
			out.Card = renderCard(p, lang)
		}
		if va != nil && va.Issued {
			out.VirtualAccount = renderVA(va, lang)
		}
	}
	if len(p.Cancels) > 0 {
		cs := make([]generated.Cancel, len(p.Cancels))
		for i, c := range p.Cancels {
			cs[i] = generated.Cancel{
				CancelAmount:           c.Amount,
				CancelReason:           c.Reason,
				TaxFreeAmount:          ptr(c.TaxFree),
				TaxExemptionAmount:     ptr(zero),
				RefundableAmount:       ptr(c.Refundable),
				EasyPayDiscountAmount:  ptr(zero),
				CardDiscountAmount:     ptr(zero),
				TransferDiscountAmount: ptr(zero),
				CanceledAt:             tosstime.From(c.At.In(tosstime.Seoul)),
				TransactionKey:         c.TransactionKey,
				CancelStatus:           ptr(generated.CancelStatusDone),
			}
		}
		out.Cancels = &cs
	}
	return out
}

func renderCard(p payments.Payment, lang Language) *generated.Card {
	c := p.Card
	cardType, ownerType := generated.CardTypeCreditKo, generated.OwnerTypePersonalKo
	if c.Corporate {
		ownerType = generated.OwnerTypeCorporateKo
	}
	if lang == English {
		cardType = generated.CardTypeCredit
		// Toss publishes no English value for a corporate owner; rather than
		// invent one, the sandbox keeps 법인 in English too.
		if !c.Corporate {
			ownerType = generated.OwnerTypePersonal
		}
	}
	var payer *generated.InterestPayer
	if c.FreeInstallment {
		payer = ptr(generated.InterestPayerMerchant)
	}
	return &generated.Card{
		Amount:                ptr(p.Total),
		IssuerCode:            "61",
		AcquirerCode:          ptr("31"),
		Number:                c.Masked,
		InstallmentPlanMonths: c.Installment,
		IsInterestFree:        c.FreeInstallment,
		InterestPayer:         payer,
		ApproveNo:             c.ApproveNo,
		UseCardPoint:          false,
		CardType:              cardType,
		OwnerType:             ownerType,
		AcquireStatus:         generated.AcquireStatusReady,
	}
}

func failureOf(f *payments.Failure) *generated.Failure {
	if f == nil {
		return nil
	}
	return &generated.Failure{Code: ptr(f.Code), Message: ptr(f.Message)}
}

func renderVA(va *payments.VirtualAccount, lang Language) *generated.VirtualAccount {
	t := generated.VirtualAccountTypeNormalKo
	if lang == English {
		t = generated.VirtualAccountTypeNormal
	}
	out := &generated.VirtualAccount{
		AccountType:      &t,
		AccountNumber:    va.AccountNumber,
		BankCode:         va.BankCode,
		CustomerName:     va.CustomerName,
		DueDate:          tosstime.From(va.DueDate),
		Expired:          va.Expired,
		RefundStatus:     generated.RefundStatus(va.RefundStatus),
		SettlementStatus: generated.SettlementStatusIncompleted,
	}
	if va.DepositorName != "" {
		out.DepositorName = ptr(va.DepositorName)
	}
	return out
}
