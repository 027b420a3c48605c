// Package exchange turns Exchange Server message tracking logs
// (MSGTRK*.LOG, 2010 and 2013+ field sets) into EmailEvents rows: it reads
// the #Fields header, correlates each message's events by
// network-message-id (message-id in 2010 logs), and writes one row per
// recipient from its final outcome (DELIVER, SEND, FAIL, DROP).
package exchange

import (
	"context"
	"crypto/sha1"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
)

// Parser is the Exchange message tracking log parser.
type Parser struct{}

type rcpt struct {
	addr         string
	event, state string // last outcome event and recipient-status
	at           time.Time
	expanded     bool
	seq          int
	// dl is the top-level distribution group the recipient was expanded
	// from; sendConnector the connector of its SEND event.
	dl, sendConnector string
}

type msg struct {
	key         string
	seq         int64
	first, last time.Time
	nmid        string
	msgID       string
	sender      string // sender-address: the Sender: or From: header
	mailFrom    string // return-path: MAIL FROM ("" for the null sender <>)
	subject     string
	clientIP    string
	server      string
	direction   string
	submitted   bool // STOREDRIVER RECEIVE/SUBMIT: sent from a mailbox
	rcpts       []*rcpt
	byAddr      map[string]*rcpt
	size        int64 // total-bytes; -1 unknown
	// recvConnector is the connector-id of the first RECEIVE event.
	recvConnector string
}

type parser struct {
	cfg    source.Config
	out    source.Sink
	fields map[string]int
	nf     int
	msgs   map[string]*msg
	seq    int64
	now    time.Time
	buf    []string
}

func (p *parser) get(i int) string {
	if i < 0 || i >= len(p.buf) {
		return ""
	}
	return p.buf[i]
}

func (p *parser) col(name string) int {
	if i, ok := p.fields[name]; ok {
		return i
	}
	return -1
}

// Parse implements source.Parser.
func (Parser) Parse(ctx context.Context, in *source.Lines, out source.Sink, cfg source.Config) error {
	p := &parser{cfg: cfg, out: out, msgs: map[string]*msg{}}
	n := 0
	for in.Next() {
		n++
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if in.TooLong() {
			if err := out.Reject(in.No(), fmt.Sprintf("line longer than %d bytes", source.DefaultMaxLine)); err != nil {
				return err
			}
			continue
		}
		line := string(in.Bytes())
		if strings.HasPrefix(line, "#") {
			if rest, ok := strings.CutPrefix(line, "#Fields:"); ok {
				p.fields = map[string]int{}
				names := strings.Split(strings.TrimSpace(rest), ",")
				for i, f := range names {
					p.fields[strings.ToLower(strings.TrimSpace(f))] = i
				}
				p.nf = len(names)
			}
			out.Skip()
			continue
		}
		if strings.TrimSpace(line) == "" {
			out.Skip()
			continue
		}
		if err := p.record(in.No(), line, in.Truncated()); err != nil {
			return err
		}
		if len(p.msgs) == 0 {
			out.Safe(in.Offset(), in.No())
		}
		if n&0xffff == 0 {
			if err := p.evict(false); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil && !cfg.Follow {
		return ctx.Err()
	}
	if cfg.Follow {
		return nil
	}
	if len(p.msgs) > 0 {
		out.Flushing()
	}
	return p.evict(true)
}

func (p *parser) record(no int64, line string, truncated bool) error {
	if p.fields == nil {
		return p.out.Reject(no, "data line before any #Fields header")
	}
	var ok bool
	p.buf, ok = source.SplitCSV(p.buf, line)
	if !ok {
		return p.out.Reject(no, "unterminated quoted field")
	}
	if len(p.buf) != p.nf {
		why := ""
		if truncated {
			why = " (truncated last line)"
		}
		return p.out.Reject(no, fmt.Sprintf("%d fields, the #Fields header has %d%s", len(p.buf), p.nf, why))
	}
	t, err := source.ParseTime(p.get(p.col("date-time")))
	if err != nil {
		return p.out.Reject(no, "date-time: "+err.Error())
	}
	size, ok := source.ParseSize(p.get(p.col("total-bytes")))
	if !ok {
		return p.out.Reject(no, fmt.Sprintf("total-bytes: %q is not a byte count", source.Clip(p.get(p.col("total-bytes")))))
	}
	event := strings.ToUpper(p.get(p.col("event-id")))
	nmid := p.get(p.col("network-message-id"))
	msgID := p.get(p.col("message-id"))
	key := nmid
	if key == "" {
		key = msgID
	}
	if key == "" {
		return p.out.Reject(no, "no network-message-id or message-id")
	}
	p.out.Record()
	if t.After(p.now) {
		p.now = t
	}
	switch event {
	case "HARECEIVE", "HAREDIRECT", "HAREDIRECTFAIL", "HADISCARD", "AGENTINFO", "NOTIFYMAPI", "DSN",
		"DUPLICATEDELIVER", "DUPLICATEEXPAND", "DUPLICATEREDIRECT", "POISONMESSAGE", "BADMAIL",
		"THROTTLE", "LOAD", "INITMESSAGECREATED", "MODERATIONEXPIRE", "MODERATORAPPROVE",
		"MODERATORREJECT", "MODERATORSEXPIRED", "PROCESS", "PROCESSMEETINGMESSAGE", "RESUBMIT",
		"SUBMITDEFER", "SUBMITFAIL", "SUPPRESSED":
		// Shadow copies, agent notes and other events carry no outcome.
		return nil
	}
	m := p.msgs[key]
	if m == nil {
		p.seq++
		m = &msg{key: key, seq: p.seq, first: t, nmid: nmid, byAddr: map[string]*rcpt{}, size: -1}
		p.msgs[key] = m
	}
	m.last = t
	if m.msgID == "" {
		m.msgID = msgID
	}
	if m.sender == "" {
		m.sender = p.get(p.col("sender-address"))
	}
	if rp := p.get(p.col("return-path")); m.mailFrom == "" && rp != "<>" {
		m.mailFrom = rp
	}
	if m.subject == "" {
		m.subject = p.get(p.col("message-subject"))
	}
	if m.server == "" {
		m.server = p.get(p.col("server-hostname"))
	}
	if m.size < 0 {
		m.size = size
	}
	if d := p.get(p.col("directionality")); d != "" && d != "-" && m.direction == "" {
		m.direction = d
	}
	source := strings.ToUpper(p.get(p.col("source")))
	if event == "RECEIVE" || event == "SUBMIT" {
		if source == "STOREDRIVER" {
			m.submitted = true
		}
		if m.recvConnector == "" && event == "RECEIVE" {
			m.recvConnector = p.get(p.col("connector-id"))
		}
		if m.clientIP == "" {
			ip := p.get(p.col("original-client-ip"))
			if ip == "" {
				ip = p.get(p.col("client-ip"))
			}
			m.clientIP = ip
		}
	}
	dl := ""
	switch event {
	case "EXPAND", "RESOLVE", "REDIRECT":
		// The related recipient (a group, or an address resolved or
		// redirected to another) is replaced by the recipients listed.
		for _, a := range strings.Split(p.get(p.col("related-recipient-address")), ";") {
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
				g := m.rcptFor(a)
				g.expanded = true
				if event == "EXPAND" {
					// A group's members belong to the outermost group.
					dl = g.dl
					if dl == "" {
						dl = a
					}
				}
			}
		}
	}
	for _, a := range strings.Split(p.get(p.col("recipient-address")), ";") {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		r := m.rcptFor(a)
		if dl != "" && r.dl == "" {
			r.dl = dl
		}
		switch event {
		case "DELIVER", "FAIL", "DROP":
			r.event, r.at, r.state = event, t, p.get(p.col("recipient-status"))
		case "SEND":
			// Final unless a later DELIVER or FAIL on this server says more.
			if r.event != "DELIVER" && r.event != "FAIL" && r.event != "DROP" {
				r.event, r.at, r.state = event, t, p.get(p.col("recipient-status"))
			}
			if c := p.get(p.col("connector-id")); c != "" {
				r.sendConnector = c
			}
		case "DEFER":
			if r.event == "" {
				r.event, r.at = event, t
			}
		}
	}
	return nil
}

func (m *msg) rcptFor(a string) *rcpt {
	r := m.byAddr[a]
	if r == nil {
		r = &rcpt{addr: a, seq: len(m.rcpts)}
		m.byAddr[a] = r
		m.rcpts = append(m.rcpts, r)
	}
	return r
}

// evict writes out messages: all of them at the end of the input (all),
// otherwise those without news for an hour of log time whose recipients
// all have an outcome, or without news for a week.
func (p *parser) evict(all bool) error {
	var done []*msg
	for k, m := range p.msgs {
		idle := p.now.Sub(m.last)
		if all || idle > 7*24*time.Hour || (idle > time.Hour && complete(m)) {
			done = append(done, m)
			delete(p.msgs, k)
		}
	}
	sort.Slice(done, func(i, j int) bool { return done[i].seq < done[j].seq })
	for _, m := range done {
		if err := p.emit(m); err != nil {
			return err
		}
	}
	return nil
}

func complete(m *msg) bool {
	for _, r := range m.rcpts {
		if r.event == "" || r.event == "DEFER" {
			if !r.expanded {
				return false
			}
		}
	}
	return true
}

func guid(s string) string {
	h := sha1.Sum([]byte(s))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (p *parser) emit(m *msg) error {
	dir := strings.ToLower(m.direction)
	sender := org.Sender{Originating: dir == "originating", Incoming: dir == "incoming",
		Authenticated: m.submitted, IPUntrusted: true, ClientIP: m.clientIP}
	nmid := m.nmid
	if nmid == "" {
		nmid = guid("exchange\x00" + m.key)
	}
	for _, r := range m.rcpts {
		if r.expanded && (r.event == "" || r.event == "DEFER") {
			continue // a distribution group: its members have their own rows
		}
		action, loc := "Pending", "Unknown"
		switch r.event {
		case "DELIVER":
			action, loc = "Delivered", "Inbox/folder"
		case "SEND":
			action, loc = "Delivered", "On-premises/external"
		case "FAIL":
			action, loc = "Blocked", "Failed"
		case "DROP":
			action, loc = "Blocked", "Dropped"
		}
		var connectors []string
		for _, c := range []string{m.recvConnector, r.sendConnector} {
			if c != "" && (len(connectors) == 0 || connectors[0] != c) {
				connectors = append(connectors, c)
			}
		}
		mail := source.Mail{Timestamp: m.first, NetworkMessageId: nmid, InternetMessageId: m.msgID,
			MailFrom: m.mailFrom, From: m.sender, ClientIP: m.clientIP, Recipient: r.addr, Subject: m.subject,
			Direction: p.cfg.Org.Direction(sender, r.addr), Action: action, Location: loc,
			Size: m.size, Connectors: strings.Join(connectors, ", "), DistributionList: r.dl}
		mail.Extra.Str("Source", "exchange-tracking")
		mail.Extra.Str("Server", m.server)
		mail.Extra.Str("EventId", r.event)
		mail.Extra.Str("RecipientStatus", r.state)
		mail.Extra.Str("Directionality", m.direction)
		row := mail.Row()
		if err := p.out.Emit(row.T, row.Vals); err != nil {
			return err
		}
	}
	return nil
}
