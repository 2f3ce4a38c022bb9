package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// spec is what the sandbox reads from openapi/tosspayments.yaml: the router
// used for validation, and for each operation the status of each documented
// error code (x-toss-error-codes, through generated.DocumentedErrorCodes).
type spec struct {
	doc     *openapi3.T
	router  routers.Router
	methods []string
	// statuses[operationID][code] is the lowest status documenting code.
	statuses map[string]map[generated.ErrorCode]int
	// responses[operationID] lists the statuses the operation documents.
	responses map[string][]int
}

func loadSpec() (*spec, error) {
	// The process's one parsed document (openapi.Spec), in a shallow copy
	// without its servers: the router must match any host (httptest,
	// 127.0.0.1), and the servers list names the real API host. Nothing
	// else of the shared document is modified.
	ix, err := openapi.Spec()
	if err != nil {
		return nil, err
	}
	shallow := *ix.Doc
	shallow.Servers = nil
	doc := &shallow
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("sandbox: build router: %w", err)
	}
	s := &spec{doc: doc, router: router, statuses: map[string]map[generated.ErrorCode]int{}, responses: map[string][]int{}}
	for _, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !slices.Contains(s.methods, method) {
				s.methods = append(s.methods, method)
			}
			codes := map[generated.ErrorCode]int{}
			for status := range op.Responses.Map() {
				n, err := strconv.Atoi(status)
				if err != nil {
					continue
				}
				s.responses[op.OperationID] = append(s.responses[op.OperationID], n)
				for _, c := range generated.DocumentedErrorCodes(op.OperationID, n) {
					if old, ok := codes[c]; !ok || n < old {
						codes[c] = n
					}
				}
			}
			s.statuses[op.OperationID] = codes
		}
	}
	slices.Sort(s.methods)
	return s, nil
}

// status returns the documented status of code for the operation, and
// whether the spec documents it there.
func (s *spec) status(operationID string, code generated.ErrorCode) (int, bool) {
	n, ok := s.statuses[operationID][code]
	return n, ok
}

// documents reports whether the spec lists status among the responses of
// the operation.
func (s *spec) documents(operationID string, status int) bool {
	return slices.Contains(s.responses[operationID], status)
}

// allowed lists the methods the spec allows on r's path, for a 405.
func (s *spec) allowed(r *http.Request) []string {
	var out []string
	for _, m := range s.methods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, _, err := s.find(probe); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// find routes r to its operation. A path parameter never matches an empty
// segment ("GET /v1/payments" is not a look-up of the key "").
func (s *spec) find(r *http.Request) (*routers.Route, map[string]string, error) {
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range params {
		if v == "" {
			return nil, nil, &routers.RouteError{Reason: routers.ErrPathNotFound.Error()}
		}
	}
	return route, params, nil
}

// maxLength returns the maxLength the document gives property of the
// named schema.
func (s *spec) maxLength(schema, property string) (int, error) {
	sr := s.doc.Components.Schemas[schema]
	if sr == nil || sr.Value == nil || sr.Value.Properties[property] == nil || sr.Value.Properties[property].Value == nil ||
		sr.Value.Properties[property].Value.MaxLength == nil {
		return 0, fmt.Errorf("sandbox: the document gives %s.%s no maxLength", schema, property)
	}
	return int(*sr.Value.Properties[property].Value.MaxLength), nil
}
