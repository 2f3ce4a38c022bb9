package contracttests

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

func TestCheckLiveKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want string // substring of the error; "" means accepted
	}{
		{docsTestKey, ""},
		{"test_gsk_abc", ""},
		{"live_sk_abcdef", "refusing a live_ key"},
		{"live_gsk_abcdef", "refusing a live_ key"},
		{"test_ck_abcdef", "client key"},
		{"sk_abcdef", "must be a test secret key"},
	}
	for _, tt := range tests {
		err := checkLiveKey(tt.key)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("checkLiveKey(%q) = %v, want accepted", tt.key, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("checkLiveKey(%q) = %v, want an error containing %q", tt.key, err, tt.want)
		case err != nil && strings.Contains(err.Error(), tt.key):
			t.Errorf("checkLiveKey error echoes the key: %v", err)
		}
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	in := []byte(`{"secret":"ps_realSecretValue","receipt":{"url":"https://x/merchant/test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq/receipt"},
"card":{"number":"4330123412341234"},"virtualAccount":{"accountNumber":"11012345678","customerName":"Kim Minji","refundReceiveAccount":{"holderName":"Lee Jiwoo"}},"totalAmount":726.24,"taxFreeAmount":0.0,
"mobilePhone":{"customerMobilePhone":"01012345678"},"note":"key test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"}`)
	out := string(scrub(in))
	for _, leak := range []string{"ps_realSecretValue", "D5GePWvyJnrK0W0k6q8gLzN97Eoq", "zXLkKEypNArWmo50nX3lmeaxYG5R", "4330123412341234", "11012345678", "01012345678", "Kim Minji", "Lee Jiwoo"} {
		if strings.Contains(out, leak) {
			t.Errorf("scrubbed body still holds %q:\n%s", leak, out)
		}
	}
	for _, keep := range []string{`"43301234********"`, `"110********"`, `"010********"`, `726.24`, `0.0`, `"ps_scrubbed"`, "test_ck_scrubbed"} {
		if !strings.Contains(out, keep) {
			t.Errorf("scrubbed body lacks %s:\n%s", keep, out)
		}
	}
	// A scrubbed real-looking body still validates.
	seed, err := os.ReadFile("testdata/seed/confirmPayment.200.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateResponse(t, "confirmPayment", 200, nil, scrub(seed)); err != nil {
		t.Errorf("the scrubbed seed no longer validates: %v", err)
	}
}

// fakeToss answers like the real API for the live steps, from the seed
// samples, so the live code path runs here without the network.
func fakeToss(t *testing.T, key string) *httptest.Server {
	t.Helper()
	seed, err := os.ReadFile("testdata/seed/createPayment.200.json")
	if err != nil {
		t.Fatal(err)
	}
	var created map[string]any
	if err := json.Unmarshal(seed, &created); err != nil {
		t.Fatal(err)
	}
	const paymentKey = "fakePaymentKey0001"
	created["paymentKey"] = paymentKey
	orderID := ""
	writeErr := func(w http.ResponseWriter, status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"code": code, "message": "fake " + code, "data": nil})
	}
	writePayment := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-TossPayments-Trace-Id", "fake-trace")
		json.NewEncoder(w).Encode(created)
	}
	var mu sync.Mutex // the handler runs on the server's goroutines
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "))
		user, _, ok := strings.Cut(string(raw), ":")
		switch {
		case !ok:
			writeErr(w, 403, "INCORRECT_BASIC_AUTH_FORMAT")
			return
		case user != key:
			writeErr(w, 401, "UNAUTHORIZED_KEY")
			return
		}
		p := r.URL.Path
		switch {
		case r.Method == "POST" && p == "/v1/payments":
			var body struct{ OrderID string }
			json.NewDecoder(r.Body).Decode(&body)
			orderID = body.OrderID
			created["orderId"] = orderID
			writePayment(w)
		case r.Method == "POST" && p == "/v1/payments/confirm":
			if code := r.Header.Get("TossPayments-Test-Code"); code != "" {
				writeErr(w, 403, code)
				return
			}
			writeErr(w, 404, "NOT_FOUND_PAYMENT_SESSION")
		case r.Method == "POST" && p == "/v1/payments/key-in":
			writeErr(w, 400, "NOT_SUPPORTED_METHOD")
		case r.Method == "POST" && strings.HasSuffix(p, "/cancel"):
			if strings.TrimSuffix(strings.TrimPrefix(p, "/v1/payments/"), "/cancel") == paymentKey {
				writeErr(w, 403, "NOT_CANCELABLE_PAYMENT")
				return
			}
			writeErr(w, 404, "NOT_FOUND_PAYMENT")
		case r.Method == "GET" && strings.HasPrefix(p, "/v1/payments/orders/"):
			if strings.TrimPrefix(p, "/v1/payments/orders/") == orderID {
				writePayment(w)
				return
			}
			writeErr(w, 404, "NOT_FOUND_PAYMENT")
		case r.Method == "GET" && strings.HasPrefix(p, "/v1/payments/"):
			if strings.TrimPrefix(p, "/v1/payments/") == paymentKey {
				writePayment(w)
				return
			}
			writeErr(w, 404, "NOT_FOUND_PAYMENT")
		default:
			writeErr(w, 404, "NOT_FOUND")
		}
	}))
}

// TestLiveAgainstFake runs the live steps against an in-process fake of the
// API, with recording on, so the live path (and -record) cannot rot while
// nobody runs it against the real API.
func TestLiveAgainstFake(t *testing.T) {
	t.Parallel()
	srv := fakeToss(t, docsTestKey)
	defer srv.Close()
	dir := t.TempDir()
	runLive(t, srv.URL, docsTestKey, dir)
	recorded := loadFixtures(t, dir)
	if len(recorded) < 12 {
		t.Errorf("recorded %d responses, want one per live step (at least 12)", len(recorded))
	}
	for _, f := range recorded {
		if strings.Contains(string(f.Body), docsTestKey) {
			t.Errorf("%s holds the secret key", f.Path)
		}
		if err := validateResponse(t, f.OpID, f.Status, nil, f.Body); err != nil {
			t.Errorf("recorded %s does not validate: %v", f.Path, err)
		}
	}
}
