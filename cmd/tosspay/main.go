// Command tosspay runs the local Toss Payments sandbox, tells the whole
// payment story against it, and calls the API from scripts.
//
//	tosspay sandbox [--addr 127.0.0.1:8080] [--faults ...] [--seed N]
//	tosspay demo [--base-url URL]
//	tosspay create|confirm|cancel|get|get-order|key-in [flags]
//	tosspay validate FILE...
//
// The ops commands read the secret key from TOSS_SECRET_KEY and the base URL
// from --base-url, else TOSS_BASE_URL, else the real API. They print the
// Payment as JSON on stdout; a failure prints the error code and message on
// stderr. Exit status: 0 success, 1 the API refused or declined, 2 bad usage
// or input (nothing was sent), 3 the outcome is unknown (look the payment up).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK      = 0
	exitAPI     = 1
	exitUsage   = 2
	exitUnknown = 3
)

const usage = `tosspay: a local Toss Payments sandbox and a command-line client

usage:
  tosspay sandbox [--addr 127.0.0.1:8080] [--faults SPEC] [--seed N]
  tosspay demo [--base-url URL]            (key from TOSS_SECRET_KEY with --base-url)
  tosspay create    --order-id O --order-name N --amount A --return-url U [--method CARD]
  tosspay confirm   --payment-key K --order-id O --amount N
  tosspay cancel    --payment-key K --cancel-reason R [--cancel-amount N]
  tosspay get       --payment-key K
  tosspay get-order --order-id O
  tosspay key-in    --order-id O --order-name N --amount A --card-number C
                    --card-expiration-year YY --card-expiration-month MM
                    --customer-identity-number D
  tosspay validate  [--operation OP --status N] FILE...   (recorded answers: HAR, JSONL, JSON)

ops commands also take --idempotency-key, --max-retries N, --base-url, --lang;
the key comes from TOSS_SECRET_KEY. Run "tosspay COMMAND -h" for a command's flags.
`

// env is the process environment, injectable in tests.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := interruptContext()
	code := run(ctx, os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
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
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "sandbox":
		return runSandbox(ctx, rest, e)
	case "demo":
		return runDemo(ctx, rest, e)
	case "create", "confirm", "cancel", "get", "get-order", "key-in":
		return runOp(ctx, cmd, rest, e)
	case "validate":
		return runValidate(ctx, rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "tosspay: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}
