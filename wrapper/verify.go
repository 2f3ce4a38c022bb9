package wrapper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
)

// expect is what a 2xx must say to answer the request that was sent. Each
// operation fills in what it asked for; a zero field is not checked.
type expect struct {
	paymentKey string
	orderID    string
	// amount is the totalAmount the payment must have, if hasAmount.
	amount    money.Amount
	hasAmount bool
	// statuses are the statuses a success can have.
	statuses []generated.PaymentStatus
	// cancel: the answer must carry the cancel just asked for, of
	// cancelAmount (nil: the whole balance).
	cancel       bool
	cancelAmount *money.Amount
}

// mismatch returns the first check p fails ("" when p answers the request).
// The reason names the field and what was sent, never what came back in a
// free-text field (an echo may carry anything).
func (e *expect) mismatch(p *generated.Payment) string {
	if e == nil {
		return ""
	}
	switch {
	case e.paymentKey != "" && p.PaymentKey != e.paymentKey:
		return "paymentKey is not the one sent"
	case e.orderID != "" && p.OrderID != e.orderID:
		return "orderId is not the one sent"
	case e.hasAmount && !p.TotalAmount.Equal(e.amount):
		return fmt.Sprintf("totalAmount %s is not the amount sent (%s)", p.TotalAmount.Canonical(), e.amount.Canonical())
	}
	if len(e.statuses) > 0 && !hasStatus(e.statuses, p.Status) {
		return "status " + statusName(p.Status) + " is not one a success has (" + statusList(e.statuses) + ")"
	}
	if e.cancel {
		return e.cancelMismatch(p)
	}
	return ""
}

// cancelMismatch checks that the cancel just asked for is the payment's
// last cancel and that the balance moved by the cancels: balanceAmount =
// totalAmount − Σ cancelAmount. A full cancel leaves a balance of 0.
func (e *expect) cancelMismatch(p *generated.Payment) string {
	if p.Cancels == nil || len(*p.Cancels) == 0 {
		return "cancels is empty: the cancel is not in the payment"
	}
	cancels := *p.Cancels
	last := cancels[len(cancels)-1]
	if e.cancelAmount != nil && !last.CancelAmount.Equal(*e.cancelAmount) {
		return fmt.Sprintf("the last cancel is of %s, not the amount sent (%s)", last.CancelAmount.Canonical(), e.cancelAmount.Canonical())
	}
	left := p.TotalAmount
	for _, c := range cancels {
		var err error
		if left, err = left.Sub(c.CancelAmount); err != nil {
			return "the cancel amounts cannot be added up"
		}
	}
	if !left.Equal(p.BalanceAmount) {
		return fmt.Sprintf("balanceAmount %s is not totalAmount minus the cancels (%s)", p.BalanceAmount.Canonical(), left.Canonical())
	}
	if e.cancelAmount == nil && !p.BalanceAmount.IsZero() {
		return fmt.Sprintf("balanceAmount %s after a cancel of the whole balance", p.BalanceAmount.Canonical())
	}
	return ""
}

func hasStatus(list []generated.PaymentStatus, s generated.PaymentStatus) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// statusName quotes a status the spec lists; any other value is not quoted
// (it came from the server and may carry anything).
func statusName(s generated.PaymentStatus) string {
	if s.Valid() {
		return string(s)
	}
	if s == "" {
		return "(absent)"
	}
	return "(a value the spec does not list)"
}

func statusList(list []generated.PaymentStatus) string {
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = string(s)
	}
	return strings.Join(names, " or ")
}

// Success statuses of the operations that check one.
var (
	confirmedStatuses = []generated.PaymentStatus{generated.PaymentStatusDone, generated.PaymentStatusWaitingForDeposit}
	createdStatuses   = []generated.PaymentStatus{generated.PaymentStatusReady}
)

// successRequired returns the property names the spec requires of the JSON
// body of an operation's 2xx answer (its first 2xx response with a JSON
// schema), read through $ref and allOf.
func successRequired(op *openapi3.Operation) []string {
	if op.Responses == nil {
		return nil
	}
	for code, resp := range op.Responses.Map() {
		if len(code) != 3 || code[0] != '2' || resp.Value == nil {
			continue
		}
		mt := resp.Value.Content.Get(jsonContentType)
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		return requiredOf(mt.Schema.Value, nil)
	}
	return nil
}

func requiredOf(s *openapi3.Schema, acc []string) []string {
	acc = append(acc, s.Required...)
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			acc = requiredOf(sub.Value, acc)
		}
	}
	return acc
}

// requiredSet is the required keys of one answer, indexed for a scan.
type requiredSet struct {
	names []string
	// byLen[n] are the indexes in names of the names n bytes long: a key
	// is compared with the few of its length, without hashing it.
	byLen [][]int
}

func newRequiredSet(names []string) *requiredSet {
	rs := new(requiredSet)
	for _, n := range names {
		if slices.Contains(rs.names, n) {
			continue
		}
		for len(rs.byLen) <= len(n) {
			rs.byLen = append(rs.byLen, nil)
		}
		rs.byLen[len(n)] = append(rs.byLen[len(n)], len(rs.names))
		rs.names = append(rs.names, n)
	}
	return rs
}

// index returns the index of key in names, or -1.
func (rs *requiredSet) index(key []byte) int {
	if len(key) >= len(rs.byLen) {
		return -1
	}
	for _, i := range rs.byLen[len(key)] {
		if rs.names[i] == string(key) {
			return i
		}
	}
	return -1
}

// missing returns the first required key the JSON object data lacks, or "".
// data must be JSON that json.Unmarshal accepted as an object.
func (rs *requiredSet) missing(data []byte) string {
	if rs == nil || len(rs.names) == 0 {
		return ""
	}
	var small [64]bool
	seen := small[:0]
	if len(rs.names) <= len(small) {
		seen = small[:len(rs.names)]
	} else {
		seen = make([]bool, len(rs.names))
	}
	forEachKey(data, func(key []byte) {
		if i := rs.index(key); i >= 0 {
			seen[i] = true
		}
	})
	for i, ok := range seen {
		if !ok {
			return rs.names[i]
		}
	}
	return ""
}

// forEachKey calls fn with each key of the top-level JSON object data,
// which must be valid JSON (json.Unmarshal accepted it). A key written with
// escapes is passed unescaped.
func forEachKey(data []byte, fn func(key []byte)) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] == '}' {
			return
		}
		if data[i] == ',' {
			i++
			continue
		}
		end := stringEnd(data, i)
		key := data[i+1 : end-1]
		if strings.IndexByte(string(key), '\\') >= 0 {
			var s string
			if json.Unmarshal(data[i:end], &s) == nil {
				key = []byte(s)
			}
		}
		fn(key)
		i = skipSpace(data, end)
		i = skipValue(data, skipSpace(data, i+1)) // after the ':'
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just after the string that starts at i.
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); {
		q := bytes.IndexByte(data[j:], '"')
		if q < 0 {
			break
		}
		j += q
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		n := 0
		for b := j - 1; b > i && data[b] == '\\'; b-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
	return len(data)
}

// skipValue returns the index just after the value that starts at i.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = stringEnd(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	for i < len(data) && data[i] != ',' && data[i] != '}' && data[i] != ']' {
		i++
	}
	return i
}
