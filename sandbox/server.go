package sandbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// server implements the generated strict server interface: it translates
// between HTTP objects and the rules, and nothing more.
type server struct{ s *Sandbox }

var _ generated.StrictServerInterface = (*server)(nil)

// asError turns a rule's error into an *Error (an unexpected one is a 500).
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: generated.ErrorCodeFailedInternalSystemProcessing, Message: err.Error()}
}

// testCode answers the TossPayments-Test-Code header: the named error with
// the status the spec documents for it on the operation. The validation
// layer has already refused codes the operation does not document.
func (h *server) testCode(op string, code *string, lang Language) *Error {
	if code == nil || *code == "" {
		return nil
	}
	c := generated.ErrorCode(*code)
	status, ok := h.s.spec.status(op, c)
	if !ok {
		return nil
	}
	return &Error{Status: status, Code: c, Message: message(c, lang, "(TossPayments-Test-Code)")}
}

func (h *server) CreatePayment(ctx context.Context, req generated.CreatePaymentRequestObject) (generated.CreatePaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if e := h.testCode(openapi.OpCreatePayment, req.Params.TossPaymentsTestCode, c.Language); e != nil {
		return createError(e), nil
	}
	p, err := h.s.Create(c, *req.Body)
	if err != nil {
		return createError(asError(err)), nil
	}
	return generated.CreatePayment200JSONResponse{Body: p}, nil
}

func (h *server) ConfirmPayment(ctx context.Context, req generated.ConfirmPaymentRequestObject) (generated.ConfirmPaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if e := h.testCode(openapi.OpConfirmPayment, req.Params.TossPaymentsTestCode, c.Language); e != nil {
		return confirmError(e), nil
	}
	p, err := h.s.Confirm(c, *req.Body)
	if err != nil {
		return confirmError(asError(err)), nil
	}
	return generated.ConfirmPayment200JSONResponse{Body: p}, nil
}

func (h *server) KeyInPayment(ctx context.Context, req generated.KeyInPaymentRequestObject) (generated.KeyInPaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if e := h.testCode(openapi.OpKeyInPayment, req.Params.TossPaymentsTestCode, c.Language); e != nil {
		return keyInError(e), nil
	}
	p, err := h.s.KeyIn(c, *req.Body)
	if err != nil {
		return keyInError(asError(err)), nil
	}
	return generated.KeyInPayment200JSONResponse{Body: p}, nil
}

func (h *server) CancelPayment(ctx context.Context, req generated.CancelPaymentRequestObject) (generated.CancelPaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if e := h.testCode(openapi.OpCancelPayment, req.Params.TossPaymentsTestCode, c.Language); e != nil {
		return cancelError(e), nil
	}
	p, err := h.s.Cancel(c, req.PaymentKey, *req.Body)
	if err != nil {
		return cancelError(asError(err)), nil
	}
	return generated.CancelPayment200JSONResponse{Body: p}, nil
}

func (h *server) GetPayment(ctx context.Context, req generated.GetPaymentRequestObject) (generated.GetPaymentResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if e := h.testCode(openapi.OpGetPayment, req.Params.TossPaymentsTestCode, c.Language); e != nil {
		return getError(e), nil
	}
	p, err := h.s.Get(c, req.PaymentKey)
	if err != nil {
		return getError(asError(err)), nil
	}
	return generated.GetPayment200JSONResponse{Body: p}, nil
}

func (h *server) GetPaymentByOrderID(ctx context.Context, req generated.GetPaymentByOrderIDRequestObject) (generated.GetPaymentByOrderIDResponseObject, error) {
	c := callerOf(ctx, req.Params.AcceptLanguage)
	if e := h.testCode(openapi.OpGetPaymentByOrderID, req.Params.TossPaymentsTestCode, c.Language); e != nil {
		return getByOrderError(e), nil
	}
	p, err := h.s.GetByOrderID(c, req.OrderID)
	if err != nil {
		return getByOrderError(asError(err)), nil
	}
	return generated.GetPaymentByOrderID200JSONResponse{Body: p}, nil
}

// retryAfter is the Retry-After, in seconds, of a 429 answered through the strict handler.
func retryAfter() *int { n := 1; return &n }

// The functions below pick the generated response type of each documented
// status; a status the operation does not document becomes its 500.

func createError(e *Error) generated.CreatePaymentResponseObject {
	b := e.body()
	switch e.Status {
	case 400:
		return generated.CreatePayment400JSONResponse{CreateBadRequestJSONResponse: generated.CreateBadRequestJSONResponse{Body: b}}
	case 401:
		return generated.CreatePayment401JSONResponse{UnauthorizedJSONResponse: generated.UnauthorizedJSONResponse{Body: b}}
	case 403:
		return generated.CreatePayment403JSONResponse{CreateForbiddenJSONResponse: generated.CreateForbiddenJSONResponse{Body: b}}
	case 409:
		return generated.CreatePayment409JSONResponse{IdempotentRequestProcessingJSONResponse: generated.IdempotentRequestProcessingJSONResponse{Body: b}}
	case 429:
		return generated.CreatePayment429JSONResponse{TooManyRequestsJSONResponse: generated.TooManyRequestsJSONResponse{Body: b, Headers: generated.TooManyRequestsResponseHeaders{RetryAfter: retryAfter()}}}
	}
	return generated.CreatePayment500JSONResponse{CreateServerErrorJSONResponse: generated.CreateServerErrorJSONResponse{Body: b}}
}

func confirmError(e *Error) generated.ConfirmPaymentResponseObject {
	b := e.body()
	switch e.Status {
	case 400:
		return generated.ConfirmPayment400JSONResponse{ConfirmBadRequestJSONResponse: generated.ConfirmBadRequestJSONResponse{Body: b}}
	case 401:
		return generated.ConfirmPayment401JSONResponse{UnauthorizedJSONResponse: generated.UnauthorizedJSONResponse{Body: b}}
	case 403:
		return generated.ConfirmPayment403JSONResponse{ConfirmForbiddenJSONResponse: generated.ConfirmForbiddenJSONResponse{Body: b}}
	case 404:
		return generated.ConfirmPayment404JSONResponse{ConfirmNotFoundJSONResponse: generated.ConfirmNotFoundJSONResponse{Body: b}}
	case 409:
		return generated.ConfirmPayment409JSONResponse{IdempotentRequestProcessingJSONResponse: generated.IdempotentRequestProcessingJSONResponse{Body: b}}
	case 429:
		return generated.ConfirmPayment429JSONResponse{TooManyRequestsJSONResponse: generated.TooManyRequestsJSONResponse{Body: b, Headers: generated.TooManyRequestsResponseHeaders{RetryAfter: retryAfter()}}}
	}
	return generated.ConfirmPayment500JSONResponse{ConfirmServerErrorJSONResponse: generated.ConfirmServerErrorJSONResponse{Body: b}}
}

func keyInError(e *Error) generated.KeyInPaymentResponseObject {
	b := e.body()
	switch e.Status {
	case 400:
		return generated.KeyInPayment400JSONResponse{KeyInBadRequestJSONResponse: generated.KeyInBadRequestJSONResponse{Body: b}}
	case 401:
		return generated.KeyInPayment401JSONResponse{UnauthorizedJSONResponse: generated.UnauthorizedJSONResponse{Body: b}}
	case 403:
		return generated.KeyInPayment403JSONResponse{KeyInForbiddenJSONResponse: generated.KeyInForbiddenJSONResponse{Body: b}}
	case 409:
		return generated.KeyInPayment409JSONResponse{IdempotentRequestProcessingJSONResponse: generated.IdempotentRequestProcessingJSONResponse{Body: b}}
	case 429:
		return generated.KeyInPayment429JSONResponse{TooManyRequestsJSONResponse: generated.TooManyRequestsJSONResponse{Body: b, Headers: generated.TooManyRequestsResponseHeaders{RetryAfter: retryAfter()}}}
	}
	return generated.KeyInPayment500JSONResponse{KeyInServerErrorJSONResponse: generated.KeyInServerErrorJSONResponse{Body: b}}
}

func cancelError(e *Error) generated.CancelPaymentResponseObject {
	b := e.body()
	switch e.Status {
	case 400:
		return generated.CancelPayment400JSONResponse{CancelBadRequestJSONResponse: generated.CancelBadRequestJSONResponse{Body: b}}
	case 401:
		return generated.CancelPayment401JSONResponse{UnauthorizedJSONResponse: generated.UnauthorizedJSONResponse{Body: b}}
	case 403:
		return generated.CancelPayment403JSONResponse{CancelForbiddenJSONResponse: generated.CancelForbiddenJSONResponse{Body: b}}
	case 404:
		return generated.CancelPayment404JSONResponse{NotFoundPaymentJSONResponse: generated.NotFoundPaymentJSONResponse{Body: b}}
	case 409:
		return generated.CancelPayment409JSONResponse{IdempotentRequestProcessingJSONResponse: generated.IdempotentRequestProcessingJSONResponse{Body: b}}
	case 429:
		return generated.CancelPayment429JSONResponse{TooManyRequestsJSONResponse: generated.TooManyRequestsJSONResponse{Body: b, Headers: generated.TooManyRequestsResponseHeaders{RetryAfter: retryAfter()}}}
	}
	return generated.CancelPayment500JSONResponse{CancelServerErrorJSONResponse: generated.CancelServerErrorJSONResponse{Body: b}}
}

func getError(e *Error) generated.GetPaymentResponseObject {
	b := e.body()
	switch e.Status {
	case 400:
		return generated.GetPayment400JSONResponse{LookupBadRequestJSONResponse: generated.LookupBadRequestJSONResponse{Body: b}}
	case 401:
		return generated.GetPayment401JSONResponse{UnauthorizedJSONResponse: generated.UnauthorizedJSONResponse{Body: b}}
	case 403:
		return generated.GetPayment403JSONResponse{LookupForbiddenJSONResponse: generated.LookupForbiddenJSONResponse{Body: b}}
	case 404:
		return generated.GetPayment404JSONResponse{LookupNotFoundJSONResponse: generated.LookupNotFoundJSONResponse{Body: b}}
	case 429:
		return generated.GetPayment429JSONResponse{TooManyRequestsJSONResponse: generated.TooManyRequestsJSONResponse{Body: b, Headers: generated.TooManyRequestsResponseHeaders{RetryAfter: retryAfter()}}}
	}
	return generated.GetPayment500JSONResponse{LookupServerErrorJSONResponse: generated.LookupServerErrorJSONResponse{Body: b}}
}

func getByOrderError(e *Error) generated.GetPaymentByOrderIDResponseObject {
	b := e.body()
	switch e.Status {
	case 400:
		return generated.GetPaymentByOrderID400JSONResponse{LookupBadRequestJSONResponse: generated.LookupBadRequestJSONResponse{Body: b}}
	case 401:
		return generated.GetPaymentByOrderID401JSONResponse{UnauthorizedJSONResponse: generated.UnauthorizedJSONResponse{Body: b}}
	case 403:
		return generated.GetPaymentByOrderID403JSONResponse{LookupForbiddenJSONResponse: generated.LookupForbiddenJSONResponse{Body: b}}
	case 404:
		return generated.GetPaymentByOrderID404JSONResponse{LookupNotFoundJSONResponse: generated.LookupNotFoundJSONResponse{Body: b}}
	case 429:
		return generated.GetPaymentByOrderID429JSONResponse{TooManyRequestsJSONResponse: generated.TooManyRequestsJSONResponse{Body: b, Headers: generated.TooManyRequestsResponseHeaders{RetryAfter: retryAfter()}}}
	}
	return generated.GetPaymentByOrderID500JSONResponse{LookupServerErrorJSONResponse: generated.LookupServerErrorJSONResponse{Body: b}}
}
