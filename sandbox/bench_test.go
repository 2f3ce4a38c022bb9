package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// The throughput benchmarks run the sandbox behind a real loopback listener
// (httptest.NewServer) with request validation on, as the command serves it.
//
//	go test ./sandbox -run '^$' -bench Throughput -benchtime 5s

func benchServer(b *testing.B, opts ...sandbox.Option) (*httptest.Server, *http.Client) {
	b.Helper()
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithSeed(1)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	b.Cleanup(srv.Close)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		sb.CloseWebhooks(ctx)
	})
	hc := &http.Client{
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return srv, hc
}

func send(b *testing.B, hc *http.Client, method, u string, body []byte, form url.Values) (*http.Response, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Authorization", basic(sandbox.TestSecretKey))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, out
}

func BenchmarkThroughputLookups(b *testing.B) {
	srv, hc := benchServer(b)
	resp, body := send(b, hc, "POST", srv.URL+"/v1/payments/key-in",
		[]byte(`{"amount":15000,"orderId":"order-bench-lookup","orderName":"bench","cardNumber":"4330123412341234","cardExpirationYear":"39","cardExpirationMonth":"01","customerIdentityNumber":"881212"}`), nil)
	if resp.StatusCode != 200 {
		b.Fatalf("key-in: %d %s", resp.StatusCode, body)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if resp, body := send(b, hc, "GET", srv.URL+"/v1/payments/orders/order-bench-lookup", nil, nil); resp.StatusCode != 200 {
				b.Fatalf("look-up: %d %s", resp.StatusCode, body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lookups/s")
}

func BenchmarkThroughputFlows(b *testing.B) {
	srv, hc := benchServer(b)
	flows(b, srv, hc)
}

// BenchmarkWebhookFlows runs the flows of BenchmarkThroughputFlows with each
// confirm's webhook sent to no receiver, to one that answers 200 at once,
// and to one that never answers: delivery must not slow the API.
//
//	go test ./sandbox -run '^$' -bench WebhookFlows -benchtime 5s
func BenchmarkWebhookFlows(b *testing.B) {
	b.Run("receiver=none", func(b *testing.B) {
		srv, hc := benchServer(b)
		flows(b, srv, hc)
	})
	b.Run("receiver=ok", func(b *testing.B) {
		recv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		b.Cleanup(recv.Close)
		srv, hc := benchServer(b, sandbox.WithWebhookURL(recv.URL))
		flows(b, srv, hc)
	})
	b.Run("receiver=hung", func(b *testing.B) {
		release := make(chan struct{})
		recv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
		b.Cleanup(recv.Close)
		srv, hc := benchServer(b, sandbox.WithWebhookURL(recv.URL))
		b.Cleanup(func() { close(release) }) // before the sandbox closes its webhooks
		flows(b, srv, hc)
	})
}

func flows(b *testing.B, srv *httptest.Server, hc *http.Client) {
	var seq atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			order := fmt.Sprintf("order-bench-%09d", seq.Add(1))
			resp, body := send(b, hc, "POST", srv.URL+"/v1/payments",
				[]byte(`{"method":"CARD","amount":15000,"orderId":"`+order+`","orderName":"bench","returnUrl":"http://localhost/return"}`), nil)
			if resp.StatusCode != 200 {
				b.Fatalf("create: %d %s", resp.StatusCode, body)
			}
			key := field(body, `"paymentKey":"`)
			resp, body = send(b, hc, "POST", field(body, `"checkout":{"url":"`), nil, url.Values{"result": {"approve"}})
			if resp.StatusCode != http.StatusSeeOther {
				b.Fatalf("approve: %d %s", resp.StatusCode, body)
			}
			resp, body = send(b, hc, "POST", srv.URL+"/v1/payments/confirm",
				[]byte(`{"paymentKey":"`+key+`","orderId":"`+order+`","amount":15000}`), nil)
			if resp.StatusCode != 200 {
				b.Fatalf("confirm: %d %s", resp.StatusCode, body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "flows/s")
}

// field returns the JSON string that follows prefix in body, without a full
// decode so that the benchmark measures the sandbox, not the client.
func field(body []byte, prefix string) string {
	i := bytes.Index(body, []byte(prefix))
	if i < 0 {
		return ""
	}
	v := string(body[i+len(prefix):])
	return v[:strings.IndexByte(v, '"')]
}
