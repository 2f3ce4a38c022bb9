package drift

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// synthetic builds a checker from a one-operation document whose 200
// answer has the given schema (YAML, indented for components.schemas.Body),
// for the schema rules the real spec does not use today.
func synthetic(t *testing.T, schema string, more ...string) *Checker {
	t.Helper()
	doc := `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Body'}
        '4XX':
          description: any client error
          content:
            application/json:
              schema: {type: object, properties: {code: {type: string}}}
        default:
          description: anything else, no body
components:
  schemas:
    Body:
` + schema + strings.Join(more, "")
	d, err := openapi.ParseData([]byte(doc))
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	c, err := build(d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSchemaRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		schema string
		more   string
		body   string
		want   []want
	}{
		{"additionalProperties false", `
      type: object
      additionalProperties: false
      properties: {a: {type: string}}`, "", `{"a":"x","b":1}`, []want{{"/b", UnknownProperty, ""}}},
		{"additionalProperties true", `
      type: object
      additionalProperties: true
      properties: {a: {type: string}}`, "", `{"a":"x","b":1}`, nil},
		{"free-form object", `
      type: object`, "", `{"a":"x","b":[1,{"c":2}]}`, nil},
		{"x-enum lists the values of an open enum", `
      type: object
      properties:
        kind: {type: string, x-enum: [A, B]}`, "", `{"kind":"C"}`, []want{{"/kind", UnknownEnum, "C"}}},
		{"x-enum value is known", `
      type: object
      properties:
        kind: {type: string, x-enum: [A, B]}`, "", `{"kind":"B"}`, nil},
		{"integer enum", `
      type: object
      properties:
        months: {type: integer, enum: [0, 2, 3]}`, "", `{"months":2}`, nil},
		{"integer enum, unknown value", `
      type: object
      properties:
        months: {type: integer, enum: [0, 2, 3]}`, "", `{"months":24}`, []want{{"/months", UnknownEnum, "24"}}},
		{"integer takes 3.0, not 3.5", `
      type: object
      properties:
        a: {type: integer}
        b: {type: integer}`, "", `{"a":3.0,"b":3.5}`, []want{{"/b", TypeMismatch, ""}}},
		{"keys with ~ and / are escaped in pointers", `
      type: object
      properties:
        a/b: {type: object, properties: {c~d: {type: string}}}`, "", `{"a/b":{"c~d":1}}`, []want{{"/a~1b/c~0d", TypeMismatch, ""}}},
		{"unknown key with ~ and / is escaped", `
      type: object
      properties: {a: {type: string}}`, "", `{"x/y~z":1}`, []want{{"/x~1y~0z", UnknownProperty, ""}}},
		{"nested arrays", `
      type: array
      items: {type: array, items: {type: object, properties: {a: {type: string}}}}`, "", `[[{"a":"x"}],[{"a":"y","b":1}],[]]`, []want{{"/*/*/b", UnknownProperty, ""}}},
		{"anyOf picks the closest object", `
      type: object
      properties:
        v:
          anyOf:
            - {type: object, properties: {a: {type: string}, b: {type: string}}, required: [a, b]}
            - {type: object, properties: {c: {type: string}}, required: [c]}`, "", `{"v":{"c":"x","d":1}}`, []want{{"/v/d", UnknownProperty, ""}}},
		{"anyOf: no alternative takes the type", `
      type: object
      properties:
        v:
          anyOf:
            - {type: string}
            - {type: integer}`, "", `{"v":true}`, []want{{"/v", TypeMismatch, ""}}},
		{"recursive schema", `
      $ref: '#/components/schemas/Tree'`, `
    Tree:
      type: object
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
`, `{"name":"r","children":[{"name":"a","children":[{"name":"b","age":3}]}]}`, []want{{"/children/*/children/*/age", UnknownProperty, ""}}},
		{"white space everywhere", `
      type: object
      properties: {a: {type: array, items: {type: string}}}`, "", " {\n\t\"a\" :\r [ \"x\" , 1 ] , \"b\" : null } ", []want{{"/a/*", TypeMismatch, ""}, {"/b", UnknownProperty, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := synthetic(t, tc.schema, tc.more)
			if g := got(c.Check("getThing", 200, []byte(tc.body))); !slices.Equal(g, tc.want) {
				t.Errorf("reports = %+v\nwant %+v", g, tc.want)
			}
		})
	}
}

// TestManyRequired covers objects with more required properties than fit
// the walker's bit set.
func TestManyRequired(t *testing.T) {
	t.Parallel()
	var props, req, body []string
	for i := range 70 {
		props = append(props, fmt.Sprintf("p%02d: {type: integer}", i))
		req = append(req, fmt.Sprintf("p%02d", i))
		if i != 3 && i != 66 {
			body = append(body, fmt.Sprintf(`"p%02d":%d`, i, i))
		}
	}
	c := synthetic(t, "\n      type: object\n      required: ["+strings.Join(req, ", ")+"]\n      properties: {"+strings.Join(props, ", ")+"}")
	wants := []want{{"/p03", MissingRequired, ""}, {"/p66", MissingRequired, ""}}
	if g := got(c.Check("getThing", 200, []byte("{"+strings.Join(body, ",")+"}"))); !slices.Equal(g, wants) {
		t.Errorf("reports = %+v\nwant %+v", g, wants)
	}
}

// TestStatusLookup: an exact status, then the range, then the default.
func TestStatusLookup(t *testing.T) {
	t.Parallel()
	c := synthetic(t, "\n      type: object")
	if r := c.Check("getThing", 404, []byte(`{"code":"X"}`)); len(r) != 0 {
		t.Errorf("4XX: %v", r)
	}
	if r := c.Check("getThing", 404, []byte(`{"code":1}`)); len(r) != 1 || r[0].Kind != TypeMismatch {
		t.Errorf("4XX with a number code: %v", r)
	}
	if r := c.Check("getThing", 503, []byte(`<html>`)); len(r) != 0 {
		t.Errorf("default without a body schema: %v", r)
	}
	if _, ok := c.Operation("GET", "/things/1"); !ok {
		t.Error("no route for /things/1")
	}
}

func TestUnsupportedKeywordsFailTheBuild(t *testing.T) {
	t.Parallel()
	for _, schema := range []string{`
      allOf: [{type: object}]`, `
      not: {type: string}`} {
		doc := strings.Replace(`openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    get:
      operationId: x
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Body'}
components:
  schemas:
    Body:SCHEMA
`, "SCHEMA", schema, 1)
		d, err := openapi.ParseData([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := build(d); err == nil {
			t.Errorf("build accepted %s", schema)
		}
	}
}
