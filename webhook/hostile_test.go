package webhook

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rawPost sends a request over its own connection: the headers and only
// the first sent bytes of a body of length bytes, then waits for the
// answer's status line.
func rawPost(t *testing.T, srv *httptest.Server, length int, sent string) string {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second)) // a guard against hanging
	fmt.Fprintf(conn, "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", length, sent)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return strings.TrimSpace(line)
}

// A sender that trickles its body is cut off at the read deadline with 408
// instead of holding the connection.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(newFakeToss(t)), WithBodyReadTimeout(100*time.Millisecond))
	srv := httptest.NewServer(r)
	defer srv.Close()
	if got := rawPost(t, srv, 1000, `{"eventType":`); got != "HTTP/1.1 408 Request Timeout" {
		t.Fatalf("answer %q, want 408", got)
	}
	if rec.count() != 0 {
		t.Fatal("the function was called")
	}
}

// Once the body is read, the read deadline is lifted: a look-up that
// outlasts it still answers.
func TestLookupOutlastsTheReadDeadline(t *testing.T) {
	t.Parallel()
	toss := newFakeToss(t, paymentJSON("pk_1", "order_1", "DONE", strPtr(testSecret)))
	toss.block = make(chan struct{})
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(toss), WithBodyReadTimeout(50*time.Millisecond))
	srv := httptest.NewServer(r)
	defer srv.Close()
	go func() {
		time.Sleep(300 * time.Millisecond) // well past the read deadline
		close(toss.block)
	}()
	body := string(statusEvent("pk_1", "order_1", "DONE", strPtr(testSecret), "2026-01-02T15:00:00"))
	if got := rawPost(t, srv, len(body), body); got != "HTTP/1.1 200 OK" {
		t.Fatalf("answer %q, want 200", got)
	}
	if rec.count() != 1 {
		t.Fatalf("the function ran %d times", rec.count())
	}
}

// A body over the limit is refused (413) without being read to the end.
func TestHugeBodyRefused(t *testing.T) {
	t.Parallel()
	var rec recorder
	r := mustNew(t, rec.handle, WithPaymentGetter(newFakeToss(t)))
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(`{"eventType":"PAYMENT_STATUS_CHANGED","x":"`+strings.Repeat("a", DefaultMaxBodyBytes)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || rec.count() != 0 {
		t.Fatalf("answer %d, function %d", resp.StatusCode, rec.count())
	}
}
