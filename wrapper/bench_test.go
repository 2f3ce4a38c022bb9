package wrapper

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/internal/benchcpu"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// BenchmarkConfirmPayment compares one ConfirmPayment through the wrapper
// (validation on and off) with a hand-written net/http + encoding/json call
// of the same endpoint, against a local server that sleeps latency before it
// answers: 0 (the wrapper's own cost on loopback) and 2ms (a round trip
// still far shorter than the API's). Besides wall time it reports
// cpu-ns/op, the process's CPU time per call (client and server). Run
// interleaved and compare with benchstat:
//
//	go test -run '^$' -bench BenchmarkConfirmPayment -benchmem -count 10 ./wrapper/
func BenchmarkConfirmPayment(b *testing.B) {
	req := confirmReq()
	ctx := context.Background()
	for _, latency := range []time.Duration{0, 2 * time.Millisecond} {
		srv := confirmServer(b, latency)
		prefix := fmt.Sprintf("latency=%s/", latency)
		b.Run(prefix+"impl=handwritten", func(b *testing.B) {
			hc, auth := handwrittenClient()
			defer hc.CloseIdleConnections()
			b.ReportAllocs()
			start := benchcpu.Start()
			for b.Loop() {
				if _, err := handwrittenConfirm(ctx, hc, srv.URL, auth, req); err != nil {
					b.Fatal(err)
				}
			}
			benchcpu.Report(b, start)
		})
		for _, validation := range []bool{true, false} {
			name := prefix + "impl=wrapper-validation-on"
			if !validation {
				name = prefix + "impl=wrapper-validation-off"
			}
			b.Run(name, func(b *testing.B) {
				c, err := New(testKey, WithBaseURL(srv.URL), WithValidation(validation))
				if err != nil {
					b.Fatal(err)
				}
				defer c.CloseIdleConnections()
				b.ReportAllocs()
				start := benchcpu.Start()
				for b.Loop() {
					if _, _, err := c.ConfirmPayment(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
				benchcpu.Report(b, start)
			})
		}
		srv.Close()
	}
}

// BenchmarkConfirmPaymentPaired is BenchmarkConfirmPayment's comparison
// at 2 ms with the calls paired: every iteration times a wrapper call
// (validation on or off) and a hand-written call, taking turns at going first, and
// reports each one's mean wall time per call, the ratio of the means
// (wall-ratio) and of the medians (median-ratio, which a few calls delayed
// by the server's timer or a GC pause do not move). The two calls of a pair
// meet the same machine, so a drift of its speed, which moves the variants
// of one round of BenchmarkConfirmPayment apart by a point or more, cancels
// out of the ratio; and neither call follows one of its own, as a payment
// call in a busy server seldom does, so each meets caches the other has
// used. sec/op is that of the pair.
func BenchmarkConfirmPaymentPaired(b *testing.B) {
	srv := confirmServer(b, 2*time.Millisecond)
	defer srv.Close()
	for _, validation := range []bool{true, false} {
		name := "validation=on"
		if !validation {
			name = "validation=off"
		}
		b.Run(name, func(b *testing.B) { benchPaired(b, srv.URL, validation) })
	}
}

func benchPaired(b *testing.B, base string, validation bool) {
	ctx, req := context.Background(), confirmReq()
	c, err := New(testKey, WithBaseURL(base), WithValidation(validation))
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdleConnections()
	hc, auth := handwrittenClient()
	defer hc.CloseIdleConnections()
	var took [2][]time.Duration // [0] hand-written, [1] wrapper
	calls := 0
	for b.Loop() {
		for turn := range 2 {
			impl := (calls + turn) % 2
			start := time.Now()
			if impl == 0 {
				_, err = handwrittenConfirm(ctx, hc, base, auth, req)
			} else {
				_, _, err = c.ConfirmPayment(ctx, req)
			}
			took[impl] = append(took[impl], time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
		}
		calls++
	}
	var mean, median [2]float64
	for i, d := range took {
		var sum time.Duration
		for _, x := range d {
			sum += x
		}
		slices.Sort(d)
		mean[i], median[i] = float64(sum)/float64(len(d)), float64(d[len(d)/2])
	}
	b.ReportMetric(mean[0], "handwritten-ns/call")
	b.ReportMetric(mean[1], "wrapper-ns/call")
	b.ReportMetric(mean[1]/mean[0], "wall-ratio")
	b.ReportMetric(median[1]/median[0], "median-ratio")
}

// confirmServer answers every request with the seed's confirm sample after
// reading the body and sleeping latency.
func confirmServer(b *testing.B, latency time.Duration) *httptest.Server {
	payment, err := os.ReadFile(filepath.Join("testdata", "payment_done.json"))
	if err != nil {
		b.Fatal(err)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if latency > 0 {
			time.Sleep(latency)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-TossPayments-Trace-Id", "trace-bench")
		_, _ = w.Write(payment)
	}))
}

// handwrittenClient is the client and Authorization of handwrittenConfirm.
func handwrittenClient() (*http.Client, string) {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 30 * time.Second},
		"Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":"))
}

// handwrittenConfirm is the call a careful user would write without the
// wrapper: marshal, POST with auth and a random key, check the status,
// decode. No validation, retries or typed errors.
func handwrittenConfirm(ctx context.Context, hc *http.Client, base, auth string, req generated.ConfirmPaymentRequest) (*generated.Payment, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/payments/confirm", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", auth)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Idempotency-Key", newUUIDv4())
	resp, err := hc.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	p := new(generated.Payment)
	if err := json.NewDecoder(resp.Body).Decode(p); err != nil {
		return nil, err
	}
	return p, nil
}

// BenchmarkValidateConfirm is the validation step alone: building the
// request with the generated builder and checking it with kin-openapi.
func BenchmarkValidateConfirm(b *testing.B) {
	ops, err := specOps()
	if err != nil {
		b.Fatal(err)
	}
	op := ops[openapi.OpConfirmPayment]
	body, _ := json.Marshal(confirmReq())
	key := newUUIDv4()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := generated.NewConfirmPaymentRequestWithBody("http://127.0.0.1:1", &generated.ConfirmPaymentParams{IdempotencyKey: &key}, jsonContentType, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if err := validate(ctx, op, r, ""); err != nil {
			b.Fatal(err)
		}
	}
}
