package sandbox

import (
	"fmt"
	"testing"
)

// The call logs together stay within their bound, whether one key makes
// many calls or many keys make one each.
func TestCallLogsBounded(t *testing.T) {
	sb, err := New(WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	cl := sb.calls
	cl.max = 8
	count := func() (n int) {
		for _, l := range cl.logs {
			n += len(l.calls)
		}
		return n
	}
	for k := range 40 {
		sb.recordCall(fmt.Sprintf("test_sk_calls%02d", k), Call{Seq: uint64(k + 1), Method: "GET"})
	}
	if n := count(); n != cl.count || n > 8 || len(cl.logs) > 8 {
		t.Errorf("many keys: %d calls in %d logs (counted %d), bound 8", n, len(cl.logs), cl.count)
	}
	for i := range 30 {
		sb.recordCall("test_sk_busy", Call{Seq: uint64(100 + i), Method: "POST"})
	}
	if n := count(); n != cl.count || n > 8 {
		t.Errorf("one busy key: %d calls (counted %d), bound 8", n, cl.count)
	}
	busy := sb.Calls("test_sk_busy", "")
	if len(busy) == 0 || busy[len(busy)-1].Seq != 129 {
		t.Errorf("the busy key lost its newest call: %+v", busy)
	}
}
