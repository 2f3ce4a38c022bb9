package wrapper

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// TestFastPathNeverAcceptsWhatKinRejects: the compiled fast path of
// validate only ever says "valid" for a body kin-openapi accepts, over
// valid requests and mutations of each of their fields (removed, emptied,
// too long, of another type, null, out of range, unknown key).
func TestFastPathNeverAcceptsWhatKinRejects(t *testing.T) {
	t.Parallel()
	ops, err := specIndex()
	if err != nil {
		t.Fatal(err)
	}
	kops := kinOps(t)
	for _, id := range []string{openapi.OpConfirmPayment, openapi.OpCancelPayment, openapi.OpCreatePayment, openapi.OpKeyInPayment} {
		if ops[id].fastBody == nil {
			t.Errorf("%s: the fast path does not compile its request schema", id)
		}
	}
	seeds := map[string]any{
		openapi.OpConfirmPayment: confirmReq(),
		openapi.OpCancelPayment:  cancelReq("refund"),
		openapi.OpCreatePayment:  map[string]any{"method": "CARD", "amount": 1000, "orderId": "order-0001", "orderName": "x", "returnUrl": "https://example.com/r"},
		openapi.OpKeyInPayment:   keyInReq("4330123412341234"),
	}
	mutations := []any{nil, "", strings.Repeat("x", 301), "a\u00e9<>&\"", 0, -1, 0.5, 1, 13, 1e30, true, "/relative", "https://shop.example/r", []any{}, map[string]any{}, "order_ok-1", "CARD"}
	checked, fastValid := 0, 0
	for id, seed := range seeds {
		op := ops[id]
		if op.fastBody == nil {
			continue
		}
		kop := kops[id]
		schema := kop.body.Content.Get(jsonContentType).Schema.Value
		base, _ := json.Marshal(seed)
		var m map[string]any
		_ = json.Unmarshal(base, &m)
		bodies := [][]byte{base}
		keys := append([]string{"unknownKey"}, keysOf(schema)...)
		for _, k := range keys {
			cp := clone(m)
			delete(cp, k)
			b, _ := json.Marshal(cp)
			bodies = append(bodies, b)
			for _, v := range mutations {
				cp := clone(m)
				cp[k] = v
				b, _ := json.Marshal(cp)
				bodies = append(bodies, b)
			}
		}
		for _, b := range bodies {
			var v any
			_ = json.Unmarshal(b, &v)
			kinErr := schema.VisitJSON(v, kop.visit...)
			fast := op.fastBody.validJSON(b)
			checked++
			if fast {
				fastValid++
			}
			if fast && kinErr != nil {
				t.Errorf("%s: the fast path accepts %s, which kin-openapi rejects: %v", id, b, kinErr)
			}
		}
	}
	if fastValid == 0 || fastValid == checked {
		t.Errorf("%d of %d bodies valid on the fast path: the cases do not exercise it", fastValid, checked)
	}
	t.Logf("%d bodies, %d confirmed by the fast path", checked, fastValid)
}

func keysOf(s *openapi3.Schema) []string {
	var ks []string
	for k := range s.Properties {
		ks = append(ks, k)
	}
	return ks
}

func clone(m map[string]any) map[string]any {
	cp := make(map[string]any, len(m))
	for k, v := range m {
		cp[k] = v
	}
	return cp
}

// TestValidRequestsTakeTheFastPath: a valid request of each wrapped
// operation, with every header parameter and the optional body fields
// set, is confirmed valid by the compiled checks alone, so a client that
// sends valid requests never parses (or keeps) the document for
// kin-openapi. kin-openapi agrees that each is valid.
func TestValidRequestsTakeTheFastPath(t *testing.T) {
	t.Parallel()
	ops, err := specIndex()
	if err != nil {
		t.Fatal(err)
	}
	kops := kinOps(t)
	bodies := map[string]string{
		openapi.OpCreatePayment: `{"method":"CARD","amount":15000,"orderId":"order-0001","orderName":"T-shirt","returnUrl":"https://shop.example/return?x=1",` +
			`"flowMode":"DIRECT","easyPay":"TOSSPAY","cardCompany":"KOOKMIN","confirmationMethod":"MANUAL","appScheme":"shop://"}`,
		openapi.OpConfirmPayment: `{"paymentKey":"pk-1","orderId":"order-0001","amount":15000}`,
		openapi.OpCancelPayment: `{"cancelReason":"refund","cancelAmount":1000.5,"taxFreeAmount":0,"currency":"USD","refundableAmount":15000,` +
			`"refundReceiveAccount":{"bank":"88","accountNumber":"1234567890","holderName":"Kim"}}`,
		openapi.OpKeyInPayment: `{"amount":15000,"orderId":"order-0002","orderName":"T-shirt","cardNumber":"4330123412341234","cardExpirationYear":"24",` +
			`"cardExpirationMonth":"07","cardPassword":"12","customerIdentityNumber":"881212","cardInstallmentPlan":3,"useFreeInstallmentPlan":true,` +
			`"useCardPoint":false,"customerIp":"192.0.2.1","taxFreeAmount":0,"customerEmail":"kim@shop.example","customerName":"Kim"}`,
	}
	header := http.Header{}
	header.Set("Idempotency-Key", newUUIDv4())
	header.Set("Accept-Language", "en-US")
	header.Set("TossPayments-Test-Code", "INVALID_CARD_COMPANY")
	for _, id := range wrappedOperations {
		op, kop := ops[id], kops[id]
		body := []byte(bodies[id])
		if !op.hasBody {
			body = nil
		}
		if err := kinValidate(id, kop, header, body, "order-0001"); err != nil {
			t.Errorf("%s: kin-openapi refuses the test's request: %v", id, err)
			continue
		}
		if !op.surelyValid(header, body, "order-0001") {
			t.Errorf("%s: the fast path cannot confirm a valid request; each such request parses the document again", id)
		}
	}
	// And it does not confirm an invalid one: a returnUrl that is no URI,
	// an installment plan outside the enum, a Test-Code over its maxLength.
	bad := []struct{ id, body, testCode string }{
		{openapi.OpCreatePayment, `{"method":"CARD","amount":1,"orderId":"order-0001","orderName":"x","returnUrl":"/relative"}`, ""},
		{openapi.OpKeyInPayment, strings.Replace(bodies[openapi.OpKeyInPayment], `"cardInstallmentPlan":3`, `"cardInstallmentPlan":1`, 1), ""},
		{openapi.OpConfirmPayment, bodies[openapi.OpConfirmPayment], strings.Repeat("X", 101)},
	}
	for _, b := range bad {
		h := header.Clone()
		if b.testCode != "" {
			h.Set("TossPayments-Test-Code", b.testCode)
		}
		if ops[b.id].surelyValid(h, []byte(b.body), "") {
			t.Errorf("%s: the fast path confirms %s (test code %q)", b.id, b.body, b.testCode)
		}
		if err := kinValidate(b.id, kops[b.id], h, []byte(b.body), ""); err == nil {
			t.Errorf("%s: kin-openapi accepts %s (test code %q)", b.id, b.body, b.testCode)
		}
	}
}

// TestKinSpecLoadedOnDemandAndDropped: kin-openapi's side is parsed on
// first use, kept while used, and dropped after an idle period without
// use; the next use parses it again.
func TestKinSpecLoadedOnDemandAndDropped(t *testing.T) {
	t.Parallel()
	l := &lazyKin{idle: time.Hour, load: func() (map[string]*kinOp, error) {
		return map[string]*kinOp{"op": {}}, nil
	}}
	get := func() {
		t.Helper()
		if ops, err := l.get(); err != nil || ops["op"] == nil {
			t.Fatalf("get = %v, %v", ops, err)
		}
	}
	get()
	get()
	if l.loads != 1 {
		t.Fatalf("loads = %d after two uses, want 1", l.loads)
	}
	l.sweep() // used since the last sweep: kept
	if l.ops == nil {
		t.Fatal("dropped while in use")
	}
	l.sweep() // idle since: dropped
	if l.ops != nil {
		t.Fatal("kept after an idle period")
	}
	get()
	if l.loads != 2 {
		t.Fatalf("loads = %d after a use following the drop, want 2", l.loads)
	}
	failing := &lazyKin{idle: time.Hour, load: func() (map[string]*kinOp, error) { return nil, errors.New("no spec") }}
	if _, err := failing.get(); err == nil || failing.ops != nil {
		t.Fatalf("a failed load: err %v, ops %v", err, failing.ops)
	}
}

// TestCompileLeavesToKin: a string schema whose rules the fast path could
// check differently from kin-openapi (an enum with other rules, a pattern
// with \u escapes, which kin-openapi rewrites) compiles to nil, so that
// kin-openapi decides; the plain forms compile.
func TestCompileLeavesToKin(t *testing.T) {
	t.Parallel()
	maxLen := uint64(3)
	str := &openapi3.Types{openapi3.TypeString}
	c := newFastCompiler(nil)
	for name, s := range map[string]*openapi3.Schema{
		"enum with maxLength": {Type: str, Enum: []any{"ABCD"}, MaxLength: &maxLen},
		"enum with pattern":   {Type: str, Enum: []any{"A"}, Pattern: "^[a-z]$"},
		"enum with format":    {Type: str, Enum: []any{"A"}, Format: "uri"},
		`pattern with \u`:     {Type: str, Pattern: `^\u0041$`},
	} {
		if c.compile(s, 0) != nil {
			t.Errorf("%s: compiled", name)
		}
	}
	for name, s := range map[string]*openapi3.Schema{
		"enum alone":    {Type: str, Enum: []any{"A", "B"}},
		"pattern alone": {Type: str, Pattern: `^[A-Z]{3}$`, MaxLength: &maxLen},
	} {
		if c.compile(s, 0) == nil {
			t.Errorf("%s: not compiled", name)
		}
	}
}
