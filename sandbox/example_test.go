package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// A sandbox in-process with httptest: create a payment window and read the
// Payment object it answers with.
func ExampleNew() {
	sb, err := sandbox.New()
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()

	body := `{"method":"CARD","amount":15000,"orderId":"order-example-1","orderName":"Toss T-shirts","returnUrl":"https://shop.example/return"}`
	req, _ := http.NewRequest("POST", srv.URL+"/v1/payments", strings.NewReader(body))
	req.SetBasicAuth(sandbox.TestSecretKey, "") // Basic base64(key + ":")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var p generated.Payment
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, p.Status, p.TotalAmount, p.SuppliedAmount, p.Vat)
	fmt.Println(strings.HasPrefix(*p.Checkout.URL, srv.URL))
	// Output:
	// 200 READY 15000 13636 1364
	// true
}
