package sandbox

import (
	"fmt"
	"testing"
)

// The sandbox's bound on pauses holds over many keys each within its own,
// and a slot given back is taken again.
func TestDelaySlotsGlobalBound(t *testing.T) {
	d := newDelaySlots()
	for i := range maxDelays {
		if ok, why := d.take(fmt.Sprintf("test_sk_k%04d", i/maxDelaysPerKey)); !ok {
			t.Fatalf("slot %d refused: %s", i, why)
		}
	}
	if ok, _ := d.take("test_sk_newcomer"); ok {
		t.Fatal("a pause past the sandbox's bound was taken")
	}
	d.give("test_sk_k0000")
	if ok, why := d.take("test_sk_newcomer"); !ok {
		t.Errorf("a slot given back was not taken again: %s", why)
	}
	if ok, _ := d.take("test_sk_k0001"); ok {
		t.Error("a pause past the bound was taken")
	}
}
