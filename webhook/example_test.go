package webhook_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/webhook"
)

// A shop verifies DEPOSIT_CALLBACK events against the secret it kept from
// the confirm answer of each virtual-account payment, and marks the order
// paid once however many times Toss delivers the event. In production, add
// WithPaymentGetter(client) with the shop's *wrapper.Client to verify
// PAYMENT_STATUS_CHANGED events too, and WithStore(sqlStore) when several
// replicas receive webhooks.
func Example() {
	kept := map[string]string{"order-0001": "ps_kept_from_confirm"} // orderId → Payment.secret
	lookup := func(_ context.Context, orderID string) (string, bool, error) {
		s, ok := kept[orderID]
		return s, ok, nil
	}
	receiver, err := webhook.New(func(_ context.Context, ev *webhook.Event) error {
		fmt.Printf("order %s is %s\n", ev.OrderID(), ev.Status())
		return nil
	}, webhook.WithSecretLookup(lookup), webhook.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/toss", receiver)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	post := func(transmissionID, body string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/toss", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.HeaderTransmissionID, transmissionID)
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	deposit := `{"createdAt":"2026-12-02T13:20:00.000000","secret":"ps_kept_from_confirm","status":"DONE",
		"transactionKey":"9FF15E1A29D0E77C218F57262BFA4986","orderId":"order-0001"}`
	forged := strings.Replace(deposit, "ps_kept_from_confirm", "guessed", 1)

	post("whtrans_1", deposit) // handled
	post("whtrans_1", deposit) // Toss sends it again: acknowledged, not handled twice
	post("whtrans_2", forged)  // wrong secret: refused
	// Output:
	// order order-0001 is DONE
	// 200
	// 200
	// 401
}
