// Package exotrace reads Exchange Online message trace exports (the
// historical search / extended report CSV with origin_timestamp_utc,
// sender_address, recipient_status, message_subject, network_message_id,
// original_client_ip, directionality, …) and writes one EmailEvents row
// per recipient, its outcome taken from the recipient's last event.
package exotrace

import (
	"context"
	"fmt"
	"strings"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
)

// Parser is the Exchange Online message trace parser.
type Parser struct{}

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
		size, ok := source.ParseSize(get("total_bytes"))
		if !ok {
			if err := reject(fmt.Sprintf("total_bytes: %q is not a byte count", source.Clip(get("total_bytes")))); err != nil {
				return err
			}
			continue
		}
		out.Record()
		dir := strings.ToLower(get("directionality"))
		ip := get("original_client_ip")
		sender := org.Sender{Originating: dir == "originating", Incoming: dir == "incoming", IPUntrusted: true, ClientIP: ip}
		// sender_address is the envelope sender, unless the export also
		// has return_path (extended reports): then that is MAIL FROM and
		// sender_address the header sender, as in Exchange's tracking logs.
		from, mailFrom := get("sender_address"), get("sender_address")
		if _, ok := col["return_path"]; ok {
			if mailFrom = get("return_path"); mailFrom == "<>" {
				mailFrom = ""
			}
		}
		for _, r := range rcpts {
			if r.last == "expand" {
				continue // a distribution group: its members have their own entries
			}
			action, loc := outcome(r.last)
			mail := source.Mail{Timestamp: ts, NetworkMessageId: get("network_message_id"),
				InternetMessageId: get("message_id"), MailFrom: mailFrom, From: from, ClientIP: ip, Recipient: r.addr,
				Subject: get("message_subject"), Direction: cfg.Org.Direction(sender, r.addr),
				Action: action, Location: loc, Size: size, Connectors: get("connector_id")}
			mail.Extra.Str("Source", "exo-trace")
			mail.Extra.Str("RecipientStatus", r.events)
			for _, k := range []string{"directionality", "delivery_priority"} {
				mail.Extra.Str(k, get(k))
			}
			row := mail.Row()
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
