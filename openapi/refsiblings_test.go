package openapi_test

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// refSiblingProblems lists every mapping of the YAML tree that holds a $ref
// next to a key other than an x- extension: OpenAPI 3.0.3 ignores $ref
// siblings, so only code-generation hints may sit there, never a keyword a
// reader would think applies.
func refSiblingProblems(n *yaml.Node, path string) []string {
	var out []string
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			out = append(out, refSiblingProblems(c, path)...)
		}
	case yaml.MappingNode:
		var keys []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			keys = append(keys, n.Content[i].Value)
			out = append(out, refSiblingProblems(n.Content[i+1], path+"/"+n.Content[i].Value)...)
		}
		if slices.Contains(keys, "$ref") {
			for _, k := range keys {
				if k != "$ref" && !strings.HasPrefix(k, "x-") {
					out = append(out, path+": "+k+" beside $ref")
				}
			}
		}
	}
	return out
}

// TestRefSiblingsAreExtensionsOnly holds the reason redocly.yaml turns
// spec-ref-siblings off: only x- extensions sit beside a $ref.
func TestRefSiblingsAreExtensionsOnly(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal(openapi.YAML, &doc); err != nil {
		t.Fatal(err)
	}
	if problems := refSiblingProblems(&doc, ""); len(problems) > 0 {
		t.Errorf("keywords beside $ref:\n  %s", strings.Join(problems, "\n  "))
	}
	var bad yaml.Node
	if err := yaml.Unmarshal([]byte("a:\n  $ref: '#/x'\n  nullable: true\n  x-omitempty: false\n"), &bad); err != nil {
		t.Fatal(err)
	}
	if got := refSiblingProblems(&bad, ""); !slices.Equal(got, []string{"/a: nullable beside $ref"}) {
		t.Errorf("a nullable beside $ref: problems %q", got)
	}
}
