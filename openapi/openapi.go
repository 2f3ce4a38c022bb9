// Package openapi embeds tosspayments.yaml, the OpenAPI document this module
// is generated from, and loads it as a validated kin-openapi document.
//
// Tests, the sandbox and users load the contract from here without a file
// path:
//
//	doc, err := openapi.Load()
package openapi

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// YAML is the OpenAPI document exactly as written in tosspayments.yaml.
//
//go:embed tosspayments.yaml
var YAML []byte

var (
	loadOnce sync.Once
	loaded   *openapi3.T
	loadErr  error
)

// Load parses and validates the embedded document. The document is parsed
// once; every call returns the same *openapi3.T, which callers must not
// modify (use Parse for a private copy).
func Load() (*openapi3.T, error) {
	loadOnce.Do(func() { loaded, loadErr = Parse() })
	return loaded, loadErr
}

// Parse parses and validates a fresh copy of the embedded document.
func Parse() (*openapi3.T, error) { return ParseData(YAML) }

// ParseData parses and validates an OpenAPI document given as YAML or JSON,
// for example a candidate revision of tosspayments.yaml.
func ParseData(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("openapi: parse tosspayments.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: tosspayments.yaml is invalid: %w", err)
	}
	doc.SetStringFormatValidators(StringFormats())
	return doc, nil
}

// StringFormats returns the string format validators of the documents
// Parse and ParseData return, a new map on each call. kin-openapi checks a
// string format only when a validator is defined for it, and defines none
// for "uri" (returnUrl, successUrl, ...): it is defined here, on these
// documents only, not for the whole process.
func StringFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{"uri": openapi3.NewCallbackValidator(checkURI)}
}

// checkURI is the spec's "uri" format: an absolute URI.
func checkURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return errors.New("want an absolute URI, such as https://shop.example/return")
	}
	return nil
}

// The operationIds of tosspayments.yaml, for code that looks an operation up
// in the document (routes, documented responses, x- extensions). The tests
// of this package hold them to the document.
const (
	OpCreatePayment       = "createPayment"
	OpConfirmPayment      = "confirmPayment"
	OpCancelPayment       = "cancelPayment"
	OpKeyInPayment        = "keyInPayment"
	OpGetPayment          = "getPayment"
	OpGetPaymentByOrderID = "getPaymentByOrderId"

	OpIssueBillingKey         = "issueBillingKey"
	OpIssueBillingKeyWithCard = "issueBillingKeyWithCard"
	OpChargeBillingKey        = "chargeBillingKey"
	OpDeleteBillingKey        = "deleteBillingKey"
)

// OperationIDs lists every operation of the document, in the order above.
func OperationIDs() []string {
	return []string{
		OpCreatePayment, OpConfirmPayment, OpCancelPayment, OpKeyInPayment, OpGetPayment, OpGetPaymentByOrderID,
		OpIssueBillingKey, OpIssueBillingKeyWithCard, OpChargeBillingKey, OpDeleteBillingKey,
	}
}
