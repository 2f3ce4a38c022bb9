package main

import (
	"errors"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
)

// kin-openapi checks a string's format only when a validator is defined for
// it, and defines none for "uri", which the spec gives returnUrl. Defining it
// here makes the wrapper's validation, which tosspay relies on, refuse a
// returnUrl that is not an absolute URI before anything is sent. (The
// generated types already refuse an invalid "email" when the request is
// built.)
func init() {
	openapi3.DefineStringFormatCallback("uri", func(s string) error {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
			return errors.New("want an absolute URI, such as https://shop.example/return")
		}
		return nil
	})
}
