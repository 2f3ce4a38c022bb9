// Package sensitive holds String, the type the generated request types use
// for card data and personal data (card number, card password, customer
// identity number).
//
// A String goes on the wire as it is, but never shows in print: fmt's verbs
// (%v, %+v, %#v, %s, %q, ...), slog and String all give "[REDACTED]", so a
// request struct printed or logged by mistake does not leak what it carries.
// JSON is the exception, because JSON is the wire format: json.Marshal of a
// request (and so slog's JSON handler given a whole request struct) carries
// the value. Log fields, never request structs, as JSON.
package sensitive

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Redacted is what a String prints as.
const Redacted = "[REDACTED]"

// String is a string that never prints its value. Convert a string to it
// (sensitive.String(cardNumber)) and back (string(s)) explicitly.
type String string

// String returns Redacted.
func (String) String() string { return Redacted }

// GoString returns Redacted, for %#v.
func (String) GoString() string { return Redacted }

// Format prints Redacted for every verb.
func (String) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", Redacted)
		return
	}
	fmt.Fprint(f, Redacted)
}

// LogValue returns Redacted for slog.
func (String) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON encodes the value itself: JSON is how it goes on the wire.
func (s String) MarshalJSON() ([]byte, error) { return json.Marshal(string(s)) }

// UnmarshalJSON decodes a JSON string.
func (s *String) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = String(v)
	return nil
}
