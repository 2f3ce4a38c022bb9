package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// validate checks the request against the spec with kin-openapi.
func (s *Sandbox) validate(next http.Handler) http.Handler {
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := routeOf(r)
		op := rt.route.Operation.OperationID
		lang := langOf(r)
		if detail := badText(rt.body); detail != "" {
			s.writeOp(w, op, generated.ErrorCodeInvalidRequest, lang, detail)
			return
		}
		if detail := badIdempotencyKey(r); detail != "" {
			s.writeOp(w, op, generated.ErrorCodeInvalidIdempotencyKey, lang, detail)
			return
		}
		err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
			Request: r, PathParams: rt.params, Route: rt.route, Options: opts,
		})
		if err != nil {
			code, detail := generated.ErrorCodeInvalidRequest, describe(err)
			var re *openapi3filter.RequestError
			if errors.As(err, &re) && re.Parameter != nil {
				switch {
				case re.Parameter.In == openapi3.ParameterInHeader && re.Parameter.Name == "Idempotency-Key":
					code = generated.ErrorCodeInvalidIdempotencyKey
				case re.Parameter.In == openapi3.ParameterInPath:
					// No payment can have such a key or order ID.
					if _, ok := s.spec.status(op, generated.ErrorCodeNotFoundPayment); ok {
						code = generated.ErrorCodeNotFoundPayment
					}
				}
			}
			s.writeOp(w, op, code, lang, detail)
			return
		}
		if tc := r.Header.Get("TossPayments-Test-Code"); tc != "" {
			if _, ok := s.spec.status(op, generated.ErrorCode(tc)); !ok {
				s.writeOp(w, op, generated.ErrorCodeInvalidTestCode, lang,
					fmt.Sprintf("header TossPayments-Test-Code: %q is not an error code documented for %s (rule: x-toss-error-codes).", tc, op))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// badText says why a JSON body is not text the API takes, or returns "".
// Go's JSON decoder would turn invalid UTF-8, and an escaped lone surrogate
// such as "\ud800", into U+FFFD and store that; the API refuses both.
func badText(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	if !utf8.Valid(body) {
		return "body: not valid UTF-8 (rule: JSON text is UTF-8, RFC 8259)."
	}
	// Only a string that decodes to U+FFFD the body does not spell out can
	// hide a lone surrogate.
	if bytes.Contains(body, []byte("\\u")) && !bytes.Contains(body, []byte("\uFFFD")) && !bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`)) {
		var v any
		if json.Unmarshal(body, &v) == nil && hasReplacement(v) {
			return "body: a string escapes a lone UTF-16 surrogate, which is not a character (rule: JSON text is Unicode, RFC 8259)."
		}
	}
	return ""
}

func hasReplacement(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, utf8.RuneError)
	case []any:
		for _, e := range v {
			if hasReplacement(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, utf8.RuneError) || hasReplacement(e) {
				return true
			}
		}
	}
	return false
}

// badIdempotencyKey says why the Idempotency-Key of a POST is not one the
// sandbox takes, or returns "": sent twice, or with a byte that is not
// printable ASCII (a tab, a control character, a byte over 0x7E). net/http
// itself refuses, before any handler, a header with CR, LF, NUL or another
// control character other than tab (see docs/reliability.md).
func badIdempotencyKey(r *http.Request) string {
	if r.Method != http.MethodPost {
		return ""
	}
	vs := r.Header.Values("Idempotency-Key")
	if len(vs) > 1 {
		return "header Idempotency-Key: sent more than once."
	}
	if len(vs) == 0 {
		return ""
	}
	for i := 0; i < len(vs[0]); i++ {
		if c := vs[0][i]; c < 0x20 || c > 0x7e {
			return fmt.Sprintf("header Idempotency-Key: byte %d is 0x%02X; a key is printable ASCII (rule: printable ASCII).", i, c)
		}
	}
	return ""
}

// describe names the field and the rule a validation error is about.
func describe(err error) string {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return err.Error()
	}
	where := ""
	switch {
	case re.Parameter != nil:
		where = re.Parameter.In + " " + re.Parameter.Name
	case re.RequestBody != nil:
		where = "body"
	}
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		if p := se.JSONPointer(); len(p) > 0 {
			if where == "body" {
				where = strings.Join(p, ".")
			} else {
				where += "." + strings.Join(p, ".")
			}
		}
		reason := se.Reason
		if reason == "" {
			reason = "does not match the schema"
		}
		return fmt.Sprintf("%s: %s (rule: %s).", where, reason, se.SchemaField)
	}
	reason := re.Reason
	if re.Err != nil {
		if reason != "" {
			reason += ": "
		}
		reason += re.Err.Error()
	}
	if where == "" {
		return reason + "."
	}
	return where + ": " + reason + "."
}
