package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const specPath = "../../tosspayments.yaml"

// TestGenerateIsStable: two runs give the same bytes, which are the
// committed generated/errorcodes.gen.go.
func TestGenerateIsStable(t *testing.T) {
	a, err := generate(specPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := generate(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two runs differ")
	}
	committed, err := os.ReadFile("../../../generated/errorcodes.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, committed) {
		t.Error("generated/errorcodes.gen.go is stale: run go generate ./...")
	}
}

// TestGenerateRefusesUnknownCode: a response listing a code that is not an
// ErrorCode value has no constant, and generation fails naming it.
func TestGenerateRefusesUnknownCode(t *testing.T) {
	src, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	old := []byte("x-toss-error-codes: [UNAUTHORIZED_KEY]")
	if !bytes.Contains(src, old) {
		t.Fatalf("the spec no longer contains %s", old)
	}
	path := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, bytes.Replace(src, old, []byte("x-toss-error-codes: [UNAUTHORIZED_KEY, MADE_UP_CODE]"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := generate(path); err == nil || !strings.Contains(err.Error(), "MADE_UP_CODE") {
		t.Errorf("generate = %v, want an error naming MADE_UP_CODE", err)
	}
}
