// Package source holds what every ingest format shares: the Sink a parser
// writes rows, rejects and skips to, the line reader that copes with BOMs,
// CRLF, over-long lines and truncated last lines, the Row builder for the
// built-in email tables, and value conversions (timestamps, numbers). The
// format parsers (defender, exchange, exotrace, postfix) depend on it and
// the ingest driver implements Sink.
package source

import (
	"context"
	"time"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// Sink receives a parser's output. Rows are values in the table's column
// order. Every input record must end in exactly one of Record, Reject or
// Skip, so that the summary accounts for all of them.
type Sink interface {
	// Emit writes one row to table t.
	Emit(t *schema.Table, vals []any) error
	// Record counts one input record (line or JSON record) as used.
	Record()
	// Reject counts one input record as rejected, with its line number
	// (1-based) and a reason; it goes to the rejects file.
	Reject(line int64, reason string) error
	// Skip counts one input line that is not a record of the format (for
	// example a non-Postfix syslog line). Skipped lines are not errors.
	Skip()
	// Safe tells the sink that every record up to byte offset off (the
	// end of line number line) has been emitted and no parser state refers
	// to earlier input.
	Safe(off, line int64)
	// Flushing tells the sink that the parser, at the end of its input,
	// now writes out messages whose outcome is not final yet (their rows
	// are replaced if the file grows and is loaded again).
	Flushing()
}

// Config carries the options every parser may need.
type Config struct {
	// Org decides EmailDirection for log sources; nil means no accepted
	// domains and no internal networks.
	Org *org.Org
	// Year and Loc complete syslog timestamps that have neither.
	Year int
	Loc  *time.Location
	// Follow is set by `quarry ingest --follow`: the parser must not flush
	// incomplete messages at the end of the input, which will grow.
	Follow bool
}

// Parser reads one input and writes to a sink.
type Parser interface {
	Parse(ctx context.Context, in *Lines, out Sink, cfg Config) error
}

// Row is a row under construction for a built-in table.
type Row struct {
	T    *schema.Table
	Vals []any
}

// Layout maps a table's column names to positions.
type Layout struct {
	T   *schema.Table
	idx map[string]int
}

// NewLayout returns the layout of table t.
func NewLayout(t *schema.Table) *Layout {
	l := &Layout{T: t, idx: make(map[string]int, len(t.Columns))}
	for i, c := range t.Columns {
		l.idx[c.Name] = i
	}
	return l
}

// MustBuiltin returns the layout of a built-in table and panics if there is
// no such table (a programming error).
func MustBuiltin(name string) *Layout {
	t, ok := schema.Builtin(name)
	if !ok {
		panic("source: no built-in table " + name)
	}
	return NewLayout(t)
}

// Index returns the position of column name, or -1.
func (l *Layout) Index(name string) int {
	if i, ok := l.idx[name]; ok {
		return i
	}
	return -1
}

// New returns an empty row: string columns hold "" (Kusto strings are
// never null), every other column is null.
func (l *Layout) New() Row {
	v := make([]any, len(l.T.Columns))
	for i, c := range l.T.Columns {
		if c.Type == types.String {
			v[i] = ""
		}
	}
	return Row{T: l.T, Vals: v}
}

// Set sets column name; it panics on an unknown column (a programming error).
func (r Row) Set(l *Layout, name string, v any) {
	i, ok := l.idx[name]
	if !ok {
		panic("source: " + l.T.Name + " has no column " + name)
	}
	r.Vals[i] = v
}

// Schemas is implemented by sinks that can look up and extend stored
// tables, for sources whose tables are not built in (Defender categories
// other than the email tables).
type Schemas interface {
	// Existing returns the stored table's schema, if the table exists.
	Existing(name string) (*schema.Table, bool, error)
	// AddColumns adds columns to table t (already stored or to be created
	// by the next Emit), after committing the rows written so far.
	AddColumns(t *schema.Table, cols []schema.Column) error
}
