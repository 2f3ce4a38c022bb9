package wrapper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/tosspayments-go/tosspayments-go/drift"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// specOp is an operation of the spec's one index (paths, methods and
// parameters are read from it, not restated here) and how to validate it.
type specOp struct {
	*openapi.Operation
	route *routers.Route
	opts  *openapi3filter.Options
}

// specOps returns the spec's operations by operationId (the client wraps
// every one), built once per process. kin-openapi validates them against a
// shallow copy of the document without its security requirements (the client
// adds the credentials after validation), writing no defaults into the body.
var specOps = sync.OnceValues(func() (map[string]*specOp, error) {
	ix, err := openapi.Spec()
	if err != nil {
		return nil, err
	}
	if _, err := drift.Load(); err != nil { // the answers' required keys
		return nil, err
	}
	unsecured := *ix.Doc
	unsecured.Security = nil
	opts := &openapi3filter.Options{SkipSettingDefaults: true, SchemaValidationOptions: ix.Doc.GetSchemaValidationOptions()}
	ops := map[string]*specOp{}
	for _, o := range ix.Operations() {
		ops[o.ID] = &specOp{o, &routers.Route{Spec: &unsecured, Path: o.Path, PathItem: o.PathItem, Method: o.Method, Operation: o.Op}, opts}
	}
	return ops, nil
})

var missingProperty = regexp.MustCompile(`^property "([^"]+)" is missing$`)

// validate checks a request as built and edited against its operation with
// kin-openapi's openapi3filter (pathValue is the path parameter's value).
// Its error names the field and the rule, never the value.
func validate(ctx context.Context, op *specOp, req *http.Request, pathValue string) error {
	in := &openapi3filter.RequestValidationInput{Request: req, Route: op.route, Options: op.opts}
	if op.PathParam != "" {
		in.PathParams = map[string]string{op.PathParam: pathValue}
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return describe(op.ID, err)
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

// sensitiveGoType is the x-go-type the spec gives card and personal data:
// the spec, not this package, says which fields are sensitive.
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
	} else if se.Reason != "" {
		return se.Reason
	}
	return "breaks the schema's " + se.SchemaField + " rule"
}
