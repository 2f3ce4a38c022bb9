package contracttests

import (
	"testing"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/webhook"
)

// The webhook headers the sandbox sends and the receiver reads are the ones
// the spec's x-webhooks operations name (components/parameters), so a
// renamed header in the spec fails here rather than in production.
func TestWebhookHeadersFollowTheSpec(t *testing.T) {
	t.Parallel()
	params := spec(t).Components.Parameters
	for component, names := range map[string][2]string{
		"WebhookTransmissionId":           {sandbox.WebhookTransmissionIDHeader, webhook.HeaderTransmissionID},
		"WebhookTransmissionTime":         {sandbox.WebhookTransmissionTimeHeader, webhook.HeaderTransmissionTime},
		"WebhookTransmissionRetriedCount": {sandbox.WebhookTransmissionRetriedCountHeader, webhook.HeaderTransmissionRetriedCount},
	} {
		p := params[component]
		if p == nil || p.Value == nil || p.Value.In != "header" {
			t.Errorf("the spec has no header parameter %s", component)
			continue
		}
		for i, who := range []string{"sandbox", "webhook"} {
			if names[i] != p.Value.Name {
				t.Errorf("%s sends or reads %q for %s, the spec names it %q", who, names[i], component, p.Value.Name)
			}
		}
	}
}
