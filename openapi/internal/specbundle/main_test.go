package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

const distDir = "../../dist"

// TestDistIsUpToDate fails when openapi/dist/ was not regenerated after the
// spec changed (CI also checks this by regenerating and diffing the tree).
func TestDistIsUpToDate(t *testing.T) {
	t.Parallel()
	jsonOut, yamlOut, err := Bundle(openapi.YAML)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"tosspayments.json": jsonOut, "tosspayments.yaml": yamlOut} {
		got, err := os.ReadFile(filepath.Join(distDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("openapi/dist/%s is stale: run `go generate ./...` and commit it", name)
		}
	}
}

// TestBundleIsReproducible runs the bundler twice on the same bytes.
func TestBundleIsReproducible(t *testing.T) {
	t.Parallel()
	j1, y1, err := Bundle(openapi.YAML)
	if err != nil {
		t.Fatal(err)
	}
	j2, y2, err := Bundle(bytes.Clone(openapi.YAML))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(j1, j2) || !bytes.Equal(y1, y2) {
		t.Fatal("two runs on the same spec gave different bytes")
	}
}

// TestBundleIsTheSameDocument decodes the source, the JSON and the YAML
// bundle independently and compares the trees: nothing lost, nothing added,
// no number changed.
func TestBundleIsTheSameDocument(t *testing.T) {
	t.Parallel()
	jsonOut, yamlOut, err := Bundle(openapi.YAML)
	if err != nil {
		t.Fatal(err)
	}
	src := decodeYAML(t, openapi.YAML)
	if got := decodeJSON(t, jsonOut); !reflect.DeepEqual(got, src) {
		t.Error("the JSON bundle differs from the source document")
	}
	if got := decodeYAML(t, yamlOut); !reflect.DeepEqual(got, src) {
		t.Error("the YAML bundle differs from the source document")
	}
	// Key order is kept: a reader diffing the bundle against the source sees
	// the same sequence of paths and schemas.
	if !bytes.HasPrefix(jsonOut, []byte("{\n  \"openapi\": \"3.0.3\",\n  \"info\": {")) {
		t.Errorf("the JSON bundle does not start like the source:\n%.200s", jsonOut)
	}
}

func TestBundleKeepsScalarsExact(t *testing.T) {
	t.Parallel()
	src := []byte(`openapi: 3.0.3
info: {title: t, version: 1.0.0}
paths: {}
x-numbers: [726.24, 50000000000, 1.0e+3, 0x1F, -0]
x-scalars:
  timestamp: 2022-06-08T15:40:09+09:00
  quoted: '200'
  html: "<b>&</b>"
  nothing: ~
  yes: true
x-alias: &a {k: v}
x-alias-again: *a
`)
	jsonOut, yamlOut, err := Bundle(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`726.24,`, `50000000000,`, `1.0e+3,`, `31,`, `-0`,
		`"timestamp": "2022-06-08T15:40:09+09:00"`, `"quoted": "200"`,
		`"html": "<b>&</b>"`, `"nothing": null`, `"yes": true`,
		`"x-alias-again": {
    "k": "v"
  }`,
	} {
		if !strings.Contains(string(jsonOut), want) {
			t.Errorf("JSON bundle lacks %s:\n%s", want, jsonOut)
		}
	}
	if !reflect.DeepEqual(decodeYAML(t, yamlOut), decodeJSON(t, jsonOut)) {
		t.Errorf("YAML and JSON bundles differ:\n%s\n%s", yamlOut, jsonOut)
	}
}

// The bundler must refuse what it cannot bundle faithfully.
func TestBundleRejects(t *testing.T) {
	t.Parallel()
	const head = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\n"
	for name, tc := range map[string]struct{ doc, want string }{
		"external ref": {head + "paths:\n  /x:\n    $ref: 'paths.yaml#/x'\n", "points outside the document"},
		"merge key":    {head + "paths: {}\nx-a: &a {k: v}\nx-b:\n  <<: *a\n", "merge key"},
		"duplicate":    {head + "paths: {}\nx-a: 1\nx-a: 2\n", "duplicate key"},
		"invalid spec": {head + "paths:\n  /x:\n    get: {responses: {'200': {$ref: '#/components/responses/None'}}}\n", "does not load"},
		"binary":       {head + "paths: {}\nx-b: !!binary aGk=\n", "no JSON form"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := Bundle([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Bundle error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// decodeYAML and decodeJSON decode into the same canonical shape: maps,
// slices, strings, bools, nil, and numbers as float64 (what a JSON reader in
// another language sees).
func decodeYAML(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return canon(t, v)
}

func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return canon(t, v)
}

func canon(t *testing.T, v any) any {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = canon(t, e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = canon(t, e)
		}
		return out
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			t.Fatal(err)
		}
		return f
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	case float64, string, bool, nil:
		return v
	}
	t.Fatalf("unexpected decoded type %T (%v)", v, v)
	return nil
}
