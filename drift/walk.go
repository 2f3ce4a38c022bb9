package drift

import (
	"encoding/json"
	"math"
	"strconv"
)

// maxDepth is the deepest nesting the walker reads, encoding/json's own
// limit: a body nested deeper is not JSON to it either.
const maxDepth = 10000

// walker checks one body against a compiled schema in a single pass over
// its bytes: it validates the JSON grammar as encoding/json does and
// checks the schema at the same time, with no decoding into maps and no
// allocation unless it finds drift. A body that is not JSON sets bad, and
// the reports found before are dropped.
type walker struct {
	data []byte
	pos  int
	bad  bool
	// depth is the nesting of the value being walked.
	depth int
	// path is the JSON pointer of the value being walked, array indexes and
	// map keys as "*".
	path []byte
	out  []Report
	base Report // Operation and Status of every report
	// code is the span of the top-level "code" string of an error body,
	// quotes included; codeStart is -1 when there is none.
	codeStart, codeEnd int
	codeEscaped        bool
	wantCode           bool
}

// maxReports bounds the reports of one answer, but for missing required
// properties, which the schema bounds: an answer with a million unknown
// keys costs a million checks, not a trillion comparisons.
const maxReports = 256

// report adds a drift at the current path plus suffix, once per answer:
// the same drift in another array element has the same pointer.
func (w *walker) report(kind Kind, suffix, value, detail string) {
	if len(w.out) >= maxReports && kind != MissingRequired {
		return
	}
	ptr := string(w.path) + suffix
	for _, r := range w.out {
		if r.Pointer == ptr && r.Kind == kind && r.Value == value {
			return
		}
	}
	r := w.base
	r.Kind = kind
	r.Pointer = ptr
	r.Value = value
	r.Detail = detail
	w.out = append(w.out, r)
}

// fail marks the body as not JSON and ends the walk.
func (w *walker) fail() {
	w.bad = true
	w.pos = len(w.data)
}

// peek is the byte at w.pos, 0 at the end.
func (w *walker) peek() byte {
	if w.pos < len(w.data) {
		return w.data[w.pos]
	}
	return 0
}

func (w *walker) skipSpace() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// top walks the whole body: one value and white space around it.
func (w *walker) top(n *node) {
	w.value(n)
	w.skipSpace()
	if w.pos != len(w.data) {
		w.fail()
	}
}

// scanString returns the index just past the closing quote of the string
// that opens at i, and whether it has escapes; ok is false when it is not
// a JSON string.
func (w *walker) scanString(i int) (end int, escaped, ok bool) {
	d := w.data
	for i++; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			return i + 1, escaped, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			escaped = true
			i++
			if i >= len(d) {
				return 0, false, false
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(d) {
					return 0, false, false
				}
				for _, h := range d[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return 0, false, false
					}
				}
				i += 4
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

// scanNumber returns the index just past the number that starts at i and
// whether it has a fraction or an exponent; ok is false when it is not a
// JSON number.
func (w *walker) scanNumber(i int) (end int, frac, ok bool) {
	d := w.data
	digits := func() bool {
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		digits()
	default:
		return 0, false, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		frac = true
		if !digits() {
			return 0, false, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		frac = true
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return 0, false, false
		}
	}
	return i, frac, true
}

// literal moves past the literal lit at w.pos, or fails.
func (w *walker) literal(lit string) {
	if len(w.data)-w.pos < len(lit) || string(w.data[w.pos:w.pos+len(lit)]) != lit {
		w.fail()
		return
	}
	w.pos += len(lit)
}

// text is the content of the string spanning data[start:end] (quotes
// included), unescaped.
func (w *walker) text(start, end int, escaped bool) string {
	if !escaped {
		return string(w.data[start+1 : end-1])
	}
	var s string
	if json.Unmarshal(w.data[start:end], &s) != nil {
		// Unreachable for a string scanString accepted; keep what is
		// there rather than nothing.
		return string(w.data[start+1 : end-1])
	}
	return s
}

// kindAt is the JSON type of the value at w.pos, read from its first byte;
// for a number, tNumber plus tInteger when it has no fractional part.
// The value is validated as it is walked.
func (w *walker) kindAt() jsonType {
	switch c := w.peek(); {
	case c == '{':
		return tObject
	case c == '[':
		return tArray
	case c == '"':
		return tString
	case c == 't', c == 'f':
		return tBool
	case c == 'n':
		return tNull
	case c == '-' || c >= '0' && c <= '9':
		end, frac, ok := w.scanNumber(w.pos)
		if !ok || !frac {
			return tNumber | tInteger
		}
		f, err := strconv.ParseFloat(string(w.data[w.pos:end]), 64)
		if err == nil && f == math.Trunc(f) && !math.IsInf(f, 0) {
			return tNumber | tInteger
		}
		return tNumber
	}
	return 0
}

// value walks the value at w.pos, checking it against n (nil: anything)
// and moving past it.
func (w *walker) value(n *node) {
	w.skipSpace()
	if n == nil {
		w.skip()
		return
	}
	vt := w.kindAt()
	if vt == 0 {
		w.fail()
		return
	}
	if len(n.alts) > 0 {
		n = w.pick(n, vt)
	}
	if n.allowed != 0 && n.allowed&vt == 0 {
		w.report(TypeMismatch, "", "", "want "+n.allowed.String()+", got "+(vt&^tInteger).String())
		w.skip() // still read, to validate it and find its end
		return
	}
	switch vt {
	case tObject:
		w.object(n)
	case tArray:
		w.array(n)
	case tString:
		start := w.pos
		end, escaped, ok := w.scanString(start)
		if !ok {
			w.fail()
			return
		}
		w.pos = end
		if n.enum == nil {
			return
		}
		var known bool
		if escaped {
			_, known = n.enum[w.text(start, end, true)]
		} else {
			_, known = n.enum[string(w.data[start+1:end-1])]
		}
		if !known {
			w.report(UnknownEnum, "", sanitise(w.text(start, end, escaped)), enumDetail(n))
		}
	case tBool:
		if w.peek() == 't' {
			w.literal("true")
		} else {
			w.literal("false")
		}
	case tNull:
		w.literal("null")
	default: // a number
		start := w.pos
		end, _, ok := w.scanNumber(start)
		if !ok {
			w.fail()
			return
		}
		w.pos = end
		if n.enum == nil {
			return
		}
		f, err := strconv.ParseFloat(string(w.data[start:end]), 64)
		if _, known := n.enum[strconv.FormatFloat(f, 'g', -1, 64)]; err != nil || !known {
			w.report(UnknownEnum, "", sanitise(string(w.data[start:end])), enumDetail(n))
		}
	}
}

// skip reads past the value at w.pos without a schema, validating it, with
// a loop rather than recursion: a body nested deep below what the spec
// describes costs time in proportion to its length.
func (w *walker) skip() {
	var buf [64]byte
	open := buf[:0] // the containers open below the value: '{' or '['
	for {
		// A value.
		w.skipSpace()
		switch c := w.peek(); {
		case c == '{' || c == '[':
			if w.depth+len(open)+1 > maxDepth {
				w.fail()
				return
			}
			open = append(open, c)
			w.pos++
			w.skipSpace()
			if c == '{' && w.peek() != '}' {
				if !w.key() {
					return
				}
				continue
			}
			if c == '[' && w.peek() != ']' {
				continue
			}
			w.pos++
			open = open[:len(open)-1]
		case c == '"':
			end, _, ok := w.scanString(w.pos)
			if !ok {
				w.fail()
				return
			}
			w.pos = end
		case c == 't':
			w.literal("true")
		case c == 'f':
			w.literal("false")
		case c == 'n':
			w.literal("null")
		case c == '-' || c >= '0' && c <= '9':
			end, _, ok := w.scanNumber(w.pos)
			if !ok {
				w.fail()
				return
			}
			w.pos = end
		default:
			w.fail()
			return
		}
		// After a value: close containers, or go on to the next member.
		for {
			if w.bad || len(open) == 0 {
				return
			}
			w.skipSpace()
			c := w.peek()
			w.pos++
			top := open[len(open)-1]
			if c == ',' {
				if top == '{' && !w.key() {
					return
				}
				break
			}
			if top == '{' && c == '}' || top == '[' && c == ']' {
				open = open[:len(open)-1]
				continue
			}
			w.fail()
			return
		}
	}
}

// key reads an object member's key and its colon.
func (w *walker) key() bool {
	w.skipSpace()
	if w.peek() != '"' {
		w.fail()
		return false
	}
	end, _, ok := w.scanString(w.pos)
	if !ok {
		w.fail()
		return false
	}
	w.pos = end
	w.skipSpace()
	if w.peek() != ':' {
		w.fail()
		return false
	}
	w.pos++
	return true
}

func enumDetail(n *node) string {
	return "not among the " + strconv.Itoa(len(n.enum)) + " values the spec lists"
}

// pick chooses the alternative of an anyOf/oneOf to check a value against:
// the one taking its type, or of several, the one that finds the least
// drift. n's own constraints are kept when no alternative takes the type.
func (w *walker) pick(n *node, vt jsonType) *node {
	var first *node
	fits := 0
	for _, a := range n.alts {
		if a.allowed == 0 || a.allowed&vt != 0 {
			if first == nil {
				first = a
			}
			fits++
		}
	}
	switch {
	case fits == 0:
		var all jsonType
		for _, a := range n.alts {
			all |= a.allowed
		}
		return &node{allowed: all | n.allowed}
	case fits == 1 || vt&(tObject|tArray) == 0:
		// A scalar has nothing below it to tell the alternatives apart.
		return first
	}
	start, mark, depth := w.pos, len(w.out), w.depth
	best, bestCount := first, -1
	for _, a := range n.alts {
		if a.allowed != 0 && a.allowed&vt == 0 {
			continue
		}
		w.pos, w.depth = start, depth
		w.value(a)
		if w.bad {
			return first // the caller's walk fails the same way
		}
		if c := len(w.out) - mark; bestCount < 0 || c < bestCount {
			best, bestCount = a, c
		}
		w.out = w.out[:mark]
	}
	w.pos, w.depth = start, depth
	return best
}

// enter counts one level of nesting, failing past maxDepth.
func (w *walker) enter() bool {
	w.depth++
	if w.depth > maxDepth {
		w.fail()
		return false
	}
	return true
}

// object walks the object at w.pos against n (nil: anything).
func (w *walker) object(n *node) {
	if !w.enter() {
		return
	}
	defer func() { w.depth-- }()
	top := w.depth == 1
	w.pos++ // {
	var seen uint64
	var seenMore []bool
	if n != nil && len(n.required) > 64 {
		seenMore = make([]bool, len(n.required))
	}
	w.skipSpace()
	if w.peek() == '}' {
		w.pos++
	} else {
		for {
			w.skipSpace()
			if w.peek() != '"' {
				w.fail()
				return
			}
			kstart := w.pos
			kend, escaped, ok := w.scanString(kstart)
			if !ok {
				w.fail()
				return
			}
			w.pos = kend
			w.skipSpace()
			if w.peek() != ':' {
				w.fail()
				return
			}
			w.pos++
			w.skipSpace()
			w.member(n, top, kstart, kend, escaped, &seen, seenMore)
			if w.bad || w.next('}') {
				break
			}
		}
		if w.bad {
			return
		}
	}
	if n == nil {
		return
	}
	for i, name := range n.required {
		if i < 64 && seen&(1<<i) != 0 || i >= 64 && seenMore[i] {
			continue
		}
		w.report(MissingRequired, "/"+escapeToken(name), "", "the spec requires the property")
	}
}

// member walks one member of an object, its key at data[kstart:kend].
func (w *walker) member(n *node, top bool, kstart, kend int, escaped bool, seen *uint64, seenMore []bool) {
	if n == nil {
		w.value(nil)
		return
	}
	var (
		p  prop
		ok bool
	)
	if escaped {
		p, ok = n.props[w.text(kstart, kend, true)]
	} else {
		p, ok = n.props[string(w.data[kstart+1:kend-1])]
	}
	if top && w.wantCode && w.peek() == '"' && (!escaped && string(w.data[kstart+1:kend-1]) == "code" || escaped && w.text(kstart, kend, true) == "code") {
		w.codeStart = w.pos
		if end, esc, ok := w.scanString(w.pos); ok {
			w.codeEnd, w.codeEscaped = end, esc
		} else {
			w.codeStart = -1
		}
	}
	mark := len(w.path)
	switch {
	case ok:
		if p.req >= 64 {
			seenMore[p.req] = true
		} else if p.req >= 0 {
			*seen |= 1 << p.req
		}
		if escaped {
			w.path = appendToken(w.path, w.text(kstart, kend, true))
		} else {
			w.path = appendToken(w.path, w.data[kstart+1:kend-1])
		}
		w.value(p.n)
	case n.open:
		// The keys of a map are data (metadata's keys are the
		// merchant's), so they are written "*", as array indexes are.
		w.path = append(w.path, "/*"...)
		w.value(n.additional)
	default:
		w.report(UnknownProperty, "/"+escapeToken(sanitise(w.text(kstart, kend, escaped))), "", "the schema does not list the property")
		w.value(nil)
	}
	w.path = w.path[:mark]
}

// array walks the array at w.pos, each element against n's items.
func (w *walker) array(n *node) {
	if !w.enter() {
		return
	}
	defer func() { w.depth-- }()
	w.pos++ // [
	var items *node
	if n != nil {
		items = n.items
	}
	mark := len(w.path)
	w.path = append(w.path, "/*"...)
	defer func() { w.path = w.path[:mark] }()
	w.skipSpace()
	if w.peek() == ']' {
		w.pos++
		return
	}
	for {
		w.value(items)
		if w.bad || w.next(']') {
			return
		}
	}
}

// next reads what follows a member or an element: close (true: the object
// or array ends), or a comma (false: another follows); anything else fails
// the walk (true).
func (w *walker) next(close byte) bool {
	w.skipSpace()
	c := w.peek()
	w.pos++
	switch c {
	case close:
		return true
	case ',':
		return false
	}
	w.fail()
	return true
}

// appendToken appends "/" and a property name the spec lists, escaped as
// RFC 6901 says.
func appendToken[T string | []byte](path []byte, name T) []byte {
	path = append(path, '/')
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '~':
			path = append(path, "~0"...)
		case '/':
			path = append(path, "~1"...)
		default:
			path = append(path, name[i])
		}
	}
	return path
}

func escapeToken(name string) string {
	return string(appendToken(nil, name)[1:])
}
