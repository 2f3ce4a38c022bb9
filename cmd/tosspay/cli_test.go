package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// runStdin is runCmd with standard input.
func runStdin(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	code := run(context.Background(), args, env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	return code, out.String(), errb.String()
}

// sandboxVars starts an in-process sandbox that counts requests and returns
// the environment that points the API commands at it.
func sandboxVars(t *testing.T, opts ...sandbox.Option) (map[string]string, *sandbox.Sandbox, func() int64) {
	t.Helper()
	sb, err := sandbox.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv, hits := counting(t, sb.Handler())
	return map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}, sb, hits.Load
}

// Every spec operation is one row of the command table, and every row's
// operation is in the spec.
func TestCommandTableCoversTheSpec(t *testing.T) {
	t.Parallel()
	rows := map[string]string{}
	for _, c := range commands {
		if c.op != "" {
			if prev, dup := rows[c.op]; dup {
				t.Errorf("%s and %s both call %s", prev, c.name, c.op)
			}
			rows[c.op] = c.name
			if _, err := apiFlags(c); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if (c.op == "") == (c.run == nil) || (c.op != "") != (c.call != nil) {
			t.Errorf("%s: a row has either op and call, or run", c.name)
		}
	}
	for _, id := range openapi.OperationIDs() {
		if rows[id] == "" {
			t.Errorf("no command calls %s", id)
		}
	}
}

// "tosspay COMMAND --help" (and -h) prints the command's help on stdout and
// exits 0, like "tosspay --help".
func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		if code, out, errs := runCmd(t, nil, args...); code != exitOK || !strings.Contains(out, "usage:") || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	for _, c := range commands {
		for _, h := range []string{"--help", "-h"} {
			code, out, errs := runCmd(t, nil, c.name, h)
			if code != exitOK || !strings.HasPrefix(out, "usage: tosspay "+c.name+" ") || errs != "" {
				t.Errorf("%s %s: exit %d, stdout %q, stderr %q", c.name, h, code, out, errs)
			}
		}
	}
}

// --test-code is on every API command; --idempotency-key only on those whose
// operation takes the header (the POSTs), so a look-up does not offer it.
func TestHeaderFlagsFollowTheSpec(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		if c.op == "" {
			continue
		}
		_, help, _ := runCmd(t, nil, c.name, "--help")
		if !strings.Contains(help, "--test-code CODE") {
			t.Errorf("%s --help does not offer --test-code", c.name)
		}
		op, err := specOp(c.op)
		if err != nil {
			t.Fatal(err)
		}
		post := op.Method == http.MethodPost
		if strings.Contains(help, "--idempotency-key") != post {
			t.Errorf("%s (%s): --idempotency-key offered: %v", c.name, op.Method, !post)
		}
	}
	for _, name := range []string{"get", "get-order"} {
		code, _, errs := runCmd(t, nil, name, "--idempotency-key", "k")
		if code != exitUsage || !strings.Contains(errs, "flag provided but not defined: --idempotency-key") {
			t.Errorf("%s --idempotency-key: exit %d %q", name, code, errs)
		}
	}
}

// confirm --test-code makes the sandbox answer with the decline it names.
func TestTestCodeReachesTheAPI(t *testing.T) {
	t.Parallel()
	vars, _, hits := sandboxVars(t)
	code, out, errs := runCmd(t, vars, "confirm", "--payment-key", "tpk_any", "--order-id", "order-tc-0001", "--amount", "1000",
		"--test-code", "REJECT_CARD_COMPANY", "--max-retries", "0")
	if code != exitAPI || out != "" || !strings.HasPrefix(errs, "REJECT_CARD_COMPANY: ") || !strings.Contains(errs, "class declined") || hits() != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q, %d requests", code, out, errs, hits())
	}
}

// The --base-url help gives its default once.
func TestBaseURLHelpGivesOneDefault(t *testing.T) {
	t.Parallel()
	_, help, _ := runCmd(t, nil, "get", "--help")
	for _, line := range strings.Split(help, "\n") {
		if strings.Contains(line, "--base-url") {
			if n := strings.Count(line, "default"); n != 1 {
				t.Errorf("--base-url help gives %d defaults: %q", n, line)
			}
			return
		}
	}
	t.Error("no --base-url in get --help")
}

// An unknown flag, a bad value or a missing value prints one line and a hint.
func TestUsageErrorsAreShort(t *testing.T) {
	t.Parallel()
	cases := [][]string{
		{"create", "--order-id"},
		{"get", "--max-retries", "x"},
	}
	for _, c := range commands {
		cases = append(cases, []string{c.name, "--nope"})
	}
	for _, args := range cases {
		code, out, errs := runCmd(t, nil, args...)
		lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
		if code != exitUsage || out != "" || len(lines) != 2 || lines[1] != hint(args[0]) {
			t.Errorf("%v: exit %d, stdout %q, stderr (%d lines) %q", args, code, out, len(lines), errs)
		}
	}
}

// An extra argument is numbered as the word after "tosspay" it is.
func TestExtraArgumentIsNumbered(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		n    int
	}{
		{[]string{"get", "--payment-key", "k", "stray"}, 4},
		{[]string{"get", "stray"}, 2},
		{[]string{"get-order", "--order-id=order-0001", "--max-retries", "0", "x", "y"}, 5},
		{[]string{"demo", "x"}, 2},
	} {
		code, _, errs := runCmd(t, nil, c.args...)
		if want := fmt.Sprintf("unexpected argument %d (counting the words after \"tosspay\"", c.n); code != exitUsage || !strings.Contains(errs, want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, errs, want)
		}
	}
}

// Money is written as a plain decimal: an exponent, a separator or a hex
// number is refused before sending.
func TestAmountsArePlainDecimals(t *testing.T) {
	t.Parallel()
	vars, _, hits := sandboxVars(t)
	for _, a := range []string{"1e3", "1E3", "1,000", "1_000", "0x10", "1000.", ".5", "Inf", "NaN", ""} {
		code, out, errs := runCmd(t, vars, "confirm", "--payment-key", "k", "--order-id", "order-amt-0001", "--amount", a)
		if code != exitUsage || out != "" || !strings.Contains(errs, "plain decimal") {
			t.Errorf("--amount %q: exit %d, stderr %q", a, code, errs)
		}
	}
	if n := hits(); n != 0 {
		t.Errorf("%d refused amounts reached the server", n)
	}
	for _, a := range []string{"1000", "726.24", "+5"} {
		if code, _, errs := runCmd(t, vars, "confirm", "--payment-key", "k", "--order-id", "order-amt-0001", "--amount", a, "--max-retries", "0"); code != exitAPI {
			t.Errorf("--amount %q: exit %d (%s), want the API's answer", a, code, errs)
		}
	}
}

// key-in takes the card number, its password and the identity number from
// standard input ("-") or the environment, and says so in its help; they
// never come back on stdout or stderr.
func TestKeyInCardDataFromStdinOrEnvironment(t *testing.T) {
	t.Parallel()
	vars, _, _ := sandboxVars(t)
	const card, pin, identity = "4330123412349876", "65", "770707"
	common := []string{"key-in", "--order-name", "T-shirt", "--amount", "15000", "--card-expiration-year", "39", "--card-expiration-month", "07"}
	_, help, _ := runCmd(t, nil, "key-in", "--help")
	for _, v := range []string{"$TOSS_CARD_NUMBER", "$TOSS_CARD_PASSWORD", "$TOSS_CUSTOMER_IDENTITY_NUMBER", "standard input"} {
		if !strings.Contains(help, v) {
			t.Errorf("key-in --help does not mention %s", v)
		}
	}
	check := func(name string, code int, out, errs string) {
		t.Helper()
		if code != exitOK || !strings.Contains(out, `"status": "DONE"`) {
			t.Errorf("%s: exit %d\n%s\n%s", name, code, out, errs)
		}
		for _, s := range []string{card, identity} {
			if strings.Contains(out+errs, s) {
				t.Errorf("%s: the output carries %s", name, s)
			}
		}
	}
	code, out, errs := runStdin(t, vars, card+"\n"+identity+"\r\n"+pin+"\n",
		append(common, "--order-id", "order-stdin-0001", "--card-number", "-", "--customer-identity-number", "-", "--card-password", "-")...)
	check("stdin", code, out, errs)

	envVars := maps(vars)
	envVars["TOSS_CARD_NUMBER"], envVars["TOSS_CUSTOMER_IDENTITY_NUMBER"], envVars["TOSS_CARD_PASSWORD"] = card, identity, pin
	code, out, errs = runCmd(t, envVars, append(common, "--order-id", "order-env-0001")...)
	check("environment", code, out, errs)

	// A flag wins over the environment: a bad one is refused.
	code, _, errs = runCmd(t, envVars, append(common, "--order-id", "order-env-0002", "--customer-identity-number", "12")...)
	if code != exitUsage || !strings.Contains(errs, "--customer-identity-number") {
		t.Errorf("flag over environment: exit %d %q", code, errs)
	}
	// Standard input that ends early is refused.
	code, _, errs = runStdin(t, vars, card+"\n", append(common, "--order-id", "order-stdin-0002", "--card-number", "-", "--customer-identity-number", "-")...)
	if code != exitUsage || !strings.Contains(errs, "--customer-identity-number -: standard input has no line") {
		t.Errorf("short stdin: exit %d %q", code, errs)
	}
	// Without the flag or the variable the value is missing.
	code, _, errs = runCmd(t, vars, append(common, "--order-id", "order-none-0001", "--customer-identity-number", identity)...)
	if code != exitUsage || !strings.Contains(errs, "missing --card-number") {
		t.Errorf("no card number: exit %d %q", code, errs)
	}
}

// exitCases produces each exit status of exitCodes from a real situation.
var exitCases = map[int]func(t *testing.T) (args []string, vars map[string]string){
	exitOK: func(t *testing.T) ([]string, map[string]string) {
		vars, _, _ := sandboxVars(t)
		return []string{"create", "--order-id", "order-exit-0000", "--order-name", "n", "--amount", "1000", "--return-url", "http://localhost/return"}, vars
	},
	exitAPI: func(t *testing.T) ([]string, map[string]string) {
		vars, _, _ := sandboxVars(t)
		return []string{"get", "--payment-key", "nosuchkey"}, vars
	},
	exitUsage: func(t *testing.T) ([]string, map[string]string) {
		vars, _, _ := sandboxVars(t)
		return []string{"create", "--order-id", "order-exit-0002", "--order-name", "n", "--amount", "1000", "--return-url", "not-a-url"}, vars
	},
	exitUnknown: func(t *testing.T) ([]string, map[string]string) {
		vars, _, _ := sandboxVars(t, sandbox.WithFaults(sandbox.FaultRates{DropAfterCommit: 1}), sandbox.WithSeed(5))
		return []string{"create", "--order-id", "order-exit-0003", "--order-name", "n", "--amount", "1000", "--return-url", "http://localhost/return", "--max-retries", "0"}, vars
	},
	exitUnreachable: func(t *testing.T) ([]string, map[string]string) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now: connection refused
		return []string{"create", "--order-id", "order-exit-0004", "--order-name", "n", "--amount", "1000", "--return-url", "http://localhost/return", "--max-retries", "1"},
			map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": "http://" + addr}
	},
	exitLater: func(t *testing.T) ([]string, map[string]string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"code":"TOO_MANY_REQUESTS","message":"slow down"}`)
		}))
		t.Cleanup(srv.Close)
		return []string{"get", "--payment-key", "k", "--max-retries", "0"}, map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}
	},
}

// Each exit status of the table happens, in the situation the table gives.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	for _, x := range exitCodes {
		mk := exitCases[x.code]
		if mk == nil {
			t.Errorf("exit %d has no test case", x.code)
			continue
		}
		t.Run(fmt.Sprint(x.code), func(t *testing.T) {
			t.Parallel()
			args, vars := mk(t)
			code, out, errs := runCmd(t, vars, args...)
			if code != x.code {
				t.Fatalf("%v: exit %d, want %d (%s)\nstdout %s\nstderr %s", args, code, x.code, x.meaning, out, errs)
			}
			switch code {
			case exitUnreachable:
				if !strings.Contains(errs, "could not reach the server at http://127.0.0.1:") || !strings.Contains(errs, "nothing happened") {
					t.Errorf("stderr %q", errs)
				}
			case exitUnknown:
				if !strings.Contains(errs, "repeat with --idempotency-key ") {
					t.Errorf("stderr %q", errs)
				}
			case exitUsage:
				if !strings.Contains(errs, "--return-url (returnUrl)") || !strings.Contains(errs, "nothing was sent") {
					t.Errorf("stderr %q", errs)
				}
			}
		})
	}
	if len(exitCases) != len(exitCodes) {
		t.Errorf("%d cases for %d exit statuses", len(exitCases), len(exitCodes))
	}
}

// README.md gives the exit statuses as the same table as "tosspay --help".
func TestReadmeExitCodeTable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| ") && len(line) > 4 && line[2] >= '0' && line[2] <= '9' && line[3] == ' ' {
			rows = append(rows, line)
		}
	}
	var want []string
	for _, x := range exitCodes {
		want = append(want, fmt.Sprintf("| %d | %s |", x.code, x.meaning))
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("README.md's exit-status table:\n%s\nwant (from exitCodes):\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// A look-up answered with another payment leaves the outcome unknown (exit
// 3), and the advice fits a look-up: run it again; no idempotency key to
// repeat with, since a GET sends none.
func TestLookupMismatchAdvice(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"paymentKey":"another-key","orderId":"order-0001","mId":"m","currency":"KRW","status":"DONE","requestedAt":"2024-01-01T00:00:00+09:00","totalAmount":1000,"balanceAmount":1000}`)
	}))
	t.Cleanup(srv.Close)
	code, _, errs := runCmd(t, map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}, "get", "--payment-key", "the-key-asked-for", "--max-retries", "0")
	if code != exitUnknown {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitUnknown, errs)
	}
	if !strings.Contains(errs, "paymentKey is not the one sent") || !strings.Contains(errs, "a look-up changes nothing: run it again") || strings.Contains(errs, "--idempotency-key") {
		t.Errorf("stderr %q", errs)
	}
}
