package drift_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/drift"
)

// anyKey stands for whichever required key the spec lists first.
const anyKey = "*"

func TestMissingRequired(t *testing.T) {
	c, err := drift.Load()
	if err != nil {
		t.Fatal(err)
	}
	done, err := os.ReadFile(filepath.Join("..", "wrapper", "testdata", "payment_done.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := string(done)
	without := func(key string) string {
		// payment_done.json has one member per line.
		var kept []string
		for _, line := range strings.Split(body, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), `"`+key+`":`) {
				kept = append(kept, line)
			}
		}
		return strings.Join(kept, "\n")
	}
	if without("status") == body {
		t.Fatal("the sample has no top-level status line to remove")
	}
	for _, tc := range []struct {
		name, body, want string
	}{
		{"a whole payment", body, ""},
		{"status removed", without("status"), "status"},
		{"orderId removed", without("orderId"), "orderId"},
		{"the key escaped is the key", strings.Replace(body, `"status":`, `"st\u0061tus":`, 1), ""},
		{"a key only nested below the top", `{"x":{"paymentKey":"k","status":"DONE"}}`, anyKey},
		{"not an object", `[]`, ""},
		{"broken JSON", `{"paymentKey":`, ""},
		{"an empty object", `{}`, anyKey},
	} {
		got := c.MissingRequired("confirmPayment", 200, []byte(tc.body))
		if tc.want == anyKey {
			if got == "" {
				t.Errorf("%s: nothing missing", tc.name)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s: MissingRequired = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := c.MissingRequired("noSuchOperation", 200, []byte(`{}`)); got != "" {
		t.Errorf("an unknown operation: %q", got)
	}
}
