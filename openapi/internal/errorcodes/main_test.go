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

// TestGenerateRefusesBadLists: a listed code that is not an ErrorCode value
// has no constant, an outcome-unknown or assumed code must be one the
// response documents, and every ErrorCode value needs a source; generation
// fails naming the code.
func TestGenerateRefusesBadLists(t *testing.T) {
	src, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ old, new, want string }{
		{"x-toss-error-codes: [UNAUTHORIZED_KEY]", "x-toss-error-codes: [UNAUTHORIZED_KEY, MADE_UP_CODE]", "MADE_UP_CODE"},
		{"x-toss-declined: [REJECT_CARD_PAYMENT,", "x-toss-declined: [MADE_UP_DECLINE, REJECT_CARD_PAYMENT,", "MADE_UP_DECLINE"},
		{"x-toss-outcome-unknown: [PROVIDER_ERROR]", "x-toss-outcome-unknown: [PROVIDER_ERROR, NOT_FOUND_PAYMENT]", "NOT_FOUND_PAYMENT"},
		{"        NOT_FOUND_PAYMENT: 'https://", "        NOT_FOUND_PAYMENT_X: 'https://", "NOT_FOUND_PAYMENT has no source"},
		{"      x-toss-assumed:\n        INVALID_IDEMPOTENCY_KEY:", "      x-toss-assumed:\n        NOT_FOUND_PAYMENT: 'made up'\n        INVALID_IDEMPOTENCY_KEY:", "x-toss-assumed code NOT_FOUND_PAYMENT"},
	} {
		if !strings.Contains(string(src), tc.old) {
			t.Fatalf("the spec no longer contains %s", tc.old)
		}
		path := filepath.Join(t.TempDir(), "spec.yaml")
		if err := os.WriteFile(path, bytes.Replace(src, []byte(tc.old), []byte(tc.new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := generate(path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: generate = %v, want an error naming %s", tc.new, err, tc.want)
		}
	}
}
