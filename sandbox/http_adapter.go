package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// server implements the generated strict server interface over a Store: it
// translates between the generated request and response objects and the
// rules, and nothing more.
type server struct {
	st   *Store
	spec *spec
}

var _ generated.StrictServerInterface = (*server)(nil)

// fail answers err, a rule's refusal, for the operation op: with its own
// status when the spec documents that status on op, else with 500 (an
// unexpected error, or a rule answering a status the spec does not list).
func (h *server) fail(op string, err error) apiError {
	var e *Error
	if !errors.As(err, &e) || !h.spec.documents(op, e.Status) {
		e = &Error{Status: http.StatusInternalServerError, Code: generated.ErrorCodeFailedInternalSystemProcessing,
			Message: message(generated.ErrorCodeFailedInternalSystemProcessing, Korean, "")}
	}
	return apiError{e}
}

// testCode answers the TossPayments-Test-Code header: the named error with
// the status the spec documents for it on the operation. The validation
// layer has already refused codes the operation does not document.
func (h *server) testCode(op string, code *string, lang Language) error {
	if code == nil || *code == "" {
		return nil
	}
	c := generated.ErrorCode(*code)
	status, ok := h.spec.status(op, c)
	if !ok {
		return nil
	}
	return &Error{Status: status, Code: c, Message: message(c, lang, "(TossPayments-Test-Code)")}
}

func (h *server) CreatePayment(ctx context.Context, req generated.CreatePaymentRequestObject) (generated.CreatePaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	noteOf(ctx).about("", req.Body.OrderID)
	if err := h.testCode(openapi.OpCreatePayment, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(openapi.OpCreatePayment, err), nil
	}
	p, err := h.st.Create(c, *req.Body)
	if err != nil {
		return h.fail(openapi.OpCreatePayment, err), nil
	}
	noteOf(ctx).about(p.PaymentKey, p.OrderID)
	return generated.CreatePayment200JSONResponse{Body: p}, nil
}

func (h *server) ConfirmPayment(ctx context.Context, req generated.ConfirmPaymentRequestObject) (generated.ConfirmPaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	noteOf(ctx).about(req.Body.PaymentKey, req.Body.OrderID)
	if err := h.testCode(openapi.OpConfirmPayment, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(openapi.OpConfirmPayment, err), nil
	}
	p, err := h.st.Confirm(c, *req.Body)
	if err != nil {
		return h.fail(openapi.OpConfirmPayment, err), nil
	}
	noteOf(ctx).about(p.PaymentKey, p.OrderID)
	return generated.ConfirmPayment200JSONResponse{Body: p}, nil
}

func (h *server) KeyInPayment(ctx context.Context, req generated.KeyInPaymentRequestObject) (generated.KeyInPaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	noteOf(ctx).about("", req.Body.OrderID)
	if err := h.testCode(openapi.OpKeyInPayment, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(openapi.OpKeyInPayment, err), nil
	}
	p, err := h.st.KeyIn(c, *req.Body)
	if err != nil {
		return h.fail(openapi.OpKeyInPayment, err), nil
	}
	noteOf(ctx).about(p.PaymentKey, p.OrderID)
	return generated.KeyInPayment200JSONResponse{Body: p}, nil
}

func (h *server) CancelPayment(ctx context.Context, req generated.CancelPaymentRequestObject) (generated.CancelPaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	noteOf(ctx).about(req.PaymentKey, "")
	if err := h.testCode(openapi.OpCancelPayment, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(openapi.OpCancelPayment, err), nil
	}
	p, err := h.st.Cancel(c, req.PaymentKey, *req.Body)
	if err != nil {
		return h.fail(openapi.OpCancelPayment, err), nil
	}
	noteOf(ctx).about(p.PaymentKey, p.OrderID)
	return generated.CancelPayment200JSONResponse{Body: p}, nil
}

func (h *server) GetPayment(ctx context.Context, req generated.GetPaymentRequestObject) (generated.GetPaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	noteOf(ctx).about(req.PaymentKey, "")
	if err := h.testCode(openapi.OpGetPayment, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(openapi.OpGetPayment, err), nil
	}
	p, err := h.st.Get(c, req.PaymentKey)
	if err != nil {
		return h.fail(openapi.OpGetPayment, err), nil
	}
	noteOf(ctx).about(p.PaymentKey, p.OrderID)
	return generated.GetPayment200JSONResponse{Body: p}, nil
}

func (h *server) GetPaymentByOrderID(ctx context.Context, req generated.GetPaymentByOrderIDRequestObject) (generated.GetPaymentByOrderIDResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	noteOf(ctx).about("", req.OrderID)
	if err := h.testCode(openapi.OpGetPaymentByOrderID, req.Params.TossPaymentsTestCode, c.Language); err != nil {
		return h.fail(openapi.OpGetPaymentByOrderID, err), nil
	}
	p, err := h.st.GetByOrderID(c, req.OrderID)
	if err != nil {
		return h.fail(openapi.OpGetPaymentByOrderID, err), nil
	}
	noteOf(ctx).about(p.PaymentKey, p.OrderID)
	return generated.GetPaymentByOrderID200JSONResponse{Body: p}, nil
}

// apiError is the answer of every refusal, to every operation: it
// implements each generated Visit…Response, writing the status the rule
// read from the spec, so a status the spec adds needs no edit here. A 429
// carries Retry-After, as the spec's TooManyRequests response documents.
type apiError struct{ e *Error }

func (a apiError) write(w http.ResponseWriter) error {
	if a.e.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.e.Status)
	return json.NewEncoder(w).Encode(a.e.body())
}

func (a apiError) VisitCreatePaymentResponse(w http.ResponseWriter) error  { return a.write(w) }
func (a apiError) VisitConfirmPaymentResponse(w http.ResponseWriter) error { return a.write(w) }
func (a apiError) VisitKeyInPaymentResponse(w http.ResponseWriter) error   { return a.write(w) }
func (a apiError) VisitCancelPaymentResponse(w http.ResponseWriter) error  { return a.write(w) }
func (a apiError) VisitGetPaymentResponse(w http.ResponseWriter) error     { return a.write(w) }
func (a apiError) VisitGetPaymentByOrderIDResponse(w http.ResponseWriter) error {
	return a.write(w)
}
