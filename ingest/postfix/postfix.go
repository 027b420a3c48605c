// Package postfix turns Postfix mail logs (syslog lines with traditional
// or RFC 3339 timestamps) into EmailEvents rows: it correlates the smtpd,
// pickup, cleanup, qmgr and delivery agents' lines of each message by
// host, queue id and first-seen time, follows "queued as NEWID" through
// content filters, and writes one row per recipient from its final outcome.
package postfix

import (
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
)

// Parser is the Postfix log parser.
type Parser struct{}

// maxAge is how long (in log time) a message may stay without news before
// it is written out with its last known state, which bounds memory. It
// exceeds Postfix's default maximal_queue_lifetime (5 days).
const maxAge = 6 * 24 * time.Hour

type rcpt struct {
	addr, status, service, relay, dsn, detail string
	// filter marks a hand-over to a content filter that re-injected the
	// message under a new queue id: the new id's rows stand for it.
	filter bool
	at     time.Time
}

type msg struct {
	host, qid  string
	seq        int64
	first      time.Time
	last       time.Time
	clientHost string
	clientIP   string
	sasl       string
	local      bool // pickup: submitted on the host itself
	from       string
	fromSet    bool
	msgID      string
	subject    string
	size       int64
	// to and cc are the To and Cc headers' addresses, hdrFrom and
	// fromName the From header's, when header_checks logged them (nil or
	// "" otherwise).
	to, cc            []string
	hdrFrom, fromName string
	rcpts             []*rcpt
	origin            *msg // the original message of a re-injected one
	blocked           string
	blockedAt         time.Time
}

func (m *msg) root() *msg {
	r := m
	for i := 0; r.origin != nil && i < 100; i++ {
		r = r.origin
	}
	return r
}

func (m *msg) rcpt(addr string) *rcpt {
	for _, r := range m.rcpts {
		if r.addr == addr && !r.filter {
			return r
		}
	}
	r := &rcpt{addr: addr}
	m.rcpts = append(m.rcpts, r)
	return r
}

type state struct {
	cfg   source.Config
	out   source.Sink
	msgs  map[string]*msg
	seq   int64
	year  int
	month time.Month
	now   time.Time
	// cached syslog timestamp prefix (the first 15 bytes) and its value
	lastStamp [15]byte
	lastTime  time.Time
}

// Parse implements source.Parser.
func (Parser) Parse(ctx context.Context, in *source.Lines, out source.Sink, cfg source.Config) error {
	s := &state{cfg: cfg, out: out, msgs: map[string]*msg{}, year: cfg.Year}
	if s.cfg.Loc == nil {
		s.cfg.Loc = time.UTC
	}
	var n int
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
		if err := s.line(in.No(), in.Bytes()); err != nil {
			return err
		}
		if len(s.msgs) == 0 {
			out.Safe(in.Offset(), in.No())
		}
		if n&0xffff == 0 {
			if err := s.evict(); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil && !cfg.Follow {
		return ctx.Err()
	}
	return s.flushAll()
}

func (s *state) reject(no int64, format string, a ...any) error {
	return s.out.Reject(no, fmt.Sprintf(format, a...))
}

var months = map[string]time.Month{"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}

func atoi2(b []byte) (int, bool) {
	if len(b) != 2 || b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

// stamp parses the line's timestamp and returns the rest of the line.
// ok is false when the line does not start like a syslog line at all.
func (s *state) stamp(line []byte) (t time.Time, rest []byte, ok bool, err error) {
	if len(line) >= 20 && line[4] == '-' && line[0] >= '0' && line[0] <= '9' {
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			return t, nil, false, nil
		}
		t, err = time.Parse(time.RFC3339Nano, string(line[:sp]))
		if err != nil {
			return t, line[sp+1:], true, fmt.Errorf("invalid timestamp %q", source.Clip(string(line[:sp])))
		}
		return t.UTC(), line[sp+1:], true, nil
	}
	if len(line) < 16 || line[3] != ' ' || line[6] != ' ' || line[15] != ' ' {
		return t, nil, false, nil
	}
	mon, okm := months[string(line[:3])]
	if !okm {
		return t, nil, false, nil
	}
	if bytes.Equal(line[:15], s.lastStamp[:]) {
		return s.lastTime, line[16:], true, nil
	}
	dayb := line[4:6]
	if dayb[0] == ' ' {
		dayb = []byte{'0', dayb[1]}
	}
	day, ok1 := atoi2(dayb)
	hh, ok2 := atoi2(line[7:9])
	mm, ok3 := atoi2(line[10:12])
	ss, ok4 := atoi2(line[13:15])
	if !ok1 || !ok2 || !ok3 || !ok4 || line[9] != ':' || line[12] != ':' {
		return t, line[16:], true, fmt.Errorf("invalid timestamp %q", string(line[:15]))
	}
	if day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return t, line[16:], true, fmt.Errorf("invalid timestamp %q", string(line[:15]))
	}
	if s.month != 0 && mon < s.month && s.month-mon >= 6 {
		s.year++ // December → January: the log crossed a new year
	}
	if s.month == 0 || mon >= s.month || s.month-mon >= 6 {
		s.month = mon
	}
	t = time.Date(s.year, mon, day, hh, mm, min(ss, 59), 0, s.cfg.Loc)
	if t.Day() != day {
		return t, line[16:], true, fmt.Errorf("invalid date %q in %d", string(line[:15]), s.year)
	}
	t = t.UTC()
	copy(s.lastStamp[:], line[:15])
	s.lastTime = t
	return t, line[16:], true, nil
}

// line handles one log line.
func (s *state) line(no int64, line []byte) error {
	t, rest, ok, err := s.stamp(line)
	if !ok {
		s.out.Skip()
		return nil
	}
	// host, then the tag: postfix[-instance]/[subdir/]service[pid]:
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 {
		s.out.Skip()
		return nil
	}
	host := rest[:sp]
	rest = rest[sp+1:]
	if !bytes.HasPrefix(rest, []byte("postfix")) {
		s.out.Skip()
		return nil
	}
	colon := bytes.Index(rest, []byte(": "))
	if colon < 0 {
		s.out.Skip()
		return nil
	}
	tag := rest[:colon]
	text := rest[colon+2:]
	if i := bytes.IndexByte(tag, '['); i >= 0 {
		tag = tag[:i]
	}
	service := tag
	if i := bytes.LastIndexByte(tag, '/'); i >= 0 {
		service = tag[i+1:]
	}
	if err != nil {
		return s.out.Reject(no, err.Error())
	}
	if t.After(s.now) {
		s.now = t
	}
	// Queue id (or NOQUEUE) then ": ".
	c := bytes.Index(text, []byte(": "))
	if c < 0 {
		s.out.Skip() // connect from, disconnect from, statistics, ...
		return nil
	}
	qid := text[:c]
	body := text[c+2:]
	if string(qid) == "NOQUEUE" {
		return s.noqueue(no, t, string(host), body)
	}
	if !isQueueID(qid) {
		s.out.Skip() // warning:, fatal:, lost connection ...
		return nil
	}
	return s.event(no, t, string(host), string(service), string(qid), body)
}

// isQueueID reports whether b is a Postfix queue id: short ids are
// upper-case hex, long ids (enable_long_queue_ids) use digits and letters
// without vowels.
func isQueueID(b []byte) bool {
	if len(b) < 5 || len(b) > 32 {
		return false
	}
	hex, long := true, true
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
		case c >= 'A' && c <= 'F':
			if c == 'A' || c == 'E' {
				long = false
			}
		case c >= 'a' && c <= 'z' || c >= 'G' && c <= 'Z':
			hex = false
			switch c {
			case 'a', 'e', 'i', 'o', 'u', 'I', 'O', 'U':
				long = false
			}
		default:
			return false
		}
	}
	return hex || long
}

// field returns the value of name= in a comma/space-separated Postfix
// record ("from=<a@b>, size=12"), without angle brackets.
func field(b []byte, name string) (string, bool) {
	i := 0
	for {
		j := bytes.Index(b[i:], []byte(name))
		if j < 0 {
			return "", false
		}
		j += i
		if j == 0 || b[j-1] == ' ' || b[j-1] == ',' || b[j-1] == ';' {
			v := b[j+len(name):]
			if len(v) > 0 && v[0] == '<' {
				if e := bytes.IndexByte(v, '>'); e >= 0 {
					return string(v[1:e]), true
				}
				return string(v[1:]), true
			}
			e := bytes.IndexAny(v, ", ")
			if e < 0 {
				e = len(v)
			}
			return string(v[:e]), true
		}
		i = j + len(name)
	}
}

// client parses "host[ip]" or "host[ip]:port".
func client(v string) (host, ip string) {
	i := strings.IndexByte(v, '[')
	if i < 0 {
		return v, ""
	}
	j := strings.IndexByte(v[i:], ']')
	if j < 0 {
		return v[:i], ""
	}
	ip = v[i+1 : i+j]
	ip = strings.TrimPrefix(ip, "IPv6:")
	return v[:i], ip
}

func (s *state) get(host, qid string, t time.Time) *msg {
	key := host + "/" + qid
	m := s.msgs[key]
	if m == nil {
		s.seq++
		m = &msg{host: host, qid: qid, seq: s.seq, first: t}
		s.msgs[key] = m
	}
	m.last = t
	return m
}

// fresh starts a new message for a queue id that a smtpd or pickup line
// introduces; a queue id still in use by an unfinished message means the
// id was reused (the earlier message's "removed" line is missing), so the
// earlier message is written out first.
func (s *state) fresh(host, qid string, t time.Time) (*msg, error) {
	key := host + "/" + qid
	if old := s.msgs[key]; old != nil && (old.fromSet || len(old.rcpts) > 0 || old.clientIP != "" || old.local) {
		delete(s.msgs, key)
		if err := s.emit(old); err != nil {
			return nil, err
		}
	}
	return s.get(host, qid, t), nil
}

func (s *state) event(no int64, t time.Time, host, service, qid string, body []byte) error {
	if bytes.HasPrefix(body, []byte("to=")) {
		return s.delivery(no, t, host, service, qid, body)
	}
	s.out.Record()
	switch {
	case bytes.HasPrefix(body, []byte("client=")):
		m, err := s.fresh(host, qid, t)
		if err != nil {
			return err
		}
		v, _ := field(body, "client=")
		m.clientHost, m.clientIP = client(v)
		if u, ok := field(body, "sasl_username="); ok && u != "" {
			m.sasl = u
		}
	case bytes.HasPrefix(body, []byte("uid=")) && service == "pickup":
		m, err := s.fresh(host, qid, t)
		if err != nil {
			return err
		}
		m.local = true
		if f, ok := field(body, "from="); ok {
			m.from, m.fromSet = f, true
		}
	case bytes.HasPrefix(body, []byte("message-id=")):
		m := s.get(host, qid, t)
		v, _ := field(body, "message-id=")
		if v != "" {
			m.msgID = "<" + v + ">"
		}
	case bytes.HasPrefix(body, []byte("warning: header ")), bytes.HasPrefix(body, []byte("info: header ")):
		m := s.get(host, qid, t)
		name, value, cut, ok := header(body)
		if !ok {
			return nil
		}
		switch strings.ToLower(name) {
		case "subject":
			m.subject = value
		case "to":
			// A header without addresses ("undisclosed-recipients:;")
			// gives [], not null.
			m.to = append(append([]string{}, m.to...), source.Addresses(value, cut)...)
		case "cc":
			m.cc = append(append([]string{}, m.cc...), source.Addresses(value, cut)...)
		case "from":
			if a, n, ok := source.Mailbox(value); ok && !cut {
				m.hdrFrom, m.fromName = a, n
			}
		}
	case bytes.HasPrefix(body, []byte("from=")):
		m := s.get(host, qid, t)
		f, _ := field(body, "from=")
		m.from, m.fromSet = f, true
		if v, ok := field(body, "size="); ok {
			m.size, _ = strconv.ParseInt(v, 10, 64)
		}
		if st, ok := field(body, "status="); ok && st == "expired" {
			for _, r := range m.rcpts {
				if !r.filter && r.status != "sent" && r.status != "bounced" {
					r.status, r.at = "expired", t
				}
			}
		}
	case bytes.HasPrefix(body, []byte("reject: ")), bytes.HasPrefix(body, []byte("milter-reject: ")),
		bytes.HasPrefix(body, []byte("discard: ")):
		m := s.get(host, qid, t)
		reason := string(body)
		if to, ok := field(body, "to="); ok && bytes.Contains(body, []byte(": RCPT from ")) {
			// One recipient refused; the message goes on for the others.
			r := m.rcpt(to)
			r.status, r.detail, r.at = "rejected", reason, t
			return nil
		}
		m.blocked, m.blockedAt = reason, t
		if to, ok := field(body, "to="); ok && to != "" {
			m.rcpt(to)
		}
		if f, ok := field(body, "from="); ok && !m.fromSet {
			m.from, m.fromSet = f, true
		}
	case bytes.Equal(body, []byte("removed")):
		key := host + "/" + qid
		m := s.msgs[key]
		if m == nil {
			return nil // the message began before this log
		}
		delete(s.msgs, key)
		return s.emit(m)
	default:
		// Other per-message lines (sender non-delivery notification,
		// filter:, hold:, info:) carry nothing for EmailEvents.
		if _, ok := s.msgs[host+"/"+qid]; ok {
			s.msgs[host+"/"+qid].last = t
		}
	}
	return nil
}

// header parses the text cleanup logs for a header_checks WARN or INFO
// action: `warning: header NAME: VALUE from ORIGIN; from=<…> to=<…>
// proto=… helo=<…>: optional text`, where ORIGIN is host[ip], "local" or
// "unknown" and Postfix cuts `NAME: VALUE` to 200 bytes (cut reports that
// it may have). The origin is found as the first " from X;" that the
// attributes or the end of the line follow, so a value containing
// " from " is kept whole.
func header(body []byte) (name, value string, cut, ok bool) {
	_, rest, _ := bytes.Cut(body, []byte("header "))
	for i := 0; ; {
		j := bytes.Index(rest[i:], []byte(" from "))
		if j < 0 {
			return "", "", false, false
		}
		j += i
		origin := rest[j+len(" from "):]
		semi := bytes.IndexByte(origin, ';')
		if semi > 0 && bytes.IndexByte(origin[:semi], ' ') < 0 {
			after := origin[semi+1:]
			if len(after) == 0 || bytes.HasPrefix(after, []byte(" from=<")) || bytes.HasPrefix(after, []byte(" to=<")) ||
				bytes.HasPrefix(after, []byte(" proto=")) || bytes.HasPrefix(after, []byte(" helo=<")) || bytes.HasPrefix(after, []byte(": ")) {
				content := rest[:j]
				n, v, found := bytes.Cut(content, []byte(":"))
				if !found {
					return "", "", false, false
				}
				return string(n), strings.TrimSpace(string(v)), len(content) >= 200, true
			}
		}
		i = j + 1
	}
}

func (s *state) delivery(no int64, t time.Time, host, service, qid string, body []byte) error {
	to, _ := field(body, "to=")
	status, ok := field(body, "status=")
	if !ok || to == "" {
		return s.reject(no, "delivery line without to= or status= (truncated?)")
	}
	s.out.Record()
	m := s.get(host, qid, t)
	r := m.rcpt(to)
	r.status, r.service, r.at = status, service, t
	r.relay, _ = field(body, "relay=")
	r.dsn, _ = field(body, "dsn=")
	if i := bytes.Index(body, []byte("status=")); i >= 0 {
		if j := bytes.IndexByte(body[i:], '('); j >= 0 {
			r.detail = strings.TrimSuffix(string(body[i+j+1:]), ")")
		}
	}
	if status == "sent" {
		if i := strings.Index(r.detail, "queued as "); i >= 0 {
			newid := strings.TrimRight(r.detail[i+len("queued as "):], ") ")
			if sp := strings.IndexAny(newid, " )"); sp >= 0 {
				newid = newid[:sp]
			}
			// Re-injected on this host (a content filter): the new queue
			// id carries the message on. A remote server's queue id is
			// not in our table.
			// Every recipient handed over in the same way is carried on.
			if nm := s.msgs[host+"/"+newid]; nm != nil && nm != m && (nm.origin == nil || nm.origin == m) && isLocalClient(nm) {
				nm.origin = m
				r.filter = true
			}
		}
	}
	return nil
}

func isLocalClient(m *msg) bool {
	if m.local {
		return true
	}
	a, err := netip.ParseAddr(m.clientIP)
	return err == nil && a.Unmap().IsLoopback()
}

// noqueue handles "NOQUEUE: reject: RCPT from host[ip]: ...; from=<> to=<>".
func (s *state) noqueue(no int64, t time.Time, host string, body []byte) error {
	if !(bytes.HasPrefix(body, []byte("reject: ")) || bytes.HasPrefix(body, []byte("milter-reject: ")) ||
		bytes.HasPrefix(body, []byte("discard: "))) {
		s.out.Skip() // NOQUEUE: filter:, warn: and similar
		return nil
	}
	s.out.Record()
	to, _ := field(body, "to=")
	from, _ := field(body, "from=")
	var ch, cip string
	if i := bytes.Index(body, []byte(" from ")); i >= 0 {
		v := body[i+6:]
		if e := bytes.IndexByte(v, ':'); e >= 0 {
			// host[ip]: — the IP of an IPv6 client contains colons
			if b := bytes.IndexByte(v, ']'); b >= 0 {
				e = b + 1
			}
			v = v[:e]
		}
		ch, cip = client(string(v))
	}
	m := &msg{host: host, qid: "NOQUEUE", first: t, clientHost: ch, clientIP: cip, from: from, fromSet: true,
		blocked: string(body), blockedAt: t}
	m.qid = "NOQUEUE-" + strconv.FormatInt(no, 10)
	m.rcpts = []*rcpt{{addr: to, status: "rejected", detail: string(body), at: t}}
	return s.emit(m)
}

// evict writes out messages without news for maxAge of log time, and
// forgets sessions without a sender or recipient after an hour.
func (s *state) evict() error {
	var old []*msg
	for k, m := range s.msgs {
		idle := s.now.Sub(m.last)
		// A session that never reached the queue manager (aborted before
		// DATA) has nothing to write; an hour is plenty to be sure.
		if idle > maxAge || (idle > time.Hour && !m.fromSet && len(m.rcpts) == 0 && m.blocked == "") {
			old = append(old, m)
			delete(s.msgs, k)
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].seq < old[j].seq })
	for _, m := range old {
		if err := s.emit(m); err != nil {
			return err
		}
	}
	return nil
}

// flushAll writes out the messages still open at the end of the input, in
// the order they were first seen, with their last known state (a deferred
// recipient is Pending). In follow mode nothing is flushed.
func (s *state) flushAll() error {
	if s.cfg.Follow {
		return nil
	}
	if len(s.msgs) > 0 {
		s.out.Flushing()
	}
	all := make([]*msg, 0, len(s.msgs))
	for _, m := range s.msgs {
		all = append(all, m)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	for _, m := range all {
		if err := s.emit(m); err != nil {
			return err
		}
	}
	s.msgs = map[string]*msg{}
	return nil
}

func messageGUID(host, qid string, t time.Time) string {
	h := sha1.Sum([]byte(host + "\x00" + qid + "\x00" + t.Format(time.RFC3339Nano)))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// outcome maps a recipient's final Postfix status to DeliveryAction and
// DeliveryLocation.
func outcome(m *msg, r *rcpt) (action, location string) {
	switch {
	case r.status == "rejected":
		return "Blocked", "Dropped"
	case m.blocked != "" && r.status == "":
		if strings.HasPrefix(m.blocked, "discard") {
			return "Blocked", "Dropped"
		}
		return "Blocked", "Dropped"
	case r.status == "sent":
		switch r.service {
		case "local", "virtual", "lmtp", "pipe":
			return "Delivered", "Inbox/folder"
		}
		return "Delivered", "On-premises/external"
	case r.status == "bounced", r.status == "expired":
		return "Blocked", "Failed"
	case r.status == "deferred", r.status == "":
		return "Pending", "Unknown"
	}
	return r.status, "Unknown"
}

func (s *state) emit(m *msg) error {
	root := m.root()
	from := m.from
	if !m.fromSet {
		from = root.from
	}
	msgID := m.msgID
	if msgID == "" {
		msgID = root.msgID
	}
	subject := m.subject
	if subject == "" {
		subject = root.subject
	}
	sender := org.Sender{Authenticated: root.sasl != "" || root.local, ClientIP: root.clientIP, ClientHost: root.clientHost}
	if root.local {
		sender.ClientIP, sender.ClientHost = "127.0.0.1", "localhost"
	}
	nmid := messageGUID(root.host, root.qid, root.first)
	// The size and headers of the message as it arrived (a content
	// filter's re-injected copy is a little larger).
	size := int64(-1)
	for _, x := range []*msg{m, root} {
		if x.size > 0 {
			size = x.size
		}
	}
	to, cc := m.to, m.cc
	if to == nil {
		to = root.to
	}
	if cc == nil {
		cc = root.cc
	}
	hdrFrom, fromName := m.hdrFrom, m.fromName
	if hdrFrom == "" {
		hdrFrom, fromName = root.hdrFrom, root.fromName
	}
	for _, r := range m.rcpts {
		if r.filter {
			continue
		}
		action, loc := outcome(m, r)
		rcpt := strings.ToLower(r.addr)
		mail := source.Mail{Timestamp: root.first, NetworkMessageId: nmid, InternetMessageId: msgID,
			MailFrom: from, From: hdrFrom, FromName: fromName, ClientIP: root.clientIP, Recipient: rcpt, Subject: subject,
			Direction: s.cfg.Org.Direction(sender, rcpt), Action: action, Location: loc,
			Size: size, To: to, Cc: cc}
		mail.Extra.Str("Source", "postfix")
		mail.Extra.Str("Host", m.host)
		mail.Extra.Str("QueueId", m.qid)
		if root != m {
			mail.Extra.Str("OriginalQueueId", root.qid)
		}
		mail.Extra.Str("SaslUsername", root.sasl)
		mail.Extra.Str("ClientHost", root.clientHost)
		mail.Extra.Str("Status", r.status)
		mail.Extra.Str("Relay", r.relay)
		mail.Extra.Str("Dsn", r.dsn)
		if r.detail != "" {
			mail.Extra.Str("Detail", r.detail)
		} else {
			mail.Extra.Str("Detail", m.blocked)
		}
		row := mail.Row()
		if err := s.out.Emit(row.T, row.Vals); err != nil {
			return err
		}
	}
	return nil
}
