package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

func checker(t testing.TB) *Checker {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit decodes a JSON object, lets f change it and encodes it again.
func edit(t testing.TB, body []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// leaves are the string and number values of a JSON body, as they would
// print: what no report may carry.
func leaves(t testing.TB, body []byte) []string {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			out = append(out, v)
		case json.Number:
			out = append(out, v.String())
		}
	}
	walk(v)
	return out
}

// rendered is every way a report can be printed.
func rendered(reports []Report) string {
	var b bytes.Buffer
	h := slog.NewJSONHandler(&b, nil)
	l := slog.New(h)
	for _, r := range reports {
		fmt.Fprintf(&b, "%v\n%+v\n%#v\n%s\n", r, r, r, r.String())
		l.Info("drift", "r", r)
	}
	return b.String()
}

type want struct {
	pointer string
	kind    Kind
	value   string
}

func got(reports []Report) []want {
	out := make([]want, len(reports))
	for i, r := range reports {
		out[i] = want{r.Pointer, r.Kind, r.Value}
	}
	return out
}

// TestThreeDriftsThreeReports is the must-show case: one body with an
// unknown field, an unknown enum value and a missing required key gives
// exactly three reports, each with its pointer, and no value of the body
// but the unknown enum value.
func TestThreeDriftsThreeReports(t *testing.T) {
	t.Parallel()
	const (
		secretKey  = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"
		cardNumber = "9440617283910245"
		newEnum    = "PREPAID"
	)
	body := edit(t, readTestdata(t, "payment_done.json"), func(m map[string]any) {
		m["customerName"] = "김토스 " + cardNumber + " " + secretKey // unknown field with personal data
		m["card"].(map[string]any)["cardType"] = newEnum
		delete(m, "paymentKey")
	})
	reports := checker(t).Check(openapi.OpConfirmPayment, 200, body)
	wants := []want{
		{"/card/cardType", UnknownEnum, newEnum},
		{"/customerName", UnknownProperty, ""},
		{"/paymentKey", MissingRequired, ""},
	}
	Sort(reports)
	if g := got(reports); !slices.Equal(g, wants) {
		t.Fatalf("reports = %+v\nwant %+v", g, wants)
	}
	for _, r := range reports {
		if r.Operation != openapi.OpConfirmPayment || r.Status != 200 || r.Count != 1 {
			t.Errorf("report %v: want operation confirmPayment, status 200, count 1", r)
		}
	}
	out := rendered(reports)
	for _, v := range leaves(t, body) {
		if v == newEnum || len(v) < 4 {
			continue
		}
		if strings.Contains(out, v) {
			t.Errorf("a report prints the body's value %q:\n%s", v, out)
		}
	}
	for _, v := range []string{secretKey, cardNumber, "김토스", "15000", "13636"} {
		if strings.Contains(out, v) {
			t.Errorf("a report prints %q", v)
		}
	}
}

// TestValidBodiesNoReports: the spec's own examples of every response, and
// recorded payments of several shapes, have no drift.
func TestValidBodiesNoReports(t *testing.T) {
	t.Parallel()
	c := checker(t)
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for key, ref := range op.Responses.Map() {
				status, err := strconv.Atoi(key)
				if err != nil {
					continue
				}
				mt := ref.Value.Content.Get(jsonContentType)
				if mt == nil {
					continue
				}
				var examples []any
				if mt.Example != nil {
					examples = append(examples, mt.Example)
				}
				for _, ex := range mt.Examples {
					examples = append(examples, ex.Value.Value)
				}
				for _, ex := range examples {
					body, err := json.Marshal(ex)
					if err != nil {
						t.Fatal(err)
					}
					n++
					if r := c.Check(op.OperationID, status, body); len(r) != 0 {
						t.Errorf("%s %d: the spec's example drifts from the spec: %v", op.OperationID, status, r)
					}
				}
			}
		}
	}
	for _, name := range []string{"payment_done.json", "payment_partial_canceled.json"} {
		n++
		if r := c.Check(openapi.OpGetPayment, 200, readTestdata(t, name)); len(r) != 0 {
			t.Errorf("%s: %v", name, r)
		}
	}
	if n < 20 {
		t.Errorf("checked %d bodies; the spec's examples went missing", n)
	}
}

// TestDriftKinds proves each kind of drift is found, with its pointer.
func TestDriftKinds(t *testing.T) {
	t.Parallel()
	c := checker(t)
	done := readTestdata(t, "payment_done.json")
	canceled := readTestdata(t, "payment_partial_canceled.json")
	for _, tc := range []struct {
		name   string
		op     string
		status int
		body   []byte
		want   []want
	}{
		{"unknown property", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { m["newField"] = "x" }),
			[]want{{"/newField", UnknownProperty, ""}}},
		{"unknown property in a nested object", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { m["card"].(map[string]any)["brand"] = "VISA" }),
			[]want{{"/card/brand", UnknownProperty, ""}}},
		{"unknown property in every array element, index written *, reported once", openapi.OpCancelPayment, 200,
			edit(t, canceled, func(m map[string]any) {
				for _, c := range m["cancels"].([]any) {
					c.(map[string]any)["refundFee"] = 0
				}
			}),
			[]want{{"/cancels/*/refundFee", UnknownProperty, ""}}},
		{"unknown enum value", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { m["status"] = "ON_HOLD" }),
			[]want{{"/status", UnknownEnum, "ON_HOLD"}}},
		{"unknown enum value in an array element", openapi.OpCancelPayment, 200,
			edit(t, canceled, func(m map[string]any) { m["cancels"].([]any)[1].(map[string]any)["cancelStatus"] = "QUEUED" }),
			[]want{{"/cancels/*/cancelStatus", UnknownEnum, "QUEUED"}}},
		{"missing required", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { delete(m, "paymentKey"); delete(m, "status") }),
			[]want{{"/paymentKey", MissingRequired, ""}, {"/status", MissingRequired, ""}}},
		{"a string for a number", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { m["totalAmount"] = "15000" }),
			[]want{{"/totalAmount", TypeMismatch, ""}}},
		{"null where the schema is not nullable", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { m["orderId"] = nil }),
			[]want{{"/orderId", TypeMismatch, ""}}},
		{"an object for an array", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { m["cancels"] = map[string]any{} }),
			[]want{{"/cancels", TypeMismatch, ""}}},
		{"a number for the easyPay object or string", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { m["easyPay"] = 1 }),
			[]want{{"/easyPay", TypeMismatch, ""}}},
		{"easyPay object with an unknown key", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) {
				m["easyPay"] = map[string]any{"provider": "토스페이", "amount": 0, "discountAmount": 0, "cashback": 0}
			}),
			[]want{{"/easyPay/cashback", UnknownProperty, ""}}},
		{"metadata is a map: its keys are not drift, a value of another type is, key written *", openapi.OpGetPayment, 200,
			edit(t, done, func(m map[string]any) { m["metadata"] = map[string]any{"customer-9440617283910245": 5, "b": "ok"} }),
			[]want{{"/metadata/*", TypeMismatch, ""}}},
		{"undocumented status", openapi.OpConfirmPayment, 418, []byte(`{"code":"X","message":"y"}`),
			[]want{{"", UndocumentedStatus, ""}}},
		{"error code documented for another status", openapi.OpConfirmPayment, 400,
			[]byte(`{"code":"REJECT_CARD_COMPANY","message":"거절"}`),
			[]want{{"/code", UndocumentedCode, "REJECT_CARD_COMPANY"}}},
		{"error code written with escapes", openapi.OpConfirmPayment, 400,
			[]byte(`{"code":"REJECT_CARD\u005fCOMPANY","message":"거절"}`),
			[]want{{"/code", UndocumentedCode, "REJECT_CARD_COMPANY"}}},
		{"documented error code written with escapes", openapi.OpConfirmPayment, 403,
			[]byte(`{"code":"REJECT_CARD\u005fCOMPANY","message":"거절"}`), nil},
		{"new error code: the enum and the status both lack it", openapi.OpGetPayment, 404,
			[]byte(`{"code":"NOT_FOUND_ORDER","message":"없음"}`),
			[]want{{"/code", UnknownEnum, "NOT_FOUND_ORDER"}, {"/code", UndocumentedCode, "NOT_FOUND_ORDER"}}},
		{"error body with an extra key", openapi.OpGetPayment, 404,
			[]byte(`{"code":"NOT_FOUND_PAYMENT","message":"없음","traceId":"abc"}`),
			[]want{{"/traceId", UnknownProperty, ""}}},
		{"not JSON", openapi.OpGetPayment, 502, nil, []want{{"", UndocumentedStatus, ""}}},
		{"an HTML page where JSON is documented", openapi.OpGetPayment, 500, []byte("<html>bad gateway</html>"),
			[]want{{"", NotJSON, ""}}},
		{"unknown operation", "refundPayment", 200, []byte(`{}`), []want{{"", UnknownOperation, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reports := c.Check(tc.op, tc.status, tc.body)
			if g := got(reports); !slices.Equal(g, tc.want) {
				t.Errorf("reports = %+v\nwant %+v", g, tc.want)
			}
			for _, r := range reports {
				if r.Kind != UnknownOperation && r.Operation != tc.op || r.Status != tc.status {
					t.Errorf("report %v names the wrong operation or status", r)
				}
				if r.Detail == "" {
					t.Errorf("report %v has no detail", r)
				}
			}
			out := rendered(reports)
			for _, v := range []string{"15000", "9440617283910245", "거절", "없음"} {
				if strings.Contains(out, v) {
					t.Errorf("a report prints the value %q:\n%s", v, out)
				}
			}
		})
	}
}

// TestEscapedStrings: a key or enum value written with JSON escapes is the
// same key or value.
func TestEscapedStrings(t *testing.T) {
	t.Parallel()
	done := readTestdata(t, "payment_done.json")
	body := bytes.Replace(done, []byte(`"cardType": "신용"`), []byte(`"cardType": "\uc2e0\uc6a9"`), 1)
	body = bytes.Replace(body, []byte(`"orderId":`), []byte(`"order\u0049d":`), 1)
	if bytes.Equal(body, done) || !bytes.Contains(body, []byte(`\uc2e0`)) || !bytes.Contains(body, []byte(`order\u0049d`)) {
		t.Fatal("the edits did not apply")
	}
	if r := checker(t).Check(openapi.OpGetPayment, 200, body); len(r) != 0 {
		t.Errorf("escaped known key and value reported: %v", r)
	}
	bad := bytes.Replace(body, []byte(`\uc2e0\uc6a9`), []byte(`\uc2e0\u0001`), 1)
	r := checker(t).Check(openapi.OpGetPayment, 200, bad)
	if g := got(r); !slices.Equal(g, []want{{"/card/cardType", UnknownEnum, "신?"}}) {
		t.Errorf("reports = %+v, want the control character sanitised", g)
	}
}

func TestOperationRoutes(t *testing.T) {
	t.Parallel()
	c := checker(t)
	for _, tc := range []struct {
		method, path, want string
	}{
		{"POST", "/v1/payments", openapi.OpCreatePayment},
		{"POST", "/v1/payments/confirm", openapi.OpConfirmPayment},
		{"POST", "/v1/payments/key-in", openapi.OpKeyInPayment},
		{"POST", "/v1/payments/tviva2024/cancel", openapi.OpCancelPayment},
		{"GET", "/v1/payments/tviva2024", openapi.OpGetPayment},
		{"get", "/v1/payments/orders/order-1", openapi.OpGetPaymentByOrderID},
		{"GET", "/v1/payments/orders", openapi.OpGetPayment}, // a paymentKey "orders"
		{"GET", "/v1/payments", ""},
		{"POST", "/v1/payments/tviva2024", ""},
		{"GET", "/v1/payments//", ""},
		{"GET", "/static/app.js", ""},
	} {
		op, ok := c.Operation(tc.method, tc.path)
		if op != tc.want || ok != (tc.want != "") {
			t.Errorf("Operation(%s %s) = %q, %v; want %q", tc.method, tc.path, op, ok, tc.want)
		}
	}
	if ops := c.Operations(); !slices.Equal(ops, slices.Sorted(slices.Values(openapi.OperationIDs()))) {
		t.Errorf("Operations() = %v", ops)
	}
}

func TestSanitise(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"DEBIT", "DEBIT"},
		{"해외카드", "해외카드"},
		{"a\x00b\nc\x1bd", "a?b?c?d"},
		{"bad\xffutf8", "bad?utf8"},
		{"CARD_1234", "CARD_1234"},
		{"9440617283910245", "################"},
		{"ACCT 110-123456-01", "ACCT #############"},
		{"card 9999-8888-7777-6666 or 9999 8888 7777 6666.", "card ################### or ###################."},
		{"v1.2 on 12-05", "v1.2 on 12-05"},
		{"Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==", "[withheld: looks like an API key]"},
		{"bGl2ZV9za19hYmM6", "[withheld: looks like an API key]"},
		{"test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", "[withheld: looks like an API key]"},
		{strings.Repeat("X", 100), strings.Repeat("X", 64) + "…"},
		{"\u202eRLO", "?RLO"},
	} {
		if got := sanitise(tc.in); got != tc.want {
			t.Errorf("sanitise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReportString(t *testing.T) {
	t.Parallel()
	r := Report{Operation: "getPayment", Status: 200, Pointer: "/card/cardType", Kind: UnknownEnum, Value: "PREPAID", Detail: "not among the 5 values the spec lists", Count: 3}
	if got, want := r.String(), `getPayment 200 /card/cardType: unknown-enum "PREPAID" (not among the 5 values the spec lists) ×3`; got != want {
		t.Errorf("String() = %s\nwant %s", got, want)
	}
	r = Report{Operation: "getPayment", Status: 418, Kind: UndocumentedStatus}
	if got, want := r.String(), `getPayment 418 (body): undocumented-status`; got != want {
		t.Errorf("String() = %s\nwant %s", got, want)
	}
}

// TestReportsBounded: an answer with more unknown keys than maxReports is
// reported up to the bound, and a required key it lacks is still reported.
func TestReportsBounded(t *testing.T) {
	t.Parallel()
	var p map[string]any
	if err := json.Unmarshal(readTestdata(t, "payment_done.json"), &p); err != nil {
		t.Fatal(err)
	}
	delete(p, "status")
	for i := range 3 * maxReports {
		p[fmt.Sprintf("unknown%d", i)] = i
	}
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	reports := checker(t).Check("confirmPayment", 200, body)
	missing := 0
	for _, r := range reports {
		if r.Kind == MissingRequired && r.Pointer == "/status" {
			missing++
		}
	}
	if len(reports) > maxReports+1 || missing != 1 {
		t.Fatalf("%d reports, %d of the missing status", len(reports), missing)
	}
}
