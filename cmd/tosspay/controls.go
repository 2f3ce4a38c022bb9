package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// The sandbox's test controls: clock, trigger, webhooks, one row of the
// command table per subcommand. Each reads
// TOSS_SECRET_KEY and the sandbox's base URL (--base-url, else
// TOSS_BASE_URL), calls one of the sandbox's own endpoints (sandbox.
// ClockPath, TriggerPath, ...) and prints the answer as text, or as the
// endpoint's JSON with --json. "logs tail" is in logs.go.

// control is what a control command needs: its flags, the sandbox and key.
type control struct {
	name  string
	fs    *flag.FlagSet
	base  *string
	json  *bool
	key   string
	hc    *http.Client
	e     env
	words []string // the words before the flags: the subcommand and its arguments
}

// newControl makes the flag set of a control command; words is how many
// leading words (subcommand and arguments) it takes before the flags.
func newControl(name string, e env) *control {
	c := &control{name: name, fs: flag.NewFlagSet("tosspay "+name, flag.ContinueOnError), e: e}
	c.base = c.fs.String("base-url", "", "the sandbox's base URL (default: $TOSS_BASE_URL)")
	c.json = c.fs.Bool("json", false, "print the sandbox's JSON answer instead of text")
	return c
}

// parse reads the words (the subcommand's arguments) and the flags, in
// any order ("trigger --json payment.done" as "trigger payment.done
// --json"; after "--" everything is a word); it returns -1 to go on, or
// the exit status. help adds to the command's help.
func (c *control) parse(args []string, help func(io.Writer)) int {
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() {}
	for len(args) > 0 {
		if !strings.HasPrefix(args[0], "-") {
			c.words, args = append(c.words, args[0]), args[1:]
			continue
		}
		code := flagsParsed(c.fs.Parse(args), c.name, c.e, func(w io.Writer) {
			printRunHelp(w, c.name, c.fs)
			if help != nil {
				help(w)
			}
		})
		if code >= 0 {
			return code
		}
		rest := c.fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			c.words = append(c.words, rest...)
			break
		}
		args = rest
	}
	for _, w := range c.words {
		if w == "" {
			return c.usageError("an empty argument; want %s", c.synopsis())
		}
	}
	if *c.base == "" {
		*c.base = c.e.getenv("TOSS_BASE_URL")
	}
	*c.base = strings.TrimSuffix(*c.base, "/")
	c.key = c.e.getenv("TOSS_SECRET_KEY")
	switch {
	case *c.base == "" || c.key == "":
		fmt.Fprintf(c.e.stderr, "tosspay %s: needs the sandbox's base URL (--base-url or TOSS_BASE_URL) and TOSS_SECRET_KEY (the real API has no test controls)\n", c.name)
		return exitUsage
	case !strings.HasPrefix(c.key, "test_"):
		fmt.Fprintf(c.e.stderr, "tosspay %s: TOSS_SECRET_KEY is not a test key; the sandbox takes test keys only (test_sk_...)\n", c.name)
		return exitUsage
	}
	c.hc = &http.Client{Timeout: 30 * time.Second, CheckRedirect: refuseRedirect}
	return -1
}

// synopsis is the command's usage line.
func (c *control) synopsis() string { return "tosspay " + c.name + " " + lookup(c.name).synopsis }

// usageError reports a wrong subcommand or argument.
func (c *control) usageError(format string, args ...any) int {
	fmt.Fprintf(c.e.stderr, "tosspay %s: %s\n%s\n", c.name, fmt.Sprintf(format, args...), hint(c.name))
	return exitUsage
}

// call makes one request and decodes a 2xx answer into out; it prints
// the answer with --json. It returns -1 on success, else the exit status
// (after saying why on stderr: the error's code and message, which the
// sandbox writes, or that it was unreachable).
func (c *control) call(ctx context.Context, method, path string, body, out any) int {
	status, b, err := sandboxCall(ctx, c.hc, *c.base, c.key, method, path, body)
	if err != nil {
		fmt.Fprintf(c.e.stderr, "tosspay %s: the sandbox at %s did not answer: %v\n", c.name, *c.base, errors.Unwrap(err))
		return exitUnreachable
	}
	if status < 200 || status > 299 {
		var te struct{ Code, Message string }
		if json.Unmarshal(b, &te) != nil || te.Code == "" {
			fmt.Fprintf(c.e.stderr, "tosspay %s: the server answered %d without a Toss error (is %s a sandbox?)\n", c.name, status, *c.base)
			return exitAPI
		}
		fmt.Fprintf(c.e.stderr, "tosspay %s: %d %s: %s\n", c.name, status, printableText(te.Code, 64), printableText(te.Message, 400))
		return exitAPI
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			fmt.Fprintf(c.e.stderr, "tosspay %s: the answer is not what a sandbox sends (%v)\n", c.name, err)
			return exitUnknown
		}
	}
	if *c.json {
		text, ok := jsonForTerminal(b)
		if !ok {
			fmt.Fprintf(c.e.stderr, "tosspay %s: the answer is not JSON\n", c.name)
			return exitUnknown
		}
		fmt.Fprintln(c.e.stdout, strings.TrimSpace(text))
	}
	return -1
}

// clockHelp explains the key's clock in "tosspay clock ... --help".
func clockHelp(w io.Writer) {
	fmt.Fprint(w, `
The key's clock moves for its payments only: windows end, due dates pass,
refunds settle and the webhook retries that fall due are sent, in order, as
if the time had passed. It never moves backwards; another key's clock does
not move. SPAN is like 7d, 36h, 1d12h or 90m; INSTANT is RFC 3339, like
2026-01-02T00:00:00+09:00.
`)
}

// runClockShow is "tosspay clock show".
func runClockShow(ctx context.Context, args []string, e env) int {
	return runClock(ctx, "clock show", 0, args, e, func(c *control) (any, bool) { return nil, false })
}

// runClockAdvance is "tosspay clock advance SPAN".
func runClockAdvance(ctx context.Context, args []string, e env) int {
	return runClock(ctx, "clock advance", 1, args, e, func(c *control) (any, bool) {
		if _, err := sandbox.ParseClockSpan(c.words[0]); err != nil {
			c.usageError("%v", err)
			return nil, true
		}
		return map[string]string{"advance": c.words[0]}, false
	})
}

// runClockTo is "tosspay clock to INSTANT".
func runClockTo(ctx context.Context, args []string, e env) int {
	return runClock(ctx, "clock to", 1, args, e, func(c *control) (any, bool) {
		return map[string]string{"to": c.words[0]}, false
	})
}

// runClock runs a clock command taking n words: body builds the POST's
// body (nil: a GET), or reports a usage error (true).
func runClock(ctx context.Context, name string, n int, args []string, e env, body func(*control) (any, bool)) int {
	c := newControl(name, e)
	if code := c.parse(args, clockHelp); code >= 0 {
		return code
	}
	if len(c.words) != n {
		return c.usageError("want %s", c.synopsis())
	}
	b, bad := body(c)
	if bad {
		return exitUsage
	}
	method := http.MethodGet
	if b != nil {
		method = http.MethodPost
	}
	var kc sandbox.KeyClock
	if code := c.call(ctx, method, sandbox.ClockPath, b, &kc); code >= 0 {
		return code
	}
	if !*c.json {
		fmt.Fprintf(e.stdout, "key's time   %s\nwall clock   %s\nahead by     %s\n", kc.Now.Format(time.RFC3339), kc.WallClock.Format(time.RFC3339), printable(kc.Offset))
		if kc.Moved != "" {
			fmt.Fprintf(e.stdout, "moved        %s\n", printable(kc.Moved))
		}
	}
	return exitOK
}

// printTriggers is the table of triggers, as "tosspay trigger --help"
// prints it.
func printTriggers(w io.Writer) {
	fmt.Fprint(w, "\nevents (each creates what it needs for this key and makes it happen):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range sandbox.Triggers() {
		fmt.Fprintf(tw, "  %s\t%s\n", t.Event, t.Makes)
	}
	_ = tw.Flush()
}

// runTrigger is "tosspay trigger EVENT".
func runTrigger(ctx context.Context, args []string, e env) int {
	c := newControl("trigger", e)
	if code := c.parse(args, printTriggers); code >= 0 {
		return code
	}
	if len(c.words) != 1 {
		return c.usageError("want one EVENT; 'tosspay trigger --help' lists them")
	}
	var res sandbox.TriggerResult
	if code := c.call(ctx, http.MethodPost, sandbox.TriggerPath(c.words[0]), nil, &res); code >= 0 {
		return code
	}
	if *c.json {
		return exitOK
	}
	fmt.Fprintf(e.stdout, "%s\n", printable(res.Event))
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, p := range res.Payments {
		extra := ""
		if p.RefundStatus != nil {
			extra = " refund " + printable(string(*p.RefundStatus))
		}
		if p.AccountExpired != nil && *p.AccountExpired {
			extra += " account expired"
		}
		fmt.Fprintf(tw, "  payment\t%s\torder %s\t%s %s%s\n", printable(p.PaymentKey), printable(p.OrderID), printable(string(p.Method)), printable(string(p.Status)), extra)
	}
	if res.BillingKey != "" {
		fmt.Fprintf(tw, "  billing key\t%s\n", printableText(res.BillingKey, 200))
	}
	if res.SecurityKey != "" {
		fmt.Fprintf(tw, "  signed with\tsecurity key %s\n", res.SecurityKey)
	}
	for _, d := range res.Deliveries {
		fmt.Fprintf(tw, "  webhook\t%s\t%s\t%s\n", printable(d.ID), printable(d.EventType), printable(d.Status))
	}
	_ = tw.Flush()
	if len(res.Deliveries) == 0 {
		fmt.Fprintln(e.stdout, "  (no webhooks queued: the key has no webhook URL, or the event sends none)")
	}
	return exitOK
}

// runWebhooksList is "tosspay webhooks list".
func runWebhooksList(ctx context.Context, args []string, e env) int {
	c := newControl("webhooks list", e)
	payment := c.fs.String("payment-key", "", "only the deliveries of this payment")
	if code := c.parse(args, nil); code >= 0 {
		return code
	}
	if len(c.words) != 0 {
		return c.usageError("takes no argument")
	}
	path := sandbox.WebhookDeliveriesPath
	if *payment != "" {
		path += "?paymentKey=" + url.QueryEscape(*payment)
	}
	var ds struct{ Deliveries []sandbox.WebhookDelivery }
	if code := c.call(ctx, http.MethodGet, path, nil, &ds); code >= 0 {
		return code
	}
	if !*c.json {
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEVENT\tORDER\tSTATUS\tSTATE\tATTEMPTS\tLAST ANSWER")
		for _, d := range ds.Deliveries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", printable(d.TransmissionID), printable(d.EventType), printable(d.OrderID),
				printable(string(d.Status)), printable(string(d.State)), len(d.Attempts), lastAnswer(d))
		}
		_ = tw.Flush()
	}
	return exitOK
}

// runWebhooksShow is "tosspay webhooks show ID".
func runWebhooksShow(ctx context.Context, args []string, e env) int {
	return runDelivery(ctx, "webhooks show", http.MethodGet, sandbox.WebhookDeliveryPath, args, e)
}

// runWebhooksResend is "tosspay webhooks resend ID".
func runWebhooksResend(ctx context.Context, args []string, e env) int {
	return runDelivery(ctx, "webhooks resend", http.MethodPost, sandbox.WebhookResendPath, args, e)
}

// runDelivery calls method on the path of one delivery and prints it.
func runDelivery(ctx context.Context, name, method string, path func(string) string, args []string, e env) int {
	c := newControl(name, e)
	if code := c.parse(args, nil); code >= 0 {
		return code
	}
	if len(c.words) != 1 {
		return c.usageError("want one ID (tosspay webhooks list shows them)")
	}
	var d sandbox.WebhookDelivery
	if code := c.call(ctx, method, path(c.words[0]), nil, &d); code >= 0 {
		return code
	}
	if *c.json {
		return exitOK
	}
	if d.ResentFrom != "" {
		fmt.Fprintf(e.stdout, "resent %s as %s (%s of order %s, to %s)\n", printable(d.ResentFrom), printable(d.TransmissionID), printable(d.EventType), printable(d.OrderID), printableText(d.URL, 200))
		return exitOK
	}
	fmt.Fprintf(e.stdout, "%s %s of order %s (%s), %s, to %s\n", printable(d.TransmissionID), printable(d.EventType), printable(d.OrderID),
		printable(string(d.Status)), printable(string(d.State)), printableText(d.URL, 200))
	for _, a := range d.Attempts {
		fmt.Fprintf(e.stdout, "  retry %d at %s: %s\n", a.RetriedCount, a.At.Format(time.RFC3339), attemptOutcome(a))
	}
	if d.NextAttemptAt != nil {
		fmt.Fprintf(e.stdout, "  next attempt at %s\n", d.NextAttemptAt.Format(time.RFC3339))
	}
	return exitOK
}

func lastAnswer(d sandbox.WebhookDelivery) string {
	if len(d.Attempts) == 0 {
		return "-"
	}
	return attemptOutcome(d.Attempts[len(d.Attempts)-1])
}

func attemptOutcome(a sandbox.WebhookAttempt) string {
	if a.StatusCode == 0 {
		return "no answer: " + printableText(a.Error, 80)
	}
	return fmt.Sprintf("%d %s", a.StatusCode, printableText(a.Answer, 40))
}
