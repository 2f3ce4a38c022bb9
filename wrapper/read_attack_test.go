package wrapper

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// TestAnswerLengthFromTransport: a transport that is not an
// *http.Transport may hand back a body with a ContentLength that does not
// fit it (a hand-built response leaves it 0; a middleware that rewrites the
// body may keep the old one). The body is read to its end all the same: a
// success stays a success and a decline keeps its code.
func TestAnswerLengthFromTransport(t *testing.T) {
	t.Parallel()
	decline := []byte(`{"code":"REJECT_CARD_COMPANY","message":"declined"}`)
	for name, length := range map[string]func(body []byte) int64{
		"unset": func([]byte) int64 { return 0 },
		"half":  func(b []byte) int64 { return int64(len(b) / 2) },
	} {
		for _, status := range []int{200, 403} {
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				sent, _ := io.ReadAll(r.Body)
				body := decline
				if status == 200 {
					r.SetPathValue("paymentKey", "")
					body = answerTo(t, r, sent)
				}
				return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(bytes.NewReader(body)), ContentLength: length(body), Request: r}, nil
			})
			c, err := New(testKey, WithBaseURL("http://sandbox.test"), WithHTTPClient(&http.Client{Transport: rt}), WithSleeper((&sleeper{}).sleep))
			if err != nil {
				t.Fatal(err)
			}
			p, _, err := c.ConfirmPayment(context.Background(), confirmReq())
			var ae *APIError
			switch {
			case status == 200 && (err != nil || p == nil || p.Status != generated.PaymentStatusDone):
				t.Errorf("200, length %s: p %v, err %v", name, p != nil, err)
			case status == 403 && (!errors.As(err, &ae) || ae.Code != generated.ErrorCodeRejectCardCompany || !IsDeclined(err)):
				t.Errorf("403, length %s: err %v (class %s)", name, err, ClassOf(err))
			}
		}
	}
}

// TestShortAnswerHoldsLittle: an answer that states 1 MiB and sends two
// bytes holds a small part of that: the stated length is only a hint, and a
// server can lie in it.
func TestShortAnswerHoldsLittle(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 200, ContentLength: maxBody, Body: io.NopCloser(strings.NewReader("{}"))}
	data, err := readAnswer(resp)
	if string(data) != "{}" || err != nil || cap(data) > maxBody/8 {
		t.Fatalf("read %q (cap %d), err %v", data, cap(data), err)
	}
}

// TestLyingLengths: answers whose framing lies, written raw on the wire to
// a confirm (with Connection: close where bytes follow the stated length, or
// net/http logs them as an unsolicited response). None reads as a success
// unless its payment arrived whole, and an answer whose body was lost, of
// any status, leaves the outcome unknown.
func TestLyingLengths(t *testing.T) {
	t.Parallel()
	gz := func(b []byte) []byte {
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return out.Bytes()
	}
	pad := func(b []byte, n int) []byte { return append(b, bytes.Repeat([]byte(" "), n-len(b))...) }
	decline := []byte(`{"code":"REJECT_CARD_COMPANY","message":"declined"}`)
	for _, tc := range []struct {
		name string
		// raw returns the response to write for the payment answering the
		// request (a *http.Transport reads it).
		raw  func(p []byte) string
		want Class // ClassNone: a success
	}{
		{"its own length", func(p []byte) string {
			return head(200, fmt.Sprintf("Content-Length: %d", len(p))) + string(p)
		}, ClassNone},
		{"length 0 with a body", func(p []byte) string { return head(200, "Connection: close\r\nContent-Length: 0") + string(p) }, ClassOutcomeUnknown},
		{"length short of the body", func(p []byte) string {
			return head(200, fmt.Sprintf("Connection: close\r\nContent-Length: %d", len(p)-1)) + string(p)
		}, ClassOutcomeUnknown},
		{"two lengths", func(p []byte) string {
			return head(200, fmt.Sprintf("Content-Length: %d\r\nContent-Length: %d", len(p), len(p)+1)) + string(p)
		}, ClassOutcomeUnknown},
		{"huge length, short body", func(p []byte) string { return head(200, "Content-Length: 99999999999") + string(p) }, ClassOutcomeUnknown},
		{"length with chunked", func(p []byte) string {
			return head(200, "Content-Length: 3\r\nTransfer-Encoding: chunked") + fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(p), p)
		}, ClassNone},
		{"gzip with its compressed length", func(p []byte) string {
			z := gz(p)
			return head(200, fmt.Sprintf("Content-Encoding: gzip\r\nContent-Length: %d", len(z))) + string(z)
		}, ClassNone},
		{"gzip of more than the cap, small length", func(p []byte) string {
			z := gz(pad(p, maxBody+1))
			return head(200, fmt.Sprintf("Content-Encoding: gzip\r\nContent-Length: %d", len(z))) + string(z)
		}, ClassOutcomeUnknown},
		{"HTTP/1.0 close-delimited", func(p []byte) string {
			return "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + string(p)
		}, ClassNone},
		{"exactly the cap", func(p []byte) string {
			return head(200, fmt.Sprintf("Content-Length: %d", maxBody)) + string(pad(p, maxBody))
		}, ClassNone},
		{"one byte over the cap", func(p []byte) string {
			return head(200, fmt.Sprintf("Content-Length: %d", maxBody+1)) + string(pad(p, maxBody+1))
		}, ClassOutcomeUnknown},
		{"close-delimited, one byte over the cap", func(p []byte) string {
			return "HTTP/1.0 200 OK\r\n\r\n" + string(pad(p, maxBody+1))
		}, ClassOutcomeUnknown},
		{"decline of its length", func([]byte) string {
			return head(403, fmt.Sprintf("Content-Length: %d", len(decline))) + string(decline)
		}, ClassDeclined},
		// A 4xx whose body was lost may have been one of the codes that leave
		// the outcome unknown (PROVIDER_ERROR, a 409 in flight): lost, as a
		// 2xx's would be, and repeated with the same key for the replay.
		{"decline with a longer length", func([]byte) string {
			return head(403, fmt.Sprintf("Content-Length: %d", len(decline)+10)) + string(decline)
		}, ClassOutcomeUnknown},
		{"PROVIDER_ERROR cut short", func([]byte) string {
			return head(400, "Content-Length: 100") + `{"code":"PROVIDER_ERROR","mess`
		}, ClassOutcomeUnknown},
		{"409 in flight cut short", func([]byte) string {
			return head(409, "Content-Length: 100") + `{"code":"IDEMPOTENT_REQUEST_PROCESSING","mess`
		}, ClassOutcomeUnknown},
		{"5xx cut short", func([]byte) string {
			return head(500, "Content-Length: 100") + `{"code":"FAILED_INTERNAL_SYSTEM_PROCESSING"`
		}, ClassOutcomeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
				raw := tc.raw(answerTo(t, r, readBody(t, r)))
				conn, buf, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = buf.WriteString(raw)
				_ = buf.Flush()
				_ = conn.Close()
			})
			p, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
			if ClassOf(err) != tc.want || (p != nil) != (tc.want == ClassNone) {
				t.Fatalf("p %v, err %v (class %s), want class %s", p != nil, err, ClassOf(err), tc.want)
			}
			if p != nil && p.Status != generated.PaymentStatusDone {
				t.Errorf("status %s", p.Status)
			}
		})
	}
}

// head is the head of a raw JSON answer with extra header lines.
func head(status int, extra string) string {
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%s\r\n\r\n", status, http.StatusText(status), extra)
}

// TestTricklingAnswer: a 2xx that states its length and then sends its body
// a byte at a time, slower than the attempt's timeout, ends the call at the
// timeout as outcome unknown (the request happened), never as a success.
func TestTricklingAnswer(t *testing.T) {
	t.Parallel()
	h := setup(t, WithTimeout(50*time.Millisecond), WithRetry(RetryPolicy{MaxAttempts: 1}))
	h.mux.HandleFunc("POST /v1/payments/confirm", func(w http.ResponseWriter, r *http.Request) {
		p := answerTo(t, r, readBody(t, r))
		w.Header().Set("Content-Length", strconv.Itoa(len(p)))
		for _, c := range p {
			_, _ = w.Write([]byte{c})
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	p, _, err := h.c.ConfirmPayment(context.Background(), confirmReq())
	if p != nil || !IsOutcomeUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("p %v, err %v (class %s)", p != nil, err, ClassOf(err))
	}
}
