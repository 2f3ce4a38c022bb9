// Package tosstime holds Timestamp, the type the Toss Payments API's
// timestamps decode into.
//
// Toss sends ISO 8601 timestamps with an offset ("2022-01-01T11:31:29+09:00"),
// sometimes with fractional seconds, and in a few places without an offset.
// Decoding such a value into time.Time fails on the forms it does not expect
// and re-encodes others differently, so the generated types keep the text as
// it was sent and parse it on demand.
package tosstime

import (
	"fmt"
	"time"
)

// Seoul is the zone Toss uses for timestamps sent without an offset.
var Seoul = time.FixedZone("KST", 9*60*60)

// Timestamp is a timestamp exactly as the API wrote it.
type Timestamp string

// layouts are tried in order; the last ones have no offset and are read in Seoul time.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
}

// Time parses the timestamp. A timestamp without an offset is read as
// Korean time (UTC+9), which is how Toss writes them.
func (t Timestamp) Time() (time.Time, error) {
	for i, layout := range layouts {
		var (
			v   time.Time
			err error
		)
		if i == 0 {
			v, err = time.Parse(layout, string(t))
		} else {
			v, err = time.ParseInLocation(layout, string(t), Seoul)
		}
		if err == nil {
			return v, nil
		}
	}
	return time.Time{}, fmt.Errorf("tosstime: %q is not an ISO 8601 timestamp", string(t))
}

// From formats tm as Toss does: seconds precision and an offset.
func From(tm time.Time) Timestamp { return Timestamp(tm.Format(time.RFC3339)) }
