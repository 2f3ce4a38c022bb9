package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// SecurityKeyPath: GET answers the payout security key of the
// authenticated secret key (SecurityKeyAnswer), the key that signs its
// payout.changed and seller.changed webhooks.
const SecurityKeyPath = sandboxAPIPrefix + "security-key"

// securityKeySecret is drawn once per process: a key's security key is the
// HMAC of its secret key under it, so only who holds the secret key (and
// asks this process) learns it, and it stays the same for as long as the
// process runs, however often the key's tenant is evicted and made again.
var securityKeySecret = func() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("sandbox: no randomness for the security keys: " + err.Error())
	}
	return b
}()

// SecurityKey returns the payout security key of secretKey: 64 hex digits,
// whose bytes (as printed) sign the key's payout.changed and seller.changed
// webhooks (webhook.WithSecurityKeys([]byte(key)) verifies them). It is
// derived from secretKey under a secret drawn at the process's start:
// the same for the process's life, another in the next process, and not
// guessable from the secret key alone.
func (s *Sandbox) SecurityKey(secretKey string) string {
	m := hmac.New(sha256.New, securityKeySecret)
	m.Write([]byte("tosspayments-sandbox security key\x00"))
	m.Write([]byte(secretKey))
	return hex.EncodeToString(m.Sum(nil))
}

// SecurityKeyAnswer is the answer of GET /sandbox/v1/security-key.
type SecurityKeyAnswer struct {
	// SecurityKey signs the key's payout webhooks; verify them with
	// webhook.WithSecurityKeys([]byte(SecurityKey)).
	SecurityKey string `json:"securityKey"`
	// Signs names the events it signs.
	Signs []string `json:"signs"`
}

// securityKeyHandler: GET /sandbox/v1/security-key.
func (s *Sandbox) securityKeyHandler(w http.ResponseWriter, _ *http.Request, ci callerInfo) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, SecurityKeyAnswer{SecurityKey: s.SecurityKey(ci.secretKey), Signs: []string{WebhookPayoutChanged, WebhookSellerChanged}})
}
