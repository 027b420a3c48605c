package org

import (
	"os"
	"path/filepath"
	"testing"
)

const sample = `
accepted_domains: [Contoso.com, fabrikam.org]
internal_networks: [10.0.0.0/8, "192.168.1.0/24", "2001:db8::/32", 172.16.5.9]
relay_hosts: [mx-gw.contoso.com, 10.9.9.9]
`

func load(t *testing.T) *Org {
	t.Helper()
	p := filepath.Join(t.TempDir(), "org.yaml")
	if err := os.WriteFile(p, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestDomains(t *testing.T) {
	o := load(t)
	for _, c := range []struct {
		addr string
		want bool
	}{
		{"alice@contoso.com", true},
		{"Alice@CONTOSO.COM", true},
		{"<bob@mail.contoso.com>", true},    // subdomain counts
		{"bob@eu.mail.Contoso.Com.", true},  // deeper subdomain, trailing dot
		{"eve@notcontoso.com", false},       // suffix but not a subdomain
		{"eve@contoso.com.evil.net", false}, // accepted domain as a prefix
		{"carol@fabrikam.org", true},
		{"nobody", false},
		{"", false},
	} {
		if got := o.IsInternalAddress(c.addr); got != c.want {
			t.Errorf("IsInternalAddress(%q) = %v, want %v", c.addr, got, c.want)
		}
	}
}

func TestNetworks(t *testing.T) {
	o := load(t)
	for _, c := range []struct {
		ip   string
		want bool
	}{
		{"10.1.2.3", true},
		{"192.168.1.77", true},
		{"192.168.2.1", false},
		{"172.16.5.9", true}, // single address
		{"172.16.5.10", false},
		{"::ffff:10.0.0.1", true}, // IPv4-mapped
		{"2001:db8::25", true},
		{"[2001:db8::25]", true},
		{"203.0.113.9", false},
		{"unknown", false},
	} {
		if got := o.IsInternalIP(c.ip); got != c.want {
			t.Errorf("IsInternalIP(%q) = %v, want %v", c.ip, got, c.want)
		}
	}
	if !o.IsRelayHost("MX-GW.contoso.com") || !o.IsRelayHost("10.9.9.9") || o.IsRelayHost("10.9.9.8") {
		t.Error("relay host matching is wrong")
	}
}

func TestDirection(t *testing.T) {
	o := load(t)
	for _, c := range []struct {
		name string
		s    Sender
		rcpt string
		want string
	}{
		{"outside IP to us", Sender{ClientIP: "203.0.113.5"}, "alice@contoso.com", Inbound},
		{"outside IP to outside", Sender{ClientIP: "203.0.113.5"}, "x@example.net", Inbound},
		{"internal IP to us", Sender{ClientIP: "10.1.1.1"}, "alice@contoso.com", IntraOrg},
		{"internal IP to subdomain", Sender{ClientIP: "10.1.1.1"}, "alice@hr.contoso.com", IntraOrg},
		{"internal IP to outside", Sender{ClientIP: "10.1.1.1"}, "x@example.net", Outbound},
		{"sasl from outside IP", Sender{Authenticated: true, ClientIP: "198.51.100.7"}, "x@example.net", Outbound},
		{"sasl to us", Sender{Authenticated: true, ClientIP: "198.51.100.7"}, "bob@fabrikam.org", IntraOrg},
		{"exchange originating", Sender{Originating: true, IPUntrusted: true, ClientIP: "10.0.0.5"}, "x@example.net", Outbound},
		{"exchange incoming", Sender{Incoming: true, IPUntrusted: true, ClientIP: "10.0.0.5"}, "alice@contoso.com", Inbound},
		{"exchange hop IP alone", Sender{IPUntrusted: true, ClientIP: "10.0.0.5"}, "alice@contoso.com", Unknown},
		{"relay host by IP", Sender{ClientIP: "10.9.9.9"}, "alice@contoso.com", Inbound},
		{"relay host by name", Sender{ClientIP: "10.3.3.3", ClientHost: "mx-gw.contoso.com"}, "alice@contoso.com", Inbound},
		{"relay host but authenticated", Sender{Authenticated: true, ClientIP: "10.9.9.9"}, "x@example.net", Outbound},
		{"nothing known", Sender{}, "alice@contoso.com", Unknown},
		{"internal sender, no recipient", Sender{ClientIP: "10.1.1.1"}, "", Unknown},
	} {
		if got := o.Direction(c.s, c.rcpt); got != c.want {
			t.Errorf("%s: Direction = %q, want %q", c.name, got, c.want)
		}
	}
}

// The From / MAIL FROM domain is never a trust signal: Sender has no field
// for it, and a spoofed own-domain message from outside is Inbound.
func TestSpoofedOwnDomainIsInbound(t *testing.T) {
	o := load(t)
	if got := o.Direction(Sender{ClientIP: "198.51.100.66"}, "ceo@contoso.com"); got != Inbound {
		t.Fatalf("spoofed own domain from outside: %q, want Inbound", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{
		"accepted_domain: [x.com]\n", // misspelt key
		"internal_networks: [10.0.0.0/33]\n",
		"internal_networks: [not-an-ip]\n",
		"accepted_domains: [\"a@b.com\"]\n",
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
	o, err := Parse(nil)
	if err != nil || len(o.AcceptedDomains) != 0 {
		t.Fatalf("empty file: %v %v", o, err)
	}
	// With no org at all every sender is external or unknown.
	var none *Org
	if got := none.Direction(Sender{ClientIP: "10.0.0.1"}, "a@b.com"); got != Inbound {
		t.Errorf("nil org: %q", got)
	}
}
