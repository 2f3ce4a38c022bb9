package sandbox

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// TestErrorAnswerCoversEveryDocumentedStatus: for every error status the
// spec documents on an operation, the handler's answer to a refusal with
// that status is that status (through the operation's own Visit…Response);
// a status the operation does not document becomes its 500. A status the
// spec adds is answered with no edit of the handler.
func TestErrorAnswerCoversEveryDocumentedStatus(t *testing.T) {
	t.Parallel()
	sb, err := New(WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	h := &server{st: sb.Store, spec: sb.spec}
	visit := map[string]func(apiError, http.ResponseWriter) error{
		openapi.OpCreatePayment:       apiError.VisitCreatePaymentResponse,
		openapi.OpConfirmPayment:      apiError.VisitConfirmPaymentResponse,
		openapi.OpCancelPayment:       apiError.VisitCancelPaymentResponse,
		openapi.OpKeyInPayment:        apiError.VisitKeyInPaymentResponse,
		openapi.OpGetPayment:          apiError.VisitGetPaymentResponse,
		openapi.OpGetPaymentByOrderID: apiError.VisitGetPaymentByOrderIDResponse,

		openapi.OpIssueBillingKey:         apiError.VisitIssueBillingKeyResponse,
		openapi.OpIssueBillingKeyWithCard: apiError.VisitIssueBillingKeyWithCardResponse,
		openapi.OpChargeBillingKey:        apiError.VisitChargeBillingKeyResponse,
		openapi.OpDeleteBillingKey:        apiError.VisitDeleteBillingKeyResponse,
	}
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			v := visit[op.OperationID]
			if v == nil {
				t.Fatalf("no Visit…Response of apiError for %s", op.OperationID)
			}
			for statusText := range op.Responses.Map() {
				status, _ := strconv.Atoi(statusText)
				codes := generated.DocumentedErrorCodes(op.OperationID, status)
				if len(codes) == 0 {
					continue
				}
				rec := httptest.NewRecorder()
				if err := v(h.fail(op.OperationID, &Error{Status: status, Code: codes[0], Message: "m"}), rec); err != nil {
					t.Fatal(err)
				}
				if rec.Code != status {
					t.Errorf("%s: an error with status %d is answered %d", op.OperationID, status, rec.Code)
				}
				if (status == http.StatusTooManyRequests) != (rec.Header().Get("Retry-After") != "") {
					t.Errorf("%s %d: Retry-After %q", op.OperationID, status, rec.Header().Get("Retry-After"))
				}
				checked++
			}
			// A status the operation does not document is its 500.
			rec := httptest.NewRecorder()
			if err := v(h.fail(op.OperationID, &Error{Status: 418, Code: "X", Message: "m"}), rec); err != nil || rec.Code != 500 {
				t.Errorf("%s: an undocumented 418 is answered %d (%v), want 500", op.OperationID, rec.Code, err)
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d (operation, error status) pairs checked", checked)
	}
}
