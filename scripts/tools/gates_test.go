package tools

// Negative tests for scripts/spec-lint and scripts/spec-ts-check: each gate
// passes on the spec and fails, for the expected reason, on a mutated copy.
// They need the Node tools (the scripts install them with npm ci).

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// runGate runs a script from scripts/ with args and returns its combined
// output and whether it failed.
func runGate(t *testing.T, script string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command("../"+script, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("run %s: %v", script, err)
	}
	return out.String(), err != nil
}

type gateCase struct {
	name       string
	mutate     func(t *testing.T, doc *yaml.Node)
	wantFail   bool
	wantOutput []string
}

// testGate runs script on the spec, or on each case's mutated copy of it,
// after the leading args (spec-breaking takes the baseline first), and
// checks whether it fails and what it prints.
func testGate(t *testing.T, script string, cases []gateCase, leading ...string) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := specPath
			if tc.mutate != nil {
				spec = mutatedCopy(t, tc.mutate)
			}
			out, failed := runGate(t, script, append(leading[:len(leading):len(leading)], spec)...)
			if failed != tc.wantFail {
				t.Fatalf("%s failed=%v, want %v; output:\n%s", script, failed, tc.wantFail, out)
			}
			for _, want := range tc.wantOutput {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q; output:\n%s", want, out)
				}
			}
		})
	}
}

func TestSpecLint(t *testing.T) {
	testGate(t, "spec-lint", []gateCase{
		{name: "spec passes"},
		{
			// A candidate anywhere else gets the same justified exceptions,
			// so the failures below fail for their mutation alone.
			name:       "an unchanged copy passes",
			mutate:     func(t *testing.T, doc *yaml.Node) {},
			wantOutput: []string{"errors=0 warnings=0"},
		},
		{
			name: "duplicate operationId fails",
			mutate: func(t *testing.T, doc *yaml.Node) {
				lookup(t, doc, "paths", "/v1/payments/{paymentKey}", "get", "operationId").Value = "confirmPayment"
			},
			wantFail:   true,
			wantOutput: []string{"operation-operationId-unique"},
		},
		{
			// Redocly exits 0 on warnings; the gate must not.
			name: "a warning alone fails",
			mutate: func(t *testing.T, doc *yaml.Node) {
				schemas := lookup(t, doc, "components", "schemas")
				schemas.Content = append(schemas.Content,
					&yaml.Node{Kind: yaml.ScalarNode, Value: "Unused"},
					&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
						{Kind: yaml.ScalarNode, Value: "type"},
						{Kind: yaml.ScalarNode, Value: "string"},
					}})
			},
			wantFail: true,
			// errors=0: the failure comes from warnings alone.
			wantOutput: []string{"no-unused-components", "errors=0"},
		},
	})
}

func TestSpecTSCheck(t *testing.T) {
	testGate(t, "spec-ts-check", []gateCase{
		{name: "spec passes"},
		{
			name: "removed response field fails",
			mutate: func(t *testing.T, doc *yaml.Node) {
				payment := lookup(t, doc, "components", "schemas", "Payment")
				deleteKey(t, lookup(t, payment, "properties"), "totalAmount")
				removeItem(t, lookup(t, payment, "required"), "totalAmount")
			},
			wantFail:   true,
			wantOutput: []string{"main.ts", "totalAmount"},
		},
		{
			name: "nullable method made non-null fails",
			mutate: func(t *testing.T, doc *yaml.Node) {
				method := lookup(t, doc, "components", "schemas", "PaymentMethod")
				deleteKey(t, method, "nullable")
			},
			wantFail:   true,
			wantOutput: []string{"main.ts", "Unused '@ts-expect-error' directive"},
		},
		{
			name: "amount turned into a string fails",
			mutate: func(t *testing.T, doc *yaml.Node) {
				lookup(t, doc, "components", "schemas", "Amount", "type").Value = "string"
			},
			wantFail:   true,
			wantOutput: []string{"main.ts", "error TS"},
		},
	})
}
