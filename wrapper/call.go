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
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

const (
	// maxBody caps the read of a response: a payment is a few kB (a
	// thousand cancels fit), and decoding one 3-byte "{}" cancel allocates
	// some 700 bytes, so a hostile 2xx costs at most a few hundred MB.
	maxBody = 1 << 20
	// traceIDHeader is the response header the spec's TraceId describes.
	traceIDHeader = "X-TossPayments-Trace-Id"
)

// op is one call of an operation: what to send and what the answer must
// say. Each operation method fills one in and hands it to Client.call.
type op struct {
	id   string
	path string // the path parameter's value ("" for none)
	body any    // the request body, encoded once (nil for none)
	want expect
	// secrets are request values to scrub from what the server sends back.
	secrets []string
	send    sender                   // the generated client's method (see post, postAt, getAt)
	accept  func(data []byte) string // when set, checks a 2xx that is not a Payment ("": ok)
}

// call is the state of one logical call: every attempt sends the same body
// and headers.
type call struct {
	op
	spec    *specOp
	data    []byte // the encoded body
	meta    *Meta
	cc      callConfig
	secrets secretList
	check   bool // validate the next request built (the first) against the spec
}

// result is what one attempt came to: a verified payment, or an answer that is
// not one (apiErr), or no answer (netErr), or a request that could not be built
// or broke the spec and was not sent (invalid); o is its summary for decide.
type result struct {
	o       outcome
	payment *generated.Payment
	apiErr  *APIError
	netErr  error
	invalid error
}

// call runs one logical call: prepare it (nothing is sent if that fails),
// then attempt it until decide says to stop. Only decide decides; call
// logs, waits and returns.
func (c *Client) call(ctx context.Context, o op, opts []CallOption) (*generated.Payment, *Meta, error) {
	k, err := c.prepare(o, opts)
	if err != nil {
		return nil, k.meta, err
	}
	reached := false // an attempt may have reached the server
	var last *APIError
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, k.meta, k.transportError(err, reached, last)
		}
		k.meta.Attempts = attempt
		r := c.attempt(ctx, k)
		if r.invalid != nil {
			k.meta.Attempts = 0
			return nil, k.meta, r.invalid
		}
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
		delay, why, retry := c.cfg.retry.wait(ctx, d, attempt, r.apiErr)
		if !retry {
			if d.reconcile {
				return c.reconcile(ctx, k, r.apiErr)
			}
			var err error
			if r.netErr != nil {
				err = k.transportError(r.netErr, reached, nil)
			} else {
				err = k.finish(r.apiErr, d, class)
			}
			c.log(ctx, slog.LevelInfo, "tosspayments: call failed", k.meta, r.apiErr, slog.String("class", ClassOf(err).String()), slog.String("reason", why))
			return nil, k.meta, err
		}
		c.log(ctx, slog.LevelWarn, "tosspayments: retrying", k.meta, r.apiErr, slog.Duration("delay", delay), slog.String("reason", why))
		if err := c.cfg.sleep(ctx, delay); err != nil {
			return nil, k.meta, k.transportError(err, reached, last)
		}
	}
}

// prepare checks the call options, chooses the idempotency key once and
// encodes the body. Its errors are *ValidationErrors (or an encoding
// error): nothing was sent.
func (c *Client) prepare(o op, opts []CallOption) (*call, error) {
	k := &call{op: o, spec: c.ops[o.id], meta: &Meta{Operation: o.id}}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&k.cc); err != nil {
			if ve, ok := err.(*ValidationError); ok {
				ve.Operation = o.id // a fresh error of the option
			}
			return k, err
		}
	}
	if k.spec.PathParam != "" && (o.path == "" || o.path == "." || o.path == "..") {
		// URL resolution would drop such a segment and address another
		// resource; this is refused even without validation.
		return k, &ValidationError{Operation: o.id, In: "path", Field: k.spec.PathParam, Rule: `must not be empty, "." or ".."`}
	}
	if !k.post() {
		k.cc.key = ""
	} else if k.cc.key == "" {
		k.cc.key = c.cfg.newKey()
		if rule := checkIdempotencyKey(k.cc.key); rule != "" {
			return k, &ValidationError{Operation: o.id, In: "header", Field: "Idempotency-Key", Rule: "the idempotency key generator returned a bad key: " + rule}
		}
	}
	k.meta.IdempotencyKey = k.cc.key
	if o.body != nil {
		var err error
		if k.data, err = json.Marshal(o.body); err != nil {
			return k, fmt.Errorf("tosspayments: %s: encode request: %w", o.id, err)
		}
	}
	k.secrets = c.creds().secrets
	if len(o.secrets) > 0 {
		k.secrets = k.secrets[:len(k.secrets):len(k.secrets)] // never append into the shared list
		for _, s := range o.secrets {
			k.secrets = append(k.secrets, secretValue(s), secretValue(url.PathEscape(s))) // also as a path holds it
		}
	}
	k.check = c.cfg.validation
	return k, nil
}

func (k *call) post() bool { return k.spec.Method == http.MethodPost }

// edit is the request editor of the call: the idempotency key, the test
// code and the caller's headers (the client's editor adds the rest), then,
// on the first request, the validation of the whole request against the
// spec: a request that breaks it is not sent.
func (k *call) edit(ctx context.Context, req *http.Request) error {
	if k.cc.key != "" {
		req.Header.Set("Idempotency-Key", k.cc.key)
	}
	if k.cc.testCode != "" {
		req.Header.Set("TossPayments-Test-Code", k.cc.testCode)
	}
	for _, h := range k.cc.headers {
		req.Header.Set(h[0], h[1])
	}
	if k.check {
		k.check = false
		return validate(ctx, k.spec, req, k.path)
	}
	return nil
}

// attempt sends the request once and reads the answer, within the
// attempt's timeout.
func (c *Client) attempt(ctx context.Context, k *call) result {
	o := outcome{opID: k.id, post: k.post()}
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.cfg.timeout {
		// The caller's deadline, when earlier, already bounds the attempt.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.timeout)
		defer cancel()
	}
	// Whether the request may have left is seen by a connection trace with
	// an *http.Transport, else by whether the transport read the body.
	var used atomic.Bool
	eds := []generated.RequestEditorFn{k.edit}
	if c.traced {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { used.Store(true) }})
	} else {
		eds = append(eds, watchBody(&used))
	}
	resp, err := k.send(ctx, c.gen, bytes.NewReader(k.data), eds) // a GET's sender drops it
	var ue *url.Error
	if err != nil && !errors.As(err, &ue) {
		// Not an error of http.Client.Do: the builder or an editor refused.
		if !errors.As(err, new(*ValidationError)) {
			err = fmt.Errorf("tosspayments: %s: build request: %w", k.id, err)
		}
		return result{invalid: err}
	}
	if err != nil {
		ue.URL = k.secrets.scrub(ue.URL) // its path may hold a secret (a billing key)
		o.transport = true
		o.sent = (k.data == nil && !c.traced || used.Load()) && mayHaveReached(err)
		return result{o: o, netErr: err}
	}
	defer resp.Body.Close()
	return c.answer(k, resp, o)
}

// answer reads an answer and hands it to checkResponse.
func (c *Client) answer(k *call, resp *http.Response, o outcome) result {
	k.meta.StatusCode = resp.StatusCode
	k.meta.TraceID = k.secrets.clean(resp.Header.Get(traceIDHeader), maxTraceLen)
	o.status, o.sent = resp.StatusCode, true
	data, err := readAnswer(resp)
	if err != nil {
		// The answer was lost on the way: the request happened, and a lost
		// 4xx may have been one that leaves the outcome unknown (a 409 in
		// flight, PROVIDER_ERROR), which a repeat with the key replays.
		o.transport = true
		return result{o: o, netErr: &responseLostError{err: err}}
	}
	truncated := len(data) > maxBody
	if truncated {
		data = data[:maxBody]
	}
	if c.cfg.onBody != nil && !truncated {
		c.cfg.onBody(k.id, resp.StatusCode, data)
	}
	p, ae := checkResponse(k, resp, data, truncated)
	if ae == nil {
		return result{o: o, payment: p}
	}
	o.code, o.unverified, o.declined = ae.Code, ae.Mismatch != "" && !ae.declined, ae.declined
	return result{o: o, apiErr: ae}
}

// readAnswer reads an answer to its end, or to maxBody+1 bytes (so a longer
// one shows), in one allocation when its stated length is true and at most
// 64 KiB: the length is only a hint (a custom transport may leave it 0; a
// hostile server may state 1 MiB and send two bytes).
func readAnswer(resp *http.Response) ([]byte, error) {
	b := bytes.NewBuffer(make([]byte, 0, min(max(resp.ContentLength, 0), 64<<10)+bytes.MinRead))
	_, err := b.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	return b.Bytes(), err
}

// watchBody is a request editor that records whether the transport read
// any of the body. net/http reads a body only once it writes the request to
// a connection, so an unread body means the server cannot have acted on the
// request.
func watchBody(read *atomic.Bool) generated.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = &watchedBody{ReadCloser: req.Body, read: read}
			if getBody := req.GetBody; getBody != nil {
				req.GetBody = func() (io.ReadCloser, error) {
					b, err := getBody()
					return &watchedBody{ReadCloser: b, read: read}, err
				}
			}
		}
		return nil
	}
}

type watchedBody struct {
	io.ReadCloser
	read *atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.ReadCloser.Read(p)
}

// mayHaveReached reports whether a transport failure that happened after a
// connection was used may have reached the server: not when connecting or
// the TLS handshake failed, nor when the request could not be built (an
// error that is not the *url.Error of http.Client.Do).
func mayHaveReached(err error) bool {
	var ue *url.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var recErr tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	switch {
	case !errors.As(err, &ue),
		errors.As(err, &opErr) && opErr.Op == "dial",
		errors.As(err, &dnsErr), errors.As(err, &recErr), errors.As(err, &certErr):
		return false
	}
	return true
}

// log records a call's progress: never a body, a header or a secret.
func (c *Client) log(ctx context.Context, level slog.Level, msg string, meta *Meta, answer *APIError, extra ...slog.Attr) {
	if !c.cfg.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.String("operation", meta.Operation), slog.Int("attempt", meta.Attempts), slog.Int("status", meta.StatusCode)}
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
		Operation:            k.id,
		Method:               k.spec.Method,
		Attempts:             k.meta.Attempts,
		MayHaveReachedServer: reached,
		IdempotencyKey:       k.meta.IdempotencyKey,
		Err:                  err,
		req:                  k.request(),
	}
	if last != nil {
		d := decide(outcome{opID: k.id, post: k.post(), status: last.StatusCode, code: last.Code, unverified: last.Mismatch != "" && !last.declined, declined: last.declined})
		k.finish(last, d, d.classOf(k.post(), reached))
		te.Last = last
	}
	return te
}

// finish completes an answer's *APIError with the call's facts.
func (k *call) finish(e *APIError, d decision, class Class) *APIError {
	e.Operation = k.id
	e.Attempts = k.meta.Attempts
	e.IdempotencyKey = k.meta.IdempotencyKey
	e.class = class
	e.later = d.later
	e.req = k.request()
	if e.Mismatch != "" && !e.declined {
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
	return fmt.Sprintf("the API answered %d, but not to this request: %s. Do not treat the payment as done, and do not repeat the call with this idempotency key (it would replay this answer): settle it with Client.Resolve (see the package documentation, Outcome unknown)", status, why)
}

// responseLostError is an answer whose body could not be read: the request
// reached the server and may have taken effect.
type responseLostError struct{ err error }

func (e *responseLostError) Error() string { return "reading the response: " + e.err.Error() }
func (e *responseLostError) Unwrap() error { return e.err }
