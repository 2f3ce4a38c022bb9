//go:build tools

// Package tools pins the Go tools the spec gates in scripts/ run.
//
// It is a module of its own so that oasdiff, which brings its own fork of
// kin-openapi, never changes the versions the main module builds with.
// scripts/spec-breaking builds oasdiff from here into .tools/.
package tools

import (
	_ "github.com/oasdiff/oasdiff"
)
