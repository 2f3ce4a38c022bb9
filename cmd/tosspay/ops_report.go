package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// Printing an API command's outcome when it is not the payment: the exit
// status and what to do next.

func exitStatus(meta *wrapper.Meta, err error) int {
	var (
		ve *wrapper.ValidationError
		be *buildError
		te *wrapper.TransportError
		ae *wrapper.APIError
	)
	switch {
	case errors.As(err, &ve), errors.As(err, &be):
		return exitUsage
	case wrapper.IsOutcomeUnknown(err):
		return exitUnknown
	case errors.As(err, &te):
		return exitUnreachable
	case errors.As(err, &ae):
		if ae.Class() == wrapper.ClassRetryable {
			return exitLater
		}
		return exitAPI
	case meta != nil && meta.Attempts == 0:
		return exitUsage
	}
	return exitAPI
}

// report prints a failure on stderr as "CODE: message" with what support
// needs and what to do next, and returns the exit status.
func report(e env, name string, flags []apiFlag, base string, meta *wrapper.Meta, err error) int {
	code := exitStatus(meta, err)
	var (
		ve *wrapper.ValidationError
		be *buildError
		ae *wrapper.APIError
		te *wrapper.TransportError
	)
	switch {
	case errors.As(err, &ve):
		fmt.Fprintf(e.stderr, "INVALID_INPUT: %s: %s (the spec's rule for %s; nothing was sent)\n%s\n", flagOf(flags, ve.Field), ve.Rule, ve.Operation, hint(name))
	case errors.As(err, &be) && be.field != "":
		fmt.Fprintf(e.stderr, "INVALID_INPUT: %s: %v (nothing was sent)\n%s\n", flagOf(flags, be.field), be.err, hint(name))
	case code == exitUsage:
		fmt.Fprintf(e.stderr, "INVALID_INPUT: %v (nothing was sent)\n%s\n", err, hint(name))
	case errors.As(err, &te) && code == exitUnreachable:
		fmt.Fprintf(e.stderr, "NO_ANSWER: could not reach the server at %s: %v\n", base, te.Err)
		fmt.Fprintf(e.stderr, "  nothing happened (%d attempt(s)); check --base-url or $TOSS_BASE_URL and run the command again\n", te.Attempts)
	case errors.As(err, &ae):
		c := string(ae.Code)
		if c == "" {
			c = http.StatusText(ae.StatusCode)
		}
		fmt.Fprintf(e.stderr, "%s: %s\n", c, forCommandLine(ae.Message))
		fmt.Fprintf(e.stderr, "  status %d, class %s, trace id %s, idempotency key %s, attempts %d\n",
			ae.StatusCode, ae.Class(), orDash(ae.TraceID), orDash(ae.IdempotencyKey), ae.Attempts)
		if code == exitLater {
			fmt.Fprintf(e.stderr, "  nothing happened: run the command again later\n")
		}
	default:
		fmt.Fprintf(e.stderr, "TRANSPORT_ERROR: %s\n", forCommandLine(err.Error()))
	}
	if code == exitUnknown {
		key := ""
		if meta != nil {
			key = meta.IdempotencyKey
		}
		fmt.Fprintf(e.stderr, "  %s\n", unknownAdvice(wrapper.IsRetryable(err), key))
	}
	return code
}

// goNames are the Go identifiers the client library's messages name, with
// what a command-line user does instead.
var goNames = strings.NewReplacer(
	"Client.Resolve", "tosspay get / get-order",
	"APIError.Payment", "the payment: tosspay get --payment-key K",
)

// forCommandLine rewords a message of the client library for a user of the
// command line: the commands instead of the Go identifiers.
func forCommandLine(msg string) string { return goNames.Replace(msg) }

// unknownAdvice is the advice for an outcome-unknown error: repeat with the
// same key only when that can give another answer (wrapper.IsRetryable);
// otherwise the repeat would replay the same answer, so look the payment up.
func unknownAdvice(repeatable bool, key string) string {
	if key == "" {
		// A look-up: it sends no idempotency key and changes nothing.
		return "a look-up changes nothing: run it again; if the answer is still not the payment asked for, report the trace id"
	}
	if repeatable {
		return "the outcome is unknown: repeat with --idempotency-key " + key + ", or look the payment up (tosspay get / get-order); never repeat with a new key"
	}
	return "the outcome is unknown, and repeating with --idempotency-key " + key + " would replay this answer: look the payment up (tosspay get / get-order) and act on its status"
}

// flagOf names the flag that sets field (a body property path, a parameter
// or a header), with the field.
func flagOf(flags []apiFlag, field string) string {
	for _, f := range flags {
		if f.field == field {
			return "--" + f.name + " (" + field + ")"
		}
	}
	return field
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
