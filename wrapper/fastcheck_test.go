package wrapper

import (
	"encoding/json"
	"strings"
	"testing"

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
	for _, id := range []string{openapi.OpConfirmPayment, openapi.OpCancelPayment} {
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
	mutations := []any{nil, "", strings.Repeat("x", 301), "a\u00e9<>&\"", 0, -1, 0.5, 1e30, true, []any{}, map[string]any{}, "order_ok-1", "CARD"}
	checked, fastValid := 0, 0
	for id, seed := range seeds {
		op := ops[id]
		if op.fastBody == nil {
			continue
		}
		schema := op.body.Content.Get(jsonContentType).Schema.Value
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
			kinErr := schema.VisitJSON(v, openapi3.VisitAsRequest())
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
