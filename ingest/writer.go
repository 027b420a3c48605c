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

	"github.com/quarry-kql/quarry/ingest/defender"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// metaDDL creates the ingest bookkeeping table. One row per input file:
// its identity (hash of its first bytes), how far it was loaded, and the
// counts needed to resume after a crash without loading anything twice.
const metaDDL = `CREATE SCHEMA IF NOT EXISTS quarry_meta;
CREATE TABLE IF NOT EXISTS quarry_meta.ingest_progress (
	seq BIGINT NOT NULL,
	id VARCHAR NOT NULL,
	hash VARCHAR NOT NULL,
	hash_len BIGINT NOT NULL,
	path VARCHAR NOT NULL,
	source VARCHAR NOT NULL,
	size BIGINT NOT NULL,
	safe_offset BIGINT NOT NULL,
	safe_line BIGINT NOT NULL,
	safe_rows BIGINT NOT NULL,
	safe_records BIGINT NOT NULL,
	safe_rejected BIGINT NOT NULL,
	safe_skipped BIGINT NOT NULL,
	safe_rejects_bytes BIGINT NOT NULL,
	rows BIGINT NOT NULL,
	rows_before_flush BIGINT NOT NULL,
	records BIGINT NOT NULL,
	rejected BIGINT NOT NULL,
	skipped BIGINT NOT NULL,
	rejects_path VARCHAR NOT NULL,
	rejects_bytes BIGINT NOT NULL,
	complete BOOLEAN NOT NULL,
	updated TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS quarry_meta.ingest_flushed (
	id VARCHAR NOT NULL,
	tbl VARCHAR NOT NULL,
	network_message_id VARCHAR,
	recipient VARCHAR,
	ts TIMESTAMP
)`

// metaColumns lists quarry_meta.ingest_progress' columns after seq, in
// order. The table is a log: every committed batch adds a row (so that two
// batches in flight on two connections never update the same row), the
// latest row of a file (highest seq) is its state, and older rows are
// pruned when a file is done.
const metaColumns = `id, hash, hash_len, path, source, size, safe_offset, safe_line, safe_rows, safe_records,
	safe_rejected, safe_skipped, safe_rejects_bytes, rows, rows_before_flush, records, rejected, skipped,
	rejects_path, rejects_bytes, complete`

// fileState is the latest row of a file in quarry_meta.ingest_progress. The Safe* fields
// describe the last safe point: a byte offset where the parser held no
// state, with the counts at that point. A resumed run starts there with
// fresh parser state, which reproduces the rows that followed it in the
// same order, so the rows already committed can be recognised by count.
type fileState struct {
	Seq          int64
	ID, Hash     string
	HashLen      int64
	Path, Source string
	Size         int64

	SafeOffset, SafeLine, SafeRows, SafeRecords, SafeRejected, SafeSkipped, SafeRejectsBytes int64

	// Rows counts rows produced (including those of the end-of-input
	// flush); RowsBeforeFlush those produced before it.
	Rows, RowsBeforeFlush      int64
	Records, Rejected, Skipped int64
	RejectsPath                string
	RejectsBytes               int64
	Complete                   bool
}

func (s *fileState) scanArgs() []any {
	return []any{&s.ID, &s.Hash, &s.HashLen, &s.Path, &s.Source, &s.Size, &s.SafeOffset, &s.SafeLine,
		&s.SafeRows, &s.SafeRecords, &s.SafeRejected, &s.SafeSkipped, &s.SafeRejectsBytes, &s.Rows,
		&s.RowsBeforeFlush, &s.Records, &s.Rejected, &s.Skipped, &s.RejectsPath, &s.RejectsBytes, &s.Complete}
}

type flushedKey struct {
	table, nmid, rcpt string
	ts                any
}

// writer is the Sink of one file: it appends rows inside a transaction,
// commits every batch together with the file's progress, writes rejects,
// and on a resumed run drops the rows and rejects an earlier run already
// committed.
type writer struct {
	ctx   context.Context
	st    *store.Store
	conn  driver.Conn // the connection of the batch being written
	conns [2]driver.Conn
	cur   int
	// prevCommit is the result of the previous batch's COMMIT, running on
	// the other connection while this batch is appended.
	prevCommit chan error
	batch      int

	state fileState
	// skipUntil is the number of rows (counted from the file's start) an
	// earlier run already committed; the parser reproduces them after a
	// resume and they are dropped here.
	skipUntil int64
	// flushing is set once the parser writes out incomplete messages at
	// the end of the input; their keys are kept so that a later run on
	// the grown file can replace them.
	flushing bool
	flushed  []flushedKey
	// noSafe ignores safe points (inputs whose offsets are not file
	// offsets, such as decoded UTF-16): a resumed run starts over.
	noSafe bool

	inTx      bool
	appenders map[string]*duckdb.Appender
	// chunks are the chunk appenders of the tables fastTable accepts;
	// rows with values they do not handle go to appenders.
	chunks  map[string]*chunkAppender
	noChunk map[string]bool
	known   map[string]bool
	pending int
	args    []driver.Value
	vals    []any

	rejects     *os.File
	rejectsBuf  *bufio.Writer
	displayPath string

	rowsByTable map[string]int64
	loadedRows  int64
	progress    func(w *writer)
	onCommit    func(path string, rows int64)
}

func newWriter(ctx context.Context, st *store.Store, batch int) (*writer, error) {
	var conns [2]driver.Conn
	for i := range conns {
		c, err := st.Connector().Connect(ctx)
		if err != nil {
			if i == 1 {
				conns[0].Close()
			}
			return nil, err
		}
		conns[i] = c
	}
	return &writer{ctx: ctx, st: st, conn: conns[0], conns: conns, batch: batch, appenders: map[string]*duckdb.Appender{},
		chunks: map[string]*chunkAppender{}, noChunk: map[string]bool{},
		known: map[string]bool{}, rowsByTable: map[string]int64{}}, nil
}

// drain waits for the COMMIT in flight, if any, and returns its error.
func (w *writer) drain() error {
	if w.prevCommit == nil {
		return nil
	}
	err := <-w.prevCommit
	w.prevCommit = nil
	return err
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
	// DDL waits for every batch to be committed.
	if err := w.commit(false); err != nil {
		return err
	}
	if err := w.exec(store.CreateTableSQL(t)); err != nil {
		return fmt.Errorf("create %s: %w", t.Name, err)
	}
	// A table of that name made by something else (quarry load, an older
	// schema) must have the columns the rows are made for.
	have, _, err := w.Existing(t.Name)
	if err != nil {
		return err
	}
	if !sameColumns(have, t) && olderBuiltin(have, t) {
		if err := w.upgrade(have, t); err != nil {
			return err
		}
		have = t
	}
	if !sameColumns(have, t) {
		return fmt.Errorf("table %s exists with other columns (%s) than ingest writes (%s); load into another database or drop it",
			t.Name, columnList(have), columnList(t))
	}
	w.known[t.Name] = true
	return nil
}

// olderBuiltin reports whether have is t, a built-in table, as an older
// quarry made it: t's columns without some of its later columns (the ones
// Microsoft added since, schema.LaterColumns), the others in the same order
// with the same types.
func olderBuiltin(have, t *schema.Table) bool {
	if b, ok := schema.Builtin(t.Name); !ok || !sameColumns(b, t) || len(have.Columns) >= len(t.Columns) {
		return false
	}
	later := map[string]bool{}
	for _, n := range schema.LaterColumns(t.Name) {
		later[n] = true
	}
	j := 0
	for _, c := range t.Columns {
		switch {
		case j < len(have.Columns) && have.Columns[j].Name == c.Name:
			if store.SQLType(have.Columns[j].Type) != store.SQLType(c.Type) {
				return false
			}
			j++
		case !later[c.Name]:
			return false
		}
	}
	return j == len(have.Columns)
}

// upgrade rebuilds a built-in table made by an older quarry with the
// current columns, in one transaction: the rows are kept, the new string
// columns are "" in them and the others null, as when a file lacks them.
func (w *writer) upgrade(have, t *schema.Table) error {
	tmp := &schema.Table{Name: t.Name + "__quarry_upgrade", Columns: t.Columns}
	old := map[string]bool{}
	for _, c := range have.Columns {
		old[c.Name] = true
	}
	var sel []string
	for _, c := range t.Columns {
		switch {
		case old[c.Name]:
			sel = append(sel, store.QuoteIdent(c.Name))
		case c.Type == types.String:
			sel = append(sel, "''")
		default:
			sel = append(sel, "CAST(NULL AS "+store.SQLType(c.Type)+")")
		}
	}
	stmts := []string{"BEGIN TRANSACTION", "DROP TABLE IF EXISTS main." + store.QuoteIdent(tmp.Name), store.CreateTableSQL(tmp),
		"INSERT INTO main." + store.QuoteIdent(tmp.Name) + " SELECT " + strings.Join(sel, ", ") + " FROM main." + store.QuoteIdent(t.Name),
		"DROP TABLE main." + store.QuoteIdent(t.Name),
		"ALTER TABLE main." + store.QuoteIdent(tmp.Name) + " RENAME TO " + store.QuoteIdent(t.Name),
		"COMMIT"}
	for _, q := range stmts {
		if err := w.exec(q); err != nil {
			w.exec("ROLLBACK")
			return fmt.Errorf("upgrade %s to the current columns: %w", t.Name, err)
		}
	}
	return nil
}

func sameColumns(a, b *schema.Table) bool {
	if len(a.Columns) != len(b.Columns) {
		return false
	}
	for i := range a.Columns {
		if a.Columns[i].Name != b.Columns[i].Name || store.SQLType(a.Columns[i].Type) != store.SQLType(b.Columns[i].Type) {
			return false
		}
	}
	return true
}

func columnList(t *schema.Table) string {
	var parts []string
	for _, c := range t.Columns {
		parts = append(parts, c.Name+":"+c.Type.String())
	}
	s := strings.Join(parts, ", ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// begin counts a row of t about to be written and readies its table and
// transaction; skip is set for a row an earlier run already committed.
func (w *writer) begin(t *schema.Table) (skip bool, err error) {
	w.state.Rows++
	if w.state.Rows <= w.skipUntil {
		return true, nil
	}
	if err := w.ensure(t); err != nil {
		return false, err
	}
	if !w.inTx {
		if err := w.exec("BEGIN TRANSACTION"); err != nil {
			return false, err
		}
		w.inTx = true
	}
	return false, nil
}

// EmitBlock implements defender.BlockSink: the rows go from the block's
// cells into the chunk appender's vectors.
func (w *writer) EmitBlock(b *defender.Block, from, to int) error {
	if err := w.emitBlock(b, from, to); err != nil {
		return err
	}
	b.Release()
	return nil
}

func (w *writer) emitBlock(b *defender.Block, from, to int) error {
	t := b.Table
	for r := from; r < to; r++ {
		w.Record()
		skip, err := w.begin(t)
		if err != nil {
			return err
		}
		if !skip {
			err := errValue
			if c := w.chunkAppender(t); c != nil {
				err = c.appendCells(b, r)
			}
			if err == errValue {
				// A table the chunk appender does not write: the row
				// takes Emit's way.
				w.vals = b.Values(r, w.vals[:0])
				err = w.appendValues(t, w.vals)
			} else if err != nil {
				err = fmt.Errorf("append %s: %w", t.Name, err)
			}
			if err != nil {
				return err
			}
			var vals []any
			if w.flushing {
				vals = b.Values(r, nil)
			}
			if err := w.emitted(t, vals); err != nil {
				return err
			}
		}
		if m := &b.Meta[r]; m.Safe {
			w.safeAt(m.Off, m.Line)
		}
	}
	return nil
}

// Emit implements source.Sink.
func (w *writer) Emit(t *schema.Table, vals []any) error {
	if skip, err := w.begin(t); skip || err != nil {
		return err
	}
	if err := w.appendValues(t, vals); err != nil {
		return err
	}
	return w.emitted(t, vals)
}

// appendValues appends one row of Emit's values to t.
func (w *writer) appendValues(t *schema.Table, vals []any) error {
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
	return w.appendRow(t)
}

// chunkAppender returns t's chunk appender, or nil when t has column
// types it does not write.
func (w *writer) chunkAppender(t *schema.Table) *chunkAppender {
	if w.noChunk[t.Name] || !fastTable(t) {
		return nil
	}
	c := w.chunks[t.Name]
	if c == nil {
		var err error
		if c, err = newChunkAppender(w.conn, t); err != nil {
			// Column types it does not write (an older table): use
			// duckdb-go's appender for this table.
			w.noChunk[t.Name] = true
			return nil
		}
		w.chunks[t.Name] = c
	}
	return c
}

// appendRow appends w.args to t, through its chunk appender when it can.
func (w *writer) appendRow(t *schema.Table) error {
	if c := w.chunkAppender(t); c != nil {
		err := c.appendRow(w.args)
		if err != errValue {
			if err != nil {
				return fmt.Errorf("append %s: %w", t.Name, err)
			}
			return nil
		}
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
	if err := a.AppendRow(w.args...); err != nil {
		return fmt.Errorf("append %s: %w", t.Name, err)
	}
	return nil
}

// emitted does the bookkeeping of a row appended to t.
func (w *writer) emitted(t *schema.Table, vals []any) error {
	if w.flushing {
		k := flushedKey{table: t.Name}
		for i, c := range t.Columns {
			switch c.Name {
			case "NetworkMessageId":
				k.nmid, _ = vals[i].(string)
			case "RecipientEmailAddress":
				k.rcpt, _ = vals[i].(string)
			case "Timestamp":
				k.ts = vals[i]
			}
		}
		w.flushed = append(w.flushed, k)
	}
	w.rowsByTable[t.Name]++
	w.loadedRows++
	w.pending++
	if w.pending >= w.batch {
		return w.commitBatch()
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
func (w *writer) Safe(off, line int64) { w.safeAt(off, line) }

// safeAt records a safe point at byte offset off, after line number line.
func (w *writer) safeAt(off, line int64) {
	if w.noSafe {
		return
	}
	s := &w.state
	if s.Rows < w.skipUntil {
		return // still replaying what an earlier run committed
	}
	s.SafeOffset, s.SafeRows, s.SafeRecords, s.SafeRejected, s.SafeSkipped = off, s.Rows, s.Records, s.Rejected, s.Skipped
	s.SafeRejectsBytes = s.RejectsBytes
	s.SafeLine = line
}

// Flushing implements source.Sink.
func (w *writer) Flushing() {
	w.flushing = true
	w.state.RowsBeforeFlush = w.state.Rows
}

// Reject implements source.Sink.
func (w *writer) Reject(line int64, reason string) error {
	w.state.Rejected++
	w.state.Records++
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

// prepare flushes the appenders and the rejects file and records the
// file's progress in the open transaction (opening one if needed).
func (w *writer) prepare(complete bool) error {
	if !w.inTx {
		if err := w.exec("BEGIN TRANSACTION"); err != nil {
			return err
		}
		w.inTx = true
	}
	for name, c := range w.chunks {
		delete(w.chunks, name)
		if err := c.close(); err != nil {
			w.rollback()
			return fmt.Errorf("append %s: %w", name, err)
		}
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
	if !w.flushing {
		s.RowsBeforeFlush = s.Rows
	}
	s.Seq++
	args := []driver.NamedValue{}
	for i, v := range []any{s.Seq, s.ID, s.Hash, s.HashLen, s.Path, s.Source, s.Size, s.SafeOffset, s.SafeLine,
		s.SafeRows, s.SafeRecords, s.SafeRejected, s.SafeSkipped, s.SafeRejectsBytes, s.Rows,
		s.RowsBeforeFlush, s.Records, s.Rejected, s.Skipped, s.RejectsPath, s.RejectsBytes, s.Complete,
		time.Now().UTC()} {
		args = append(args, nv(i+1, v))
	}
	err := w.exec(`INSERT INTO quarry_meta.ingest_progress VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, args...)
	if err != nil {
		w.rollback()
		return fmt.Errorf("ingest progress: %w", err)
	}
	if len(w.flushed) > 0 {
		// Keys of pending rows: many at the end of a log, so appended.
		a, err := duckdb.NewAppender(w.conn, "", "quarry_meta", "ingest_flushed")
		if err != nil {
			w.rollback()
			return fmt.Errorf("ingest progress: %w", err)
		}
		for _, k := range w.flushed {
			if err = a.AppendRow(s.ID, k.table, k.nmid, k.rcpt, k.ts); err != nil {
				break
			}
		}
		if cerr := a.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			w.rollback()
			return fmt.Errorf("ingest progress: %w", err)
		}
	}
	w.flushed = w.flushed[:0]
	return nil
}

// commitBatch ends a full batch: its COMMIT runs on this connection in the
// background, after the previous batch's COMMIT (so batches are committed
// in order), while the next batch is appended on the other connection.
func (w *writer) commitBatch() error {
	if err := w.prepare(false); err != nil {
		return err
	}
	if err := w.drain(); err != nil {
		w.rollback()
		return err
	}
	conn, path, rows, onCommit, ctx := w.conn, w.state.Path, w.state.Rows, w.onCommit, w.ctx
	done := make(chan error, 1)
	go func() {
		_, err := conn.(driver.ExecerContext).ExecContext(ctx, "COMMIT", nil)
		if err == nil && onCommit != nil {
			onCommit(path, rows)
		}
		done <- err
	}()
	w.prevCommit = done
	w.inTx = false
	w.pending = 0
	w.cur = 1 - w.cur
	w.conn = w.conns[w.cur]
	return nil
}

// commit records the progress and commits synchronously, after any COMMIT
// in flight: when it returns, everything written so far is committed.
func (w *writer) commit(complete bool) error {
	if !w.inTx && !complete && w.prevCommit == nil {
		return nil
	}
	if err := w.prepare(complete); err != nil {
		return err
	}
	if err := w.drain(); err != nil {
		w.rollback()
		return err
	}
	if err := w.exec("COMMIT"); err != nil {
		w.inTx = false
		return err
	}
	w.inTx = false
	w.pending = 0
	if w.onCommit != nil {
		w.onCommit(w.state.Path, w.state.Rows)
	}
	if complete {
		// The file is done: its older progress rows are history.
		if err := w.exec(`DELETE FROM quarry_meta.ingest_progress WHERE id = ? AND seq < ?`, nv(1, w.state.ID), nv(2, w.state.Seq)); err != nil {
			return fmt.Errorf("ingest progress: %w", err)
		}
	}
	return nil
}

func (w *writer) rollback() {
	for name, c := range w.chunks {
		c.close()
		delete(w.chunks, name)
	}
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
	err := w.drain()
	if w.rejects != nil {
		w.rejectsBuf.Flush()
		err = w.rejects.Close()
	}
	for _, c := range w.conns {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
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
	if err := w.commit(false); err != nil {
		return err
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

// dropFlushed opens the transaction of a resumed run on a grown file by
// deleting the rows the earlier run's end-of-input flush wrote; the parser
// produces them again, now with their outcome from the longer file.
func (w *writer) dropFlushed() error {
	if err := w.exec("BEGIN TRANSACTION"); err != nil {
		return err
	}
	w.inTx = true
	rows, err := w.st.DB.QueryContext(w.ctx, `SELECT DISTINCT tbl FROM quarry_meta.ingest_flushed WHERE id = ?`, w.state.ID)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		q := `DELETE FROM ` + store.QuoteIdent(t) + ` WHERE ("NetworkMessageId", "RecipientEmailAddress", "Timestamp") IN
			(SELECT network_message_id, recipient, ts FROM quarry_meta.ingest_flushed WHERE id = ? AND tbl = ?)`
		if err := w.exec(q, nv(1, w.state.ID), nv(2, t)); err != nil {
			w.rollback()
			return fmt.Errorf("replace pending rows of %s: %w", t, err)
		}
	}
	if err := w.exec(`DELETE FROM quarry_meta.ingest_flushed WHERE id = ?`, nv(1, w.state.ID)); err != nil {
		w.rollback()
		return err
	}
	return nil
}
