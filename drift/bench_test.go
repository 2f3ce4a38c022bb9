package drift

import (
	"testing"

	"github.com/tosspayments-go/tosspayments-go/internal/benchcpu"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// BenchmarkCheck is the drift check of one answer: a confirm's payment
// that matches the spec, and one with three drifts (an unknown property, an
// unknown enum value, a missing required key) seen again by a Recorder, the
// steady state of a drifting API. Run:
//
//	go test -run '^$' -bench Check -benchmem ./drift
func BenchmarkCheck(b *testing.B) {
	c := checker(b)
	valid := readTestdata(b, "payment_done.json")
	drifting := edit(b, valid, func(m map[string]any) {
		m["newField"] = 1
		m["card"].(map[string]any)["cardType"] = "PREPAID"
		delete(m, "paymentKey")
	})
	b.Run("body=valid", func(b *testing.B) {
		b.SetBytes(int64(len(valid)))
		b.ReportAllocs()
		cpu := benchcpu.Start()
		for b.Loop() {
			if r := c.Check(openapi.OpConfirmPayment, 200, valid); len(r) != 0 {
				b.Fatal(r)
			}
		}
		benchcpu.Report(b, cpu)
	})
	b.Run("body=drifting-recorded", func(b *testing.B) {
		rec, err := NewRecorder(c, func(Report) {})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(drifting)))
		b.ReportAllocs()
		cpu := benchcpu.Start()
		for b.Loop() {
			if n := rec.Check(openapi.OpConfirmPayment, 200, drifting); n != 3 {
				b.Fatal(n)
			}
		}
		benchcpu.Report(b, cpu)
	})
}
