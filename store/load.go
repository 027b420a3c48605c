package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// Format is the format of a file given to Load.
type Format string

// The formats Load reads.
const (
	JSONLines Format = "jsonl"
	CSV       Format = "csv"
	Parquet   Format = "parquet"
)

// DetectFormat infers a file's format from its name: .jsonl, .ndjson or
// .json (JSON Lines), .csv, .parquet; a trailing .gz is allowed for JSON
// Lines and CSV. A .json file may also hold one JSON array of objects.
func DetectFormat(path string) (Format, error) {
	name := strings.ToLower(filepath.Base(path))
	gz := strings.HasSuffix(name, ".gz")
	name = strings.TrimSuffix(name, ".gz")
	switch filepath.Ext(name) {
	case ".jsonl", ".ndjson", ".json":
		return JSONLines, nil
	case ".csv":
		return CSV, nil
	case ".parquet", ".pq":
		if gz {
			return "", fmt.Errorf("%s: gzip-compressed Parquet is not supported (Parquet compresses internally)", path)
		}
		return Parquet, nil
	}
	return "", fmt.Errorf("%s: unknown file type (want .jsonl, .ndjson, .json, .csv, optionally .gz, or .parquet)", path)
}

// LoadOptions tune Load.
type LoadOptions struct {
	// MemoryLimit caps DuckDB's memory while loading (default "3GB"), so
	// that large Parquet files stream instead of being materialised.
	MemoryLimit string
	// MaxErrors is how many rejected-row messages LoadStats keeps (default
	// 20); every rejected row is counted regardless.
	MaxErrors int
	// Progress, if set, is called now and then with the number of rows
	// read so far from the current file.
	Progress func(file string, rows int64)
}

// LoadStats reports what Load did.
type LoadStats struct {
	Table    *schema.Table // the table's schema after loading
	Created  bool          // the table did not exist before
	Inferred bool          // its schema was inferred from the first file
	Rows     int64         // rows inserted
	Rejected int64         // input rows rejected
	Errors   []string      // the first rejected rows, as "file:line: reason"
}

// Load appends the rows of files to table. A table that exists keeps its
// schema; a table that does not exist is created with its built-in schema
// (EmailEvents, ...) when it has one, and otherwise with a schema inferred
// from the first file. Input columns are matched to table columns by
// name; table columns missing from the input are empty strings (string
// columns) or null, except TimeGenerated, which copies Timestamp. Rows
// of JSON Lines and CSV files (parsed in Go) with values that do not
// convert to the column's type are rejected, counted and reported with
// file:line; the rest are loaded. Parquet files, and files of a table
// whose schema is being inferred, are read by DuckDB's readers, streaming:
// there a value that does not convert fails that file with DuckDB's
// message. Each file is loaded in one transaction. opt.Progress is called
// with 0 rows when a file starts.
func (s *Store) Load(ctx context.Context, table string, files []string, opt LoadOptions) (*LoadStats, error) {
	if s.Restricted() {
		return nil, errors.New("store: the store is in query mode (file access disabled); load from another process")
	}
	if table == "" {
		return nil, errors.New("store: load needs a table name")
	}
	if len(files) == 0 {
		return nil, errors.New("store: load needs at least one file")
	}
	if opt.MemoryLimit == "" {
		opt.MemoryLimit = "3GB"
	}
	if opt.MaxErrors == 0 {
		opt.MaxErrors = 20
	}
	formats := make([]Format, len(files))
	for i, f := range files {
		var err error
		if formats[i], err = DetectFormat(f); err != nil {
			return nil, err
		}
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	// Stream instead of buffering the whole input to keep its order: this
	// is what keeps a 10M-row Parquet load within a few GB.
	for _, q := range []string{
		"SET memory_limit=" + QuoteString(opt.MemoryLimit),
		"SET preserve_insertion_order=false",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("store: %s: %w", q, err)
		}
	}
	defer func() {
		for _, q := range []string{"RESET memory_limit", "RESET preserve_insertion_order"} {
			conn.ExecContext(context.Background(), q)
		}
		if s.memoryLimit != "" {
			conn.ExecContext(context.Background(), "SET memory_limit="+QuoteString(s.memoryLimit))
		}
	}()

	st := &LoadStats{}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case cat.Stored(table):
		st.Table, _ = cat.Table(table)
	default:
		if b, ok := schema.Builtin(table); ok {
			st.Table = b
		} else {
			t, err := inferSchema(ctx, conn, table, files[0], formats[0])
			if err != nil {
				return nil, err
			}
			st.Table, st.Inferred = t, true
		}
		if _, err := conn.ExecContext(ctx, CreateTableSQL(st.Table)); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", table, err)
		}
		st.Created = true
	}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if opt.Progress != nil {
			opt.Progress(f, 0)
		}
		var err error
		switch formats[i] {
		case Parquet:
			err = loadSQL(ctx, conn, st, f, "read_parquet("+QuoteString(f)+")")
		case CSV:
			if st.Inferred {
				err = loadSQL(ctx, conn, st, f, "read_csv("+QuoteString(f)+", header=true)")
			} else {
				err = loadRows(ctx, conn, st, f, CSV, opt)
			}
		case JSONLines:
			if st.Inferred {
				err = loadSQL(ctx, conn, st, f, "read_json_auto("+QuoteString(f)+", format='newline_delimited')")
			} else {
				err = loadRows(ctx, conn, st, f, JSONLines, opt)
			}
		}
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// describe returns the column names and DuckDB types of a table function.
func describe(ctx context.Context, conn *sql.Conn, from string) (names, typs []string, err error) {
	rows, err := conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+from)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		names = append(names, fmt.Sprint(vals[0]))
		typs = append(typs, fmt.Sprint(vals[1]))
	}
	return names, typs, rows.Err()
}

func readerSQL(path string, f Format) string {
	switch f {
	case Parquet:
		return "read_parquet(" + QuoteString(path) + ")"
	case CSV:
		return "read_csv(" + QuoteString(path) + ", header=true)"
	default:
		return "read_json_auto(" + QuoteString(path) + ", format='newline_delimited')"
	}
}

// inferSchema derives a KQL schema from a file, through DuckDB's readers.
// Types KQL cannot represent are stored as strings.
func inferSchema(ctx context.Context, conn *sql.Conn, table, path string, f Format) (*schema.Table, error) {
	names, typs, err := describe(ctx, conn, readerSQL(path, f))
	if err != nil {
		return nil, fmt.Errorf("store: %s: cannot infer a schema: %w", path, err)
	}
	t := &schema.Table{Name: table, Doc: "loaded from " + filepath.Base(path)}
	for i, n := range names {
		kt, ok := KQLType(typs[i])
		if !ok {
			kt = types.String
		}
		t.Columns = append(t.Columns, schema.Column{Name: n, Type: kt})
	}
	return t, nil
}

// convertSQL returns the SQL expression converting source column src of
// DuckDB type srcType to the table column's type.
func convertSQL(c schema.Column, src, srcType string) string {
	q := QuoteIdent(src)
	srcKQL, _ := KQLType(srcType)
	switch c.Type {
	case types.String:
		if srcKQL == types.Dynamic {
			q = "CAST(to_json(" + q + ") AS VARCHAR)"
		} else if srcKQL != types.String {
			q = "CAST(" + q + " AS VARCHAR)"
		}
		return "COALESCE(" + q + ", '')"
	case types.Dynamic:
		if srcKQL == types.String {
			return "CAST(" + q + " AS JSON)"
		}
		return "to_json(" + q + ")"
	}
	if srcKQL == c.Type {
		return q
	}
	return "CAST(" + q + " AS " + SQLType(c.Type) + ")"
}

// loadSQL inserts a file through one of DuckDB's readers, streaming.
func loadSQL(ctx context.Context, conn *sql.Conn, st *LoadStats, path, from string) error {
	names, typs, err := describe(ctx, conn, from)
	if err != nil {
		return fmt.Errorf("store: %s: %w", path, err)
	}
	srcType := map[string]string{}
	for i, n := range names {
		srcType[n] = typs[i]
	}
	var sel, cols []string
	for _, c := range st.Table.Columns {
		cols = append(cols, QuoteIdent(c.Name))
		if t, ok := srcType[c.Name]; ok {
			sel = append(sel, convertSQL(c, c.Name, t))
			continue
		}
		switch {
		case c.Type == types.String:
			sel = append(sel, "''")
		case c.Name == schema.TimeGenerated && srcType["Timestamp"] != "":
			sel = append(sel, convertSQL(c, "Timestamp", srcType["Timestamp"]))
		default:
			sel = append(sel, "NULL")
		}
	}
	q := "INSERT INTO main." + QuoteIdent(st.Table.Name) + " (" + strings.Join(cols, ", ") + ") SELECT " +
		strings.Join(sel, ", ") + " FROM " + from
	res, err := conn.ExecContext(ctx, q)
	if err != nil {
		return fmt.Errorf("store: %s: %w", path, err)
	}
	n, _ := res.RowsAffected()
	st.Rows += n
	return nil
}

// staged reports whether a KQL type is appended as text and converted by
// DuckDB (the appender has no direct path for these).
func staged(t types.Type) bool {
	return t == types.Dynamic || t == types.Decimal || t == types.GUID
}

// openText opens a file, decompressing .gz.
func openText(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(strings.ToLower(path), ".gz") {
		return f, nil
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{z, f}, nil
}

// loadRows parses JSON Lines or CSV in Go, converting and checking every
// value against the table's schema, and appends the good rows.
func loadRows(ctx context.Context, conn *sql.Conn, st *LoadStats, path string, f Format, opt LoadOptions) (err error) {
	in, err := openText(path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer in.Close()

	cols := st.Table.Columns
	target, needStage := "main."+QuoteIdent(st.Table.Name), false
	for _, c := range cols {
		needStage = needStage || staged(c.Type)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	appendSchema, appendCatalog, appendTable := "main", "", st.Table.Name
	if needStage {
		var defs []string
		for _, c := range cols {
			typ := SQLType(c.Type)
			if staged(c.Type) {
				typ = "VARCHAR"
			}
			defs = append(defs, QuoteIdent(c.Name)+" "+typ)
		}
		if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE quarry_load_stage ("+strings.Join(defs, ", ")+")"); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		appendCatalog, appendSchema, appendTable = "temp", "main", "quarry_load_stage"
	}
	var app *duckdb.Appender
	if err := conn.Raw(func(dc any) error {
		var e error
		app, e = duckdb.NewAppender(dc.(driver.Conn), appendCatalog, appendSchema, appendTable)
		return e
	}); err != nil {
		return fmt.Errorf("store: appender for %s: %w", st.Table.Name, err)
	}
	var rows int64
	reject := func(line int, msg string) {
		st.Rejected++
		if len(st.Errors) < opt.MaxErrors {
			st.Errors = append(st.Errors, fmt.Sprintf("%s:%d: %s", path, line, msg))
		}
	}
	vals := make([]driver.Value, len(cols))
	emit := func(line int, get func(c schema.Column) (any, bool, error)) error {
		for i, c := range cols {
			raw, present, err := get(c)
			if err != nil {
				reject(line, err.Error())
				return nil
			}
			if !present && c.Name == schema.TimeGenerated {
				if ts, ok := st.Table.Column("Timestamp"); ok && ts.Type == types.DateTime {
					raw, _, _ = get(ts)
				}
			}
			v, err := ConvertValue(c.Type, raw, f == CSV)
			if err != nil {
				reject(line, fmt.Sprintf("column %s (%s): %v", c.Name, c.Type, err))
				return nil
			}
			vals[i] = v
		}
		if err := app.AppendRow(vals...); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		rows++
		if opt.Progress != nil && rows%100000 == 0 {
			opt.Progress(path, rows)
		}
		return nil
	}

	var readErr error
	if f == JSONLines {
		readErr = readJSONLines(ctx, in, func(line int, obj map[string]any, perr error) error {
			if perr != nil {
				reject(line, perr.Error())
				return nil
			}
			return emit(line, func(c schema.Column) (any, bool, error) {
				v, ok := obj[c.Name]
				return v, ok, nil
			})
		})
	} else {
		readErr = readCSV(ctx, in, func(line int, header map[string]int, rec []string) error {
			return emit(line, func(c schema.Column) (any, bool, error) {
				i, ok := header[c.Name]
				if !ok {
					return nil, false, nil
				}
				if i >= len(rec) {
					return nil, false, fmt.Errorf("has %d fields, the header has more", len(rec))
				}
				return rec[i], true, nil
			})
		})
	}
	if cerr := app.Close(); cerr != nil && readErr == nil {
		readErr = fmt.Errorf("store: %s: %w", path, cerr)
	}
	if readErr != nil {
		return readErr
	}
	if needStage {
		var sel, names []string
		for _, c := range cols {
			names = append(names, QuoteIdent(c.Name))
			if staged(c.Type) {
				sel = append(sel, "CAST("+QuoteIdent(c.Name)+" AS "+SQLType(c.Type)+")")
			} else {
				sel = append(sel, QuoteIdent(c.Name))
			}
		}
		q := "INSERT INTO " + target + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(sel, ", ") + " FROM temp.main.quarry_load_stage"
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: %s: %w", path, err)
		}
		if _, err := conn.ExecContext(ctx, "DROP TABLE temp.main.quarry_load_stage"); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	st.Rows += rows
	return nil
}

// readJSONLines calls fn for each JSON object of r, with its line number:
// one object a line (JSON Lines), or, when the input starts with '[', a
// JSON array of objects (then a syntax error stops the file).
func readJSONLines(ctx context.Context, r io.Reader, fn func(line int, obj map[string]any, err error) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	if first, err := peekNonSpace(br); err == nil && first == '[' {
		return readJSONArray(ctx, br, fn)
	}
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			if line%10000 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			t := strings.TrimSpace(string(b))
			if t != "" {
				var obj map[string]any
				d := json.NewDecoder(strings.NewReader(t))
				d.UseNumber()
				perr := d.Decode(&obj)
				if perr == nil && d.More() {
					perr = errors.New("extra data after the JSON object")
				}
				if perr == nil && obj == nil {
					perr = errors.New("not a JSON object")
				}
				if perr != nil {
					perr = fmt.Errorf("invalid JSON: %v", perr)
				}
				if err := fn(line, obj, perr); err != nil {
					return err
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// peekNonSpace returns the first byte that is not white space, without
// consuming anything but the white space before it.
func peekNonSpace(br *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			return 0, err
		}
		c := b[i-1]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != 0xEF && c != 0xBB && c != 0xBF {
			return c, nil
		}
		if i >= 4096 {
			return c, nil
		}
	}
}

// countingReader counts the newlines read through it, so array elements
// can be reported by line.
type countingReader struct {
	r     io.Reader
	lines int
	buf   []byte // what was read, kept until the decoder's offset passes it
	base  int64  // input offset of buf[0]
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.buf = append(c.buf, p[:n]...)
	return n, err
}

// lineAt returns the 1-based line of input offset off, dropping what is
// before it.
func (c *countingReader) lineAt(off int64) int {
	k := int(off - c.base)
	if k > len(c.buf) {
		k = len(c.buf)
	}
	c.lines += bytes.Count(c.buf[:k], []byte{'\n'})
	c.buf = append(c.buf[:0], c.buf[k:]...)
	c.base += int64(k)
	// The element starts after the separating comma and white space.
	ahead := 0
	for _, b := range c.buf {
		if b == '\n' {
			ahead++
		} else if b != ' ' && b != '\t' && b != '\r' && b != ',' {
			break
		}
	}
	return c.lines + ahead + 1
}

func readJSONArray(ctx context.Context, r io.Reader, fn func(line int, obj map[string]any, err error) error) error {
	cr := &countingReader{r: r}
	d := json.NewDecoder(cr)
	d.UseNumber()
	if _, err := d.Token(); err != nil { // [
		return fmt.Errorf("line 1: invalid JSON: %v", err)
	}
	for n := 0; d.More(); n++ {
		if n%10000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line := cr.lineAt(d.InputOffset())
		var v any
		if err := d.Decode(&v); err != nil {
			return fmt.Errorf("line %d: invalid JSON: %v", line, err)
		}
		obj, ok := v.(map[string]any)
		var perr error
		if !ok {
			perr = errors.New("not a JSON object")
		}
		if err := fn(line, obj, perr); err != nil {
			return err
		}
	}
	return nil
}

func readCSV(ctx context.Context, r io.Reader, fn func(line int, header map[string]int, rec []string) error) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("reading the CSV header: %w", err)
	}
	header := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[h] = i
	}
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)
			}
			return err
		}
		if n%10000 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := fn(line, header, rec); err != nil {
			return err
		}
	}
}

// Input says how the values given to Convert are written. The three
// readers of data files differ on purpose in a few points, and only
// there; everything else (strings, bools, reals, decimals, guids, the
// datetime text) is converted alike.
type Input uint8

const (
	// JSONInput: values decoded by encoding/json with UseNumber (JSON
	// Lines for `quarry load`). A string is a string: "" in a long column
	// is an error, and a string in a dynamic column is a JSON string.
	JSONInput Input = iota
	// TextInput: CSV fields (`quarry load`, externaldata). Every value is
	// text: empty text is null in every column but string, and text that
	// is valid JSON is that JSON in a dynamic column.
	TextInput
	// ExportInput: Defender XDR exports (ingest), whose values come from
	// JSON or from CSV through one path, so a string may be either:
	// blank text is null in every column but string; a string holding a
	// JSON object or array is that JSON in a dynamic column (Defender
	// writes dynamic columns as JSON text), any other string a JSON
	// string; integers may be written as integral reals ("2.0", 2e3);
	// datetimes may also take the Defender portal's forms ("Nov 1, 2026
	// 8:15:02 AM"); timespans are refused (the ingest writer has no
	// interval path).
	ExportInput
)

// ConvertValue converts one input value (from encoding/json with
// UseNumber, or a CSV field when fromText) to the Go value a DuckDB
// appender stores in a column made by CreateTableSQL for type t; see
// Convert.
func ConvertValue(t types.Type, v any, fromText bool) (driver.Value, error) {
	if fromText {
		return Convert(t, v, TextInput)
	}
	return Convert(t, v, JSONInput)
}

// Convert converts one input value, written as in says, to the Go value a
// DuckDB appender stores in a column of type t: nil for null, string,
// bool, int32 (int), int64 (long), float64 (real), time.Time UTC
// (datetime), duckdb.Interval (timespan); decimal, guid and dynamic values
// come back as text (dynamic: JSON text), to be cast by DuckDB. A
// missing string is the empty string (KQL strings are never null).
func Convert(t types.Type, v any, in Input) (driver.Value, error) {
	if v == nil {
		if t == types.String {
			return "", nil
		}
		return nil, nil
	}
	s, isStr := v.(string)
	if isStr && t != types.String && (s == "" || in == ExportInput && t != types.Dynamic && strings.TrimSpace(s) == "") {
		if in != JSONInput {
			return nil, nil
		}
	}
	switch t {
	case types.String:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		default:
			b, err := json.Marshal(x)
			return string(b), err
		}
	case types.Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string, json.Number:
			switch strings.ToLower(strings.TrimSpace(fmt.Sprint(x))) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
		}
		return nil, fmt.Errorf("bool expected, found %q", clip(fmt.Sprint(v)))
	case types.Int, types.Long:
		s, ok := numText(v)
		if !ok {
			return nil, fmt.Errorf("number expected, found %v", clip(fmt.Sprint(v)))
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if in != ExportInput || ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
				return nil, fmt.Errorf("integer expected, found %q", clip(s))
			}
			n = int64(f)
		}
		if t == types.Int {
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("int out of range: %d", n)
			}
			return int32(n), nil
		}
		return n, nil
	case types.Real, types.Decimal:
		s, ok := numText(v)
		if !ok {
			return nil, fmt.Errorf("number expected, found %v", clip(fmt.Sprint(v)))
		}
		// ParseFloat also reads NaN, Inf and Infinity, any case.
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("real expected, found %q", clip(s))
		}
		if t == types.Decimal {
			return s, nil
		}
		return f, nil
	case types.DateTime:
		if !isStr {
			return nil, fmt.Errorf("datetime expected, found %v", clip(fmt.Sprint(v)))
		}
		tm, err := in.ParseTime(s)
		if err != nil {
			return nil, err
		}
		return tm, nil
	case types.TimeSpan:
		if in == ExportInput {
			return nil, fmt.Errorf("timespan columns are not supported in ingest")
		}
		if !isStr {
			return nil, fmt.Errorf("timespan expected, found %v", clip(fmt.Sprint(v)))
		}
		d, err := ParseTimespan(s)
		if err != nil {
			return nil, err
		}
		return duckdb.Interval{Micros: d.Microseconds()}, nil
	case types.GUID:
		if !isStr || !isGUID(strings.TrimSpace(s)) {
			return nil, fmt.Errorf("guid expected, found %q", clip(fmt.Sprint(v)))
		}
		return strings.TrimSpace(s), nil
	case types.Dynamic:
		if isStr && in != JSONInput && json.Valid([]byte(s)) && (in == TextInput || s[0] == '{' || s[0] == '[') {
			return s, nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	return nil, fmt.Errorf("unsupported column type %s", t)
}

func numText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return x.String(), true
	case string:
		return strings.TrimSpace(x), true
	}
	return "", false
}

// clip shortens a value quoted in an error message to 80 bytes.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func isGUID(s string) bool {
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// isoLayouts are ISO 8601 / RFC 3339 datetimes as Kusto writes and reads
// them: up to 9 fractional digits, with or without a zone (no zone means
// UTC), a space instead of the T, or minutes or a date only.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// portalLayouts are the Defender portal's CSV export forms ("Nov 1, 2026
// 8:15:02 AM", always UTC) and its numeric US form, read from exports.
var portalLayouts = []string{
	"Jan 2, 2006 3:04:05.999999999 PM",
	"Jan 2, 2006 3:04:05 PM",
	"1/2/2006 3:04:05.999999999 PM",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
}

// ParseTime parses a datetime written as in says (ISO 8601; for
// ExportInput also the portal's forms) and returns it in UTC.
func (in Input) ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty datetime")
	}
	for _, layouts := range [][]string{isoLayouts, portalLayouts} {
		for _, l := range layouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC(), nil
			}
		}
		if in != ExportInput {
			break
		}
	}
	return time.Time{}, fmt.Errorf("invalid datetime %q", clip(s))
}

// ParseDateTime parses an ISO 8601 datetime as KQL writes it
// ("2026-10-02T13:45:12.3456780Z"); a time without a zone is UTC. The
// result is UTC.
func ParseDateTime(s string) (time.Time, error) {
	t, err := JSONInput.ParseTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 datetime", strings.TrimSpace(s))
	}
	return t, nil
}

// ParseTimespan parses KQL's timespan text [-][d.]hh:mm:ss[.fffffff].
func ParseTimespan(s string) (time.Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	bad := fmt.Errorf("%q is not a timespan ([-][d.]hh:mm:ss[.fffffff])", orig)
	var days int64
	if i := strings.IndexByte(s, '.'); i >= 0 && i < strings.IndexByte(s, ':') {
		d, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, bad
		}
		days, s = d, s[i+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, bad
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	sec, frac, _ := strings.Cut(parts[2], ".")
	sc, err3 := strconv.ParseInt(sec, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || m > 59 || sc > 59 || len(frac) > 9 {
		return 0, bad
	}
	var ns int64
	if frac != "" {
		f, err := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		if err != nil {
			return 0, bad
		}
		ns = f
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sc)*time.Second + time.Duration(ns)
	if neg {
		d = -d
	}
	return d, nil
}
