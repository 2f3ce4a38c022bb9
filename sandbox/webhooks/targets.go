package webhooks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// Targets says which addresses the sandbox delivers webhooks to.
type Targets int

const (
	// TargetsAny delivers to any address, loopback and private
	// ones included: a sandbox on a developer's machine or in a test
	// delivers to a receiver beside it. The default of New.
	TargetsAny Targets = iota
	// TargetsPublic delivers to public unicast addresses only, for
	// a sandbox that many users share: none of them can make it POST to,
	// and read the answers of, the services on its own network (loopback,
	// private, link-local such as a cloud's metadata service, and the other
	// special-purpose ranges of RFC 6890). The address is checked where the
	// connection is made, after DNS, so a name that resolves (or later
	// re-resolves) to a private address is refused too; deliveries go
	// direct, not through a proxy of the environment.
	TargetsPublic
)

// String returns the name ParseTargets reads.
func (t Targets) String() string {
	if t == TargetsPublic {
		return "public"
	}
	return "any"
}

// ParseTargets reads "any" or "public" ("tosspay sandbox
// --webhook-targets").
func ParseTargets(s string) (Targets, error) {
	switch s {
	case "any":
		return TargetsAny, nil
	case "public":
		return TargetsPublic, nil
	}
	return 0, fmt.Errorf("webhook targets %q: want any or public", s)
}

// nonPublic are the ranges TargetsPublic refuses: the special-purpose
// address registries of IANA (RFC 6890 and its updates) that are not
// globally reachable, plus the IPv6 forms that carry an IPv4 address that
// could be any of the above (IPv4-compatible, IPv4-translated, NAT64,
// 6to4; IPv4-mapped ones are judged as the IPv4 address they map) and the
// deprecated site-local range.
var nonPublic = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
		"2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// publicAddr reports whether a is a public unicast address.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// CheckTarget refuses, under TargetsPublic, a webhook URL whose host
// is a non-public IP literal or a localhost name (RFC 6761): the early
// answer to what the dialer would refuse at each delivery.
func CheckTarget(t Targets, raw string) error {
	if t != TargetsPublic || raw == ListenURL {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if a, err := netip.ParseAddr(host); err == nil && !publicAddr(a) || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("url: %s is not a public address; this sandbox delivers webhooks to public addresses only (start it with --webhook-targets any, or WithWebhookTargets(TargetsAny), to deliver to private ones)", u.Hostname())
	}
	return nil
}

// errNotPublic is what a delivery to a non-public address fails with.
var errNotPublic = errors.New("not a public address; this sandbox delivers webhooks to public addresses only")

// dialPublicOnly is the dialer's Control under TargetsPublic: it
// sees the address actually connected to.
func dialPublicOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%s: %w", address, errNotPublic)
	}
	if !publicAddr(ap.Addr()) {
		return fmt.Errorf("%s: %w", ap.Addr(), errNotPublic)
	}
	return nil
}

// NewClient returns the client deliveries are sent with: the caller's
// (copied), or one with openapi.WebhookTimeout that, under TargetsPublic,
// connects only to public addresses and never through a proxy. Neither
// follows a redirect: a delivery answered 3xx is not a 200, and is retried
// on the schedule like any other failure.
func NewClient(given *http.Client, targets Targets) (*http.Client, error) {
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if given != nil {
		if targets == TargetsPublic {
			return nil, errors.New("sandbox: WithWebhookTargets(TargetsPublic) needs the default webhook client: WithWebhookClient's transport decides where it connects")
		}
		c := *given
		c.CheckRedirect = noRedirect
		return &c, nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if targets == TargetsPublic {
		d := &net.Dialer{Timeout: openapi.WebhookTimeout, KeepAlive: 30 * time.Second, Control: dialPublicOnly}
		tr.DialContext = d.DialContext
		tr.Proxy = nil
	}
	return &http.Client{Timeout: openapi.WebhookTimeout, Transport: tr, CheckRedirect: noRedirect}, nil
}

// deliveryError is what an attempt's record says of a failed POST. Under
// TargetsPublic it says nothing of the sandbox's network: not the
// private address a name resolved to, not the resolver's address (a key
// could otherwise map the names and addresses around the sandbox by
// registering URLs and reading its deliveries).
func deliveryError(t Targets, err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	if t != TargetsPublic {
		return err.Error()
	}
	var dns *net.DNSError
	switch {
	case errors.Is(err, errNotPublic):
		return errNotPublic.Error()
	case errors.As(err, &dns):
		return "the host's name did not resolve to an address"
	}
	return err.Error()
}
