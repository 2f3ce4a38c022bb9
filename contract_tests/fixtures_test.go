package contracttests

import (
	"encoding/json"

	"net/http"
	"strings"
	"testing"
)

const testdataDir = "testdata"

// TestFixtures validates every fixture against the spec for its operation
// and status, with kin-openapi and with libopenapi-validator, then checks that the generated types decode it and encode it
// back without losing a field or changing a number.
func TestFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range loadFixtures(t, testdataDir) {
		t.Run(f.Path, func(t *testing.T) {
			t.Parallel()
			v := validateResponseBoth(t, f.OpID, f.Status, nil, f.Body)
			if v.Kin != nil {
				t.Errorf("%s %d: kin-openapi: the body does not match the spec:\n%v", f.OpID, f.Status, v.Kin)
			}
			if v.Lib != nil {
				t.Errorf("%s %d: libopenapi-validator: the body does not match the spec:\n%v", f.OpID, f.Status, v.Lib)
			}
			diffs, err := roundTripDiffs(f.OpID, f.Status, f.Body)
			if err != nil {
				t.Fatalf("%s %d: %v", f.OpID, f.Status, err)
			}
			if len(diffs) > 0 {
				t.Errorf("%s %d: re-encoding through the generated types changed the body:\n  %s",
					f.OpID, f.Status, strings.Join(diffs, "\n  "))
			}
		})
	}
}

// TestSeedFixturesAreTheSpecExamples ties the verbatim seed samples to the
// spec: each is the example of its operation's 200 response.
func TestSeedFixturesAreTheSpecExamples(t *testing.T) {
	t.Parallel()
	seeds := loadFixtures(t, testdataDir+"/seed")
	if len(seeds) != 4 {
		t.Errorf("want the 4 seed samples, found %d", len(seeds))
	}
	for _, f := range seeds {
		t.Run(f.Path, func(t *testing.T) {
			t.Parallel()
			resp := operationByID(t, f.OpID).Op.Responses.Status(f.Status)
			if resp == nil || resp.Value == nil {
				t.Fatalf("%s declares no %d response", f.OpID, f.Status)
			}
			mt := resp.Value.Content.Get("application/json")
			if mt == nil || len(mt.Examples) == 0 {
				t.Fatalf("%s %d has no example; the seed sample should be it", f.OpID, f.Status)
			}
			want, err := decodeTree(f.Body)
			if err != nil {
				t.Fatalf("seed is not JSON: %v", err)
			}
			var matched []string
			for name, ex := range mt.Examples {
				b, err := json.Marshal(ex.Value.Value)
				if err != nil {
					t.Fatalf("encode example %s: %v", name, err)
				}
				got, err := decodeTree(b)
				if err != nil {
					t.Fatalf("example %s: %v", name, err)
				}
				if strictEqual(want, got) {
					matched = append(matched, name)
				}
			}
			if len(matched) == 0 {
				t.Errorf("%s: no example of %s %d equals the seed sample", f.Path, f.OpID, f.Status)
			}
		})
	}
}

// strictEqual compares two trees with no tolerance at all.
func strictEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestDiffTrees proves the round-trip comparison bites: each case must be
// reported, except the documented tolerances (null ↔ absent, and absent →
// the zero value of an optional property kept as a value).
func TestDiffTrees(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		orig, got string
		want      string // substring of the report; "" means no difference
	}{
		{"identical", `{"a":1,"b":[1,"x",null]}`, `{"b":[1,"x",null],"a":1}`, ""},
		{"null may vanish", `{"a":1,"data":null}`, `{"a":1}`, ""},
		{"null may appear", `{"a":1}`, `{"a":1,"receipt":null}`, ""},
		{"lost field is drift", `{"a":1,"newField":"x"}`, `{"a":1}`, "$.newField: lost on re-encoding: drift, field not in the spec"},
		{"lost nested field", `{"card":{"issuerCode":"4V","brand":"VISA"}}`, `{"card":{"issuerCode":"4V"}}`, "$.card.brand: lost"},
		{"added value", `{"a":1}`, `{"a":1,"b":1}`, "$.b: added by re-encoding"},
		{"added string", `{"a":1}`, `{"a":1,"s":"KR"}`, "$.s: added by re-encoding"},
		{"absent may come back zero", `{"a":1}`, `{"a":1,"b":0,"s":"","f":false}`, ""},
		{"decimal changed", `{"v":726.24}`, `{"v":726.2399902}`, "number 726.24 became number 726.2399902"},
		{"0.0 became 0", `{"v":0.0}`, `{"v":0}`, "number 0.0 became number 0"},
		{"large amount to float", `{"v":50000000000}`, `{"v":5e+10}`, "number 50000000000 became number 5e+10"},
		{"number became string", `{"v":1000}`, `{"v":"1000"}`, `number 1000 became "1000"`},
		{"string changed", `{"s":"토스페이"}`, `{"s":"TOSSPAY"}`, `"토스페이" became "TOSSPAY"`},
		{"null became value", `{"s":null}`, `{"s":""}`, `null became ""`},
		{"array shortened", `{"c":[1,2]}`, `{"c":[1]}`, "array of 2 became 1"},
		{"object became string", `{"e":{"provider":"토스페이"}}`, `{"e":"토스페이"}`, "object became"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := decodeTree([]byte(tt.orig))
			if err != nil {
				t.Fatal(err)
			}
			g, err := decodeTree([]byte(tt.got))
			if err != nil {
				t.Fatal(err)
			}
			diffs := strings.Join(diffTrees("$", o, g), "\n")
			switch {
			case tt.want == "" && diffs != "":
				t.Errorf("want no difference, got:\n%s", diffs)
			case tt.want != "" && !strings.Contains(diffs, tt.want):
				t.Errorf("want a report containing %q, got:\n%s", tt.want, diffs)
			}
		})
	}
}

// TestParseFixtureName checks the naming scheme, bad names included.
func TestParseFixtureName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		op         string
		status     int
		name       string
		wantErrSub string
	}{
		{in: "confirmPayment.200.json", op: "confirmPayment", status: 200},
		{in: "getPayment.404.extra-data-null.json", op: "getPayment", status: 404, name: "extra-data-null"},
		{in: "getPayment.200.a.b.json", op: "getPayment", status: 200, name: "a.b"},
		{in: "getPayment.json", wantErrSub: "want <operationId>"},
		{in: "getPayment.ok.json", wantErrSub: "not an HTTP status"},
		{in: "getPayment.999.json", wantErrSub: "not an HTTP status"},
		{in: "getPayment.200.txt", wantErrSub: "not a .json file"},
	}
	for _, tt := range tests {
		op, status, name, err := parseFixtureName(tt.in)
		if tt.wantErrSub != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
				t.Errorf("parseFixtureName(%q) error = %v, want one containing %q", tt.in, err, tt.wantErrSub)
			}
			continue
		}
		if err != nil || op != tt.op || status != tt.status || name != tt.name {
			t.Errorf("parseFixtureName(%q) = %q, %d, %q, %v; want %q, %d, %q", tt.in, op, status, name, err, tt.op, tt.status, tt.name)
		}
	}
}

// TestResponseHeaders checks the documented response headers are accepted,
// and a malformed one rejected, by both validators.
func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{"X-Tosspayments-Trace-Id": {"6a1b3f0e2c"}, "Retry-After": {"2"}}
	body := []byte(`{"code":"TOO_MANY_REQUESTS","message":"slow down"}`)
	if v := validateResponseBoth(t, "getPayment", http.StatusTooManyRequests, h, body); v.Kin != nil || v.Lib != nil {
		t.Errorf("a 429 with a trace id and Retry-After should validate:\nkin-openapi: %v\nlibopenapi-validator: %v", v.Kin, v.Lib)
	}
	h.Set("Retry-After", "soon")
	v := validateResponseBoth(t, "getPayment", http.StatusTooManyRequests, h, body)
	if v.Kin == nil || v.Lib == nil {
		t.Errorf("Retry-After: soon is not an integer; both validators should reject it:\nkin-openapi: %v\nlibopenapi-validator: %v", v.Kin, v.Lib)
	}
	for name, err := range map[string]error{"kin-openapi": v.Kin, "libopenapi-validator": v.Lib} {
		if err != nil && !strings.Contains(strings.ToLower(err.Error()), "retry-after") {
			t.Errorf("%s: the error should name Retry-After: %v", name, err)
		}
	}
}
