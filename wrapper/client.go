package wrapper

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// Mode is whether a secret key is a test key or a live key. Toss uses one
// host for both; the key prefix picks the mode.
type Mode string

const (
	// ModeTest is a test key (test_sk_…, test_gsk_…, test_ak_…): no money
	// moves, and the TossPayments-Test-Code header is honoured.
	ModeTest Mode = "test"
	// ModeLive is a live key (live_sk_…, live_gsk_…): real money.
	ModeLive Mode = "live"
	// ModeUnknown is a key with neither prefix (for example one issued by a
	// local sandbox). Treat it as live.
	ModeUnknown Mode = "unknown"
)

// Defaults of New.
const (
	// DefaultBaseURL is the API's host, for test and live keys alike.
	DefaultBaseURL = "https://api.tosspayments.com"
	// DefaultTimeout bounds each attempt, from sending the request to
	// reading the whole response.
	DefaultTimeout = 30 * time.Second
	// MaxIdempotencyKeyLength is the longest Idempotency-Key the API takes.
	MaxIdempotencyKeyLength = 300
)

// Client calls the Toss Payments Core API. Create one with New and share it:
// it is safe for concurrent use and keeps its connections alive.
//
// A Client never prints its secret key: %v, %+v, %#v and slog show only the
// mode and the base URL.
type Client struct {
	cfg  config
	mode Mode
	http *http.Client
	// gen is the generated client: its builders build every request, and
	// its editor (Client.authorize) adds the headers of the client.
	gen *generated.Client
	ops map[string]*specOp
	// traced is true when the transport is an *http.Transport, which
	// reports through httptrace whether an attempt got a connection.
	traced bool
	// creds returns the Authorization header value and the key in every
	// form a server could echo (to scrub them): a func, so that no way of
	// printing a Client reaches them.
	creds func() credentials
}

type credentials struct {
	auth    string
	secrets secretList
}

// Option configures a Client in New. Options check their input: New returns
// the first option error.
type Option func(*config) error

// config is everything the options set, held once by the Client.
type config struct {
	baseURL    string
	httpClient *http.Client
	language   string
	retry      RetryPolicy
	timeout    time.Duration
	logger     *slog.Logger
	newKey     func() string
	sleep      func(context.Context, time.Duration) error
	validation bool
	// onBody, when set, sees every response body the client reads whole,
	// with its operation and status, before it is interpreted.
	onBody func(opID string, status int, body []byte)
}

// WithBaseURL sends requests to base (scheme and host, optionally a path
// prefix, which is kept) instead of DefaultBaseURL: a local sandbox, an
// httptest server, an egress gateway. Only a test key may use http://
// (any host); New refuses it for any other key, loopback included.
func WithBaseURL(base string) Option {
	return func(c *config) error {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			if err == nil && u.User != nil {
				base = u.Redacted()
			}
			return fmt.Errorf("wrapper: WithBaseURL(%q): want an absolute http or https URL", base)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("wrapper: WithBaseURL: the URL must not carry credentials, a query or a fragment")
		}
		c.baseURL = strings.TrimRight(u.String(), "/")
		return nil
	}
}

// WithHTTPClient sends requests through a copy of hc (never modified) that
// follows no redirect, whatever hc's CheckRedirect says: following one could
// send a payment request, card data or the key elsewhere. Nil is refused.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		c.httpClient = hc // New copies it
		return refuseNil("WithHTTPClient", hc == nil)
	}
}

// WithLanguage sets the Accept-Language of every request: "en-US" for
// English enum values and messages. Without it the API answers in Korean.
func WithLanguage(tag string) Option {
	return func(c *config) error {
		if tag == "" || strings.ContainsFunc(tag, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			return fmt.Errorf("wrapper: WithLanguage(%q): want a language tag such as \"en-US\"", tag)
		}
		c.language = tag
		return nil
	}
}

// WithRetry replaces DefaultRetryPolicy. MaxAttempts must be 1 to 10 and
// 0 <= BaseDelay <= MaxDelay.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		if p.MaxAttempts < 1 || p.MaxAttempts > 10 {
			return fmt.Errorf("wrapper: WithRetry: MaxAttempts %d is not in 1..10", p.MaxAttempts)
		}
		if p.BaseDelay < 0 || p.MaxDelay < p.BaseDelay {
			return fmt.Errorf("wrapper: WithRetry: want 0 <= BaseDelay (%s) <= MaxDelay (%s)", p.BaseDelay, p.MaxDelay)
		}
		c.retry = p
		return nil
	}
}

// WithTimeout bounds each attempt (DefaultTimeout by default), from sending
// the request to reading the whole response; the ctx of a call bounds the
// whole call. A client given to WithHTTPClient keeps its own timeouts.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("wrapper: WithTimeout(%s): want a positive duration", d)
		}
		c.timeout = d
		return nil
	}
}

// WithLogger records retry decisions and call outcomes on l (operation,
// status, code, trace id, idempotency key, attempt, reason), never bodies,
// headers or secrets. By default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return refuseNil("WithLogger", l == nil)
	}
}

// WithIdempotencyKeyGenerator replaces the UUID v4 generator that picks the
// Idempotency-Key of a POST called without WithIdempotencyKey. Tests use it for
// deterministic keys. It is called once per call, before the first attempt.
func WithIdempotencyKeyGenerator(gen func() string) Option {
	return func(c *config) error {
		c.newKey = gen
		return refuseNil("WithIdempotencyKeyGenerator", gen == nil)
	}
}

// WithSleeper replaces the wait between attempts. sleep must return early, with
// ctx.Err(), when ctx ends. Tests use it to record the delays and not wait.
func WithSleeper(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) error {
		c.sleep = sleep
		return refuseNil("WithSleeper", sleep == nil)
	}
}

// refuseNil is the error of an option given nil (New discards what it set).
func refuseNil(option string, isNil bool) error {
	if isNil {
		return errors.New("wrapper: " + option + "(nil)")
	}
	return nil
}

// WithValidation switches the local validation of requests against the
// OpenAPI document on (the default) or off. Off, malformed requests reach the
// API and come back as 400 INVALID_REQUEST.
func WithValidation(enabled bool) Option {
	return func(c *config) error {
		c.validation = enabled
		return nil
	}
}

// New returns a Client that authenticates with secretKey (see the package
// documentation, "Authentication and secrets").
func New(secretKey string, opts ...Option) (*Client, error) {
	if err := checkSecretKey(secretKey); err != nil {
		return nil, err
	}
	cfg := config{
		baseURL:    DefaultBaseURL,
		retry:      DefaultRetryPolicy,
		timeout:    DefaultTimeout,
		newKey:     newUUIDv4,
		sleep:      sleepContext,
		validation: true,
		logger:     slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("wrapper: nil Option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	mode := modeOf(secretKey)
	if err := checkCleartext(cfg.baseURL, mode); err != nil {
		return nil, err
	}
	ops, err := specOps()
	if err != nil {
		return nil, err
	}
	hc := defaultHTTPClient(cfg.timeout)
	if cfg.httpClient != nil {
		cp := *cfg.httpClient
		hc = &cp
	}
	hc.CheckRedirect = noRedirect
	_, traced := hc.Transport.(*http.Transport)
	if hc.Transport == nil {
		_, traced = http.DefaultTransport.(*http.Transport)
	}
	creds := credentials{
		auth:    "Basic " + base64.StdEncoding.EncodeToString([]byte(secretKey+":")),
		secrets: secretsOfKey(secretKey),
	}
	c := &Client{cfg: cfg, mode: mode, http: hc, ops: ops, traced: traced, creds: func() credentials { return creds }}
	// The base URL with a trailing slash, which the generated builders
	// resolve the operation's path against (keeping a path prefix).
	c.gen, err = generated.NewClient(cfg.baseURL+"/", generated.WithHTTPClient(hc), generated.WithRequestEditorFn(c.authorize))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UserAgent is the User-Agent of every request.
const UserAgent = "tosspayments-go"

// authorize is the request editor of the client: the Authorization, User-Agent
// and Accept-Language of every request (the call adds its own; see call.edit).
func (c *Client) authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", c.creds().auth)
	req.Header.Set("User-Agent", UserAgent)
	if c.cfg.language != "" {
		req.Header.Set("Accept-Language", c.cfg.language)
	}
	return nil
}

// Environment variables NewFromEnv reads (tosspay reads the same).
const (
	EnvSecretKey = "TOSS_SECRET_KEY"
	EnvBaseURL   = "TOSS_BASE_URL"
)

// NewFromEnv is New with the secret key from TOSS_SECRET_KEY (which must be
// set) and, when TOSS_BASE_URL is not empty, WithBaseURL(TOSS_BASE_URL)
// before opts (an explicit WithBaseURL in opts wins), as tosspay reads them.
func NewFromEnv(opts ...Option) (*Client, error) {
	key := os.Getenv(EnvSecretKey)
	if key == "" {
		return nil, errors.New("wrapper: " + EnvSecretKey + " is not set (a test_sk_ key; for a local sandbox, the key it prints)")
	}
	if base := os.Getenv(EnvBaseURL); base != "" {
		opts = append([]Option{WithBaseURL(base)}, opts...)
	}
	return New(key, opts...)
}

// noRedirect is the CheckRedirect of every client New makes: the redirect
// answer itself comes back, and nothing is sent to its Location.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func checkSecretKey(k string) error {
	switch {
	case k == "":
		return errors.New("wrapper: the secret key is empty")
	case strings.Contains(k, ":"):
		return errors.New("wrapper: the secret key contains ':'; pass the key alone, the client adds the colon of Basic authentication")
	case strings.ContainsFunc(k, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return errors.New("wrapper: the secret key contains white space or control characters; check how it was read (a trailing newline?)")
	}
	for _, p := range []string{"test_ck_", "live_ck_", "test_gck_", "live_gck_"} {
		if strings.HasPrefix(k, p) {
			return fmt.Errorf("wrapper: the key is a client key (%s…), which is for browsers; use the secret key (%s…)", p, strings.Replace(p, "ck_", "sk_", 1))
		}
	}
	return nil
}

// checkCleartext refuses to send a key that may be live (a live key, or one
// of unknown mode) over http://, to any host, loopback included: only a test
// key may cross a connection in cleartext. Options run before New looks at
// the key, so New calls it once both are known.
func checkCleartext(base string, mode Mode) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || mode == ModeTest {
		return nil
	}
	return fmt.Errorf("wrapper: WithBaseURL(%q): http:// would send a %s secret key in cleartext; use https:// or a test key", base, mode)
}

func modeOf(k string) Mode {
	switch {
	case strings.HasPrefix(k, "test_"):
		return ModeTest
	case strings.HasPrefix(k, "live_"):
		return ModeLive
	}
	return ModeUnknown
}

// backstopMargin is how much later than the per-attempt timeout the default
// client's own timeouts fire: the attempt's ctx ends an attempt, they are a
// backstop that must never cut it shorter.
const backstopMargin = time.Second

// defaultHTTPClient has connection, TLS and header timeouts, TLS 1.2 at
// least, and follows no redirect. Its response-header timeout is the
// attempt's plus backstopMargin, so that it never ends an attempt before the
// attempt's context does.
func defaultHTTPClient(attempt time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: attempt + backstopMargin,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   16,
		},
		CheckRedirect: noRedirect,
	}
}

// Mode reports whether the client's key is a test or a live key.
func (c *Client) Mode() Mode { return c.mode }

// IsTest reports whether the client's key is a test key (no money moves).
func (c *Client) IsTest() bool { return c.mode == ModeTest }

// BaseURL returns the URL requests are sent to.
func (c *Client) BaseURL() string { return c.cfg.baseURL }

// CloseIdleConnections closes the client's idle keep-alive connections.
// Call it when done with a Client that used the default HTTP client.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// String shows the mode and the base URL, never the key.
func (c *Client) String() string {
	if c == nil {
		return "wrapper.Client(nil)"
	}
	return "wrapper.Client{mode: " + string(c.mode) + ", baseURL: " + c.cfg.baseURL + "}"
}

// GoString is String, so %#v does not print the key.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so no verb prints the key.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue shows the mode and the base URL to slog.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("wrapper.Client(nil)")
	}
	return slog.GroupValue(slog.String("mode", string(c.mode)), slog.String("base_url", c.cfg.baseURL))
}

// sleepContext waits d or until ctx ends, whichever is first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
