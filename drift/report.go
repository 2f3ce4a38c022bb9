package drift

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of a drift: what about the answer the spec does not
// describe.
type Kind string

// The kinds of drift. Each names what to change in the spec.
const (
	// UnknownProperty is a key the object's schema does not list (and whose
	// schema does not allow additional properties). Add the property.
	UnknownProperty Kind = "unknown-property"
	// UnknownEnum is a value the schema's enum does not list. Add the value:
	// Report.Value shows it.
	UnknownEnum Kind = "unknown-enum"
	// MissingRequired is a required property the answer lacks. Make the
	// property optional.
	MissingRequired Kind = "missing-required"
	// TypeMismatch is a value of another JSON type than the schema's (a
	// null where the schema is not nullable, a string for a number).
	TypeMismatch Kind = "type-mismatch"
	// UndocumentedStatus is an HTTP status the operation does not document.
	UndocumentedStatus Kind = "undocumented-status"
	// UndocumentedCode is an error code the operation does not document for
	// the status (the response's x-toss-error-codes). Report.Value shows it.
	UndocumentedCode Kind = "undocumented-code"
	// NotJSON is a body that is not JSON where the spec describes JSON.
	NotJSON Kind = "not-json"
	// UnknownOperation is an operationId the spec does not have: the caller
	// named the wrong operation.
	UnknownOperation Kind = "unknown-operation"
)

// Report is one drift of one answer from the spec. It names where the drift
// is, never what the answer said there: amounts, keys, card data, names and
// messages stay out of it. Only Value carries text from the answer, for the
// two kinds whose fix needs it (UnknownEnum, UndocumentedCode), and that
// text is sanitised (see Report.Value).
type Report struct {
	// Operation is the operationId, such as "confirmPayment".
	Operation string
	// Status is the HTTP status of the answer.
	Status int
	// Pointer is the JSON pointer (RFC 6901) of the drift in the body, with
	// every array index written "*" (/cancels/*/cancelStatus), so that the
	// same drift in another element is the same report. "" is the whole
	// body. An unknown property's own name ends the pointer.
	Pointer string
	// Kind is what kind of drift it is.
	Kind Kind
	// Value is the unknown enum value or the undocumented error code, and
	// "" for the other kinds. It is cut to 64 characters; control
	// characters and invalid UTF-8 become '?', every run of 5 or more
	// digits is masked with '#' (a card or account number in the wrong
	// field), and a value that looks like an API key is withheld.
	Value string
	// Detail says what the spec expects ("want string, got number"), from
	// the spec alone.
	Detail string
	// Count is how many answers of the process carried this drift, when
	// the report comes from a Recorder; Checker.Check leaves it 1.
	Count int64
}

// String is one line: operation, status, pointer, kind, the value where the
// kind has one, and the detail.
func (r Report) String() string {
	var b strings.Builder
	b.WriteString(r.Operation)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(r.Status))
	b.WriteByte(' ')
	if r.Pointer == "" {
		b.WriteString("(body)")
	} else {
		b.WriteString(r.Pointer)
	}
	b.WriteString(": ")
	b.WriteString(string(r.Kind))
	if r.Value != "" || r.Kind == UnknownEnum || r.Kind == UndocumentedCode {
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(r.Value))
	}
	if r.Detail != "" {
		b.WriteString(" (")
		b.WriteString(r.Detail)
		b.WriteByte(')')
	}
	if r.Count > 1 {
		fmt.Fprintf(&b, " ×%d", r.Count)
	}
	return b.String()
}

// LogValue makes a Report a group of attributes in slog records.
func (r Report) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs,
		slog.String("operation", r.Operation),
		slog.Int("status", r.Status),
		slog.String("pointer", r.Pointer),
		slog.String("kind", string(r.Kind)),
	)
	if r.Value != "" {
		attrs = append(attrs, slog.String("value", r.Value))
	}
	if r.Detail != "" {
		attrs = append(attrs, slog.String("detail", r.Detail))
	}
	if r.Count > 0 {
		attrs = append(attrs, slog.Int64("count", r.Count))
	}
	return slog.GroupValue(attrs...)
}

// LogTo returns a reporter that logs each report on l at level Warn, as
// "tosspayments: the answer drifts from the spec" with the report's
// attributes in the group "drift". A nil l logs on slog.Default().
func LogTo(l *slog.Logger) func(Report) {
	return func(r Report) {
		lg := l
		if lg == nil {
			lg = slog.Default()
		}
		lg.LogAttrs(context.Background(), slog.LevelWarn, "tosspayments: the answer drifts from the spec", slog.Any("drift", r))
	}
}

const maxValueRunes = 64

// sanitise makes text from an answer fit to print: see Report.Value.
func sanitise(s string) string {
	if looksLikeKey(s) {
		return "[withheld: looks like an API key]"
	}
	var b strings.Builder
	n, digits := 0, 0
	// pending is a run of digits not yet written, with the separators
	// between them ("4330-1234-1234-1234" is a card number too).
	var pending []byte
	writeRun := func() {
		run := bytes.TrimRight(pending, digitSeparators)
		if digits >= 5 {
			b.WriteString(strings.Repeat("#", len(run)))
		} else {
			b.Write(run)
		}
		b.Write(pending[len(run):])
		pending, digits = pending[:0], 0
	}
	for i := 0; i < len(s) && n < maxValueRunes; {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
		if r >= '0' && r <= '9' || len(pending) > 0 && strings.ContainsRune(digitSeparators, r) {
			pending = append(pending, byte(r))
			if r >= '0' && r <= '9' {
				digits++
			}
			continue
		}
		writeRun()
		if (r == utf8.RuneError && size <= 1) || unicode.IsControl(r) || !unicode.IsPrint(r) && r != ' ' {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	writeRun()
	if utf8.RuneCountInString(s) > maxValueRunes {
		b.WriteString("…")
	}
	return b.String()
}

// digitSeparators may separate the digits of a number written for people.
const digitSeparators = " -./"

// looksLikeKey reports whether s looks like a Toss API key (test_sk_…,
// live_gsk_…, test_ck_…), or its base64 (a Basic credential begins with
// the key: "dGVzdF9" is base64 of "test_", "bGl2ZV9" of "live_"): such a
// value is never printed.
func looksLikeKey(s string) bool {
	for _, p := range []string{"_sk_", "_gsk_", "_ck_", "_gck_", "_ak_", "dGVzdF9", "bGl2ZV9"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
