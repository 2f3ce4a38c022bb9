package reliability_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

var rssFlood = flag.String("rss.flood", "", "run one flood against a sandbox with the default limits and report the process's RSS: keys, bytes, payments, cancels or conns")

// procStatus reads a field of /proc/self/status in KiB.
func procStatus(t *testing.T, field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var n int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &n)
			return n
		}
	}
	return 0
}

// TestFloodRSS runs one flood (-rss.flood) against a sandbox with the
// default limits, in a process of its own, and logs the RSS before, at its
// peak and after (after a GC that returns freed memory to the OS), with what
// the sandbox holds. It measures; it asserts only that the sandbox stays
// within its global limits. docs/reliability.md has the figures and the
// commands:
//
//	go test -run TestFloodRSS -v -count=1 ./reliability/ -rss.flood keys
func TestFloodRSS(t *testing.T) {
	if *rssFlood == "" {
		t.Skip("a measurement: run with -rss.flood keys|bytes|payments|cancels|conns (see docs/reliability.md)")
	}
	sb, err := sandbox.New(sandbox.WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	h := sb.Handler()
	post := func(key, path, body, idem string) []byte {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
		req.Header.Set("Content-Type", "application/json")
		if idem != "" {
			req.Header.Set("Idempotency-Key", idem)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	keyOf := func(k int) string { return fmt.Sprintf("test_sk_rss%02d_%s", k, strings.Repeat("x", 24)) }
	debug.FreeOSMemory()
	before := procStatus(t, "VmRSS")
	start := time.Now()
	what := ""
	switch *rssFlood {
	case "keys":
		// 20 keys × 10,000 creates, each with a new idempotency key: twice
		// the global key and payment limits.
		for k := range 20 {
			for i := range 10_000 {
				post(keyOf(k), "/v1/payments", fmt.Sprintf(`{"method":"CARD","amount":15000,"orderId":"rss-%02d-%06d","orderName":"flood","returnUrl":"https://shop.example/return"}`, k, i),
					fmt.Sprintf("%08d-%02d-%s", i, k, strings.Repeat("k", 25)))
			}
		}
		what = "200,000 creates with new idempotency keys from 20 secret keys"
	case "bytes":
		// 12 keys × 30 key-ins × 100 cancels with a new key each: every
		// cached answer holds the payment with all its cancels so far.
		for k := range 12 {
			for i := range 30 {
				p := post(keyOf(k), "/v1/payments/key-in", fmt.Sprintf(`{"amount":100000,"orderId":"rss-%02d-%06d","orderName":"flood","cardNumber":"4330123412341234","cardExpirationYear":"29","cardExpirationMonth":"07","customerIdentityNumber":"881212"}`, k, i), "")
				var created generated.Payment
				if err := json.Unmarshal(p, &created); err != nil {
					t.Fatal(err)
				}
				pk := created.PaymentKey
				for j := range sandbox.MaxCancelsPerPayment {
					post(keyOf(k), "/v1/payments/"+pk+"/cancel", `{"cancelReason":"`+strings.Repeat("r", 200)+`","cancelAmount":10}`, fmt.Sprintf("c-%d-%d-%d", k, i, j))
				}
			}
		}
		what = "36,000 cancels with new idempotency keys, 100 on each of 360 payments, from 12 secret keys (cached answers up to 30 KB)"
	case "payments":
		// 12 keys × 10,000 key-ins through the rules: past the global
		// payment limit.
		for k := range 12 {
			c := sandbox.Caller{SecretKey: keyOf(k)}
			for i := range 10_000 {
				if _, err := sb.KeyIn(c, keyInRequest(fmt.Sprintf("rss-%02d-%06d", k, i), 15000)); err != nil {
					t.Fatal(err)
				}
			}
		}
		what = "120,000 key-ins from 12 secret keys (through the rules)"
	case "cancels":
		// The case once measured at 92 KB a payment: 100 cancels on each of
		// 1,000 payments, here from 6 keys (600,000 cancels, three times the
		// global cancel limit), through the rules, with 200-character reasons.
		ten := money.New(10)
		for k := range 6 {
			c := sandbox.Caller{SecretKey: keyOf(k)}
			for i := range 1000 {
				p, err := sb.KeyIn(c, keyInRequest(fmt.Sprintf("rss-%02d-%06d", k, i), 100000))
				if err != nil {
					t.Fatal(err)
				}
				for range sandbox.MaxCancelsPerPayment {
					if _, err := sb.Cancel(c, p.PaymentKey, generated.CancelPaymentRequest{CancelReason: strings.Repeat("r", 200), CancelAmount: &ten}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		what = "600,000 cancels, 100 on each of 6,000 payments, from 6 secret keys (through the rules)"
	case "conns":
		// 5,000 idle keep-alive connections against the server of
		// NewServer (cap 1,024), each after one answer.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := sandbox.NewServer(ln.Addr().String(), h)
		go srv.Serve(ln)
		defer srv.Close()
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for i := range 5000 {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			conns = append(conns, c)
			fmt.Fprintf(c, "GET /v1/payments/flood%05d HTTP/1.1\r\nHost: x\r\n\r\n", i)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		fds, _ := os.ReadDir("/proc/self/fd")
		what = fmt.Sprintf("5,000 idle keep-alive connections: %d open on the server (cap %d), %d file descriptors in the process (both ends)", srv.Conns(), srv.MaxConns, len(fds))
		if srv.Conns() > srv.MaxConns {
			t.Errorf("%d connections open, over the cap", srv.Conns())
		}
	default:
		t.Fatalf("unknown flood %q", *rssFlood)
	}
	elapsed := time.Since(start)
	peak := procStatus(t, "VmHWM")
	runtime.GC()
	debug.FreeOSMemory()
	after := procStatus(t, "VmRSS")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	u := sb.Usage()
	t.Logf("flood %s: %s in %v", *rssFlood, what, elapsed.Round(time.Millisecond))
	t.Logf("  RSS before %d MiB, peak %d MiB, after GC %d MiB; heap in use %d MiB", before>>10, peak>>10, after>>10, ms.HeapInuse>>20)
	t.Logf("  the sandbox holds %+v", u)
	l := sandbox.DefaultGlobalLimits
	if u.IdempotencyKeys > l.IdempotencyKeys || u.IdempotencyBytes > l.IdempotencyBytes || u.Payments > l.Payments || u.Cancels > l.Cancels {
		t.Errorf("over the global limits %+v", l)
	}
	runtime.KeepAlive(sb)
}
