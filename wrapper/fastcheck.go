package wrapper

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/money"
)

// fastSchema is a request schema of the spec compiled, at init, into the
// checks it makes, so that a valid request is confirmed valid without
// decoding its JSON into a map and walking kin-openapi's validator. It only
// says "valid" when it is sure: a value it cannot confirm (or a schema using
// a keyword it does not know, which then compiles to nil) goes to
// kin-openapi, which decides and names the field and the rule. The spec
// stays the only source of the rules: nothing here restates one.
type fastSchema struct {
	typ      string
	nullable bool
	// strings
	minLen uint64
	maxLen *uint64
	re     *pattern
	enum   [][]byte
	// format is the schema's format; docFormat its validator in the
	// document, if it has one (else the process-wide one, if any, is
	// looked up when checking, as kin-openapi does).
	format    string
	docFormat openapi3.StringFormatValidator
	// numbers
	numEnum      []money.Amount
	min, max     *money.Amount
	exMin, exMax bool
	// objects
	props    map[string]*fastSchema
	required []string
	closed   bool
	// arrays
	items              *fastSchema
	minItems, maxItems uint64
	hasMaxItems        bool
}

// fastCompiler compiles the schemas of one document: formats are its
// string format validators; patterns the regular expressions compiled so
// far, shared by the schemas that use the same one (OrderId's, for one,
// appears in most requests).
type fastCompiler struct {
	formats  map[string]openapi3.StringFormatValidator
	patterns map[string]*pattern
}

func newFastCompiler(formats map[string]openapi3.StringFormatValidator) *fastCompiler {
	return &fastCompiler{formats: formats, patterns: make(map[string]*pattern)}
}

// compile compiles s, or returns nil when s uses a keyword the fast path
// does not check.
func (c *fastCompiler) compile(s *openapi3.Schema, depth int) *fastSchema {
	if s == nil || depth > 16 || len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) > 0 || s.Not != nil ||
		s.ReadOnly || s.WriteOnly || s.MultipleOf != nil || s.UniqueItems ||
		s.MinProps != 0 || s.MaxProps != nil || s.Discriminator != nil || s.Type == nil || len(*s.Type) != 1 ||
		s.Format != "" && (*s.Type)[0] != openapi3.TypeString ||
		s.AdditionalProperties.Schema != nil || s.Const != nil || len(s.PrefixItems) > 0 || s.Contains != nil ||
		len(s.PatternProperties) > 0 || len(s.DependentSchemas) > 0 || len(s.DependentRequired) > 0 ||
		s.If != nil || s.Then != nil || s.Else != nil || s.ExclusiveMin.Value != nil || s.ExclusiveMax.Value != nil {
		return nil
	}
	f := &fastSchema{typ: (*s.Type)[0], nullable: s.Nullable}
	switch f.typ {
	case openapi3.TypeString:
		if len(s.Enum) > 0 && (s.MinLength > 0 || s.MaxLength != nil || s.Pattern != "" || s.Format != "") {
			return nil // an enum is checked alone below; with other rules, kin-openapi decides
		}
		if strings.Contains(s.Pattern, `\u`) {
			return nil // kin-openapi rewrites \uXXXX before compiling; compiled here as written it could differ
		}
		f.minLen, f.maxLen = s.MinLength, s.MaxLength
		f.format, f.docFormat = s.Format, c.formats[s.Format]
		if s.Pattern != "" {
			p := c.patterns[s.Pattern]
			if p == nil {
				re, err := regexp.Compile(s.Pattern)
				if err != nil {
					return nil
				}
				p = newPattern(re)
				c.patterns[s.Pattern] = p
			}
			f.re = p
		}
		for _, v := range s.Enum {
			str, ok := v.(string)
			if !ok {
				return nil
			}
			b, _ := json.Marshal(str)
			f.enum = append(f.enum, b)
		}
	case openapi3.TypeNumber, openapi3.TypeInteger:
		for _, v := range s.Enum {
			n, ok := v.(float64)
			if !ok {
				return nil
			}
			a, ok := amountOf(&n)
			if !ok {
				return nil
			}
			f.numEnum = append(f.numEnum, *a)
		}
		var ok bool
		if f.min, ok = amountOf(s.Min); !ok {
			return nil
		}
		if f.max, ok = amountOf(s.Max); !ok {
			return nil
		}
		f.exMin, f.exMax = s.ExclusiveMin.IsTrue(), s.ExclusiveMax.IsTrue()
	case openapi3.TypeBoolean:
		if len(s.Enum) > 0 {
			return nil
		}
	case openapi3.TypeObject:
		if len(s.Enum) > 0 {
			return nil
		}
		f.props = make(map[string]*fastSchema, len(s.Properties))
		for name, ref := range s.Properties {
			p := c.compile(ref.Value, depth+1)
			if p == nil {
				return nil
			}
			f.props[name] = p
		}
		f.required = s.Required
		f.closed = s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has
	case openapi3.TypeArray:
		if len(s.Enum) > 0 || s.Items == nil {
			return nil
		}
		if f.items = c.compile(s.Items.Value, depth+1); f.items == nil {
			return nil
		}
		f.minItems = s.MinItems
		if s.MaxItems != nil {
			f.maxItems, f.hasMaxItems = *s.MaxItems, true
		}
	default:
		return nil
	}
	return f
}

func amountOf(v *float64) (*money.Amount, bool) {
	if v == nil {
		return nil, true
	}
	a, err := money.Parse(strconv.FormatFloat(*v, 'f', -1, 64))
	if err != nil {
		return nil, false
	}
	return &a, true
}

// validJSON reports whether data, compact JSON as json.Marshal writes it,
// surely matches the schema.
func (f *fastSchema) validJSON(data []byte) bool {
	end, ok := f.value(data, 0)
	return ok && end == len(data)
}

// value checks the value at data[i:] and returns where it ends.
func (f *fastSchema) value(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return i, false
	}
	if data[i] == 'n' {
		return i + 4, f.nullable && bytes.HasPrefix(data[i:], []byte("null"))
	}
	switch f.typ {
	case openapi3.TypeString:
		if data[i] != '"' {
			return i, false
		}
		end := stringEnd(data, i)
		return end, f.validString(data[i:end])
	case openapi3.TypeNumber, openapi3.TypeInteger:
		end := skipValue(data, i)
		return end, f.validNumber(data[i:end])
	case openapi3.TypeBoolean:
		end := skipValue(data, i)
		s := data[i:end]
		return end, bytes.Equal(s, []byte("true")) || bytes.Equal(s, []byte("false"))
	case openapi3.TypeObject:
		return f.object(data, i)
	case openapi3.TypeArray:
		return f.array(data, i)
	}
	return i, false
}

// validString checks a JSON string, quotes included.
func (f *fastSchema) validString(quoted []byte) bool {
	if len(f.enum) > 0 {
		for _, e := range f.enum {
			if bytes.Equal(e, quoted) {
				return true
			}
		}
		return false
	}
	raw := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		return false // escapes: let kin-openapi decide
	}
	return f.checkString(raw)
}

// checkString checks the length and pattern of an unescaped string.
func (f *fastSchema) checkString(raw []byte) bool {
	n := uint64(utf8.RuneCount(raw))
	if n < f.minLen || f.maxLen != nil && n > *f.maxLen {
		return false
	}
	return (f.re == nil || f.re.match(raw)) && (f.format == "" || f.formatOK(string(raw)))
}

// formatOK checks the string format the way kin-openapi does: the
// document's validator, else the process-wide one, else none.
func (f *fastSchema) formatOK(v string) bool {
	fv := f.docFormat
	if fv == nil {
		fv = openapi3.SchemaStringFormats[f.format]
	}
	return fv == nil || fv.Validate(v) == nil
}

// validParam reports whether a header or path value surely matches the
// parameter's schema (a string schema).
func (f *fastSchema) validParam(v string) bool {
	if f.typ != openapi3.TypeString || len(f.enum) > 0 {
		return false
	}
	n := uint64(utf8.RuneCountInString(v))
	if n < f.minLen || f.maxLen != nil && n > *f.maxLen {
		return false
	}
	return (f.re == nil || f.re.matchString(v)) && (f.format == "" || f.formatOK(v))
}

func (f *fastSchema) validNumber(b []byte) bool {
	var a money.Amount
	if len(b) == 0 || b[0] == '"' || a.UnmarshalJSON(b) != nil {
		return false
	}
	if f.typ == openapi3.TypeInteger && a.Canonical().Scale() != 0 {
		return false
	}
	if len(f.numEnum) > 0 && !slices.ContainsFunc(f.numEnum, func(e money.Amount) bool { return a.Cmp(e) == 0 }) {
		return false
	}
	if f.min != nil {
		if c := a.Cmp(*f.min); c < 0 || c == 0 && f.exMin {
			return false
		}
	}
	if f.max != nil {
		if c := a.Cmp(*f.max); c > 0 || c == 0 && f.exMax {
			return false
		}
	}
	return true
}

func (f *fastSchema) object(data []byte, i int) (int, bool) {
	if data[i] != '{' {
		return i, false
	}
	var small [16]bool
	seen := small[:0]
	if len(f.required) <= len(small) {
		seen = small[:len(f.required)]
	} else {
		seen = make([]bool, len(f.required))
	}
	i++
	for i < len(data) && data[i] != '}' {
		if data[i] == ',' {
			i++
			continue
		}
		end := stringEnd(data, i)
		key := data[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 || end >= len(data) || data[end] != ':' {
			return i, false
		}
		for r, name := range f.required {
			if string(key) == name {
				seen[r] = true
			}
		}
		i = end + 1
		p, known := f.props[string(key)]
		switch {
		case known:
			var ok bool
			if i, ok = p.value(data, i); !ok {
				return i, false
			}
		case f.closed:
			return i, false
		default:
			i = skipValue(data, i)
		}
	}
	for _, ok := range seen {
		if !ok {
			return i, false
		}
	}
	return i + 1, i < len(data)
}

func (f *fastSchema) array(data []byte, i int) (int, bool) {
	if data[i] != '[' {
		return i, false
	}
	var n uint64
	i++
	for i < len(data) && data[i] != ']' {
		if data[i] == ',' {
			i++
			continue
		}
		var ok bool
		if i, ok = f.items.value(data, i); !ok {
			return i, false
		}
		n++
	}
	if n < f.minItems || f.hasMaxItems && n > f.maxItems {
		return i, false
	}
	return i + 1, i < len(data)
}
