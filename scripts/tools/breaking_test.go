package tools

// Tests for scripts/spec-breaking: they prove that the gate bites. Each case
// writes a mutated copy of openapi/tosspayments.yaml and runs the script
// against the committed baseline, exactly as CI does.
//
// Run with `cd scripts/tools && go test ./...` (scripts/check-all does).

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const (
	specPath     = "../../openapi/tosspayments.yaml"
	baselinePath = "../../openapi/baseline/tosspayments.yaml"
)

func TestSpecBreaking(t *testing.T) {
	testGate(t, "spec-breaking", []gateCase{
		{
			name:     "unchanged spec passes",
			wantFail: false,
		},
		{
			name: "removed operation fails",
			mutate: func(t *testing.T, doc *yaml.Node) {
				deleteKey(t, lookup(t, doc, "paths", "/v1/payments/{paymentKey}"), "get")
			},
			wantFail:   true,
			wantOutput: []string{"api-removed-without-deprecation", "GET /v1/payments/{paymentKey}"},
		},
		{
			name: "removed response field fails",
			mutate: func(t *testing.T, doc *yaml.Node) {
				payment := lookup(t, doc, "components", "schemas", "Payment")
				deleteKey(t, lookup(t, payment, "properties"), "totalAmount")
				removeItem(t, lookup(t, payment, "required"), "totalAmount")
			},
			wantFail:   true,
			wantOutput: []string{"response-required-property-removed", "totalAmount"},
		},
		{
			name: "added optional response field passes",
			mutate: func(t *testing.T, doc *yaml.Node) {
				props := lookup(t, doc, "components", "schemas", "Payment", "properties")
				props.Content = append(props.Content,
					&yaml.Node{Kind: yaml.ScalarNode, Value: "newField"},
					&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
						{Kind: yaml.ScalarNode, Value: "type"},
						{Kind: yaml.ScalarNode, Value: "string"},
					}})
			},
			wantFail: false,
		},
	}, baselinePath)
}

// TestBaselineIsReleased checks that the baseline is a recorded release: its
// info.version is MAJOR.MINOR.PATCH, CHANGELOG.md has a section for it, and
// the working spec's version is not older.
func TestBaselineIsReleased(t *testing.T) {
	v := specVersion(t, baselinePath)
	if cur := specVersion(t, specPath); compareVersions(cur, v) < 0 {
		t.Errorf("openapi/tosspayments.yaml info.version %v is older than the baseline's %v", cur, v)
	}
	changelog, err := os.ReadFile("../../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(changelog, []byte("## ["+v+"]")) {
		t.Errorf("CHANGELOG.md has no release section for the baseline's version %s", v)
	}
}

// specVersion reads info.version of the spec at path as MAJOR.MINOR.PATCH.
func specVersion(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	v := lookup(t, &doc, "info", "version").Value
	if len(versionParts(v)) != 3 {
		t.Fatalf("%s: info.version %q is not MAJOR.MINOR.PATCH", path, v)
	}
	return v
}

func versionParts(v string) []int {
	var parts []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || (len(p) > 1 && p[0] == '0') {
			return nil
		}
		parts = append(parts, n)
	}
	return parts
}

func compareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := range pa {
		if c := cmp.Compare(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return 0
}

func mutatedCopy(t *testing.T, mutate func(*testing.T, *yaml.Node)) string {
	t.Helper()
	data, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	mutate(t, &doc)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tosspayments.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lookup follows keys through nested mappings.
func lookup(t *testing.T, n *yaml.Node, keys ...string) *yaml.Node {
	t.Helper()
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	for _, k := range keys {
		i := keyIndex(n, k)
		if i < 0 {
			t.Fatalf("no key %q in the spec (path %v)", k, keys)
		}
		n = n.Content[i+1]
	}
	return n
}

func keyIndex(m *yaml.Node, key string) int {
	if m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

func deleteKey(t *testing.T, m *yaml.Node, key string) {
	t.Helper()
	i := keyIndex(m, key)
	if i < 0 {
		t.Fatalf("no key %q to delete", key)
	}
	m.Content = append(m.Content[:i], m.Content[i+2:]...)
}

func removeItem(t *testing.T, seq *yaml.Node, value string) {
	t.Helper()
	for i, n := range seq.Content {
		if n.Value == value {
			seq.Content = append(seq.Content[:i], seq.Content[i+1:]...)
			return
		}
	}
	t.Fatalf("no item %q to remove", value)
}
