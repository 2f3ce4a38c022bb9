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
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

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

// do runs one logical call: check, validate, choose the key, then the
// bounded retry loop. Every attempt sends the same body and key.
func (c *Client) do(ctx context.Context, opID, pathValue string, body []byte, extraSecrets []string, opts []CallOption, build buildFunc) (*generated.Payment, *Meta, error) {
	op := c.ops[opID]
	meta := &Meta{Operation: opID}

	var cc callConfig
	for _, o := range opts {
		if o != nil {
			o(&cc)
		}
	}
	if cc.err != nil {
		ve := *cc.err
		ve.Operation = opID
		return nil, meta, &ve
	}
	if op.pathParam != "" && pathValue == "" {
		// An empty path segment would address another resource; this is
		// refused even without validation.
		return nil, meta, &ValidationError{Operation: opID, In: "path", Field: op.pathParam, Rule: "required value is missing"}
	}

	var hp headerParams
	if c.language != "" {
		hp.lang = &c.language
	}
	if cc.testCode != "" {
		hp.testCode = &cc.testCode
	}
	post := op.method == http.MethodPost
	if post {
		key := cc.key
		if key == "" {
			key = c.newKey()
			if rule := checkIdempotencyKey(key); rule != "" {
				return nil, meta, &ValidationError{Operation: opID, In: "header", Field: "Idempotency-Key", Rule: "the idempotency key generator returned a bad key: " + rule}
			}
		}
		meta.IdempotencyKey = key
		hp.key = &key
	}

	first, err := c.newRequest(build, &hp, body, cc.headers)
	if err != nil {
		return nil, meta, fmt.Errorf("tosspayments: %s: build request: %w", opID, err)
	}
	if c.validation {
		if err := validate(op, first.Header, body, pathValue); err != nil {
			return nil, meta, err
		}
	}

	secrets := c.clientSecrets()
	if len(extraSecrets) > 0 {
		secrets = secrets[:len(secrets):len(secrets)] // never append into the shared list
		for _, s := range extraSecrets {
			secrets = append(secrets, secretValue(s))
		}
	}

	var (
		reached bool      // an attempt may have reached the server and been acted on
		lastAPI *APIError // the last answer, if any
	)
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, meta, c.transportError(op, meta, reached, err, lastAPI)
		}
		meta.Attempts = attempt
		p, apiErr, netErr := c.attempt(ctx, first, build, &hp, body, cc.headers, meta, secrets)
		first = nil // later attempts build a fresh request
		if p != nil {
			if c.logger.Enabled(ctx, slog.LevelDebug) {
				c.logger.LogAttrs(ctx, slog.LevelDebug, "tosspayments: call succeeded", c.attrs(meta, nil)...)
			}
			return p, meta, nil
		}

		var (
			retry      bool
			reason     string
			retryAfter = time.Duration(-1)
		)
		if netErr != nil {
			if mayHaveReached(netErr) {
				reached = true
			}
			if ctx.Err() != nil {
				return nil, meta, c.transportError(op, meta, reached, netErr, lastAPI)
			}
			retry, reason = true, "transport failure: "+netErr.Error()
		} else {
			lastAPI = apiErr
			if mayHaveActed(apiErr.StatusCode) {
				reached = true
			}
			retry, reason = shouldRetry(apiErr.StatusCode, apiErr.Code)
			retryAfter = apiErr.retryAfter
		}

		var delay time.Duration
		if retry {
			switch {
			case attempt >= c.retry.MaxAttempts:
				retry, reason = false, fmt.Sprintf("%s; no attempts left (%d made)", reason, attempt)
			case retryAfter > c.retry.MaxDelay:
				retry, reason = false, fmt.Sprintf("%s; Retry-After %s exceeds the maximum delay %s", reason, retryAfter, c.retry.MaxDelay)
			case retryAfter >= 0:
				delay = retryAfter
				reason += "; waiting Retry-After"
			default:
				delay = c.backoff(attempt)
			}
		}
		if retry {
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
				retry, reason = false, fmt.Sprintf("%s; ctx ends before the next attempt (in %s)", reason, delay)
			}
		}

		if !retry {
			err := c.finalError(op, meta, reached, apiErr, netErr)
			if c.logger.Enabled(ctx, slog.LevelInfo) {
				attrs := c.attrs(meta, apiErr)
				attrs = append(attrs, slog.String("class", ClassOf(err).String()), slog.String("reason", reason))
				c.logger.LogAttrs(ctx, slog.LevelInfo, "tosspayments: call failed", attrs...)
			}
			return nil, meta, err
		}
		if c.logger.Enabled(ctx, slog.LevelWarn) {
			attrs := c.attrs(meta, apiErr)
			attrs = append(attrs, slog.Duration("delay", delay), slog.String("reason", reason))
			c.logger.LogAttrs(ctx, slog.LevelWarn, "tosspayments: retrying", attrs...)
		}
		if err := c.sleep(ctx, delay); err != nil {
			return nil, meta, c.transportError(op, meta, reached, err, lastAPI)
		}
	}
}

// attrs are the log attributes of a call: never a body, a header or a secret.
func (c *Client) attrs(meta *Meta, apiErr *APIError) []slog.Attr {
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("operation", meta.Operation),
		slog.Int("attempt", meta.Attempts),
		slog.Int("status", meta.StatusCode),
	)
	if apiErr != nil && apiErr.Code != "" {
		attrs = append(attrs, slog.String("code", string(apiErr.Code)))
	}
	if meta.TraceID != "" {
		attrs = append(attrs, slog.String("trace_id", meta.TraceID))
	}
	if meta.IdempotencyKey != "" {
		attrs = append(attrs, slog.String("idempotency_key", meta.IdempotencyKey))
	}
	return attrs
}

func (c *Client) transportError(op *specOp, meta *Meta, reached bool, err error, last *APIError) *TransportError {
	te := &TransportError{
		Operation:            op.id,
		Method:               op.method,
		Attempts:             meta.Attempts,
		MayHaveReachedServer: reached,
		IdempotencyKey:       meta.IdempotencyKey,
		Err:                  err,
	}
	if last != nil {
		last.Operation = op.id
		last.Attempts = meta.Attempts
		last.IdempotencyKey = meta.IdempotencyKey
		last.class = finalClass(op, last.StatusCode, last.Code, reached)
		te.Last = last
	}
	return te
}

func (c *Client) finalError(op *specOp, meta *Meta, reached bool, apiErr *APIError, netErr error) error {
	if netErr != nil {
		return c.transportError(op, meta, reached, netErr, nil)
	}
	apiErr.Operation = op.id
	apiErr.Attempts = meta.Attempts
	apiErr.IdempotencyKey = meta.IdempotencyKey
	apiErr.class = finalClass(op, apiErr.StatusCode, apiErr.Code, reached)
	return apiErr
}

// mayHaveActed reports whether an answer with this status leaves open that
// the request was acted on: a 5xx (the server may have failed after doing
// the work), a 409 (a request with the same key is in flight), a 2xx whose
// payment could not be read, or a 3xx (the API never redirects; whatever
// answered may have processed the POST first, as a 303 says it did).
func mayHaveActed(status int) bool {
	return status >= 500 || status == http.StatusConflict || status < 400
}

// finalClass is the class of the last answer of a call, reached being
// whether any attempt may have reached the server and been acted on.
//
// After such an attempt of a POST, only a definitive Toss answer about the
// idempotency key says what happened: a 4xx with a Toss error code, which
// is the first answer replayed (Toss replays the first answer of a key
// whatever comes after) or the answer every attempt got. A 429, a 409 still
// in flight, FORBIDDEN_CONSECUTIVE_REQUEST, a 5xx, a 3xx or a body that is
// not a Toss error (a proxy's page) says nothing about the earlier attempt:
// it may have taken effect, so the outcome is unknown.
func finalClass(op *specOp, status int, code generated.ErrorCode, reached bool) Class {
	class := classify(op, status, code)
	if op.method != http.MethodPost || !reached || class == ClassOutcomeUnknown {
		return class
	}
	if status >= 400 && status < 500 && code != "" && class != ClassRetryable {
		return class
	}
	return ClassOutcomeUnknown
}

// backoff is the full-jitter wait before retry n (n = 1 after the first
// attempt): uniform in [0, min(MaxDelay, BaseDelay×2^(n-1))].
func (c *Client) backoff(n int) time.Duration {
	bound := c.retry.MaxDelay
	if n-1 < 32 {
		if d := c.retry.BaseDelay << (n - 1); d > 0 && d < bound {
			bound = d
		}
	}
	if bound <= 0 {
		return 0
	}
	return rand.N(bound + 1)
}

// newRequest builds one attempt's request with the generated builder.
func (c *Client) newRequest(build buildFunc, hp *headerParams, body []byte, headers [][2]string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := build(c.baseURL, hp, r)
	if err != nil {
		return nil, err
	}
	for _, h := range headers {
		req.Header.Set(h[0], h[1])
	}
	return req, nil
}

// attempt sends the request once (req, or a fresh one when req is nil) and
// reads the answer. It returns the
// payment, or the API's error answer, or the transport failure.
func (c *Client) attempt(ctx context.Context, req *http.Request, build buildFunc, hp *headerParams, body []byte, headers [][2]string, meta *Meta, secrets secretList) (*generated.Payment, *APIError, error) {
	if req == nil {
		var err error
		if req, err = c.newRequest(build, hp, body, headers); err != nil {
			return nil, nil, &notSentError{err: err}
		}
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var watch *connWatch
	if c.connTraced {
		watch = newConnWatch()
		actx = httptrace.WithClientTrace(actx, &watch.trace)
	}
	resp, err := c.http.Do(req.WithContext(actx))
	if err != nil {
		if watch != nil && !watch.used.Load() {
			// The transport never got a connection for the request: it
			// failed while preparing it (a header net/http refuses, a proxy
			// setting) or while connecting, and nothing was written.
			return nil, nil, &notSentError{err: err}
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	meta.StatusCode = resp.StatusCode
	meta.TraceID = resp.Header.Get(traceIDHeader)

	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	limit := int64(maxErrorBody)
	if ok {
		limit = maxPaymentBody
	}
	data, truncated, readErr := readCapped(resp.Body, limit, resp.ContentLength)
	if c.drift != nil && readErr == nil && !truncated {
		c.checkDrift(ctx, meta.Operation, resp.StatusCode, data)
	}
	if ok {
		if readErr != nil {
			// The answer was lost on the way: the request happened.
			return nil, nil, &responseLostError{err: readErr}
		}
		p := new(generated.Payment)
		if truncated {
			return nil, c.undecodable(resp, fmt.Sprintf("the payment exceeds %d bytes", limit)), nil
		}
		if err := json.Unmarshal(data, p); err != nil {
			return nil, c.undecodable(resp, describeDecodeError(err)), nil
		}
		return p, nil, nil
	}
	return nil, newAPIError(resp, data, truncated, readErr, secrets), nil
}

func (c *Client) undecodable(resp *http.Response, why string) *APIError {
	return &APIError{
		StatusCode: resp.StatusCode,
		Message:    "the request succeeded but its payment could not be read (" + why + "); look the payment up",
		TraceID:    resp.Header.Get(traceIDHeader),
		retryAfter: -1,
	}
}

// newAPIError maps an error answer to an *APIError: the one place HTTP
// turns into an error.
func newAPIError(resp *http.Response, data []byte, truncated bool, readErr error, secrets secretList) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		TraceID:    resp.Header.Get(traceIDHeader),
		retryAfter: parseRetryAfter(resp.Header.Get("Retry-After")),
	}
	var body generated.Error
	if !truncated && json.Unmarshal(data, &body) == nil && body.Code != "" {
		e.Code = body.Code
		e.Message = secrets.scrub(body.Message)
		return e
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "" {
		ct = "no Content-Type"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, not a Toss error body (%s, %d bytes", http.StatusText(resp.StatusCode), ct, len(data))
	if truncated {
		fmt.Fprintf(&b, ", read stopped at %d", len(data))
	}
	if readErr != nil {
		b.WriteString(", read failed: ")
		b.WriteString(readErr.Error())
	}
	b.WriteString(")")
	if s := snippet(data, 120); s != "" {
		b.WriteString(": ")
		b.WriteString(secrets.scrub(s))
	}
	e.Message = b.String()
	return e
}

// snippet is the start of a body as one printable line.
func snippet(data []byte, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for len(data) > 0 && n < max {
		r, size := utf8.DecodeRune(data)
		data = data[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case !unicode.IsPrint(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n++
	}
	if len(data) > 0 {
		b.WriteString("…")
	}
	return b.String()
}

// readCapped reads at most limit bytes of r; truncated reports a longer body.
func readCapped(r io.Reader, limit, hint int64) (data []byte, truncated bool, err error) {
	size := int64(512)
	if hint > 0 && hint <= limit {
		size = hint + 1 // room to see EOF without growing
	}
	buf := make([]byte, 0, size)
	lr := io.LimitedReader{R: r, N: limit + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf, false, err
		}
	}
	if int64(len(buf)) > limit {
		return buf[:limit], true, nil
	}
	return buf, false, nil
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
// request was not built, or the transport (an *http.Transport, which reports
// the connections it uses) never got a connection for it.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

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

// mayHaveReached reports whether a transport failure may have happened after
// the request reached the server. Only failures before a connection was used
// (known when the transport is an *http.Transport) and failures to connect
// are known not to.
func mayHaveReached(err error) bool {
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
