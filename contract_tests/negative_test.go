package contracttests

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// mutate decodes a fixture, lets edit change it and encodes it again.
func mutate(t *testing.T, path string, edit func(m map[string]any)) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeTree(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object", path)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	seedConfirm = "testdata/seed/confirmPayment.200.json"
	seedCancel  = "testdata/seed/cancelPayment.200.json"
	notFound    = "testdata/fixtures/getPayment.404.not-found-payment.json"
	transferFx  = "testdata/fixtures/confirmPayment.200.large-amount-transfer.json"

	billingFx            = "testdata/fixtures/issueBillingKey.200.v2022-11-16-card-fields.json"
	chargeFx             = "testdata/fixtures/chargeBillingKey.200.done-billing.json"
	notMatchesCustomerFx = "testdata/fixtures/chargeBillingKey.400.not-matches-customer-key.json"
)

func field(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

// TestValidatorRejects proves the response validators bite: every case is a
// body the spec must refuse, and both kin-openapi and libopenapi-validator
// must refuse it; kin-openapi's error must name what is wrong. Where
// the API may send such a value tomorrow (a new enum value, a new error
// code), the generated types must still decode it and keep the value.
func TestValidatorRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		op      string
		status  int
		body    func(t *testing.T) []byte
		wantErr []string
		decoded func(t *testing.T, v any) // checks on the Go value, when it must decode
	}{
		{
			name: "required field removed", op: "confirmPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { delete(m, "status") })
			},
			wantErr: []string{`property "status" is missing`},
		},
		{
			name: "nested required field removed", op: "confirmPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { delete(field(m, "card"), "number") })
			},
			wantErr: []string{`property "number" is missing`},
		},
		{
			name: "amount as a string", op: "confirmPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { m["totalAmount"] = "15000" })
			},
			wantErr: []string{"/totalAmount", "must be a number"},
		},
		{
			name: "decimal amount as a string", op: "confirmPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { m["balanceAmount"] = "726.24" })
			},
			wantErr: []string{"/balanceAmount", "must be a number"},
		},
		{
			name: "undocumented status 404 on createPayment", op: "createPayment", status: 404,
			body:    func(t *testing.T) []byte { return mutate(t, notFound, func(map[string]any) {}) },
			wantErr: []string{"status is not supported"},
		},
		{
			name: "undocumented status 409 on getPayment", op: "getPayment", status: 409,
			body:    func(t *testing.T) []byte { return []byte(`{"code":"IDEMPOTENT_REQUEST_PROCESSING","message":"x"}`) },
			wantErr: []string{"status is not supported"},
		},
		{
			name: "undocumented status 201", op: "confirmPayment", status: 201,
			body:    func(t *testing.T) []byte { return mutate(t, seedConfirm, func(map[string]any) {}) },
			wantErr: []string{"status is not supported"},
		},
		{
			name: "unknown status enum value", op: "getPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { m["status"] = "HALTED" })
			},
			wantErr: []string{"/status", "not one of the allowed values"},
			decoded: func(t *testing.T, v any) {
				p := v.(*generated.Payment)
				if p.Status != "HALTED" {
					t.Errorf("Status = %q, want the unknown value HALTED kept", p.Status)
				}
				if p.Status.Valid() {
					t.Error("Status.Valid() = true for HALTED")
				}
			},
		},
		{
			name: "unknown method value", op: "getPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { m["method"] = "포인트" })
			},
			wantErr: []string{"/method", "not one of the allowed values"},
			decoded: func(t *testing.T, v any) {
				if p := v.(*generated.Payment); p.Method == nil || *p.Method != "포인트" {
					t.Errorf("Method = %v, want the unknown value kept", p.Method)
				}
			},
		},
		{
			name: "unknown cardType value", op: "getPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { field(m, "card")["cardType"] = "PREPAID" })
			},
			wantErr: []string{"/card/cardType", "not one of the allowed values"},
			decoded: func(t *testing.T, v any) {
				if p := v.(*generated.Payment); p.Card == nil || p.Card.CardType != "PREPAID" {
					t.Errorf("Card.CardType not kept: %+v", p.Card)
				}
			},
		},
		{
			name: "unknown error code", op: "getPayment", status: 404,
			body: func(t *testing.T) []byte {
				return mutate(t, notFound, func(m map[string]any) { m["code"] = "NOT_FOUND_PAYMENT_V2" })
			},
			wantErr: []string{"/code", "not one of the allowed values"},
			decoded: func(t *testing.T, v any) {
				e := v.(*generated.Error)
				if e.Code != "NOT_FOUND_PAYMENT_V2" || e.Code.Valid() {
					t.Errorf("Code = %q (valid %v), want the unknown code kept and not valid", e.Code, e.Code.Valid())
				}
			},
		},
		{
			name: "error body without message", op: "getPayment", status: 404,
			body:    func(t *testing.T) []byte { return mutate(t, notFound, func(m map[string]any) { delete(m, "message") }) },
			wantErr: []string{`property "message" is missing`},
		},
		{
			name: "a Payment sent with an error status", op: "getPayment", status: 404,
			body:    func(t *testing.T) []byte { return mutate(t, seedConfirm, func(map[string]any) {}) },
			wantErr: []string{`property "code" is missing`},
		},
		{
			name: "bank code as an integer", op: "confirmPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, transferFx, func(m map[string]any) { field(m, "transfer")["bankCode"] = json.Number("3") })
			},
			wantErr: []string{"/transfer/bankCode", "must be a string"},
		},
		{
			name: "issuerCode as an integer", op: "confirmPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { field(m, "card")["issuerCode"] = json.Number("61") })
			},
			wantErr: []string{"/card/issuerCode", "must be a string"},
		},
		{
			name: "timestamp not ISO 8601", op: "confirmPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { m["requestedAt"] = "2021/01/01 10:01:30" })
			},
			wantErr: []string{"/requestedAt", "date-time"},
		},
		{
			name: "easyPay as a number", op: "cancelPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedCancel, func(m map[string]any) { m["easyPay"] = json.Number("5") })
			},
			wantErr: []string{"/easyPay"},
		},
		{
			name: "cancels as an object", op: "cancelPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedCancel, func(m map[string]any) { m["cancels"] = map[string]any{} })
			},
			wantErr: []string{"/cancels", "must be an array"},
		},
		{
			name: "cancel entry without transactionKey", op: "cancelPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedCancel, func(m map[string]any) {
					delete(m["cancels"].([]any)[0].(map[string]any), "transactionKey")
				})
			},
			wantErr: []string{`property "transactionKey" is missing`},
		},
		{
			name: "required non-nullable field null", op: "confirmPayment", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, seedConfirm, func(m map[string]any) { m["totalAmount"] = nil })
			},
			wantErr: []string{"/totalAmount", "not nullable"},
		}, {
			name: "billing without billingKey", op: "issueBillingKey", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, billingFx, func(m map[string]any) { delete(m, "billingKey") })
			},
			wantErr: []string{`property "billingKey" is missing`},
		},
		{
			name: "billing customerKey null", op: "issueBillingKeyWithCard", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, billingFx, func(m map[string]any) { m["customerKey"] = nil })
			},
			wantErr: []string{"/customerKey", "not nullable"},
		},
		{
			name: "billing card as a string", op: "issueBillingKey", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, billingFx, func(m map[string]any) { m["card"] = "현대" })
			},
			wantErr: []string{"/card", "must be an object"},
		},
		{
			name: "billing unknown ownerType value", op: "issueBillingKey", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, billingFx, func(m map[string]any) { field(m, "card")["ownerType"] = "단체" })
			},
			wantErr: []string{"/card/ownerType", "not one of the allowed values"},
			decoded: func(t *testing.T, v any) {
				if b := v.(*generated.Billing); b.Card == nil || b.Card.OwnerType == nil || *b.Card.OwnerType != "단체" {
					t.Errorf("Card.OwnerType not kept: %+v", b.Card)
				}
			},
		},
		{
			name: "billing authenticatedAt without offset", op: "issueBillingKey", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, billingFx, func(m map[string]any) { m["authenticatedAt"] = "2020-09-25T14:38:41" })
			},
			wantErr: []string{"/authenticatedAt", "date-time"},
		},
		{
			name: "a Billing sent as a charge's answer", op: "chargeBillingKey", status: 200,
			body:    func(t *testing.T) []byte { return mutate(t, billingFx, func(map[string]any) {}) },
			wantErr: []string{`property "paymentKey" is missing`},
		},
		{
			name: "charge answer unknown type value", op: "chargeBillingKey", status: 200,
			body: func(t *testing.T) []byte {
				return mutate(t, chargeFx, func(m map[string]any) { m["type"] = "SUBSCRIPTION" })
			},
			wantErr: []string{"/type", "not one of the allowed values"},
			decoded: func(t *testing.T, v any) {
				if p := v.(*generated.Payment); p.Type != "SUBSCRIPTION" {
					t.Errorf("Type = %q, want the unknown value kept", p.Type)
				}
			},
		},
		{
			name: "charge refusal without code", op: "chargeBillingKey", status: 400,
			body: func(t *testing.T) []byte {
				return mutate(t, notMatchesCustomerFx, func(m map[string]any) { delete(m, "code") })
			},
			wantErr: []string{`property "code" is missing`},
		},
		{
			name: "removal answered with an undocumented 409", op: "deleteBillingKey", status: 409,
			body:    func(t *testing.T) []byte { return mutate(t, notMatchesCustomerFx, func(map[string]any) {}) },
			wantErr: []string{"status is not supported"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := tt.body(t)
			v := validateResponseBoth(t, tt.op, tt.status, nil, body)
			if v.Lib == nil {
				t.Errorf("%s %d: libopenapi-validator accepted a body it must reject:\n%s", tt.op, tt.status, body)
			}
			err := v.Kin
			if err == nil {
				t.Fatalf("%s %d: kin-openapi accepted a body it must reject:\n%s", tt.op, tt.status, body)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s %d: the error does not mention %q:\n%v", tt.op, tt.status, want, err)
				}
			}
			if tt.decoded != nil {
				v, out, err := roundTrip(tt.op, tt.status, body)
				if err != nil {
					t.Fatalf("the generated types must still decode it: %v", err)
				}
				tt.decoded(t, v)
				orig, _ := decodeTree(body)
				got, _ := decodeTree(out)
				if diffs := diffTrees("$", orig, got); len(diffs) > 0 {
					t.Errorf("re-encoding lost the new value:\n  %s", strings.Join(diffs, "\n  "))
				}
			}
		})
	}
}
