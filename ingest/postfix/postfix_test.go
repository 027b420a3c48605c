package postfix

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/schema"
)

type row map[string]any

type sink struct {
	rows     []row
	rejects  []string
	records  int
	skipped  int
	flushing bool
}

func (s *sink) Emit(t *schema.Table, vals []any) error {
	r := row{}
	for i, c := range t.Columns {
		r[c.Name] = vals[i]
	}
	s.rows = append(s.rows, r)
	return nil
}
func (s *sink) Record() { s.records++ }
func (s *sink) Reject(line int64, reason string) error {
	s.rejects = append(s.rejects, fmt.Sprintf("%d: %s", line, reason))
	return nil
}
func (s *sink) Skip()             { s.skipped++ }
func (s *sink) Safe(int64, int64) {}
func (s *sink) Flushing()         { s.flushing = true }

func parse(t *testing.T, text string, cfg source.Config) *sink {
	t.Helper()
	if cfg.Org == nil {
		o, err := org.New([]string{"contoso.com"}, []string{"10.0.0.0/8"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Org = o
	}
	if cfg.Year == 0 {
		cfg.Year = 2026
	}
	s := &sink{}
	if err := (Parser{}).Parse(context.Background(), source.NewLines(strings.NewReader(text), 0, 1), s, cfg); err != nil {
		t.Fatal(err)
	}
	return s
}

func logMsg(stamp, host, qid, client, from, to, agent string) string {
	return strings.Join([]string{
		fmt.Sprintf("%s %s postfix/smtpd[1]: %s: client=%s", stamp, host, qid, client),
		fmt.Sprintf("%s %s postfix/qmgr[2]: %s: from=<%s>, size=1, nrcpt=1 (queue active)", stamp, host, qid, from),
		fmt.Sprintf("%s %s postfix/%s[3]: %s: to=<%s>, relay=x, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)", stamp, host, agent, qid, to),
		fmt.Sprintf("%s %s postfix/qmgr[2]: %s: removed", stamp, host, qid),
	}, "\n") + "\n"
}

func TestRFC3339AndLongQueueIDs(t *testing.T) {
	text := logMsg("2026-11-05T10:00:00.123456+01:00", "mx1", "4Nc2Hp1Yd6zJkL", "ws[10.1.1.1]", "a@contoso.com", "b@example.org", "smtp")
	s := parse(t, text, source.Config{})
	if len(s.rows) != 1 || len(s.rejects) != 0 {
		t.Fatalf("rows %d rejects %v", len(s.rows), s.rejects)
	}
	r := s.rows[0]
	if got := r["Timestamp"].(time.Time); !got.Equal(time.Date(2026, 11, 5, 9, 0, 0, 123456000, time.UTC)) {
		t.Errorf("Timestamp %v", got)
	}
	if r["EmailDirection"] != "Outbound" || r["DeliveryLocation"] != "On-premises/external" {
		t.Errorf("row %v", r)
	}
}

func TestYearRolloverAndTimeZone(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	text := logMsg("Dec 31 23:59:59", "mx1", "AAAAA11111", "ws[10.1.1.1]", "a@contoso.com", "b@contoso.com", "lmtp") +
		logMsg("Jan  1 00:00:01", "mx1", "BBBBB22222", "ws[10.1.1.1]", "a@contoso.com", "c@contoso.com", "lmtp")
	s := parse(t, text, source.Config{Year: 2025, Loc: loc})
	if len(s.rows) != 2 {
		t.Fatalf("%d rows", len(s.rows))
	}
	want := []time.Time{time.Date(2025, 12, 31, 22, 59, 59, 0, time.UTC), time.Date(2025, 12, 31, 23, 0, 1, 0, time.UTC)}
	for i, r := range s.rows {
		if got := r["Timestamp"].(time.Time); !got.Equal(want[i]) {
			t.Errorf("row %d: %v, want %v", i, got, want[i])
		}
	}
}

// A queue id reused before the old message's "removed" line (a gap in the
// log): the old message is written out and the new one starts afresh.
func TestQueueIDReusedWithoutRemoved(t *testing.T) {
	text := strings.Join([]string{
		"Nov  1 08:00:00 mx1 postfix/smtpd[1]: ABCDE12345: client=ext[203.0.113.1]",
		"Nov  1 08:00:00 mx1 postfix/qmgr[2]: ABCDE12345: from=<x@example.net>, size=1, nrcpt=1 (queue active)",
		"Nov  1 08:00:01 mx1 postfix/lmtp[3]: ABCDE12345: to=<a@contoso.com>, relay=x, dsn=2.0.0, status=sent (250 ok)",
		"Nov  2 08:00:00 mx1 postfix/smtpd[1]: ABCDE12345: client=ws[10.2.2.2]",
		"Nov  2 08:00:00 mx1 postfix/qmgr[2]: ABCDE12345: from=<y@contoso.com>, size=1, nrcpt=1 (queue active)",
		"Nov  2 08:00:01 mx1 postfix/smtp[3]: ABCDE12345: to=<b@example.org>, relay=x, dsn=2.0.0, status=sent (250 ok)",
		"Nov  2 08:00:01 mx1 postfix/qmgr[2]: ABCDE12345: removed",
	}, "\n") + "\n"
	s := parse(t, text, source.Config{})
	if len(s.rows) != 2 {
		t.Fatalf("%d rows", len(s.rows))
	}
	if s.rows[0]["EmailDirection"] != "Inbound" || s.rows[1]["EmailDirection"] != "Outbound" {
		t.Errorf("directions %v %v", s.rows[0]["EmailDirection"], s.rows[1]["EmailDirection"])
	}
	if s.rows[0]["NetworkMessageId"] == s.rows[1]["NetworkMessageId"] {
		t.Error("two messages share a NetworkMessageId")
	}
	if s.flushing {
		t.Error("nothing was pending at the end")
	}
}

// The same queue id on two hosts is two messages.
func TestSameQueueIDOnTwoHosts(t *testing.T) {
	text := logMsg("Nov  1 08:00:00", "mx1", "ABCDE12345", "ext[203.0.113.1]", "x@example.net", "a@contoso.com", "lmtp") +
		logMsg("Nov  1 08:00:00", "mx2", "ABCDE12345", "ws[10.2.2.2]", "y@contoso.com", "b@example.org", "smtp")
	s := parse(t, text, source.Config{})
	if len(s.rows) != 2 || s.rows[0]["NetworkMessageId"] == s.rows[1]["NetworkMessageId"] {
		t.Fatalf("rows %v", s.rows)
	}
}

func TestNOQUEUEWithIPv6Client(t *testing.T) {
	text := "Nov  1 08:00:00 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[2001:db8::66]: 554 5.7.1 <x@contoso.com>: Relay access denied; from=<a@contoso.com> to=<x@contoso.com> proto=ESMTP helo=<h>\n"
	s := parse(t, text, source.Config{})
	if len(s.rows) != 1 {
		t.Fatalf("%d rows", len(s.rows))
	}
	r := s.rows[0]
	if r["SenderIPv6"] != "2001:db8::66" || r["EmailDirection"] != "Inbound" || r["DeliveryAction"] != "Blocked" {
		t.Errorf("row %v", r)
	}
}

// In follow mode nothing is flushed at the end of the input: a deferred
// message waits for its outcome.
func TestFollowDoesNotFlush(t *testing.T) {
	text := strings.Join([]string{
		"Nov  1 08:00:00 mx1 postfix/smtpd[1]: ABCDE12345: client=ws[10.2.2.2]",
		"Nov  1 08:00:00 mx1 postfix/qmgr[2]: ABCDE12345: from=<y@contoso.com>, size=1, nrcpt=1 (queue active)",
		"Nov  1 08:00:01 mx1 postfix/smtp[3]: ABCDE12345: to=<b@example.org>, relay=none, dsn=4.4.1, status=deferred (timeout)",
	}, "\n") + "\n"
	if s := parse(t, text, source.Config{Follow: true}); len(s.rows) != 0 {
		t.Errorf("follow mode wrote %d rows", len(s.rows))
	}
	s := parse(t, text, source.Config{})
	if len(s.rows) != 1 || s.rows[0]["DeliveryAction"] != "Pending" || !s.flushing {
		t.Errorf("one-shot: %v flushing=%v", s.rows, s.flushing)
	}
}

// A session aborted before DATA leaves a queue id with no sender and no
// recipient: it is forgotten after an hour of log time, not kept in memory
// (and not written out as a pending message at the end).
func TestAbortedSessionForgotten(t *testing.T) {
	var b strings.Builder
	b.WriteString("Nov  1 08:00:00 mx1 postfix/smtpd[1]: ABCDE12345: client=ext[203.0.113.1]\n")
	// enough lines two hours later to trigger the periodic eviction
	line := logMsg("Nov  1 10:00:00", "mx1", "BBBBB22222", "ws[10.1.1.1]", "a@contoso.com", "b@contoso.com", "lmtp")
	for i := 0; i < 0x10000/4+1; i++ {
		b.WriteString(line)
	}
	s := parse(t, b.String(), source.Config{})
	if s.flushing {
		t.Error("the aborted session was still pending at the end")
	}
	if len(s.rows) != 0x10000/4+1 {
		t.Errorf("%d rows", len(s.rows))
	}
}

// header finds where cleanup's "from ORIGIN;" begins even when the header
// value contains " from ", and reports a value Postfix may have cut.
func TestHeaderLine(t *testing.T) {
	long := "To: " + strings.Repeat("x", 196)
	for _, c := range []struct {
		in, name, value string
		cut, ok         bool
	}{
		{"warning: header Subject: Lunch from Paris from mail.example.net[203.0.113.10]; from=<b@example.net> to=<a@contoso.com> proto=ESMTP helo=<m>", "Subject", "Lunch from Paris", false, true},
		{"info: header To: ops@contoso.com from local; from=<root@mx1>", "To", "ops@contoso.com", false, true},
		{"warning: header Cc: a@b.c from unknown[192.0.2.1];", "Cc", "a@b.c", false, true},
		{"warning: header X-Spam: yes from h[192.0.2.1]; from=<s@x> to=<r@y>: flagged by admin", "X-Spam", "yes", false, true},
		{"warning: header " + long + " from h[192.0.2.1]; from=<s@x>", "To", strings.Repeat("x", 196), true, true},
		{"warning: header To: no origin here", "", "", false, false},
	} {
		name, value, cut, ok := header([]byte(c.in))
		if name != c.name || value != c.value || cut != c.cut || ok != c.ok {
			t.Errorf("header(%q) = %q, %q, %v, %v; want %q, %q, %v, %v", c.in, name, value, cut, ok, c.name, c.value, c.cut, c.ok)
		}
	}
}
