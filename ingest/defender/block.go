package defender

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// Block holds rows of one built-in table as typed cells, the form in which
// the parallel workers write the records of the fast path: no value is
// boxed in an interface and the text of a block's strings sits in one
// buffer, so that a BlockSink can copy rows into DuckDB's vectors without
// converting them again. Sinks that take rows one by one get them from
// Values.
type Block struct {
	Table *schema.Table
	// Cells holds len(Table.Columns) cells per row, row after row.
	Cells []Cell
	// Bytes holds the text of the string and dynamic cells.
	Bytes []byte
	// Meta holds, per row, the safe point that follows it, if any.
	Meta []RowMeta

	// holds counts who still reads the block: one per recorded run of its
	// rows until the sink has taken them, one per appender pointing into
	// its bytes. The last Release returns it to the pool.
	holds atomic.Int32
}

// blockPool keeps blocks for reuse: allocating (and zeroing) megabytes per
// chunk cost as much as a tenth of the parsing.
var blockPool = sync.Pool{New: func() any { return new(Block) }}

// getBlock returns an empty block for t with room for rows rows and bytes
// bytes of text.
func getBlock(t *schema.Table, rows, bytes int) *Block {
	b := blockPool.Get().(*Block)
	b.Table = t
	if n := rows * len(t.Columns); cap(b.Cells) < n {
		b.Cells = make([]Cell, 0, n)
	}
	if cap(b.Meta) < rows {
		b.Meta = make([]RowMeta, 0, rows)
	}
	if cap(b.Bytes) < bytes {
		b.Bytes = make([]byte, 0, bytes)
	}
	return b
}

// Hold records one more reader of b; each Hold needs a Release.
func (b *Block) Hold() { b.holds.Add(1) }

// Release ends a hold (a sink calls it once per EmitBlock, when it no
// longer reads the rows or bytes passed). After the last one b is reused.
func (b *Block) Release() {
	if n := b.holds.Add(-1); n == 0 {
		b.recycle()
	} else if n < 0 {
		panic("defender: block released more often than held")
	}
}

// recycle returns b to the pool, unless it grew for a very long line.
func (b *Block) recycle() {
	if cap(b.Bytes) > 4*chunkBytes {
		return
	}
	b.reset()
	b.Table = nil
	blockPool.Put(b)
}

// Cell is one value of a Block. Its meaning depends on the column's type:
// string and dynamic cells are Bytes[Off:Off+Len] (dynamic as JSON text);
// long and int are N; real is N's bits (math.Float64frombits); bool is
// N != 0; datetime is Unix seconds N and nanoseconds Off. A null cell has
// Len == NullLen (strings are never null: "" instead).
type Cell struct {
	N   int64
	Off uint32
	Len uint32
}

// NullLen is the Len of a null cell.
const NullLen = ^uint32(0)

// IsNull reports whether c is null.
func (c *Cell) IsNull() bool { return c.Len == NullLen }

// null is a null cell.
var null = Cell{Len: NullLen}

// RowMeta tells whether a safe point (byte offset Off, after line Line)
// follows a block's row.
type RowMeta struct {
	Off, Line int64
	Safe      bool
}

// BlockSink is a source.Sink that also takes rows a block at a time. For
// each row r of b in [from, to), EmitBlock does what these calls would:
// Record(); Emit(b.Table, b.Values(r, nil)); and Safe(m.Off, m.Line) when
// m := b.Meta[r] has Safe set. The sink calls b.Release() once per
// EmitBlock when it is done with the rows (it may Hold the block longer).
type BlockSink interface {
	source.Sink
	EmitBlock(b *Block, from, to int) error
}

// Rows returns the number of rows in b.
func (b *Block) Rows() int { return len(b.Meta) }

// Row returns the cells of row r.
func (b *Block) Row(r int) []Cell {
	n := len(b.Table.Columns)
	return b.Cells[r*n : (r+1)*n : (r+1)*n]
}

// Text returns the bytes of a string or dynamic cell.
func (b *Block) Text(c *Cell) []byte { return b.Bytes[c.Off : c.Off+c.Len : c.Off+c.Len] }

// Time returns the value of a datetime cell.
func (c *Cell) Time() time.Time { return time.Unix(c.N, int64(c.Off)).UTC() }

// Values appends row r's values to dst as Emit takes them: string, int64,
// int32, float64, bool, time.Time, json.RawMessage or nil.
func (b *Block) Values(r int, dst []any) []any {
	for i, c := range b.Row(r) {
		if c.IsNull() {
			dst = append(dst, nil)
			continue
		}
		switch b.Table.Columns[i].Type {
		case types.String:
			dst = append(dst, string(b.Text(&c)))
		case types.Dynamic:
			dst = append(dst, json.RawMessage(append([]byte(nil), b.Text(&c)...)))
		case types.Long:
			dst = append(dst, c.N)
		case types.Int:
			dst = append(dst, int32(c.N))
		case types.Real:
			dst = append(dst, math.Float64frombits(uint64(c.N)))
		case types.Bool:
			dst = append(dst, c.N != 0)
		case types.DateTime:
			dst = append(dst, c.Time())
		default:
			dst = append(dst, nil)
		}
	}
	return dst
}

// blockTypes reports whether a Block can hold every column of t.
func blockTypes(t *schema.Table) bool {
	for _, c := range t.Columns {
		switch c.Type {
		case types.String, types.Dynamic, types.Long, types.Int, types.Real, types.Bool, types.DateTime:
		default:
			return false
		}
	}
	return true
}

// emptyRow returns the cells of a row of t with nothing in it: "" in the
// string columns, null in the others.
func emptyRow(t *schema.Table) []Cell {
	row := make([]Cell, len(t.Columns))
	for i, c := range t.Columns {
		if c.Type != types.String {
			row[i] = null
		}
	}
	return row
}

// newRow appends empty, a row of b's table with nothing in it (emptyRow),
// and returns its cells.
func (b *Block) newRow(empty []Cell) []Cell {
	b.Cells = append(b.Cells, empty...)
	b.Meta = append(b.Meta, RowMeta{})
	return b.Row(len(b.Meta) - 1)
}

// dropRow removes the last row; the text it appended stays, unused.
func (b *Block) dropRow() {
	b.Cells = b.Cells[:len(b.Cells)-len(b.Table.Columns)]
	b.Meta = b.Meta[:len(b.Meta)-1]
}

// reset empties the block for reuse.
func (b *Block) reset() {
	b.Cells, b.Bytes, b.Meta = b.Cells[:0], b.Bytes[:0], b.Meta[:0]
}

// setText makes c a string or dynamic cell holding text.
func (b *Block) setText(c *Cell, text []byte) {
	off := len(b.Bytes)
	b.Bytes = append(b.Bytes, text...)
	*c = Cell{Off: uint32(off), Len: uint32(len(text))}
}

// setTime makes c a datetime cell.
func setTime(c *Cell, t time.Time) { *c = Cell{N: t.Unix(), Off: uint32(t.Nanosecond())} }

// setAny stores a value as source.Convert returns it for a column of type t.
func (b *Block) setAny(c *Cell, t types.Type, x any) {
	switch v := x.(type) {
	case nil:
		*c = null
	case string:
		if !utf8.ValidString(v) {
			v = strings.ToValidUTF8(v, "\uFFFD")
		}
		off := len(b.Bytes)
		b.Bytes = append(b.Bytes, v...)
		*c = Cell{Off: uint32(off), Len: uint32(len(v))}
	case json.RawMessage:
		b.setText(c, v)
	case int64:
		*c = Cell{N: v}
	case int32:
		*c = Cell{N: int64(v)}
	case float64:
		*c = Cell{N: int64(math.Float64bits(v))}
	case bool:
		*c = Cell{}
		if v {
			c.N = 1
		}
	case time.Time:
		setTime(c, v)
	default:
		*c = null
	}
	if t == types.String && c.IsNull() {
		*c = Cell{}
	}
}
