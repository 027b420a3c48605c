package ingest

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/quarry-kql/quarry/ingest/defender"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// chunkAppender appends rows to a table through DuckDB's C appender one
// data chunk (2048 rows) at a time, writing the values straight into the
// chunk's vectors from Go. duckdb-go's Appender makes a cgo call for every
// string value, which made it slower than DuckDB's own read_json; here a
// chunk costs a handful of cgo calls whatever its contents.
//
// Strings longer than DuckDB's 12 inlined bytes point into Go buffers
// pinned (runtime.Pinner) until the chunk is appended; DuckDB copies them
// when it appends the chunk. The appender works on the writer's
// connection, inside its transaction, like duckdb-go's.
//
// It handles the column types ingest writes most (VARCHAR, BIGINT,
// INTEGER, DOUBLE, BOOLEAN, TIMESTAMP, JSON); tables with other types keep
// duckdb-go's Appender (see fastTable).
type chunkAppender struct {
	app   mapping.Appender
	chunk mapping.DataChunk
	kinds []colKind
	data  []unsafe.Pointer // each column's vector data
	valid []unsafe.Pointer // each column's validity mask
	rows  int
	cap   int

	pin   runtime.Pinner
	arena []byte   // current buffer for long strings
	used  [][]byte // buffers pinned for the chunk being filled
	spare [][]byte // buffers to reuse for the next chunk
	json  [][]byte // the JSON text of the row's JSON columns
	// jsonCols are the positions of the JSON columns.
	jsonCols []int

	// cellsFor is the block table whose columns appendCells checked
	// against the appender's; blocks are the blocks the chunk's strings
	// point into, pinned until it is appended.
	cellsFor *schema.Table
	blocks   []*defender.Block
}

type colKind byte

const (
	kVarchar colKind = iota
	kBigint
	kInteger
	kDouble
	kBool
	kTimestamp
	kJSON
)

// fastTable reports whether every column of t has a type chunkAppender
// writes.
func fastTable(t *schema.Table) bool {
	for _, c := range t.Columns {
		switch c.Type {
		case types.String, types.Long, types.Int, types.Real, types.Bool, types.DateTime, types.Dynamic:
		default:
			return false
		}
	}
	return true
}

// errValue is returned by appendRow for a value of a Go type it does not
// write; nothing of the row has been written then.
var errValue = errors.New("value type not handled by the chunk appender")

// rawConn returns DuckDB's connection handle of a duckdb-go connection.
// duckdb-go keeps it unexported as the first field of Conn; go.mod pins
// duckdb-go's version and TestChunkAppender checks the layout still holds.
func rawConn(c driver.Conn) (mapping.Connection, error) {
	dc, ok := c.(*duckdb.Conn)
	if !ok || dc == nil {
		return mapping.Connection{}, fmt.Errorf("chunk appender: not a duckdb connection (%T)", c)
	}
	raw := *(*mapping.Connection)(unsafe.Pointer(dc))
	if raw.Ptr == nil {
		return mapping.Connection{}, errors.New("chunk appender: connection closed")
	}
	return raw, nil
}

func newChunkAppender(c driver.Conn, t *schema.Table) (*chunkAppender, error) {
	conn, err := rawConn(c)
	if err != nil {
		return nil, err
	}
	a := &chunkAppender{}
	if mapping.AppenderCreateExt(conn, "", "", t.Name, &a.app) == mapping.StateError {
		msg := mapping.AppenderError(a.app)
		mapping.AppenderDestroy(&a.app)
		return nil, errors.New(msg)
	}
	n := int(mapping.AppenderColumnCount(a.app))
	if n != len(t.Columns) {
		mapping.AppenderDestroy(&a.app)
		return nil, fmt.Errorf("table %s has %d columns, rows have %d", t.Name, n, len(t.Columns))
	}
	lts := make([]mapping.LogicalType, n)
	defer func() {
		for i := range lts {
			mapping.DestroyLogicalType(&lts[i])
		}
	}()
	a.kinds = make([]colKind, n)
	for i := range lts {
		lts[i] = mapping.AppenderColumnType(a.app, mapping.IdxT(i))
		var k colKind
		switch mapping.GetTypeId(lts[i]) {
		case mapping.TypeVarchar:
			switch mapping.LogicalTypeGetAlias(lts[i]) {
			case "":
				k = kVarchar
			case "JSON":
				k = kJSON
			default:
				mapping.AppenderDestroy(&a.app)
				return nil, fmt.Errorf("column %s: aliased type", t.Columns[i].Name)
			}
		case mapping.TypeBigInt:
			k = kBigint
		case mapping.TypeInteger:
			k = kInteger
		case mapping.TypeDouble:
			k = kDouble
		case mapping.TypeBoolean:
			k = kBool
		case mapping.TypeTimestamp:
			k = kTimestamp
		default:
			mapping.AppenderDestroy(&a.app)
			return nil, fmt.Errorf("column %s: type not handled by the chunk appender", t.Columns[i].Name)
		}
		a.kinds[i] = k
		if k == kJSON {
			a.jsonCols = append(a.jsonCols, i)
		}
	}
	a.chunk = mapping.CreateDataChunk(lts)
	a.cap = int(mapping.VectorSize())
	a.data = make([]unsafe.Pointer, n)
	a.valid = make([]unsafe.Pointer, n)
	a.json = make([][]byte, n)
	a.vectors()
	return a, nil
}

// vectors fetches the columns' data and validity pointers of the (fresh or
// reset) chunk.
func (a *chunkAppender) vectors() {
	for i := range a.kinds {
		v := mapping.DataChunkGetVector(a.chunk, mapping.IdxT(i))
		mapping.VectorEnsureValidityWritable(v)
		a.data[i] = mapping.VectorGetData(v)
		a.valid[i] = mapping.VectorGetValidity(v)
	}
}

// duckString is DuckDB's duckdb_string_t, 16 bytes: a 4-byte length,
// then either the string inlined (up to 12 bytes) or a 4-byte prefix and
// a pointer. It is written as two words without Go pointer type (the
// inlined bytes are no pointer; a long string's bytes are pinned), in
// little-endian order as on the platforms DuckDB's Go bindings ship for.
type duckString [2]uint64

// putDuckString writes the duckdb_string_t of s at dst; long strings
// point at p. The two words are computed in registers and stored one by
// one: building them in memory and copying them as 16 bytes stalled the
// CPU (store forwarding), a quarter of the chunk appender's time in perf.
func putDuckString(dst unsafe.Pointer, s string, p unsafe.Pointer) {
	w0, w1 := duckWords(s, p)
	*(*uint64)(dst) = w0
	*(*uint64)(unsafe.Add(dst, 8)) = w1
}

// duckWords returns the two words of the duckdb_string_t of s: the length
// and the first four bytes, then the next eight bytes inlined (the rest
// zero) or, for a string longer than 12 bytes, the pointer p.
func duckWords(s string, p unsafe.Pointer) (uint64, uint64) {
	n := len(s)
	if n > 12 {
		return uint64(n) | uint64(le32(s))<<32, uint64(uintptr(p))
	}
	var lo, hi uint64
	if n >= 4 {
		lo = uint64(le32(s))
		if n >= 8 {
			hi = uint64(le32(s[4:]))
			for i := 8; i < n; i++ {
				hi |= uint64(s[i]) << (8 * (i - 4))
			}
		} else {
			for i := 4; i < n; i++ {
				hi |= uint64(s[i]) << (8 * (i - 4))
			}
		}
	} else {
		for i := 0; i < n; i++ {
			lo |= uint64(s[i]) << (8 * i)
		}
	}
	return uint64(n) | lo<<32, hi
}

// le32 reads the first four bytes of s as a little-endian word.
func le32(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

const arenaSize = 256 << 10

// str stores s in a stable, pinned place and returns its address.
func (a *chunkAppender) str(s string) unsafe.Pointer {
	if len(a.arena)+len(s) > cap(a.arena) {
		if len(a.spare) > 0 && len(s) <= arenaSize {
			a.arena = a.spare[len(a.spare)-1]
			a.spare = a.spare[:len(a.spare)-1]
		} else {
			a.arena = make([]byte, 0, max(arenaSize, len(s)))
		}
		a.pin.Pin(unsafe.SliceData(a.arena[:1]))
		a.used = append(a.used, a.arena)
	}
	off := len(a.arena)
	a.arena = append(a.arena, s...)
	return unsafe.Pointer(&a.arena[off])
}

func setValid(mask unsafe.Pointer, row int, ok bool) {
	w := (*uint64)(unsafe.Add(mask, (row>>6)*8))
	if ok {
		*w |= 1 << (row & 63)
	} else {
		*w &^= 1 << (row & 63)
	}
}

// check reports whether appendRow writes every value of vals.
func (a *chunkAppender) check(vals []driver.Value) bool {
	if len(vals) != len(a.kinds) {
		return false
	}
	for i, v := range vals {
		if v == nil {
			continue
		}
		ok := false
		switch a.kinds[i] {
		case kVarchar:
			_, ok = v.(string)
		case kBigint, kInteger:
			switch v.(type) {
			case int64, int, int32:
				ok = true
			}
		case kDouble:
			switch v.(type) {
			case float64, float32:
				ok = true
			}
		case kBool:
			_, ok = v.(bool)
		case kTimestamp:
			_, ok = v.(time.Time)
		case kJSON:
			// As duckdb-go's Appender writes JSON values.
			b, err := json.Marshal(v)
			a.json[i], ok = b, err == nil
		}
		if !ok {
			return false
		}
	}
	return true
}

// appendRow appends one row; it returns errValue, having written nothing,
// when a value has a Go type it does not handle.
func (a *chunkAppender) appendRow(vals []driver.Value) error {
	if !a.check(vals) {
		return errValue
	}
	r := a.rows
	for i, v := range vals {
		if v == nil {
			setValid(a.valid[i], r, false)
			if a.kinds[i] == kVarchar || a.kinds[i] == kJSON {
				*(*duckString)(unsafe.Add(a.data[i], r*16)) = duckString{}
			}
			continue
		}
		setValid(a.valid[i], r, true)
		switch a.kinds[i] {
		case kVarchar, kJSON:
			var s string
			if a.kinds[i] == kJSON {
				s = unsafe.String(unsafe.SliceData(a.json[i]), len(a.json[i]))
			} else {
				s = v.(string)
			}
			var ptr unsafe.Pointer
			if len(s) > 12 {
				ptr = a.str(s)
			}
			putDuckString(unsafe.Add(a.data[i], r*16), s, ptr)
		case kBigint:
			*(*int64)(unsafe.Add(a.data[i], r*8)) = toInt64(v)
		case kInteger:
			*(*int32)(unsafe.Add(a.data[i], r*4)) = int32(toInt64(v))
		case kDouble:
			f, ok := v.(float64)
			if !ok {
				f = float64(v.(float32))
			}
			*(*float64)(unsafe.Add(a.data[i], r*8)) = f
		case kBool:
			var b byte
			if v.(bool) {
				b = 1
			}
			*(*byte)(unsafe.Add(a.data[i], r)) = b
		case kTimestamp:
			*(*int64)(unsafe.Add(a.data[i], r*8)) = v.(time.Time).UnixMicro()
		}
	}
	a.rows++
	if a.rows == a.cap {
		return a.flushChunk()
	}
	return nil
}

// kindOf is the appender column kind that holds KQL type t.
func kindOf(t types.Type) (colKind, bool) {
	switch t {
	case types.String:
		return kVarchar, true
	case types.Dynamic:
		return kJSON, true
	case types.Long:
		return kBigint, true
	case types.Int:
		return kInteger, true
	case types.Real:
		return kDouble, true
	case types.Bool:
		return kBool, true
	case types.DateTime:
		return kTimestamp, true
	}
	return 0, false
}

// zeroUnix is the Unix time of Go's zero time, which Emit stores as null.
var zeroUnix = time.Time{}.Unix()

// appendCells appends row r of block b. Its long strings are not copied:
// they point into the block's bytes, which stay pinned until the chunk is
// appended. It returns errValue, having written nothing, when the table's
// columns are not the block's or a dynamic value is not JSON.
func (a *chunkAppender) appendCells(b *defender.Block, r int) error {
	if a.cellsFor != b.Table {
		if len(b.Table.Columns) != len(a.kinds) {
			return errValue
		}
		for i, c := range b.Table.Columns {
			if k, ok := kindOf(c.Type); !ok || k != a.kinds[i] {
				return errValue
			}
		}
		a.cellsFor = b.Table
	}
	row := b.Row(r)
	for _, i := range a.jsonCols {
		if !row[i].IsNull() {
			// As duckdb-go's Appender writes JSON values.
			js, err := json.Marshal(json.RawMessage(b.Text(&row[i])))
			if err != nil {
				return errValue
			}
			a.json[i] = js
		}
	}
	n := a.rows
	for i := range row {
		c := &row[i]
		k := a.kinds[i]
		if c.IsNull() || k == kTimestamp && c.N == zeroUnix && c.Off == 0 {
			setValid(a.valid[i], n, false)
			if k == kVarchar || k == kJSON {
				*(*duckString)(unsafe.Add(a.data[i], n*16)) = duckString{}
			}
			continue
		}
		setValid(a.valid[i], n, true)
		switch k {
		case kVarchar:
			text := b.Text(c)
			var ptr unsafe.Pointer
			if len(text) > 12 {
				if len(a.blocks) == 0 || a.blocks[len(a.blocks)-1] != b {
					a.pin.Pin(unsafe.SliceData(b.Bytes))
					b.Hold()
					a.blocks = append(a.blocks, b)
				}
				ptr = unsafe.Pointer(unsafe.SliceData(text))
			}
			putDuckString(unsafe.Add(a.data[i], n*16), unsafe.String(unsafe.SliceData(text), len(text)), ptr)
		case kJSON:
			s := unsafe.String(unsafe.SliceData(a.json[i]), len(a.json[i]))
			var ptr unsafe.Pointer
			if len(s) > 12 {
				ptr = a.str(s)
			}
			putDuckString(unsafe.Add(a.data[i], n*16), s, ptr)
		case kBigint:
			*(*int64)(unsafe.Add(a.data[i], n*8)) = c.N
		case kInteger:
			*(*int32)(unsafe.Add(a.data[i], n*4)) = int32(c.N)
		case kDouble:
			*(*uint64)(unsafe.Add(a.data[i], n*8)) = uint64(c.N)
		case kBool:
			*(*byte)(unsafe.Add(a.data[i], n)) = byte(c.N & 1)
		case kTimestamp:
			*(*int64)(unsafe.Add(a.data[i], n*8)) = c.N*1e6 + int64(c.Off)/1e3
		}
	}
	a.rows++
	if a.rows == a.cap {
		return a.flushChunk()
	}
	return nil
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	}
	return 0
}

// flushChunk hands the filled rows to DuckDB's appender, which copies
// them, and makes the chunk and the string buffers reusable.
func (a *chunkAppender) flushChunk() error {
	if a.rows == 0 {
		return nil
	}
	mapping.DataChunkSetSize(a.chunk, mapping.IdxT(a.rows))
	st := mapping.AppendDataChunk(a.app, a.chunk)
	runtime.KeepAlive(a.used)
	a.pin.Unpin()
	for _, b := range a.blocks {
		b.Release()
	}
	clear(a.blocks)
	a.blocks = a.blocks[:0]
	for _, b := range a.used {
		if cap(b) == arenaSize {
			a.spare = append(a.spare, b[:0])
		}
	}
	clear(a.used)
	a.used = a.used[:0]
	a.arena = nil
	a.rows = 0
	mapping.DataChunkReset(a.chunk)
	a.vectors()
	if st == mapping.StateError {
		return errors.New(mapping.AppenderError(a.app))
	}
	return nil
}

// close appends what is left and closes the appender, which flushes its
// rows into the table (inside the connection's transaction).
func (a *chunkAppender) close() error {
	err := a.flushChunk()
	if err == nil && mapping.AppenderClose(a.app) == mapping.StateError {
		err = errors.New(mapping.AppenderError(a.app))
	}
	mapping.AppenderDestroy(&a.app)
	mapping.DestroyDataChunk(&a.chunk)
	a.pin.Unpin()
	return err
}
