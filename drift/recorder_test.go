package drift

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// TestRecorderReportsEachDriftOnce: a thousand answers with the same three
// drifts (in different array elements) report three times and count a
// thousand; a second unknown enum value at the same pointer is a drift of
// its own.
func TestRecorderReportsEachDriftOnce(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		reported []Report
	)
	rec, err := NewRecorder(nil, func(r Report) {
		mu.Lock()
		reported = append(reported, r)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	base := readTestdata(t, "payment_partial_canceled.json")
	var wg sync.WaitGroup
	for i := range 1000 {
		body := edit(t, base, func(m map[string]any) {
			m["cancels"].([]any)[i%2].(map[string]any)["newKey"] = i
			m["status"] = "ON_HOLD"
			delete(m, "orderId")
		})
		wg.Go(func() {
			if n := rec.Check(openapi.OpCancelPayment, 200, body); n != 3 {
				t.Errorf("answer %d: %d drifts, want 3", i, n)
			}
		})
	}
	wg.Wait()
	if len(reported) != 3 {
		t.Fatalf("reported %d times, want 3: %v", len(reported), reported)
	}
	for _, r := range reported {
		if r.Count != 1 {
			t.Errorf("first sighting %v has count %d", r, r.Count)
		}
	}
	all := rec.Reports()
	wants := []want{{"/cancels/*/newKey", UnknownProperty, ""}, {"/orderId", MissingRequired, ""}, {"/status", UnknownEnum, "ON_HOLD"}}
	if g := got(all); fmt.Sprint(g) != fmt.Sprint(wants) {
		t.Fatalf("Reports() = %+v\nwant %+v", g, wants)
	}
	for _, r := range all {
		if r.Count != 1000 {
			t.Errorf("%v: count %d, want 1000", r, r.Count)
		}
	}

	rec.Check(openapi.OpCancelPayment, 200, edit(t, base, func(m map[string]any) { m["status"] = "SUSPENDED" }))
	if len(reported) != 4 || reported[3].Value != "SUSPENDED" {
		t.Errorf("a second unknown value at the same pointer was not reported: %v", reported)
	}
	rec.Check(openapi.OpCancelPayment, 200, base)
	if len(reported) != 4 || len(rec.Reports()) != 4 {
		t.Errorf("a clean answer changed the record: %v", rec.Reports())
	}
}

// TestRecorderBound: past MaxDistinct drifts, new ones are counted as
// dropped, not kept.
func TestRecorderBound(t *testing.T) {
	t.Parallel()
	n := 0
	rec, err := NewRecorder(nil, func(Report) { n++ })
	if err != nil {
		t.Fatal(err)
	}
	for i := range MaxDistinct + 10 {
		rec.Check(openapi.OpGetPayment, 200, []byte(fmt.Sprintf(`{"status":"S%d"}`, i)))
	}
	// Each answer also lacks the required keys: those are the same few
	// drifts every time.
	if got := len(rec.Reports()); got != MaxDistinct {
		t.Errorf("kept %d drifts, want %d", got, MaxDistinct)
	}
	if n != MaxDistinct {
		t.Errorf("reported %d, want %d", n, MaxDistinct)
	}
	if rec.Dropped() == 0 {
		t.Error("Dropped() = 0")
	}
}

// TestLogTo: the slog reporter logs at Warn with the report's attributes
// and nothing of the body.
func TestLogTo(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rec, err := NewRecorder(nil, LogTo(slog.New(slog.NewTextHandler(&buf, nil))))
	if err != nil {
		t.Fatal(err)
	}
	rec.Check(openapi.OpGetPayment, 200, edit(t, readTestdata(t, "payment_done.json"), func(m map[string]any) {
		m["card"].(map[string]any)["cardType"] = "PREPAID"
	}))
	out := buf.String()
	for _, w := range []string{"level=WARN", "drift.operation=getPayment", "drift.status=200", "drift.pointer=/card/cardType", "drift.kind=unknown-enum", "drift.value=PREPAID", "drift.count=1"} {
		if !strings.Contains(out, w) {
			t.Errorf("log lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "12341234") || strings.Contains(out, "15000") {
		t.Errorf("log carries a value of the body:\n%s", out)
	}
}
