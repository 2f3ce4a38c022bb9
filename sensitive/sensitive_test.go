package sensitive_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
)

const canary = "4330123412341234"

type request struct {
	OrderID    string
	CardNumber sensitive.String
	Password   *sensitive.String
}

func TestNeverPrints(t *testing.T) {
	t.Parallel()
	pw := sensitive.String("12")
	r := request{OrderID: "order-1", CardNumber: canary, Password: &pw}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{r, &r, r.CardNumber, *r.Password} {
			if got := fmt.Sprintf(format, v); strings.Contains(got, canary) || strings.Contains(got, "\"12\"") || strings.Contains(got, "3433") {
				t.Errorf("Sprintf(%q) leaks: %s", format, got)
			}
		}
	}
	// slog: the value under any handler, a struct holding it under the text
	// handler (the JSON handler encodes structs as JSON, the wire format).
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("req", "card", r.CardNumber)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("req", "card", r.CardNumber, "req", r)
	if strings.Contains(buf.String(), canary) {
		t.Errorf("slog leaks: %s", buf.String())
	}
	if strings.Count(buf.String(), sensitive.Redacted) < 3 {
		t.Errorf("slog records lack %s: %s", sensitive.Redacted, buf.String())
	}
}

func TestJSONCarriesTheValue(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(request{CardNumber: canary})
	if err != nil || !strings.Contains(string(b), `"CardNumber":"`+canary+`"`) {
		t.Fatalf("Marshal = %s, %v; want the card number on the wire", b, err)
	}
	var back request
	if err := json.Unmarshal(b, &back); err != nil || string(back.CardNumber) != canary {
		t.Fatalf("Unmarshal = %q, %v", string(back.CardNumber), err)
	}
	if err := json.Unmarshal([]byte(`{"CardNumber": 5}`), &back); err == nil {
		t.Error("a number decoded as a sensitive string")
	}
}

func ExampleString() {
	card := sensitive.String("4330123412341234")
	fmt.Println(card)
	fmt.Printf("%#v\n", struct{ Card sensitive.String }{card})
	b, _ := json.Marshal(card)
	fmt.Println(string(b))
	// Output:
	// [REDACTED]
	// struct { Card sensitive.String }{Card:[REDACTED]}
	// "4330123412341234"
}

// TestGeneratedKeyInRequest ties the spec to this package: the generated
// key-in request's card and personal data print as [REDACTED] (the spec maps
// them to sensitive.String with x-go-type).
func TestGeneratedKeyInRequest(t *testing.T) {
	t.Parallel()
	pw := sensitive.String("98")
	req := generated.KeyInPaymentRequest{
		OrderID: "order-1", CardNumber: canary, CardPassword: &pw, CustomerIdentityNumber: "881212",
	}
	for _, format := range []string{"%v", "%+v", "%#v"} {
		got := fmt.Sprintf(format, req)
		for _, secret := range []string{canary, "881212"} { // the password is behind a pointer: fmt prints its address
			if strings.Contains(got, secret) {
				t.Errorf("Sprintf(%q, KeyInPaymentRequest) shows %s: %s", format, secret, got)
			}
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"cus-billing-2024-0001": "cus****01", "abcdef": "a****", "ab": "****", "": "****", "가나다라마바사아자차": "가나다****자차"} {
		if got := sensitive.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}
