package drift

import (
	"sort"
	"sync"
	"sync/atomic"
)

// MaxDistinct bounds the distinct drifts a Recorder keeps. An answer could
// carry a new enum value on every call; past the bound, new drifts are
// counted in Dropped and not reported.
const MaxDistinct = 1024

// Recorder de-duplicates reports: it passes each distinct drift (operation,
// status, pointer, kind, and for UnknownEnum and UndocumentedCode the value)
// to its reporter once, the first time it is seen, and counts the later
// sightings. A steady stream of the same drift costs a map look-up per
// answer and reports nothing new. It is safe for concurrent use; share one
// across the clients of a process to report each drift once per process.
type Recorder struct {
	checker *Checker
	report  func(Report)

	mu      sync.Mutex
	seen    map[recordKey]*Report
	dropped atomic.Int64
}

type recordKey struct {
	operation string
	status    int
	pointer   string
	kind      Kind
	value     string
}

// NewRecorder returns a Recorder that checks answers with c (Load's checker
// when c is nil) and calls report with the first sighting of each drift. A
// nil report logs on slog.Default() (LogTo(nil)). report is called on the
// goroutine of the answer, outside the Recorder's lock: keep it short.
func NewRecorder(c *Checker, report func(Report)) (*Recorder, error) {
	if c == nil {
		var err error
		if c, err = Load(); err != nil {
			return nil, err
		}
	}
	if report == nil {
		report = LogTo(nil)
	}
	return &Recorder{checker: c, report: report, seen: map[recordKey]*Report{}}, nil
}

// Check checks one answer (see Checker.Check), records its drift and
// reports what is new. It returns how many drifts the answer has.
func (r *Recorder) Check(operationID string, status int, body []byte) int {
	reports := r.checker.Check(operationID, status, body)
	r.Add(reports...)
	return len(reports)
}

// Add records reports, counting each against the drifts already seen, and
// calls the reporter for each new one.
func (r *Recorder) Add(reports ...Report) {
	if len(reports) == 0 {
		return
	}
	var fresh []Report
	r.mu.Lock()
	for _, rep := range reports {
		k := recordKey{rep.Operation, rep.Status, rep.Pointer, rep.Kind, rep.Value}
		if old, ok := r.seen[k]; ok {
			old.Count++
			continue
		}
		if len(r.seen) >= MaxDistinct {
			r.dropped.Add(1)
			continue
		}
		rep.Count = 1
		r.seen[k] = &rep
		fresh = append(fresh, rep)
	}
	r.mu.Unlock()
	for _, rep := range fresh {
		r.report(rep)
	}
}

// Reports returns every distinct drift recorded, with how many answers
// carried it, sorted by operation, status, pointer and kind.
func (r *Recorder) Reports() []Report {
	r.mu.Lock()
	out := make([]Report, 0, len(r.seen))
	for _, rep := range r.seen {
		out = append(out, *rep)
	}
	r.mu.Unlock()
	Sort(out)
	return out
}

// Dropped is how many sightings of new drifts were not recorded because
// MaxDistinct drifts already were.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

// Sort orders reports by operation, status, pointer, kind and value.
func Sort(reports []Report) {
	sort.SliceStable(reports, func(i, j int) bool {
		a, b := reports[i], reports[j]
		switch {
		case a.Operation != b.Operation:
			return a.Operation < b.Operation
		case a.Status != b.Status:
			return a.Status < b.Status
		case a.Pointer != b.Pointer:
			return a.Pointer < b.Pointer
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		}
		return a.Value < b.Value
	})
}
