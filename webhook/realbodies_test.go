package webhook

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// realDir holds the webhook bodies of the corpus of real answers. Their
// provenance, their validation against the spec (two validators) and their
// exact decoding are the contract tests' (contract_tests/realcorpus_test.go);
// here the receiver reads them.
const realDir = "../contract_tests/testdata/real/webhooks"

// TestRealBodies: the receiver parses every webhook body of the corpus as
// the event type its index names, with an orderId, a status and a createdAt
// that parses.
func TestRealBodies(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(realDir, "index.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct{ File, Schema string } // the rest of an entry is the contract tests'
	if err := yaml.Unmarshal(raw, &entries); err != nil {
		t.Fatalf("index.yaml: %v", err)
	}
	if len(entries) == 0 {
		t.Fatal("index.yaml lists no bodies")
	}
	wantType := map[string]Type{
		"PaymentStatusChangedEvent": PaymentStatusChanged,
		"DepositCallbackEvent":      DepositCallback,
	}
	for _, e := range entries {
		t.Run(e.File, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(realDir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			ev, rej := parse(body, http.Header{})
			if rej != nil {
				t.Fatalf("the receiver refuses it: %v", rej)
			}
			if want, ok := wantType[e.Schema]; !ok || ev.Type != want {
				t.Errorf("parsed as %s, schema %s", ev.Type, e.Schema)
			}
			if ev.OrderID() == "" || ev.Status() == "" || ev.CreatedAt() == "" {
				t.Errorf("parsed without orderId, status or createdAt: %+v", ev)
			}
			if _, err := tosstime.Timestamp(ev.CreatedAt()).Time(); err != nil {
				t.Errorf("createdAt: %v", err)
			}
		})
	}
}

// TestRealPaymentStatusChangedParses: the published PAYMENT_STATUS_CHANGED
// body decodes into the generated types as the receiver reads it, values
// included, even with method "" and no card or secret.
func TestRealPaymentStatusChangedParses(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join(realDir, "payment-status-changed-done-techchat.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(openapi.HeaderWebhookTransmissionID, "whtrans_x")
	ev, rej := parse(body, h)
	if rej != nil {
		t.Fatalf("refused: %v", rej)
	}
	d := ev.PaymentStatusChanged.Data
	if ev.Type != PaymentStatusChanged || d.PaymentKey != "aifor2uN3L9" || d.OrderID != "toss_2966480" || d.Status != "DONE" || d.Secret != nil {
		t.Errorf("parsed %+v", d)
	}
	if got := d.TotalAmount.String(); got != "37400" {
		t.Errorf("totalAmount = %s", got)
	}
	if _, err := tosstime.Timestamp(ev.CreatedAt()).Time(); err != nil {
		t.Errorf("createdAt: %v", err)
	}
	if ev.TransmissionID != "whtrans_x" {
		t.Errorf("transmission id = %q", ev.TransmissionID)
	}
}
