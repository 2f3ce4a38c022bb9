package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// request is what an API command sends: the path parameter's value (if the
// operation has one) and the JSON body built from the flags (nil for a GET).
type request struct {
	path string
	body []byte
}

// callFunc calls one wrapper method with a request built from the flags.
type callFunc func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error)

// buildError is a request the flags describe but the generated types cannot
// hold (an email address its type refuses): refused locally. field is the
// body property at fault, when one is.
type buildError struct {
	field string
	err   error
}

func (e *buildError) Error() string { return e.err.Error() }

// decode reads the body built from the flags into the generated request type.
// When that fails, it finds the property at fault by decoding each one alone.
func decode[Req any](body []byte) (Req, error) {
	var req Req
	if err := decodeStrict(body, &req); err == nil {
		return req, nil
	} else {
		var props map[string]json.RawMessage
		_ = json.Unmarshal(body, &props)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			one, _ := json.Marshal(map[string]json.RawMessage{n: props[n]})
			var r Req
			if e := decodeStrict(one, &r); e != nil {
				return req, &buildError{field: n, err: e}
			}
		}
		return req, &buildError{err: err}
	}
}

func decodeStrict(body []byte, v any) error {
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// post calls a wrapper method that takes a request body.
func post[Req any](m func(*wrapper.Client, context.Context, Req, ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)) callFunc {
	return func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error) {
		req, err := decode[Req](r.body)
		if err != nil {
			return nil, nil, err
		}
		return m(cl, ctx, req, opts...)
	}
}

// postAt calls a wrapper method that takes a path parameter and a body.
func postAt[Req any](m func(*wrapper.Client, context.Context, string, Req, ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)) callFunc {
	return func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error) {
		req, err := decode[Req](r.body)
		if err != nil {
			return nil, nil, err
		}
		return m(cl, ctx, r.path, req, opts...)
	}
}

// lookupBy calls a wrapper look-up that takes a path parameter.
func lookupBy(m func(*wrapper.Client, context.Context, string, ...wrapper.CallOption) (*generated.Payment, *wrapper.Meta, error)) callFunc {
	return func(ctx context.Context, cl *wrapper.Client, r request, opts []wrapper.CallOption) (any, *wrapper.Meta, error) {
		return m(cl, ctx, r.path, opts...)
	}
}

// flagKind is how a flag's text becomes a value.
type flagKind int

const (
	kindText     flagKind = iota
	kindSecret            // card or personal data: also from stdin or the environment
	kindAmount            // money.Amount, written as a plain decimal
	kindInt               // a whole number
	kindBool              // true or false
	kindJSON              // a JSON value (a property of a type no other kind fits)
	kindDuration          // a time.Duration (--timeout)
)

// Where a flag's value goes.
const (
	inBody   = "body"
	inPath   = openapi3.ParameterInPath
	inHeader = openapi3.ParameterInHeader
	inClient = "client" // the client's configuration (--base-url, ...)
)

// apiFlag is one flag of an API command, read from the spec.
type apiFlag struct {
	name     string // the flag's name, without dashes
	in       string // inBody, inPath, inHeader or inClient
	field    string // the body property path ("refundReceiveAccount.bank"), parameter or header name
	schema   *openapi3.Schema
	required bool
	kind     flagKind
	usage    string
	env      string // the environment variable a kindSecret value may come from
}

// sensitiveGoType is the spec's x-go-type of card and personal data.
const sensitiveGoType = "sensitive.String"

// headerFlagNames names the flags of the spec's header parameters; a header
// the table does not name gets its name in lower case.
var headerFlagNames = map[string]string{
	"Idempotency-Key":        "idempotency-key",
	"Accept-Language":        "lang",
	"TossPayments-Test-Code": "test-code",
}

// specOp returns the operation id from the spec index the wrapper and
// drift share (parsed once per process).
func specOp(id string) (*openapi.Operation, error) {
	ix, err := openapi.Spec()
	if err != nil {
		return nil, err
	}
	if op := ix.Operation(id); op != nil {
		return op, nil
	}
	return nil, fmt.Errorf("the spec has no operation %q", id)
}

// kebab turns a property name into a flag name: "orderId" → "order-id".
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// firstSentence is the first sentence of a spec description, for a flag's
// help.
func firstSentence(s string) string {
	words := strings.Fields(s)
	for i, w := range words[:max(len(words)-1, 0)] {
		next := words[i+1]
		if strings.HasSuffix(w, ".") && w != "e.g." && w != "i.e." && next[0] >= 'A' && next[0] <= 'Z' {
			return strings.Join(words[:i+1], " ")
		}
	}
	return strings.Join(words, " ")
}

func kindOf(s *openapi3.Schema) flagKind {
	switch {
	case s.Extensions["x-go-type"] == sensitiveGoType:
		return kindSecret
	case s.Extensions["x-go-type"] == "money.Amount":
		return kindAmount
	case s.Type.Is(openapi3.TypeInteger):
		return kindInt
	case s.Type.Is(openapi3.TypeBoolean):
		return kindBool
	case s.Type.Is(openapi3.TypeString):
		return kindText
	}
	return kindJSON
}

// apiFlags returns the flags of an API command: its operation's path
// parameter, body properties (an object property's own properties become
// flags named after both), header parameters, then the client's flags.
func apiFlags(c *command) ([]apiFlag, error) {
	op, err := specOp(c.op)
	if err != nil {
		return nil, err
	}
	var flags []apiFlag
	for _, p := range op.Params {
		if p.In == inPath && p.Schema != nil {
			flags = append(flags, apiFlag{name: kebab(p.Name), in: inPath, field: p.Name, schema: p.Schema.Value,
				required: p.Required, kind: kindText, usage: firstSentence(p.Description)})
		}
	}
	if op.BodySchema != nil {
		flags = append(flags, bodyFlags(op.BodySchema, "", "")...)
	}
	for _, p := range op.Params {
		if p.In != inHeader {
			continue
		}
		name := headerFlagNames[p.Name]
		if name == "" {
			name = strings.ToLower(p.Name)
		}
		var s *openapi3.Schema
		if p.Schema != nil {
			s = p.Schema.Value
		}
		usage, required := firstSentence(p.Description), p.Required
		if p.Name == "Idempotency-Key" {
			// The client always sends one, a fresh UUID unless given.
			usage, required = "the Idempotency-Key (default: a fresh UUID); repeat a call with the key it printed to repeat it safely", false
		}
		flags = append(flags, apiFlag{name: name, in: inHeader, field: p.Name, schema: s, required: required, kind: kindText, usage: usage})
	}
	flags = append(flags,
		apiFlag{name: "base-url", in: inClient, kind: kindText, usage: "API base URL (default: $TOSS_BASE_URL, else " + wrapper.DefaultBaseURL + ")"},
		apiFlag{name: "max-retries", in: inClient, kind: kindInt, usage: fmt.Sprintf("retries after the first attempt, 0 to 9 (default %d)", wrapper.DefaultRetryPolicy.MaxAttempts-1)},
		apiFlag{name: "timeout", in: inClient, kind: kindDuration, usage: fmt.Sprintf("timeout of each attempt (default %s)", wrapper.DefaultTimeout)},
	)
	for i := range flags {
		if u, ok := c.help[flags[i].name]; ok {
			flags[i].usage = u
		}
		if d, ok := c.defaults[flags[i].name]; ok {
			flags[i].usage += " (default " + d + ")"
		}
	}
	return flags, nil
}

// bodyFlags returns the flags of an object schema's properties: required
// ones first, in the spec's order, then the others by name.
func bodyFlags(s *openapi3.Schema, prefix, namePrefix string) []apiFlag {
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.SliceStable(names, func(i, j int) bool {
		ri, rj := slices.Index(s.Required, names[i]), slices.Index(s.Required, names[j])
		switch {
		case ri >= 0 && rj >= 0:
			return ri < rj
		case ri >= 0 || rj >= 0:
			return ri >= 0
		}
		return names[i] < names[j]
	})
	var flags []apiFlag
	for _, n := range names {
		ref := s.Properties[n]
		if ref == nil || ref.Value == nil {
			continue
		}
		p := ref.Value
		if p.Type.Is(openapi3.TypeObject) && len(p.Properties) > 0 {
			// Only top-level properties are required of the command line:
			// the rules of an object's own properties apply once one of them
			// is given.
			flags = append(flags, bodyFlags(p, prefix+n+".", namePrefix+kebab(n)+"-")...)
			continue
		}
		f := apiFlag{name: namePrefix + kebab(n), in: inBody, field: prefix + n, schema: p,
			required: prefix == "" && slices.Contains(s.Required, n), kind: kindOf(p), usage: firstSentence(p.Description)}
		if f.kind == kindSecret {
			f.env = "TOSS_" + strings.ToUpper(strings.ReplaceAll(f.name, "-", "_"))
			f.usage += " Also '-' (read a line of standard input) or $" + f.env + ", which keep it out of the process list."
		}
		if len(p.Enum) > 0 {
			vals := make([]string, len(p.Enum))
			for i, v := range p.Enum {
				vals[i] = fmt.Sprint(v)
			}
			f.usage += " One of " + strings.Join(vals, ", ") + "."
		}
		if f.kind == kindAmount {
			f.usage += " Written as a plain decimal (15000, not 1.5e4)."
		}
		flags = append(flags, f)
	}
	return flags
}

// metavar is the placeholder of a flag's value in the usage text.
func metavar(f apiFlag) string {
	switch f.kind {
	case kindAmount:
		return "AMOUNT"
	case kindInt:
		return "N"
	case kindBool:
		return ""
	case kindDuration:
		return "DURATION"
	}
	words := strings.Split(f.name, "-")
	return strings.ToUpper(words[len(words)-1])
}

func flagWithValue(f apiFlag) string {
	if m := metavar(f); m != "" {
		return "--" + f.name + " " + m
	}
	return "--" + f.name
}

// apiSynopsis is an API command's usage line: its required flags.
func apiSynopsis(c *command) string {
	flags, err := apiFlags(c)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	var parts []string
	for _, f := range flags {
		if f.required {
			if _, ok := c.defaults[f.name]; !ok {
				parts = append(parts, flagWithValue(f))
			}
		}
	}
	return strings.Join(append(parts, "[flags]"), " ")
}

// apiHelp is the text of "tosspay COMMAND --help".
func apiHelp(c *command, flags []apiFlag) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: tosspay %s %s\n\n%s.\n\nflags (from the spec's %s; * required):\n", c.name, apiSynopsis(c), c.summary, c.op)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, f := range flags {
		mark := " "
		if _, defaulted := c.defaults[f.name]; f.required && !defaulted {
			mark = "*" // a flag with a default need not be given
		}
		fmt.Fprintf(tw, "  %s\t%s %s\n", flagWithValue(f), mark, f.usage)
	}
	_ = tw.Flush()
	b.WriteString("\nThe key comes from TOSS_SECRET_KEY. Run 'tosspay --help' for the exit statuses.\n")
	return b.String()
}

// plainDecimal is how an amount is written on the command line: digits with
// an optional sign and fraction, no exponent ("1e3" is refused).
var plainDecimal = regexp.MustCompile(`^[-+]?[0-9]+(\.[0-9]+)?$`)

// flagValue collects one flag's text.
type flagValue struct {
	f     *apiFlag
	text  string
	set   bool
	stdin *[]*flagValue // the secrets to read from standard input, in order
}

func (v *flagValue) String() string { return "" }

func (v *flagValue) IsBoolFlag() bool { return v.f != nil && v.f.kind == kindBool }

func (v *flagValue) Set(s string) error {
	switch v.f.kind {
	case kindAmount:
		if !plainDecimal.MatchString(s) {
			return errors.New("money is written as a plain decimal, such as 15000 or 726.24")
		}
	case kindInt:
		if _, err := strconv.Atoi(s); err != nil {
			return errors.New("not a whole number")
		}
	case kindBool:
		if _, err := strconv.ParseBool(s); err != nil {
			return errors.New("want true or false")
		}
	case kindDuration:
		if _, err := time.ParseDuration(s); err != nil {
			return errors.New("want a duration such as 30s")
		}
	case kindJSON:
		if !json.Valid([]byte(s)) {
			return errors.New("want a JSON value")
		}
	case kindSecret:
		if s == "-" {
			*v.stdin = append(*v.stdin, v)
		}
	}
	v.text, v.set = s, true
	return nil
}

// value is the flag's JSON value in the body.
func (v *flagValue) value() (any, error) {
	switch v.f.kind {
	case kindAmount:
		return money.Parse(v.text)
	case kindInt:
		return strconv.Atoi(v.text)
	case kindBool:
		return strconv.ParseBool(v.text)
	case kindJSON:
		var x any
		err := json.Unmarshal([]byte(v.text), &x)
		return x, err
	}
	return v.text, nil
}

// hint follows every usage error.
func hint(name string) string {
	return fmt.Sprintf("Run 'tosspay %s --help' for its flags.", name)
}

// parseFlags parses a command's flags. It returns -1 to go on, or the exit
// status: 0 after --help (printed on stdout), 2 after a usage error (a short
// message and a hint on stderr). help prints the command's help.
func parseFlags(fs *flag.FlagSet, name string, args []string, e env, help func(io.Writer)) int {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		help(e.stdout)
		return exitOK
	case err != nil:
		// The flag package names flags with one dash; the help uses two.
		msg := strings.Replace(err.Error(), " -", " --", 1)
		fmt.Fprintf(e.stderr, "tosspay %s: %s\n%s\n", name, msg, hint(name))
		return exitUsage
	case fs.NArg() > 0:
		unexpectedArg(e, name, args, fs)
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
				if !slices.Contains(openapi.AcceptLanguages, v.text) {
					fmt.Fprintf(e.stderr, "tosspay %s: --lang: %q is not a language Toss documents; want one of %s (nothing was sent)\n%s\n",
						c.name, printableText(v.text, 40), strings.Join(openapi.AcceptLanguages, ", "), hint(c.name))
					return exitUsage
				}
				cfg.lang, cfg.langSet = v.text, true
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
	fmt.Fprintf(e.stdout, "%s\n", out)
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
	p := wrapper.DefaultRetryPolicy
	p.MaxAttempts = c.retries + 1
	opts := []wrapper.Option{wrapper.WithBaseURL(base), wrapper.WithRetry(p), wrapper.WithTimeout(c.timeout)}
	if c.langSet {
		opts = append(opts, wrapper.WithLanguage(c.lang))
	}
	return wrapper.New(key, opts...)
}

// exitStatus sorts a failed call into the exit statuses of exitCodes.
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
		fmt.Fprintf(e.stderr, "%s: %s\n", c, ae.Message)
		fmt.Fprintf(e.stderr, "  status %d, class %s, trace id %s, idempotency key %s, attempts %d\n",
			ae.StatusCode, ae.Class(), orDash(ae.TraceID), orDash(ae.IdempotencyKey), ae.Attempts)
		if code == exitLater {
			fmt.Fprintf(e.stderr, "  nothing happened: run the command again later\n")
		}
	default:
		fmt.Fprintf(e.stderr, "TRANSPORT_ERROR: %v\n", err)
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
