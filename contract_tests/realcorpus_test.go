package contracttests

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
)

// realDir holds the corpus of real answers: bodies the API sent, copied
// from where integrators and Toss published them, each with its provenance
// in an index.yaml (see testdata/real/README.md).
const realDir = "testdata/real"

// minRealBodies is the least the corpus may hold.
const minRealBodies = 30

// realEntry is one entry of an index.yaml. The keys are exactly these;
// an unknown key is an error, so a typo cannot hide an entry's meaning.
type realEntry struct {
	File       string   `yaml:"file"`
	Source     string   `yaml:"source"`
	Retrieved  string   `yaml:"retrieved"`
	Published  string   `yaml:"published"`
	APIVersion string   `yaml:"apiVersion"`
	Operation  string   `yaml:"operation"`
	Status     int      `yaml:"status"`
	Schema     string   `yaml:"schema"`
	Scrubbed   []string `yaml:"scrubbed"`
	Notes      string   `yaml:"notes"`

	path string // the body's path relative to realDir
	body []byte
}

func (e realEntry) name() string { return e.path }

// realCorpus is every index under dir and the problems found reading it:
// a body no index names, an entry whose file is missing, an entry without
// source, operation or schema.
type realCorpus struct {
	entries  []realEntry
	problems []string
}

// loadRealCorpus reads every dir/**/index.yaml and the bodies they name.
func loadRealCorpus(t testing.TB, dir string) realCorpus {
	t.Helper()
	var c realCorpus
	indexed := map[string]bool{}
	var bodies []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Name() == "index.yaml":
			c.readIndex(dir, rel, indexed)
		case strings.HasSuffix(d.Name(), ".json"):
			bodies = append(bodies, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	for _, b := range bodies {
		if !indexed[b] {
			c.problems = append(c.problems, fmt.Sprintf("%s: no index.yaml entry names this body", b))
		}
	}
	sort.Slice(c.entries, func(i, j int) bool { return c.entries[i].path < c.entries[j].path })
	slices.Sort(c.problems)
	return c
}

func (c *realCorpus) readIndex(dir, rel string, indexed map[string]bool) {
	raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		c.problems = append(c.problems, fmt.Sprintf("%s: %v", rel, err))
		return
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	var entries []realEntry
	if err := dec.Decode(&entries); err != nil {
		c.problems = append(c.problems, fmt.Sprintf("%s: %v", rel, err))
		return
	}
	base := path.Dir(rel)
	for i, e := range entries {
		where := fmt.Sprintf("%s entry %d (%s)", rel, i+1, e.File)
		if e.File == "" || strings.Contains(e.File, "..") || path.IsAbs(e.File) {
			c.problems = append(c.problems, where+": file must name a body in the index's folder")
			continue
		}
		e.path = path.Join(base, e.File)
		if indexed[e.path] {
			c.problems = append(c.problems, where+": the body is indexed twice")
			continue
		}
		indexed[e.path] = true
		switch {
		case strings.TrimSpace(e.Source) == "":
			c.problems = append(c.problems, where+": no source")
		case (e.Operation == "") == (e.Schema == ""):
			c.problems = append(c.problems, where+": give exactly one of operation and schema")
		case e.Operation != "" && e.Status == 0:
			c.problems = append(c.problems, where+": an operation needs its status")
		case e.Retrieved == "" || e.Published == "" || e.APIVersion == "" || e.Notes == "":
			c.problems = append(c.problems, where+": retrieved, published, apiVersion and notes are required (\"unknown\" where unknown)")
		}
		body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.path)))
		if err != nil {
			c.problems = append(c.problems, where+": "+err.Error())
			continue
		}
		e.body = body
		c.entries = append(c.entries, e)
	}
}

// TestRealCorpusIndex holds the corpus to its bookkeeping: at least
// minRealBodies bodies, every body indexed, every entry with a body and a
// source, and scrubbed pointers that point at the marked placeholder.
func TestRealCorpusIndex(t *testing.T) {
	t.Parallel()
	c := loadRealCorpus(t, realDir)
	for _, p := range c.problems {
		t.Error(p)
	}
	if len(c.entries) < minRealBodies {
		t.Errorf("the corpus holds %d real bodies, want at least %d", len(c.entries), minRealBodies)
	}
	byOpStatus := map[string]int{}
	for _, e := range c.entries {
		key := e.Operation
		if key == "" {
			key = "schema " + e.Schema
		}
		byOpStatus[fmt.Sprintf("%s %d", key, e.Status)]++
		checkScrubbed(t, e)
	}
	keys := make([]string, 0, len(byOpStatus))
	for k := range byOpStatus {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t.Logf("%d real bodies by operation and status:", len(c.entries))
	for _, k := range keys {
		t.Logf("  %-28s %d", k, byOpStatus[k])
	}
}

// checkScrubbed fails when a scrubbed pointer does not hold the marked
// placeholder, or when a body still carries something that looks like a
// secret.
func checkScrubbed(t errorfer, e realEntry) {
	tree, err := decodeTree(e.body)
	if err != nil {
		t.Errorf("%s: not JSON: %v", e.name(), err)
		return
	}
	for _, ptr := range e.Scrubbed {
		v, ok := pointerGet(tree, ptr)
		s, isString := v.(string)
		if !ok || !isString || !strings.HasPrefix(s, "SCRUBBED-") {
			t.Errorf("%s: scrubbed %s does not hold a SCRUBBED- placeholder (%v)", e.name(), ptr, v)
		}
	}
	text := string(e.body)
	for _, marker := range []string{`"ps_`, "test_sk_", "live_sk_", "test_gsk_", "live_gsk_"} {
		if strings.Contains(text, marker) {
			t.Errorf("%s: holds %q: scrub it and record the pointer", e.name(), marker)
		}
	}
}

// pointerGet resolves a JSON pointer (RFC 6901) in a decoded tree.
func pointerGet(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// TestRealCorpus validates every real body against the spec with both
// validators, as the answer of its operation and status (or against its
// component schema), and decodes it into the generated types: every number
// must come back written exactly as the API wrote it. Fields the spec does
// not know are drift for the spec, not a failure of the reader: they are
// listed in the log.
func TestRealCorpus(t *testing.T) {
	t.Parallel()
	c := loadRealCorpus(t, realDir)
	if len(c.entries) == 0 {
		t.Fatal("no real bodies")
	}
	for _, e := range c.entries {
		t.Run(e.name(), func(t *testing.T) {
			t.Parallel()
			var v verdicts
			if e.Schema != "" {
				v = validateSchemaBoth(t, e.Schema, e.body)
			} else {
				v = validateResponseBoth(t, e.Operation, e.Status, nil, e.body)
			}
			what := fmt.Sprintf("%s %d", e.Operation, e.Status)
			if e.Schema != "" {
				what = "schema " + e.Schema
			}
			if v.Kin != nil {
				t.Errorf("kin-openapi rejects the real body as %s:\n%s", what, briefKin(v.Kin))
			}
			if v.Lib != nil {
				t.Errorf("libopenapi-validator rejects the real body as %s:\n%v", what, v.Lib)
			}
			if !v.agree() {
				t.Errorf("the validators disagree on %s: kin-openapi %v, libopenapi-validator %v", what, v.Kin == nil, v.Lib == nil)
			}
			checkExactNumbers(t, e.body)
			target, err := decodeTarget(e)
			if err != nil {
				t.Fatal(err)
			}
			drift, err := realRoundTrip(e.body, target)
			if err != nil {
				t.Fatal(err)
			}
			if len(drift) > 0 {
				t.Logf("fields the spec lacks (drift, kept out of the generated types):\n  %s", strings.Join(drift, "\n  "))
			}
		})
	}
}

// decodeTarget is the generated type a body decodes into: the type of the
// operation's answer with that status, or the type of its component schema.
func decodeTarget(e realEntry) (any, error) {
	if e.Schema == "" {
		if t := answerTarget(e.Operation, e.Status); t != nil {
			return t, nil
		}
		return nil, fmt.Errorf("%s %d: the spec describes no body to decode", e.Operation, e.Status)
	}
	if mk, ok := schemaTypes[e.Schema]; ok {
		return mk(), nil
	}
	return nil, fmt.Errorf("no generated type is registered for schema %q: add it to schemaTypes", e.Schema)
}

// schemaTypes maps a component schema to its generated Go type, for corpus
// entries validated against a schema instead of an operation.
var schemaTypes = map[string]func() any{
	"Payment":        func() any { return new(generated.Payment) },
	"Error":          func() any { return new(generated.Error) },
	"Cancel":         func() any { return new(generated.Cancel) },
	"Card":           func() any { return new(generated.Card) },
	"VirtualAccount": func() any { return new(generated.VirtualAccount) },
	"Billing":        func() any { return new(generated.Billing) },
	// Webhook bodies (testdata/real/webhooks).
	"PaymentStatusChangedEvent": func() any { return new(generated.PaymentStatusChangedEvent) },
	"DepositCallbackEvent":      func() any { return new(generated.DepositCallbackEvent) },
	"CancelStatusChangedEvent":  func() any { return new(generated.CancelStatusChangedEvent) },
}

// realRoundTrip decodes body into target and encodes it again. A number
// written differently, a value changed or a structure altered is an error;
// a key the generated type does not know is returned as drift.
func realRoundTrip(body []byte, target any) (drift []string, err error) {
	if err := json.Unmarshal(body, target); err != nil {
		return nil, fmt.Errorf("decode into %T: %w", target, err)
	}
	out, err := json.Marshal(target)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", target, err)
	}
	orig, err := decodeTree(body)
	if err != nil {
		return nil, err
	}
	got, err := decodeTree(out)
	if err != nil {
		return nil, err
	}
	var broken []string
	for _, d := range diffTrees("$", orig, got) {
		if strings.Contains(d, "lost on re-encoding: drift") {
			drift = append(drift, d)
			continue
		}
		broken = append(broken, d)
	}
	if len(broken) > 0 {
		return drift, fmt.Errorf("re-encoding through %T changed the body:\n  %s", target, strings.Join(broken, "\n  "))
	}
	return drift, nil
}

// checkExactNumbers decodes every number of the body as a money.Amount and
// requires it to print back exactly as the JSON wrote it (726.24, 0.0,
// 50000000000): an amount is never rounded through a float.
func checkExactNumbers(t errorfer, body []byte) {
	tree, err := decodeTree(body)
	if err != nil {
		t.Errorf("not JSON: %v", err)
		return
	}
	walkNumbers("$", tree, func(at string, n json.Number) {
		var a money.Amount
		if err := json.Unmarshal([]byte(n), &a); err != nil {
			t.Errorf("%s: %s does not decode as an amount: %v", at, n, err)
			return
		}
		if a.String() != string(n) {
			t.Errorf("%s: %s decodes as %s", at, n, a)
		}
	})
}

func walkNumbers(at string, v any, fn func(string, json.Number)) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			walkNumbers(at+"."+k, x[k], fn)
		}
	case []any:
		for i, e := range x {
			walkNumbers(fmt.Sprintf("%s[%d]", at, i), e, fn)
		}
	case json.Number:
		fn(at, x)
	}
}

// TestRealCorpusChecksBite proves the corpus checks fail where they must:
// an unindexed body, an entry without source or file, a number that does
// not survive, and a secret left in a body.
func TestRealCorpusChecksBite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.json", `{"code":"NOT_FOUND_PAYMENT","message":"x"}`)
	write("stray.json", `{}`)
	write("index.yaml", `
- file: a.json
  source: ""
  retrieved: 2026-12-02
  published: unknown
  apiVersion: unknown
  operation: getPayment
  status: 404
  schema: ""
  scrubbed: []
  notes: no source
- file: missing.json
  source: https://example.invalid/
  retrieved: 2026-12-02
  published: unknown
  apiVersion: unknown
  operation: getPayment
  status: 404
  schema: ""
  scrubbed: []
  notes: no file
`)
	write("webhooks/index.yaml", `
- file: w.json
  source: https://example.invalid/w
  retrieved: 2026-12-02
  published: unknown
  apiVersion: unknown
  operation: ""
  status: 0
  schema: Payment
  scrubbed: []
  notes: nested index is read
  colour: blue
`)
	c := loadRealCorpus(t, dir)
	all := strings.Join(c.problems, "\n")
	for _, want := range []string{
		"stray.json: no index.yaml entry names this body",
		"a.json): no source",
		"missing.json",
		"webhooks/index.yaml",    // the nested index is read…
		"field colour not found", // …and an unknown key is refused
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not mention %q:\n%s", want, all)
		}
	}

	withNew := mutate(t, seedConfirm, func(m map[string]any) { m["newField"] = json.Number("1") })
	drift, err := realRoundTrip(withNew, new(generated.Payment))
	if err != nil || len(drift) != 1 || !strings.Contains(drift[0], "newField") {
		t.Errorf("an unknown field must be reported as drift, not an error: %v %v", drift, err)
	}
	asString := mutate(t, seedConfirm, func(m map[string]any) { m["totalAmount"] = "15000" })
	if _, err := realRoundTrip(asString, new(generated.Payment)); err == nil || !strings.Contains(err.Error(), "totalAmount") {
		t.Errorf("a string amount re-encoded as a number must be reported, got %v", err)
	}

	rec := &errorRecorder{}
	checkExactNumbers(rec, []byte(`{"a":{"b":[726.24,0.0,50000000000]},"c":1.5e3}`))
	if got := rec.String(); !strings.Contains(got, "$.c: 1.5e3 decodes as 1500") || strings.Contains(got, "726.24") {
		t.Errorf("only the number not written as it decodes must be reported, got %q", got)
	}

	rec = &errorRecorder{}
	checkScrubbed(rec, realEntry{path: "x.json", body: []byte(`{"secret":"ps_abc"}`)})
	if !strings.Contains(rec.String(), `"ps_`) {
		t.Errorf("an unscrubbed secret must be reported, got %q", rec.String())
	}
	rec = &errorRecorder{}
	checkScrubbed(rec, realEntry{path: "y.json", body: []byte(`{"secret":"SCRUBBED-secret"}`), Scrubbed: []string{"/secret", "/nothing"}})
	if got := rec.String(); !strings.Contains(got, "scrubbed /nothing") || strings.Contains(got, "scrubbed /secret") {
		t.Errorf("only the pointer without a placeholder must be reported, got %q", got)
	}
}

// briefKin keeps what kin-openapi says is wrong and drops the schema and
// value dumps it appends to each error.
func briefKin(err error) string {
	var out []string
	skip := false
	for _, line := range strings.Split(err.Error(), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "Schema:" || trimmed == "Value:":
			skip = true
		case skip && (strings.HasPrefix(line, "  ") || trimmed == ""):
			// inside a dump
		default:
			skip = false
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// errorfer is the part of *testing.T the corpus checks report through, so
// a test can prove they report.
type errorfer interface {
	Errorf(format string, args ...any)
}

// errorRecorder collects what a check reports.
type errorRecorder struct{ lines []string }

func (r *errorRecorder) Errorf(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func (r *errorRecorder) String() string { return strings.Join(r.lines, "\n") }
