package webhook_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/webhook"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// A shop acts on what the API says, not on what a webhook body claims. The
// receiver looks each payment up with the shop's *wrapper.Client; here a
// stand-in for the API knows one virtual-account payment, still waiting for
// its deposit. A forged body claiming it DONE reaches the function as the
// API's WAITING_FOR_DEPOSIT, once however many transmission ids it is sent
// under; a payment the API does not know is refused. In production, add
// WithStore(sqlStore) when several replicas receive webhooks.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v1/payments/pk_0001" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"code":"NOT_FOUND_PAYMENT","message":"존재하지 않는 결제 정보 입니다."}`)
			return
		}
		fmt.Fprint(w, tossPayment("pk_0001", "order-0001", "WAITING_FOR_DEPOSIT"))
	}))
	defer api.Close()
	client, err := wrapper.New("test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R", wrapper.WithBaseURL(api.URL), wrapper.WithHTTPClient(api.Client()))
	if err != nil {
		panic(err)
	}

	receiver, err := webhook.New(func(_ context.Context, ev *webhook.Event) error {
		// ev.Status(), ev.TotalAmount(): the API's answer. Ship only when DONE.
		fmt.Printf("order %s is %s, %s won (the body claimed %s)\n", ev.OrderID(), ev.Status(), ev.TotalAmount(), ev.Claimed.Status())
		return nil
	}, webhook.WithPaymentGetter(client), webhook.WithLogger(slog.New(slog.DiscardHandler)))
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
		req.Header.Set(openapi.HeaderWebhookTransmissionID, transmissionID)
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	forged := `{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2026-12-02T13:20:00.000000","data":` +
		strings.Replace(tossPayment("pk_0001", "order-0001", "DONE"), `"totalAmount":1000`, `"totalAmount":1`, 1) + `}`
	post("whtrans_made_up_1", forged) // the function sees the API's answer
	post("whtrans_made_up_2", forged) // no new state: acknowledged, not handled again
	post("whtrans_made_up_3", strings.ReplaceAll(forged, "pk_0001", "pk_guessed"))
	// Output:
	// order order-0001 is WAITING_FOR_DEPOSIT, 1000 won (the body claimed DONE)
	// 200
	// 200
	// 401
}
