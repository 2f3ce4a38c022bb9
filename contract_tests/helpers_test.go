package contracttests

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// apiServer is the server of the spec; requests the tests build and route
// use it so the router matches them.
const apiServer = "https://api.tosspayments.com"

// spec returns the embedded document, loaded once and shared (read only).
func spec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := openapi.Load()
	if err != nil {
		t.Fatalf("load the spec: %v", err)
	}
	return doc
}

var (
	routerOnce sync.Once
	router     routers.Router
	routerErr  error
)

// specRouter routes a request to its operation in the spec.
func specRouter(t testing.TB) routers.Router {
	t.Helper()
	doc := spec(t)
	routerOnce.Do(func() { router, routerErr = legacy.NewRouter(doc) })
	if routerErr != nil {
		t.Fatalf("build the router: %v", routerErr)
	}
	return router
}

// operation is one operation of the spec.
type operation struct {
	ID       string
	Method   string
	Path     string
	PathItem *openapi3.PathItem
	Op       *openapi3.Operation
}

// operations lists the spec's operations, sorted by operationId.
func operations(t testing.TB) []operation {
	t.Helper()
	doc := spec(t)
	var ops []operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				t.Fatalf("%s %s has no operationId", method, path)
			}
			ops = append(ops, operation{ID: op.OperationID, Method: method, Path: path, PathItem: item, Op: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	return ops
}

// operationByID returns the operation with that operationId.
func operationByID(t testing.TB, id string) operation {
	t.Helper()
	for _, op := range operations(t) {
		if op.ID == id {
			return op
		}
	}
	t.Fatalf("the spec has no operation %q", id)
	return operation{}
}

// declaredStatuses returns the statuses an operation documents, sorted.
func declaredStatuses(t testing.TB, op operation) []int {
	t.Helper()
	var out []int
	for code := range op.Op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil {
			t.Fatalf("%s: response %q is not a plain status code; the contract tests need one fixture per status", op.ID, code)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// validationOptions are the openapi3filter options every check uses:
// undocumented statuses fail, all problems are reported at once, and the
// formats the spec uses (date-time, email, uri) are enforced.
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    checkBasicAuth,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.EnableFormatValidation(),
			openapi3.WithStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail)),
			openapi3.WithStringFormatValidator("uri", uriValidator{}),
		},
	}
}

// uriValidator accepts absolute URIs (a scheme and something after it).
type uriValidator struct{}

func (uriValidator) Validate(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return fmt.Errorf("%q is not an absolute URI", s)
	}
	return nil
}

// validateResponse validates a response body against the operation opID
// and the status, as the real API would have sent it.
func validateResponse(t testing.TB, opID string, status int, header http.Header, body []byte) error {
	t.Helper()
	op := operationByID(t, opID)
	route := &routers.Route{
		Spec:      spec(t),
		Path:      op.Path,
		PathItem:  op.PathItem,
		Method:    op.Method,
		Operation: op.Op,
	}
	req, err := http.NewRequest(op.Method, apiServer+op.Path, nil)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	h := jsonHeader(header)
	opts := validationOptions()
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts},
		Status:                 status,
		Header:                 h,
		Options:                opts,
	}
	input.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), input)
}

// validateRequest routes req to its operation and validates it, body
// included. It returns the operationId it matched.
func validateRequest(t testing.TB, req *http.Request, body []byte) (string, error) {
	t.Helper()
	route, params, err := specRouter(t).FindRoute(req)
	if err != nil {
		return "", fmt.Errorf("no operation for %s %s: %w", req.Method, req.URL, err)
	}
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options:    validationOptions(),
	})
	return route.Operation.OperationID, err
}

// fixture is one response body under testdata/.
type fixture struct {
	Path   string // relative to testdata/, for messages
	OpID   string
	Status int
	Name   string
	Body   []byte
}

func (f fixture) isSuccess() bool { return f.Status >= 200 && f.Status < 300 }

// parseFixtureName reads "<operationId>.<status>[.<name>].json".
func parseFixtureName(base string) (opID string, status int, name string, err error) {
	stem, ok := strings.CutSuffix(base, ".json")
	if !ok {
		return "", 0, "", fmt.Errorf("%s: not a .json file", base)
	}
	parts := strings.SplitN(stem, ".", 3)
	if len(parts) < 2 || parts[0] == "" {
		return "", 0, "", fmt.Errorf("%s: want <operationId>.<status>[.<name>].json", base)
	}
	status, err = strconv.Atoi(parts[1])
	if err != nil || status < 100 || status > 599 {
		return "", 0, "", fmt.Errorf("%s: %q is not an HTTP status", base, parts[1])
	}
	if len(parts) == 3 {
		name = parts[2]
	}
	return parts[0], status, name, nil
}

// loadFixtures reads every fixture under dir (testdata/ in the tests),
// except the real corpus under dir/real, which is indexed instead of named.
func loadFixtures(t testing.TB, dir string) []fixture {
	t.Helper()
	var out []fixture
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// A directory with an index.yaml (testdata/real/...) describes its
			// bodies there, schema included; they are not named fixtures.
			if _, err := os.Stat(filepath.Join(path, "index.yaml")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Ext(path) != ".json" {
			return nil
		}
		opID, status, name, err := parseFixtureName(d.Name())
		if err != nil {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, fixture{Path: filepath.ToSlash(rel), OpID: opID, Status: status, Name: name, Body: body})
		return nil
	})
	if err != nil {
		t.Fatalf("load fixtures: %v", err)
	}
	if len(out) == 0 {
		t.Fatalf("no fixtures under %s", dir)
	}
	return out
}

// decodeTree decodes one JSON value keeping numbers as written.
func decodeTree(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// successTypes maps an operation whose 2xx answer is not a Payment to the
// generated type of that answer; nil for an operation whose 2xx has no body
// the spec describes. Every other operation answers a Payment.
var successTypes = map[string]func() any{
	"issueBillingKey":         func() any { return new(generated.Billing) },
	"issueBillingKeyWithCard": func() any { return new(generated.Billing) },
	"deleteBillingKey":        nil,
}

// answerTarget is the generated type an answer of opID with status decodes
// into: the operation's success type for a 2xx, Error otherwise; nil when
// the spec describes no body.
func answerTarget(opID string, status int) any {
	if status < 200 || status >= 300 {
		return new(generated.Error)
	}
	mk, ok := successTypes[opID]
	switch {
	case !ok:
		return new(generated.Payment)
	case mk == nil:
		return nil
	}
	return mk()
}

// roundTrip decodes body into the generated type of opID's answer with
// status and encodes it again. A body the spec does not describe comes back
// as it was.
func roundTrip(opID string, status int, body []byte) (decoded any, reencoded []byte, err error) {
	target := answerTarget(opID, status)
	if target == nil {
		return nil, body, nil
	}
	if err := json.Unmarshal(body, target); err != nil {
		return nil, nil, fmt.Errorf("decode into %T: %w", target, err)
	}
	out, err := json.Marshal(target)
	return target, out, err
}

// roundTripDiffs returns what re-encoding through the generated types lost
// or changed, one line per difference.
func roundTripDiffs(opID string, status int, body []byte) ([]string, error) {
	orig, err := decodeTree(body)
	if err != nil {
		return nil, fmt.Errorf("fixture is not JSON: %w", err)
	}
	_, out, err := roundTrip(opID, status, body)
	if err != nil {
		return nil, err
	}
	got, err := decodeTree(out)
	if err != nil {
		return nil, fmt.Errorf("re-encoded body is not JSON: %w", err)
	}
	return diffTrees("$", orig, got), nil
}

// diffTrees compares two JSON trees decoded with UseNumber. Numbers must be
// written the same (726.24 stays 726.24, 0.0 stays 0.0). A key whose value
// is null in want may be absent from got; a key absent from want may come
// back null or as the zero value of its type ("", false, 0), which is how the
// generated types write an optional property they keep as a value (the
// README's "absent or zero"); nothing else may differ.
func diffTrees(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: object became %s", path, describe(got))}
		}
		var diffs []string
		for _, k := range sortedKeys(w) {
			gv, ok := g[k]
			if !ok {
				if w[k] == nil {
					continue // tolerated: null → absent
				}
				diffs = append(diffs, fmt.Sprintf("%s.%s: lost on re-encoding: drift, field not in the spec (value %s)", path, k, describe(w[k])))
				continue
			}
			diffs = append(diffs, diffTrees(path+"."+k, w[k], gv)...)
		}
		for _, k := range sortedKeys(g) {
			if _, ok := w[k]; !ok && !isZeroJSON(g[k]) {
				diffs = append(diffs, fmt.Sprintf("%s.%s: added by re-encoding (value %s)", path, k, describe(g[k])))
			}
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: array became %s", path, describe(got))}
		}
		if len(w) != len(g) {
			return []string{fmt.Sprintf("%s: array of %d became %d", path, len(w), len(g))}
		}
		var diffs []string
		for i := range w {
			diffs = append(diffs, diffTrees(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return diffs
	case json.Number:
		if g, ok := got.(json.Number); !ok || g != w {
			return []string{fmt.Sprintf("%s: number %s became %s", path, w, describe(got))}
		}
	default: // string, bool, nil
		if want != got {
			return []string{fmt.Sprintf("%s: %s became %s", path, describe(want), describe(got))}
		}
	}
	return nil
}

// isZeroJSON reports whether v is null, "", false or the number 0.
func isZeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case json.Number:
		return x == "0"
	}
	return false
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "number " + v.String()
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprint(v)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// errorCodesOf returns the x-toss-error-codes list of a response.
func errorCodesOf(resp *openapi3.Response) ([]string, error) {
	codes, ok, err := codeList(resp.Extensions, "x-toss-error-codes")
	if err == nil && !ok {
		err = errors.New("no x-toss-error-codes")
	}
	return codes, err
}

// codeList reads the extension name as a list of error codes; ok is false
// when the extension is absent.
func codeList(ext map[string]any, name string) (codes []string, ok bool, err error) {
	raw, ok := ext[name]
	if !ok {
		return nil, false, nil
	}
	list, isList := raw.([]any)
	if !isList {
		return nil, true, fmt.Errorf("%s is %T, want a list", name, raw)
	}
	codes = make([]string, 0, len(list))
	for _, c := range list {
		s, isString := c.(string)
		if !isString {
			return nil, true, fmt.Errorf("%s holds %v (%T), want strings", name, c, c)
		}
		codes = append(codes, s)
	}
	return codes, true, nil
}

// jsonHeader is a copy of an answer's header with a JSON Content-Type when it
// has none, as both validators need one to pick the media type.
func jsonHeader(header http.Header) http.Header {
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return h
}

// sandboxWithWebhookSink starts an in-process sandbox and a server that
// answers every webhook 200, registers that server (over HTTP) as the
// webhook endpoint of sandbox.TestSecretKey, and stops both (the sandbox's
// webhooks closed) when the test ends.
func sandboxWithWebhookSink(t *testing.T, opts ...sandbox.Option) (*sandbox.Sandbox, *httptest.Server, *httptest.Server) {
	t.Helper()
	sb, err := sandbox.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	hooks := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(func() {
		hooks.Close()
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sb.CloseWebhooks(ctx)
	})
	req, _ := http.NewRequest("PUT", srv.URL+sandbox.WebhookEndpointPath, strings.NewReader(`{"url":"`+hooks.URL+`"}`))
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(sandbox.TestSecretKey+":")))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("webhook endpoint: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook endpoint: %d %s", resp.StatusCode, b)
	}
	return sb, srv, hooks
}
