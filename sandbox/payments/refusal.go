package payments

import "fmt"

// Refusal is a rule saying no: the documented Code, the operation whose
// documented status it answers with (or Status, when the sandbox's own
// endpoints answer it), and an English detail the sandbox appends to the
// code's message.
type Refusal struct {
	Op   Op
	Code Code
	// Status, when not 0, is the HTTP status to answer instead of the one
	// the document gives Code on Op.
	Status int
	Detail string
}

// Error returns "CODE on op: detail".
func (r *Refusal) Error() string {
	return fmt.Sprintf("%s on %s: %s", r.Code, r.Op, r.Detail)
}

func refuse(op Op, code Code, detail string) *Refusal {
	return &Refusal{Op: op, Code: code, Detail: detail}
}

// statusBadRequest is the status of the refusals the document does not
// list (the checkout page's, the deposit button's).
const statusBadRequest = 400

func badRequest(code Code, detail string) *Refusal {
	return &Refusal{Op: OpGetPayment, Code: code, Status: statusBadRequest, Detail: detail}
}
