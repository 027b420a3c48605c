package source

import (
	"encoding/json"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/ingest/org"
)

// emailEvents is the layout of the built-in EmailEvents table.
var emailEvents = MustBuiltin("EmailEvents")

// Mail is what a log source (Exchange tracking, Exchange Online trace,
// Postfix) knows about one recipient's copy of a message. Row turns it
// into an EmailEvents row, filling every column the logs can give and
// leaving the others empty ("" for strings, null otherwise), as Defender
// does when it has no value: a log never tells quarry a display name, a
// threat verdict or whether sender and recipient had met before.
type Mail struct {
	Timestamp         time.Time
	NetworkMessageId  string
	InternetMessageId string
	// MailFrom is the envelope sender (MAIL FROM).
	MailFrom string
	// From and FromName are the From header's address and display name,
	// when the log records the header (Postfix header_checks). Without
	// it, SenderFromAddress is the envelope sender, as the logs give no
	// better value, and SenderDisplayName stays empty.
	From, FromName string
	// ClientIP is the sending host's address ("" when unknown).
	ClientIP string
	// Recipient is the envelope recipient, lower-cased.
	Recipient string
	Subject   string
	Direction string
	// Action and Location are DeliveryAction and DeliveryLocation (and
	// their Latest… copies: a log knows no later remediation).
	Action, Location string
	// Size is the message size in bytes; negative when the log does not
	// give it (EmailSize is then null).
	Size int64
	// To and Cc are the addresses of the To and Cc headers; nil when the
	// log does not record the header (the columns are then null).
	To, Cc []string
	// Connectors names the connectors the message passed through.
	Connectors string
	// DistributionList is the top-level group the recipient was expanded
	// from.
	DistributionList string
	// Extra is the AdditionalFields object.
	Extra Fields
}

// Row returns the EmailEvents row of m.
func (m *Mail) Row() Row {
	l := emailEvents
	row := l.New()
	row.Set(l, "Timestamp", m.Timestamp)
	row.Set(l, "TimeGenerated", m.Timestamp)
	row.Set(l, "NetworkMessageId", m.NetworkMessageId)
	row.Set(l, "InternetMessageId", m.InternetMessageId)
	from := m.From
	if from == "" {
		from = m.MailFrom
	}
	row.Set(l, "SenderMailFromAddress", m.MailFrom)
	row.Set(l, "SenderMailFromDomain", org.DomainOf(m.MailFrom))
	row.Set(l, "SenderFromAddress", from)
	row.Set(l, "SenderFromDomain", org.DomainOf(from))
	row.Set(l, "SenderDisplayName", m.FromName)
	if a, err := netip.ParseAddr(m.ClientIP); err == nil {
		if a.Unmap().Is4() {
			row.Set(l, "SenderIPv4", a.Unmap().String())
		} else {
			row.Set(l, "SenderIPv6", a.String())
		}
	}
	row.Set(l, "RecipientEmailAddress", m.Recipient)
	row.Set(l, "RecipientDomain", org.DomainOf(m.Recipient))
	row.Set(l, "Subject", m.Subject)
	row.Set(l, "EmailDirection", m.Direction)
	row.Set(l, "DeliveryAction", m.Action)
	row.Set(l, "DeliveryLocation", m.Location)
	row.Set(l, "LatestDeliveryAction", m.Action)
	row.Set(l, "LatestDeliveryLocation", m.Location)
	if m.Size >= 0 {
		row.Set(l, "EmailSize", m.Size)
	}
	if m.To != nil {
		row.Set(l, "To", addressArray(m.To))
	}
	if m.Cc != nil {
		row.Set(l, "Cc", addressArray(m.Cc))
	}
	row.Set(l, "Connectors", m.Connectors)
	row.Set(l, "DistributionList", m.DistributionList)
	row.Set(l, "AdditionalFields", m.Extra.String())
	return row
}

// addressArray is the JSON array of addresses for a dynamic column.
func addressArray(a []string) json.RawMessage {
	b, _ := json.Marshal(a)
	return b
}

// ParseSize parses a message size in bytes as the logs write it (a
// non-negative integer); "" is unknown (-1).
func ParseSize(s string) (int64, bool) {
	if s == "" {
		return -1, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1, false
	}
	return n, true
}

// Mailbox returns the address and display name of a From header value
// (`"Bob Jones" <bob@example.net>`); ok is false when it holds no
// address.
func Mailbox(v string) (addr, name string, ok bool) {
	if a, err := mail.ParseAddress(v); err == nil {
		return a.Address, a.Name, true
	}
	list := Addresses(v, false)
	if len(list) != 1 {
		return "", "", false
	}
	return list[0], "", true
}

// Addresses returns the addresses of an address-list header value
// (To, Cc: `Ivy <ivy@contoso.com>, "Doe, J" <j@x.org>`), lower-cased,
// without display names. truncated says the logger may have cut the value
// short: then an address not followed by a comma may be incomplete and
// is left out.
func Addresses(v string, truncated bool) []string {
	out := []string{}
	if list, err := mail.ParseAddressList(v); err == nil && !truncated {
		for _, a := range list {
			out = append(out, strings.ToLower(a.Address))
		}
		return out
	}
	// Not RFC 5322 (or cut short): take the addr-spec of each
	// comma-separated part, quoted display names kept whole.
	parts := splitAddressList(v)
	if truncated && len(parts) > 0 {
		parts = parts[:len(parts)-1]
	}
	for _, p := range parts {
		if i := strings.LastIndexByte(p, '<'); i >= 0 {
			p = p[i+1:]
			if j := strings.IndexByte(p, '>'); j >= 0 {
				p = p[:j]
			}
		}
		p = strings.ToLower(strings.Trim(strings.TrimSpace(p), `"'`))
		if strings.Count(p, "@") == 1 && !strings.ContainsAny(p, " \t") {
			out = append(out, p)
		}
	}
	return out
}

// splitAddressList splits at commas outside double quotes and angle
// brackets.
func splitAddressList(v string) []string {
	var parts []string
	quoted, angle, start := false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			angle = true
		case c == '>' && !quoted:
			angle = false
		case c == ',' && !quoted && !angle:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	return append(parts, v[start:])
}
