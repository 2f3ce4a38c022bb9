//go:build tools

package tosspayments

// This file pins the code generator in go.mod so that `go generate ./...`
// runs the exact version the checked-in code was generated with.
import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
