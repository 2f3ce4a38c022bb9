package contracttests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// The second validator. kin-openapi (helpers_test.go) and
// pb33f/libopenapi-validator share no code: different YAML models,
// different JSON Schema engines. Every body the contract tests accept or
// reject is put to both, so the spec has to mean the same thing to two
// independent readers, as it must to other languages' tooling.

var (
	libOnce      sync.Once
	libValidate  validator.Validator
	libModel     *v3.Document
	libSchemas   schema_validation.SchemaValidator
	libBuildErrs error
)

// libOptions are the options both libopenapi validators use: formats
// (date-time, email, uri) are asserted, as kin-openapi asserts them, and an
// undocumented status is an error.
func libOptions() []config.Option {
	return []config.Option{config.WithFormatAssertions()}
}

// libopenapiValidator builds the libopenapi validator of the embedded spec
// once and shares it (it is safe for concurrent use).
func libopenapiValidator(t testing.TB) (validator.Validator, *v3.Document) {
	t.Helper()
	libOnce.Do(func() {
		doc, err := libopenapi.NewDocument(openapi.YAML)
		if err != nil {
			libBuildErrs = fmt.Errorf("libopenapi: parse the spec: %w", err)
			return
		}
		model, err := doc.BuildV3Model()
		if err != nil {
			libBuildErrs = fmt.Errorf("libopenapi: build the model: %w", err)
			return
		}
		libModel = &model.Model
		libValidate = validator.NewValidatorFromV3Model(libModel, libOptions()...)
		libSchemas = schema_validation.NewSchemaValidator(libOptions()...)
	})
	if libBuildErrs != nil {
		t.Fatal(libBuildErrs)
	}
	return libValidate, libModel
}

// libErrors joins libopenapi's validation errors into one error, each with
// its schema failures and their instance locations, or returns nil.
func libErrors(errs []*liberrors.ValidationError) error {
	if len(errs) == 0 {
		return nil
	}
	var b strings.Builder
	for i, e := range errs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			loc := f.FieldPath
			if loc == "" {
				loc = "/" + strings.Join(f.InstancePath, "/")
			}
			fmt.Fprintf(&b, "\n  at %s: %s", loc, f.Reason)
		}
	}
	return errors.New(b.String())
}

// concretePath fills the path template of an operation with placeholder
// values so a router can match it.
func concretePath(path string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		j := strings.IndexByte(path, '}')
		if i < 0 || j < i {
			b.WriteString(path)
			return b.String()
		}
		b.WriteString(path[:i])
		b.WriteString("value-" + path[i+1:j])
		path = path[j+1:]
	}
}

// validateResponseLib validates a response body with libopenapi-validator
// as the response of operation opID with the status, like validateResponse
// does with kin-openapi.
func validateResponseLib(t testing.TB, opID string, status int, header http.Header, body []byte) error {
	t.Helper()
	v, _ := libopenapiValidator(t)
	op := operationByID(t, opID)
	req, err := http.NewRequestWithContext(context.Background(), op.Method, apiServer+concretePath(op.Path), nil)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	h := jsonHeader(header)
	resp := &http.Response{
		StatusCode: status,
		Header:     h,
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    req,
	}
	_, errs := v.ValidateHttpResponse(req, resp)
	return libErrors(errs)
}

// validateSchemaKin validates a JSON document against the named component
// schema with kin-openapi, with the same format checks as the responses.
func validateSchemaKin(t testing.TB, name string, body []byte) error {
	t.Helper()
	ref := spec(t).Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("the spec has no schema %q", name)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, validationOptions().SchemaValidationOptions...)
	return ref.Value.VisitJSON(v, opts...)
}

// validateSchemaLib validates a JSON document against the named component
// schema with libopenapi-validator.
func validateSchemaLib(t testing.TB, name string, body []byte) error {
	t.Helper()
	_, model := libopenapiValidator(t)
	if model.Components == nil || model.Components.Schemas == nil {
		return fmt.Errorf("the spec has no component schemas")
	}
	proxy, ok := model.Components.Schemas.Get(name)
	if !ok || proxy == nil {
		return fmt.Errorf("the spec has no schema %q", name)
	}
	schema := proxy.Schema()
	if schema == nil {
		return fmt.Errorf("schema %q does not build: %v", name, proxy.GetBuildError())
	}
	_, errs := libSchemas.ValidateSchemaStringWithVersion(schema, string(body), 3.0) // the spec is OpenAPI 3.0: nullable, not type arrays
	return libErrors(errs)
}

// verdicts is what each validator said of one body.
type verdicts struct{ Kin, Lib error }

func (v verdicts) agree() bool { return (v.Kin == nil) == (v.Lib == nil) }

// validateResponseBoth validates a response with both validators.
func validateResponseBoth(t testing.TB, opID string, status int, header http.Header, body []byte) verdicts {
	t.Helper()
	return verdicts{
		Kin: validateResponse(t, opID, status, header, body),
		Lib: validateResponseLib(t, opID, status, header, body),
	}
}

// validateSchemaBoth validates a document against a component schema with
// both validators.
func validateSchemaBoth(t testing.TB, name string, body []byte) verdicts {
	t.Helper()
	return verdicts{Kin: validateSchemaKin(t, name, body), Lib: validateSchemaLib(t, name, body)}
}

// TestLibopenapiValidatorBites proves the second validator is wired to the
// spec and rejects: it accepts a seed sample as its operation's answer and
// refuses the same body once its status is removed, under an undocumented
// HTTP status, and as a component schema it does not match.
func TestLibopenapiValidatorBites(t *testing.T) {
	t.Parallel()
	seed := mustRead(t, seedConfirm)
	if err := validateResponseLib(t, "confirmPayment", 200, nil, seed); err != nil {
		t.Fatalf("libopenapi rejects the seed confirm sample: %v", err)
	}
	if err := validateSchemaLib(t, "Payment", seed); err != nil {
		t.Fatalf("libopenapi rejects the seed sample as a Payment: %v", err)
	}
	noStatus := mutate(t, seedConfirm, func(m map[string]any) { delete(m, "status") })
	if err := validateResponseLib(t, "confirmPayment", 200, nil, noStatus); err == nil || !strings.Contains(err.Error(), "status") {
		t.Errorf("libopenapi accepted a Payment without status, or did not name it: %v", err)
	}
	if err := validateResponseLib(t, "confirmPayment", 201, nil, seed); err == nil {
		t.Error("libopenapi accepted an undocumented 201")
	}
	if err := validateSchemaLib(t, "Error", seed); err == nil {
		t.Error("libopenapi accepted a Payment as an Error")
	}
	if err := validateSchemaKin(t, "Error", seed); err == nil {
		t.Error("kin-openapi accepted a Payment as an Error")
	}
	if err := validateSchemaLib(t, "NoSuchSchema", seed); err == nil {
		t.Error("validating against a schema the spec lacks must fail")
	}
}

// mustRead reads a file under the package directory.
func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestValidatorsAgreeOnEdges puts the corners of the spec where two JSON
// Schema readers could part ways to both validators: a null in a nullable
// enum, fractional seconds, an exponent amount, an integer written 0.0, an
// object sent as a string, a string over maxLength, an unknown property, a non-string
// metadata value. Each must be accepted by both or rejected by both, as
// the spec means.
func TestValidatorsAgreeOnEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		accept bool
	}{
		{"null method (nullable enum)", func(m map[string]any) { m["method"] = nil }, true},
		{"fractional seconds", func(m map[string]any) { m["approvedAt"] = "2024-01-01T00:00:00.123456+09:00" }, true},
		{"amount with an exponent", func(m map[string]any) { m["totalAmount"] = json.Number("1.5e4") }, true},
		{"integer written 0.0", func(m map[string]any) { field(m, "card")["installmentPlanMonths"] = json.Number("0.0") }, true},
		{"unknown property", func(m map[string]any) { m["somethingNew"] = map[string]any{"a": 1} }, true},
		{"receipt as a string", func(m map[string]any) { m["receipt"] = "https://dashboard.tosspayments.com/x" }, false},
		{"orderName over 100 characters", func(m map[string]any) { m["orderName"] = strings.Repeat("가", 101) }, false},
		{"metadata value not a string", func(m map[string]any) { m["metadata"] = map[string]any{"n": json.Number("1")} }, false},
		{"date without offset", func(m map[string]any) { m["requestedAt"] = "2024-01-01T00:00:00" }, false},
		{"status null", func(m map[string]any) { m["status"] = nil }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := mutate(t, seedConfirm, tt.edit)
			v := validateResponseBoth(t, "confirmPayment", 200, nil, body)
			if !v.agree() {
				t.Fatalf("the validators disagree: kin-openapi: %v\nlibopenapi-validator: %v", v.Kin, v.Lib)
			}
			if accepted := v.Kin == nil; accepted != tt.accept {
				t.Errorf("both validators %s the body, want %s:\nkin-openapi: %v\nlibopenapi-validator: %v",
					verdict(accepted), verdict(tt.accept), v.Kin, v.Lib)
			}
		})
	}
}

func verdict(accepted bool) string {
	if accepted {
		return "accept"
	}
	return "reject"
}
