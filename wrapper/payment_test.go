package wrapper

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

func TestEasyPayOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		json     string
		provider string // "" for nil
		amount   string
		wantErr  bool
	}{
		{`{"easyPay": null}`, "", "", false},
		{`{}`, "", "", false},
		{`{"easyPay": ""}`, "", "", false},
		{`{"easyPay": "TOSSPAY"}`, "TOSSPAY", "", false},
		{`{"easyPay": "토스페이"}`, "토스페이", "", false},
		{`{"easyPay": {"provider": "토스페이", "amount": 726.24, "discountAmount": 0}}`, "토스페이", "726.24", false},
		{`{"easyPay": 5}`, "", "", true},
		{`{"easyPay": [1]}`, "", "", true},
	}
	for _, tc := range cases {
		var p generated.Payment
		if err := json.Unmarshal([]byte(tc.json), &p); err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		ep, err := EasyPayOf(&p)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v, want error %v", tc.json, err, tc.wantErr)
			continue
		}
		switch {
		case tc.provider == "" && ep != nil:
			t.Errorf("%s: got %+v, want nil", tc.json, ep)
		case tc.provider != "" && (ep == nil || ep.Provider == nil || *ep.Provider != tc.provider):
			t.Errorf("%s: got %+v, want provider %s", tc.json, ep, tc.provider)
		case tc.amount != "" && (ep.Amount == nil || ep.Amount.String() != tc.amount):
			t.Errorf("%s: amount %v, want %s", tc.json, ep.Amount, tc.amount)
		}
	}
	if ep, err := EasyPayOf(nil); ep != nil || err != nil {
		t.Errorf("EasyPayOf(nil) = %v, %v", ep, err)
	}
}

func ExampleEasyPayOf() {
	for _, body := range []string{
		`{"easyPay": {"provider": "토스페이", "amount": 15000, "discountAmount": 0}}`,
		`{"easyPay": "TOSSPAY"}`,
		`{"easyPay": null}`,
	} {
		var p generated.Payment
		_ = json.Unmarshal([]byte(body), &p)
		ep, _ := EasyPayOf(&p)
		if ep == nil {
			fmt.Println("no wallet")
			continue
		}
		fmt.Println(*ep.Provider, ep.Amount != nil)
	}
	// Output:
	// 토스페이 true
	// TOSSPAY false
	// no wallet
}
