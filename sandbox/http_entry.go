package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/routers"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// TraceHeader carries the trace ID on every response.
const TraceHeader = "X-TossPayments-Trace-Id"

// ReplayHeader is set to "true" on a response replayed for an idempotency key.
const ReplayHeader = "X-Sandbox-Idempotent-Replay"

// maxSecretKeyLength is the longest secret key accepted.
const maxSecretKeyLength = 200

type ctxKey int

const (
	callerKey ctxKey = iota
	delayKey
)

// pipeline is the API's middleware, outermost first. A request to /v1 is
// answered by these layers in this order; this comment is the one place
// the order is written down:
//
//  0. entry (buildHandler's handler, before any layer): the trace id on
//     every response; a non-canonical path is 404; the browser pages, the
//     spec and the sandbox's own /sandbox/v1 endpoints branch off here.
//  1. route: the operation of the spec (404, 405) and the body cap (413),
//     before anything is stored.
//  2. auth: Basic base64(key + ":"), test keys only; the key's request rate.
//  3. activity: the call log of the key (without bodies).
//  4. faults: X-Sandbox-Fault, X-Sandbox-Webhook-Fault or the dice.
//  5. validate: the request against the spec (400 INVALID_REQUEST naming
//     the field and the rule).
//  6. idempotency: the first answer of a key replayed for 15 days; 409
//     while in flight.
//  7. newcomers: a key the sandbox holds nothing for waits for one of a
//     few slots (half the cores) while its handler runs.
//  8. the generated strict handler, then server (the adapter to Store),
//     then the rules of package payments.
type pipeline []func(http.Handler) http.Handler

// then wraps h in p's layers, p[0] outermost.
func (p pipeline) then(h http.Handler) http.Handler {
	for i := len(p) - 1; i >= 0; i-- {
		h = p[i](h)
	}
	return h
}

// buildHandler assembles the entry and the pipeline (see pipeline).
func (s *Sandbox) buildHandler() http.Handler {
	strict := generated.NewStrictHandlerWithOptions(&server{st: s.Store, spec: s.spec}, nil, generated.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r), "body: "+err.Error())
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeError(w, http.StatusInternalServerError, generated.ErrorCodeFailedInternalSystemProcessing, langOf(r), "")
		},
	})
	apiMux := http.NewServeMux()
	api := generated.HandlerWithOptions(strict, generated.StdHTTPServerOptions{
		BaseRouter: apiMux,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r), err.Error())
		},
	})
	apiChain := pipeline{s.auth, s.activity, s.faults, s.validate, s.idempotency, s.newcomers}.then(api)

	specJSON, _ := specAsJSON()
	mux := http.NewServeMux()
	mux.HandleFunc("/openapi.yaml", s.static("application/yaml", openapi.YAML))
	mux.HandleFunc("/openapi.json", s.static("application/json", specJSON))
	// The browser pages live outside the API's namespace: under /v1 they
	// would shadow look-ups such as GET /v1/payments/orders/checkout.
	mux.HandleFunc(checkoutPath+"{paymentKey}", s.checkout)
	mux.HandleFunc(receiptPath+"{paymentKey}", s.receipt)
	mux.HandleFunc(billingAuthPath, s.billingAuth)
	mux.HandleFunc(dashboardPath, s.dashList)
	mux.HandleFunc(loginPath, s.dashLogin)
	mux.HandleFunc(logoutPath, s.dashLogout)
	mux.HandleFunc(paymentsPath+"{paymentKey}", s.dashPaymentPage)
	mux.HandleFunc(paymentsPath+"{paymentKey}/{action}", s.dashPaymentPage)
	s.sandboxAPI(mux)
	mux.Handle("/", s.route(apiMux, apiChain)) // route is the pipeline's first layer
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(TraceHeader, s.newTraceID())
		// A path that is not canonical (a trailing slash, "//", "." or
		// "..") names no endpoint: answer as the API does, where
		// http.ServeMux would redirect or answer in plain text.
		if p := r.URL.Path; p == "" || p[0] != '/' || path.Clean(p) != p {
			s.noEndpoint(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func specAsJSON() ([]byte, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}

func (s *Sandbox) static(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.writeError(w, http.StatusMethodNotAllowed, generated.ErrorCodeInvalidRequest, langOf(r), "Method "+r.Method+" is not allowed here (allowed: GET).")
			return
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}
}

func langOf(r *http.Request) Language { return LanguageOf(r.Header.Get("Accept-Language")) }

// writeError writes a Toss-shaped error body.
func (s *Sandbox) writeError(w http.ResponseWriter, status int, code generated.ErrorCode, lang Language, detail string) {
	writeJSONError(w, &Error{Status: status, Code: code, Message: message(code, lang, detail)})
}

func writeJSONError(w http.ResponseWriter, e *Error) {
	b, _ := json.Marshal(e.body())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

type routeKey struct{}

type routed struct {
	route  *routers.Route
	params map[string]string
	body   []byte
}

// noEndpoint answers a request for a path the spec does not have.
func (s *Sandbox) noEndpoint(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, http.StatusNotFound, generated.ErrorCodeInvalidRequest, langOf(r),
		fmt.Sprintf("No endpoint %s %s: see /openapi.yaml.", r.Method, r.URL.Path))
}

// route finds the operation of the request in the spec. An unknown path
// answers 404 and a known path with another method 405, both Toss-shaped
// with INVALID_REQUEST: no documented code says "no such endpoint", and
// NOT_FOUND_PAYMENT would tell a client settling an unknown outcome that
// its payment does not exist when its URL is wrong.
func (s *Sandbox) route(api *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := s.spec.find(r)
		if err == nil {
			// The generated router must take the request too, or it would
			// answer in plain text after the idempotency layer stored it.
			if _, pattern := api.Handler(r); pattern == "" {
				s.noEndpoint(w, r)
				return
			}
		}
		if err != nil {
			if allowed := s.spec.allowed(r); len(allowed) > 0 {
				w.Header().Set("Allow", strings.Join(allowed, ", "))
				s.writeError(w, http.StatusMethodNotAllowed, generated.ErrorCodeInvalidRequest, langOf(r),
					fmt.Sprintf("Method %s is not allowed on %s (allowed: %s).", r.Method, r.URL.Path, strings.Join(allowed, ", ")))
				return
			}
			s.noEndpoint(w, r)
			return
		}
		// Body cap: read at most the cap, refuse anything larger.
		var body []byte
		if r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength > s.cfg.maxBody {
				s.refuseBody(w, r, route)
				return
			}
			body, err = io.ReadAll(io.LimitReader(r.Body, s.cfg.maxBody+1))
			_ = r.Body.Close()
			if err != nil {
				s.writeOp(w, route.Operation.OperationID, generated.ErrorCodeInvalidRequest, langOf(r), "body: could not be read.")
				return
			}
			if int64(len(body)) > s.cfg.maxBody {
				s.refuseBody(w, r, route)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		ctx := context.WithValue(r.Context(), routeKey{}, routed{route: route, params: params, body: body})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Sandbox) refuseBody(w http.ResponseWriter, r *http.Request, route *routers.Route) {
	s.writeOp(w, route.Operation.OperationID, generated.ErrorCodeInvalidRequest, langOf(r),
		fmt.Sprintf("body: larger than %d bytes (rule: body size limit).", s.cfg.maxBody))
}

// writeOp writes the error for code with the status the spec documents for
// it on the operation; a code the operation does not document keeps 400.
func (s *Sandbox) writeOp(w http.ResponseWriter, op string, code generated.ErrorCode, lang Language, detail string) {
	status, ok := s.spec.status(op, code)
	if !ok {
		status = http.StatusBadRequest
	}
	s.writeError(w, status, code, lang, detail)
}

func routeOf(r *http.Request) routed {
	v, _ := r.Context().Value(routeKey{}).(routed)
	return v
}

type callerInfo struct {
	secretKey    string
	baseURL      string
	webhookFault WebhookFault
}

// auth applies Toss's rules: Basic base64(secretKey + ":"); a missing or
// unknown key is 401 UNAUTHORIZED_KEY, a header without the colon 403
// INCORRECT_BASIC_AUTH_FORMAT, and live keys are never taken.
func (s *Sandbox) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := routeOf(r).route.Operation.OperationID
		ci, code, detail := s.authenticate(r)
		if code != "" {
			s.writeOp(w, op, code, langOf(r), detail)
			return
		}
		if limited, detail := s.limited(w, ci); limited {
			s.writeOp(w, op, generated.ErrorCodeTooManyRequests, langOf(r), detail)
			return
		}
		ctx := context.WithValue(r.Context(), callerKey, ci)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// newcomers is the pipeline's innermost layer: the handler of a request
// of a key the book holds nothing for (a new tenant, or each of a flood of
// rotating keys: any test_sk_ string is a tenant) runs only in one of a few
// slots, half the machine's cores, and waits for one; the keys already at
// work pass at once. However many fresh keys arrive, their store work
// shares at most half of the CPU, and a tenant at work keeps the rest
// (BenchmarkMillionKeys, docs/benchmarks.md). A slot is held only while the
// handler runs: the body was read, and a delay fault waited out, before.
func (s *Sandbox) newcomers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.book.Holds(callerOf(r.Context(), nil).SecretKey) {
			// It waits even for a client that went away: the handler
			// runs to its end, so that the idempotency layer records
			// the answer a retry of the key is owed. Slots are held
			// only while handlers run, which never wait on a client.
			s.newcomer <- struct{}{}
			defer func() { <-s.newcomer }()
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate reads the secret key of r as Toss does, or returns the
// error code and detail to refuse it with.
func (s *Sandbox) authenticate(r *http.Request) (callerInfo, generated.ErrorCode, string) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return callerInfo{}, generated.ErrorCodeUnauthorizedKey, "Authorization header missing: send Basic base64(secretKey + \":\")."
	}
	scheme, cred, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return callerInfo{}, generated.ErrorCodeUnauthorizedKey, "Use Basic authentication: Basic base64(secretKey + \":\")."
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return callerInfo{}, generated.ErrorCodeUnauthorizedKey, "The credentials are not base64: send Basic base64(secretKey + \":\")."
	}
	key, _, hasColon := strings.Cut(string(raw), ":")
	switch {
	case strings.HasPrefix(key, "live_"):
		return callerInfo{}, generated.ErrorCodeUnauthorizedKey, "The sandbox never takes live keys: use a test_sk_ key."
	case !hasColon:
		return callerInfo{}, generated.ErrorCodeIncorrectBasicAuthFormat, ""
	case strings.HasPrefix(key, "test_ck_"):
		return callerInfo{}, generated.ErrorCodeUnauthorizedKey, "Client keys (test_ck_) are for browsers: use a secret key (test_sk_)."
	case len(key) > maxSecretKeyLength:
		// Real keys are under 100 characters. The key is part of every
		// idempotency identity and of every payment it owns, so a flood
		// of huge keys would grow memory far past the caps' intent.
		return callerInfo{}, generated.ErrorCodeUnauthorizedKey, "The key is longer than any secret key (" + strconv.Itoa(maxSecretKeyLength) + " characters at most)."
	case !isTestSecretKey(key):
		return callerInfo{}, generated.ErrorCodeUnauthorizedKey, ""
	case s.cfg.allowed != nil && !s.cfg.allowed[key]:
		return callerInfo{}, generated.ErrorCodeUnauthorizedKey, "The key is not on this sandbox's allow-list."
	}
	base := s.cfg.baseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return callerInfo{secretKey: key, baseURL: base}, "", ""
}

// limited applies the key's rate limit (WithRateLimit): when the key has
// no request left it sets Retry-After and returns the detail of the 429.
func (s *Sandbox) limited(w http.ResponseWriter, ci callerInfo) (bool, string) {
	ok, wait := s.rate.admit(ci.secretKey)
	if ok {
		return false, ""
	}
	w.Header().Set("Retry-After", retryAfter(wait))
	l := s.cfg.rateLimit
	return true, fmt.Sprintf("This secret key is past the sandbox's rate limit (%g requests a second, bursts of %d); nothing was processed.", l.PerSecond, l.Burst)
}

func callerOf(ctx context.Context, acceptLanguage *string) Caller {
	ci, _ := ctx.Value(callerKey).(callerInfo)
	c := Caller{SecretKey: ci.secretKey, BaseURL: ci.baseURL, WebhookFault: ci.webhookFault}
	if acceptLanguage != nil {
		c.Language = LanguageOf(*acceptLanguage)
	}
	return c
}
