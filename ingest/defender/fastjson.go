package defender

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/kql/types"
)

// This file is the fast path of the streaming JSON reader: a validating
// scanner over one line that walks objects without building maps and
// converts property values straight to column values. Anything unusual
// (invalid JSON, escapes in keys, unknown categories) goes to the
// encoding/json path, which decides and words the error.

var errSyntax = errors.New("syntax")

// noFastPath turns the fast path off (tests compare both paths).
var noFastPath bool

// jv is a scanned JSON value: its kind and raw bytes (for a string, the
// bytes between the quotes; esc tells whether they contain escapes).
//
// The slice comes first so that jv is 32 bytes: the compiler keeps a
// struct of that size in registers, while a 40-byte one was copied through
// memory (with a store-forwarding stall that took half the samples of the
// property walk).
type jv struct {
	raw  []byte
	kind byte // 's' string, 'n' number, 't' true, 'f' false, 'z' null, 'o' object, 'a' array
	esc  bool
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// strStop marks the bytes that end the fast loop inside a string: the
// quote, the backslash, control characters and non-ASCII bytes.
var strStop = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= 0x80
	}
	return
}()

// scanString scans a string starting at b[i] == '"'. esc is set when the
// string has escapes or non-ASCII bytes (it then needs the careful path).
func scanString(b []byte, i int) (raw []byte, esc bool, next int, err error) {
	j := i + 1
	for j < len(b) {
		// Eight plain bytes at a time.
		for j+8 <= len(b) && !stops8(binary.LittleEndian.Uint64(b[j:])) {
			j += 8
		}
		if j >= len(b) {
			break
		}
		c := b[j]
		if !strStop[c] {
			j++
			continue
		}
		switch {
		case c == '"':
			return b[i+1 : j], esc, j + 1, nil
		case c == '\\':
			esc = true
			if j+1 >= len(b) {
				return nil, false, 0, errSyntax
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) {
					return nil, false, 0, errSyntax
				}
				for _, h := range b[j+2 : j+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, false, 0, errSyntax
					}
				}
				j += 6
			default:
				return nil, false, 0, errSyntax
			}
		case c < 0x20:
			return nil, false, 0, errSyntax
		default: // non-ASCII
			esc = true
			j++
		}
	}
	return nil, false, 0, errSyntax
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// stops8 reports whether one of the eight bytes of x (possibly) stops the
// fast loop of scanString: a quote, a backslash, a control character or a
// non-ASCII byte. It may report bytes after such a byte too, never miss one.
func stops8(x uint64) bool {
	zero := func(y uint64) uint64 { return (y - ones) &^ y & highs }
	return (zero(x^(ones*'"')) | zero(x^(ones*'\\')) | (x-ones*0x20)&^x&highs | x&highs) != 0
}

func scanNumber(b []byte, i int) (int, error) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	if j >= len(b) {
		return 0, errSyntax
	}
	if b[j] == '0' {
		j++
	} else if b[j] >= '1' && b[j] <= '9' {
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	} else {
		return 0, errSyntax
	}
	if j < len(b) && b[j] == '.' {
		j++
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return 0, errSyntax
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return 0, errSyntax
		}
	}
	return j, nil
}

// scanValue scans any value at b[i] (after white space), validating
// nested objects and arrays.
func scanValue(b []byte, i int, depth int) (jv, int, error) {
	i = skipWS(b, i)
	if i >= len(b) || depth > 1000 {
		return jv{}, 0, errSyntax
	}
	switch c := b[i]; {
	case c == '"':
		raw, esc, n, err := scanString(b, i)
		return jv{kind: 's', raw: raw, esc: esc}, n, err
	case c == '{' || c == '[':
		start := i
		n, err := skipContainer(b, i, depth)
		if err != nil {
			return jv{}, 0, err
		}
		k := byte('o')
		if c == '[' {
			k = 'a'
		}
		return jv{kind: k, raw: b[start:n]}, n, nil
	case c == 't' && len(b)-i >= 4 && string(b[i:i+4]) == "true":
		return jv{kind: 't'}, i + 4, nil
	case c == 'f' && len(b)-i >= 5 && string(b[i:i+5]) == "false":
		return jv{kind: 'f'}, i + 5, nil
	case c == 'n' && len(b)-i >= 4 && string(b[i:i+4]) == "null":
		return jv{kind: 'z'}, i + 4, nil
	case c == '-' || c >= '0' && c <= '9':
		n, err := scanNumber(b, i)
		if err != nil {
			return jv{}, 0, err
		}
		return jv{kind: 'n', raw: b[i:n]}, n, nil
	}
	return jv{}, 0, errSyntax
}

func skipContainer(b []byte, i int, depth int) (int, error) {
	if b[i] == '{' {
		return eachMember(b, i, depth+1, nil)
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		_, n, err := scanValue(b, i, depth+1)
		if err != nil {
			return 0, err
		}
		i = skipWS(b, n)
		if i >= len(b) {
			return 0, errSyntax
		}
		if b[i] == ']' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, errSyntax
		}
		i++
	}
}

// eachMember walks the object at b[i] == '{', calling fn (if not nil)
// with each key (raw, without escapes: a key with escapes is a syntax
// error here, sending the line to the slow path) and value.
func eachMember(b []byte, i int, depth int, fn func(key []byte, v jv) error) (int, error) {
	return eachMemberLazy(b, i, depth, func(key []byte, b []byte, i int) (int, error) {
		v, n, err := scanValue(b, i, depth)
		if err != nil {
			return 0, err
		}
		if fn != nil {
			if err := fn(key, v); err != nil {
				return 0, err
			}
		}
		return n, nil
	})
}

func bytesIndexByte(b []byte, c byte) int { return bytes.IndexByte(b, c) }

func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// str returns a string value's text (a new string).
func (v jv) str() (string, error) {
	if !v.esc {
		return string(v.raw), nil
	}
	return string(appendText(nil, v)), nil
}

// appendText appends a string value's text to dst: its bytes, or for a
// string with escapes or non-ASCII bytes, the decoded text with invalid
// UTF-8 and lone surrogates replaced by U+FFFD, as encoding/json does (the
// scanner validated the escapes).
func appendText(dst []byte, v jv) []byte {
	raw := v.raw
	if !v.esc {
		return append(dst, raw...)
	}
	if bytesIndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				dst = append(dst, c)
				i++
				continue
			}
			r, size := utf8.DecodeRune(raw[i:])
			dst = utf8.AppendRune(dst, r) // RuneError for invalid bytes
			i += size
			continue
		}
		e := raw[i+1]
		i += 2
		switch e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(raw[i : i+4]))
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 := rune(hex4(raw[i+2 : i+6]))
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						dst = utf8.AppendRune(dst, d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default: // " \ /
			dst = append(dst, e)
		}
	}
	return dst
}

func hex4(b []byte) int {
	n := 0
	for _, c := range b {
		n <<= 4
		switch {
		case c >= '0' && c <= '9':
			n |= int(c - '0')
		case c >= 'a' && c <= 'f':
			n |= int(c-'a') + 10
		default:
			n |= int(c-'A') + 10
		}
	}
	return n
}

// any decodes the value the way encoding/json with UseNumber would.
func (v jv) any() (any, error) {
	switch v.kind {
	case 's':
		return v.str()
	case 'n':
		return json.Number(string(v.raw)), nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'z':
		return nil, nil
	}
	var x any
	d := json.NewDecoder(bytesReader(v.raw))
	d.UseNumber()
	err := d.Decode(&x)
	return x, err
}

// convert stores a scanned value in cell c of b, as the value of a column
// of type t.
func convert(b *Block, c *Cell, t types.Type, v jv) error {
	switch {
	case v.kind == 'z':
		*c = Cell{}
		if t != types.String {
			*c = null
		}
		return nil
	case t == types.String && v.kind == 's':
		off := len(b.Bytes)
		b.Bytes = appendText(b.Bytes, v)
		*c = Cell{Off: uint32(off), Len: uint32(len(b.Bytes) - off)}
		return nil
	case t == types.String && v.kind == 'n':
		b.setText(c, v.raw)
		return nil
	case t == types.DateTime && v.kind == 's' && !v.esc:
		if tm, ok := fastISO(v.raw); ok {
			setTime(c, tm)
			return nil
		}
	case (t == types.Long || t == types.Int) && v.kind == 'n':
		if n, err := strconv.ParseInt(bstr(v.raw), 10, 64); err == nil {
			if t == types.Int && (n < math.MinInt32 || n > math.MaxInt32) {
				return errors.New("int out of range: " + string(v.raw))
			}
			*c = Cell{N: n}
			return nil
		}
	case t == types.Real && v.kind == 'n':
		if f, err := strconv.ParseFloat(bstr(v.raw), 64); err == nil {
			*c = Cell{N: int64(math.Float64bits(f))}
			return nil
		}
	case t == types.Bool && (v.kind == 't' || v.kind == 'f'):
		*c = Cell{}
		if v.kind == 't' {
			c.N = 1
		}
		return nil
	}
	x, err := v.any()
	if err != nil {
		return err
	}
	if x, err = source.Convert(t, x); err != nil {
		return err
	}
	b.setAny(c, t, x)
	return nil
}

func d2(b []byte, i int) (int, bool) {
	c0, c1 := b[i]-'0', b[i+1]-'0'
	if c0 > 9 || c1 > 9 {
		return 0, false
	}
	return int(c0)*10 + int(c1), true
}

// fastISO parses "YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z]" (UTC).
func fastISO(b []byte) (time.Time, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	y1, ok1 := d2(b, 0)
	y2, ok2 := d2(b, 2)
	mo, ok3 := d2(b, 5)
	d, ok4 := d2(b, 8)
	h, ok5 := d2(b, 11)
	mi, ok6 := d2(b, 14)
	s, ok7 := d2(b, 17)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	i, ns := 19, 0
	if i < len(b) && b[i] == '.' {
		i++
		k := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if k < 9 {
				ns = ns*10 + int(b[i]-'0')
			}
			k++
			i++
		}
		if k == 0 || k > 9 {
			return time.Time{}, false
		}
		for ; k < 9; k++ {
			ns *= 10
		}
	}
	if i < len(b) && b[i] == 'Z' {
		i++
	}
	if i != len(b) {
		return time.Time{}, false
	}
	y := y1*100 + y2
	t := time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // Feb 30: let the slow path word the error
	}
	return t, true
}

type byteReader struct {
	b []byte
	i int
}

func (r *byteReader) Read(p []byte) (int, error) {
	if r.i >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.i:])
	r.i += n
	return n, nil
}

func bytesReader(b []byte) *byteReader { return &byteReader{b: b} }

// fastLine handles a line on the fast path; false means the line must go
// to the encoding/json path (which then handles all of it). A line that is
// one record is scanned once: its properties are converted while they are
// validated, provided the category came first (as the Streaming API
// writes it).
func (s *streamState) fastLine(no int64, line []byte) (bool, error) {
	if noFastPath {
		return false, nil
	}
	i := skipWS(line, 0)
	if i < len(line) && line[i] == '{' && !bytes.Contains(line[:min(len(line), i+64)], []byte(`"records"`)) {
		ok, err := s.fastRecord(no, "", line[i:], true)
		return ok, err
	}
	var recs jv
	var hasRecs bool
	end, err := eachMember(line, i, 0, func(key []byte, v jv) error {
		if string(key) == "records" {
			recs, hasRecs = v, true
		}
		return nil
	})
	if err != nil || skipWS(line, end) != len(line) {
		return false, nil
	}
	if !hasRecs {
		return s.fastRecord(no, "", line[i:end], false)
	}
	if recs.kind != 'a' {
		return false, nil
	}
	// Every element must be an object for the fast path.
	b := recs.raw
	i = skipWS(b, 1)
	var objs [][]byte
	for i < len(b) && b[i] != ']' {
		v, n, err := scanValue(b, i, 1)
		if err != nil || v.kind != 'o' {
			return false, nil
		}
		objs = append(objs, v.raw)
		i = skipWS(b, n)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
		}
	}
	for k, o := range objs {
		where := "record " + strconv.Itoa(k+1) + ": "
		ok, err := s.fastRecord(no, where, o, false)
		if err != nil {
			return true, err
		}
		if !ok {
			if s.worker {
				return false, nil
			}
			var e envelope
			if err := decode(o, &e); err != nil {
				if err := s.out.Reject(no, where+"invalid JSON: "+err.Error()); err != nil {
					return true, err
				}
				continue
			}
			if err := s.record(no, where, &e); err != nil {
				return true, err
			}
		}
	}
	return true, nil
}

// fastRecord loads one envelope object of a built-in category; false means
// the slow path must handle this record. With whole set, obj is the whole
// line, not yet validated: it must be one object followed by nothing.
func (s *streamState) fastRecord(no int64, where string, obj []byte, whole bool) (bool, error) {
	var cat, tm, props jv
	var hasCat, hasTime, hasProps, done bool
	var p record
	setTable := func() bool {
		c := bstr(cat.raw)
		if cat.kind != 's' || cat.esc || len(c) <= len(categoryPrefix) || c[:len(categoryPrefix)] != categoryPrefix {
			return false
		}
		if s.lastBlock != nil && c == s.lastCat {
			p.tb, p.b = s.lastTable, s.lastBlock
			p.row = p.b.newRow(p.tb.empty)
			return true
		}
		name := c[len(categoryPrefix):]
		tb := s.tables[name]
		if tb == nil && isBuiltin(name) {
			tb, _ = s.table(name, nil)
		}
		if tb == nil || !tb.builtin || !blockTypes(tb.t) {
			return false
		}
		p.tb, p.b = tb, s.block(tb)
		s.lastCat, s.lastTable, s.lastBlock = string(cat.raw), tb, p.b
		p.row = p.b.newRow(tb.empty)
		return true
	}
	fail := func() (bool, error) {
		if p.row != nil {
			p.b.dropRow()
		}
		return false, nil
	}
	end, err := eachMemberLazy(obj, 0, 1, func(key []byte, line []byte, i int) (int, error) {
		switch string(key) {
		case "category":
			v, n, err := scanValue(line, i, 1)
			cat, hasCat = v, true
			return n, err
		case "time":
			v, n, err := scanValue(line, i, 1)
			tm, hasTime = v, true
			return n, err
		case "properties":
			hasProps = true
			j := skipWS(line, i)
			if hasCat && !done && j < len(line) && line[j] == '{' {
				if !setTable() {
					p.slow = true
					return skipContainer(line, j, 1)
				}
				done = true
				props.kind = 'o'
				return p.properties(line, j)
			}
			v, n, err := scanValue(line, i, 1)
			props = v
			return n, err
		}
		_, n, err := scanValue(line, i, 1)
		return n, err
	})
	if err != nil || p.slow || (whole && skipWS(obj, end) != len(obj)) {
		return fail()
	}
	if !hasCat || !hasProps || props.kind != 'o' {
		return fail()
	}
	if !done {
		// properties came before category: a second pass.
		if !setTable() {
			return fail()
		}
		if _, err := p.properties(props.raw, 0); err != nil || p.slow {
			return fail()
		}
	}
	tb, row := p.tb, p.row
	if tb.ts >= 0 && row[tb.ts].IsNull() {
		if p.tsSeen || !hasTime {
			return fail()
		}
		if err := convert(p.b, &row[tb.ts], types.DateTime, tm); err != nil || row[tb.ts].IsNull() {
			return fail()
		}
	}
	if tb.tg >= 0 && row[tb.tg].IsNull() && tb.ts >= 0 {
		row[tb.tg] = row[tb.ts]
	}
	return true, s.emitRow(p.b)
}

// record is the fast path's state while it reads a record's properties
// into row, the record's row in block b of table tb. slow is set when the
// slow path must decide; tsSeen when the properties have a Timestamp.
type record struct {
	tb           *table
	b            *Block
	row          []Cell
	slow, tsSeen bool
}

// properties reads the properties object at b[i] == '{' into the row,
// validating it as eachMember does, and returns where it ends. Records
// list their properties in the same order, so the column of the previous
// record's k-th key is tried first by comparing its name with the text at
// the key's place (a column name has no quote, escape or non-ASCII byte,
// so the key is that name exactly when the text is the name followed by a
// quote).
func (p *record) properties(b []byte, i int) (int, error) {
	tb := p.tb
	if i >= len(b) || b[i] != '{' {
		return 0, errSyntax
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for k := 0; ; k++ {
		if i >= len(b) || b[i] != '"' {
			return 0, errSyntax
		}
		var key []byte
		var n, col int
		found, ok := false, false
		if k < len(tb.pred) {
			if c := tb.pred[k]; c >= 0 {
				name := tb.t.Columns[c].Name
				if e := i + 1 + len(name); e < len(b) && b[e] == '"' && string(b[i+1:e]) == name {
					key, n, col, found, ok = b[i+1:e], e+1, int(c), true, true
				}
			}
		}
		if !found {
			var esc bool
			var err error
			key, esc, n, err = scanString(b, i)
			if err != nil || esc {
				return 0, errSyntax
			}
			col, ok = tb.column(k, key)
		}
		i = skipWS(b, n)
		if i >= len(b) || b[i] != ':' {
			return 0, errSyntax
		}
		v, n, err := scanValue(b, i+1, 2)
		if err != nil {
			return 0, err
		}
		switch {
		case ok:
			if col == tb.ts {
				p.tsSeen = true
			}
			if err := convert(p.b, &p.row[col], tb.t.Columns[col].Type, v); err != nil {
				p.slow = true
				return 0, errSyntax
			}
		default:
			if _, ok := tb.lower[lowerASCII(key)]; ok {
				p.slow = true // a column spelt differently: let the slow path decide
			}
		}
		i = skipWS(b, n)
		if i >= len(b) {
			return 0, errSyntax
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, errSyntax
		}
		i = skipWS(b, i+1)
	}
}

// block returns the block that collects the rows of tb.
func (s *streamState) block(tb *table) *Block {
	b := s.blocks[tb.t.Name]
	if b == nil {
		if s.rec != nil {
			// Room for the chunk's records: growing a block as rows come
			// cost as much as parsing them.
			b = getBlock(tb.t, s.rec.lines, s.rec.bytes)
		} else {
			b = &Block{Table: tb.t}
		}
		s.blocks[tb.t.Name] = b
	}
	return b
}

// emitRow hands on the row just written to b: a worker records it, the
// reading goroutine passes it to the sink at once.
func (s *streamState) emitRow(b *Block) error {
	if s.rec != nil {
		s.rec.row(b)
		return nil
	}
	s.vals = b.Values(b.Rows()-1, s.vals[:0])
	b.reset()
	s.out.Record()
	return s.out.Emit(b.Table, s.vals)
}

// eachMemberLazy walks the object at b[i] == '{', calling fn with each key
// (raw, as for eachMember) and letting fn scan the value itself (from
// index i) and return where it ends.
func eachMemberLazy(b []byte, i int, depth int, fn func(key []byte, b []byte, i int) (int, error)) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return 0, errSyntax
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, errSyntax
		}
		key, esc, n, err := scanString(b, i)
		if err != nil || esc {
			return 0, errSyntax
		}
		i = skipWS(b, n)
		if i >= len(b) || b[i] != ':' {
			return 0, errSyntax
		}
		n, err = fn(key, b, i+1)
		if err != nil {
			return 0, err
		}
		i = skipWS(b, n)
		if i >= len(b) {
			return 0, errSyntax
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		if b[i] != ',' {
			return 0, errSyntax
		}
		i = skipWS(b, i+1)
	}
}

func lowerASCII(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}
