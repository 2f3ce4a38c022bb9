package wrapper

import (
	"encoding/json"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzForEachKey holds the scan for the spec's required keys to
// encoding/json: for every JSON object json.Unmarshal accepts, the keys
// forEachKey reports are the object's top-level keys. (json.Unmarshal turns
// invalid UTF-8 in a key into U+FFFD and forEachKey passes it as it is;
// neither can be a key the spec names, so such input is left out.)
func FuzzForEachKey(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a\\":"b\\\\","c":{"d":[1,"\"}"]}}`, `{"\u0061":"\\\"","b":"x\\\\\\"y"}`,
		` { "a" : [ {"x":"}"} ] , "b" : null } `, `{"a\"b":true,"":"",  "c":"\\"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]json.RawMessage
		if !utf8.Valid(data) || json.Unmarshal(data, &obj) != nil || obj == nil {
			return
		}
		var got []string
		forEachKey(data, func(key []byte) { got = append(got, string(key)) })
		want := make([]string, 0, len(obj))
		for k := range obj {
			want = append(want, k)
		}
		slices.Sort(got)
		got = slices.Compact(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("forEachKey(%q) = %q, want %q", data, got, want)
		}
	})
}

func TestRequiredSetMissing(t *testing.T) {
	rs := newRequiredSet([]string{"ab", "cd", "abc", "ab"})
	for _, tc := range []struct{ body, want string }{
		{`{"ab":1,"cd":2,"abc":3}`, ""},
		{`{"ab":1,"abc":3}`, "cd"},
		{`{"cd":"\"ab\":","abc":3}`, "ab"},
		{`{"ab":1,"cd":2,"abcd":3}`, "abc"},
		{`{"x":{"ab":1,"cd":2,"abc":3}}`, "ab"},
	} {
		if got := rs.missing([]byte(tc.body)); got != tc.want {
			t.Errorf("missing(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}
