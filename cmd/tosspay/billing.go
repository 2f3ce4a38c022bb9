package main

import (
	"context"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// issued calls a wrapper method that issues a billing key. The key is
// printed (it is what a charge needs); the customerKey, which names a
// person, is printed masked.
func issued[Req any](m func(*wrapper.Client, context.Context, Req, ...wrapper.CallOption) (*generated.Billing, *wrapper.Meta, error)) callFunc {
	return func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error) {
		req, err := decode[Req](r.body)
		if err != nil {
			return nil, nil, err
		}
		b, meta, err := m(cl, ctx, req, opts...)
		if err != nil {
			return nil, meta, err
		}
		b.CustomerKey = sensitive.Mask(b.CustomerKey)
		return b, meta, nil
	}
}

// removed calls a wrapper method that removes what its path names.
func removed(m func(*wrapper.Client, context.Context, string, ...wrapper.CallOption) (*wrapper.Meta, error)) callFunc {
	return func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error) {
		meta, err := m(cl, ctx, r.path, opts...)
		if err != nil {
			return nil, meta, err
		}
		return map[string]bool{"deleted": true}, meta, nil
	}
}
