package defender

import (
	"context"
	"fmt"
	"strings"

	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/schema"
)

// CSV is the Advanced Hunting CSV export parser: a header row of column
// names, then one row per record, datetimes in ISO 8601 or the portal's
// "Nov 1, 2026 8:15:02 AM" form (UTC). The table is the built-in table
// whose columns the header matches best (or the one named by Table);
// header columns that table does not have are not loaded.
type CSV struct {
	// Table forces the destination table (empty: chosen from the header).
	Table string
}

// Parse implements source.Parser.
func (c CSV) Parse(ctx context.Context, in *source.Lines, out source.Sink, cfg source.Config) error {
	recs := &source.CSVRecords{In: in}
	header, hline, ok, more := recs.Next(nil)
	if !more {
		return nil
	}
	if !ok {
		return fmt.Errorf("line %d: unreadable CSV header", hline)
	}
	header = append([]string(nil), header...)
	out.Skip() // the header is not a record
	t, err := c.pick(header)
	if err != nil {
		return fmt.Errorf("line %d: %w", hline, err)
	}
	tb := newTable(t, true)
	pos := make([]int, len(header)) // header field -> column, -1 if none
	for i, h := range header {
		h = strings.TrimSpace(h)
		j, ok := tb.idx[h]
		if !ok {
			j, ok = tb.lower[strings.ToLower(h)]
		}
		if !ok {
			j = -1
		}
		pos[i] = j
	}
	var fields []string
	var vals []any
	n := 0
	for {
		var line int64
		fields, line, ok, more = recs.Next(fields)
		if !more {
			break
		}
		n++
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if !ok {
			why := "unterminated quoted field"
			if in.TooLong() {
				why = fmt.Sprintf("line longer than %d bytes", source.DefaultMaxLine)
			} else if recs.Truncated() {
				why += " (truncated last line)"
			}
			if err := out.Reject(line, why); err != nil {
				return err
			}
			continue
		}
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
			out.Skip()
			continue
		}
		if len(fields) != len(header) {
			why := fmt.Sprintf("%d fields, the header has %d", len(fields), len(header))
			if recs.Truncated() {
				why += " (truncated last line)"
			}
			if err := out.Reject(line, why); err != nil {
				return err
			}
			continue
		}
		vals = vals[:0]
		for range t.Columns {
			vals = append(vals, nil)
		}
		why := ""
		for i, f := range fields {
			j := pos[i]
			if j < 0 {
				continue
			}
			col := t.Columns[j]
			v, err := source.Convert(col.Type, f)
			if err != nil {
				why = col.Name + ": " + err.Error()
				break
			}
			vals[j] = v
		}
		if why == "" {
			for i, col := range t.Columns {
				if vals[i] == nil && col.Type.String() == "string" {
					vals[i] = ""
				}
			}
			if tb.ts >= 0 && vals[tb.ts] == nil {
				why = "no Timestamp"
			} else if tb.tg >= 0 && vals[tb.tg] == nil {
				vals[tb.tg] = vals[tb.ts]
			}
		}
		if why != "" {
			if err := out.Reject(line, why); err != nil {
				return err
			}
			continue
		}
		out.Record()
		if err := out.Emit(t, vals); err != nil {
			return err
		}
		out.Safe(in.Offset(), in.No())
	}
	return nil
}

// pick chooses the built-in table for a header: the one sharing the most
// columns with it; Timestamp is required.
func (c CSV) pick(header []string) (*schema.Table, error) {
	if c.Table != "" {
		t, ok := schema.Builtin(c.Table)
		if !ok {
			return nil, fmt.Errorf("no built-in table %q", c.Table)
		}
		return t, nil
	}
	have := map[string]bool{}
	for _, h := range header {
		have[strings.ToLower(strings.TrimSpace(h))] = true
	}
	if !have["timestamp"] {
		return nil, fmt.Errorf("the header has no Timestamp column")
	}
	var best *schema.Table
	bestN, bestExtra := 0, 0
	for _, t := range schema.BuiltinTables() {
		n := 0
		for _, col := range t.Columns {
			if have[strings.ToLower(col.Name)] {
				n++
			}
		}
		extra := len(have) - n
		if n > bestN || (n == bestN && extra < bestExtra) {
			best, bestN, bestExtra = t, n, extra
		}
	}
	if best == nil || bestN < 3 {
		return nil, fmt.Errorf("the header matches no Defender email table")
	}
	return best, nil
}
