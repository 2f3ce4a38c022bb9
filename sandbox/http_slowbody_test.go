package sandbox_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// slowSender opens a connection that sends the headers of a create with a
// body of 1,000 bytes, then one byte of it, and no more.
func slowSender(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/payments HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", basic("test_sk_slowbody"))
	return c
}

// cutOff reports whether the server answered c, or closed it, before a
// safety bound far below the 30 s read timeout.
func cutOff(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return !isTimeout(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusBadRequest
}

// bystanderGet sends GET path as key on a new connection to addr, within a
// safety bound far below the server's 30 s read timeout, and returns the
// answer's status.
func bystanderGet(t *testing.T, addr, path, key string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n", path, basic(key))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("the bystander's look-up: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// serveBodies starts the server of NewServer with maxConns and a body
// grace on a loopback port.
func serveBodies(t *testing.T, sb *sandbox.Sandbox, maxConns int, grace time.Duration, tune ...func(*sandbox.Server)) (*sandbox.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := sandbox.NewServer(ln.Addr().String(), sb.Handler())
	srv.MaxConns, srv.BodyGrace = maxConns, grace
	for _, f := range tune {
		f(srv)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return srv, ln.Addr().String()
}

// TestSlowBodyCutOff: a body that stops arriving is cut off once it falls
// below the minimum rate, not held for the whole read timeout.
func TestSlowBodyCutOff(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, addr := serveBodies(t, e.sb, 16, 300*time.Millisecond)
	c := slowSender(t, addr)
	if !cutOff(c) {
		t.Fatal("a trickled body held its connection past the safety bound (the read timeout is 30 s)")
	}
}

// TestSlowBodiesDoNotStarve: every connection the server may hold is
// sending its body slowly (the minimum rate's grace is long, so none is cut
// by it); a new client's request is still answered, because the server
// closes the slowest sender to take it.
func TestSlowBodiesDoNotStarve(t *testing.T) {
	t.Parallel()
	const maxConns = 8
	e := setup(t)
	paid := e.ok("POST", "/v1/payments/key-in", keyInBody("order-slowbody-1", 1000, "4330123412341234"))
	srv, addr := serveBodies(t, e.sb, maxConns, time.Minute)
	var slow []net.Conn
	for range maxConns {
		slow = append(slow, slowSender(t, addr))
	}
	for srv.Conns() != maxConns {
		time.Sleep(time.Millisecond)
	}
	if code := bystanderGet(t, addr, "/v1/payments/"+paid.PaymentKey, e.key); code != 200 {
		t.Fatalf("the bystander's look-up: %d", code)
	}
	closed := 0
	for _, s := range slow {
		_ = s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := s.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
			closed++
		}
	}
	if closed == 0 {
		t.Error("no slow sender was closed to make room")
	}
	if n := srv.Conns(); n > maxConns {
		t.Errorf("%d connections open, cap %d", n, maxConns)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestSlowHeadersDoNotStarve: every connection the server may hold has
// sent part of its headers and no more (the header timeout is set far
// beyond the test's safety bound, so it frees none); a new client is still
// answered, because the server closes such a connection to take it (net/http
// counts a connection new until a request's headers are in).
func TestSlowHeadersDoNotStarve(t *testing.T) {
	t.Parallel()
	const maxConns = 8
	e := setup(t)
	srv, addr := serveBodies(t, e.sb, maxConns, time.Minute, func(s *sandbox.Server) { s.ReadHeaderTimeout, s.ReadTimeout = time.Hour, time.Hour })
	for range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET /v1/payments/x HTTP/1.1\r\nHost: x\r\n")
	}
	for srv.Conns() != maxConns {
		time.Sleep(time.Millisecond)
	}
	if code := bystanderGet(t, addr, "/v1/payments/nosuchpayment", e.key); code != 404 {
		t.Errorf("the bystander's look-up: %d, want 404", code)
	}
}
