package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/drift"
)

// exitDrift is validate's exit status when an answer drifts from the spec.
const exitDrift = 1

const validateUsage = `usage: tosspay validate [--operation OP --status N] FILE...

Checks recorded answers of the Toss Payments API against the spec and prints
where they drift from it: properties, enum values, statuses and error codes
the spec does not know, required keys missing, values of another type. Each
drift is printed once, at its first answer, then counted; no value of an
answer is printed but an unknown enum value or error code.

Each FILE is one of:
  a HAR file (.har, or JSON with log.entries) from a browser or a proxy:
      every entry whose method and URL path are an operation of the spec is
      checked; other entries are skipped. Bodies may be base64.
  JSONL (.jsonl, .ndjson): one {"operation", "status", "body"} per line;
      body is the answer's JSON, or a string holding the answer's text.
  one answer's body: the operation and status come from --operation and
      --status, or from a file name OPERATION.STATUS[.anything].json
      (confirmPayment.200.card.json).

Exit status: 0 no drift; 1 drift; 2 bad usage or a file that could not be
read, or that holds no answer to check.
`

// answer is one recorded answer and where it came from.
type answer struct {
	source    string // file, and entry or line
	operation string
	status    int
	body      []byte
}

func runValidate(_ context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	operation := fs.String("operation", "", "the operationId of single-body files, e.g. confirmPayment")
	status := fs.Int("status", 0, "the HTTP status of single-body files")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, validateUsage)
			return exitOK
		}
		// The flag package names flags with one dash; the help uses two.
		fmt.Fprintf(e.stderr, "tosspay validate: %s\n%s\n", strings.Replace(err.Error(), " -", " --", 1), hint("validate"))
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprint(e.stderr, "tosspay validate: no FILE given\n\n"+validateUsage)
		return exitUsage
	}
	checker, err := drift.Load()
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay validate: %v\n", err)
		return exitUsage
	}
	if *operation != "" && !slices.Contains(checker.Operations(), *operation) {
		fmt.Fprintf(e.stderr, "tosspay validate: --operation %q is not an operation of the spec (%s)\n", *operation, strings.Join(checker.Operations(), ", "))
		return exitUsage
	}
	if (*operation == "") != (*status == 0) {
		fmt.Fprint(e.stderr, "tosspay validate: give --operation and --status together\n")
		return exitUsage
	}

	var source string // the answer being checked, for the first sighting of a drift
	rec, err := drift.NewRecorder(checker, func(r drift.Report) {
		fmt.Fprintf(e.stdout, "%s: %s\n", source, r)
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay validate: %v\n", err)
		return exitUsage
	}
	code := exitOK
	checked, drifting := 0, 0
	for _, name := range fs.Args() {
		answers, skipped, err := readAnswers(name, checker, *operation, *status)
		if err != nil {
			fmt.Fprintf(e.stderr, "tosspay validate: %v\n", err)
			code = exitUsage
			continue
		}
		if len(answers) == 0 {
			fmt.Fprintf(e.stderr, "tosspay validate: %s: no answer of a Toss API operation in it (%d entries skipped)\n", name, skipped)
			code = exitUsage
			continue
		}
		if skipped > 0 {
			fmt.Fprintf(e.stderr, "%s: %d entries skipped (not an operation of the spec, or no body recorded)\n", name, skipped)
		}
		for _, a := range answers {
			source = a.source
			checked++
			if rec.Check(a.operation, a.status, a.body) > 0 {
				drifting++
			}
		}
	}
	reports := rec.Reports()
	fmt.Fprintf(e.stdout, "%d answers checked, %d with drift, %d distinct drifts\n", checked, drifting, len(reports))
	if len(reports) > 0 {
		fmt.Fprintln(e.stdout, "\nPut these into openapi/tosspayments.yaml, then run go generate ./...:")
		for _, r := range reports {
			fmt.Fprintf(e.stdout, "  %s\n", r)
		}
		if code == exitOK {
			code = exitDrift
		}
	}
	return code
}

// readAnswers reads the answers of one file, and how many HAR entries it
// skipped.
func readAnswers(name string, checker *drift.Checker, operation string, status int) ([]answer, int, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, 0, err
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case ext == ".har" || ext != ".jsonl" && ext != ".ndjson" && isHAR(data):
		return readHAR(name, data, checker)
	case ext == ".jsonl" || ext == ".ndjson":
		a, err := readJSONL(name, data, checker)
		return a, 0, err
	}
	if operation == "" {
		var ok bool
		if operation, status, ok = fromFileName(name, checker); !ok {
			return nil, 0, fmt.Errorf("%s: one body, but no --operation and --status, and the name is not OPERATION.STATUS[.x].json", name)
		}
	}
	return []answer{{source: name, operation: operation, status: status, body: data}}, 0, nil
}

// fromFileName reads confirmPayment.200.anything.json.
func fromFileName(name string, checker *drift.Checker) (string, int, bool) {
	parts := strings.Split(filepath.Base(name), ".")
	if len(parts) < 3 || !slices.Contains(checker.Operations(), parts[0]) {
		return "", 0, false
	}
	status, err := strconv.Atoi(parts[1])
	if err != nil || status < 100 || status > 599 {
		return "", 0, false
	}
	return parts[0], status, true
}

// har is the part of a HAR 1.2 file the check reads.
type har struct {
	Log *struct {
		Entries []struct {
			Request struct {
				Method string `json:"method"`
				URL    string `json:"url"`
			} `json:"request"`
			Response struct {
				Status  int `json:"status"`
				Content struct {
					Text     *string `json:"text"`
					Encoding string  `json:"encoding"`
				} `json:"content"`
			} `json:"response"`
		} `json:"entries"`
	} `json:"log"`
}

func isHAR(data []byte) bool {
	var h struct {
		Log *struct {
			Entries json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	return json.Unmarshal(data, &h) == nil && h.Log != nil && len(h.Log.Entries) > 0
}

func readHAR(name string, data []byte, checker *drift.Checker) ([]answer, int, error) {
	var h har
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, 0, fmt.Errorf("%s: not a HAR file: %s", name, describeJSONError(err))
	}
	if h.Log == nil {
		return nil, 0, fmt.Errorf("%s: not a HAR file: no log", name)
	}
	var out []answer
	skipped := 0
	for i, en := range h.Log.Entries {
		u, err := url.Parse(en.Request.URL)
		op, ok := "", false
		if err == nil {
			op, ok = checker.Operation(en.Request.Method, u.Path)
		}
		// Status 0 is a request that got no answer; a missing text is a
		// body the recorder left out.
		if !ok || en.Response.Status == 0 || en.Response.Content.Text == nil {
			skipped++
			continue
		}
		body := []byte(*en.Response.Content.Text)
		if en.Response.Content.Encoding == "base64" {
			if body, err = base64.StdEncoding.DecodeString(*en.Response.Content.Text); err != nil {
				return nil, 0, fmt.Errorf("%s: entries[%d]: the base64 body does not decode", name, i)
			}
		}
		// The source names the entry, not its URL: the path holds the
		// payment key or order ID.
		out = append(out, answer{source: fmt.Sprintf("%s: entries[%d]", name, i), operation: op, status: en.Response.Status, body: body})
	}
	return out, skipped, nil
}

func readJSONL(name string, data []byte, checker *drift.Checker) ([]answer, error) {
	var out []answer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var rec struct {
			Operation string          `json:"operation"`
			Status    int             `json:"status"`
			Body      json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal(text, &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %s", name, line, describeJSONError(err))
		}
		if rec.Operation == "" || rec.Status == 0 || rec.Body == nil {
			return nil, fmt.Errorf("%s:%d: want {\"operation\", \"status\", \"body\"}", name, line)
		}
		if !slices.Contains(checker.Operations(), rec.Operation) {
			return nil, fmt.Errorf("%s:%d: %q is not an operation of the spec", name, line, rec.Operation)
		}
		body := []byte(rec.Body)
		if body[0] == '"' {
			var s string
			if err := json.Unmarshal(body, &s); err != nil {
				return nil, fmt.Errorf("%s:%d: body: %s", name, line, describeJSONError(err))
			}
			body = []byte(s)
		}
		out = append(out, answer{source: fmt.Sprintf("%s:%d", name, line), operation: rec.Operation, status: rec.Status, body: body})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// describeJSONError says where a file is not JSON without quoting it.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at offset %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("%s: a JSON %s where %s is expected", typ.Field, typ.Value, typ.Type)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON ends early"
	}
	return "not the expected JSON"
}
