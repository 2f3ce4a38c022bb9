package main

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// An API command is a row of the command table (commands.go) over one spec
// operation. Its parts live apart: this file is how the request built from
// the flags reaches a wrapper method (post, postAt, lookupBy); the flags
// come from the spec in ops_flags.go; running the command is ops_run.go;
// printing an outcome other than the payment is ops_report.go.

// request is what an API command sends: the path parameter's value (if the
// operation has one) and the JSON body built from the flags (nil for a GET).
type request struct {
	path string
	body []byte
}

// callFunc calls one wrapper method with a request built from the flags.
type callFunc func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error)

// buildError is a request the flags describe but the generated types cannot
// hold (an email address its type refuses): refused locally. field is the
// body property at fault, when one is.
type buildError struct {
	field string
	err   error
}

func (e *buildError) Error() string { return e.err.Error() }

// decode reads the body built from the flags into the generated request type.
// When that fails, it finds the property at fault by decoding each one alone.
func decode[Req any](body []byte) (Req, error) {
	var req Req
	if err := decodeStrict(body, &req); err == nil {
		return req, nil
	} else {
		var props map[string]json.RawMessage
		_ = json.Unmarshal(body, &props)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			one, _ := json.Marshal(map[string]json.RawMessage{n: props[n]})
			var r Req
			if e := decodeStrict(one, &r); e != nil {
				return req, &buildError{field: n, err: e}
			}
		}
		return req, &buildError{err: err}
	}
}

func decodeStrict(body []byte, v any) error {
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// post calls a wrapper method that takes a request body.
func post[Req any](m func(*wrapper.Client, context.Context, Req, ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)) callFunc {
	return func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error) {
		req, err := decode[Req](r.body)
		if err != nil {
			return nil, nil, err
		}
		return m(cl, ctx, req, opts...)
	}
}

// postAt calls a wrapper method that takes a path parameter and a body.
func postAt[Req any](m func(*wrapper.Client, context.Context, string, Req, ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)) callFunc {
	return func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error) {
		req, err := decode[Req](r.body)
		if err != nil {
			return nil, nil, err
		}
		return m(cl, ctx, r.path, req, opts...)
	}
}

// lookupBy calls a wrapper look-up that takes a path parameter.
func lookupBy(m func(*wrapper.Client, context.Context, string, ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)) callFunc {
	return func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error) {
		return m(cl, ctx, r.path, opts...)
	}
}
