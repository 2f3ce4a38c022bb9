package contracttests

import (
	"slices"
	"strconv"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// TestDocumentedErrorCodes: the generated per-operation lists are the spec's
// x-toss-error-codes, for every operation and every status.
func TestDocumentedErrorCodes(t *testing.T) {
	t.Parallel()
	doc := spec(t)
	checked := 0
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			for statusText, resp := range op.Responses.Map() {
				status, err := strconv.Atoi(statusText)
				if err != nil {
					t.Fatalf("%s: status %q", op.OperationID, statusText)
				}
				got := generated.DocumentedErrorCodes(op.OperationID, status)
				if status < 400 {
					if got != nil {
						t.Errorf("%s %d: codes %v for a success", op.OperationID, status, got)
					}
					continue
				}
				want, err := errorCodesOf(resp.Value)
				if err != nil {
					t.Fatalf("%s %d: %v", op.OperationID, status, err)
				}
				gotText := make([]string, len(got))
				for i, c := range got {
					gotText[i] = string(c)
				}
				if !slices.Equal(gotText, want) {
					t.Errorf("%s %d: DocumentedErrorCodes = %v, the spec lists %v (run go generate ./...)", op.OperationID, status, gotText, want)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Errorf("no (operation, error status) pair checked (%d)", checked)
	}
	if got := generated.DocumentedErrorCodes("confirmPayment", 418); got != nil {
		t.Errorf("an undocumented status has codes %v", got)
	}
	if got := generated.DocumentedErrorCodes("noSuchOperation", 400); got != nil {
		t.Errorf("an unknown operation has codes %v", got)
	}
	// Each call returns a new slice: changing one does not change the next.
	a := generated.DocumentedErrorCodes("confirmPayment", 404)
	a[0] = "CHANGED"
	if b := generated.DocumentedErrorCodes("confirmPayment", 404); b[0] == "CHANGED" {
		t.Error("DocumentedErrorCodes shares its slices between calls")
	}
}
