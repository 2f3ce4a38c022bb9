package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// wrappedOperations lists the spec operations the client wraps; the contract
// tests hold it to the spec. Paths, methods and parameter names are read from
// the spec, not restated here.
var wrappedOperations = []string{openapi.OpCreatePayment, openapi.OpConfirmPayment, openapi.OpCancelPayment, openapi.OpKeyInPayment, openapi.OpGetPayment, openapi.OpGetPaymentByOrderID}

// specOp is what the client knows of one operation, all of it from the
// spec and compiled once per process: small, and without a pointer into
// the parsed document, which is not kept (see kinSpec).
type specOp struct {
	id     string
	method string
	// params are the operation's path and header parameters; hasBody and
	// bodyRequired say whether it takes a JSON request body, and fastBody
	// is its schema compiled (nil when the fast path cannot check it).
	params       []specParam
	hasBody      bool
	bodyRequired bool
	fastBody     *fastSchema
	pathParam    string // the name of the operation's path parameter, if any
	// required are the keys the spec requires of the 2xx answer's body.
	required *requiredSet
}

// specParam is one path or header parameter of an operation.
type specParam struct {
	name, in string
	required bool
	// schemaless parameters are not checked; fast is the schema compiled
	// (nil when the fast path cannot check it).
	schemaless bool
	fast       *fastSchema
}

// kinOp is the kin-openapi side of an operation: its parameters and body
// as the parsed document has them, and the options to validate with (the
// request's view, with the document's string formats such as "uri").
type kinOp struct {
	params []*openapi3.Parameter
	body   *openapi3.RequestBody
	visit  []openapi3.SchemaValidationOption
}

// specIndex maps operationIds to what the client knows of them. It is
// built once per process from the embedded document, which is immutable,
// and shared read-only. The parsed document itself is not kept: half a
// megabyte of pointers that the garbage collector would otherwise scan on
// every cycle, a cost every call shares (measured in docs/benchmarks.md).
var specIndex = sync.OnceValues(func() (map[string]*specOp, error) {
	ops, _, err := indexSpec()
	return ops, err
})

// indexSpec parses a fresh copy of the embedded document and returns both
// sides of each operation: the compiled one and kin-openapi's.
func indexSpec() (map[string]*specOp, map[string]*kinOp, error) {
	doc, err := openapi.Parse()
	if err != nil {
		return nil, nil, err
	}
	fast := newFastCompiler(openapi.StringFormats())
	ops := make(map[string]*specOp, len(wrappedOperations))
	kops := make(map[string]*kinOp, len(wrappedOperations))
	for _, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			so := &specOp{id: op.OperationID, method: method, required: newRequiredSet(successRequired(op))}
			ko := &kinOp{visit: append(doc.GetSchemaValidationOptions(), openapi3.VisitAsRequest())}
			for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range params {
					if p.Value == nil {
						continue
					}
					switch p.Value.In {
					case openapi3.ParameterInPath:
						so.pathParam = p.Value.Name
					case openapi3.ParameterInHeader:
					default:
						return nil, nil, fmt.Errorf("wrapper: %s: %s parameters are not supported", op.OperationID, p.Value.In)
					}
					ko.params = append(ko.params, p.Value)
					sp := specParam{name: p.Value.Name, in: p.Value.In, required: p.Value.Required, schemaless: p.Value.Schema == nil || p.Value.Schema.Value == nil}
					if !sp.schemaless && p.Value.Content == nil {
						sp.fast = fast.compile(p.Value.Schema.Value, 0)
					}
					so.params = append(so.params, sp)
				}
			}
			if op.RequestBody != nil {
				ko.body = op.RequestBody.Value
				mt := ko.body.Content.Get(jsonContentType)
				if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
					return nil, nil, fmt.Errorf("wrapper: %s: no %s request schema", op.OperationID, jsonContentType)
				}
				so.hasBody, so.bodyRequired = true, ko.body.Required
				so.fastBody = fast.compile(mt.Schema.Value, 0)
			}
			ops[op.OperationID], kops[op.OperationID] = so, ko
		}
	}
	for _, id := range wrappedOperations {
		if ops[id] == nil {
			return nil, nil, fmt.Errorf("wrapper: the spec has no operation %q", id)
		}
	}
	return ops, kops, nil
}

// kinSpec holds kin-openapi's side of the operations while validation
// needs it: it is parsed when a request is one the fast path cannot
// confirm valid (in practice, an invalid one) and dropped once a sweep,
// every kinSpecIdle, finds it unused since the last one (between one and
// two kinSpecIdle after its last use), so that a client sending valid
// requests keeps no parsed document alive.
var kinSpec = &lazyKin{idle: kinSpecIdle, load: func() (map[string]*kinOp, error) {
	_, kops, err := indexSpec()
	return kops, err
}}

// kinSpecIdle is how long kin-openapi's side is kept after its last use.
const kinSpecIdle = time.Minute

type lazyKin struct {
	idle time.Duration
	load func() (map[string]*kinOp, error)

	mu    sync.Mutex
	ops   map[string]*kinOp
	used  bool // since the last sweep
	loads int  // for tests: how many times load ran
}

// get returns the operations, parsing them if they were dropped.
func (l *lazyKin) get() (map[string]*kinOp, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ops == nil {
		ops, err := l.load()
		if err != nil {
			return nil, err
		}
		l.ops = ops
		l.loads++
		time.AfterFunc(l.idle, l.sweep)
	}
	l.used = true
	return l.ops, nil
}

// sweep drops the operations if they were not used since the last sweep,
// else looks again after idle.
func (l *lazyKin) sweep() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.used {
		l.used = false
		time.AfterFunc(l.idle, l.sweep)
		return
	}
	l.ops = nil
}

var missingProperty = regexp.MustCompile(`^property "([^"]+)" is missing$`)

// param returns the operation's parameter in (path or header) named name.
func (op *specOp) param(in, name string) *specParam {
	for i := range op.params {
		if p := &op.params[i]; p.in == in && p.name == name {
			return p
		}
	}
	return nil
}

// validate checks what the caller controls, the path value, the header
// parameters of req and the JSON body, against the operation's schemas in
// the spec. It returns a *ValidationError naming the field and the rule,
// never the value. (Authentication is the transport's job, and the wrapper
// builds the method, path and content type itself.) A request the compiled
// fast path (fastSchema) confirms valid is valid; any other is validated
// again, whole, by kin-openapi, which decides and describes the failure.
// The schemas are checked directly rather than through
// openapi3filter.ValidateRequest, which parses the whole request again: a
// third of the cost, the same rules.
func validate(op *specOp, header http.Header, body []byte, pathValue string) error {
	if op.surelyValid(header, body, pathValue) {
		return nil
	}
	kops, err := kinSpec.get()
	if err != nil {
		return err
	}
	return kinValidate(op.id, kops[op.id], header, body, pathValue)
}

// surelyValid reports whether the compiled checks confirm the request
// valid; false means kin-openapi must decide.
func (op *specOp) surelyValid(header http.Header, body []byte, pathValue string) bool {
	for i := range op.params {
		p := &op.params[i]
		value := pathValue
		if p.in == openapi3.ParameterInHeader {
			value = header.Get(p.name)
		}
		switch {
		case value == "" && p.in == openapi3.ParameterInHeader:
			if p.required {
				return false
			}
		case p.schemaless:
		case p.fast == nil || !p.fast.validParam(value):
			return false
		}
	}
	if !op.hasBody {
		return true
	}
	if len(body) == 0 {
		return !op.bodyRequired
	}
	return op.fastBody != nil && op.fastBody.validJSON(body)
}

// kinValidate is validate by kin-openapi alone.
func kinValidate(opID string, op *kinOp, header http.Header, body []byte, pathValue string) error {
	for _, p := range op.params {
		value, present := pathValue, true
		if p.In == openapi3.ParameterInHeader {
			value = header.Get(p.Name)
			present = value != ""
		}
		if !present {
			if p.Required {
				return describe(opID, &openapi3filter.RequestError{Parameter: p, Err: openapi3filter.ErrInvalidRequired})
			}
			continue
		}
		if p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		if err := p.Schema.Value.VisitJSON(value, op.visit...); err != nil {
			return describe(opID, &openapi3filter.RequestError{Parameter: p, Err: err})
		}
	}
	if op.body == nil {
		return nil
	}
	if len(body) == 0 {
		if op.body.Required {
			return describe(opID, &openapi3filter.RequestError{RequestBody: op.body, Err: openapi3filter.ErrInvalidRequired})
		}
		return nil
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return describe(opID, &openapi3filter.RequestError{RequestBody: op.body, Reason: "the body is not JSON"})
	}
	schema := op.body.Content.Get(jsonContentType).Schema.Value
	if err := schema.VisitJSON(value, op.visit...); err != nil {
		return describe(opID, &openapi3filter.RequestError{RequestBody: op.body, Err: err})
	}
	return nil
}

// describe turns a kin-openapi error into a *ValidationError. It uses only
// the schema's field names and rules: kin-openapi keeps offending values in
// SchemaError.Value, which is never read here.
func describe(opID string, err error) *ValidationError {
	ve := &ValidationError{Operation: opID, In: "body", Field: "request", Rule: "does not match the spec"}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		switch {
		case re.Parameter != nil:
			ve.In = re.Parameter.In
			ve.Field = re.Parameter.Name
		case re.RequestBody != nil:
			ve.In = "body"
		}
		ve.Rule = safeReason(re)
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		ptr := se.JSONPointer()
		if m := missingProperty.FindStringSubmatch(se.Reason); m != nil {
			ptr = append(ptr, m[1])
			ve.Rule = "required property is missing"
		} else {
			ve.Rule = schemaRule(se)
		}
		if re != nil && re.Parameter == nil && len(ptr) > 0 {
			ve.Field = strings.Join(ptr, ".")
		}
	}
	return ve
}

// safeReason describes a RequestError that is not a schema error (a missing
// required value, an undecodable body) without its cause's text.
func safeReason(re *openapi3filter.RequestError) string {
	switch {
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return "required value is missing"
	case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
		return "empty value is not allowed"
	case re.Reason != "":
		return re.Reason
	}
	return "does not match the spec"
}

// sensitiveGoType is the x-go-type the spec gives card and personal data
// (cardNumber, cardPassword, customerIdentityNumber): the spec, not this
// package, says which fields are sensitive.
const sensitiveGoType = "sensitive.String"

// schemaRule describes a schema error. kin-openapi's reasons never include
// the value ("minimum string length is 6", "number must be more than 0");
// for a field the spec marks as sensitive the rule is rebuilt from the schema
// alone, in case a future reason did.
func schemaRule(se *openapi3.SchemaError) string {
	if s := se.Schema; s != nil && s.Extensions["x-go-type"] == sensitiveGoType {
		switch se.SchemaField {
		case "pattern":
			return fmt.Sprintf("must match the regular expression %q", s.Pattern)
		case "minLength":
			return fmt.Sprintf("minimum string length is %d", s.MinLength)
		case "maxLength":
			if s.MaxLength != nil {
				return fmt.Sprintf("maximum string length is %d", *s.MaxLength)
			}
		}
		return "breaks the schema's " + se.SchemaField + " rule"
	}
	if se.Reason == "" {
		return "breaks the schema's " + se.SchemaField + " rule"
	}
	return se.Reason
}
