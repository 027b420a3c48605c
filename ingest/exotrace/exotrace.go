// Package exotrace reads Exchange Online message trace exports (the
// historical search / extended report CSV with origin_timestamp_utc,
// sender_address, recipient_status, message_subject, network_message_id,
// original_client_ip, directionality, …) and writes one EmailEvents row
// per recipient, its outcome taken from the recipient's last event.
package exotrace

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
)

// Parser is the Exchange Online message trace parser.
type Parser struct{}

var events = source.MustBuiltin("EmailEvents")

// Parse implements source.Parser.
func (Parser) Parse(ctx context.Context, in *source.Lines, out source.Sink, cfg source.Config) error {
	recs := &source.CSVRecords{In: in}
	header, hline, ok, more := recs.Next(nil)
	if !more {
		return nil
	}
	if !ok {
		return fmt.Errorf("line %d: unreadable CSV header", hline)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	out.Skip()
	for _, need := range []string{"origin_timestamp_utc", "recipient_status"} {
		if _, ok := col[need]; !ok {
			return fmt.Errorf("line %d: the header has no %s column", hline, need)
		}
	}
	nf := len(header)
	var fields []string
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(fields) {
			return strings.TrimSpace(fields[i])
		}
		return ""
	}
	n := 0
	for {
		var line int64
		fields, line, ok, more = recs.Next(fields)
		if !more {
			return nil
		}
		n++
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		reject := func(why string) error { return out.Reject(line, why) }
		if !ok {
			why := "unterminated quoted field"
			if recs.Truncated() {
				why += " (truncated last line)"
			}
			if err := reject(why); err != nil {
				return err
			}
			continue
		}
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
			out.Skip()
			continue
		}
		if len(fields) != nf {
			why := fmt.Sprintf("%d fields, the header has %d", len(fields), nf)
			if recs.Truncated() {
				why += " (truncated last line)"
			}
			if err := reject(why); err != nil {
				return err
			}
			continue
		}
		ts, err := source.ParseTime(get("origin_timestamp_utc"))
		if err != nil {
			if err := reject("origin_timestamp_utc: " + err.Error()); err != nil {
				return err
			}
			continue
		}
		rcpts := parseStatus(get("recipient_status"))
		if len(rcpts) == 0 {
			if err := reject("recipient_status has no recipient"); err != nil {
				return err
			}
			continue
		}
		out.Record()
		dir := strings.ToLower(get("directionality"))
		ip := get("original_client_ip")
		sender := org.Sender{Originating: dir == "originating", Incoming: dir == "incoming", IPUntrusted: true, ClientIP: ip}
		from := get("sender_address")
		for _, r := range rcpts {
			if r.last == "expand" {
				continue // a distribution group: its members have their own entries
			}
			row := events.New()
			row.Set(events, "Timestamp", ts)
			row.Set(events, "TimeGenerated", ts)
			row.Set(events, "NetworkMessageId", get("network_message_id"))
			row.Set(events, "InternetMessageId", get("message_id"))
			row.Set(events, "SenderMailFromAddress", from)
			row.Set(events, "SenderFromAddress", from)
			d := org.DomainOf(from)
			row.Set(events, "SenderMailFromDomain", d)
			row.Set(events, "SenderFromDomain", d)
			if a, err := netip.ParseAddr(ip); err == nil {
				if a.Unmap().Is4() {
					row.Set(events, "SenderIPv4", a.Unmap().String())
				} else {
					row.Set(events, "SenderIPv6", a.String())
				}
			}
			row.Set(events, "RecipientEmailAddress", r.addr)
			row.Set(events, "Subject", get("message_subject"))
			row.Set(events, "EmailDirection", cfg.Org.Direction(sender, r.addr))
			action, loc := outcome(r.last)
			row.Set(events, "DeliveryAction", action)
			row.Set(events, "DeliveryLocation", loc)
			row.Set(events, "LatestDeliveryAction", action)
			row.Set(events, "LatestDeliveryLocation", loc)
			var extra source.Fields
			extra.Str("Source", "exo-trace")
			extra.Str("RecipientStatus", r.events)
			for _, k := range []string{"directionality", "connector_id", "total_bytes", "delivery_priority"} {
				extra.Str(k, get(k))
			}
			row.Set(events, "AdditionalFields", extra.String())
			if err := out.Emit(row.T, row.Vals); err != nil {
				return err
			}
		}
		out.Safe(in.Offset(), in.No())
	}
}

type recipient struct {
	addr, events, last string
}

// parseStatus splits "a@x##Receive, Deliver;b@y##Receive, Fail".
func parseStatus(s string) []recipient {
	var out []recipient
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		addr, evs, _ := strings.Cut(part, "##")
		addr = strings.ToLower(strings.TrimSpace(addr))
		if addr == "" {
			continue
		}
		last := ""
		if evs != "" {
			list := strings.Split(evs, ",")
			last = strings.ToLower(strings.TrimSpace(list[len(list)-1]))
		}
		out = append(out, recipient{addr: addr, events: strings.TrimSpace(evs), last: last})
	}
	return out
}

// outcome maps a recipient's last message trace event to DeliveryAction
// and DeliveryLocation.
func outcome(last string) (string, string) {
	switch last {
	case "deliver":
		return "Delivered", "Inbox/folder"
	case "send", "sendexternal", "transfer":
		return "Delivered", "On-premises/external"
	case "fail":
		return "Blocked", "Failed"
	case "drop":
		return "Blocked", "Dropped"
	case "quarantine", "quarantined":
		return "Blocked", "Quarantine"
	case "spam", "junk":
		return "Junked", "Junk folder"
	}
	return "Pending", "Unknown"
}
