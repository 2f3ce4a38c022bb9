package reliability_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

func TestMain(m *testing.M) {
	// Every test closes its servers, idle connections and shadow requests:
	// a goroutine left behind (a retry loop, a timer, a connection) fails
	// the package.
	goleak.VerifyTestMain(m)
}

// The canaries: a secret key and a card number that must never appear in
// any log record, error or output.
const (
	canaryKey  = "test_sk_CANARYq7Zr4Xw9Kp2Lm8Vt5Bn"
	canaryCard = "9440617283910245"
)

// canaryAuth is what the Authorization header carries for canaryKey.
var canaryAuth = base64.StdEncoding.EncodeToString([]byte(canaryKey + ":"))

// t0 is the sandbox's fake time: 2024-03-01 12:00 KST.
var t0 = time.Date(2024, 3, 1, 3, 0, 0, 0, time.UTC)

// capture is a goroutine-safe buffer that every log and error of a test
// writes to, searched for the canaries at the end.
type capture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *capture) printf(format string, args ...any) { fmt.Fprintf(c, format+"\n", args...) }

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// assertNoCanary fails if text holds a canary or the encoded credentials.
func assertNoCanary(t *testing.T, what, text string) {
	t.Helper()
	for _, c := range []string{canaryKey, canaryCard, canaryAuth, strings.TrimRight(canaryAuth, "=")} {
		if i := strings.Index(text, c); i >= 0 {
			lo := max(0, i-80)
			t.Errorf("%s contains a canary %.12q… near %q", what, c, text[lo:min(len(text), i+len(c)+40)])
		}
	}
}

// world is a sandbox served over real loopback HTTP, with everything it
// and the clients log captured.
type world struct {
	t     *testing.T
	sb    *sandbox.Sandbox
	srv   *httptest.Server
	clock *sandbox.FakeClock
	logs  *capture // wrapper logs, server error log
	out   *capture // error strings and outputs seen by callers
}

func newWorld(t *testing.T, opts ...sandbox.Option) *world {
	t.Helper()
	clock := sandbox.NewFakeClock(t0)
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithClock(clock), sandbox.WithSeed(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, sb: sb, clock: clock, logs: &capture{}, out: &capture{}}
	w.srv = httptest.NewUnstartedServer(sb.Handler())
	w.srv.Config.ErrorLog = log.New(w.logs, "sandbox-http: ", 0)
	w.srv.Start()
	t.Cleanup(w.srv.Close)
	return w
}

// client is a wrapper.Client on the world, with captured logs. rt, when
// not nil, sits under the wrapper's authentication (a fault injector).
func (w *world) client(rt http.RoundTripper, opts ...wrapper.Option) *wrapper.Client {
	w.t.Helper()
	if rt == nil {
		rt = &http.Transport{MaxIdleConnsPerHost: 64}
	}
	all := []wrapper.Option{
		wrapper.WithBaseURL(w.srv.URL),
		wrapper.WithHTTPClient(&http.Client{Transport: rt}),
		wrapper.WithLogger(slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	c, err := wrapper.New(canaryKey, append(all, opts...)...)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(c.CloseIdleConnections)
	return c
}

// record keeps what a caller saw of a result, for the canary search.
func (w *world) record(p any, meta *wrapper.Meta, err error) {
	if err != nil {
		w.out.printf("%v | %+v | %#v", err, err, err)
	}
	if meta != nil {
		w.out.printf("%+v", *meta)
	}
	if p != nil {
		w.out.printf("%+v", p)
	}
}

// scaledSleep waits a twentieth of what the wrapper asks (a 1 s Retry-After
// becomes 50 ms), returning at once when ctx ends.
func scaledSleep(counter *atomic.Int64) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		if counter != nil {
			counter.Add(1)
		}
		t := time.NewTimer(d / 20)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// The injected fault kinds.
type faultKind int

const (
	fkNone faultKind = iota
	fkDrop
	fkErrorBefore
	fkRateLimit
	fkTimeout
	fkInFlight
	numKinds
)

var kindNames = [numKinds]string{"none", "drop-after-commit", "error-before (500)", "429 with Retry-After", "delay beyond the client's timeout", "409 in flight"}

// injector is an http.RoundTripper under the wrapper that hits a seeded,
// random share of requests with a sandbox fault (X-Sandbox-Fault). A
// "409 in flight" sends a shadow copy of the request that holds its
// idempotency key on the sandbox (a delay fault), then the request itself,
// which finds the key in flight.
type injector struct {
	base         http.RoundTripper
	rates        [numKinds]float64
	timeoutDelay time.Duration // delay of fkTimeout, beyond the client's timeout
	shadowDelay  time.Duration // how long the shadow of fkInFlight holds the key
	claimWait    time.Duration // head start of the shadow

	mu  sync.Mutex
	rng *rand.Rand

	requests atomic.Int64
	faults   [numKinds]atomic.Int64
	status   sync.Map // int -> *atomic.Int64
	netErrs  atomic.Int64
	shadows  sync.WaitGroup
}

func newInjector(seed uint64, rates [numKinds]float64) *injector {
	return &injector{
		base:         &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 5 * time.Second},
		rates:        rates,
		timeoutDelay: 600 * time.Millisecond,
		shadowDelay:  60 * time.Millisecond,
		claimWait:    15 * time.Millisecond,
		rng:          rand.New(rand.NewPCG(seed, 0x1f)),
	}
}

func (in *injector) draw() faultKind {
	in.mu.Lock()
	u := in.rng.Float64()
	in.mu.Unlock()
	acc := 0.0
	for k := fkDrop; k < numKinds; k++ {
		acc += in.rates[k]
		if u < acc {
			return k
		}
	}
	return fkNone
}

func (in *injector) count(status int) {
	v, _ := in.status.LoadOrStore(status, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (in *injector) statusCount(status int) int64 {
	if v, ok := in.status.Load(status); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

func (in *injector) RoundTrip(req *http.Request) (*http.Response, error) {
	in.requests.Add(1)
	k := in.draw()
	if k == fkInFlight && req.Header.Get("Idempotency-Key") == "" {
		// A look-up has no key to hold: it gets the 500 instead.
		k = fkErrorBefore
	}
	in.faults[k].Add(1)
	r := req.Clone(req.Context())
	switch k {
	case fkDrop:
		r.Header.Set(sandbox.FaultHeader, sandbox.FaultDropAfterCommit)
	case fkErrorBefore:
		r.Header.Set(sandbox.FaultHeader, sandbox.FaultErrorBefore)
	case fkRateLimit:
		r.Header.Set(sandbox.FaultHeader, sandbox.FaultRateLimit)
	case fkTimeout:
		r.Header.Set(sandbox.FaultHeader, sandbox.FaultDelay+"="+in.timeoutDelay.String())
	case fkInFlight:
		if err := in.shadow(req); err != nil {
			return nil, err
		}
	}
	resp, err := in.base.RoundTrip(r)
	if err != nil {
		in.netErrs.Add(1)
		return nil, err
	}
	in.count(resp.StatusCode)
	return resp, nil
}

// shadow sends a copy of req that claims its idempotency key and holds it
// for shadowDelay, and gives it a head start of claimWait.
func (in *injector) shadow(req *http.Request) error {
	body, err := req.GetBody()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	s := req.Clone(ctx)
	s.Body = body
	s.Header.Set(sandbox.FaultHeader, sandbox.FaultDelay+"="+in.shadowDelay.String())
	in.shadows.Add(1)
	go func() {
		defer in.shadows.Done()
		defer cancel()
		if resp, err := in.base.RoundTrip(s); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}()
	t := time.NewTimer(in.claimWait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-req.Context().Done():
		return req.Context().Err()
	}
}

// close waits for the shadows and closes the idle connections.
func (in *injector) close() {
	in.shadows.Wait()
	in.base.(*http.Transport).CloseIdleConnections()
}
