package webhooks

import (
	"fmt"
	"testing"
)

// Past the bound on keys, the key unused the longest with nothing waiting
// is forgotten, never a bystander that registered its URL and keeps using
// it, however many keys register after it.
func TestDispatcherForgetsTheKeyUnusedTheLongest(t *testing.T) {
	d := NewDispatcher(Config{})
	d.maxTenants = 4
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tenant("test_sk_bystander").url = "http://receiver.example/hook"
	for round := range 8 {
		for i := range 3 {
			d.tenant(fmt.Sprintf("test_sk_flood%d_%d", round, i)).url = "http://victim.example/"
		}
		if got := d.tenants["test_sk_bystander"]; got == nil || got.url != "http://receiver.example/hook" {
			t.Fatalf("round %d: the bystander's URL is forgotten", round)
		}
		d.tenant("test_sk_bystander") // it makes a payment: a delivery is enqueued
		if len(d.tenants) > 4 {
			t.Fatalf("round %d: %d keys kept, bound 4", round, len(d.tenants))
		}
	}
	n := 0
	for o := d.useIdlest; o != nil; o = o.useNewer {
		n++
	}
	if n != len(d.tenants) || d.useNewest.key != "test_sk_bystander" {
		t.Errorf("the list by use holds %d of %d keys, newest %q", n, len(d.tenants), d.useNewest.key)
	}
}
