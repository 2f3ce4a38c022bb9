package webhooks

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// TestPublicAddr: the addresses TargetsPublic delivers to, at the
// edges of the ranges it refuses.
func TestPublicAddr(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "93.184.216.34": true, "9.255.255.255": true, "11.0.0.0": true,
		"100.63.255.255": true, "100.128.0.0": true, "172.15.255.255": true, "172.32.0.0": true,
		"192.167.255.255": true, "192.169.0.0": true, "2606:4700::1111": true, "::ffff:8.8.8.8": true,
		"10.0.0.0": false, "10.255.255.255": false, "100.64.0.0": false, "100.127.255.255": false,
		"127.0.0.1": false, "127.255.255.254": false, "169.254.169.254": false, "172.16.0.0": false,
		"172.31.255.255": false, "192.168.0.1": false, "0.0.0.0": false, "0.1.2.3": false,
		"192.0.2.1": false, "198.18.0.1": false, "224.0.0.1": false, "255.255.255.255": false,
		"::": false, "::1": false, "::ffff:10.0.0.1": false, "::ffff:127.0.0.1": false, "fe80::1": false,
		"fe80::1%eth0": false, "fc00::1": false, "fd12:3456::1": false, "ff02::1": false,
		"64:ff9b::a00:1": false, "2002:7f00:1::": false, "2001:db8::1": false, "::7f00:1": false, "::ffff:0:7f00:1": false,
		"fec0::1": false, "3fff::1": false, "5f00::1": false,
	} {
		a := netip.MustParseAddr(addr)
		if got := publicAddr(a); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
	if publicAddr(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}

// TestDialPublicOnly: the dialer's check refuses a non-public address and
// anything it cannot read as an address.
func TestDialPublicOnly(t *testing.T) {
	t.Parallel()
	if err := dialPublicOnly("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("public: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "10.0.0.1:8080", "[fe80::1%eth0]:80", "localhost:80", ""} {
		if err := dialPublicOnly("tcp", addr, nil); !errors.Is(err, errNotPublic) {
			t.Errorf("dialPublicOnly(%q) = %v", addr, err)
		}
	}
}

// TestDeliveryErrorSaysNothingOfTheNetwork: under TargetsPublic a
// failed delivery's record names neither the private address a name
// resolved to nor the resolver; a local sandbox keeps the whole error.
func TestDeliveryErrorSaysNothingOfTheNetwork(t *testing.T) {
	t.Parallel()
	refused := &url.Error{Op: "Post", URL: "http://db.internal/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: errors.Join(errors.New("10.1.2.3:80"), errNotPublic)}}
	unresolved := &url.Error{Op: "Post", URL: "http://db.internal/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "db.internal", Server: "10.255.255.53:53", IsNotFound: true}}}
	for _, err := range []error{refused, unresolved} {
		got := deliveryError(TargetsPublic, err)
		if strings.Contains(got, "10.") || got == "" {
			t.Errorf("public: %q", got)
		}
		if local := deliveryError(TargetsAny, err); !strings.Contains(local, "10.") {
			t.Errorf("any: %q lost the detail", local)
		}
	}
}
