package money_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/money"
)

// rat is the exact value of a decimal string, for comparisons.
func rat(t testing.TB, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("big.Rat cannot read %q", s)
	}
	return r
}

func TestJSONRoundTripIsExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string // as the API writes it
		scale int
	}{
		{"726.24", 2},
		{"50000000000", 0},
		{"0.0", 1},
		{"0", 0},
		{"15000", 0},
		{"1364", 0},
		{"0.01", 2},
		{"-3000", 0},
		{"-726.24", 2},
		{"9223372036854775807", 0},
		{"0.000000001", 9},
		{"12345678.123456789", 9},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var a money.Amount
			if err := json.Unmarshal([]byte(tt.in), &a); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if a.Scale() != tt.scale {
				t.Errorf("Scale() = %d, want %d", a.Scale(), tt.scale)
			}
			out, err := json.Marshal(a)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(out) != tt.in {
				t.Errorf("re-encoded %s as %s", tt.in, out)
			}
			if a.String() != tt.in {
				t.Errorf("String() = %q, want %q", a.String(), tt.in)
			}
			// Inside a struct, through the standard library, with UseNumber on
			// the reading side: the digits survive.
			b, err := json.Marshal(struct {
				Amount money.Amount `json:"amount"`
			}{a})
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"amount":` + tt.in + `}`; string(b) != want {
				t.Errorf("in a struct: %s, want %s", b, want)
			}
		})
	}
}

func TestExactValue(t *testing.T) {
	t.Parallel()
	// 726.24 is not representable as a float; the amount must hold it exactly.
	a := money.MustParse("726.24")
	if got := a.String(); got != "726.24" {
		t.Fatalf("String() = %q", got)
	}
	if f32 := float32(726.24); strconv.FormatFloat(float64(f32), 'f', -1, 64) == "726.24" {
		t.Fatal("test premise broken: float32 should not hold 726.24 exactly")
	}
	if n, ok := money.MustParse("50000000000").Int64(); !ok || n != 50000000000 {
		t.Errorf("Int64() = %d, %v; want 50000000000, true", n, ok)
	}
	if _, ok := a.Int64(); ok {
		t.Error("Int64() of 726.24 reported a whole number")
	}
	if n, ok := money.MustParse("1000.00").Int64(); !ok || n != 1000 {
		t.Errorf("Int64() of 1000.00 = %d, %v; want 1000, true", n, ok)
	}
}

func TestKRWEncodesAsInteger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a    money.Amount
		want string
	}{
		{money.New(15000), "15000"},
		{money.New(0), "0"},
		{money.Amount{}, "0"},
		{money.New(50000000000), "50000000000"},
		{money.MustParse("15000"), "15000"},
		{money.MustParse("1.5e3"), "1500"},
		{money.MustParse("1E2"), "100"},
		{money.NewScaled(72624, 2), "726.24"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("Marshal = %s, want %s", b, tt.want)
		}
	}
}

func TestUnmarshalTolerance(t *testing.T) {
	t.Parallel()
	// A numeric string is accepted (the contract tests flag it as drift).
	var a money.Amount
	if err := json.Unmarshal([]byte(`"1000"`), &a); err != nil || a.String() != "1000" {
		t.Errorf(`Unmarshal("1000") = %v, %v`, a, err)
	}
	// null decodes into a null Amount, distinguishable from 0, that
	// re-encodes as null and is 0 in arithmetic.
	b := money.New(7)
	if err := json.Unmarshal([]byte(`null`), &b); err != nil || !b.IsNull() || !b.IsZero() {
		t.Errorf("Unmarshal(null) = %v (null %v), %v; want a null amount", b, b.IsNull(), err)
	}
	if out, err := json.Marshal(b); err != nil || string(out) != "null" {
		t.Errorf("Marshal(null amount) = %s, %v; want null", out, err)
	}
	if sum, err := b.Add(money.New(5)); err != nil || sum.IsNull() || sum.String() != "5" {
		t.Errorf("null + 5 = %v (null %v), %v; want 5", sum, sum.IsNull(), err)
	}
	var zero money.Amount
	if zero.IsNull() {
		t.Error("the zero Amount reports IsNull")
	}
	if err := json.Unmarshal([]byte(`0`), &b); err != nil || b.IsNull() {
		t.Errorf("Unmarshal(0) after null: null %v, %v", b.IsNull(), err)
	}
	// Text round trip.
	var c money.Amount
	if err := c.UnmarshalText([]byte("726.24")); err != nil || c.String() != "726.24" {
		t.Errorf("UnmarshalText = %v, %v", c, err)
	}
	if txt, _ := c.MarshalText(); string(txt) != "726.24" {
		t.Errorf("MarshalText = %s", txt)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		overflow bool
	}{
		{in: ""},
		{in: "abc"},
		{in: "1.2.3"},
		{in: "--1"},
		{in: "-"},
		{in: "."},
		{in: "1e"},
		{in: "e5"},
		{in: "1e5.5"},
		{in: "0x10"},
		{in: "1,000"},
		{in: "1 000"},
		{in: " 12"},
		{in: "NaN"},
		{in: "Infinity"},
		{in: "12원"},
		{in: "1e-10"},        // more than 9 decimals
		{in: "0.0000000001"}, // more than 9 decimals
		{in: "9223372036854775808", overflow: true}, // MaxInt64 + 1
		{in: "-9223372036854775808", overflow: true},
		{in: "99999999999999999999", overflow: true},
		{in: "1e19", overflow: true},
		{in: "1e999", overflow: true},
		{in: "922337203685477580.8", overflow: true},
	}
	for _, tt := range tests {
		_, err := money.Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) accepted garbage", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), strconv.Quote(tt.in)) {
			t.Errorf("Parse(%q) error does not name the input: %v", tt.in, err)
		}
		if got := errors.Is(err, money.ErrOverflow); got != tt.overflow {
			t.Errorf("Parse(%q): errors.Is(err, ErrOverflow) = %v, want %v (%v)", tt.in, got, tt.overflow, err)
		}
	}
	for _, in := range []string{`"abc"`, `true`, `{}`, `[]`, `"1e999"`} {
		var a money.Amount
		if err := json.Unmarshal([]byte(in), &a); err == nil {
			t.Errorf("Unmarshal(%s) accepted garbage: %v", in, a)
		}
	}
	var a money.Amount
	if err := a.UnmarshalText([]byte("12,5")); err == nil {
		t.Error("UnmarshalText(12,5) accepted garbage")
	}
}

func TestMustParsePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustParse(garbage) did not panic")
		}
	}()
	money.MustParse("garbage")
}

func TestNewScaledPanics(t *testing.T) {
	t.Parallel()
	for _, scale := range []int{-1, money.MaxScale + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewScaled(1, %d) did not panic", scale)
				}
			}()
			money.NewScaled(1, scale)
		}()
	}
}

func TestAddSub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b, sum, diff string
	}{
		{"1000", "500", "1500", "500"},
		{"726.24", "0.76", "727", "725.48"}, // results drop trailing zero decimals
		{"0.0", "15000", "15000", "-15000"}, // so won computed with a 0.0 go out as integers
		{"1.10", "2.20", "3.3", "-1.1"},
		{"13636", "1364", "15000", "12272"},
		{"50000000000", "50000000000", "100000000000", "0"},
		{"-3000", "1000", "-2000", "-4000"},
		{"0.001", "0.01", "0.011", "-0.009"},
	}
	for _, tt := range tests {
		a, b := money.MustParse(tt.a), money.MustParse(tt.b)
		sum, err := a.Add(b)
		if err != nil || sum.String() != tt.sum {
			t.Errorf("%s + %s = %v, %v; want %s", tt.a, tt.b, sum, err, tt.sum)
		}
		diff, err := a.Sub(b)
		if err != nil || diff.String() != tt.diff {
			t.Errorf("%s - %s = %v, %v; want %s", tt.a, tt.b, diff, err, tt.diff)
		}
	}
}

func TestArithmeticOverflow(t *testing.T) {
	t.Parallel()
	maxA := money.New(math.MaxInt64)
	minA := money.New(math.MinInt64)
	tests := []struct {
		name string
		op   func() (money.Amount, error)
	}{
		{"max + 1", func() (money.Amount, error) { return maxA.Add(money.New(1)) }},
		{"min + -1", func() (money.Amount, error) { return minA.Add(money.New(-1)) }},
		{"max - -1", func() (money.Amount, error) { return maxA.Sub(money.New(-1)) }},
		{"0 - min", func() (money.Amount, error) { return money.New(0).Sub(minA) }},
		{"rescale overflow", func() (money.Amount, error) { return maxA.Add(money.MustParse("0.1")) }},
		{"rescale overflow, other side", func() (money.Amount, error) { return money.MustParse("0.1").Sub(maxA) }},
	}
	for _, tt := range tests {
		got, err := tt.op()
		if !errors.Is(err, money.ErrOverflow) {
			t.Errorf("%s = %v, %v; want ErrOverflow", tt.name, got, err)
		}
	}
}

func TestCmp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"726.24", "726.240", 0},
		{"0", "0.0", 0},
		{"1000", "999.99", 1},
		{"999.99", "1000", -1},
		{"-1", "0", -1},
		{"50000000000", "49999999999.999", 1},
		{"9223372036854775807", "0.1", 1},
		{"0.1", "9223372036854775807", -1},
		{"-9223372036854775807", "0.1", -1},
	}
	for _, tt := range tests {
		a, b := money.MustParse(tt.a), money.MustParse(tt.b)
		if got := a.Cmp(b); got != tt.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := a.Equal(b); got != (tt.want == 0) {
			t.Errorf("Equal(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

// TestCmpNearRangeLimit covers amounts whose integer parts are equal but
// which overflow int64 when brought to a common scale.
func TestCmpNearRangeLimit(t *testing.T) {
	t.Parallel()
	a := money.MustParse("92233720368547758.07")
	b := money.MustParse("92233720368547758.1")
	if got := a.Cmp(b); got != -1 {
		t.Errorf("Cmp(%s, %s) = %d, want -1", a, b, got)
	}
	if got := b.Cmp(a); got != 1 {
		t.Errorf("Cmp(%s, %s) = %d, want 1", b, a, got)
	}
}

// TestParseHugeExponent: exponents far outside any representable value
// answer at once (zero stays zero; others overflow) instead of looping.
func TestParseHugeExponent(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0e9000000000000000000", "0e-9000000000000000000", "0e900000", "0.0e-900000"} {
		a, err := money.Parse(s)
		if err != nil || !a.IsZero() {
			t.Errorf("Parse(%q) = %v, %v; want 0", s, a, err)
		}
	}
	for _, s := range []string{"1e900000", "1e-900000", "5e41"} {
		if _, err := money.Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted an out-of-range exponent", s)
		}
	}
}

func TestDivRound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a    string
		d    int64
		want string
	}{
		{"1000", 11, "91"},    // VAT of 1000 (seed: 909 + 91)
		{"15000", 11, "1364"}, // VAT of 15000 (seed: 13636 + 1364)
		{"10000", 11, "909"},
		{"11000", 11, "1000"},
		{"50000000000", 11, "4545454545"},
		{"726.24", 11, "66.02"},
		{"5", 2, "3"},   // half away from zero
		{"-5", 2, "-3"}, // half away from zero
		{"7", 2, "4"},
		{"4", 3, "1"},
		{"5", -2, "-3"},
		{"0.0", 11, "0"},
	}
	for _, tt := range tests {
		if got := money.MustParse(tt.a).DivRound(tt.d); got.String() != tt.want {
			t.Errorf("%s.DivRound(%d) = %s, want %s", tt.a, tt.d, got, tt.want)
		}
	}
	// supplied = amount - vat, as the API computes it.
	for _, tc := range []struct{ amount, supplied string }{{"1000", "909"}, {"15000", "13636"}} {
		amount := money.MustParse(tc.amount)
		supplied, err := amount.Sub(amount.DivRound(11))
		if err != nil || supplied.String() != tc.supplied {
			t.Errorf("supplied of %s = %v, %v; want %s", tc.amount, supplied, err, tc.supplied)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("DivRound(0) did not panic")
		}
	}()
	money.New(1).DivRound(0)
}

func TestSignZero(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		sign int
		zero bool
	}{
		{"0", 0, true}, {"0.0", 0, true}, {"-0.0", 0, true}, {"726.24", 1, false}, {"-1", -1, false},
	}
	for _, tt := range tests {
		a := money.MustParse(tt.in)
		if a.Sign() != tt.sign || a.IsZero() != tt.zero {
			t.Errorf("%s: Sign %d IsZero %v; want %d %v", tt.in, a.Sign(), a.IsZero(), tt.sign, tt.zero)
		}
	}
}

// FuzzAmount: whatever Parse accepts keeps its exact value, re-encodes to
// text that parses back to the same value and the same text, and compares
// as math/big does.
func FuzzAmount(f *testing.F) {
	for _, s := range []string{"726.24", "50000000000", "0.0", "0", "15000", "-3000", "1.5e3", "1e-9", "9223372036854775807", "0.000000001"} {
		f.Add(s, "1000")
	}
	f.Fuzz(func(t *testing.T, s, other string) {
		a, err := money.Parse(s)
		if err != nil {
			return
		}
		want, ok := new(big.Rat).SetString(s)
		if !ok {
			return // Parse is more lenient than big.Rat on a few forms (".5")
		}
		text := a.String()
		if got := rat(t, text); got.Cmp(want) != 0 {
			t.Fatalf("Parse(%q).String() = %q: value changed", s, text)
		}
		b, err := json.Marshal(a)
		if err != nil || string(b) != text {
			t.Fatalf("Marshal(%q) = %s, %v; want %s", s, b, err, text)
		}
		var back money.Amount
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if back.String() != text || back.Scale() != a.Scale() {
			t.Fatalf("round trip of %s gave %s (scale %d, want %d)", text, back, back.Scale(), a.Scale())
		}
		c, err := money.Parse(other)
		if err != nil {
			return
		}
		wantCmp := rat(t, text).Cmp(rat(t, c.String()))
		if got := a.Cmp(c); got != wantCmp {
			// Only the known near-range-limit case may differ; see
			// TestCmpNearRangeLimit.
			if _, err := a.Sub(c); err == nil {
				t.Fatalf("Cmp(%s, %s) = %d, want %d", a, c, got, wantCmp)
			}
		}
		if sum, err := a.Add(c); err == nil {
			exact := new(big.Rat).Add(rat(t, text), rat(t, c.String()))
			if rat(t, sum.String()).Cmp(exact) != 0 {
				t.Fatalf("%s + %s = %s, want %s", a, c, sum, exact.FloatString(9))
			}
		}
	})
}
