package sandbox

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// TestErrorMappingCoversEveryDocumentedStatus: for every error status the
// spec documents on an operation, the handler's mapping to a generated
// response type answers with that status. A status the mapping lacks would
// silently become a 500 (as a look-up's 400 once did).
func TestErrorMappingCoversEveryDocumentedStatus(t *testing.T) {
	t.Parallel()
	write := map[string]func(*Error, http.ResponseWriter) error{
		openapi.OpCreatePayment:  func(e *Error, w http.ResponseWriter) error { return createError(e).VisitCreatePaymentResponse(w) },
		openapi.OpConfirmPayment: func(e *Error, w http.ResponseWriter) error { return confirmError(e).VisitConfirmPaymentResponse(w) },
		openapi.OpCancelPayment:  func(e *Error, w http.ResponseWriter) error { return cancelError(e).VisitCancelPaymentResponse(w) },
		openapi.OpKeyInPayment:   func(e *Error, w http.ResponseWriter) error { return keyInError(e).VisitKeyInPaymentResponse(w) },
		openapi.OpGetPayment:     func(e *Error, w http.ResponseWriter) error { return getError(e).VisitGetPaymentResponse(w) },
		openapi.OpGetPaymentByOrderID: func(e *Error, w http.ResponseWriter) error {
			return getByOrderError(e).VisitGetPaymentByOrderIDResponse(w)
		},
	}
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			visit := write[op.OperationID]
			if visit == nil {
				t.Fatalf("no error mapping for %s", op.OperationID)
			}
			for statusText := range op.Responses.Map() {
				status, _ := strconv.Atoi(statusText)
				codes := generated.DocumentedErrorCodes(op.OperationID, status)
				if len(codes) == 0 {
					continue
				}
				rec := httptest.NewRecorder()
				if err := visit(&Error{Status: status, Code: codes[0], Message: "m"}, rec); err != nil {
					t.Fatal(err)
				}
				if rec.Code != status {
					t.Errorf("%s: an error with status %d is answered %d", op.OperationID, status, rec.Code)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Errorf("no (operation, error status) pair checked (%d)", checked)
	}
}
