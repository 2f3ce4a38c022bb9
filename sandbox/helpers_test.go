package sandbox_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// t0 is the fake clock's start: 2024-03-01 12:00 KST.
var t0 = time.Date(2024, 3, 1, 3, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	sb    *sandbox.Sandbox
	srv   *httptest.Server
	clock *sandbox.FakeClock
	key   string
	hc    *http.Client
}

// setup starts a sandbox behind a middleware that fails the test on any
// response that does not match the spec.
func setup(t *testing.T, opts ...sandbox.Option) *env {
	t.Helper()
	clock := sandbox.NewFakeClock(t0)
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithClock(clock), sandbox.WithSeed(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(validating(t, sb.Handler()))
	t.Cleanup(srv.Close)
	hc := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &env{t: t, sb: sb, srv: srv, clock: clock, key: sandbox.TestSecretKey, hc: hc}
}

var (
	specRouter routers.Router
	specDoc    *openapi3.T
)

func init() {
	doc, err := openapi.Parse()
	if err != nil {
		panic(err)
	}
	doc.Servers = nil
	specDoc = doc
	specRouter, err = legacy.NewRouter(doc)
	if err != nil {
		panic(err)
	}
}

// validating checks every response of a spec operation with kin-openapi's
// ValidateResponse (status documented, headers, body schema), checks that an
// error's code is listed in that response's x-toss-error-codes, and checks
// that every response carries a trace ID.
func validating(t *testing.T, h http.Handler) http.Handler {
	return validatingWith(t.Errorf, h)
}

func validatingWith(errorf func(string, ...any), h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())

		if rec.Header().Get(sandbox.TraceHeader) == "" {
			errorf("%s %s: no %s header", r.Method, r.URL.Path, sandbox.TraceHeader)
		}
		if strings.HasPrefix(r.URL.Path, "/sandbox/") || strings.HasPrefix(r.URL.Path, "/openapi.") {
			return
		}
		route, params, err := specRouter.FindRoute(r)
		// kin-openapi's router is lenient where the API is not: a trailing
		// slash, an unclean path or an empty path value names no operation.
		if err == nil && (path.Clean(r.URL.Path) != r.URL.Path || slices.Contains(slices.Collect(maps.Values(params)), "")) {
			err = errors.New("no operation")
		}
		if err != nil {
			// 404 and 405: no operation to validate against; still Toss-shaped.
			var e generated.Error
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Code == "" || e.Message == "" {
				errorf("%s %s: %d answer is not a Toss error: %s", r.Method, r.URL.Path, rec.Code, rec.Body)
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		err = openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in,
			Status:                 rec.Code,
			Header:                 rec.Header(),
			Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		})
		if err != nil {
			errorf("%s %s: response does not match the spec: %v\n%s", r.Method, r.URL.Path, err, rec.Body)
			return
		}
		if rec.Code >= 400 {
			var e generated.Error
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			resp := route.Operation.Responses.Status(rec.Code)
			codes, _ := resp.Value.Extensions["x-toss-error-codes"].([]any)
			if !slices.Contains(codes, any(string(e.Code))) {
				errorf("%s %s: code %s is not documented for status %d of %s", r.Method, r.URL.Path, e.Code, rec.Code, route.Operation.OperationID)
			}
		}
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func basic(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))
}

// do sends a request with the env's key; headers are name, value pairs.
func (e *env) do(method, path string, body any, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", basic(e.key))
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "<none>" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// answer200 sends a request as e.do does, expects 200 and returns the
// answer decoded as a T.
func answer200[T any](e *env, method, path string, body any, headers ...string) T {
	e.t.Helper()
	resp, b := e.do(method, path, body, headers...)
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s %s: status %d, want 200: %s", method, path, resp.StatusCode, b)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		e.t.Fatalf("%s %s: decode: %v", method, path, err)
	}
	return v
}

// ok expects a 200 Payment.
func (e *env) ok(method, path string, body any, headers ...string) generated.Payment {
	e.t.Helper()
	return answer200[generated.Payment](e, method, path, body, headers...)
}

// fails expects an error with status and code, and returns its message.
func (e *env) fails(status int, code generated.ErrorCode, method, path string, body any, headers ...string) string {
	e.t.Helper()
	resp, b := e.do(method, path, body, headers...)
	var er generated.Error
	_ = json.Unmarshal(b, &er)
	if resp.StatusCode != status || er.Code != code {
		e.t.Fatalf("%s %s: got %d %s, want %d %s: %s", method, path, resp.StatusCode, er.Code, status, code, b)
	}
	return er.Message
}

func createBody(orderID string, amount int) map[string]any {
	return map[string]any{"method": "CARD", "amount": amount, "orderId": orderID, "orderName": "Toss T-shirts", "returnUrl": "http://localhost:8080/return"}
}

func keyInBody(orderID string, amount int, card string) map[string]any {
	return map[string]any{"amount": amount, "orderId": orderID, "orderName": "Toss T-Shirts", "cardNumber": card,
		"cardExpirationYear": "29", "cardExpirationMonth": "07", "customerIdentityNumber": "881212"}
}

// approve POSTs result=approve to the checkout page and returns the redirect.
func (e *env) checkout(p generated.Payment, result string) *http.Response {
	e.t.Helper()
	resp, err := e.hc.PostForm(*p.Checkout.URL, map[string][]string{"result": {result}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// paid runs create, approve and confirm and returns the DONE payment.
func (e *env) paid(orderID string, amount int) generated.Payment {
	e.t.Helper()
	p := e.ok("POST", "/v1/payments", createBody(orderID, amount))
	if resp := e.checkout(p, "approve"); resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("checkout: status %d", resp.StatusCode)
	}
	return e.ok("POST", "/v1/payments/confirm", map[string]any{"paymentKey": p.PaymentKey, "orderId": orderID, "amount": amount})
}
