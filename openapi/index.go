package openapi

import (
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Index is the embedded document, parsed once per process, with its
// operations by operationId. The wrapper, drift and the tosspay command read
// the spec through it. It is immutable: callers must not modify it or
// anything it points to.
type Index struct {
	// Doc is the parsed document (the one Load returns).
	Doc *openapi3.T
	ops map[string]*Operation
}

// Operation is what the document says of one operation.
type Operation struct {
	ID     string
	Method string // "GET", "POST", ...
	Path   string // the document's path template, such as "/v1/payments/{paymentKey}"
	// PathItem and Op are the document's objects, for kin-openapi
	// (openapi3filter's routers.Route wants both).
	PathItem *openapi3.PathItem
	Op       *openapi3.Operation
	// Params are the path item's parameters, then the operation's.
	Params []*openapi3.Parameter
	// PathParam is the name of the operation's path parameter ("" for none).
	PathParam string
	// Body is the request body (nil for none) and BodySchema its JSON
	// schema.
	Body       *openapi3.RequestBody
	BodySchema *openapi3.Schema
	// SuccessStatus is the operation's first documented 2xx status with a
	// JSON body (0 for none), and SuccessRequired the keys the spec
	// requires of that body, read through allOf.
	SuccessStatus   int
	SuccessRequired []string
}

// Spec returns the index of the embedded document, built once per process
// from Load's document.
var Spec = sync.OnceValues(func() (*Index, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	return NewIndex(doc)
})

// NewIndex indexes doc, which must not be modified afterwards. Spec is the
// index of the embedded document; NewIndex is for a candidate revision.
func NewIndex(doc *openapi3.T) (*Index, error) {
	ix := &Index{Doc: doc, ops: map[string]*Operation{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := &Operation{ID: op.OperationID, Method: method, Path: path, PathItem: item, Op: op}
			for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range ps {
					if p.Value == nil {
						continue
					}
					o.Params = append(o.Params, p.Value)
					if p.Value.In == openapi3.ParameterInPath {
						o.PathParam = p.Value.Name
					}
				}
			}
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				o.Body = rb.Value
				if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					o.BodySchema = mt.Schema.Value
				}
			}
			o.SuccessStatus, o.SuccessRequired = success(op)
			if ix.ops[o.ID] != nil {
				return nil, fmt.Errorf("openapi: operationId %q is used twice", o.ID)
			}
			ix.ops[o.ID] = o
		}
	}
	return ix, nil
}

// Operation returns the operation id, or nil.
func (ix *Index) Operation(id string) *Operation { return ix.ops[id] }

// Operations returns every operation, sorted by operationId.
func (ix *Index) Operations() []*Operation {
	ops := make([]*Operation, 0, len(ix.ops))
	for _, o := range ix.ops {
		ops = append(ops, o)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	return ops
}

// Param returns the operation's parameter in ("path", "header") named
// name, or nil.
func (o *Operation) Param(in, name string) *openapi3.Parameter {
	for _, p := range o.Params {
		if p.In == in && p.Name == name {
			return p
		}
	}
	return nil
}

func success(op *openapi3.Operation) (int, []string) {
	if op.Responses == nil {
		return 0, nil
	}
	codes := make([]string, 0, op.Responses.Len())
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		resp := op.Responses.Value(code)
		if len(code) != 3 || code[0] != '2' || resp == nil || resp.Value == nil {
			continue
		}
		status, err := strconv.Atoi(code)
		if mt := resp.Value.Content.Get("application/json"); err == nil && mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			return status, requiredOf(mt.Schema.Value, nil)
		}
	}
	return 0, nil
}

func requiredOf(s *openapi3.Schema, acc []string) []string {
	for _, r := range s.Required {
		if !contains(acc, r) {
			acc = append(acc, r)
		}
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			acc = requiredOf(sub.Value, acc)
		}
	}
	return acc
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
