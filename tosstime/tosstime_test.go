package tosstime_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

func TestTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   tosstime.Timestamp
		want time.Time // the instant, in UTC
	}{
		{"2022-01-01T11:31:29+09:00", time.Date(2022, 1, 1, 2, 31, 29, 0, time.UTC)},
		{"2024-02-13T12:17:57.123+09:00", time.Date(2024, 2, 13, 3, 17, 57, 123_000_000, time.UTC)},
		{"2024-02-13T12:18:14.456789+09:00", time.Date(2024, 2, 13, 3, 18, 14, 456_789_000, time.UTC)},
		{"2024-02-13T03:18:14.123456789Z", time.Date(2024, 2, 13, 3, 18, 14, 123_456_789, time.UTC)},
		{"2021-01-01T10:01:30-05:00", time.Date(2021, 1, 1, 15, 1, 30, 0, time.UTC)},
		// Without an offset (webhook createdAt): Korean time.
		{"2022-01-01T11:31:29", time.Date(2022, 1, 1, 2, 31, 29, 0, time.UTC)},
		{"2022-01-01T11:31:29.000123", time.Date(2022, 1, 1, 2, 31, 29, 123_000, time.UTC)},
		// A real PAYMENT_STATUS_CHANGED createdAt: five fractional digits.
		{"2026-01-02T14:46:59.65327", time.Date(2026, 1, 2, 5, 46, 59, 653_270_000, time.UTC)},
	}
	for _, tt := range tests {
		got, err := tt.in.Time()
		if err != nil {
			t.Errorf("Time(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("Time(%q) = %v, want %v", tt.in, got.UTC(), tt.want)
		}
	}
}

func TestTimeNoOffsetIsSeoul(t *testing.T) {
	t.Parallel()
	got, err := tosstime.Timestamp("2022-01-01T11:31:29").Time()
	if err != nil {
		t.Fatal(err)
	}
	if _, off := got.Zone(); off != 9*60*60 {
		t.Errorf("offset = %ds, want +09:00", off)
	}
}

func TestTimeRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []tosstime.Timestamp{
		"",
		"yesterday",
		"2022/01/01 11:31:29",
		"2022-01-01",
		"2022-13-01T00:00:00+09:00",
		"2022-01-32T00:00:00+09:00",
		"2022-01-01T25:00:00+09:00",
		"2022-01-01 11:31:29+09:00",
		"1641004289",
	} {
		_, err := in.Time()
		if err == nil {
			t.Errorf("Time(%q) accepted a non-timestamp", in)
			continue
		}
		if !strings.Contains(err.Error(), `"`+string(in)+`"`) {
			t.Errorf("Time(%q) error does not name the input: %v", in, err)
		}
	}
}

// A Timestamp keeps the text as sent: re-encoding does not normalise the
// fraction or the offset.
func TestJSONKeepsText(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`"2022-01-01T11:31:29+09:00"`,
		`"2024-02-13T12:17:57.120+09:00"`,
		`"2024-02-13T12:18:14.456789+09:00"`,
		`"2022-01-01T11:31:29"`,
	} {
		var ts tosstime.Timestamp
		if err := json.Unmarshal([]byte(in), &ts); err != nil {
			t.Fatalf("Unmarshal(%s): %v", in, err)
		}
		out, err := json.Marshal(ts)
		if err != nil || string(out) != in {
			t.Errorf("round trip of %s gave %s, %v", in, out, err)
		}
	}
}

func TestFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Time
		want tosstime.Timestamp
	}{
		{time.Date(2022, 1, 1, 11, 31, 29, 0, tosstime.Seoul), "2022-01-01T11:31:29+09:00"},
		{time.Date(2022, 1, 1, 11, 31, 29, 999_000_000, tosstime.Seoul), "2022-01-01T11:31:29+09:00"},
		{time.Date(2022, 1, 1, 2, 31, 29, 0, time.UTC), "2022-01-01T02:31:29Z"},
	}
	for _, tt := range tests {
		got := tosstime.From(tt.in)
		if got != tt.want {
			t.Errorf("From(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := got.Time()
		if err != nil {
			t.Fatalf("From(%v) = %q does not parse: %v", tt.in, got, err)
		}
		if !back.Equal(tt.in.Truncate(time.Second)) {
			t.Errorf("From then Time = %v, want %v", back, tt.in.Truncate(time.Second))
		}
	}
}

func ExampleTimestamp_Time() {
	ts := tosstime.Timestamp("2024-02-13T12:17:57.123+09:00")
	tm, err := ts.Time()
	fmt.Println(tm.UTC().Format(time.RFC3339Nano), err)
	// Output: 2024-02-13T03:17:57.123Z <nil>
}
