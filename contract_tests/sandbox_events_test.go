package contracttests

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestSandboxEventBodiesFollowTheSpec: the bodies the sandbox's triggers
// send for the events that announce no payment (METHOD_UPDATED,
// CUSTOMER_STATUS_CHANGED, payout.changed, seller.changed) pass their
// x-webhooks schemas with both validators, and the same body without its
// createdAt fails both (the validators bite).
func TestSandboxEventBodiesFollowTheSpec(t *testing.T) {
	t.Parallel()
	sb, _, _ := sandboxWithWebhookSink(t, sandbox.WithSeed(5))
	for trigger, want := range map[string][2]string{
		"method.updated":          {sandbox.WebhookMethodUpdated, "MethodUpdatedEvent"},
		"customer.status-changed": {sandbox.WebhookCustomerStatusChanged, "CustomerStatusChangedEvent"},
		"payout.changed":          {sandbox.WebhookPayoutChanged, "PayoutWebhookEvent"},
		"seller.changed":          {sandbox.WebhookSellerChanged, "PayoutWebhookEvent"},
	} {
		res, err := sb.Trigger(sandbox.Caller{SecretKey: sandbox.TestSecretKey}, trigger)
		if err != nil || len(res.Deliveries) != 1 || res.Deliveries[0].EventType != want[0] {
			t.Fatalf("%s: %+v, %v", trigger, res, err)
		}
		var body []byte
		for i := 0; body == nil; i++ {
			if i > 2000 {
				t.Fatalf("%s: never delivered", trigger)
			}
			time.Sleep(5 * time.Millisecond)
			for _, d := range sb.WebhookDeliveries(sandbox.TestSecretKey, "") {
				if d.TransmissionID == res.Deliveries[0].ID && d.State == sandbox.WebhookDelivered {
					body = d.Body
				}
			}
		}
		if v := validateSchemaBoth(t, want[1], body); v.Kin != nil || v.Lib != nil {
			t.Errorf("%s breaks %s: kin %v; libopenapi %v\n%s", want[0], want[1], v.Kin, v.Lib, body)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil || m["eventType"] != want[0] {
			t.Fatalf("%s: %s", trigger, body)
		}
		delete(m, "createdAt")
		broken, _ := json.Marshal(m)
		if v := validateSchemaBoth(t, want[1], broken); v.Kin == nil || v.Lib == nil {
			t.Errorf("%s without createdAt passed: kin %v; libopenapi %v", want[1], v.Kin, v.Lib)
		}
	}
}
