package sandbox

import (
	"context"
	"net/http"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// Automatic billing, in the API's types: the Store's billing rules, the
// strict server's four operations, and the Billing object. The rules are
// package payments' (billing.go there); the registration page is
// pages_billing.go.

func init() {
	// The messages of the billing codes, as the spec's examples give them.
	messages[generated.ErrorCodeNotMatchesCustomerKey] = [2]string{"빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.", "The customerKey is not the one the billing key was issued for."}
	messages[generated.ErrorCodeFailedCardCompanyResponse] = [2]string{"카드사에서 에러가 발생했습니다. 잠시 후 다시 시도해 주세요.", "The card company failed. Please try again later."}
}

// BillingCard is a card the card-registration page offers, with what it
// does in billing.
type BillingCard = payments.BillingCard

// BillingCards returns the cards the card-registration page offers: one
// whose charges are approved, then the reserved cards (ReservedCards),
// each refused at registration or declining every charge with a code the
// billing operations document.
func BillingCards() []BillingCard { return payments.BillingCards() }

// renderBilling builds the Billing object, version 2022-11-16 (with the
// top-level cardCompany and cardNumber).
func renderBilling(k payments.BillingKey, lang Language) generated.Billing {
	m := generated.PaymentMethodCardKo
	cardType, ownerType := generated.CardTypeCreditKo, generated.OwnerTypePersonalKo
	if k.Card.Corporate {
		ownerType = generated.OwnerTypeCorporateKo
	}
	if lang == English {
		m, cardType = generated.PaymentMethodCard, generated.CardTypeCredit
		if !k.Card.Corporate {
			ownerType = generated.OwnerTypePersonal
		}
	}
	return generated.Billing{
		MID:             merchantID,
		CustomerKey:     k.CustomerKey,
		AuthenticatedAt: ptr(generated.NullableTimestamp(tosstime.From(k.AuthenticatedAt.In(tosstime.Seoul)))),
		Method:          &m,
		BillingKey:      k.Key,
		Card: &generated.BillingCard{
			IssuerCode: ptr("61"), AcquirerCode: ptr("31"), Number: ptr(k.Card.Masked),
			CardType: &cardType, OwnerType: &ownerType,
		},
		CardCompany: ptr("현대"),
		CardNumber:  ptr(k.Card.Masked),
	}
}

func (s *Store) billingDone(c Caller, k payments.BillingKey, err error) (generated.Billing, error) {
	if err != nil {
		return generated.Billing{}, s.answer(err, c.Language)
	}
	return renderBilling(k, c.Language), nil
}

// RegisterCard is the customer registering a card at the card-registration
// page for customerKey: it returns the authKey the page sends to the
// successUrl. cardNumber is one of BillingCards (or any well-formed
// number, which charges); a card refused at registration answers its code.
func (s *Store) RegisterCard(customerKey, cardNumber string) (string, error) {
	k, err := s.book.RegisterCard(customerKey, cardNumber)
	if err != nil {
		return "", s.answer(err, Korean)
	}
	return k, nil
}

// IssueBillingKey exchanges an authKey of the registration page for a
// billing key of c.SecretKey bound to the customerKey: once, and only with
// the customerKey the page was given (400 INVALID_REQUEST otherwise).
func (s *Store) IssueBillingKey(c Caller, req generated.IssueBillingKeyRequest) (generated.Billing, error) {
	k, err := s.book.IssueBillingKey(c.SecretKey, req.AuthKey, string(req.CustomerKey))
	return s.billingDone(c, k, err)
}

// IssueBillingKeyWithCard issues a billing key from card data. The card
// number, password and identity number are not kept.
func (s *Store) IssueBillingKeyWithCard(c Caller, req generated.IssueBillingKeyWithCardRequest) (generated.Billing, error) {
	k, err := s.book.IssueBillingKeyWithCard(c.SecretKey, payments.IssueCardInput{
		CustomerKey: string(req.CustomerKey), CardNumber: string(req.CardNumber),
		ExpirationYear: req.CardExpirationYear, ExpirationMonth: req.CardExpirationMonth,
		Corporate: len(req.CustomerIdentityNumber) == 10,
	})
	return s.billingDone(c, k, err)
}

// ChargeBillingKey charges a billing key of c.SecretKey: a Payment of type
// BILLING, DONE with the request and announced by no webhook (its cancels
// are), or the decline of a reserved card, which stores nothing.
func (s *Store) ChargeBillingKey(c Caller, billingKey string, req generated.ChargeBillingKeyRequest) (generated.Payment, error) {
	var out payments.Outbox
	p, err := s.book.ChargeBillingKey(&out, c.SecretKey, billingKey, payments.ChargeInput{
		CustomerKey: string(req.CustomerKey), Amount: req.Amount, TaxFree: req.TaxFreeAmount,
		OrderID: req.OrderID, OrderName: req.OrderName, Installment: req.CardInstallmentPlan, BaseURL: s.baseOf(c),
	})
	return s.done(c, out, p, err)
}

// DeleteBillingKey removes a billing key of c.SecretKey (404 NOT_FOUND when
// it has none of that value): it charges no more, and a BILLING_DELETED
// webhook announces it.
func (s *Store) DeleteBillingKey(c Caller, billingKey string) error {
	var out payments.Outbox
	err := s.book.DeleteBillingKey(&out, c.SecretKey, billingKey)
	s.publish(c.WebhookFault, out)
	if err != nil {
		return s.answer(err, c.Language)
	}
	return nil
}

// BillingKeys returns the billing keys of secretKey, newest first, in the
// API's shape (Korean).
func (s *Store) BillingKeys(secretKey string) []generated.Billing {
	ks := s.book.BillingKeys(secretKey)
	out := make([]generated.Billing, len(ks))
	for i, k := range ks {
		out[i] = renderBilling(k, Korean)
	}
	return out
}

// The strict server's billing operations: translation only.

func (h *server) IssueBillingKey(ctx context.Context, req generated.IssueBillingKeyRequestObject) (generated.IssueBillingKeyResponseObject, error) {
	const op = openapi.OpIssueBillingKey
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if err := h.testCode(op, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(op, err), nil
	}
	k, err := h.st.IssueBillingKey(c, *req.Body)
	if err != nil {
		return h.fail(op, err), nil
	}
	return generated.IssueBillingKey200JSONResponse{Body: k}, nil
}

func (h *server) IssueBillingKeyWithCard(ctx context.Context, req generated.IssueBillingKeyWithCardRequestObject) (generated.IssueBillingKeyWithCardResponseObject, error) {
	const op = openapi.OpIssueBillingKeyWithCard
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if err := h.testCode(op, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(op, err), nil
	}
	k, err := h.st.IssueBillingKeyWithCard(c, *req.Body)
	if err != nil {
		return h.fail(op, err), nil
	}
	return generated.IssueBillingKeyWithCard200JSONResponse{Body: k}, nil
}

func (h *server) ChargeBillingKey(ctx context.Context, req generated.ChargeBillingKeyRequestObject) (generated.ChargeBillingKeyResponseObject, error) {
	const op = openapi.OpChargeBillingKey
	c := callerOf(ctx, req.Params.AcceptLanguage)
	noteOf(ctx).about("", req.Body.OrderID)
	if err := h.testCode(op, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(op, err), nil
	}
	p, err := h.st.ChargeBillingKey(c, req.BillingKey, *req.Body)
	if err != nil {
		return h.fail(op, err), nil
	}
	noteOf(ctx).about(p.PaymentKey, p.OrderID)
	return generated.ChargeBillingKey200JSONResponse{Body: p}, nil
}

func (h *server) DeleteBillingKey(ctx context.Context, req generated.DeleteBillingKeyRequestObject) (generated.DeleteBillingKeyResponseObject, error) {
	const op = openapi.OpDeleteBillingKey
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if err := h.testCode(op, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(op, err), nil
	}
	if err := h.st.DeleteBillingKey(c, req.BillingKey); err != nil {
		return h.fail(op, err), nil
	}
	return generated.DeleteBillingKey200Response{}, nil
}

func (a apiError) VisitIssueBillingKeyResponse(w http.ResponseWriter) error { return a.write(w) }
func (a apiError) VisitIssueBillingKeyWithCardResponse(w http.ResponseWriter) error {
	return a.write(w)
}
func (a apiError) VisitChargeBillingKeyResponse(w http.ResponseWriter) error { return a.write(w) }
func (a apiError) VisitDeleteBillingKeyResponse(w http.ResponseWriter) error { return a.write(w) }

// redactBillingKey shortens the billing key in a path of /v1/billing/ for
// the call log: with the customerKey it charges the card.
func redactBillingKey(p string) string {
	const prefix = "/v1/billing/"
	key, ok := strings.CutPrefix(p, prefix)
	if !ok || strings.HasPrefix(key, "authorizations/") || len(key) <= 6 {
		return p
	}
	return prefix + key[:6] + "…"
}
