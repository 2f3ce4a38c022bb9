package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// securityKeyHelp says what the security key is for.
func securityKeyHelp(w io.Writer) {
	fmt.Fprint(w, `
The security key signs the key's payout.changed and seller.changed webhooks
("tosspay trigger payout.changed"): verify them with
webhook.New(webhook.WithSecurityKeys([]byte(KEY)), ...). The sandbox derives
it from the secret key under a secret drawn when it starts: it is the same
while the sandbox runs, another after a restart.
`)
}

// runSecurityKey is "tosspay security-key": it prints the payout security
// key of the secret key ($TOSS_SECRET_KEY).
func runSecurityKey(ctx context.Context, args []string, e env) int {
	c := newControl("security-key", e)
	if code := c.parse(args, securityKeyHelp); code >= 0 {
		return code
	}
	if len(c.words) != 0 {
		return c.usageError("takes no arguments")
	}
	var a sandbox.SecurityKeyAnswer
	if code := c.call(ctx, http.MethodGet, sandbox.SecurityKeyPath, nil, &a); code >= 0 {
		return code
	}
	if !*c.json {
		fmt.Fprintln(e.stdout, a.SecurityKey)
	}
	return exitOK
}
