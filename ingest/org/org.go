// Package org describes the organisation whose mail quarry ingests — its
// accepted domains, internal networks and relay hosts — and decides each
// message's EmailDirection from them for the log sources (Exchange tracking,
// Exchange Online trace, Postfix). The rules are documented in
// ingest/README.md.
package org

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The values of EmailDirection, spelled as Defender XDR spells them.
const (
	Inbound  = "Inbound"
	Outbound = "Outbound"
	IntraOrg = "Intra-org"
	Unknown  = "Unknown"
)

// Org is a parsed organisation file.
type Org struct {
	// AcceptedDomains are lower-cased domains; a subdomain of one counts too.
	AcceptedDomains []string
	// InternalNetworks are the networks whose clients are trusted senders.
	InternalNetworks []netip.Prefix
	// RelayHosts are host names (lower-cased) and IPs of relays that pass
	// mail on from elsewhere; a connection from one is not a trust signal.
	RelayHosts []string

	relayIPs map[netip.Addr]bool
}

type file struct {
	AcceptedDomains  []string `yaml:"accepted_domains"`
	InternalNetworks []string `yaml:"internal_networks"`
	RelayHosts       []string `yaml:"relay_hosts"`
}

// Load reads an organisation file.
func Load(path string) (*Org, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("org: %w", err)
	}
	o, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("org: %s: %w", path, err)
	}
	return o, nil
}

// Parse parses the YAML text of an organisation file. Unknown keys are an
// error, so that a misspelt key does not silently turn every message Inbound.
func Parse(data []byte) (*Org, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return New(f.AcceptedDomains, f.InternalNetworks, f.RelayHosts)
}

// New builds an Org from its three lists. A network may be a CIDR or a
// single address.
func New(domains, networks, relays []string) (*Org, error) {
	o := &Org{relayIPs: map[netip.Addr]bool{}}
	for _, d := range domains {
		d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
		d = strings.TrimPrefix(d, "*.")
		if d == "" || strings.ContainsAny(d, "@ /") {
			return nil, fmt.Errorf("accepted_domains: %q is not a domain", d)
		}
		o.AcceptedDomains = append(o.AcceptedDomains, d)
	}
	for _, n := range networks {
		n = strings.TrimSpace(n)
		p, err := netip.ParsePrefix(n)
		if err != nil {
			a, aerr := netip.ParseAddr(n)
			if aerr != nil {
				return nil, fmt.Errorf("internal_networks: %q is not a CIDR or address", n)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		o.InternalNetworks = append(o.InternalNetworks, p.Masked())
	}
	for _, h := range relays {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if a, err := netip.ParseAddr(h); err == nil {
			o.relayIPs[a.Unmap()] = true
		}
		o.RelayHosts = append(o.RelayHosts, strings.TrimSuffix(h, "."))
	}
	return o, nil
}

// DomainOf returns the lower-cased domain part of an address ("" when there
// is no @). Angle brackets and a trailing dot are ignored.
func DomainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(addr[i+1:]), ".")
}

// IsAcceptedDomain reports whether domain is one of the accepted domains or
// a subdomain of one (case-insensitive).
func (o *Org) IsAcceptedDomain(domain string) bool {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if domain == "" || o == nil {
		return false
	}
	for _, d := range o.AcceptedDomains {
		if domain == d || (len(domain) > len(d) && strings.HasSuffix(domain, d) && domain[len(domain)-len(d)-1] == '.') {
			return true
		}
	}
	return false
}

// IsInternalAddress reports whether an email address is in an accepted domain.
func (o *Org) IsInternalAddress(addr string) bool { return o.IsAcceptedDomain(DomainOf(addr)) }

// IsInternalIP reports whether ip (text form; IPv4-mapped IPv6 is unmapped)
// lies in one of the internal networks.
func (o *Org) IsInternalIP(ip string) bool {
	if o == nil {
		return false
	}
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range o.InternalNetworks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// IsRelayHost reports whether a host name or IP is one of the relay hosts.
func (o *Org) IsRelayHost(hostOrIP string) bool {
	if o == nil || hostOrIP == "" {
		return false
	}
	h := strings.TrimSuffix(strings.ToLower(strings.Trim(hostOrIP, "[]")), ".")
	if a, err := netip.ParseAddr(h); err == nil {
		return o.relayIPs[a.Unmap()]
	}
	for _, r := range o.RelayHosts {
		if r == h {
			return true
		}
	}
	return false
}

// Sender is what a log source knows about where a message came from. Only
// trust signals count; the From or MAIL FROM domain never does.
type Sender struct {
	// Authenticated is true for authenticated submission (Postfix
	// sasl_username=, Exchange submission from a mailbox).
	Authenticated bool
	// Originating is Exchange's directionality=Originating.
	Originating bool
	// Incoming is Exchange's directionality=Incoming: the sender is known
	// not to be internal.
	Incoming bool
	// ClientIP and ClientHost are the connecting client, when known.
	ClientIP, ClientHost string
	// IPUntrusted is set by sources whose client IPs are all internal hops
	// (Exchange): the client IP is then no trust signal.
	IPUntrusted bool
}

// SenderInternal decides whether the sender counts as internal. known is
// false when nothing is known about the origin (no client, no
// directionality, no authentication): the direction is then Unknown.
func (o *Org) SenderInternal(s Sender) (internal, known bool) {
	switch {
	case s.Authenticated, s.Originating:
		return true, true
	case s.Incoming:
		return false, true
	case s.IPUntrusted:
		return false, false
	case s.ClientIP == "" && s.ClientHost == "":
		return false, false
	case o.IsRelayHost(s.ClientIP) || o.IsRelayHost(s.ClientHost):
		// A relay passes on mail from elsewhere; without another signal
		// the original sender is not known to be internal.
		return false, true
	case o.IsInternalIP(s.ClientIP):
		return true, true
	}
	return false, true
}

// Direction returns the EmailDirection of a message from sender s to
// recipient rcpt (an email address).
func (o *Org) Direction(s Sender, rcpt string) string {
	internal, known := o.SenderInternal(s)
	if !known {
		return Unknown
	}
	if !internal {
		return Inbound
	}
	if DomainOf(rcpt) == "" {
		return Unknown
	}
	if o.IsInternalAddress(rcpt) {
		return IntraOrg
	}
	return Outbound
}
