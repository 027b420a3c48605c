package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/schema"
)

// contractSink checks, as a parser calls it, the promises of the
// source.Sink contract that the driver's accounting relies on: rows fit
// their table, rejects name a line of the input with a reason, safe
// points only move forward and stay inside the input.
type contractSink struct {
	t              *testing.T
	name           string
	size, lines    int64
	safeOff, safeN int64
	flushing       bool
}

func (s *contractSink) Emit(t *schema.Table, vals []any) error {
	if len(vals) != len(t.Columns) {
		s.t.Fatalf("%s: %d values for %s's %d columns", s.name, len(vals), t.Name, len(t.Columns))
	}
	for i, v := range vals {
		if c := t.Columns[i]; c.Name == "Timestamp" {
			if ts, ok := v.(time.Time); ok && ts.Location() != time.UTC {
				s.t.Fatalf("%s: %s.Timestamp %v is not UTC", s.name, t.Name, ts)
			}
		}
	}
	return nil
}

func (s *contractSink) Record() {}

func (s *contractSink) Reject(line int64, reason string) error {
	if line < 1 || line > s.lines || reason == "" {
		s.t.Fatalf("%s: reject of line %d (input has %d) with reason %q", s.name, line, s.lines, reason)
	}
	return nil
}

func (s *contractSink) Skip() {}

func (s *contractSink) Safe(off, line int64) {
	if off < s.safeOff || line < s.safeN || off > s.size || line > s.lines {
		s.t.Fatalf("%s: safe point %d (line %d) after %d (line %d), input %d bytes, %d lines",
			s.name, off, line, s.safeOff, s.safeN, s.size, s.lines)
	}
	s.safeOff, s.safeN = off, line
}

func (s *contractSink) Flushing() { s.flushing = true }

// FuzzParsers runs every source's parser on arbitrary input: none may
// panic or break the sink contract, whatever the bytes.
func FuzzParsers(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*")
	for _, p := range files {
		if filepath.Ext(p) == ".tsv" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\xef\xbb\xbf#Software: Microsoft Exchange Server\r\n#Fields: date-time,event-id\r\n2026-11-01T00:00:00.000Z,RECEIVE\r\n"))
	f.Add([]byte(`{"records":[{"category":"AdvancedHunting-X","properties":{"Timestamp":"2026-11-01T00:00:00Z","a":[1,{"b":null}]}}]}`))
	f.Add([]byte("Nov  1 08:15:02 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 554 5.7.1; from=<a@b> to=<c@d> proto=ESMTP\n"))
	o, err := org.Load("testdata/org.yaml")
	if err != nil {
		f.Fatal(err)
	}
	cfg := source.Config{Org: o, Year: 2026, Loc: time.UTC}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := int64(bytes.Count(data, []byte("\n")))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			lines++
		}
		for _, name := range SourceNames() {
			s := &contractSink{t: t, name: name, size: int64(len(data)), lines: lines}
			// An error is a verdict on the whole file (no header, say);
			// what matters is that the parser returns, and soon.
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = parsers[name].Parse(context.Background(), source.NewLines(bytes.NewReader(data), 0, 1), s, cfg)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: no result after 10 s on %d bytes", name, len(data))
			}
		}
	})
}
