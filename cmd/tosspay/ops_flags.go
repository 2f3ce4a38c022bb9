package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// An API command's flags, built from its operation in the spec: their
// names, kinds, rules and help, and how a flag's text becomes a value.

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
