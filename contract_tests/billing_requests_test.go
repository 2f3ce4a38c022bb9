package contracttests

import (
	"context"
	"net/http"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
)

// The billing operations' request builders and valid bodies, for
// TestRequests.

func issueBillingCall(body generated.IssueBillingKeyRequest, params generated.IssueBillingKeyParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.IssueBillingKey(ctx, &params, body)
	}
}

func issueCardBillingCall(body generated.IssueBillingKeyWithCardRequest, params generated.IssueBillingKeyWithCardParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.IssueBillingKeyWithCard(ctx, &params, body)
	}
}

func chargeBillingCall(key string, body generated.ChargeBillingKeyRequest, params generated.ChargeBillingKeyParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.ChargeBillingKey(ctx, key, &params, body)
	}
}

func deleteBillingCall(key string, params generated.DeleteBillingKeyParams) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.DeleteBillingKey(ctx, key, &params)
	}
}

// rawChargeCall posts body as it is to the charge of billingKey.
func rawChargeCall(key, body string) clientCall {
	return func(ctx context.Context, c *generated.Client) (*http.Response, error) {
		return c.ChargeBillingKeyWithBody(ctx, key, &generated.ChargeBillingKeyParams{}, "application/json", strings.NewReader(body))
	}
}

// docsBillingKey is the billing key of the reference's samples.
const docsBillingKey = "Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0="

func validIssueBilling() generated.IssueBillingKeyRequest {
	return generated.IssueBillingKeyRequest{AuthKey: "e_826EDB0730790E96F116FFF3799A65DE", CustomerKey: "aENcQAtPdYbTjGhtQnNVj"}
}

func validIssueCardBilling() generated.IssueBillingKeyWithCardRequest {
	return generated.IssueBillingKeyWithCardRequest{
		CustomerKey:            "tNnoxMVndIRgA56kpnKe-",
		CardNumber:             "4330123412341234",
		CardExpirationYear:     "24",
		CardExpirationMonth:    "07",
		CardPassword:           ptr(sensitive.String("12")),
		CustomerIdentityNumber: "881212",
		CustomerName:           ptr("Tom Kim"),
		CustomerEmail:          ptr(generatedEmail("customer@example.com")),
		Vbv:                    &generated.Vbv{Cavv: ptr("AAABBBCCC"), Xid: ptr("xid-0001"), Eci: ptr("05")},
	}
}

func validChargeBilling() generated.ChargeBillingKeyRequest {
	return generated.ChargeBillingKeyRequest{
		CustomerKey:         "tNnoxMVndIRgA56kpnKe-",
		Amount:              amt("4900"),
		OrderID:             "order-20240101-0003",
		OrderName:           "Toss Prime monthly",
		CustomerEmail:       ptr(generatedEmail("customer@example.com")),
		CustomerName:        ptr("Tom Kim"),
		CustomerMobilePhone: ptr("01012345678"),
		CustomerIP:          ptr("203.0.113.7"),
		TaxFreeAmount:       ptr(amt("0")),
		TaxExemptionAmount:  ptr(amt("0")),
		CardInstallmentPlan: ptr(3),
		UseCardPoint:        ptr(false),
	}
}

func issueBillingParams() generated.IssueBillingKeyParams {
	return generated.IssueBillingKeyParams{IdempotencyKey: ptr(allHeaders.idem), AcceptLanguage: ptr(allHeaders.lang), TossPaymentsTestCode: ptr(allHeaders.code)}
}

func issueCardBillingParams() generated.IssueBillingKeyWithCardParams {
	return generated.IssueBillingKeyWithCardParams{IdempotencyKey: ptr(allHeaders.idem), AcceptLanguage: ptr(allHeaders.lang), TossPaymentsTestCode: ptr(allHeaders.code)}
}

func chargeBillingParams() generated.ChargeBillingKeyParams {
	return generated.ChargeBillingKeyParams{IdempotencyKey: ptr(allHeaders.idem), AcceptLanguage: ptr(allHeaders.lang), TossPaymentsTestCode: ptr(allHeaders.code)}
}

// billingRequestCases are TestRequests' cases for the billing operations:
// each valid, minimal and with every field, then each broken constraint.
func billingRequestCases() []requestCase {
	long := func(n int) string { return strings.Repeat("x", n) }
	return []requestCase{
		{"issue billing key", "issueBillingKey", issueBillingCall(validIssueBilling(), generated.IssueBillingKeyParams{}), ""},
		{"issue billing key every header", "issueBillingKey", issueBillingCall(validIssueBilling(), issueBillingParams()), ""},
		{"issue billing key customerKey with = . @", "issueBillingKey", issueBillingCall(func() generated.IssueBillingKeyRequest {
			b := validIssueBilling()
			b.CustomerKey = "user@shop.example_01=."
			return b
		}(), generated.IssueBillingKeyParams{}), ""},
		{"issue billing key customerKey 1 char", "issueBillingKey", issueBillingCall(func() generated.IssueBillingKeyRequest {
			b := validIssueBilling()
			b.CustomerKey = "a"
			return b
		}(), generated.IssueBillingKeyParams{}), "customerKey"},
		{"issue billing key customerKey with a space", "issueBillingKey", issueBillingCall(func() generated.IssueBillingKeyRequest {
			b := validIssueBilling()
			b.CustomerKey = "user 01"
			return b
		}(), generated.IssueBillingKeyParams{}), "customerKey"},
		{"issue billing key empty authKey", "issueBillingKey", issueBillingCall(func() generated.IssueBillingKeyRequest {
			b := validIssueBilling()
			b.AuthKey = ""
			return b
		}(), generated.IssueBillingKeyParams{}), "authKey"},

		{"issue billing key from card minimal", "issueBillingKeyWithCard", issueCardBillingCall(generated.IssueBillingKeyWithCardRequest{
			CustomerKey: "tNnoxMVndIRgA56kpnKe-", CardNumber: "4330123412341234", CardExpirationYear: "24",
			CardExpirationMonth: "07", CustomerIdentityNumber: "881212",
		}, generated.IssueBillingKeyWithCardParams{}), ""},
		{"issue billing key from card every field", "issueBillingKeyWithCard", issueCardBillingCall(validIssueCardBilling(), issueCardBillingParams()), ""},
		{"issue billing key from card, business number", "issueBillingKeyWithCard", issueCardBillingCall(func() generated.IssueBillingKeyWithCardRequest {
			b := validIssueCardBilling()
			b.CustomerIdentityNumber = "1234567890"
			return b
		}(), generated.IssueBillingKeyWithCardParams{}), ""},
		{"issue billing key from card, cardNumber 21 chars", "issueBillingKeyWithCard", issueCardBillingCall(func() generated.IssueBillingKeyWithCardRequest {
			b := validIssueCardBilling()
			b.CardNumber = sensitive.String(strings.Repeat("4", 21))
			return b
		}(), generated.IssueBillingKeyWithCardParams{}), "cardNumber"},
		{"issue billing key from card, identity 7 digits", "issueBillingKeyWithCard", issueCardBillingCall(func() generated.IssueBillingKeyWithCardRequest {
			b := validIssueCardBilling()
			b.CustomerIdentityNumber = "8812121"
			return b
		}(), generated.IssueBillingKeyWithCardParams{}), "customerIdentityNumber"},
		{"issue billing key from card, month 13", "issueBillingKeyWithCard", issueCardBillingCall(func() generated.IssueBillingKeyWithCardRequest {
			b := validIssueCardBilling()
			b.CardExpirationMonth = "13"
			return b
		}(), generated.IssueBillingKeyWithCardParams{}), "cardExpirationMonth"},
		{"issue billing key from card, idempotency key 301 chars", "issueBillingKeyWithCard", issueCardBillingCall(validIssueCardBilling(),
			generated.IssueBillingKeyWithCardParams{IdempotencyKey: ptr(long(301))}), "Idempotency-Key"},

		{"charge billing key minimal", "chargeBillingKey", chargeBillingCall(docsBillingKey, generated.ChargeBillingKeyRequest{
			CustomerKey: "tNnoxMVndIRgA56kpnKe-", Amount: amt("4900"), OrderID: "order-0003", OrderName: "Toss Prime monthly",
		}, generated.ChargeBillingKeyParams{}), ""},
		{"charge billing key every field", "chargeBillingKey", chargeBillingCall(docsBillingKey, validChargeBilling(), chargeBillingParams()), ""},
		// The shape of a recorded request Toss accepted (it failed only on the
		// customer key): unused optional fields sent as null.
		{"charge billing key with nulls", "chargeBillingKey", rawChargeCall(docsBillingKey,
			`{"customerKey":"CDM_b_pronabfb_146","amount":100000,"taxFreeAmount":100000,"taxExemptionAmount":0,`+
				`"orderId":"11779_251206_053528","orderName":"홈페이지 제작 서비스","cardInstallmentPlan":null,"customerName":"김태",`+
				`"customerIp":null,"useCardPoint":null,"customerMobilePhone":null}`), ""},
		{"charge billing key decimal amount", "chargeBillingKey", rawChargeCall(docsBillingKey,
			`{"customerKey":"tNnoxMVndIRgA56kpnKe-","amount":4900.5,"orderId":"order-0003","orderName":"Toss Prime monthly"}`), "amount"},
		{"charge billing key without customerKey", "chargeBillingKey", rawChargeCall(docsBillingKey,
			`{"amount":4900,"orderId":"order-0003","orderName":"Toss Prime monthly"}`), "customerKey"},
		{"charge billing key cardInstallmentPlan 1", "chargeBillingKey", chargeBillingCall(docsBillingKey, func() generated.ChargeBillingKeyRequest {
			b := validChargeBilling()
			b.CardInstallmentPlan = ptr(1)
			return b
		}(), generated.ChargeBillingKeyParams{}), "cardInstallmentPlan"},
		{"charge billing key orderId 5 chars", "chargeBillingKey", chargeBillingCall(docsBillingKey, func() generated.ChargeBillingKeyRequest {
			b := validChargeBilling()
			b.OrderID = "order"
			return b
		}(), generated.ChargeBillingKeyParams{}), "orderId"},
		{"charge billing key, billingKey 201 chars", "chargeBillingKey", chargeBillingCall(long(201), validChargeBilling(), generated.ChargeBillingKeyParams{}), "billingKey"},

		{"delete billing key", "deleteBillingKey", deleteBillingCall(docsBillingKey, generated.DeleteBillingKeyParams{}), ""},
		{"delete billing key every header", "deleteBillingKey", deleteBillingCall(docsBillingKey,
			generated.DeleteBillingKeyParams{AcceptLanguage: ptr(allHeaders.lang), TossPaymentsTestCode: ptr(allHeaders.code)}), ""},
		{"delete billing key 201 chars", "deleteBillingKey", deleteBillingCall(long(201), generated.DeleteBillingKeyParams{}), "billingKey"},
	}
}
