package contracttests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// anonymousStructFields lists the struct fields of the Go files matching
// pattern whose type is an anonymous struct (a nested object the spec
// defines inline instead of as a named schema).
func anonymousStructFields(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s (%v)", pattern, err)
	}
	var found []string
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			spec, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := spec.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, field := range st.Fields.List {
				typ := field.Type
				for {
					if star, ok := typ.(*ast.StarExpr); ok {
						typ = star.X
						continue
					}
					if arr, ok := typ.(*ast.ArrayType); ok {
						typ = arr.Elt
						continue
					}
					break
				}
				if _, anon := typ.(*ast.StructType); anon && len(field.Names) > 0 {
					found = append(found, spec.Name.Name+"."+field.Names[0].Name+" ("+fset.Position(field.Pos()).String()+")")
				}
			}
			return true
		})
	}
	return found
}

// TestGeneratedTypesAreNamed: every nested object of the spec is a named
// schema, so the generated models have no anonymous struct fields.
func TestGeneratedTypesAreNamed(t *testing.T) {
	t.Parallel()
	if found := anonymousStructFields(t, "../generated/*.gen.go"); len(found) > 0 {
		t.Errorf("anonymous struct fields in the generated models (name the nested object in the spec):\n  %s", strings.Join(found, "\n  "))
	}
}

// TestAnonymousStructFieldsBites: the check finds an anonymous field.
func TestAnonymousStructFieldsBites(t *testing.T) {
	t.Parallel()
	if found := anonymousStructFields(t, "testdata/anonymous_struct.go.txt"); len(found) != 1 || !strings.HasPrefix(found[0], "Outer.Inner") {
		t.Errorf("found %v, want Outer.Inner", found)
	}
}
