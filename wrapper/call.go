package wrapper

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

const (
	// maxErrorBody caps the read of an error response.
	maxErrorBody = 1 << 20
	// maxPaymentBody caps the read of a 2xx response.
	maxPaymentBody = 8 << 20
	// traceIDHeader is the response header the spec's TraceId describes.
	traceIDHeader = "X-TossPayments-Trace-Id"
)

// call is one logical call: what every attempt sends, and what the answer
// must say.
type call struct {
	op      *specOp
	build   buildFunc
	hp      headerParams
	body    []byte
	headers [][2]string
	secrets secretList
	want    *expect
	meta    *Meta
	// The storage of want, meta, the options and the key, held here so that
	// a call allocates once.
	wantv expect
	metav Meta
	cc    callConfig
	key   string
	// first is the request of the first attempt, built and validated
	// before anything is sent; later attempts build their own. With a
	// template (an operation without a path parameter), first is nil and
	// header holds the first attempt's validated headers instead.
	first  *http.Request
	tmpl   *opTemplate
	header http.Header
}

// result is what one attempt came to: a verified payment, or an answer that
// is not one (apiErr), or no answer (netErr); o is its summary for decide.
type result struct {
	o       outcome
	payment *generated.Payment
	apiErr  *APIError
	netErr  error
}

// do runs one logical call: prepare it (nothing is sent if that fails), then
// the bounded retry loop.
func (c *Client) do(ctx context.Context, opID, pathValue string, body []byte, want expect, extraSecrets []string, opts []CallOption, build buildFunc) (*generated.Payment, *Meta, error) {
	k, err := c.prepare(opID, pathValue, body, want, extraSecrets, opts, build)
	if err != nil {
		return nil, k.meta, err
	}
	return c.run(ctx, k)
}

// run sends the call until decide says to stop: every attempt carries the
// same body and key. Only decide decides; run logs, sleeps and returns.
func (c *Client) run(ctx context.Context, k *call) (*generated.Payment, *Meta, error) {
	// The Meta returned lives in k: keep no body (card data) behind it.
	defer func() { k.body, k.first, k.header, k.secrets = nil, nil, nil, nil }()
	reached := false // an attempt may have reached the server
	var last *APIError
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, k.meta, k.transportError(err, reached, last)
		}
		k.meta.Attempts = attempt
		r := c.attempt(ctx, k)
		if r.payment != nil {
			c.log(ctx, slog.LevelDebug, "tosspayments: call succeeded", k.meta, nil)
			return r.payment, k.meta, nil
		}
		d := decide(r.o)
		class := d.classOf(k.post(), reached)
		reached = reached || d.reached
		if r.apiErr != nil {
			last = r.apiErr
		}
		if r.netErr != nil && ctx.Err() != nil {
			return nil, k.meta, k.transportError(r.netErr, reached, last)
		}
		delay, why, retry := c.wait(ctx, d, attempt, r.apiErr)
		if !retry {
			if d.reconcile {
				return c.reconcile(ctx, k, r.apiErr)
			}
			err := k.finalError(r, d, class, reached)
			c.log(ctx, slog.LevelInfo, "tosspayments: call failed", k.meta, r.apiErr, slog.String("class", ClassOf(err).String()), slog.String("reason", why))
			return nil, k.meta, err
		}
		c.log(ctx, slog.LevelWarn, "tosspayments: retrying", k.meta, r.apiErr, slog.Duration("delay", delay), slog.String("reason", why))
		if err := c.cfg.sleep(ctx, delay); err != nil {
			return nil, k.meta, k.transportError(err, reached, last)
		}
	}
}

// wait applies the retry policy to a decision to retry: the delay before
// the next attempt (Retry-After or backoff), and why; retry is false when
// decide said no, no attempt is left, Retry-After is too long, or ctx ends
// first.
func (c *Client) wait(ctx context.Context, d decision, attempt int, answer *APIError) (time.Duration, string, bool) {
	why := d.why
	if answer != nil && answer.StatusCode >= 500 {
		why = strconv.Itoa(answer.StatusCode) + ": " + why
	}
	if !d.retry {
		return 0, why, false
	}
	retryAfter := time.Duration(-1)
	if answer != nil {
		retryAfter = answer.retryAfter
	}
	var delay time.Duration
	switch p := c.cfg.retry; {
	case attempt >= p.MaxAttempts:
		return 0, fmt.Sprintf("%s; no attempts left (%d made)", why, attempt), false
	case retryAfter > p.MaxDelay:
		return 0, fmt.Sprintf("%s; Retry-After %s exceeds the maximum delay %s", why, retryAfter, p.MaxDelay), false
	case retryAfter >= 0:
		delay, why = retryAfter, why+"; waiting Retry-After"
	default:
		delay = c.backoff(attempt)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
		return 0, fmt.Sprintf("%s; ctx ends before the next attempt (in %s)", why, delay), false
	}
	return delay, why, true
}

// prepare checks the call options and the request, chooses the idempotency
// key once, and validates against the spec. Its errors are
// *ValidationErrors: nothing was sent.
func (c *Client) prepare(opID, pathValue string, body []byte, want expect, extraSecrets []string, opts []CallOption, build buildFunc) (*call, error) {
	op := c.ops[opID]
	k := &call{op: op, build: build, body: body, wantv: want, metav: Meta{Operation: opID}}
	k.want, k.meta = &k.wantv, &k.metav
	cc := &k.cc
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(cc); err != nil {
			return k, withOperation(err, opID)
		}
	}
	if op.pathParam != "" && pathValue == "" {
		// An empty path segment would address another resource; this is
		// refused even without validation.
		return k, &ValidationError{Operation: opID, In: "path", Field: op.pathParam, Rule: "required value is missing"}
	}
	if c.cfg.language != "" {
		k.hp.lang = &c.cfg.language
	}
	if cc.testCode != "" {
		k.hp.testCode = &cc.testCode
	}
	k.headers = cc.headers
	if k.post() {
		k.key = cc.key
		if k.key == "" {
			k.key = c.cfg.newKey()
			if rule := checkIdempotencyKey(k.key); rule != "" {
				return k, &ValidationError{Operation: opID, In: "header", Field: "Idempotency-Key", Rule: "the idempotency key generator returned a bad key: " + rule}
			}
		}
		k.meta.IdempotencyKey = k.key
		k.hp.key = &k.key
	}
	k.tmpl = c.template(k)
	if k.tmpl != nil {
		k.header = c.newHeader(k)
	} else {
		first, err := c.newRequest(context.Background(), k)
		if err != nil {
			return k, fmt.Errorf("tosspayments: %s: build request: %w", opID, err)
		}
		k.first, k.header = first, first.Header
	}
	if c.cfg.validation {
		if err := validate(op, k.header, body, pathValue); err != nil {
			return k, err
		}
	}
	k.secrets = c.creds().secrets
	if len(extraSecrets) > 0 {
		k.secrets = k.secrets[:len(k.secrets):len(k.secrets)] // never append into the shared list
		for _, s := range extraSecrets {
			k.secrets = append(k.secrets, secretValue(s))
		}
	}
	return k, nil
}

func (k *call) post() bool { return k.op.method == http.MethodPost }

// attempt sends the request once and reads the answer, within the
// attempt's timeout.
func (c *Client) attempt(ctx context.Context, k *call) result {
	o := outcome{opID: k.op.id, post: k.post()}
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.cfg.timeout {
		// The caller's deadline, when earlier, already bounds the attempt.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.timeout)
		defer cancel()
	}
	resp, err := c.send(ctx, k, &o)
	if err != nil {
		return result{o: o, netErr: err}
	}
	defer resp.Body.Close()
	return c.answer(k, resp, o)
}

// send sends the attempt's request. On an error, o says whether the
// request may have reached the server.
func (c *Client) send(ctx context.Context, k *call, o *outcome) (*http.Response, error) {
	var conn *connWatch
	if c.traced {
		conn = newConnWatch()
		ctx = httptrace.WithClientTrace(ctx, &conn.trace)
	}
	req, err := c.attemptRequest(ctx, k)
	if err != nil {
		o.transport = true
		return nil, &notSentError{err: err}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		o.transport, o.sent = true, mayHaveReached(err, conn, req.Body)
		return nil, err
	}
	return resp, nil
}

// answer reads an answer: a 2xx is a payment once verified, anything else
// an *APIError.
func (c *Client) answer(k *call, resp *http.Response, o outcome) result {
	k.meta.StatusCode = resp.StatusCode
	k.meta.TraceID = k.secrets.clean(resp.Header.Get(traceIDHeader), maxTraceLen)
	o.status, o.sent = resp.StatusCode, true

	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	limit := int64(maxErrorBody)
	if ok {
		limit = maxPaymentBody
	}
	buf := getBuffer()
	defer putBuffer(buf)
	data, truncated, readErr := readAnswer(buf, resp, limit)
	c.observe(k.op.id, resp.StatusCode, data, truncated || readErr != nil)
	if !ok {
		ae := newAPIError(resp, k.meta.TraceID, data, truncated, readErr, k.secrets)
		o.code = ae.Code
		return result{o: o, apiErr: ae}
	}
	if readErr != nil {
		// The answer was lost on the way: the request happened.
		o.transport = true
		return result{o: o, netErr: &responseLostError{err: readErr}}
	}
	p, why := c.verify(k, data, truncated, limit)
	if why != "" {
		o.unverified = true
		return result{o: o, apiErr: &APIError{StatusCode: resp.StatusCode, TraceID: k.meta.TraceID, Mismatch: why, Payment: p, retryAfter: -1}}
	}
	return result{o: o, payment: p}
}

// observe is the one place where a response body is available with its
// operation and status, before it is interpreted: the hook for whatever
// watches the answers (cfg.onBody). body must not be kept or modified.
func (c *Client) observe(opID string, status int, body []byte, partial bool) {
	if c.cfg.onBody != nil && !partial {
		c.cfg.onBody(opID, status, body)
	}
}

// verify decodes a 2xx and checks that it answers the request: it decodes,
// carries every key the spec requires of the answer, and matches what was
// sent. It returns the payment (nil if it did not decode) and the failed
// check ("" for none).
func (c *Client) verify(k *call, data []byte, truncated bool, limit int64) (*generated.Payment, string) {
	if truncated {
		return nil, fmt.Sprintf("the payment exceeds %d bytes", limit)
	}
	p := new(generated.Payment)
	if err := json.Unmarshal(data, p); err != nil {
		return nil, describeDecodeError(err)
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil, "the body is null, not a payment"
	}
	if key := k.op.required.missing(data); key != "" {
		return p, "the required key " + strconv.Quote(key) + " is missing"
	}
	return p, k.want.mismatch(p)
}

// attemptRequest is the request of one attempt, bound to ctx: built from
// the operation's template, or the generated builder's request.
func (c *Client) attemptRequest(ctx context.Context, k *call) (*http.Request, error) {
	if k.tmpl != nil {
		h := k.header
		if h == nil {
			h = c.newHeader(k)
		}
		k.header = nil // later attempts get headers of their own
		var body io.Reader
		if k.body != nil {
			body = bytes.NewReader(k.body)
		}
		// An empty URL parses to an empty *url.URL at no cost; the
		// template's parsed URL is copied into it.
		req, err := http.NewRequestWithContext(ctx, k.op.method, "", body)
		if err != nil {
			return nil, err
		}
		*req.URL = *k.tmpl.url
		req.Host = k.tmpl.host
		req.Header = h
		c.watchBody(k, req)
		return req, nil
	}
	req := k.first
	k.first = nil
	if req == nil {
		var err error
		if req, err = c.newRequest(ctx, k); err != nil {
			return nil, err
		}
		return req, nil
	}
	return req.WithContext(ctx), nil
}

// opTemplate is what every request of an operation without a path
// parameter shares, learned once per client from the generated builder:
// its URL (the spec's path resolved against the base URL, parsed once)
// and the headers the builder sets (Content-Type).
type opTemplate struct {
	url    *url.URL
	host   string // as http.NewRequest sets it: without an empty port
	header http.Header
}

// template returns the operation's template, or nil when its URL depends
// on the call (a path parameter) or the builder fails (then the builder
// runs on each attempt and reports its error).
func (c *Client) template(k *call) *opTemplate {
	if k.op.pathParam != "" || c.tmpls == nil {
		return nil
	}
	if t, ok := c.tmpls.Load(k.op.id); ok {
		return t.(*opTemplate)
	}
	var body io.Reader
	if k.op.method == http.MethodPost {
		body = bytes.NewReader(nil)
	}
	req, err := k.build(c.server, &headerParams{}, body)
	if err != nil {
		return nil
	}
	t := &opTemplate{url: req.URL, host: strings.TrimSuffix(req.URL.Host, ":"), header: req.Header}
	c.tmpls.Store(k.op.id, t)
	return t
}

// newHeader is the headers of one request built from a template: the
// template's, the credentials, the spec's header parameters and the
// call's own headers.
func (c *Client) newHeader(k *call) http.Header {
	h := make(http.Header, len(k.tmpl.header)+4+len(k.headers))
	for name, v := range k.tmpl.header {
		h[name] = v[:len(v):len(v)]
	}
	vals := make([]string, 0, 4) // one allocation for the values below
	one := func(name, v string) {
		vals = append(vals, v)
		h[name] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	one("Authorization", c.creds().auth)
	if k.hp.key != nil {
		one("Idempotency-Key", *k.hp.key)
	}
	if k.hp.lang != nil {
		one("Accept-Language", *k.hp.lang)
	}
	if k.hp.testCode != nil {
		one("Tosspayments-Test-Code", *k.hp.testCode)
	}
	for _, kv := range k.headers {
		h.Set(kv[0], kv[1])
	}
	return h
}

// newRequest builds one attempt's request with the generated builder, with
// the credentials set on it. Whether the request may have left is seen by a
// connection trace with an *http.Transport (which reports the connection it
// uses), else by watching its body: whether the transport read any of it.
// (The body stays a *bytes.Reader for an *http.Transport: another type
// makes it flush the headers apart from the body, one more write a call.)
func (c *Client) newRequest(ctx context.Context, k *call) (*http.Request, error) {
	var body io.Reader
	if k.body != nil {
		body = bytes.NewReader(k.body)
	}
	req, err := k.build(c.server, &k.hp, body)
	if err != nil {
		return nil, err
	}
	req = req.WithContext(ctx)
	req.Header.Set("Authorization", c.creds().auth)
	for _, h := range k.headers {
		req.Header.Set(h[0], h[1])
	}
	c.watchBody(k, req)
	return req, nil
}

// watchBody wraps the body of a request whose transport gives no
// connection trace.
func (c *Client) watchBody(k *call, req *http.Request) {
	if k.body != nil && !c.traced {
		watch := &bodyWatch{body: k.body}
		watch.first.w = watch
		watch.first.r.Reset(k.body)
		req.Body = &watch.first
		req.GetBody = watch.open
		req.ContentLength = int64(len(k.body))
	}
}

// bodyWatch hands the transport the request body and records whether it
// read any of it. net/http reads a body only once it writes the request to
// a connection, so an unread body means the server cannot have acted on the
// request (it was not sent, or the server has its headers without the body
// they announce).
type bodyWatch struct {
	body  []byte
	read  atomic.Bool
	first watchedBody // the body of the first send; GetBody opens others
}

type watchedBody struct {
	w *bodyWatch
	r bytes.Reader
}

func (w *bodyWatch) open() (io.ReadCloser, error) {
	b := &watchedBody{w: w}
	b.r.Reset(w.body)
	return b, nil
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.w.read.Store(true)
	return b.r.Read(p)
}

func (b *watchedBody) Close() error { return nil }

// connWatch records whether the *http.Transport under the client got a
// connection for an attempt (httptrace's GotConn, which it calls for HTTP/1
// and HTTP/2 before writing anything).
type connWatch struct {
	used  atomic.Bool
	trace httptrace.ClientTrace
}

func newConnWatch() *connWatch {
	w := new(connWatch)
	w.trace.GotConn = w.gotConn
	return w
}

func (w *connWatch) gotConn(httptrace.GotConnInfo) { w.used.Store(true) }

// readAnswer reads at most limit bytes of the answer; truncated reports a
// longer body.
func readAnswer(buf *bytes.Buffer, resp *http.Response, limit int64) (data []byte, truncated bool, err error) {
	if n := resp.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom wants MinRead free to see EOF without growing
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	data = buf.Bytes()
	if int64(len(data)) > limit {
		return data[:limit], true, err
	}
	return data, false, err
}

// buffers hold the answers being read: an answer is decoded (copied) and
// checked before its attempt returns, so its buffer is reused.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 64<<10 {
		return // keep no large buffer alive
	}
	b.Reset()
	buffers.Put(b)
}

// log records a call's progress: never a body, a header or a secret.
func (c *Client) log(ctx context.Context, level slog.Level, msg string, meta *Meta, answer *APIError, extra ...slog.Attr) {
	if !c.cfg.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 6+len(extra))
	attrs = append(attrs,
		slog.String("operation", meta.Operation),
		slog.Int("attempt", meta.Attempts),
		slog.Int("status", meta.StatusCode),
	)
	if answer != nil && answer.Code != "" {
		attrs = append(attrs, slog.String("code", string(answer.Code)))
	}
	if meta.TraceID != "" {
		attrs = append(attrs, slog.String("trace_id", meta.TraceID))
	}
	if meta.IdempotencyKey != "" {
		attrs = append(attrs, slog.String("idempotency_key", meta.IdempotencyKey))
	}
	c.cfg.logger.LogAttrs(ctx, level, msg, append(attrs, extra...)...)
}

// transportError is the error of a call that ended without an answer to
// its last attempt.
func (k *call) transportError(err error, reached bool, last *APIError) *TransportError {
	te := &TransportError{
		Operation:            k.op.id,
		Method:               k.op.method,
		Attempts:             k.meta.Attempts,
		MayHaveReachedServer: reached,
		IdempotencyKey:       k.meta.IdempotencyKey,
		Err:                  err,
		req:                  k.request(),
	}
	if last != nil {
		d := decide(outcome{opID: k.op.id, post: k.post(), status: last.StatusCode, code: last.Code, unverified: last.Mismatch != ""})
		k.finish(last, d, d.classOf(k.post(), reached))
		te.Last = last
	}
	return te
}

// finalError is the error of a call whose last attempt decide did not
// retry.
func (k *call) finalError(r result, d decision, class Class, reached bool) error {
	if r.netErr != nil {
		return k.transportError(r.netErr, reached, nil)
	}
	return k.finish(r.apiErr, d, class)
}

// finish completes an answer's *APIError with the call's facts.
func (k *call) finish(e *APIError, d decision, class Class) *APIError {
	e.Operation = k.op.id
	e.Attempts = k.meta.Attempts
	e.IdempotencyKey = k.meta.IdempotencyKey
	e.class = class
	e.later = d.later
	e.req = k.request()
	if e.Mismatch != "" {
		// The checks quote amounts the server sent: a hostile one could put
		// a card number there.
		e.Mismatch = k.secrets.clean(e.Mismatch, maxMessageLen)
		e.Message = mismatchAdvice(k.post(), e.StatusCode, e.Mismatch)
	}
	return e
}

// mismatchAdvice is the message of a 2xx that does not answer the request.
func mismatchAdvice(post bool, status int, why string) string {
	if !post {
		return fmt.Sprintf("the API answered %d, but not to this look-up: %s; look it up again", status, why)
	}
	return fmt.Sprintf("the API answered %d, but not to this request: %s. Do not treat the payment as done, and do not repeat the call with this idempotency key (it would replay this answer): settle it with Client.Resolve or by looking the payment up", status, why)
}

// backoff is the full-jitter wait before retry n (n = 1 after the first
// attempt): uniform in [0, min(MaxDelay, BaseDelay×2^(n-1))].
func (c *Client) backoff(n int) time.Duration {
	bound := c.cfg.retry.MaxDelay
	if n-1 < 32 {
		if d := c.cfg.retry.BaseDelay << (n - 1); d > 0 && d < bound {
			bound = d
		}
	}
	if bound <= 0 {
		return 0
	}
	return rand.N(bound + 1)
}

// newAPIError maps an error answer to an *APIError: the one place HTTP
// turns into an error. Whatever the server sent is cleaned (scrubbed of the
// secrets, then cut) before it is kept.
func newAPIError(resp *http.Response, traceID string, data []byte, truncated bool, readErr error, secrets secretList) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		TraceID:    traceID,
		retryAfter: parseRetryAfter(resp.Header.Get("Retry-After")),
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e.Message = fmt.Sprintf("%d %s: a redirect, which the API never sends; it was not followed and nothing was re-sent", resp.StatusCode, http.StatusText(resp.StatusCode))
		return e
	}
	var body generated.Error
	if !truncated && json.Unmarshal(data, &body) == nil && body.Code != "" {
		e.Code = generated.ErrorCode(secrets.clean(string(body.Code), maxCodeLen))
		e.Message = secrets.clean(body.Message, maxMessageLen)
		return e
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "" {
		ct = "no Content-Type"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, not a Toss error body (%s, %d bytes", http.StatusText(resp.StatusCode), secrets.clean(ct, maxCodeLen), len(data))
	if truncated {
		fmt.Fprintf(&b, ", read stopped at %d", len(data))
	}
	if readErr != nil {
		b.WriteString(", read failed")
	}
	b.WriteString(")")
	if s := secrets.clean(string(data), maxSnippetLen); s != "" {
		b.WriteString(": ")
		b.WriteString(s)
	}
	e.Message = b.String()
	return e
}

// parseRetryAfter reads delay-seconds or an HTTP date; -1 when absent or
// unreadable.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return -1
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if s < 0 {
			return -1
		}
		if s > 86400 {
			s = 86400
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d
	}
	return -1
}

// describeDecodeError says why a payment could not be decoded without
// quoting the response: json and money errors quote the offending value.
func describeDecodeError(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at offset %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Value == "array" || typ.Value == "string" || typ.Value == "number" || typ.Value == "bool" {
			if typ.Field == "" {
				return "the body is a JSON " + typ.Value + ", not a payment"
			}
		}
		return fmt.Sprintf("field %q: a JSON %s cannot be decoded into %s", typ.Field, typ.Value, typ.Type)
	}
	return "a field has a value of the wrong form"
}

// responseLostError is a 2xx whose body could not be read: the request
// reached the server and took effect.
type responseLostError struct{ err error }

func (e *responseLostError) Error() string { return "reading the response: " + e.err.Error() }
func (e *responseLostError) Unwrap() error { return e.err }

// notSentError is a failure before any byte of the request was written: the
// request could not be built.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// mayHaveReached reports whether a transport failure may have happened after
// the request reached the server. It did not when the request was never
// built, when the transport never read the body of a request that has one,
// or when connecting failed.
func mayHaveReached(err error, conn *connWatch, body io.ReadCloser) bool {
	if conn != nil && !conn.used.Load() {
		return false
	}
	if b, ok := body.(*watchedBody); ok && !b.w.read.Load() {
		return false
	}
	var ns *notSentError
	if errors.As(err, &ns) {
		return false
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return false
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		return false
	}
	var certErr *tls.CertificateVerificationError
	return !errors.As(err, &certErr)
}
