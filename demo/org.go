// Package demo generates quarry's demonstration data: a realistic,
// deterministic month of Microsoft Defender for Office 365 email telemetry
// (EmailEvents and the consistent EmailAttachmentInfo, EmailUrlInfo,
// EmailPostDeliveryEvents and UrlClickEvents rows for the same messages) for
// a fictitious mid-size organisation, streamed row by row so that millions of
// rows never sit in memory, and loads it into a quarry store. It also ships
// the "Mailflow by directionality" hunt that `quarry demo` runs.
package demo

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Org is the organisation the demo data describes: who its users are, which
// domains it accepts mail for, which networks are its own and which external
// domains it exchanges mail with. Ingest code can reuse it to classify
// directions the way Defender does.
type Org struct {
	// Name is the organisation's display name.
	Name string
	// TenantID is the Entra ID tenant id.
	TenantID string
	// AcceptedDomains are the domains the organisation receives mail for;
	// the first one is the primary domain.
	AcceptedDomains []string
	// InternalNetworks are the organisation's own address ranges: private
	// office networks and the public egress ranges its mail and web traffic
	// leaves from (documentation ranges, so they never collide with real
	// addresses).
	InternalNetworks []netip.Prefix
	// Users are the mailboxes, in a fixed order.
	Users []User
	// ExternalDomains are the domains the organisation exchanges mail
	// with, most popular first; their popularity follows a Zipf law.
	ExternalDomains []ExternalDomain

	egressV4 []string // public IPv4 addresses mail and clicks leave from
	zipf     []float64
}

// User is one mailbox of the organisation.
type User struct {
	DisplayName string
	Address     string // SMTP address, also the UPN
	ObjectID    string // Entra ID object id
	Language    string // ISO 639-1 code of the user's mail language
}

// ExternalDomain is a domain outside the organisation.
type ExternalDomain struct {
	Domain string
	// Brand is the display name used by the domain's automated senders.
	Brand string
	// Kind says how the domain sends mail: "consumer" (gmail.com,
	// outlook.com ...), "service" (notifications and newsletters),
	// "partner" (a company people correspond with).
	Kind     string
	Language string
	// Partner domains with a TLS connector to the organisation.
	Connector bool
	ipBase    [3]byte // the domain's /24 of sending addresses
	ipv6      string  // non-empty: the domain sends over IPv6 with this prefix
}

// IsInternal reports whether ip lies in one of the organisation's networks.
func (o *Org) IsInternal(ip netip.Addr) bool {
	for _, p := range o.InternalNetworks {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// IsAccepted reports whether domain (case-insensitive) is an accepted
// domain of the organisation.
func (o *Org) IsAccepted(domain string) bool {
	for _, d := range o.AcceptedDomains {
		if strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}

// DefaultUsers is the number of mailboxes of the demo organisation.
const DefaultUsers = 4000

// NewOrg builds the demo organisation deterministically from seed: users
// mailboxes spread over four accepted domains and a few thousand external
// domains with Zipf popularity.
func NewOrg(seed uint64, users int) *Org {
	if users <= 0 {
		users = DefaultUsers
	}
	r := rand.New(rand.NewPCG(seed, 0x6f7267)) // "org"
	o := &Org{
		Name:            "Contoso Ltd",
		TenantID:        uuid(r),
		AcceptedDomains: []string{"contoso.com", "contoso.co.uk", "contoso.de", "fabrikam.example"},
		InternalNetworks: []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"),
			netip.MustParsePrefix("172.16.0.0/12"),
			netip.MustParsePrefix("192.168.0.0/16"),
			netip.MustParsePrefix("203.0.113.0/24"),
			netip.MustParsePrefix("198.51.100.0/24"),
			netip.MustParsePrefix("2001:db8:c0::/48"),
		},
	}
	for i := 10; i < 40; i++ {
		o.egressV4 = append(o.egressV4, "203.0.113."+strconv.Itoa(i))
	}
	for i := 20; i < 30; i++ {
		o.egressV4 = append(o.egressV4, "198.51.100."+strconv.Itoa(i))
	}

	// Users: 70% on the primary domain, the rest on the others.
	domainWeights := []float64{0.70, 0.14, 0.08, 0.08}
	langByDomain := []string{"en", "en", "de", "en"}
	seen := make(map[string]int, users)
	for len(o.Users) < users {
		first := firstNames[r.IntN(len(firstNames))]
		last := lastNames[r.IntN(len(lastNames))]
		d := pickWeighted(r, domainWeights)
		local := strings.ToLower(first) + "." + strings.ToLower(last)
		key := local + "@" + o.AcceptedDomains[d]
		seen[key]++
		if n := seen[key]; n > 1 {
			local += strconv.Itoa(n)
		}
		lang := langByDomain[d]
		if r.IntN(20) == 0 {
			lang = []string{"fr", "es", "nl", "pt", "ja"}[r.IntN(5)]
		}
		o.Users = append(o.Users, User{
			DisplayName: first + " " + last,
			Address:     local + "@" + o.AcceptedDomains[d],
			ObjectID:    uuid(r),
			Language:    lang,
		})
	}

	// External domains: well-known services and providers first (the Zipf
	// head), then thousands of synthetic partner companies.
	for _, s := range wellKnown {
		d := ExternalDomain{Domain: s.domain, Brand: s.brand, Kind: s.kind, Language: "en"}
		o.ExternalDomains = append(o.ExternalDomains, d)
	}
	taken := map[string]bool{}
	for _, d := range o.ExternalDomains {
		taken[d.Domain] = true
	}
	for len(o.ExternalDomains) < 3000 {
		name := syllables[r.IntN(len(syllables))] + syllables[r.IntN(len(syllables))]
		if r.IntN(3) == 0 {
			name += syllables[r.IntN(len(syllables))]
		}
		if r.IntN(6) == 0 {
			name += []string{"-group", "-law", "-tech", "capital", "works", "labs", "-consulting"}[r.IntN(7)]
		}
		tld := tlds[pickWeighted(r, tldWeights)]
		dom := name + "." + tld.tld
		if taken[dom] {
			continue
		}
		taken[dom] = true
		o.ExternalDomains = append(o.ExternalDomains, ExternalDomain{
			Domain:    dom,
			Brand:     strings.ToUpper(name[:1]) + name[1:],
			Kind:      "partner",
			Language:  tld.lang,
			Connector: r.IntN(60) == 0,
		})
	}
	// Shuffle the partners a little into the head so that the top senders
	// are not only big services, then fix sending infrastructure.
	for i := range o.ExternalDomains {
		d := &o.ExternalDomains[i]
		d.ipBase = publicSlash24(r)
		switch {
		case d.Domain == "gmail.com" || d.Domain == "google.com" || d.Domain == "youtube.com":
			d.ipv6 = "2607:f8b0:" + strconv.FormatUint(uint64(r.IntN(0xffff)), 16) + "::"
		case d.Domain == "outlook.com" || d.Domain == "hotmail.com" || d.Domain == "microsoft.com" || d.Kind == "partner" && r.IntN(4) == 0:
			// Exchange Online tenants send over IPv6 from 2a01:111:f403::/48.
			d.ipv6 = "2a01:111:f403:" + strconv.FormatUint(uint64(r.IntN(0xffff)), 16) + "::"
		}
	}

	// Zipf popularity, s = 1.07 over ranks 1..n.
	o.zipf = make([]float64, len(o.ExternalDomains))
	var sum float64
	for i := range o.zipf {
		sum += 1 / math.Pow(float64(i+1), 1.07)
		o.zipf[i] = sum
	}
	for i := range o.zipf {
		o.zipf[i] /= sum
	}
	return o
}

// externalDomain draws an external domain index by Zipf popularity.
func (o *Org) externalDomain(r *rand.Rand) int {
	i := sort.SearchFloat64s(o.zipf, r.Float64())
	if i >= len(o.zipf) {
		i = len(o.zipf) - 1
	}
	return i
}

// DomainOf returns the part of an address after the last '@'.
func DomainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

func pickWeighted(r *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	f := r.Float64() * sum
	for i, x := range w {
		if f < x {
			return i
		}
		f -= x
	}
	return len(w) - 1
}

// publicSlash24 draws a /24 outside private, reserved and documentation
// ranges.
func publicSlash24(r *rand.Rand) [3]byte {
	for {
		a := byte(1 + r.IntN(222))
		b := byte(r.IntN(256))
		switch {
		case a == 10, a == 127, a == 100 && b >= 64 && b < 128, a == 169 && b == 254,
			a == 172 && b >= 16 && b < 32, a == 192 && b == 168, a == 192 && b == 0,
			a == 198 && (b == 18 || b == 19 || b == 51), a == 203 && b == 0:
			continue
		}
		return [3]byte{a, b, byte(r.IntN(256))}
	}
}

var firstNames = strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth
	William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy
	Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua
	Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason
	Sharon Edward Laura Jeffrey Cynthia Ryan Amy Jacob Kathleen Gary Angela Nicholas Shirley Eric Anna
	Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole Scott Helen Brandon Samantha Benjamin Katherine
	Samuel Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia
	Dennis Heather Jerry Catherine Tyler Diane Aaron Julie Jose Victoria Adam Joyce Nathan Lauren Henry
	Kelly Zachary Christina Douglas Ruth Peter Joan Kyle Virginia Noah Judith Ethan Evelyn Jeremy Hannah
	Walter Andrea Christian Megan Keith Cheryl Roger Jacqueline Terry Martha Austin Madison Sean Teresa
	Gerald Gloria Carl Sara Harold Janice Dylan Ann Arthur Kathryn Lawrence Abigail Jordan Sophia Jesse
	Frances Bryan Jean Billy Alice Bruce Judy Gabriel Isabella Joe Julia Logan Grace Alan Amber Juan Denise
	Albert Danielle Willie Marilyn Elijah Beverly Wayne Charlotte Randy Natalie Vincent Theresa Mason Diana
	Roy Brittany Ralph Doris Bobby Kayla Russell Alexis Bradley Lori Philip Marie Eugene Priya Lucia Enrico
	Hiroshi Yuki Mei Wei Ahmed Fatima Lukas Sofia Mateo Ingrid Lars Anouk Pieter Chloe Louis Camille Jonas Lea`)

var lastNames = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
	Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White
	Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
	Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner
	Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan
	Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James
	Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez
	Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez Simmons
	Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant
	Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez
	Mcdonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford
	Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer
	Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson
	Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Hansen
	Schneider Mueller Fischer Weber Suzuki Tanaka Watanabe Sato Dubois Lefebvre Jansen Visser Rossi Russo
	Novak Kowalski Andersson Johansson Nielsen Walsh Lynch Byrne Okafor Mensah Singh Kumar Sharma Ali Khan`)

type knownDomain struct{ domain, brand, kind string }

// wellKnown are the head of the Zipf distribution, roughly in the order a
// real tenant sees them.
var wellKnown = []knownDomain{
	{"gmail.com", "Gmail", "consumer"},
	{"outlook.com", "Outlook", "consumer"},
	{"microsoft.com", "Microsoft", "service"},
	{"linkedin.com", "LinkedIn", "service"},
	{"hotmail.com", "Hotmail", "consumer"},
	{"yahoo.com", "Yahoo", "consumer"},
	{"amazon.com", "Amazon", "service"},
	{"github.com", "GitHub", "service"},
	{"salesforce.com", "Salesforce", "service"},
	{"atlassian.net", "Atlassian", "service"},
	{"adventure-works.com", "Adventure Works", "partner"},
	{"zoom.us", "Zoom", "service"},
	{"docusign.net", "DocuSign", "service"},
	{"northwindtraders.com", "Northwind Traders", "partner"},
	{"servicenow.com", "ServiceNow", "service"},
	{"tailspintoys.com", "Tailspin Toys", "partner"},
	{"slack.com", "Slack", "service"},
	{"wingtiptoys.com", "Wingtip Toys", "partner"},
	{"google.com", "Google", "service"},
	{"dropbox.com", "Dropbox", "service"},
	{"woodgrovebank.com", "Woodgrove Bank", "partner"},
	{"workday.com", "Workday", "service"},
	{"icloud.com", "iCloud", "consumer"},
	{"litware.com", "Litware", "partner"},
	{"adobe.com", "Adobe", "service"},
	{"fedex.com", "FedEx", "service"},
	{"gmx.de", "GMX", "consumer"},
	{"proseware.com", "Proseware", "partner"},
	{"paypal.com", "PayPal", "service"},
	{"hubspot.com", "HubSpot", "service"},
	{"fourthcoffee.com", "Fourth Coffee", "partner"},
	{"mailchimp.com", "Mailchimp", "service"},
	{"youtube.com", "YouTube", "service"},
	{"orange.fr", "Orange", "consumer"},
	{"alpineskihouse.com", "Alpine Ski House", "partner"},
	{"ups.com", "UPS", "service"},
}

var syllables = strings.Fields(`mar sol can or ma ro yax a lin vel tor ben ka ze mi ka nor ven be
	co ho win ery lum ra tek vi sta quin ar ge lo fa bri del ta pro sen va mon te ri do na cal ix
	zen ith vor al sa vin ter ra blu ex pe dia ne o gra nit zor ba lu min tri ad qu ell hy dra`)

type tldInfo struct{ tld, lang string }

var tlds = []tldInfo{{"com", "en"}, {"net", "en"}, {"org", "en"}, {"co.uk", "en"}, {"de", "de"},
	{"fr", "fr"}, {"nl", "nl"}, {"es", "es"}, {"se", "en"}, {"co.jp", "ja"}, {"com.br", "pt"}, {"io", "en"}}
var tldWeights = []float64{45, 8, 4, 8, 9, 6, 4, 4, 2, 3, 3, 4}

const hexDigits = "0123456789abcdef"

// uuid draws a random (version 4) UUID as lowercase text.
func uuid(r *rand.Rand) string {
	var b [36]byte
	appendUUID(b[:0], r)
	return string(b[:])
}

func appendUUID(dst []byte, r *rand.Rand) []byte {
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^(0xf<<12) | 4<<12         // version 4
	lo = lo&^(0x3<<62) | uint64(2)<<62 // variant 10
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		var x byte
		if i < 8 {
			x = byte(hi >> (56 - 8*i))
		} else {
			x = byte(lo >> (56 - 8*(i-8)))
		}
		dst = append(dst, hexDigits[x>>4], hexDigits[x&0xf])
	}
	return dst
}
