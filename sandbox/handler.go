package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
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

// buildHandler assembles the layers:
// trace id → route (404/405) → body cap → auth → call log → faults → spec
// validation → idempotency → generated strict handler → rules over the
// store.
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
	var apiChain http.Handler = s.idempotency(api)
	apiChain = s.validate(apiChain)
	apiChain = s.faults(apiChain)
	apiChain = s.activity(apiChain)
	apiChain = s.auth(apiChain)

	specJSON, _ := specAsJSON()
	mux := http.NewServeMux()
	mux.HandleFunc("/openapi.yaml", s.static("application/yaml", openapi.YAML))
	mux.HandleFunc("/openapi.json", s.static("application/json", specJSON))
	// The browser pages live outside the API's namespace: under /v1 they
	// would shadow look-ups such as GET /v1/payments/orders/checkout.
	mux.HandleFunc(checkoutPath+"{paymentKey}", s.checkout)
	mux.HandleFunc(receiptPath+"{paymentKey}", s.receipt)
	mux.HandleFunc(dashboardPath, s.dashList)
	mux.HandleFunc(loginPath, s.dashLogin)
	mux.HandleFunc(logoutPath, s.dashLogout)
	mux.HandleFunc(paymentsPath+"{paymentKey}", s.dashPaymentPage)
	mux.HandleFunc(paymentsPath+"{paymentKey}/{action}", s.dashPaymentPage)
	s.sandboxAPI(mux)
	mux.Handle("/", s.route(apiMux, apiChain))
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

// faults injects the fault named by X-Sandbox-Fault, or one drawn by the dice.
func (s *Sandbox) faults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := routeOf(r).route.Operation.OperationID
		lang := langOf(r)
		if v := r.Header.Get(WebhookFaultHeader); v != "" {
			wf, err := ParseWebhookFault(v)
			if err != nil {
				s.writeOp(w, op, generated.ErrorCodeInvalidRequest, lang, err.Error())
				return
			}
			ci, _ := r.Context().Value(callerKey).(callerInfo)
			ci.webhookFault = wf
			r = r.WithContext(context.WithValue(r.Context(), callerKey, ci))
		}
		var f fault
		if v := r.Header.Get(FaultHeader); v != "" {
			var err error
			if f, err = parseFault(v, s.cfg.maxFaultWait); err != nil {
				s.writeOp(w, op, generated.ErrorCodeInvalidRequest, lang, err.Error())
				return
			}
		} else {
			f = s.dice.roll()
		}
		switch f.kind {
		case "":
		case FaultDelay:
			noteOf(r.Context()).fault = FaultDelay + "=" + f.delay.String()
		default:
			noteOf(r.Context()).fault = f.kind
		}
		switch f.kind {
		case FaultErrorBefore:
			s.counters.errBefore.Add(1)
			s.writeOp(w, op, generated.ErrorCodeFailedInternalSystemProcessing, lang, "(sandbox fault error-before: nothing was processed)")
			return
		case FaultRateLimit:
			s.counters.rateLimit.Add(1)
			w.Header().Set("Retry-After", "1")
			s.writeOp(w, op, generated.ErrorCodeTooManyRequests, lang, "(sandbox fault rate-limit: nothing was processed)")
			return
		case FaultDelay:
			s.counters.delay.Add(1)
			r = r.WithContext(context.WithValue(r.Context(), delayKey, f.delay))
		case FaultDropAfterCommit:
			s.counters.drop.Add(1)
			rec := newRecorder()
			next.ServeHTTP(rec, r)
			// The request took effect; the client never hears of it.
			panic(http.ErrAbortHandler)
		}
		next.ServeHTTP(w, r)
	})
}

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

// idempotency replays the first response of a key for 15 days and answers
// 409 IDEMPOTENT_REQUEST_PROCESSING while the first is in flight.
func (s *Sandbox) idempotency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			s.pause(r)
			next.ServeHTTP(w, r)
			return
		}
		op := routeOf(r).route.Operation.OperationID
		ci, _ := r.Context().Value(callerKey).(callerInfo)
		id := idemID(ci.secretKey, r.Method, r.URL.Path, key)
		state, e := s.idem.claim(ci.secretKey, id, s.cfg.clock.Now())
		switch state {
		case idemInFlight:
			s.writeOp(w, op, generated.ErrorCodeIdempotentRequestProcessing, langOf(r), "")
			return
		case idemFull:
			s.writeOp(w, op, generated.ErrorCodeForbiddenRequest, langOf(r),
				"Every idempotency key this secret key may hold ("+strconv.Itoa(s.cfg.tenant.IdempotencyKeys)+") is in flight: wait for an answer.")
			return
		case idemReplay:
			note := noteOf(r.Context())
			note.replay = true
			note.about(e.paymentKey, e.orderID)
			for k, v := range e.header {
				w.Header()[k] = v
			}
			w.Header().Set(ReplayHeader, "true")
			w.WriteHeader(e.status)
			_, _ = w.Write(e.body)
			return
		}
		done := false
		defer func() {
			if !done {
				s.idem.release(id)
			}
		}()
		s.pause(r)
		rec := newRecorder()
		next.ServeHTTP(rec, r)
		note := noteOf(r.Context())
		s.idem.finish(id, rec.status, rec.header.Clone(), rec.body.Bytes(), note.paymentKey, note.orderID, s.cfg.clock.Now(), openapi.IdempotencyWindow)
		done = true
		rec.copyTo(w)
	})
}

// pause waits out a delay fault, or until the client goes away.
func (s *Sandbox) pause(r *http.Request) {
	d, _ := r.Context().Value(delayKey).(time.Duration)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// recorder buffers a response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(code int) { rec.status = code }

func (rec *recorder) Write(b []byte) (int, error) { return rec.body.Write(b) }

func (rec *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}
