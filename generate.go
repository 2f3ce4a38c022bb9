// Package tosspayments is the module root of tosspayments-go, a spec-first Go
// client for the Toss Payments Core API.
//
// The contract is openapi/tosspayments.yaml. Everything else follows from it:
//
//   - generated: types, client and strict server interface, produced by
//     oapi-codegen from the spec (never edited by hand);
//   - wrapper: the client users call (auth, idempotency, retries, typed errors);
//   - money and tosstime: the exact amount and timestamp types the generated
//     code uses;
//   - contract_tests: fixtures and live responses held to the spec.
//
// After editing the spec, run `go generate ./...` then `go test ./...`.
package tosspayments

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/codegen.yaml openapi/tosspayments.yaml
//go:generate go run ./openapi/internal/specbundle -in openapi/tosspayments.yaml -out openapi/dist
//go:generate go run ./openapi/internal/errorcodes -in openapi/tosspayments.yaml -out generated/errorcodes.gen.go
