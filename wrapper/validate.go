package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// wrappedOperations lists the spec operations the client wraps; the contract
// tests hold it to the spec. Paths, methods and parameter names are read from
// the spec, not restated here.
var wrappedOperations = []string{openapi.OpCreatePayment, openapi.OpConfirmPayment, openapi.OpCancelPayment, openapi.OpKeyInPayment, openapi.OpGetPayment, openapi.OpGetPaymentByOrderID}

// specOp is what the client knows of one operation, all of it from the spec.
type specOp struct {
	id     string
	method string
	// params are the operation's path and header parameters, and body its
	// request body (nil for a GET): what validate checks.
	params    []*openapi3.Parameter
	body      *openapi3.RequestBody
	pathParam string // the name of the operation's path parameter, if any
	// required are the keys the spec requires of the 2xx answer's body.
	required *requiredSet
	// fastParams (one per params entry) and fastBody are the schemas
	// compiled for the fast path of validate; nil where it does not apply.
	fastParams []*fastSchema
	fastBody   *fastSchema
	// visit are the options kin-openapi validates with: a request's
	// values, with the document's string formats (such as "uri").
	visit []openapi3.SchemaValidationOption
}

// specIndex maps operationIds to their routes. It is built once per process
// from the embedded document, which is immutable, and shared read-only.
var specIndex = sync.OnceValues(func() (map[string]*specOp, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	ops := make(map[string]*specOp, len(wrappedOperations))
	for _, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			so := &specOp{
				id:       op.OperationID,
				method:   method,
				required: newRequiredSet(successRequired(op)),
				visit:    append(doc.GetSchemaValidationOptions(), openapi3.VisitAsRequest()),
			}
			for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range params {
					if p.Value == nil {
						continue
					}
					switch p.Value.In {
					case openapi3.ParameterInPath:
						so.pathParam = p.Value.Name
						so.params = append(so.params, p.Value)
					case openapi3.ParameterInHeader:
						so.params = append(so.params, p.Value)
					default:
						return nil, fmt.Errorf("wrapper: %s: %s parameters are not supported", op.OperationID, p.Value.In)
					}
				}
			}
			if op.RequestBody != nil {
				so.body = op.RequestBody.Value
				if mt := so.body.Content.Get(jsonContentType); mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
					return nil, fmt.Errorf("wrapper: %s: no %s request schema", op.OperationID, jsonContentType)
				}
			}
			for _, p := range so.params {
				var f *fastSchema
				if p.Schema != nil && p.Content == nil {
					f = compileFast(p.Schema.Value, 0)
				}
				so.fastParams = append(so.fastParams, f)
			}
			if so.body != nil {
				so.fastBody = compileFast(so.body.Content.Get(jsonContentType).Schema.Value, 0)
			}
			ops[op.OperationID] = so
		}
	}
	for _, id := range wrappedOperations {
		if ops[id] == nil {
			return nil, fmt.Errorf("wrapper: the spec has no operation %q", id)
		}
	}
	return ops, nil
})

var missingProperty = regexp.MustCompile(`^property "([^"]+)" is missing$`)

// param returns the operation's parameter in (path or header) named name.
func (op *specOp) param(in, name string) *openapi3.Parameter {
	for _, p := range op.params {
		if p.In == in && p.Name == name {
			return p
		}
	}
	return nil
}

// validate checks what the caller controls, the path value, the header
// parameters of req and the JSON body, against the operation's schemas in
// the spec. It returns a *ValidationError naming the field and the rule,
// never the value. (Authentication is the transport's job, and the wrapper
// builds the method, path and content type itself.) It checks the schemas
// directly rather than through openapi3filter.ValidateRequest, which parses
// the whole request again: a third of the cost, the same rules. A value the
// compiled fast path (fastSchema) confirms is valid skips kin-openapi; any
// other goes through it, which decides and describes the failure.
func validate(op *specOp, header http.Header, body []byte, pathValue string) error {
	for i, p := range op.params {
		value, present := pathValue, true
		if p.In == openapi3.ParameterInHeader {
			value = header.Get(p.Name)
			present = value != ""
		}
		if !present {
			if p.Required {
				return describe(op.id, &openapi3filter.RequestError{Parameter: p, Err: openapi3filter.ErrInvalidRequired})
			}
			continue
		}
		if p.Schema == nil || p.Schema.Value == nil || op.fastParams[i] != nil && op.fastParams[i].validParam(value) {
			continue
		}
		if err := p.Schema.Value.VisitJSON(value, op.visit...); err != nil {
			return describe(op.id, &openapi3filter.RequestError{Parameter: p, Err: err})
		}
	}
	if op.body == nil {
		return nil
	}
	if len(body) == 0 {
		if op.body.Required {
			return describe(op.id, &openapi3filter.RequestError{RequestBody: op.body, Err: openapi3filter.ErrInvalidRequired})
		}
		return nil
	}
	if op.fastBody != nil && op.fastBody.validJSON(body) {
		return nil
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return describe(op.id, &openapi3filter.RequestError{RequestBody: op.body, Reason: "the body is not JSON"})
	}
	schema := op.body.Content.Get(jsonContentType).Schema.Value
	if err := schema.VisitJSON(value, op.visit...); err != nil {
		return describe(op.id, &openapi3filter.RequestError{RequestBody: op.body, Err: err})
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
