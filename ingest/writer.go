package ingest

import (
	"bufio"
	"context"
	"database/sql/driver"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// metaDDL creates the ingest bookkeeping table. One row per input file:
// its identity (hash of its first bytes), how far it was loaded, and the
// counts needed to resume after a crash without loading anything twice.
const metaDDL = `CREATE SCHEMA IF NOT EXISTS quarry_meta;
CREATE TABLE IF NOT EXISTS quarry_meta.ingest_files (
	id VARCHAR PRIMARY KEY,
	hash VARCHAR NOT NULL,
	hash_len BIGINT NOT NULL,
	path VARCHAR NOT NULL,
	source VARCHAR NOT NULL,
	size BIGINT NOT NULL,
	safe_offset BIGINT NOT NULL,
	lines BIGINT NOT NULL,
	rows BIGINT NOT NULL,
	records BIGINT NOT NULL,
	rejected BIGINT NOT NULL,
	skipped BIGINT NOT NULL,
	rejects_path VARCHAR NOT NULL,
	rejects_bytes BIGINT NOT NULL,
	complete BOOLEAN NOT NULL,
	updated TIMESTAMP NOT NULL
)`

// fileState is one row of quarry_meta.ingest_files.
type fileState struct {
	ID, Hash                string
	HashLen                 int64
	Path, Source            string
	Size, SafeOffset, Lines int64
	Rows, Records, Rejected int64
	Skipped                 int64
	RejectsPath             string
	RejectsBytes            int64
	Complete                bool
}

// writer is the Sink of one file: it appends rows inside a transaction,
// commits every batch together with the file's progress, writes rejects,
// and on a resumed run drops the rows and rejects an earlier run already
// committed.
type writer struct {
	ctx   context.Context
	st    *store.Store
	conn  driver.Conn
	batch int

	state fileState
	// skipRows/skipRejects are the rows and rejects committed by an
	// interrupted earlier run, re-produced by the parser and dropped here.
	skipRows, skipRejects int64

	inTx      bool
	appenders map[string]*duckdb.Appender
	known     map[string]bool
	pending   int
	args      []driver.Value

	rejects     *os.File
	rejectsBuf  *bufio.Writer
	displayPath string

	rowsByTable map[string]int64
	loadedRows  int64
	progress    func(w *writer)
	lastLine    func() int64
}

func newWriter(ctx context.Context, st *store.Store, batch int) (*writer, error) {
	c, err := st.Connector().Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &writer{ctx: ctx, st: st, conn: c, batch: batch, appenders: map[string]*duckdb.Appender{},
		known: map[string]bool{}, rowsByTable: map[string]int64{}}, nil
}

func (w *writer) exec(q string, args ...driver.NamedValue) error {
	_, err := w.conn.(driver.ExecerContext).ExecContext(w.ctx, q, args)
	return err
}

// ensure creates table t if needed, outside any open transaction, so that
// the new table is visible to the batch that appends to it.
func (w *writer) ensure(t *schema.Table) error {
	if w.known[t.Name] {
		return nil
	}
	if w.inTx {
		if err := w.commit(false); err != nil {
			return err
		}
	}
	if err := w.exec(store.CreateTableSQL(t)); err != nil {
		return fmt.Errorf("create %s: %w", t.Name, err)
	}
	w.known[t.Name] = true
	return nil
}

// Emit implements source.Sink.
func (w *writer) Emit(t *schema.Table, vals []any) error {
	w.state.Rows++
	if w.state.Rows <= w.skipRows {
		return nil
	}
	if err := w.ensure(t); err != nil {
		return err
	}
	if !w.inTx {
		if err := w.exec("BEGIN TRANSACTION"); err != nil {
			return err
		}
		w.inTx = true
	}
	a := w.appenders[t.Name]
	if a == nil {
		var err error
		a, err = duckdb.NewAppenderFromConn(w.conn, "", t.Name)
		if err != nil {
			return fmt.Errorf("appender %s: %w", t.Name, err)
		}
		w.appenders[t.Name] = a
	}
	w.args = w.args[:0]
	for i, v := range vals {
		if s, ok := v.(string); ok && !utf8.ValidString(s) {
			v = strings.ToValidUTF8(s, "\uFFFD")
		}
		if i < len(t.Columns) && t.Columns[i].Type == types.DateTime {
			if tm, ok := v.(time.Time); ok && tm.IsZero() {
				v = nil
			}
		}
		w.args = append(w.args, v)
	}
	if err := a.AppendRow(w.args...); err != nil {
		return fmt.Errorf("append %s: %w", t.Name, err)
	}
	w.rowsByTable[t.Name]++
	w.loadedRows++
	w.pending++
	if w.pending >= w.batch {
		return w.commit(false)
	}
	return nil
}

// Record implements source.Sink.
func (w *writer) Record() {
	w.state.Records++
	if w.progress != nil && w.state.Records&8191 == 0 {
		w.progress(w)
	}
}

// Skip implements source.Sink.
func (w *writer) Skip() { w.state.Skipped++ }

// Safe implements source.Sink.
func (w *writer) Safe(off int64) {
	w.state.SafeOffset = off
	if w.lastLine != nil {
		w.state.Lines = w.lastLine()
	}
}

// Reject implements source.Sink.
func (w *writer) Reject(line int64, reason string) error {
	w.state.Rejected++
	w.state.Records++
	if w.state.Rejected <= w.skipRejects {
		return nil
	}
	if w.rejects == nil {
		if err := w.openRejects(); err != nil {
			return err
		}
	}
	reason = strings.ToValidUTF8(strings.ReplaceAll(reason, "\n", " "), "\uFFFD")
	n, err := fmt.Fprintf(w.rejectsBuf, "%s:%d: %s\n", w.displayPath, line, reason)
	w.state.RejectsBytes += int64(n)
	return err
}

func (w *writer) openRejects() error {
	if err := os.MkdirAll(dirOf(w.state.RejectsPath), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(w.state.RejectsPath, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	// Drop whatever an interrupted run wrote after its last commit.
	if err := f.Truncate(w.state.RejectsBytes); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Seek(w.state.RejectsBytes, 0); err != nil {
		f.Close()
		return err
	}
	w.rejects, w.rejectsBuf = f, bufio.NewWriter(f)
	return nil
}

// commit flushes the appenders, records the file's progress and commits.
func (w *writer) commit(complete bool) error {
	if !w.inTx {
		if err := w.exec("BEGIN TRANSACTION"); err != nil {
			return err
		}
		w.inTx = true
	}
	for name, a := range w.appenders {
		if err := a.Close(); err != nil {
			w.rollback()
			return fmt.Errorf("append %s: %w", name, err)
		}
		delete(w.appenders, name)
	}
	if w.rejectsBuf != nil {
		if err := w.rejectsBuf.Flush(); err != nil {
			w.rollback()
			return err
		}
		if err := w.rejects.Sync(); err != nil {
			w.rollback()
			return err
		}
	}
	s := &w.state
	s.Complete = complete
	err := w.exec(`INSERT OR REPLACE INTO quarry_meta.ingest_files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		nv(1, s.ID), nv(2, s.Hash), nv(3, s.HashLen), nv(4, s.Path), nv(5, s.Source), nv(6, s.Size),
		nv(7, s.SafeOffset), nv(8, s.Lines), nv(9, s.Rows), nv(10, s.Records), nv(11, s.Rejected),
		nv(12, s.Skipped), nv(13, s.RejectsPath), nv(14, s.RejectsBytes), nv(15, s.Complete),
		nv(16, time.Now().UTC()))
	if err != nil {
		w.rollback()
		return fmt.Errorf("ingest progress: %w", err)
	}
	if err := w.exec("COMMIT"); err != nil {
		w.inTx = false
		return err
	}
	w.inTx = false
	w.pending = 0
	return nil
}

func (w *writer) rollback() {
	for name, a := range w.appenders {
		a.Close()
		delete(w.appenders, name)
	}
	if w.inTx {
		w.exec("ROLLBACK")
		w.inTx = false
	}
}

func (w *writer) close() error {
	w.rollback()
	var err error
	if w.rejects != nil {
		w.rejectsBuf.Flush()
		err = w.rejects.Close()
	}
	if cerr := w.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

func nv(i int, v any) driver.NamedValue { return driver.NamedValue{Ordinal: i, Value: v} }

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, os.PathSeparator); i >= 0 {
		return p[:i]
	}
	return "."
}

// Existing implements source.Schemas.
func (w *writer) Existing(name string) (*schema.Table, bool, error) {
	rows, err := w.st.DB.QueryContext(w.ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position`, name)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	t := &schema.Table{Name: name}
	for rows.Next() {
		var c, typ string
		if err := rows.Scan(&c, &typ); err != nil {
			return nil, false, err
		}
		t.Columns = append(t.Columns, schema.Column{Name: c, Type: kqlType(typ)})
	}
	return t, len(t.Columns) > 0, rows.Err()
}

// kqlType maps a DuckDB column type back to the KQL type stored in it.
func kqlType(sqlType string) types.Type {
	u := strings.ToUpper(sqlType)
	switch {
	case u == "BOOLEAN":
		return types.Bool
	case u == "INTEGER":
		return types.Int
	case u == "BIGINT":
		return types.Long
	case u == "DOUBLE" || u == "FLOAT":
		return types.Real
	case strings.HasPrefix(u, "DECIMAL"):
		return types.Decimal
	case strings.HasPrefix(u, "TIMESTAMP"):
		return types.DateTime
	case u == "INTERVAL":
		return types.TimeSpan
	case u == "JSON":
		return types.Dynamic
	case u == "UUID":
		return types.GUID
	}
	return types.String
}

// AddColumns implements source.Schemas.
func (w *writer) AddColumns(t *schema.Table, cols []schema.Column) error {
	if w.inTx {
		if err := w.commit(false); err != nil {
			return err
		}
	}
	if _, ok, err := w.Existing(t.Name); err != nil || !ok {
		w.known[t.Name] = false
		return err
	}
	for _, c := range cols {
		q := "ALTER TABLE " + store.QuoteIdent(t.Name) + " ADD COLUMN IF NOT EXISTS " + store.QuoteIdent(c.Name) + " " + store.SQLType(c.Type)
		if err := w.exec(q); err != nil {
			return fmt.Errorf("extend %s: %w", t.Name, err)
		}
	}
	return nil
}
