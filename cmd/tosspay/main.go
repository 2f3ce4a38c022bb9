// Command tosspay runs the local Toss Payments sandbox, tells the whole
// payment story against it, and calls the API from scripts.
//
//	tosspay COMMAND [flags]
//	tosspay --help             (the commands and the exit statuses)
//	tosspay COMMAND --help     (a command's flags)
//	tosspay --version          (the version it was built from)
//
// The commands are one table (commands.go): its rows give each command's
// name, summary and either the spec operation it calls or the function that
// runs it. An API command's flags, which of them are required and the rules
// their values must follow all come from the operation in
// openapi/tosspayments.yaml, and every rule is checked before anything is
// sent.
//
// The API commands read the secret key from TOSS_SECRET_KEY and the base URL
// from --base-url, else TOSS_BASE_URL, else the real API. They print the
// Payment as JSON on stdout; a failure prints the error code and message on
// stderr, and the exit status says what happened (exitCodes; "tosspay
// --help" prints the table).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// Exit statuses. exitCodes describes them; README.md holds the same table,
// and a test keeps the two equal.
const (
	exitOK          = 0
	exitAPI         = 1
	exitUsage       = 2
	exitUnknown     = 3
	exitUnreachable = 4
	exitLater       = 5
)

// exitCodes is the one description of the exit statuses: "tosspay --help"
// prints it and README.md quotes it.
var exitCodes = []struct {
	code    int
	meaning string
}{
	{exitOK, "success: an API command printed the payment as JSON on stdout"},
	{exitAPI, "the API refused or declined the request: a definitive answer, nothing to repeat (the code and message are on stderr)"},
	{exitUsage, "bad usage or a value the spec does not allow: refused locally, nothing was sent"},
	{exitUnknown, "the outcome is unknown: the request may have taken effect; repeat it with the --idempotency-key printed on stderr, or look the payment up"},
	{exitUnreachable, "could not reach the server (connection refused, DNS, TLS, or a look-up that got no answer): nothing happened; repeat the command"},
	{exitLater, "the API asked to try again later (rate limited, or a server error to a look-up): nothing happened; repeat later"},
}

// env is the process environment, injectable in tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := interruptContext()
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// interruptContext returns a context that the first Ctrl-C (or SIGTERM)
// cancels, asking the command to stop cleanly. From then on the signals
// have their default action again, so a second Ctrl-C during the shutdown
// grace kills the process instead of being swallowed.
func interruptContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}

// run dispatches a command line and returns the exit status.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage())
		return exitUsage
	}
	name, rest := args[0], args[1:]
	if len(rest) > 0 && lookup(name+" "+rest[0]) != nil { // a command of two words (billing charge, clock advance)
		name, rest = name+" "+rest[0], rest[1:]
	}
	switch name {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage())
		return exitOK
	case "-version", "--version":
		return runVersion(ctx, rest, e)
	}
	cmd := lookup(name)
	if cmd == nil {
		if subs := subcommands(name); len(subs) > 0 {
			if len(rest) > 0 && slices.Contains([]string{"help", "-h", "-help", "--help"}, rest[0]) {
				// "tosspay clock --help": the group's commands.
				for _, sub := range subs {
					c := lookup(name + " " + sub)
					fmt.Fprintf(e.stdout, "tosspay %s %s\n    %s\n", c.name, c.synopsisLine(), c.summary)
				}
				fmt.Fprintf(e.stdout, "\nRun 'tosspay %s SUBCOMMAND --help' for its flags.\n", name)
				return exitOK
			}
			fmt.Fprintf(e.stderr, "tosspay %s: want one of %s\nRun 'tosspay --help' for the commands.\n", name, strings.Join(subs, ", "))
			return exitUsage
		}
		fmt.Fprintf(e.stderr, "tosspay: unknown command %q\nRun 'tosspay --help' for the commands.\n", name)
		return exitUsage
	}
	if cmd.run != nil {
		return cmd.run(ctx, rest, e)
	}
	return runAPI(ctx, cmd, rest, e)
}

// usage is the text of "tosspay --help", built from the command table.
func usage() string {
	var b strings.Builder
	b.WriteString("tosspay: a local Toss Payments sandbox and a command-line client\n\nusage:\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(&b, "  tosspay %-*s %s\n", width, c.name, c.synopsisLine())
	}
	b.WriteString("\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-*s %s\n", width, c.name, c.summary)
	}
	b.WriteString(`
API commands read the secret key from TOSS_SECRET_KEY (for a local sandbox,
the key it prints) and also take --base-url (else $TOSS_BASE_URL, else the
real API), --test-code, --lang, --max-retries and --timeout; the POST ones
take --idempotency-key. Every value is checked against the spec before
anything is sent. Run "tosspay COMMAND --help" for a command's flags.

exit status:
`)
	for _, x := range exitCodes {
		fmt.Fprintf(&b, "  %d  %s\n", x.code, x.meaning)
	}
	return b.String()
}
