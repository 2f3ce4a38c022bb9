package contracttests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// coverageProblems names what the fixtures leave uncovered: an operation
// without a 2xx or without an error fixture, a declared (operation, status)
// pair without a fixture, and a fixture for an operation the spec lacks.
func coverageProblems(declared map[string][]int, fixtures []fixture) []string {
	type pair struct {
		op     string
		status int
	}
	have := map[pair]bool{}
	success, failure := map[string]bool{}, map[string]bool{}
	var problems []string
	for _, f := range fixtures {
		if _, ok := declared[f.OpID]; !ok {
			problems = append(problems, fmt.Sprintf("%s: the spec has no operation %q", f.Path, f.OpID))
			continue
		}
		have[pair{f.OpID, f.Status}] = true
		if f.isSuccess() {
			success[f.OpID] = true
		} else {
			failure[f.OpID] = true
		}
	}
	ops := make([]string, 0, len(declared))
	for op := range declared {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		if !success[op] {
			problems = append(problems, fmt.Sprintf("%s: no 2xx fixture", op))
		}
		if !failure[op] {
			problems = append(problems, fmt.Sprintf("%s: no error fixture", op))
		}
		for _, status := range declared[op] {
			if !have[pair{op, status}] {
				problems = append(problems, fmt.Sprintf("%s %d: declared by the spec, no fixture (add testdata/fixtures/%s.%d.<name>.json)", op, status, op, status))
			}
		}
	}
	return problems
}

func declaredPairs(t *testing.T) map[string][]int {
	t.Helper()
	declared := map[string][]int{}
	for _, op := range operations(t) {
		declared[op.ID] = declaredStatuses(t, op)
	}
	return declared
}

// TestCoverage: every operation has a 2xx and an error fixture, and every
// (operation, status) pair the spec declares has a fixture.
func TestCoverage(t *testing.T) {
	t.Parallel()
	declared := declaredPairs(t)
	fixtures := loadFixtures(t, testdataDir)
	if problems := coverageProblems(declared, fixtures); len(problems) > 0 {
		t.Errorf("fixtures do not cover the spec:\n  %s", strings.Join(problems, "\n  "))
	}
	pairs := 0
	for _, s := range declared {
		pairs += len(s)
	}
	t.Logf("%d operations, %d (operation, status) pairs, %d fixtures", len(declared), pairs, len(fixtures))
}

// TestCoverageProblems proves the coverage check names what is missing.
func TestCoverageProblems(t *testing.T) {
	t.Parallel()
	declared := map[string][]int{"getPayment": {200, 404, 500}, "cancelPayment": {200, 400}}
	fixtures := []fixture{
		{Path: "a", OpID: "getPayment", Status: 200},
		{Path: "b", OpID: "getPayment", Status: 404},
		{Path: "c", OpID: "cancelPayment", Status: 400},
		{Path: "d", OpID: "refundPayment", Status: 200},
	}
	got := coverageProblems(declared, fixtures)
	want := []string{
		"d: the spec has no operation \"refundPayment\"",
		"cancelPayment: no 2xx fixture",
		"cancelPayment 200: declared by the spec, no fixture",
		"getPayment 500: declared by the spec, no fixture",
	}
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("coverage report lacks %q; got:\n%s", w, joined)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), joined)
	}
	if p := coverageProblems(map[string][]int{"getPayment": {200, 404}}, fixtures[:2]); len(p) != 0 {
		t.Errorf("full coverage reported problems: %v", p)
	}
	if p := coverageProblems(map[string][]int{"getPayment": {200}}, fixtures[:1]); !slices.Contains(p, "getPayment: no error fixture") {
		t.Errorf("an operation with no error fixture was not reported: %v", p)
	}
}

// errorCodeListProblems checks every error response of the spec: it lists
// its codes in x-toss-error-codes, each a value of the ErrorCode enum (and
// so a generated constant), and its example's code is one of them; its
// x-toss-outcome-unknown codes are among them; and the ErrorCode schema's
// x-toss-declined codes are enum values.
func errorCodeListProblems(doc *openapi3.T) []string {
	enum := map[string]bool{}
	ref := doc.Components.Schemas["ErrorCode"]
	if ref == nil || ref.Value == nil {
		return []string{"components/schemas/ErrorCode is missing"}
	}
	for _, v := range ref.Value.Enum {
		enum[fmt.Sprint(v)] = true
	}
	var problems []string
	declined, _, err := codeList(ref.Value.Extensions, "x-toss-declined")
	if err != nil {
		problems = append(problems, "ErrorCode: "+err.Error())
	}
	for _, c := range declined {
		if !enum[c] {
			problems = append(problems, fmt.Sprintf("ErrorCode x-toss-declined: %s is not a value of the ErrorCode enum", c))
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			for status, resp := range op.Responses.Map() {
				if status < "400" {
					continue
				}
				codes, err := errorCodesOf(resp.Value)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s %s: %v", op.OperationID, status, err))
					continue
				}
				if len(codes) == 0 {
					problems = append(problems, fmt.Sprintf("%s %s: x-toss-error-codes is empty", op.OperationID, status))
				}
				for _, c := range codes {
					if !enum[c] {
						problems = append(problems, fmt.Sprintf("%s %s: %s is not a value of the ErrorCode enum", op.OperationID, status, c))
					}
					if !generated.ErrorCode(c).Valid() {
						problems = append(problems, fmt.Sprintf("%s %s: %s has no generated constant (regenerate)", op.OperationID, status, c))
					}
				}
				unknown, _, err := codeList(resp.Value.Extensions, "x-toss-outcome-unknown")
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s %s: %v", op.OperationID, status, err))
				}
				for _, c := range unknown {
					if !slices.Contains(codes, c) {
						problems = append(problems, fmt.Sprintf("%s %s: x-toss-outcome-unknown code %s is not in x-toss-error-codes", op.OperationID, status, c))
					}
				}
				if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Example != nil {
					var ex struct{ Code string }
					b, _ := json.Marshal(mt.Example)
					if json.Unmarshal(b, &ex) == nil && !slices.Contains(codes, ex.Code) {
						problems = append(problems, fmt.Sprintf("%s %s: the example's code %s is not in x-toss-error-codes", op.OperationID, status, ex.Code))
					}
				}
			}
		}
	}
	slices.Sort(problems)
	return problems
}

// TestErrorCodeLists: every code a response documents is an ErrorCode.
func TestErrorCodeLists(t *testing.T) {
	t.Parallel()
	if problems := errorCodeListProblems(spec(t)); len(problems) > 0 {
		t.Errorf("x-toss-error-codes problems:\n  %s", strings.Join(problems, "\n  "))
	}
}

// TestErrorCodeListProblems proves the check bites, on edited copies of the
// spec: a code outside the enum, a response without the list, an example
// whose code is not listed.
func TestErrorCodeListProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, old, new, want string
	}{
		{"code not in the enum", "x-toss-error-codes: [UNAUTHORIZED_KEY]", "x-toss-error-codes: [UNAUTHORIZED_KEY, MADE_UP_CODE]", "MADE_UP_CODE is not a value of the ErrorCode enum"},
		{"list missing", "x-toss-error-codes: [UNAUTHORIZED_KEY]", "x-toss-unused: [UNAUTHORIZED_KEY]", "401: no x-toss-error-codes"},
		{"list not a list", "x-toss-error-codes: [UNAUTHORIZED_KEY]", "x-toss-error-codes: UNAUTHORIZED_KEY", "want a list"},
		{"outcome-unknown code not documented", "x-toss-outcome-unknown: [PROVIDER_ERROR]", "x-toss-outcome-unknown: [PROVIDER_ERROR, NOT_FOUND_PAYMENT]", "x-toss-outcome-unknown code NOT_FOUND_PAYMENT is not in x-toss-error-codes"},
		{"declined code not in the enum", "x-toss-declined: [REJECT_CARD_PAYMENT,", "x-toss-declined: [MADE_UP_DECLINE, REJECT_CARD_PAYMENT,", "x-toss-declined: MADE_UP_DECLINE is not a value"},
		{"example not listed", "x-toss-error-codes: [NOT_FOUND_PAYMENT]", "x-toss-error-codes: [NOT_FOUND_PAYMENT_SESSION]", "the example's code NOT_FOUND_PAYMENT is not in x-toss-error-codes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !bytes.Contains(openapi.YAML, []byte(tt.old)) {
				t.Fatalf("the spec no longer contains %q; update this test", tt.old)
			}
			doc, err := openapi.ParseData(bytes.Replace(openapi.YAML, []byte(tt.old), []byte(tt.new), 1))
			if err != nil {
				t.Fatalf("parse the edited spec: %v", err)
			}
			got := strings.Join(errorCodeListProblems(doc), "\n")
			if !strings.Contains(got, tt.want) {
				t.Errorf("want a problem containing %q, got:\n%s", tt.want, got)
			}
		})
	}
}

// fixtureCodeProblem reports an error fixture whose code is not one its
// response documents in x-toss-error-codes ("" when it is).
func fixtureCodeProblem(t *testing.T, f fixture) string {
	t.Helper()
	if f.isSuccess() {
		return ""
	}
	resp := operationByID(t, f.OpID).Op.Responses.Status(f.Status)
	if resp == nil || resp.Value == nil {
		return fmt.Sprintf("%s: %s declares no %d response", f.Path, f.OpID, f.Status)
	}
	codes, err := errorCodesOf(resp.Value)
	if err != nil {
		return fmt.Sprintf("%s: %v", f.Path, err)
	}
	var e generated.Error
	if err := json.Unmarshal(f.Body, &e); err != nil {
		return fmt.Sprintf("%s: not an error body: %v", f.Path, err)
	}
	if !slices.Contains(codes, string(e.Code)) {
		return fmt.Sprintf("%s: code %q is not in the x-toss-error-codes of %s %d %v", f.Path, e.Code, f.OpID, f.Status, codes)
	}
	return ""
}

// TestErrorFixtureCodes: each error fixture's code is documented for its
// operation and status.
func TestErrorFixtureCodes(t *testing.T) {
	t.Parallel()
	for _, f := range loadFixtures(t, testdataDir) {
		if p := fixtureCodeProblem(t, f); p != "" {
			t.Error(p)
		}
	}
}

// TestFixtureCodeProblem proves the code check rejects a code documented
// elsewhere and an unknown code.
func TestFixtureCodeProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    fixture
		want string
	}{
		{"documented", fixture{Path: "ok", OpID: "getPayment", Status: 404, Body: []byte(`{"code":"NOT_FOUND_PAYMENT","message":"m"}`)}, ""},
		{"code of another status", fixture{Path: "x", OpID: "createPayment", Status: 400, Body: []byte(`{"code":"NOT_FOUND_PAYMENT","message":"m"}`)}, `code "NOT_FOUND_PAYMENT" is not in the x-toss-error-codes of createPayment 400`},
		{"unknown code", fixture{Path: "y", OpID: "getPayment", Status: 404, Body: []byte(`{"code":"BRAND_NEW","message":"m"}`)}, `code "BRAND_NEW" is not in`},
		{"undeclared status", fixture{Path: "z", OpID: "getPayment", Status: 409, Body: []byte(`{"code":"IDEMPOTENT_REQUEST_PROCESSING","message":"m"}`)}, "declares no 409 response"},
	}
	for _, tt := range tests {
		got := fixtureCodeProblem(t, tt.f)
		switch {
		case tt.want == "" && got != "":
			t.Errorf("%s: unexpected problem %q", tt.name, got)
		case tt.want != "" && !strings.Contains(got, tt.want):
			t.Errorf("%s: got %q, want it to contain %q", tt.name, got, tt.want)
		}
	}
}
