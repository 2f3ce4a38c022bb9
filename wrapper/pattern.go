package wrapper

import (
	"regexp"
	"regexp/syntax"
)

// pattern is a schema's pattern: its regular expression, and for the
// common shape ^[class]{m,n}$ over ASCII (OrderId's ^[A-Za-z0-9_-]{6,64}$,
// ^[0-9]{2}$, ^[A-Z]{3}$) a byte-set check that decides the same without
// running the regular expression. TestPatternSetAgreesWithRegexp holds the
// two together.
type pattern struct {
	re *regexp.Regexp
	// set is nil unless the pattern has the simple shape.
	set      *[256]bool
	min, max int // max < 0: unbounded
}

func newPattern(re *regexp.Regexp) *pattern {
	p := &pattern{re: re}
	p.set, p.min, p.max = simpleClass(re.String())
	return p
}

func (p *pattern) match(b []byte) bool {
	if p.set == nil {
		return p.re.Match(b)
	}
	if len(b) < p.min || p.max >= 0 && len(b) > p.max {
		return false
	}
	for _, c := range b {
		if !p.set[c] {
			return false
		}
	}
	return true
}

func (p *pattern) matchString(s string) bool {
	if p.set == nil {
		return p.re.MatchString(s)
	}
	if len(s) < p.min || p.max >= 0 && len(s) > p.max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !p.set[s[i]] {
			return false
		}
	}
	return true
}

// simpleClass recognises ^C$, ^C{m,n}$, ^C+$, ^C*$ and ^C?$ where C is a
// character class of ASCII characters, and returns its bytes and the
// bounds on the length; set is nil for any other pattern.
func simpleClass(expr string) (set *[256]bool, min, max int) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, 0, 0
	}
	if re.Op != syntax.OpConcat || len(re.Sub) != 3 || re.Sub[0].Op != syntax.OpBeginText || re.Sub[2].Op != syntax.OpEndText {
		return nil, 0, 0
	}
	body := re.Sub[1]
	class := body
	switch body.Op {
	case syntax.OpCharClass:
		min, max = 1, 1
	case syntax.OpRepeat:
		class, min, max = body.Sub[0], body.Min, body.Max
	case syntax.OpPlus:
		class, min, max = body.Sub[0], 1, -1
	case syntax.OpStar:
		class, min, max = body.Sub[0], 0, -1
	case syntax.OpQuest:
		class, min, max = body.Sub[0], 0, 1
	default:
		return nil, 0, 0
	}
	if class.Op != syntax.OpCharClass || class.Flags&syntax.FoldCase != 0 {
		return nil, 0, 0
	}
	set = new([256]bool)
	for i := 0; i+1 < len(class.Rune); i += 2 {
		lo, hi := class.Rune[i], class.Rune[i+1]
		if lo < 0 || hi > 0x7f {
			return nil, 0, 0
		}
		for r := lo; r <= hi; r++ {
			set[r] = true
		}
	}
	return set, min, max
}
