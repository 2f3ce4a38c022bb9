package drift

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// FuzzCheck holds the walker's reading of JSON to encoding/json's: a body
// is NotJSON exactly when json.Valid refuses it, and no input panics. The
// seeds cover the grammar's corners. Run longer with
//
//	go test -run '^$' -fuzz FuzzCheck -fuzztime 60s ./drift
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		``, ` `, `{}`, `[]`, `null`, `0`, `-0`, `-`, `01`, `1.`, `1.5e`, `1e+9`, `1E-2`, `.5`, `+1`,
		`"a"`, `"\u00e9"`, `"\u00g9"`, `"\x"`, "\"\x01\"", "\"\xff\"", `"unterminated`, `tru`, `truex`, `nul`, `false`,
		`{"a":1,}`, `{"a" 1}`, `{"a":1 "b":2}`, `{,}`, `[1,]`, `[,1]`, `[1 2]`, `{"a":[{"b":{}}]}`, `{} {}`, `{}x`,
		`{"status":"DONE","paymentKey":"k","card":{"cardType":"신용"},"cancels":[{"cancelStatus":"X"}]}`,
		`{"code":"NOT_FOUND_PAYMENT","message":"m"}`, `{"code":"\u004eOPE","message":1}`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	} {
		f.Add(s)
	}
	f.Add(string(readTestdata(f, "payment_partial_canceled.json")))
	c := checker(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, tc := range []struct {
			op     string
			status int
		}{{openapi.OpCancelPayment, 200}, {openapi.OpGetPayment, 404}} {
			reports := c.Check(tc.op, tc.status, []byte(body))
			notJSON := len(reports) == 1 && reports[0].Kind == NotJSON
			if valid := json.Valid([]byte(body)); notJSON == valid {
				t.Fatalf("%s %d: json.Valid = %v, reports %v", tc.op, tc.status, valid, reports)
			}
			for _, r := range reports {
				if r.Kind == NotJSON && len(reports) != 1 {
					t.Fatalf("NotJSON with other reports: %v", reports)
				}
			}
		}
	})
}
