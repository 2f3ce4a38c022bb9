package sandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func sessionReq(tok string) *http.Request {
	r := httptest.NewRequest("GET", dashboardPath, nil)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
	return r
}

func signedIn(ss *sessions, tok string) (string, bool) {
	key, _, ok := ss.keyOf(sessionReq(tok))
	return key, ok
}

// Every login gets a fresh token; a token signed out never works again,
// not even after its owner's next login (a stolen cookie stays dead).
func TestSessionsFreshTokenPerLogin(t *testing.T) {
	ss := newSessions()
	a := ss.login("test_sk_owner")
	b := ss.login("test_sk_owner")
	if a == b || len(a) < 40 {
		t.Fatalf("two logins gave tokens %q and %q; want two different random ones", a, b)
	}
	ss.logout(a)
	ss.login("test_sk_owner")
	if _, ok := signedIn(ss, a); ok {
		t.Error("a signed-out token works again after the owner's next login")
	}
	if k, ok := signedIn(ss, b); !ok || k != "test_sk_owner" {
		t.Errorf("the other session of the key: %q %v", k, ok)
	}
}

// Logins with one key past its cap forget that key's oldest sessions,
// never another key's.
func TestSessionsCapPerKey(t *testing.T) {
	ss := newSessions()
	other := ss.login("test_sk_other")
	var toks []string
	for range maxSessionsPerKey + 3 {
		toks = append(toks, ss.login("test_sk_many"))
	}
	if _, ok := signedIn(ss, other); !ok {
		t.Error("another key's session was signed out by one key's logins")
	}
	for i, tok := range toks {
		_, ok := signedIn(ss, tok)
		if want := i >= 3; ok != want {
			t.Errorf("login %d of the key: signed in %v, want %v", i, ok, want)
		}
	}
	if n := len(ss.byKey["test_sk_many"]); n != maxSessionsPerKey {
		t.Errorf("the key holds %d sessions, cap %d", n, maxSessionsPerKey)
	}
}

// 10,001 logins with as many keys sign out the idlest sessions, not one
// in use during the flood; the sessions stay within their bound.
func TestSessionsFloodOfLogins(t *testing.T) {
	ss := newSessions()
	user := ss.login("test_sk_user")
	idle := ss.login("test_sk_idle")
	for i := range maxSessions + 1 {
		ss.login(fmt.Sprintf("test_sk_flood%06d", i))
		if i%1000 == 0 {
			if _, ok := signedIn(ss, user); !ok {
				t.Fatalf("the user in session was signed out after %d logins", i)
			}
		}
	}
	if _, ok := signedIn(ss, user); !ok {
		t.Error("the user in session was signed out by the flood")
	}
	if _, ok := signedIn(ss, idle); ok {
		t.Error("the idle session outlived the flood")
	}
	if n := len(ss.byTok); n > maxSessions {
		t.Errorf("%d sessions, bound %d", n, maxSessions)
	}
}
