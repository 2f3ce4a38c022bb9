// Package money holds Amount, the exact decimal type every amount of the
// Toss Payments API decodes into.
//
// The API sends amounts as JSON numbers. Most are whole won (15000), some
// are large (50000000000) and some are decimals (726.24 for a USD payment,
// 0.0 for a tax-free amount). Amount keeps the number exactly as it was
// written: it decodes without rounding, re-encodes the same digits, and its
// arithmetic is integer arithmetic, never float.
package money

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// MaxScale is the most digits after the decimal point an Amount keeps.
const MaxScale = 9

// ErrOverflow is returned when a value or a result does not fit an Amount:
// its digits, without the decimal point, must fit a signed 64-bit integer.
var ErrOverflow = errors.New("money: amount out of range")

// Amount is an exact decimal amount. The zero value is 0.
//
// An Amount is the integer units scaled by 10^-scale: 726.24 is 72624 units
// at scale 2. A decoded Amount records how many decimals the value was
// written with, so 0.0 re-encodes as 0.0 and 1000 as 1000; the results of
// arithmetic drop trailing zero decimals (15000 + 0.0 is 15000), so amounts
// a program computes in won go out as integers.
//
// A JSON null decodes into an Amount that reports IsNull, re-encodes as
// null, and otherwise behaves as 0: the API documents its amounts as
// non-null, so a null one is drift that the caller may want to see.
type Amount struct {
	units int64
	scale uint8
	null  bool
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// New returns the whole amount n (for example, won).
func New(n int64) Amount { return Amount{units: n} }

// NewScaled returns units × 10^-scale: NewScaled(72624, 2) is 726.24.
// It panics if scale exceeds MaxScale.
func NewScaled(units int64, scale int) Amount {
	if scale < 0 || scale > MaxScale {
		panic(fmt.Sprintf("money: scale %d out of range 0..%d", scale, MaxScale))
	}
	return Amount{units: units, scale: uint8(scale)}
}

// Parse reads a decimal number such as "15000", "-3", "726.24", "0.0" or
// "1.5e3". It accepts what a JSON number may be and returns an error that
// names the input for anything else.
func Parse(s string) (Amount, error) {
	a, err := parse([]byte(s))
	if err != nil {
		return Amount{}, fmt.Errorf("money: cannot parse %q: %w", s, err)
	}
	return a, nil
}

// MustParse is Parse for constants in tests and examples; it panics on error.
func MustParse(s string) Amount {
	a, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return a
}

var errSyntax = errors.New("not a decimal number")

// maxExp bounds the exponent Parse accepts: beyond it no non-zero value fits.
const maxExp = 40

func parse(b []byte) (Amount, error) {
	if len(b) == 0 {
		return Amount{}, errSyntax
	}
	neg := false
	i := 0
	switch b[0] {
	case '-':
		neg = true
		i++
	case '+':
		i++
	}
	var units uint64
	scale := 0
	digits := 0
	seenDot := false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			hi, lo := bits.Mul64(units, 10)
			lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
			if hi != 0 || carry != 0 || lo > math.MaxInt64 {
				return Amount{}, ErrOverflow
			}
			units = lo
			digits++
			if seenDot {
				scale++
			}
		case c == '.' && !seenDot:
			seenDot = true
		case c == 'e' || c == 'E':
			if digits == 0 {
				return Amount{}, errSyntax
			}
			exp, err := strconv.Atoi(string(b[i+1:]))
			if err != nil {
				return Amount{}, errSyntax
			}
			if units == 0 {
				return finish(neg, 0, 0)
			}
			if exp > maxExp || exp < -maxExp {
				return Amount{}, ErrOverflow
			}
			return applyExp(neg, units, scale, exp)
		default:
			return Amount{}, errSyntax
		}
	}
	if digits == 0 {
		return Amount{}, errSyntax
	}
	return finish(neg, units, scale)
}

func applyExp(neg bool, units uint64, scale, exp int) (Amount, error) {
	scale -= exp
	for scale < 0 {
		hi, lo := bits.Mul64(units, 10)
		if hi != 0 || lo > math.MaxInt64 {
			return Amount{}, ErrOverflow
		}
		units = lo
		scale++
	}
	return finish(neg, units, scale)
}

func finish(neg bool, units uint64, scale int) (Amount, error) {
	// Drop trailing zeros beyond MaxScale: they carry no value.
	for scale > MaxScale && units%10 == 0 {
		units /= 10
		scale--
	}
	if scale > MaxScale {
		return Amount{}, fmt.Errorf("more than %d decimals", MaxScale)
	}
	v := int64(units)
	if neg {
		v = -v
	}
	return Amount{units: v, scale: uint8(scale)}, nil
}

// String returns the amount with the decimals it was written with:
// "15000", "726.24", "0.0" ("0" for a null Amount).
func (a Amount) String() string { return string(a.AppendText(nil)) }

// AppendText appends String's text to b.
func (a Amount) AppendText(b []byte) []byte {
	if a.scale == 0 {
		return strconv.AppendInt(b, a.units, 10)
	}
	u := a.units
	if u < 0 {
		b = append(b, '-')
	}
	abs := uint64(u)
	if u < 0 {
		abs = uint64(-u)
	}
	p := uint64(pow10[a.scale])
	b = strconv.AppendUint(b, abs/p, 10)
	b = append(b, '.')
	frac := strconv.AppendUint(nil, abs%p, 10)
	for n := len(frac); n < int(a.scale); n++ {
		b = append(b, '0')
	}
	return append(b, frac...)
}

// MarshalJSON encodes the amount as a JSON number with its exact digits, or
// null for an Amount decoded from null.
func (a Amount) MarshalJSON() ([]byte, error) {
	if a.null {
		return []byte("null"), nil
	}
	return a.AppendText(nil), nil
}

// IsNull reports whether the amount was decoded from a JSON null. A null
// Amount is 0 in arithmetic and comparisons.
func (a Amount) IsNull() bool { return a.null }

// Canonical returns the amount without trailing zero decimals: 15000.00
// becomes 15000 and 726.240 becomes 726.24. It has the same value.
func (a Amount) Canonical() Amount {
	u, sc := a.units, a.scale
	for sc > 0 && u%10 == 0 {
		u /= 10
		sc--
	}
	return Amount{units: u, scale: sc}
}

// UnmarshalJSON decodes a JSON number exactly. It is a tolerant reader: a
// numeric string ("1000") is accepted too, and null gives an Amount that
// reports IsNull. The contract tests, not the decoder, report such drift.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*a = Amount{null: true}
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := parse(b)
	if err != nil {
		return fmt.Errorf("money: cannot decode %.40q as an amount: %w", b, err)
	}
	*a = v
	return nil
}

// MarshalText implements encoding.TextMarshaler (query strings, flags).
func (a Amount) MarshalText() ([]byte, error) { return a.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Amount) UnmarshalText(b []byte) error {
	v, err := parse(b)
	if err != nil {
		return fmt.Errorf("money: cannot parse %.40q: %w", b, err)
	}
	*a = v
	return nil
}

// Scale returns the number of decimals the amount carries.
func (a Amount) Scale() int { return int(a.scale) }

// Sign returns -1, 0 or +1.
func (a Amount) Sign() int {
	switch {
	case a.units < 0:
		return -1
	case a.units > 0:
		return 1
	}
	return 0
}

// IsZero reports whether the amount is 0 (at any scale).
func (a Amount) IsZero() bool { return a.units == 0 }

// Int64 returns the amount as a whole number and whether it was one.
func (a Amount) Int64() (int64, bool) {
	if a.scale == 0 {
		return a.units, true
	}
	p := pow10[a.scale]
	if a.units%p != 0 {
		return 0, false
	}
	return a.units / p, true
}

// rescale returns the units of a at the larger scale s.
func (a Amount) rescale(s uint8) (int64, error) {
	if s == a.scale {
		return a.units, nil
	}
	p := pow10[s-a.scale]
	hi, lo := bits.Mul64(uint64(abs64(a.units)), uint64(p))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, ErrOverflow
	}
	if a.units < 0 {
		return -int64(lo), nil
	}
	return int64(lo), nil
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func align(a, b Amount) (x, y int64, s uint8, err error) {
	s = max(a.scale, b.scale)
	if x, err = a.rescale(s); err != nil {
		return
	}
	y, err = b.rescale(s)
	return
}

// Cmp compares the values of a and b: -1 if a < b, 0 if equal (726.24 equals
// 726.240), +1 if a > b.
func (a Amount) Cmp(b Amount) int {
	x, y, _, err := align(a, b)
	if err != nil {
		// Out of int64 range at the common scale: compare exactly in big.Int.
		return a.big(max(a.scale, b.scale)).Cmp(b.big(max(a.scale, b.scale)))
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// big returns the units of a at scale s (s >= a.scale) as a big.Int.
func (a Amount) big(s uint8) *big.Int {
	v := big.NewInt(a.units)
	return v.Mul(v, big.NewInt(pow10[s-a.scale]))
}

// Equal reports whether a and b have the same value.
func (a Amount) Equal(b Amount) bool { return a.Cmp(b) == 0 }

// Add returns a + b at the larger of their scales, or ErrOverflow.
func (a Amount) Add(b Amount) (Amount, error) {
	x, y, s, err := align(a, b)
	if err != nil {
		return Amount{}, err
	}
	sum := x + y
	if (x > 0 && y > 0 && sum < 0) || (x < 0 && y < 0 && sum >= 0) {
		return Amount{}, ErrOverflow
	}
	return Amount{units: sum, scale: s}.Canonical(), nil
}

// Sub returns a − b at the larger of their scales, or ErrOverflow.
func (a Amount) Sub(b Amount) (Amount, error) {
	if b.units == math.MinInt64 {
		return Amount{}, ErrOverflow
	}
	return a.Add(Amount{units: -b.units, scale: b.scale})
}

// DivRound returns a / d rounded half away from zero to a's scale. It is
// how VAT is computed: round(taxable / 11). It panics if d is 0.
func (a Amount) DivRound(d int64) Amount {
	if d == 0 {
		panic("money: division by zero")
	}
	q, r := a.units/d, a.units%d
	if 2*abs64(r) >= abs64(d) {
		if (a.units < 0) != (d < 0) {
			q--
		} else {
			q++
		}
	}
	return Amount{units: q, scale: a.scale}.Canonical()
}
