package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// command is one row of the command table.
//
// An API command names the spec operation it calls (op) and how to call it
// (call); its flags, which of them are required, the rules their values
// follow and its usage line all come from that operation in the spec
// (apiFlags). Any other command gives the function that runs it (run) and its
// usage line (synopsis).
type command struct {
	name    string
	summary string

	op   string
	call callFunc
	// defaults are flag values used when the flag is not given; help
	// replaces the spec's description of a flag where the command's own
	// words guide better.
	defaults, help map[string]string

	run      func(ctx context.Context, args []string, e env) int
	synopsis string
}

// commands is the command table: "tosspay --help", the dispatch in run and
// every API command's flags are built from it. Adding a command is adding a
// row (it is filled in init because the commands' help reads it):
//
//   - an API command: name, summary, op (the spec's operationId) and call,
//     post, postAt or lookupBy over the wrapper method; its flags, required
//     flags, rules and usage line follow from the spec;
//   - any other command: name, summary, synopsis and run, whose flags are
//     parsed with parseFlags(fs, name, args, e, func(w io.Writer) {
//     printRunHelp(w, name, fs) }), so that --help exits 0 and a usage error
//     is one line and a hint (the tests hold every row to both).
var commands []*command

func init() {
	commands = []*command{
		{
			name: "sandbox", summary: "run the local Toss Payments API (stateful, with fault injection)",
			run: runSandbox, synopsis: "[--addr 127.0.0.1:8080] [--faults SPEC] [--seed N]",
		},
		{
			name: "demo", summary: "tell the whole payment story against an in-process sandbox (or --base-url)",
			run: runDemo, synopsis: "[--base-url URL] [--lang L]",
		},
		{
			name: "listen", summary: "forward a sandbox key's webhooks to your app, wherever it runs (no public URL needed)",
			run: runListen, synopsis: "--forward-to URL [--base-url URL]",
		},
		{
			name: "clock show", summary: "the key's time in the sandbox, and how far it runs ahead of the wall clock",
			run: runClockShow, synopsis: "[--json]",
		},
		{
			name: "clock advance", summary: "move the key's clock forward by SPAN (7d, 36h, 90m), for its payments only",
			run: runClockAdvance, synopsis: "SPAN [--json]",
		},
		{
			name: "clock to", summary: "move the key's clock forward to INSTANT (RFC 3339), for its payments only",
			run: runClockTo, synopsis: "INSTANT [--json]",
		},
		{
			name: "trigger", summary: "make an event happen in the sandbox (creates the payment it needs); --help lists them",
			run: runTrigger, synopsis: "EVENT [--json]",
		},
		{
			name: "security-key", summary: "the key's payout security key, which signs its payout.changed and seller.changed webhooks",
			run: runSecurityKey, synopsis: "[--json]",
		},
		{
			name: "webhooks list", summary: "the key's webhook deliveries in the sandbox, with their last answers",
			run: runWebhooksList, synopsis: "[--payment-key K] [--json]",
		},
		{
			name: "webhooks show", summary: "one webhook delivery with every attempt and answer",
			run: runWebhooksShow, synopsis: "ID [--json]",
		},
		{
			name: "webhooks resend", summary: "send a delivery's event again, as a new transmission",
			run: runWebhooksResend, synopsis: "ID [--json]",
		},
		{
			name: "logs tail", summary: "follow the key's API calls in the sandbox as they happen",
			run: runLogs, synopsis: "[--status 4xx,500] [--path /cancel] [--json]",
		},
		{
			name: "version", summary: "print the version this tosspay was built from",
			run: runVersion, synopsis: "",
		},
		{
			name: "validate", summary: "check recorded answers (HAR, JSONL, JSON bodies) for drift from the spec",
			run: runValidate, synopsis: "[--operation OP --status N] FILE...",
		},
		{
			name: "create", op: openapi.OpCreatePayment, call: post((*wrapper.Client).CreatePayment),
			summary:  "create a payment window (READY) whose checkout.url the customer opens",
			defaults: map[string]string{"method": string(generated.CreatePaymentMethodCard)},
		},
		{
			name: "confirm", op: openapi.OpConfirmPayment, call: post((*wrapper.Client).ConfirmPayment),
			summary: "confirm a payment the customer approved (DONE)",
		},
		{
			name: "cancel", op: openapi.OpCancelPayment, call: postAt((*wrapper.Client).CancelPayment),
			summary: "cancel a payment, all of its balance or --cancel-amount",
			help: map[string]string{
				"cancel-amount":     "the amount to cancel (default: the whole balance). Written as a plain decimal (15000, not 1.5e4).",
				"refundable-amount": "deprecated: the balance you expect; the cancel fails if it differs (use --idempotency-key to cancel safely).",
			},
		},
		{
			name: "get", op: openapi.OpGetPayment, call: lookupBy((*wrapper.Client).GetPayment),
			summary: "look a payment up by its payment key",
		},
		{
			name: "get-order", op: openapi.OpGetPaymentByOrderID, call: lookupBy((*wrapper.Client).GetPaymentByOrderID),
			summary: "look a payment up by its order ID",
		},
		{
			name: "key-in", op: openapi.OpKeyInPayment, call: post((*wrapper.Client).KeyInPayment),
			summary: "charge a card number the merchant entered (DONE)",
		},
		{
			name: "billing issue", op: openapi.OpIssueBillingKey, call: issued((*wrapper.Client).IssueBillingKey),
			summary: "issue a billing key from the authKey the card-registration page sent",
			help:    map[string]string{"idempotency-key": "the Idempotency-Key (default: derived from the authKey and customer key, so that a repeat replays the key issued)"},
		},
		{
			name: "billing issue-card", op: openapi.OpIssueBillingKeyWithCard, call: issued((*wrapper.Client).IssueBillingKeyWithCard),
			summary: "issue a billing key from card data",
		},
		{
			name: "billing charge", op: openapi.OpChargeBillingKey, call: postAt((*wrapper.Client).ChargeBillingKey),
			summary: "charge a billing key (DONE, type BILLING; the idempotency key derives from the billing key, order ID and amount)",
			help:    map[string]string{"idempotency-key": "the Idempotency-Key (default: derived from the billing key, order ID and amount, so that a repeat replays the charge)"},
		},
		{
			name: "billing delete", op: openapi.OpDeleteBillingKey, call: removed((*wrapper.Client).DeleteBillingKey),
			summary: "remove a billing key",
		},
	}
}

// lookup returns the command named name, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// subcommands returns the second words of the commands named "name ...",
// for "tosspay clock" alone.
func subcommands(name string) []string {
	var subs []string
	for _, c := range commands {
		if rest, ok := strings.CutPrefix(c.name, name+" "); ok {
			subs = append(subs, rest)
		}
	}
	return subs
}

// synopsisLine is the command's arguments in the usage text.
func (c *command) synopsisLine() string {
	if c.op == "" {
		return c.synopsis
	}
	return apiSynopsis(c)
}

// printRunHelp is "tosspay COMMAND --help" for a command that is not an API
// call: its usage line, summary and flags, in the API commands' style.
func printRunHelp(w io.Writer, name string, fs *flag.FlagSet) {
	c := lookup(name)
	fmt.Fprintf(w, "usage: tosspay %s %s\n\n%s.\n\nflags:\n", name, c.synopsis, c.summary)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		meta, usage := flag.UnquoteUsage(f)
		if meta != "" {
			meta = " " + strings.ToUpper(meta)
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, meta, usage)
	})
	_ = tw.Flush()
}
