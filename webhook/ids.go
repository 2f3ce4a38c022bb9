package webhook

import (
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// lookupParams are the schemas of the path parameters the look-ups send
// (getPayment's paymentKey, getPaymentByOrderId's orderId), read from the
// spec once: a body naming a key or an order the API could not be asked
// about is refused before it costs a look-up.
var lookupParams = sync.OnceValues(func() (map[string]*openapi3.Schema, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	out := map[string]*openapi3.Schema{}
	for _, want := range []struct{ op, param string }{{"getPayment", "paymentKey"}, {"getPaymentByOrderId", "orderId"}} {
		for _, item := range doc.Paths.Map() {
			op := item.GetOperation("GET")
			if op == nil || op.OperationID != want.op {
				continue
			}
			params := append(openapi3.Parameters{}, item.Parameters...)
			for _, p := range append(params, op.Parameters...) {
				if p.Value != nil && p.Value.In == "path" && p.Value.Name == want.param && p.Value.Schema != nil {
					out[want.op] = p.Value.Schema.Value
				}
			}
		}
		if out[want.op] == nil {
			return nil, fmt.Errorf("webhook: the spec has no path parameter %s of %s", want.param, want.op)
		}
	}
	return out, nil
})

// lookupable reports whether v is a value the operation's path parameter
// takes (length and pattern, as the spec says) and one the look-up can send
// as that parameter: "." and ".." would be dot segments of the path (GET
// /v1/payments/.. is GET /v1/), whatever the escaping.
func lookupable(op, v string) (bool, error) {
	params, err := lookupParams()
	if err != nil {
		return false, err
	}
	if v == "." || v == ".." {
		return false, nil
	}
	return params[op].VisitJSON(v) == nil, nil
}
