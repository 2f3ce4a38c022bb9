package drift

import (
	"encoding/json"
	"math"
	"strconv"
)

// walker checks one JSON body, which json.Valid has accepted, against a
// compiled schema in a single pass over its bytes: no decoding into maps,
// and no allocation unless it finds drift.
type walker struct {
	data []byte
	pos  int
	// path is the JSON pointer of the value being walked, array indexes as
	// "*".
	path []byte
	out  []Report
	base Report // Operation and Status of every report
	// code is the span of the top-level "code" string of an error body,
	// quotes included; codeStart is -1 when there is none.
	codeStart, codeEnd int
	codeEscaped        bool
	wantCode           bool
}

func (w *walker) report(kind Kind, suffix, value, detail string) {
	r := w.base
	r.Kind = kind
	r.Pointer = string(w.path) + suffix
	r.Value = value
	r.Detail = detail
	w.out = append(w.out, r)
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

// kindAt is the JSON type of the value at w.pos; for a number, tNumber
// plus tInteger when it has no fractional part. It does not move.
func (w *walker) kindAt() jsonType {
	switch w.data[w.pos] {
	case '{':
		return tObject
	case '[':
		return tArray
	case '"':
		return tString
	case 't', 'f':
		return tBool
	case 'n':
		return tNull
	}
	end := w.numberEnd(w.pos)
	num := w.data[w.pos:end]
	for _, c := range num {
		if c == '.' || c == 'e' || c == 'E' {
			f, err := strconv.ParseFloat(string(num), 64)
			if err == nil && f == math.Trunc(f) && !math.IsInf(f, 0) {
				return tNumber | tInteger
			}
			return tNumber
		}
	}
	return tNumber | tInteger
}

func (w *walker) numberEnd(i int) int {
	for i < len(w.data) {
		switch c := w.data[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the closing quote of the string
// that opens at i, and whether it has escapes.
func (w *walker) stringEnd(i int) (int, bool) {
	escaped := false
	for i++; i < len(w.data); i++ {
		switch w.data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return i, escaped
}

// skip moves past the value at w.pos.
func (w *walker) skip() {
	switch w.data[w.pos] {
	case '"':
		w.pos, _ = w.stringEnd(w.pos)
	case '{', '[':
		depth := 0
		for w.pos < len(w.data) {
			switch w.data[w.pos] {
			case '"':
				w.pos, _ = w.stringEnd(w.pos)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					w.pos++
					return
				}
			}
			w.pos++
		}
	case 't', 'n':
		w.pos += 4
	case 'f':
		w.pos += 5
	default:
		w.pos = w.numberEnd(w.pos)
	}
}

// text is the content of the string spanning data[start:end] (quotes
// included), unescaped.
func (w *walker) text(start, end int, escaped bool) string {
	if !escaped {
		return string(w.data[start+1 : end-1])
	}
	var s string
	_ = json.Unmarshal(w.data[start:end], &s)
	return s
}

// value checks the value at w.pos against n and moves past it.
func (w *walker) value(n *node) {
	w.skipSpace()
	if n == nil {
		w.skip()
		return
	}
	vt := w.kindAt()
	if len(n.alts) > 0 {
		n = w.pick(n, vt)
	}
	if n.allowed != 0 && n.allowed&vt == 0 {
		w.report(TypeMismatch, "", "", "want "+n.allowed.String()+", got "+(vt&^tInteger).String())
		w.skip()
		return
	}
	switch {
	case vt == tObject:
		w.object(n)
	case vt == tArray:
		w.array(n)
	case vt == tString && n.enum != nil:
		start := w.pos
		end, escaped := w.stringEnd(start)
		w.pos = end
		if escaped {
			s := w.text(start, end, true)
			if _, ok := n.enum[s]; !ok {
				w.report(UnknownEnum, "", sanitise(s), enumDetail(n))
			}
			return
		}
		if _, ok := n.enum[string(w.data[start+1:end-1])]; !ok {
			w.report(UnknownEnum, "", sanitise(string(w.data[start+1:end-1])), enumDetail(n))
		}
	case vt&tNumber != 0 && n.enum != nil:
		start := w.pos
		w.pos = w.numberEnd(start)
		f, err := strconv.ParseFloat(string(w.data[start:w.pos]), 64)
		if _, ok := n.enum[strconv.FormatFloat(f, 'g', -1, 64)]; err != nil || !ok {
			w.report(UnknownEnum, "", sanitise(string(w.data[start:w.pos])), enumDetail(n))
		}
	default:
		w.skip()
	}
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
	start, mark := w.pos, len(w.out)
	best, bestCount := first, -1
	for _, a := range n.alts {
		if a.allowed != 0 && a.allowed&vt == 0 {
			continue
		}
		w.pos = start
		w.value(a)
		if c := len(w.out) - mark; bestCount < 0 || c < bestCount {
			best, bestCount = a, c
		}
		w.out = w.out[:mark]
	}
	w.pos = start
	return best
}

func (w *walker) object(n *node) {
	top := len(w.path) == 0
	w.pos++ // {
	var seen uint64
	var seenMore []bool
	if len(n.required) > 64 {
		seenMore = make([]bool, len(n.required))
	}
	for {
		w.skipSpace()
		if w.data[w.pos] == '}' {
			w.pos++
			break
		}
		if w.data[w.pos] == ',' {
			w.pos++
			w.skipSpace()
		}
		kstart := w.pos
		kend, escaped := w.stringEnd(kstart)
		w.pos = kend
		w.skipSpace()
		w.pos++ // :
		w.skipSpace()
		var (
			p  prop
			ok bool
		)
		if escaped {
			p, ok = n.props[w.text(kstart, kend, true)]
		} else {
			p, ok = n.props[string(w.data[kstart+1:kend-1])]
		}
		if top && w.wantCode && !escaped && string(w.data[kstart+1:kend-1]) == "code" && w.data[w.pos] == '"' {
			w.codeStart = w.pos
			w.codeEnd, w.codeEscaped = w.stringEnd(w.pos)
		}
		switch {
		case ok:
			if p.req >= 64 {
				seenMore[p.req] = true
			} else if p.req >= 0 {
				seen |= 1 << p.req
			}
			mark := len(w.path)
			if escaped {
				w.path = appendToken(w.path, w.text(kstart, kend, true))
			} else {
				w.path = appendToken(w.path, w.data[kstart+1:kend-1])
			}
			w.value(p.n)
			w.path = w.path[:mark]
		case n.open:
			// The keys of a map are data (metadata's keys are the
			// merchant's), so they are written "*", as array indexes are.
			mark := len(w.path)
			w.path = append(w.path, "/*"...)
			w.value(n.additional)
			w.path = w.path[:mark]
		default:
			w.report(UnknownProperty, "/"+escapeToken(sanitise(w.text(kstart, kend, escaped))), "", "the schema does not list the property")
			w.skip()
		}
	}
	for i, name := range n.required {
		if i < 64 && seen&(1<<i) != 0 || i >= 64 && seenMore[i] {
			continue
		}
		w.report(MissingRequired, "/"+escapeToken(name), "", "the spec requires the property")
	}
}

func (w *walker) array(n *node) {
	w.pos++ // [
	mark := len(w.path)
	w.path = append(w.path, "/*"...)
	for {
		w.skipSpace()
		if w.data[w.pos] == ']' {
			w.pos++
			break
		}
		if w.data[w.pos] == ',' {
			w.pos++
			continue
		}
		w.value(n.items)
	}
	w.path = w.path[:mark]
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
