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

// TestGeneratedErrorClasses: IsDeclinedErrorCode and IsOutcomeUnknownErrorCode
// answer what the spec's x-toss-declined and x-toss-outcome-unknown list, for
// every ErrorCode value and every operation.
func TestGeneratedErrorClasses(t *testing.T) {
	t.Parallel()
	doc := spec(t)
	errorCode := doc.Components.Schemas["ErrorCode"].Value
	declined, _, err := codeList(errorCode.Extensions, "x-toss-declined")
	if err != nil || len(declined) == 0 {
		t.Fatalf("x-toss-declined: %v (%d codes)", err, len(declined))
	}
	unknown := map[string][]string{}
	var ops []string
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			ops = append(ops, op.OperationID)
			for _, resp := range op.Responses.Map() {
				codes, _, err := codeList(resp.Value.Extensions, "x-toss-outcome-unknown")
				if err != nil {
					t.Fatal(err)
				}
				unknown[op.OperationID] = append(unknown[op.OperationID], codes...)
			}
		}
	}
	if len(unknown["confirmPayment"]) == 0 {
		t.Fatal("confirmPayment lists no outcome-unknown code")
	}
	for _, v := range append(errorCode.Enum, "MADE_UP_CODE") {
		code := v.(string)
		if got, want := generated.IsDeclinedErrorCode(generated.ErrorCode(code)), slices.Contains(declined, code); got != want {
			t.Errorf("IsDeclinedErrorCode(%s) = %v, the spec says %v (run go generate ./...)", code, got, want)
		}
		for _, op := range ops {
			if got, want := generated.IsOutcomeUnknownErrorCode(op, generated.ErrorCode(code)), slices.Contains(unknown[op], code); got != want {
				t.Errorf("IsOutcomeUnknownErrorCode(%s, %s) = %v, the spec says %v (run go generate ./...)", op, code, got, want)
			}
		}
	}
}

// TestGeneratedErrorCodeSources: ErrorCodeSource answers the spec's
// x-toss-code-sources for every ErrorCode value, and "" for a made-up code.
func TestGeneratedErrorCodeSources(t *testing.T) {
	t.Parallel()
	errorCode := spec(t).Components.Schemas["ErrorCode"].Value
	sources, ok := errorCode.Extensions["x-toss-code-sources"].(map[string]any)
	if !ok {
		t.Fatal("ErrorCode has no x-toss-code-sources map")
	}
	for _, v := range errorCode.Enum {
		code := v.(string)
		if got, want := generated.ErrorCodeSource(generated.ErrorCode(code)), sources[code]; got != want {
			t.Errorf("ErrorCodeSource(%s) = %q, the spec says %q (run go generate ./...)", code, got, want)
		}
	}
	if got := generated.ErrorCodeSource("MADE_UP_CODE"); got != "" {
		t.Errorf("ErrorCodeSource(MADE_UP_CODE) = %q", got)
	}
}
