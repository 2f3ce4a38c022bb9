package sandbox

import (
	"strconv"
	"testing"
)

// TestCallTailBounds: a follower that does not read holds at most
// tailBuffer calls, the rest counted as lost, and never blocks the call
// that publishes; a key has at most tailPerKey followers (a new one ends
// the oldest) and the sandbox tailTotal (then refused).
func TestCallTailBounds(t *testing.T) {
	ct := newCallTail()
	slow, err := ct.follow("k")
	if err != nil {
		t.Fatal(err)
	}
	for i := range tailBuffer + 36 {
		ct.publish("k", Call{Seq: uint64(i)})
	}
	if len(slow.calls) != tailBuffer || ct.takeLost(slow) != 36 || ct.takeLost(slow) != 0 {
		t.Fatalf("buffered %d", len(slow.calls))
	}
	for range tailPerKey {
		if _, err := ct.follow("k"); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-slow.ended:
	default:
		t.Error("the oldest follower of the key was not ended")
	}
	if n, total := ct.followers("k"); n != tailPerKey || total != tailPerKey {
		t.Errorf("followers %d, %d", n, total)
	}
	// Other keys, one stream each, fill the sandbox: while "k" has more
	// than one, its streams give way; then the oldest stream of all does,
	// so that a newcomer always gets in.
	var first *follower
	for i := range tailTotal - 1 {
		f, err := ct.follow("key-" + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = f
		}
	}
	if n, total := ct.followers("k"); n != 1 || total != tailTotal {
		t.Fatalf("k holds %d of %d", n, total)
	}
	kOnly := ct.byKey["k"][0]
	if _, err := ct.follow("newcomer"); err != nil {
		t.Fatalf("a newcomer was refused: %v", err)
	}
	select {
	case <-kOnly.ended: // k's last stream was the oldest of all
	default:
		t.Error("the oldest stream was not ended")
	}
	if _, err := ct.follow("newcomer-2"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.ended:
	default:
		t.Error("the next oldest stream was not ended")
	}
	if n, total := ct.followers("k"); n != 0 || total != tailTotal {
		t.Errorf("k holds %d of %d", n, total)
	}
	// An unfollow frees a place without ending anyone.
	f, _ := ct.follow("k")
	ct.unfollow("k", f)
	if _, total := ct.followers(""); total != tailTotal-1 {
		t.Errorf("after an unfollow: %d", total)
	}
	ct.close()
	late, _ := ct.follow("k")
	select {
	case <-late.ended:
	default:
		t.Error("a follower after close was not ended")
	}
}

// TestCallFilter: statuses and classes, paths, and the refusals.
func TestCallFilter(t *testing.T) {
	f, err := parseCallFilter("200, 4XX", "/cancel")
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range map[Call]bool{
		{Status: 200, Path: "/v1/payments/k/cancel"}: true,
		{Status: 404, Path: "/v1/payments/k/cancel"}: true,
		{Status: 500, Path: "/v1/payments/k/cancel"}: false,
		{Status: 200, Path: "/v1/payments/confirm"}:  false,
	} {
		if f.match(c) != want {
			t.Errorf("%d %s: %v", c.Status, c.Path, !want)
		}
	}
	if f, _ := parseCallFilter("0xx", ""); !f.match(Call{Status: 0}) {
		t.Error("0xx does not match a dropped connection")
	}
	for _, s := range []string{"2", "2000", "6xx", "x00", "20x", "200,,", strings17()} {
		if _, err := parseCallFilter(s, ""); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func strings17() string {
	s := "200"
	for range 16 {
		s += ",200"
	}
	return s
}
