package drift_test

import (
	"fmt"
	"strconv"

	"github.com/tosspayments-go/tosspayments-go/drift"
)

// Check one recorded answer: a look-up's 404 whose body carries a key the
// spec's Error schema does not list, and a code the spec knows but does
// not document for a look-up's 404. The message stays out of the reports.
func ExampleChecker_Check() {
	c, err := drift.Load()
	if err != nil {
		panic(err)
	}
	body := []byte(`{"code":"REJECT_CARD_COMPANY","message":"카드사 거절","traceId":"t-1"}`)
	for _, r := range c.Check("getPayment", 404, body) {
		fmt.Println(r.Operation, r.Status, r.Pointer, r.Kind, strconv.Quote(r.Value))
	}
	// Output:
	// getPayment 404 /traceId unknown-property ""
	// getPayment 404 /code undocumented-code "REJECT_CARD_COMPANY"
}

// A Recorder reports each drift once and counts the answers that carry it.
func ExampleRecorder() {
	rec, err := drift.NewRecorder(nil, func(r drift.Report) { fmt.Println("new:", r.Operation, r.Status, r.Kind) })
	if err != nil {
		panic(err)
	}
	for range 3 {
		rec.Check("getPayment", 418, []byte(`{}`))
	}
	for _, r := range rec.Reports() {
		fmt.Println("count:", r.Count, r.Kind)
	}
	// Output:
	// new: getPayment 418 undocumented-status
	// count: 3 undocumented-status
}
