package money_test

import (
	"encoding/json"
	"fmt"

	"github.com/tosspayments-go/tosspayments-go/money"
)

// An amount decodes from the API's JSON exactly and encodes back with the
// same digits: no float on the way.
func ExampleAmount_json() {
	var p struct {
		TotalAmount   money.Amount `json:"totalAmount"`
		TaxFreeAmount money.Amount `json:"taxFreeAmount"`
		Big           money.Amount `json:"big"`
	}
	in := `{"totalAmount":726.24,"taxFreeAmount":0.0,"big":50000000000}`
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(p)
	fmt.Println(string(out))
	// Output: {"totalAmount":726.24,"taxFreeAmount":0.0,"big":50000000000}
}

// VAT is round(taxable / 11); the supplied amount is the rest.
func ExampleAmount_DivRound() {
	for _, total := range []int64{1000, 15000} {
		amount := money.New(total)
		vat := amount.DivRound(11)
		supplied, _ := amount.Sub(vat)
		fmt.Printf("%s = %s + %s VAT\n", amount, supplied, vat)
	}
	// Output:
	// 1000 = 909 + 91 VAT
	// 15000 = 13636 + 1364 VAT
}

// Arithmetic is exact and drops trailing zero decimals; values compare as
// numbers, whatever their scale.
func ExampleAmount_Add() {
	a := money.MustParse("726.24")
	b := money.MustParse("0.76")
	sum, err := a.Add(b)
	fmt.Println(sum, err)
	fmt.Println(sum.Cmp(money.New(727)), sum.Equal(money.MustParse("727.0")))
	// Output:
	// 727 <nil>
	// 0 true
}

// Whole won go out as JSON integers.
func ExampleNew() {
	b, _ := json.Marshal(map[string]money.Amount{"amount": money.New(15000)})
	fmt.Println(string(b))
	// Output: {"amount":15000}
}

// Parse rejects what is not a decimal number, and values out of range.
func ExampleParse() {
	for _, s := range []string{"726.24", "1,000", "99999999999999999999"} {
		a, err := money.Parse(s)
		fmt.Println(a, err)
	}
	// Output:
	// 726.24 <nil>
	// 0 money: cannot parse "1,000": not a decimal number
	// 0 money: cannot parse "99999999999999999999": money: amount out of range
}
