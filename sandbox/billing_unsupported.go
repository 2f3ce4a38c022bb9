package sandbox

import (
	"context"
	"net/http"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox/payments"
)

// The sandbox does not emulate automatic billing yet. Each billing
// operation answers what a merchant without the billing contract gets from
// Toss Payments (400 NOT_SUPPORTED_METHOD); a removal answers 404
// NOT_FOUND, as no billing key exists here. A TossPayments-Test-Code header
// is honoured as on every operation.

// unsupportedBilling answers a billing operation op.
func (h *server) unsupportedBilling(ctx context.Context, op string, testCode, lang *string, code generated.ErrorCode) apiError {
	c := callerOf(ctx, lang)
	if err := h.testCode(op, testCode, c.Language); err != nil {
		return h.fail(op, err)
	}
	return h.fail(op, h.st.answer(&payments.Refusal{Op: payments.Op(op), Code: payments.Code(code), Detail: "(the sandbox does not emulate automatic billing)"}, c.Language))
}

func (h *server) IssueBillingKey(ctx context.Context, req generated.IssueBillingKeyRequestObject) (generated.IssueBillingKeyResponseObject, error) {
	return h.unsupportedBilling(ctx, openapi.OpIssueBillingKey, req.Params.TossPaymentsTestCode, req.Params.AcceptLanguage, generated.ErrorCodeNotSupportedMethod), nil
}

func (h *server) IssueBillingKeyWithCard(ctx context.Context, req generated.IssueBillingKeyWithCardRequestObject) (generated.IssueBillingKeyWithCardResponseObject, error) {
	return h.unsupportedBilling(ctx, openapi.OpIssueBillingKeyWithCard, req.Params.TossPaymentsTestCode, req.Params.AcceptLanguage, generated.ErrorCodeNotSupportedMethod), nil
}

func (h *server) ChargeBillingKey(ctx context.Context, req generated.ChargeBillingKeyRequestObject) (generated.ChargeBillingKeyResponseObject, error) {
	return h.unsupportedBilling(ctx, openapi.OpChargeBillingKey, req.Params.TossPaymentsTestCode, req.Params.AcceptLanguage, generated.ErrorCodeNotSupportedMethod), nil
}

func (h *server) DeleteBillingKey(ctx context.Context, req generated.DeleteBillingKeyRequestObject) (generated.DeleteBillingKeyResponseObject, error) {
	return h.unsupportedBilling(ctx, openapi.OpDeleteBillingKey, req.Params.TossPaymentsTestCode, req.Params.AcceptLanguage, generated.ErrorCodeNotFound), nil
}

func (a apiError) VisitIssueBillingKeyResponse(w http.ResponseWriter) error { return a.write(w) }
func (a apiError) VisitIssueBillingKeyWithCardResponse(w http.ResponseWriter) error {
	return a.write(w)
}
func (a apiError) VisitChargeBillingKeyResponse(w http.ResponseWriter) error { return a.write(w) }
func (a apiError) VisitDeleteBillingKeyResponse(w http.ResponseWriter) error { return a.write(w) }
