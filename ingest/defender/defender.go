// Package defender reads Microsoft Defender XDR exports: the Streaming
// API's JSON (Event Hub form, {"records":[…]} per message, and Azure
// Storage form, one record per line) and Advanced Hunting CSV exports.
// EmailDirection and every other column are kept as Microsoft wrote them.
// The five email categories go to their built-in tables; any other
// AdvancedHunting-X category goes to table X with a schema inferred from
// the records.
package defender

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// Stream is the Defender Streaming API JSON parser.
type Stream struct{}

// categoryPrefix starts every Advanced Hunting category.
const categoryPrefix = "AdvancedHunting-"

// table is a destination table with its column positions.
type table struct {
	t       *schema.Table
	idx     map[string]int
	lower   map[string]int
	builtin bool
	tg, ts  int // TimeGenerated and Timestamp positions, -1 if absent
	// empty is a row of the table with nothing in it (emptyRow).
	empty []Cell
	// pred[k] is the column of the k-th property of the last record
	// (-1 if none): records of one export list their properties in the
	// same order, so it is tried before the map.
	pred []int32
}

// column returns the position of column key, the k-th property of a
// record.
func (tb *table) column(k int, key []byte) (int, bool) {
	if k < len(tb.pred) {
		if i := tb.pred[k]; i >= 0 && tb.t.Columns[i].Name == bstr(key) {
			return int(i), true
		}
	}
	i, ok := tb.idx[bstr(key)]
	if ok && k < 1024 {
		for len(tb.pred) <= k {
			tb.pred = append(tb.pred, -1)
		}
		tb.pred[k] = int32(i)
	}
	return i, ok
}

func newTable(t *schema.Table, builtin bool) *table {
	tb := &table{t: t, idx: map[string]int{}, lower: map[string]int{}, builtin: builtin, tg: -1, ts: -1}
	tb.reindex()
	return tb
}

func (tb *table) reindex() {
	tb.pred = tb.pred[:0]
	tb.empty = emptyRow(tb.t)
	for i, c := range tb.t.Columns {
		tb.idx[c.Name] = i
		tb.lower[strings.ToLower(c.Name)] = i
	}
	if i, ok := tb.idx["TimeGenerated"]; ok {
		tb.tg = i
	}
	if i, ok := tb.idx["Timestamp"]; ok {
		tb.ts = i
	}
}

type streamState struct {
	cfg    source.Config
	out    source.Sink
	tables map[string]*table
	vals   []any
	// worker is set on the parallel workers' states: they handle only
	// what the fast path can, and hand everything else back.
	worker bool
	// blocks collect the fast path's rows per table; rec, set on the
	// workers, records them with the chunk's other sink calls.
	blocks map[string]*Block
	rec    *recorder
	// last is the table and block of the last record of the fast path,
	// with its category: records come in runs of one category.
	lastCat   string
	lastTable *table
	lastBlock *Block
}

// Parse implements source.Parser.
func (Stream) Parse(ctx context.Context, in *source.Lines, out source.Sink, cfg source.Config) error {
	return parseParallel(ctx, in, out, cfg)
}

// envelope is one Streaming API record; unknown keys are ignored.
type envelope struct {
	Time       string          `json:"time"`
	Category   string          `json:"category"`
	Properties json.RawMessage `json:"properties"`
	Records    json.RawMessage `json:"records"`
}

func decode(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return errors.New("extra data after the JSON value")
	}
	return nil
}

func (s *streamState) line(no int64, line []byte, truncated bool) error {
	var env envelope
	if err := decode(line, &env); err != nil {
		why := "invalid JSON: " + err.Error()
		if truncated {
			why += " (truncated last line)"
		}
		return s.out.Reject(no, why)
	}
	if env.Records != nil {
		// Event Hub form: {"records":[...]}.
		var recs []json.RawMessage
		if err := json.Unmarshal(env.Records, &recs); err != nil {
			return s.out.Reject(no, "records is not an array of objects: "+err.Error())
		}
		for i, r := range recs {
			var e envelope
			if err := decode(r, &e); err != nil {
				if err := s.out.Reject(no, fmt.Sprintf("record %d: invalid JSON: %v", i+1, err)); err != nil {
					return err
				}
				continue
			}
			if err := s.record(no, fmt.Sprintf("record %d: ", i+1), &e); err != nil {
				return err
			}
		}
		return nil
	}
	return s.record(no, "", &env)
}

func (s *streamState) record(no int64, where string, env *envelope) error {
	name, ok := strings.CutPrefix(env.Category, categoryPrefix)
	if !ok || name == "" || !validName(name) {
		if env.Category == "" {
			return s.out.Reject(no, where+"no category")
		}
		return s.out.Reject(no, fmt.Sprintf("%sunknown category %q (expected %s<Table>)", where, source.Clip(env.Category), categoryPrefix))
	}
	var props map[string]any
	if len(env.Properties) == 0 {
		return s.out.Reject(no, where+"no properties")
	}
	if err := decode(env.Properties, &props); err != nil || props == nil {
		return s.out.Reject(no, where+"properties is not a JSON object")
	}
	tb, err := s.table(name, props)
	if err != nil {
		return err
	}
	if tb.ts >= 0 {
		if _, has := props["Timestamp"]; !has && env.Time != "" {
			props["Timestamp"] = env.Time
		}
	}
	if !tb.builtin {
		if err := s.extend(tb, props); err != nil {
			return err
		}
	}
	vals, why := fill(tb, props, &s.vals)
	if why != "" {
		return s.out.Reject(no, where+why)
	}
	s.out.Record()
	return s.out.Emit(tb.t, vals)
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

func validName(s string) bool { return nameRE.MatchString(s) }

// fill converts properties to the table's column values. Columns missing
// from the record are empty; TimeGenerated defaults to Timestamp.
func fill(tb *table, props map[string]any, buf *[]any) ([]any, string) {
	vals := (*buf)[:0]
	for range tb.t.Columns {
		vals = append(vals, nil)
	}
	matched := 0
	var lower map[string]any
	for i, c := range tb.t.Columns {
		v, ok := props[c.Name]
		if !ok {
			if lower == nil && matched < len(props) {
				lower = make(map[string]any, len(props))
				for k, v := range props {
					lower[strings.ToLower(k)] = v
				}
			}
			if v, ok = lower[strings.ToLower(c.Name)]; !ok {
				continue
			}
		}
		matched++
		x, err := source.Convert(c.Type, v)
		if err != nil {
			return nil, c.Name + ": " + err.Error()
		}
		vals[i] = x
	}
	for i, c := range tb.t.Columns {
		if vals[i] == nil && c.Type == types.String {
			vals[i] = ""
		}
	}
	if tb.ts >= 0 && vals[tb.ts] == nil {
		return nil, "no Timestamp"
	}
	if tb.tg >= 0 && vals[tb.tg] == nil && tb.ts >= 0 {
		vals[tb.tg] = vals[tb.ts]
	}
	*buf = vals
	return vals, ""
}

// table returns the destination of category name: a built-in table, the
// stored table of that name, or a new table inferred from props.
func (s *streamState) table(name string, props map[string]any) (*table, error) {
	if tb := s.tables[name]; tb != nil {
		return tb, nil
	}
	var tb *table
	if t, ok := schema.Builtin(name); ok {
		tb = newTable(t, true)
	} else {
		var existing *schema.Table
		if sc, ok := s.out.(source.Schemas); ok {
			t, found, err := sc.Existing(name)
			if err != nil {
				return nil, err
			}
			if found {
				existing = t
			}
		}
		if existing == nil {
			existing = &schema.Table{Name: name, Columns: inferColumns(props, nil)}
		}
		tb = newTable(existing, false)
	}
	s.tables[name] = tb
	return tb, nil
}

// extend adds columns for properties the inferred table does not have yet.
func (s *streamState) extend(tb *table, props map[string]any) error {
	var missing []string
	for k := range props {
		if _, ok := tb.idx[k]; !ok {
			if _, ok := tb.lower[strings.ToLower(k)]; !ok && validName(k) {
				missing = append(missing, k)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sub := map[string]any{}
	for _, k := range missing {
		sub[k] = props[k]
	}
	cols := inferColumns(sub, tb.t)
	sc, ok := s.out.(source.Schemas)
	if !ok {
		return errors.New("this sink cannot add columns")
	}
	nt := &schema.Table{Name: tb.t.Name, Doc: tb.t.Doc, Columns: append(append([]schema.Column(nil), tb.t.Columns...), cols...)}
	if err := sc.AddColumns(nt, cols); err != nil {
		return err
	}
	tb.t = nt
	tb.reindex()
	return nil
}

var isoTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$`)

// inferColumns derives columns from one record's properties: Timestamp
// first (datetime), the others sorted by name, TimeGenerated last. JSON
// strings in ISO 8601 form are datetime, integers long, other numbers
// real, true/false bool, objects and arrays dynamic, anything else string.
// When base is non-nil only the new columns are returned.
func inferColumns(props map[string]any, base *schema.Table) []schema.Column {
	var names []string
	for k := range props {
		if k != "Timestamp" && k != "TimeGenerated" && validName(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var cols []schema.Column
	if base == nil {
		cols = append(cols, schema.Column{Name: "Timestamp", Type: types.DateTime})
	}
	for _, k := range names {
		cols = append(cols, schema.Column{Name: k, Type: inferType(props[k])})
	}
	if base == nil {
		cols = append(cols, schema.Column{Name: "TimeGenerated", Type: types.DateTime})
	}
	return cols
}

func inferType(v any) types.Type {
	switch x := v.(type) {
	case string:
		if isoTime.MatchString(x) {
			if _, err := source.ParseTime(x); err == nil {
				return types.DateTime
			}
		}
		return types.String
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return types.Long
		}
		return types.Real
	case bool:
		return types.Bool
	case map[string]any, []any:
		return types.Dynamic
	}
	return types.String
}

func isBuiltin(name string) bool {
	_, ok := schema.Builtin(name)
	return ok
}
