package wrapper

import (
	"context"
	"encoding/json"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// IssueBillingKey exchanges the authKey the card-registration window sent to
// the successUrl, with its customerKey, for a billing key of that customer.
// Its Idempotency-Key, unless given, derives from both: a repeat replays it.
func (c *Client) IssueBillingKey(ctx context.Context, req generated.IssueBillingKeyRequest, opts ...CallOption) (*generated.Billing, *Meta, error) {
	opts = append([]CallOption{WithIdempotencyKey(DeriveIdempotencyKey("issue", req.AuthKey, req.CustomerKey))}, opts...)
	return c.issue(ctx, op{id: openapi.OpIssueBillingKey, body: req, secrets: []string{req.AuthKey, req.CustomerKey}, send: post((*generated.Client).IssueBillingKeyWithBody)}, req.CustomerKey, opts)
}

// IssueBillingKeyWithCard issues a billing key from card data (in the body only).
func (c *Client) IssueBillingKeyWithCard(ctx context.Context, req generated.IssueBillingKeyWithCardRequest, opts ...CallOption) (*generated.Billing, *Meta, error) {
	return c.issue(ctx, op{id: openapi.OpIssueBillingKeyWithCard, body: req, secrets: []string{string(req.CardNumber), string(req.CustomerIdentityNumber), req.CustomerKey},
		send: post((*generated.Client).IssueBillingKeyWithCardWithBody)}, req.CustomerKey, opts)
}

func (c *Client) issue(ctx context.Context, o op, customerKey string, opts []CallOption) (*generated.Billing, *Meta, error) {
	b := new(generated.Billing)
	o.accept = func(data []byte) string {
		if err := json.Unmarshal(data, b); err != nil {
			return describeDecodeError(err)
		}
		if b.BillingKey == "" || b.CustomerKey != customerKey {
			return "not a billing key of the customerKey sent"
		}
		return ""
	}
	_, m, err := c.call(ctx, o, opts)
	if err != nil {
		return nil, m, err
	}
	return b, m, nil
}

// ChargeBillingKey charges billingKey: a success is a BILLING payment, DONE, of
// the orderId and amount sent. Its Idempotency-Key, unless given, is
// ChargeIdempotencyKey(billingKey, req): a repeat, after a crash too, replays
// (a decline too: try a declined renewal again under a new orderId).
func (c *Client) ChargeBillingKey(ctx context.Context, billingKey string, req generated.ChargeBillingKeyRequest, opts ...CallOption) (*generated.Payment, *Meta, error) {
	return c.call(ctx, op{id: openapi.OpChargeBillingKey, path: billingKey, body: req, secrets: []string{billingKey, req.CustomerKey},
		want: expect{orderID: req.OrderID, amount: req.Amount, hasAmount: true, success: charged},
		send: postAt((*generated.Client).ChargeBillingKeyWithBody, billingKey)}, append([]CallOption{WithIdempotencyKey(ChargeIdempotencyKey(billingKey, req))}, opts...))
}

// DeleteBillingKey removes billingKey (no idempotency key: a 404 NOT_FOUND
// after an attempt whose answer was lost means it is gone).
func (c *Client) DeleteBillingKey(ctx context.Context, billingKey string, opts ...CallOption) (*Meta, error) {
	_, m, err := c.call(ctx, op{id: openapi.OpDeleteBillingKey, path: billingKey, secrets: []string{billingKey},
		accept: func([]byte) string { return "" }, send: getAt((*generated.Client).DeleteBillingKey, billingKey)}, opts)
	return m, err
}

// ChargeIdempotencyKey derives a charge's key from billingKey, orderId, amount.
func ChargeIdempotencyKey(billingKey string, req generated.ChargeBillingKeyRequest) string {
	return DeriveIdempotencyKey("charge", billingKey, req.OrderID, req.Amount.Canonical().String())
}
