package sandbox_test

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// BenchmarkMillionKeys: 1,000,000 secret keys, one create each (with an
// idempotency key, as the wrapper sends), from two goroutines, through the
// handler (auth, the call log, spec validation, idempotency, the rules; no
// network), against a sandbox with the default limits; meanwhile a
// bystander with 5 payments looks one of them up every millisecond. It
// reports the create rate over the first and the last 5 % of the keys, the
// bystander's look-up latency (p50, p99, max), whether it kept its
// payments, and the process's peak RSS (VmHWM). TOSS_BENCH_KEYS sets
// another number of keys, TOSS_BENCH_WORKERS of flooding goroutines.
//
//	go test -run '^$' -bench BenchmarkMillionKeys -benchtime 1x ./sandbox/
func BenchmarkMillionKeys(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("TOSS_BENCH_KEYS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1000 {
			b.Fatalf("TOSS_BENCH_KEYS=%q: want a number of at least 1000", s)
		}
		n = v
	}
	for range b.N {
		millionKeys(b, n)
	}
}

func millionKeys(b *testing.B, n int) {
	sb, err := sandbox.New(sandbox.WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	h := sb.Handler()
	keys := bystanderPayments(b, h)

	// The bystander, every millisecond until the flood ends.
	stop := make(chan struct{})
	var lat []time.Duration
	var misses atomic.Int64
	var bwg sync.WaitGroup
	bwg.Add(1)
	go func() {
		defer bwg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			start := time.Now()
			w := direct(h, bystander, "GET", "/v1/payments/"+keys[i%len(keys)], "")
			lat = append(lat, time.Since(start))
			if w.Code != 200 {
				misses.Add(1)
			}
		}
	}()

	// The flood: two goroutines (TOSS_BENCH_WORKERS), keys handed out in
	// order; the time each create finished, per key index, gives the rates
	// at the start and end.
	workers := 2
	if w, err := strconv.Atoi(os.Getenv("TOSS_BENCH_WORKERS")); err == nil && w > 0 {
		workers = w
	}
	done := make([]int64, n) // nanoseconds since t0
	var next atomic.Int64
	t0 := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				k := "test_sk_rotating" + strconv.Itoa(100_000_000+i)
				w := direct(h, k, "POST", "/v1/payments", createJSON("order-rotating-1"), "Idempotency-Key", "create-order-rotating-1")
				if w.Code != 200 {
					failed.CompareAndSwap(nil, fmt.Sprintf("create %d: %d %s", i, w.Code, w.Body))
				}
				done[i] = int64(time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	close(stop)
	bwg.Wait()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}

	slice := n / 20
	rate := func(from int) float64 {
		lo, hi := done[from], done[from]
		for _, d := range done[from : from+slice] {
			lo, hi = min(lo, d), max(hi, d)
		}
		return float64(slice) / time.Duration(hi-lo).Seconds()
	}
	// The first 5 % after the sandbox filled (the global limit of 100,000
	// payments) is the fair start: before it nothing is evicted.
	startRate, endRate := rate(0), rate(n-slice)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	kept := 0
	for _, k := range keys {
		if w := direct(h, bystander, "GET", "/v1/payments/"+k, ""); w.Code == 200 {
			kept++
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if f := os.Getenv("TOSS_BENCH_HEAPPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.WriteHeapProfile(out)
		out.Close()
	}
	u := sb.Usage()
	hwm := vmHWM()
	b.ReportMetric(startRate, "creates/s-start")
	b.ReportMetric(endRate, "creates/s-end")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "lookup-p99-ms")
	b.ReportMetric(float64(kept), "bystander-kept")
	b.ReportMetric(float64(hwm)/(1<<20), "VmHWM-MiB")
	b.Logf("%d keys in %s (%.0f creates/s overall): start %.0f/s, end %.0f/s (%.0f %%)", n, elapsed.Round(time.Millisecond),
		float64(n)/elapsed.Seconds(), startRate, endRate, 100*endRate/startRate)
	b.Logf("bystander: %d look-ups during the flood, p50 %s, p99 %s, max %s, %d failed; kept %d of 5 payments",
		len(lat), pct(0.5), pct(0.99), lat[len(lat)-1], misses.Load(), kept)
	b.Logf("held after the flood: %+v; heap after GC %d MiB (%d B per key held); peak RSS (VmHWM) %d MiB",
		u, ms.HeapAlloc>>20, ms.HeapAlloc/uint64(max(1, u.Tenants)), hwm>>20)
	runtime.KeepAlive(sb)
}

// vmHWM returns the process's peak resident set size in bytes, from
// /proc/self/status (0 where there is none).
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
