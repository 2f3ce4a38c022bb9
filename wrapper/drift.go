package wrapper

import (
	"context"
	"log/slog"

	"github.com/tosspayments-go/tosspayments-go/drift"
)

// WithDriftReporter checks every answer against the spec and calls report,
// on the calling goroutine, once per distinct drift of the client (later
// sightings are counted): a property, enum value, status or error code the
// spec does not know, a required key missing, a value of another type (see
// package drift). A nil report logs on slog.Default() at Warn; drift.LogTo(l)
// logs on l. A report carries no value of the answer but a sanitised unknown
// enum value or error code. The check never fails or changes a call; a panic
// in report is recovered and logged on the client's logger.
//
// It is off by default (Toss adds fields and values without notice, and the
// client reads them tolerantly): turn it on where a team watches for drift
// (staging, a canary, integration tests), or run `tosspay validate` on
// recorded answers.
func WithDriftReporter(report func(drift.Report)) Option {
	return func(c *config) error {
		rec, err := drift.NewRecorder(nil, report)
		if err != nil {
			return err
		}
		c.onBody = checkDrift(c, rec)
		return nil
	}
}

// WithDriftRecorder is WithDriftReporter with a Recorder of the caller's: share
// one across the clients of a process to report each drift once per process,
// and read what it counted with its Reports method. A nil r is refused.
func WithDriftRecorder(r *drift.Recorder) Option {
	return func(c *config) error {
		c.onBody = checkDrift(c, r)
		return refuseNil("WithDriftRecorder", r == nil)
	}
}

// checkDrift returns the body observer that records the drift of each
// answer read whole. Nothing it does reaches the call: a panic is recovered
// and logged on the client's logger (read when an answer comes, so that
// WithLogger may come after the drift option).
func checkDrift(c *config, rec *drift.Recorder) func(opID string, status int, body []byte) {
	return func(opID string, status int, body []byte) {
		defer func() {
			if p := recover(); p != nil {
				c.logger.LogAttrs(context.Background(), slog.LevelError, "tosspayments: the drift reporter panicked; the call is unaffected",
					slog.String("operation", opID), slog.Int("status", status))
			}
		}()
		rec.Check(opID, status, body)
	}
}
