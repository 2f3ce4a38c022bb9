package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// Running an API command: parse its flags, check them, read the secrets,
// build the client and call the API.

func hint(name string) string {
	return fmt.Sprintf("Run 'tosspay %s --help' for its flags.", name)
}

// parseFlags parses a command's flags. It returns -1 to go on, or the exit
// status: 0 after --help (printed on stdout), 2 after a usage error (a short
// message and a hint on stderr). help prints the command's help.
func parseFlags(fs *flag.FlagSet, name string, args []string, e env, help func(io.Writer)) int {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if code := flagsParsed(fs.Parse(args), name, e, help); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		unexpectedArg(e, name, args, fs)
		return exitUsage
	}
	return -1
}

// flagsParsed reports what fs.Parse returned: the help (exit 0), an error
// (exit 2), or -1 to go on.
func flagsParsed(err error, name string, e env, help func(io.Writer)) int {
	switch {
	case errors.Is(err, flag.ErrHelp):
		help(e.stdout)
		return exitOK
	case err != nil:
		// The flag package names flags with one dash; the help uses two.
		msg := strings.Replace(err.Error(), " -", " --", 1)
		fmt.Fprintf(e.stderr, "tosspay %s: %s\n%s\n", name, msg, hint(name))
		return exitUsage
	}
	return -1
}

// unexpectedArg reports the first positional argument by its position on
// the command line (counting the words after "tosspay", the command's name
// being 1), never by its value: it is often the rest of a card number typed
// with spaces ("--card-number 4330 1234 ...").
func unexpectedArg(e env, name string, args []string, fs *flag.FlagSet) {
	fmt.Fprintf(e.stderr, "tosspay %s: unexpected argument %d (counting the words after \"tosspay\"; values are not echoed); quote a value that contains spaces\n%s\n",
		name, 1+len(args)-fs.NArg()+1, hint(name))
}

// runAPI runs an API command: parse its flags, check them against the spec,
// call the API, print the payment.
func runAPI(ctx context.Context, c *command, args []string, e env) int {
	flags, err := apiFlags(c)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay %s: %v\n", c.name, err)
		return exitUsage
	}
	fs := flag.NewFlagSet("tosspay "+c.name, flag.ContinueOnError)
	var fromStdin []*flagValue
	values := make([]*flagValue, len(flags))
	for i := range flags {
		values[i] = &flagValue{f: &flags[i], stdin: &fromStdin}
		fs.Var(values[i], flags[i].name, flags[i].usage)
	}
	if code := parseFlags(fs, c.name, args, e, func(w io.Writer) { fmt.Fprint(w, apiHelp(c, flags)) }); code >= 0 {
		return code
	}
	if code := readSecrets(c.name, values, fromStdin, e); code >= 0 {
		return code
	}
	var missing []string
	for _, v := range values {
		if !v.set {
			if d, ok := c.defaults[v.f.name]; ok {
				v.text, v.set = d, true
			}
		}
		if v.f.required && !v.set {
			missing = append(missing, "--"+v.f.name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(e.stderr, "tosspay %s: missing %s, required by the spec (nothing was sent)\n%s\n", c.name, strings.Join(missing, ", "), hint(c.name))
		return exitUsage
	}

	var (
		req      request
		body     map[string]any
		callOpts []wrapper.CallOption
		cfg      = clientConfig{baseURL: e.getenv("TOSS_BASE_URL"), retries: wrapper.DefaultRetryPolicy.MaxAttempts - 1, timeout: wrapper.DefaultTimeout}
	)
	if op, _ := specOp(c.op); op != nil && op.BodySchema != nil {
		body = map[string]any{}
	}
	for _, v := range values {
		if !v.set {
			continue
		}
		switch v.f.in {
		case inPath:
			req.path = v.text
		case inBody:
			x, err := v.value()
			if err != nil {
				fmt.Fprintf(e.stderr, "tosspay %s: --%s: %v (nothing was sent)\n", c.name, v.f.name, err)
				return exitUsage
			}
			setPath(body, strings.Split(v.f.field, "."), x)
		case inHeader:
			switch v.f.field {
			case "Idempotency-Key":
				callOpts = append(callOpts, wrapper.WithIdempotencyKey(v.text))
			case "TossPayments-Test-Code":
				callOpts = append(callOpts, wrapper.WithTestCode(v.text))
			case "Accept-Language":
				lang, ok := documentedLang(v.text)
				if !ok {
					langRefused(e, c.name, v.text)
					return exitUsage
				}
				cfg.lang, cfg.langSet = lang, true
			default:
				callOpts = append(callOpts, wrapper.WithHeader(v.f.field, v.text))
			}
		case inClient:
			switch v.f.name {
			case "base-url":
				cfg.baseURL = v.text
			case "max-retries":
				cfg.retries, _ = strconv.Atoi(v.text)
			case "timeout":
				cfg.timeout, _ = time.ParseDuration(v.text)
			}
		}
	}
	if body != nil {
		if req.body, err = json.Marshal(body); err != nil {
			fmt.Fprintf(e.stderr, "tosspay %s: %v (nothing was sent)\n", c.name, err)
			return exitUsage
		}
	}
	cl, err := cfg.client(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay %s: %v (nothing was sent)\n", c.name, err)
		return exitUsage
	}
	defer cl.CloseIdleConnections()
	p, meta, err := c.call(ctx, cl, req, callOpts)
	if err != nil {
		return report(e, c.name, flags, cl.BaseURL(), meta, err)
	}
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay %s: %v\n", c.name, err)
		return exitAPI
	}
	text, _ := jsonForTerminal(out) // valid: json.MarshalIndent wrote it
	fmt.Fprintf(e.stdout, "%s\n", text)
	if meta != nil && meta.Reconciled {
		// The answer was not the call's own: say so, once, on stderr.
		status := "as printed"
		if pay, ok := p.(*generated.Payment); ok && pay != nil {
			status = string(pay.Status)
		}
		fmt.Fprintf(e.stderr, "tosspay %s: the API answered ALREADY_PROCESSED_PAYMENT (it was done before); a look-up settled it: the payment above is %s\n", c.name, status)
	}
	return exitOK
}

// documentedLang returns the language Toss documents (openapi.
// AcceptLanguages) that v names, in its canonical case (language tags are
// case-insensitive: ko-kr is ko-KR).
func documentedLang(v string) (string, bool) {
	for _, l := range openapi.AcceptLanguages {
		if strings.EqualFold(l, v) {
			return l, true
		}
	}
	return "", false
}

// langRefused says that --lang v is not a language Toss documents.
func langRefused(e env, name, v string) {
	fmt.Fprintf(e.stderr, "tosspay %s: --lang: %q is not a language Toss documents; want one of %s (nothing was sent)\n%s\n",
		name, printableText(v, 40), strings.Join(openapi.AcceptLanguages, ", "), hint(name))
}

// readSecrets reads the values given as '-' from standard input, one line
// each in the order of the command line, then fills the card and personal
// data flags not given from their environment variables. It returns -1 to go
// on, or the exit status.
func readSecrets(name string, values []*flagValue, fromStdin []*flagValue, e env) int {
	if len(fromStdin) > 0 {
		in := e.stdin
		if in == nil {
			in = strings.NewReader("")
		}
		r := bufio.NewReader(in)
		for _, v := range fromStdin {
			line, err := r.ReadString('\n')
			line = strings.TrimRight(line, "\r\n")
			if line == "" && err != nil {
				fmt.Fprintf(e.stderr, "tosspay %s: --%s -: standard input has no line for it (nothing was sent)\n", name, v.f.name)
				return exitUsage
			}
			v.text = line
		}
	}
	for _, v := range values {
		if v.f.kind == kindSecret && !v.set && v.f.env != "" {
			if s := e.getenv(v.f.env); s != "" {
				v.text, v.set = s, true
			}
		}
	}
	return -1
}

// setPath sets m[p0][p1]... = x, creating the objects on the way.
func setPath(m map[string]any, path []string, x any) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = x
}

// clientConfig is the client an API command builds from its flags.
type clientConfig struct {
	baseURL string
	retries int
	timeout time.Duration
	lang    string
	langSet bool
}

// client builds the wrapper client from the flags and TOSS_SECRET_KEY.
func (c clientConfig) client(e env) (*wrapper.Client, error) {
	key := e.getenv("TOSS_SECRET_KEY")
	if key == "" {
		return nil, errors.New("TOSS_SECRET_KEY is not set (a test_sk_ key; for a local sandbox, the key it prints)")
	}
	if c.retries < 0 || c.retries > 9 {
		return nil, fmt.Errorf("--max-retries %d is not in 0..9", c.retries)
	}
	base := c.baseURL
	if base == "" {
		base = wrapper.DefaultBaseURL
	}
	if !strings.HasPrefix(key, "test_") && !strings.HasPrefix(key, "live_") && strings.HasPrefix(base, "http://") {
		// The key's format is the problem, not the URL: a key of neither
		// kind counts as live, and a live key never goes over http://.
		return nil, errors.New("TOSS_SECRET_KEY is not a Toss secret key: it starts with neither test_ (test_sk_..., for the sandbox the key it prints) nor live_")
	}
	p := wrapper.DefaultRetryPolicy
	p.MaxAttempts = c.retries + 1
	opts := []wrapper.Option{wrapper.WithBaseURL(base), wrapper.WithRetry(p), wrapper.WithTimeout(c.timeout)}
	if c.langSet {
		opts = append(opts, wrapper.WithLanguage(c.lang))
	}
	return wrapper.New(key, opts...)
}

// exitStatus sorts a failed call into the exit statuses of exitCodes.
