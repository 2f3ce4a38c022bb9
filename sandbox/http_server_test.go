package sandbox_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// serve starts the server of NewServer with maxConns on a loopback port.
func serve(t *testing.T, sb *sandbox.Sandbox, maxConns int, idle time.Duration) (*sandbox.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := sandbox.NewServer(ln.Addr().String(), sb.Handler())
	srv.MaxConns = maxConns
	srv.IdleTimeout = idle
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, ln.Addr().String()
}

// TestIdleFloodDoesNotLockOut: connections that sent one request and now
// sit idle on keep-alive hold every slot of the server (here 64, and an
// idle timeout of a minute, so nothing expires during the test); a new
// client's look-up is still answered, because the server closes the
// connection idle the longest to take it, and the number of open
// connections never exceeds the cap. The bound is a context deadline far
// below the idle timeout (so a server that waited for an idle connection to
// time out would fail); the elapsed time is logged, and measured figures
// are in docs/reliability.md.
func TestIdleFloodDoesNotLockOut(t *testing.T) {
	t.Parallel()
	const maxConns = 64
	e := setup(t)
	paid := e.ok("POST", "/v1/payments/key-in", keyInBody("order-conn-0001", 1000, "4330123412341234"))
	srv, addr := serve(t, e.sb, maxConns, time.Minute)

	// The flood: maxConns keep-alive connections, each idle after one answer.
	flood := make([]net.Conn, 0, maxConns)
	t.Cleanup(func() {
		for _, c := range flood {
			c.Close()
		}
	})
	for i := range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		flood = append(flood, c)
		fmt.Fprintf(c, "GET /v1/payments/flood%04d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("flood connection %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Close {
			t.Fatalf("flood connection %d: %d, close %v; want a kept-alive 401", i, resp.StatusCode, resp.Close)
		}
		// The server marks a connection idle after the client has its
		// answer: wait for it, so that the flood goes idle in order.
		for j := 0; srv.IdleConns() != i+1; j++ {
			if j > 2000 {
				t.Fatalf("flood connection %d never went idle", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if n := srv.Conns(); n != maxConns {
		t.Fatalf("%d connections open after the flood, want the cap %d", n, maxConns)
	}

	// A fresh client: its own transport, so a new connection.
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	// Without eviction the request would wait for an idle timeout (a
	// minute here); the bound only tells that apart from a prompt answer,
	// generous for a loaded CI machine. The time taken is logged.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/v1/payments/"+paid.PaymentKey, nil)
	req.Header.Set("Authorization", basic(e.key))
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("a fresh client's look-up with the cap held by idle connections: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	t.Logf("answered in %v with %d idle connections at the cap", time.Since(start), maxConns)
	if resp.StatusCode != 200 {
		t.Fatalf("look-up: %d %s", resp.StatusCode, body)
	}
	if n := srv.Conns(); n > maxConns {
		t.Errorf("%d connections open, over the cap %d", n, maxConns)
	}
	// The connection idle the longest, the first of the flood, was closed.
	_ = flood[0].SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := flood[0].Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("the oldest idle connection: read %v, want EOF (closed by the server)", err)
	}
}

// TestSilentFloodDoesNotLockOut: connections that never send a byte hold
// every slot; a new client's request still gets its answer, since a
// connection silent for more than a moment is closed to make room.
func TestSilentFloodDoesNotLockOut(t *testing.T) {
	t.Parallel()
	const maxConns = 32
	e := setup(t)
	srv, addr := serve(t, e.sb, maxConns, time.Minute)
	for range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second) // below ReadHeaderTimeout (5 s)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/v1/payments/orders/order-conn-0404", nil)
	req.Header.Set("Authorization", basic(e.key))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("a request with the cap held by silent connections: %v", err)
	}
	var er generated.Error
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("look-up of an unknown order: %d %s (%v)", resp.StatusCode, b, er)
	}
	if n := srv.Conns(); n > maxConns {
		t.Errorf("%d connections open, over the cap %d", n, maxConns)
	}
}
