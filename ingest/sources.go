package ingest

import (
	"bytes"
	"sort"
	"strings"

	"github.com/quarry-kql/quarry/ingest/defender"
	"github.com/quarry-kql/quarry/ingest/exchange"
	"github.com/quarry-kql/quarry/ingest/exotrace"
	"github.com/quarry-kql/quarry/ingest/postfix"
	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/schema"
)

// The source names accepted by --source.
const (
	SourceDefenderStream   = "defender-stream"
	SourceDefenderCSV      = "defender-csv"
	SourceExchangeTracking = "exchange-tracking"
	SourceEXOTrace         = "exo-trace"
	SourcePostfix          = "postfix"
)

// parsers maps each source name to its parser.
var parsers = map[string]source.Parser{
	SourcePostfix:          postfix.Parser{},
	SourceExchangeTracking: exchange.Parser{},
	SourceDefenderStream:   defender.Stream{},
	SourceDefenderCSV:      defender.CSV{},
	SourceEXOTrace:         exotrace.Parser{},
}

// SourceNames returns the known source names, sorted.
func SourceNames() []string {
	var out []string
	for n := range parsers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Detect names the format of a file from its first bytes, or returns ""
// when the format is unknown. The formats are told apart by their first
// line: a JSON object (Defender streaming API), the #Software/#Fields
// header of Exchange message tracking, a CSV header with Exchange Online's
// origin_timestamp_utc or with Defender table columns, or syslog lines
// from postfix/ programs.
func Detect(head []byte) string {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return ""
	}
	if trimmed[0] == '{' {
		return SourceDefenderStream
	}
	first := trimmed
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	lower := strings.ToLower(string(first))
	if strings.HasPrefix(lower, "#software: microsoft exchange") || strings.HasPrefix(lower, "#fields: date-time") ||
		bytes.Contains(head, []byte("\n#Fields: date-time")) {
		return SourceExchangeTracking
	}
	if strings.Contains(lower, "origin_timestamp_utc") {
		return SourceEXOTrace
	}
	if defenderHeader(lower) {
		return SourceDefenderCSV
	}
	// Postfix: at least one syslog line from a postfix program among the
	// first lines.
	lines := bytes.SplitN(head, []byte("\n"), 200)
	for _, l := range lines {
		if bytes.Contains(l, []byte(" postfix/")) || bytes.Contains(l, []byte(" postfix-")) {
			return SourcePostfix
		}
	}
	return ""
}

// defenderHeader reports whether a CSV header names Defender table
// columns: Timestamp and at least two other columns of one built-in table.
func defenderHeader(lower string) bool {
	cols := splitHeader(lower)
	if !cols["timestamp"] {
		return false
	}
	for _, t := range builtinTables() {
		n := 0
		for _, c := range t.Columns {
			if cols[strings.ToLower(c.Name)] {
				n++
			}
		}
		if n >= 3 {
			return true
		}
	}
	return false
}

func splitHeader(line string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Split(strings.TrimRight(line, "\r"), ",") {
		m[strings.Trim(strings.TrimSpace(f), `"`)] = true
	}
	return m
}

func builtinTables() []*schema.Table { return schema.BuiltinTables() }
