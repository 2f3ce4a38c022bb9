// Package drift compares the API's answers with the spec and reports where
// they drift from it: a property the spec does not list, an enum value it
// does not know, a required property missing, a value of another type, a
// status or an error code the operation does not document.
//
// Toss adds fields, enum values and error codes without notice. The client
// reads them tolerantly and carries on; drift reports are how a team learns
// about them from its own traffic, and what to put into
// openapi/tosspayments.yaml before regenerating. The checker reads the
// embedded spec (package openapi), compiles each operation's response
// schemas once per process, and checks a body in one pass over its bytes.
//
// A report names the operation, the status, the JSON pointer and the kind
// of drift. It never carries a value from the answer (amounts, keys, card
// data, names, messages), except the unknown enum value or error code
// itself, which the spec needs, and that sanitised (see Report.Value).
//
// The checker looks at the shape of an answer: keys, types, enum values,
// statuses and codes. It does not check lengths, patterns, formats or
// minimums; the contract tests hold recorded answers to those.
//
// Use it from the client with wrapper.WithDriftReporter, on recorded
// answers with `tosspay validate`, or directly:
//
//	c, err := drift.Load()
//	for _, r := range c.Check("confirmPayment", 200, body) {
//		log.Print(r)
//	}
package drift

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

const jsonContentType = "application/json"

// Checker checks answers against the spec. It is safe for concurrent use.
type Checker struct {
	ops    map[string]*operation
	routes []route
}

// operation is what the checker knows of one operation's answers.
type operation struct {
	id string
	// byStatus holds the numeric statuses, ranges ("4XX") by their first
	// digit, and the default response.
	byStatus   map[int]*response
	byRange    map[int]*response
	fallback   *response
	documented string // the documented statuses, for a report's detail
}

type response struct {
	// body is the compiled JSON schema, nil when the response has none.
	body *node
	// codes are the error codes documented for the status (its
	// x-toss-error-codes); checked is false where the status has no
	// single number (a range or the default).
	codes   map[string]struct{}
	checked bool
}

type route struct {
	method   string
	segments []string // "" matches any one segment (a path parameter)
	literals int
	op       string
}

// Load returns the checker of the embedded spec, built once per process
// from the spec index the wrapper and the tosspay command share
// (openapi.Spec).
var Load = sync.OnceValues(func() (*Checker, error) {
	ix, err := openapi.Spec()
	if err != nil {
		return nil, err
	}
	return build(ix.Doc)
})

func build(doc *openapi3.T) (*Checker, error) {
	c := &Checker{ops: map[string]*operation{}}
	comp := &compiler{memo: map[*openapi3.Schema]*node{}}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			o := &operation{id: op.OperationID, byStatus: map[int]*response{}, byRange: map[int]*response{}}
			var statuses []string
			if op.Responses != nil {
				for key, ref := range op.Responses.Map() {
					if ref == nil || ref.Value == nil {
						continue
					}
					r := &response{}
					if mt := ref.Value.Content.Get(jsonContentType); mt != nil && mt.Schema != nil {
						n, err := comp.compile(mt.Schema)
						if err != nil {
							return nil, fmt.Errorf("drift: %s %s: %w", op.OperationID, key, err)
						}
						r.body = n
					}
					statuses = append(statuses, key)
					switch {
					case key == "default":
						o.fallback = r
					case len(key) == 3 && strings.HasSuffix(key, "XX") && key[0] >= '1' && key[0] <= '5':
						o.byRange[int(key[0]-'0')] = r
					default:
						status, err := strconv.Atoi(key)
						if err != nil {
							return nil, fmt.Errorf("drift: %s: response %q is not a status", op.OperationID, key)
						}
						if status >= 400 {
							r.checked = true
							codes := generated.DocumentedErrorCodes(op.OperationID, status)
							r.codes = make(map[string]struct{}, len(codes))
							for _, code := range codes {
								r.codes[string(code)] = struct{}{}
							}
						}
						o.byStatus[status] = r
					}
				}
			}
			sort.Strings(statuses)
			o.documented = "the operation documents " + strings.Join(statuses, ", ")
			c.ops[op.OperationID] = o
			c.routes = append(c.routes, newRoute(method, path, op.OperationID))
		}
	}
	return c, nil
}

func newRoute(method, path, op string) route {
	r := route{method: method, op: op}
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			seg = ""
		} else {
			r.literals++
		}
		r.segments = append(r.segments, seg)
	}
	return r
}

// Operation returns the operationId of a request by its method and URL
// path ("/v1/payments/confirm"), matched against the spec's paths; of two
// matching paths, the one with more literal segments wins
// ("/v1/payments/orders/{orderId}" over a parameter). The host and query
// play no part.
func (c *Checker) Operation(method, urlPath string) (string, bool) {
	segs := strings.Split(strings.Trim(urlPath, "/"), "/")
	best, bestLiterals := "", -1
	for _, r := range c.routes {
		if !strings.EqualFold(r.method, method) || len(r.segments) != len(segs) {
			continue
		}
		match := true
		for i, s := range r.segments {
			if s == "" && segs[i] == "" || s != "" && s != segs[i] {
				match = false
				break
			}
		}
		if match && r.literals > bestLiterals {
			best, bestLiterals = r.op, r.literals
		}
	}
	return best, best != ""
}

// Operations lists the spec's operationIds, sorted.
func (c *Checker) Operations() []string { return sortedKeys(c.ops) }

// Check checks one answer, the body of an operation's response with an
// HTTP status, and returns its drift, nil when there is none. It reports
// each drift once per answer, with Count 1; de-duplication across answers is
// a Recorder's job. An operationId the spec does not have gives one
// UnknownOperation report.
//
// A body that matches the spec costs one pass over its bytes, which both
// validates the JSON (as json.Valid would) and checks the schema.
func (c *Checker) Check(operationID string, status int, body []byte) []Report {
	o := c.ops[operationID]
	if o == nil {
		return []Report{{Operation: sanitise(operationID), Status: status, Kind: UnknownOperation, Detail: "the spec has no such operation", Count: 1}}
	}
	base := Report{Operation: o.id, Status: status, Count: 1}
	r := o.response(status)
	if r == nil {
		base.Kind = UndocumentedStatus
		base.Detail = o.documented
		return []Report{base}
	}
	if r.body == nil {
		return nil
	}
	var path [128]byte // the pointer's room, so that a deep one is the only one to allocate
	w := walker{data: body, path: path[:0], base: base, wantCode: r.checked, codeStart: -1, codeEnd: -1}
	w.top(r.body)
	if w.bad {
		base.Kind = NotJSON
		base.Detail = fmt.Sprintf("the spec describes %s; %d bytes that are not JSON", jsonContentType, len(body))
		return []Report{base}
	}
	if r.checked && w.codeStart >= 0 {
		var ok bool
		if w.codeEscaped {
			_, ok = r.codes[w.text(w.codeStart, w.codeEnd, true)]
		} else {
			_, ok = r.codes[string(body[w.codeStart+1:w.codeEnd-1])]
		}
		if !ok {
			w.report(UndocumentedCode, "/code", sanitise(w.text(w.codeStart, w.codeEnd, w.codeEscaped)),
				fmt.Sprintf("not among the codes the spec documents for %s %d (%d)", o.id, status, len(r.codes)))
		}
	}
	return w.out
}

// response is the operation's documented response for status: the status
// itself, its range ("4XX"), else the default; nil when none.
func (o *operation) response(status int) *response {
	r := o.byStatus[status]
	if r == nil && status >= 100 && status < 600 {
		r = o.byRange[status/100]
	}
	if r == nil {
		r = o.fallback
	}
	return r
}

// MissingRequired returns the first property the spec requires at the top
// of the operation's answer with that status that body lacks, "" when none
// is (or the answer is not a JSON object). It reads the top level only,
// skipping each value with the walker's scanner: what a client checks of
// every answer it accepts, for a fraction of Check's cost.
func (c *Checker) MissingRequired(operationID string, status int, body []byte) string {
	o := c.ops[operationID]
	if o == nil {
		return ""
	}
	r := o.response(status)
	if r == nil || r.body == nil || len(r.body.required) == 0 {
		return ""
	}
	n := r.body
	w := walker{data: body}
	w.skipSpace()
	if w.peek() != '{' {
		return ""
	}
	w.pos++
	seen := make([]bool, len(n.required))
	w.skipSpace()
	for w.peek() != '}' && !w.bad {
		kstart := w.pos
		if !w.key() {
			return ""
		}
		kend, escaped, _ := w.scanString(kstart)
		name := string(w.data[kstart+1 : kend-1])
		if escaped {
			name = w.text(kstart, kend, true)
		}
		if p, ok := n.props[name]; ok && p.req >= 0 {
			seen[p.req] = true
		}
		w.skip()
		if w.next('}') {
			break
		}
		w.skipSpace()
	}
	if w.bad {
		return ""
	}
	for i, name := range n.required {
		if !seen[i] {
			return name
		}
	}
	return ""
}
