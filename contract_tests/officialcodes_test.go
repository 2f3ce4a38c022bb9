package contracttests

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// officialTables is official_error_tables.json: the per-endpoint error tables
// of https://docs.tosspayments.com/reference/error-codes, and the status the
// page's full list gives the codes no table lists.
type officialTables struct {
	Source string `json:"source"`
	Tables map[string]struct {
		URL   string              `json:"url"`
		Codes map[string][]string `json:"codes"`
	} `json:"tables"`
	FullList map[string]int `json:"fullList"`
}

// tableOf maps an operation to the table that documents it: both look-ups
// share the 결제 조회 table.
func tableOf(op string) string {
	if op == "getPaymentByOrderId" {
		return "getPayment"
	}
	return op
}

func loadOfficialTables(t *testing.T) officialTables {
	t.Helper()
	b, err := os.ReadFile("official_error_tables.json")
	if err != nil {
		t.Fatal(err)
	}
	var ot officialTables
	if err := json.Unmarshal(b, &ot); err != nil {
		t.Fatal(err)
	}
	return ot
}

// tableCodes is the union of the codes of every table.
func (ot officialTables) tableCodes() map[string]bool {
	all := map[string]bool{}
	for _, tb := range ot.Tables {
		for _, codes := range tb.Codes {
			for _, c := range codes {
				all[c] = true
			}
		}
	}
	return all
}

// statuses returns the statuses the tables (or, failing them, the full list)
// give code; nil when no official page gives it one.
func (ot officialTables) statuses(code string) []int {
	var out []int
	for _, tb := range ot.Tables {
		for s, codes := range tb.Codes {
			n, _ := strconv.Atoi(s)
			if slices.Contains(codes, code) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		if n, ok := ot.FullList[code]; ok {
			out = append(out, n)
		}
	}
	return out
}

// assumedOf reads a response's x-toss-assumed map (code: reason).
func assumedOf(resp *openapi3.Response) (map[string]string, error) {
	raw, ok := resp.Extensions["x-toss-assumed"]
	if !ok {
		return map[string]string{}, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("x-toss-assumed is %T, want a map", raw)
	}
	out := make(map[string]string, len(m))
	for c, r := range m {
		s, ok := r.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("x-toss-assumed %s: want a reason, got %v", c, r)
		}
		out[c] = s
	}
	return out, nil
}

// officialCodeProblems compares the spec's error codes with the official
// tables: each operation that has a table lists exactly that table's codes
// per status, plus codes it marks in x-toss-assumed with a reason; an
// operation without a table marks every code no table gives that status; no
// code sits under a status the official pages do not give it; and every
// ErrorCode value carries a source in x-toss-code-sources.
func officialCodeProblems(doc *openapi3.T, ot officialTables) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	official := ot.tableCodes()

	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			table, hasTable := ot.Tables[tableOf(op.OperationID)]
			url, _ := op.Extensions["x-toss-error-table"].(string)
			switch {
			case hasTable && url != table.URL:
				bad("%s: x-toss-error-table %q, the official table is %s", op.OperationID, url, table.URL)
			case !hasTable && url != "":
				bad("%s: x-toss-error-table %q, but no official table documents it", op.OperationID, url)
			}
			for statusText, ref := range op.Responses.Map() {
				status, err := strconv.Atoi(statusText)
				if err != nil || status < 400 {
					continue
				}
				listed, err := errorCodesOf(ref.Value)
				if err != nil {
					bad("%s %d: %v", op.OperationID, status, err)
					continue
				}
				assumed, err := assumedOf(ref.Value)
				if err != nil {
					bad("%s %d: %v", op.OperationID, status, err)
					continue
				}
				for c := range assumed {
					if !slices.Contains(listed, c) {
						bad("%s %d: x-toss-assumed names %s, which the response does not list", op.OperationID, status, c)
					}
				}
				for _, c := range listed {
					if given := ot.statuses(c); given != nil && !slices.Contains(given, status) {
						bad("%s %d: %s is listed under %d, the official pages give it %v", op.OperationID, status, c, status, given)
					}
				}
				if !hasTable {
					for _, c := range listed {
						inEvery := true
						for _, tb := range ot.Tables {
							inEvery = inEvery && slices.Contains(tb.Codes[statusText], c)
						}
						if _, ok := assumed[c]; !ok && !inEvery {
							bad("%s %d: %s is not in x-toss-assumed, and no table documents this operation", op.OperationID, status, c)
						}
					}
					continue
				}
				want := table.Codes[statusText]
				for _, c := range want {
					if !slices.Contains(listed, c) {
						bad("%s %d: the official table lists %s, the spec does not", op.OperationID, status, c)
					} else if _, ok := assumed[c]; ok {
						bad("%s %d: %s is in the official table but marked assumed", op.OperationID, status, c)
					}
				}
				for _, c := range listed {
					if _, ok := assumed[c]; !ok && !slices.Contains(want, c) {
						bad("%s %d: %s is neither in the official table nor marked in x-toss-assumed", op.OperationID, status, c)
					}
				}
			}
		}
	}

	ec := doc.Components.Schemas["ErrorCode"].Value
	sources, _ := ec.Extensions["x-toss-code-sources"].(map[string]any)
	enum := map[string]bool{}
	for _, v := range ec.Enum {
		c := v.(string)
		enum[c] = true
		src, _ := sources[c].(string)
		switch {
		case src == "":
			bad("ErrorCode %s: no x-toss-code-sources entry", c)
		case strings.HasPrefix(src, "assumed: "):
			if official[c] {
				bad("ErrorCode %s: marked assumed, but an official table lists it", c)
			}
		case !strings.HasPrefix(src, "https://docs.tosspayments.com/"):
			bad("ErrorCode %s: source %q is neither a docs.tosspayments.com page nor `assumed: reason`", c, src)
		case official[c] && !strings.HasPrefix(src, ot.Source+"#"):
			bad("ErrorCode %s: an official table lists it, its source %q does not cite the table", c, src)
		}
	}
	for c := range sources {
		if !enum[c] {
			bad("x-toss-code-sources names %s, which is not an ErrorCode value", c)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(official)) {
		if !enum[c] {
			bad("ErrorCode lacks %s, which an official table lists", c)
		}
	}
	slices.Sort(problems)
	return problems
}

// TestErrorCodesMatchOfficialTables: the ErrorCode enum holds every code of
// the official per-endpoint tables (81 codes), each operation's lists are its
// table plus marked assumptions, and every code carries its source.
func TestErrorCodesMatchOfficialTables(t *testing.T) {
	t.Parallel()
	ot := loadOfficialTables(t)
	if n := len(ot.tableCodes()); n != 81 {
		t.Errorf("the official tables hold %d distinct codes, want 81 (official_error_tables.json)", n)
	}
	if problems := officialCodeProblems(spec(t), ot); len(problems) > 0 {
		t.Errorf("the spec's error codes disagree with the official tables:\n  %s", strings.Join(problems, "\n  "))
	}
}

// TestOfficialCodeProblemsRejects: each kind of disagreement is reported.
func TestOfficialCodeProblemsRejects(t *testing.T) {
	t.Parallel()
	ot := loadOfficialTables(t)
	cases := []struct {
		name    string
		breakIt func(doc *openapi3.T)
		want    string
	}{
		{"code moved to 403", func(doc *openapi3.T) {
			r := response(doc, "/v1/payments/confirm", "403")
			r.Extensions["x-toss-error-codes"] = append(r.Extensions["x-toss-error-codes"].([]any), "CARD_PROCESSING_ERROR")
		}, "confirmPayment 403: CARD_PROCESSING_ERROR is listed under 403, the official pages give it [400]"},
		{"table code missing", func(doc *openapi3.T) {
			r := response(doc, "/v1/payments/{paymentKey}/cancel", "403")
			list := r.Extensions["x-toss-error-codes"].([]any)
			r.Extensions["x-toss-error-codes"] = slices.DeleteFunc(slices.Clone(list), func(v any) bool { return v == "EXCEED_CANCEL_LIMIT" })
		}, "cancelPayment 403: the official table lists EXCEED_CANCEL_LIMIT, the spec does not"},
		{"unmarked extra code", func(doc *openapi3.T) {
			r := response(doc, "/v1/payments/key-in", "400")
			delete(r.Extensions["x-toss-assumed"].(map[string]any), "PROVIDER_ERROR")
		}, "keyInPayment 400: PROVIDER_ERROR is neither in the official table nor marked in x-toss-assumed"},
		{"code without a source", func(doc *openapi3.T) {
			delete(doc.Components.Schemas["ErrorCode"].Value.Extensions["x-toss-code-sources"].(map[string]any), "NOT_FOUND")
		}, "ErrorCode NOT_FOUND: no x-toss-code-sources entry"},
		{"table code marked assumed", func(doc *openapi3.T) {
			doc.Components.Schemas["ErrorCode"].Value.Extensions["x-toss-code-sources"].(map[string]any)["NOT_FOUND"] = "assumed: guess"
		}, "ErrorCode NOT_FOUND: marked assumed, but an official table lists it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := freshSpec(t)
			tc.breakIt(doc)
			problems := officialCodeProblems(doc, ot)
			if !slices.Contains(problems, tc.want) {
				t.Errorf("problems %q lack %q", problems, tc.want)
			}
		})
	}
}

// response returns the response of the POST or GET at path for status.
func response(doc *openapi3.T, path, status string) *openapi3.Response {
	item := doc.Paths.Value(path)
	op := item.Post
	if op == nil {
		op = item.Get
	}
	return op.Responses.Value(status).Value
}

// freshSpec returns a new copy of the spec that a test may change.
func freshSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi.Parse()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
