package main

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// ruleCase is one value that breaks one rule of the spec.
type ruleCase struct {
	rule  string // "required", "maxLength", ...
	value string // the flag's value; omit drops the flag instead
	omit  bool
	want  string // what the refusal must say besides the flag's name
}

// violations returns, for each rule the spec states for a value, a value
// that breaks it. They are read from the schema, not listed by hand: a rule
// added to the spec gets its case here.
func violations(t *testing.T, c *command, f apiFlag) []ruleCase {
	t.Helper()
	var cases []ruleCase
	if _, hasDefault := c.defaults[f.name]; f.required && !hasDefault {
		cases = append(cases, ruleCase{rule: "required", omit: true, want: "missing --" + f.name})
	}
	s := f.schema
	if s == nil {
		return cases
	}
	char := "a"
	if s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(strings.Repeat("a", max(int(s.MinLength), 1))) {
		char = "1"
	}
	// long is a value of n characters that breaks no other rule.
	long := func(n int) string {
		if s.Format == "email" {
			return strings.Repeat("a", n-len("@x.example")) + "@x.example"
		}
		return strings.Repeat(char, n)
	}
	if s.MinLength > 0 {
		want := "minimum string length"
		if s.MinLength == 1 && f.in == inPath {
			want = `must not be empty, "." or ".."` // an empty path segment, refused before it would change the path
		}
		cases = append(cases, ruleCase{rule: "minLength", value: long(int(s.MinLength) - 1), want: want})
	}
	if s.MaxLength != nil {
		cases = append(cases, ruleCase{rule: "maxLength", value: long(int(*s.MaxLength) + 1), want: "maximum string length"})
	}
	if s.Pattern != "" {
		re := regexp.MustCompile(s.Pattern)
		n := max(int(s.MinLength), 1)
		if s.MaxLength != nil {
			n = min(n, int(*s.MaxLength))
		}
		bad := ""
		for _, c := range []string{"!", " ", "a", "A", "1"} {
			if v := strings.Repeat(c, n); !re.MatchString(v) {
				bad = v
				break
			}
		}
		if bad == "" {
			t.Fatalf("--%s: no value breaks the pattern %q", f.name, s.Pattern)
		}
		cases = append(cases, ruleCase{rule: "pattern", value: bad, want: "regular expression"})
	}
	if s.Min != nil {
		v, want := *s.Min-1, "at least"
		if s.ExclusiveMin.IsTrue() {
			v, want = *s.Min, "more than"
		}
		cases = append(cases, ruleCase{rule: "minimum", value: plain(v), want: want})
	}
	if s.Max != nil {
		v, want := *s.Max+1, "at most"
		if s.ExclusiveMax.IsTrue() {
			v, want = *s.Max, "less than"
		}
		cases = append(cases, ruleCase{rule: "maximum", value: plain(v), want: want})
	}
	if len(s.Enum) > 0 {
		bad := "NOT_A_DOCUMENTED_VALUE"
		if s.Type.Is(openapi3.TypeInteger) {
			for i := 0; ; i++ {
				if !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(i) }) {
					bad = fmt.Sprint(i)
					break
				}
			}
		}
		cases = append(cases, ruleCase{rule: "enum", value: bad, want: "allowed values"})
	}
	switch s.Format {
	case "":
	case "uri":
		cases = append(cases, ruleCase{rule: "format uri", value: "not-a-url", want: "absolute URI"})
	case "email":
		cases = append(cases, ruleCase{rule: "format email", value: "not-an-email", want: "email"})
	default:
		t.Errorf("--%s: the spec's format %q has no case here: add one", f.name, s.Format)
	}
	if s.MultipleOf != nil {
		cases = append(cases, ruleCase{rule: "multipleOf", value: plain(*s.MultipleOf * 1.5), want: "multiple of"})
	}
	// A rule kind this walk does not know fails the test, so that a rule
	// added to the spec cannot go unchecked.
	if s.MinItems != 0 || s.MaxItems != nil || s.UniqueItems || s.MinProps != 0 || s.MaxProps != nil ||
		s.Not != nil || len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.AllOf) > 0 {
		t.Errorf("--%s: its schema has a rule this test generates no case for: add one", f.name)
	}
	if s.Type.Is(openapi3.TypeInteger) {
		want := "integer"
		if f.kind == kindInt {
			want = "not a whole number"
		}
		cases = append(cases, ruleCase{rule: "type integer", value: "1.5", want: want})
	}
	return cases
}

// plain writes a number as a plain decimal.
func plain(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprint(v)
}

// baseline is a command line the spec accepts: the request body's example
// in the spec, and a valid path parameter.
func baseline(t *testing.T, c *command, flags []apiFlag) map[string]string {
	t.Helper()
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	var example map[string]any
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == c.op && op.RequestBody != nil {
				if ex, ok := op.RequestBody.Value.Content.Get("application/json").Example.(map[string]any); ok {
					example = ex
				}
			}
		}
	}
	args := map[string]string{}
	for _, f := range flags {
		switch f.in {
		case inPath:
			args[f.name] = "rules-baseline-0001"
		case inBody:
			var v any = example
			for _, p := range strings.Split(f.field, ".") {
				m, _ := v.(map[string]any)
				v = m[p]
			}
			if v != nil {
				args[f.name] = fmt.Sprint(v)
			}
		}
	}
	return args
}

func commandLine(c *command, args map[string]string, omit string) []string {
	line := []string{c.name, "--max-retries", "0"}
	for name, v := range args {
		if name != omit {
			line = append(line, "--"+name+"="+v)
		}
	}
	return line
}

// Every rule the spec states for a value an API command sends (required,
// minLength, maxLength, pattern, minimum, maximum, enum, format, integer) is
// checked before sending, for every command: the command exits 2, names the
// flag and the rule, and nothing reaches the server. The cases are generated
// by walking each operation's parameters and request schema.
func TestEveryRuleRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	var total atomic.Int64
	for _, c := range commands {
		if c.op == "" {
			continue
		}
		flags, err := apiFlags(c)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sb, _ := sandbox.New()
			srv, hits := counting(t, sb.Handler())
			vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}
			base := baseline(t, c, flags)
			// The baseline is sent: what refuses a case is its broken rule.
			if code, _, errs := runCmd(t, vars, commandLine(c, base, "")...); hits.Load() != 1 || code == exitUsage {
				t.Fatalf("the baseline %v was not sent: exit %d, %d requests\n%s", base, code, hits.Load(), errs)
			}
			for _, f := range flags {
				for _, rc := range violations(t, c, f) {
					if rc.omit && f.kind == kindSecret {
						continue // covered below with the environment cleared
					}
					total.Add(1)
					args := maps(base)
					omit := ""
					if rc.omit {
						omit = f.name
					} else {
						args[f.name] = rc.value
					}
					// A property of an object is checked once the object is
					// sent whole: its other required properties get valid
					// values.
					for _, g := range flags {
						if g.name != f.name && g.in == inBody && parent(g.field) != "" && parent(g.field) == parent(f.field) {
							args[g.name] = validValue(t, g)
						}
					}
					before := hits.Load()
					code, out, errs := runCmd(t, vars, commandLine(c, args, omit)...)
					if code != exitUsage || out != "" || !strings.Contains(errs, "--"+f.name) ||
						(f.in != inHeader && !strings.Contains(errs, rc.want)) {
						t.Errorf("%s --%s breaking %s: exit %d, stdout %q, stderr %q; want exit 2 naming --%s and %q",
							c.name, f.name, rc.rule, code, out, errs, f.name, rc.want)
					}
					if n := hits.Load() - before; n != 0 {
						t.Errorf("%s --%s breaking %s: %d request(s) reached the server", c.name, f.name, rc.rule, n)
					}
				}
			}
		})
	}
	t.Cleanup(func() {
		t.Logf("%d rule cases generated from the spec", total.Load())
		if total.Load() < 40 {
			t.Errorf("only %d rule cases were generated from the spec; the walk is broken", total.Load())
		}
	})
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// parent is the object a body property path is in ("" at the top).
func parent(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		return field[:i]
	}
	return ""
}

// validValue returns a value the flag's schema accepts.
func validValue(t *testing.T, f apiFlag) string {
	t.Helper()
	for _, v := range []string{"1234567890", "abcdef", "KRW", "1", "a"} {
		if f.schema.VisitJSON(v) == nil {
			return v
		}
	}
	t.Fatalf("--%s: no candidate value fits its schema", f.name)
	return ""
}
