package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxFileLines bounds a source file of the command: a new command is a row
// of the table and a file of its own concern, not more lines in an old one.
const maxFileLines = 450

func TestNoFileOverTheBound(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n > maxFileLines {
			t.Errorf("%s has %d lines, more than %d: split it by concern", f, n, maxFileLines)
		}
	}
}
