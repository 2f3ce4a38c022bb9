package openapi

import "testing"

// The length comes from the document: its Idempotency-Key parameter says 300.
func TestMaxIdempotencyKeyLength(t *testing.T) {
	if n := MaxIdempotencyKeyLength(); n != 300 {
		t.Errorf("MaxIdempotencyKeyLength() = %d, want 300 (the document's maxLength)", n)
	}
}
