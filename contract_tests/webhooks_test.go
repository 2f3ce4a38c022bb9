package contracttests

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/webhook"
)

// The webhook headers the sandbox sends, the receiver reads and the CLI
// forwards are openapi/facts.go's, which must be the ones the spec's
// x-webhooks operations name (components/parameters): a renamed header in
// the spec fails here rather than in production.
func TestWebhookHeadersFollowTheSpec(t *testing.T) {
	t.Parallel()
	params := spec(t).Components.Parameters
	for component, name := range map[string]string{
		"WebhookTransmissionId":           openapi.HeaderWebhookTransmissionID,
		"WebhookTransmissionTime":         openapi.HeaderWebhookTransmissionTime,
		"WebhookTransmissionRetriedCount": openapi.HeaderWebhookTransmissionRetriedCount,
		"WebhookSignature":                openapi.HeaderWebhookSignature,
	} {
		p := params[component]
		if p == nil || p.Value == nil || p.Value.In != "header" {
			t.Errorf("the spec has no header parameter %s", component)
			continue
		}
		if name != p.Value.Name {
			t.Errorf("openapi/facts.go names %s %q, the spec %q", component, name, p.Value.Name)
		}
	}
}

// webhookFixture is an entry of testdata/webhooks/index.yaml.
type webhookFixture struct{ File, Event, Schema, Source string }

// xWebhook is what these tests read of an x-webhooks entry.
type xWebhook struct {
	Post struct {
		Parameters []struct {
			Ref string `json:"$ref"`
		} `json:"parameters"`
		RequestBody struct {
			Content map[string]struct {
				Schema struct {
					Ref string `json:"$ref"`
				} `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	} `json:"post"`
}

func xWebhooks(t *testing.T) map[string]xWebhook {
	t.Helper()
	raw, ok := spec(t).Extensions["x-webhooks"]
	if !ok {
		t.Fatal("the spec has no x-webhooks")
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var hooks map[string]xWebhook
	if err := json.Unmarshal(b, &hooks); err != nil {
		t.Fatalf("x-webhooks: %v", err)
	}
	return hooks
}

// TestWebhookFixtures: every event type of the spec's x-webhooks has a
// body in testdata/webhooks that both validators accept against its schema,
// the webhook package parses it as that type, and the package knows that
// the event is signed exactly when the spec lists the signature header.
// A body that breaks its schema is refused (the validators bite).
func TestWebhookFixtures(t *testing.T) {
	t.Parallel()
	hooks := xWebhooks(t)
	want := []string{"BILLING_DELETED", "CANCEL_STATUS_CHANGED", "CUSTOMER_STATUS_CHANGED", "DEPOSIT_CALLBACK", "METHOD_UPDATED", "PAYMENT_STATUS_CHANGED", "payout.changed", "seller.changed"}
	var got []string
	for name := range hooks {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("x-webhooks lists %v, want every event type of the docs %v", got, want)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "webhooks", "index.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var index []webhookFixture
	if err := yaml.Unmarshal(raw, &index); err != nil {
		t.Fatalf("index.yaml: %v", err)
	}
	for name, h := range hooks {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ref := h.Post.RequestBody.Content["application/json"].Schema.Ref
			schema := strings.TrimPrefix(ref, "#/components/schemas/")
			if schema == ref || schema == "" {
				t.Fatalf("request body schema %q is not a component", ref)
			}
			i := slices.IndexFunc(index, func(e webhookFixture) bool { return e.Event == name })
			if i < 0 {
				t.Fatalf("testdata/webhooks/index.yaml has no body of %s", name)
			}
			if index[i].Schema != schema {
				t.Errorf("index.yaml says %s, the spec %s", index[i].Schema, schema)
			}
			body, err := os.ReadFile(filepath.Join("testdata", "webhooks", index[i].File))
			if err != nil {
				t.Fatal(err)
			}
			if v := validateSchemaBoth(t, schema, body); v.Kin != nil || v.Lib != nil {
				t.Errorf("the fixture breaks %s: kin %v; libopenapi %v", schema, v.Kin, v.Lib)
			}
			u, err := webhook.Parse(body, http.Header{})
			if err != nil || string(u.Type) != name {
				t.Fatalf("webhook.Parse: %+v, %v", u, err)
			}
			signed := slices.ContainsFunc(h.Post.Parameters, func(p struct {
				Ref string `json:"$ref"`
			}) bool {
				return p.Ref == "#/components/parameters/WebhookSignature"
			})
			if signed != u.Type.Signed() {
				t.Errorf("the spec says signed=%v, the webhook package %v", signed, u.Type.Signed())
			}
			// The validators bite: without its required keys the body fails.
			if v := validateSchemaBoth(t, schema, []byte(`{"createdAt":7}`)); v.Kin == nil || v.Lib == nil {
				t.Errorf("a broken %s passed: kin %v; libopenapi %v", schema, v.Kin, v.Lib)
			}
		})
	}
}
