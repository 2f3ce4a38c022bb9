package wrapper

import (
	"regexp"
	"strings"
	"testing"
)

// TestPatternSetAgreesWithRegexp: for every pattern of the spec's request
// schemas and a set of shapes around the simple one, the byte-set check
// and the regular expression agree on strings of every length around the
// bounds, of each byte class, and of non-ASCII text; the spec's simple
// patterns do take the byte-set path.
func TestPatternSetAgreesWithRegexp(t *testing.T) {
	t.Parallel()
	exprs := []string{
		`^[A-Za-z0-9_-]{6,64}$`, `^[0-9]{2}$`, `^[0-9]{1,20}$`, `^[A-Z]{3}$`, `^\d{4}$`, `^[a-c]+$`, `^[a-c]*$`, `^[a-c]?$`, `^[a-c]$`,
		`^[^a]{2}$`, `^(?i)[a-c]{2}$`, `^[가-힣]{2}$`, `[a-c]{2}`, `^[a-c]{2}`, `^([0-9]{6}|[0-9]{10})$`, `^(0[1-9]|1[0-2])$`, `^a{2}$`, `^[\s]{1,2}$`,
	}
	simple := map[string]bool{`^[A-Za-z0-9_-]{6,64}$`: true, `^[0-9]{2}$`: true, `^[0-9]{1,20}$`: true, `^[A-Z]{3}$`: true, `^\d{4}$`: true,
		`^[a-c]+$`: true, `^[a-c]*$`: true, `^[a-c]?$`: true, `^[a-c]$`: true, `^[\s]{1,2}$`: true}
	pieces := []string{"", "a", "b", "c", "d", "A", "Z", "0", "9", "_", "-", " ", "\t", "\n", "가", "é", "\x00", "\xff", "aa", "ab1"}
	var inputs []string
	for n := 0; n <= 70; n++ {
		for _, p := range pieces[1:] {
			inputs = append(inputs, strings.Repeat(p, n))
		}
	}
	for _, a := range pieces {
		for _, b := range pieces {
			for _, c := range pieces {
				inputs = append(inputs, a+b+c, strings.Repeat("x", 6)+a+b+c)
			}
		}
	}
	for _, expr := range exprs {
		re := regexp.MustCompile(expr)
		p := newPattern(re)
		if got := p.set != nil; got != simple[expr] {
			t.Errorf("%s: byte-set path %v, want %v", expr, got, simple[expr])
		}
		for _, in := range inputs {
			want := re.MatchString(in)
			if got := p.matchString(in); got != want {
				t.Errorf("%s: matchString(%q) = %v, regexp %v", expr, in, got, want)
			}
			if got := p.match([]byte(in)); got != want {
				t.Errorf("%s: match(%q) = %v, regexp %v", expr, in, got, want)
			}
		}
	}
}

// FuzzPatternSet: on any input the byte-set check of OrderId's pattern
// agrees with the regular expression.
func FuzzPatternSet(f *testing.F) {
	for _, s := range []string{"order-0001", "short", "가나다라마바", strings.Repeat("a", 65)} {
		f.Add(s)
	}
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{6,64}$`)
	p := newPattern(re)
	f.Fuzz(func(t *testing.T, s string) {
		if p.matchString(s) != re.MatchString(s) {
			t.Errorf("%q: byte set %v, regexp %v", s, p.matchString(s), re.MatchString(s))
		}
	})
}
