package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// TestSecurityKeyCommand: "tosspay security-key" prints the key's security
// key, the one the sandbox signs its payout webhooks with, and a payout
// trigger's output names it; a word after the command is a usage error.
func TestSecurityKeyCommand(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer recv.Close()
	sb, _ := sandbox.New()
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	defer sb.CloseWebhooks(context.Background())
	if err := sb.SetWebhookURL(sandbox.TestSecretKey, recv.URL); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}
	want := sb.SecurityKey(sandbox.TestSecretKey)

	code, out, errs := runCmd(t, vars, "security-key")
	if code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("security-key: %d %q %q, want %s", code, out, errs, want)
	}
	code, out, _ = runCmd(t, vars, "security-key", "--json")
	var a sandbox.SecurityKeyAnswer
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil || a.SecurityKey != want {
		t.Errorf("security-key --json: %d %q", code, out)
	}
	if code, _, _ := runCmd(t, vars, "security-key", "now"); code != exitUsage {
		t.Errorf("security-key now: %d", code)
	}
	code, out, errs = runCmd(t, vars, "trigger", "payout.changed")
	if code != 0 || !strings.Contains(out, "security key "+want) || !strings.Contains(out, "payout.changed") {
		t.Errorf("trigger payout.changed: %d %q %q", code, out, errs)
	}
	if code, out, _ := runCmd(t, vars, "trigger", "method.updated"); code != 0 || strings.Contains(out, "security key") || !strings.Contains(out, "METHOD_UPDATED") {
		t.Errorf("trigger method.updated: %d %q", code, out)
	}
}

// TestSandboxBannerPrintsSecurityKey: the banner of "tosspay sandbox"
// prints the test key's security key, the one "tosspay security-key"
// answers against that sandbox; on an address others reach it adds that
// everyone using the test key shares it.
func TestSandboxBannerPrintsSecurityKey(t *testing.T) {
	t.Parallel()
	banner, base, _ := startSandbox(t)
	m := regexp.MustCompile(`security key: ([0-9a-f]{64}) `).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no security key in the banner:\n%s", banner)
	}
	code, out, errs := runCmd(t, map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": base}, "security-key")
	if code != 0 || strings.TrimSpace(out) != m[1] {
		t.Errorf("security-key: %d %q %q, the banner says %s", code, out, errs, m[1])
	}
	if strings.Contains(banner, "shared by everyone") {
		t.Errorf("on a loopback address the banner warns of sharing:\n%s", banner)
	}
	// On an address others reach, everyone on the published test key
	// shares its security key: the banner says so.
	banner, _, stop := startSandbox(t, "--addr", "0.0.0.0:0")
	defer stop()
	if !strings.Contains(banner, "shared by everyone using the test key here") || !strings.Contains(banner, "use a test_sk_ key of your own") {
		t.Errorf("on a shared address the banner does not say the test key's security key is shared:\n%s", banner)
	}
}
