package drift

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// jsonType is a set of JSON value types.
type jsonType uint8

const (
	tNull jsonType = 1 << iota
	tBool
	tInteger // a number with no fractional part
	tNumber  // any number
	tString
	tArray
	tObject
)

// typeNames are the names a schema's type takes, and the names of values.
var typeNames = []struct {
	t    jsonType
	name string
}{{tObject, "object"}, {tArray, "array"}, {tString, "string"}, {tNumber, "number"}, {tInteger, "integer"}, {tBool, "boolean"}, {tNull, "null"}}

func (t jsonType) String() string {
	var names []string
	for _, tn := range typeNames {
		if t&tn.t != 0 {
			if tn.t == tInteger && t&tNumber != 0 {
				continue // number covers integer
			}
			names = append(names, tn.name)
		}
	}
	return strings.Join(names, " or ")
}

// node is a schema compiled for the walk: what the checks need, nothing
// else, with property lookups by name.
type node struct {
	// allowed is the set of JSON types the schema takes; 0 takes any.
	allowed jsonType
	// props are the listed properties; req is a property's index in
	// required, or -1.
	props    map[string]prop
	required []string
	// open is whether keys outside props are allowed (additionalProperties
	// true or a schema, or an object schema that lists no properties);
	// additional is the schema of their values (nil: any).
	open       bool
	additional *node
	items      *node
	// enum is the set of listed values (strings as they are, others in
	// their JSON form), nil when the schema lists none.
	enum map[string]struct{}
	// alts are the alternatives of anyOf/oneOf: a value is checked against
	// the one that fits it best.
	alts []*node
}

type prop struct {
	n   *node
	req int
}

// compiler turns kin-openapi schemas into nodes, once per schema.
type compiler struct {
	memo map[*openapi3.Schema]*node
}

func (c *compiler) compile(ref *openapi3.SchemaRef) (*node, error) {
	if ref == nil || ref.Value == nil {
		return nil, nil
	}
	s := ref.Value
	if n, ok := c.memo[s]; ok {
		return n, nil // also ends a recursive schema
	}
	n := &node{}
	c.memo[s] = n
	if err := c.fill(n, s); err != nil {
		return nil, err
	}
	return n, nil
}

func (c *compiler) fill(n *node, s *openapi3.Schema) error {
	// The spec uses neither; a spec that starts to must teach the
	// checker first, rather than have its answers pass unchecked.
	if s.Not != nil || len(s.AllOf) > 0 {
		return fmt.Errorf("drift: the allOf and not keywords are not supported")
	}
	if s.Type != nil {
		for _, t := range s.Type.Slice() {
			switch t {
			case openapi3.TypeObject:
				n.allowed |= tObject
			case openapi3.TypeArray:
				n.allowed |= tArray
			case openapi3.TypeString:
				n.allowed |= tString
			case openapi3.TypeNumber:
				n.allowed |= tNumber | tInteger
			case openapi3.TypeInteger:
				n.allowed |= tInteger
			case openapi3.TypeBoolean:
				n.allowed |= tBool
			case openapi3.TypeNull:
				n.allowed |= tNull
			default:
				return fmt.Errorf("drift: unknown schema type %q", t)
			}
		}
	}
	if n.allowed == 0 {
		switch {
		case len(s.Properties) > 0 || s.AdditionalProperties.Has != nil || s.AdditionalProperties.Schema != nil:
			n.allowed = tObject
		case s.Items != nil:
			n.allowed = tArray
		}
	}
	if s.Nullable && n.allowed != 0 {
		n.allowed |= tNull
	}

	// Properties: the names are sorted so that reports come out in a
	// stable order.
	if len(s.Properties) > 0 {
		n.props = make(map[string]prop, len(s.Properties))
		for _, name := range sortedKeys(s.Properties) {
			pn, err := c.compile(s.Properties[name])
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			n.props[name] = prop{n: pn, req: -1}
		}
	}
	for _, name := range s.Required {
		p, ok := n.props[name]
		if !ok {
			p = prop{req: -1}
		}
		if p.req < 0 {
			p.req = len(n.required)
			n.required = append(n.required, name)
		}
		if n.props == nil {
			n.props = map[string]prop{}
		}
		n.props[name] = p
	}
	// additionalProperties: the spec lists the keys of every object it
	// knows, so a key outside them is drift, unless the schema says the
	// object is a map (additionalProperties true or a schema, as metadata
	// is) or lists no properties at all (a free-form object).
	switch ap := s.AdditionalProperties; {
	case ap.Has != nil && !*ap.Has:
		n.open = false
	case ap.Schema != nil:
		n.open = true
		an, err := c.compile(ap.Schema)
		if err != nil {
			return fmt.Errorf("additionalProperties: %w", err)
		}
		n.additional = an
	case ap.Has != nil && *ap.Has:
		n.open = true
	default:
		n.open = len(n.props) == 0
	}
	if s.Items != nil {
		in, err := c.compile(s.Items)
		if err != nil {
			return fmt.Errorf("items: %w", err)
		}
		n.items = in
	}
	if err := c.fillEnum(n, s); err != nil {
		return err
	}
	for _, alts := range []openapi3.SchemaRefs{s.AnyOf, s.OneOf} {
		for i, a := range alts {
			an, err := c.compile(a)
			if err != nil {
				return fmt.Errorf("alternative %d: %w", i, err)
			}
			if an != nil {
				n.alts = append(n.alts, an)
			}
		}
	}
	return nil
}

// fillEnum reads the values a schema lists: its enum, and an x-enum
// extension where the spec lists the values of an open enum there instead.
// A null among them is the nullable marker, not a value.
func (c *compiler) fillEnum(n *node, s *openapi3.Schema) error {
	values := s.Enum
	if x, ok := s.Extensions["x-enum"]; ok {
		list, ok := x.([]any)
		if !ok {
			return fmt.Errorf("drift: x-enum is a %T, want a list", x)
		}
		values = append(values[:len(values):len(values)], list...)
	}
	if len(values) == 0 {
		return nil
	}
	n.enum = make(map[string]struct{}, len(values))
	for _, v := range values {
		switch v := v.(type) {
		case nil:
		case string:
			n.enum[v] = struct{}{}
		case float64:
			n.enum[strconv.FormatFloat(v, 'g', -1, 64)] = struct{}{}
		case int:
			n.enum[strconv.Itoa(v)] = struct{}{}
		case int64:
			n.enum[strconv.FormatInt(v, 10)] = struct{}{}
		case bool:
			n.enum[strconv.FormatBool(v)] = struct{}{}
		default:
			return fmt.Errorf("drift: enum value of type %T is not supported", v)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
