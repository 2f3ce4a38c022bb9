package sandbox

import "testing"

// The lengths the rules use are read from the document; a property it
// gives no maxLength is an error, not a zero.
func TestSpecMaxLength(t *testing.T) {
	sp, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	if n, err := sp.maxLength("RefundReceiveAccount", "holderName"); err != nil || n != 60 {
		t.Errorf("maxLength(RefundReceiveAccount.holderName) = %d, %v; want 60", n, err)
	}
	for _, c := range [][2]string{{"RefundReceiveAccount", "nope"}, {"Nope", "holderName"}, {"Payment", "totalAmount"}} {
		if _, err := sp.maxLength(c[0], c[1]); err == nil {
			t.Errorf("maxLength(%s.%s) did not fail", c[0], c[1])
		}
	}
}
