package demo

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// GeneratorVersion changes whenever Generate's output changes for the same
// Options, so a stored demo data set from an older quarry is regenerated.
const GeneratorVersion = 6

// MarkerTable is the bookkeeping table, in the quarry_meta schema, that
// records which demo data set the store holds. Its presence is what makes
// the demo tables the demo's to replace.
const MarkerTable = "demo"

// Marker describes the demo data set a store holds.
type Marker struct {
	Seed    uint64
	Rows    int
	Days    int
	Now     time.Time
	Version int
	Tables  string // comma-separated names of the tables written
	Loaded  time.Time
}

// Matches reports whether the stored data set is the one opt would
// generate (with all the demo tables).
func (m *Marker) Matches(opt Options, tables []string) bool {
	opt = opt.withDefaults()
	return m.Seed == opt.Seed && m.Rows == opt.Rows && m.Days == opt.Days && m.Now.Equal(opt.Now) &&
		m.Version == GeneratorVersion && m.Tables == joinNames(tables)
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ","
		}
		s += n
	}
	return s
}

const metaSchema = "quarry_meta"

func markerIdent() string { return store.QuoteIdent(metaSchema) + "." + store.QuoteIdent(MarkerTable) }

// ReadMarker returns the demo marker of st, or nil when the store holds no
// demo data set.
func ReadMarker(ctx context.Context, st *store.Store) (*Marker, error) {
	var n int
	err := st.DB.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?`,
		metaSchema, MarkerTable).Scan(&n)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	var m Marker
	err = st.DB.QueryRowContext(ctx, `SELECT seed, rows, days, now, version, tables, loaded FROM `+markerIdent()+` LIMIT 1`).
		Scan(&m.Seed, &m.Rows, &m.Days, &m.Now, &m.Version, &m.Tables, &m.Loaded)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("demo: read marker: %w", err)
	}
	m.Now = m.Now.UTC()
	return &m, nil
}

// ForeignTables returns the demo's tables that hold rows the demo did not
// write, which it must not replace without being told to: any rows when
// the store has no demo marker; rows in a table the marker does not list;
// an EmailEvents row count other than the marker's (rows were loaded into
// it, or deleted, since). Changes to the other demo tables that keep the
// marker's EmailEvents count are not detected.
func ForeignTables(ctx context.Context, st *store.Store) ([]string, error) {
	m, err := ReadMarker(ctx, st)
	if err != nil {
		return nil, err
	}
	written := map[string]bool{}
	if m != nil {
		for _, t := range strings.Split(m.Tables, ",") {
			written[t] = true
		}
	}
	var out []string
	for _, name := range TableNames {
		var n int
		err := st.DB.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?`, name).Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if n == 0 {
			continue
		}
		var rows int64
		if err := st.DB.QueryRowContext(ctx, `SELECT count(*) FROM main.`+store.QuoteIdent(name)).Scan(&rows); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		switch {
		case rows == 0:
		case !written[name]:
			out = append(out, name)
		case name == "EmailEvents" && rows != int64(m.Rows):
			out = append(out, name)
		}
	}
	return out, nil
}

// Load generates the data set opt describes and writes it into st,
// replacing the demo tables (dropped and recreated from the built-in
// schemas), then records a marker in quarry_meta.demo. tables limits the
// tables written (nil: all of TableNames; EmailEvents is always written).
// Load does not check for foreign data: see ForeignTables.
func Load(ctx context.Context, st *store.Store, opt Options, tables []string) (Stats, error) {
	opt = opt.withDefaults()
	want := map[string]bool{"EmailEvents": true}
	if tables == nil {
		tables = TableNames
	}
	for _, t := range tables {
		if _, ok := schema.Builtin(t); !ok || !contains(TableNames, t) {
			return Stats{}, fmt.Errorf("demo: %q is not a demo table (want one of %v)", t, TableNames)
		}
		want[t] = true
	}
	var written []string
	for _, t := range TableNames {
		if want[t] {
			written = append(written, t)
		}
	}

	// Everything happens in one transaction on one connection: replacing
	// the tables, appending, writing the marker. A failure or an interrupt
	// leaves the previous state (old demo data, or the user's tables)
	// untouched, and the appenders write each table once at commit.
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	if err := exec(`BEGIN TRANSACTION`); err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.Background(), `ROLLBACK`)
		}
	}()
	if err := exec(`CREATE SCHEMA IF NOT EXISTS ` + store.QuoteIdent(metaSchema)); err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	if err := exec(`DROP TABLE IF EXISTS ` + markerIdent()); err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	for _, t := range Tables() {
		if err := exec(`DROP TABLE IF EXISTS main.` + store.QuoteIdent(t.Name)); err != nil {
			return Stats{}, fmt.Errorf("demo: drop %s: %w", t.Name, err)
		}
		if want[t.Name] {
			if err := exec(store.CreateTableSQL(t)); err != nil {
				return Stats{}, fmt.Errorf("demo: create %s: %w", t.Name, err)
			}
		}
	}
	var stats Stats
	err = conn.Raw(func(dc any) error {
		var err error
		stats, err = appendAll(ctx, dc.(driver.Conn), opt, want)
		return err
	})
	if err != nil {
		return stats, err
	}
	if err := exec(`CREATE TABLE ` + markerIdent() +
		` (seed UBIGINT, rows BIGINT, days INTEGER, now TIMESTAMP, version INTEGER, tables VARCHAR, loaded TIMESTAMP)`); err != nil {
		return stats, fmt.Errorf("demo: %w", err)
	}
	// database/sql refuses uint64 arguments above 2^63: pass the seed as text.
	if err := exec(`INSERT INTO `+markerIdent()+` VALUES (CAST(? AS UBIGINT), ?, ?, ?, ?, ?, ?)`,
		strconv.FormatUint(opt.Seed, 10), opt.Rows, opt.Days, opt.Now, GeneratorVersion, joinNames(written), time.Now().UTC()); err != nil {
		return stats, fmt.Errorf("demo: %w", err)
	}
	if err := exec(`COMMIT`); err != nil {
		return stats, fmt.Errorf("demo: commit: %w", err)
	}
	committed = true
	// Fold the write-ahead log into the database file now, so that the
	// next open does not replay it. The data is committed either way, so a
	// failed checkpoint is not an error of the load.
	_, _ = conn.ExecContext(ctx, `CHECKPOINT`)
	return stats, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// tableWriter appends rows to one table through a DuckDB appender. The
// table's columns come from its built-in schema; a row type's values are
// mapped to them by name, so a column added to the schema before the
// generator knows it is written as "" (string) or null (other types)
// instead of breaking the load, and a row field the schema lacks is left
// out.
type tableWriter struct {
	name     string
	app      *duckdb.Appender
	src      []int          // per table column: index into the row's values, or -1
	def      []driver.Value // per table column: the value when src is -1
	identity bool
	in, out  []driver.Value
}

// columnMap maps table columns to row fields by name.
func columnMap(cols []schema.Column, fields []string) (src []int, def []driver.Value, identity bool) {
	at := map[string]int{}
	for i, f := range fields {
		at[f] = i
	}
	identity = len(cols) == len(fields)
	for i, c := range cols {
		j, ok := at[c.Name]
		if !ok {
			j = -1
		}
		identity = identity && j == i
		src = append(src, j)
		if c.Type == types.String {
			def = append(def, "")
		} else {
			def = append(def, nil)
		}
	}
	return src, def, identity
}

// fieldNames are the field names of a row struct, in order: the names of
// the values its Values method appends.
func fieldNames(row any) []string {
	t := reflect.TypeOf(row).Elem()
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Name
	}
	return names
}

// row returns a row's values in table column order; the slice is reused.
func (w *tableWriter) row(fill func([]driver.Value) []driver.Value) []driver.Value {
	w.in = fill(w.in[:0])
	if w.identity {
		return w.in
	}
	w.out = w.out[:0]
	for i, j := range w.src {
		if j < 0 {
			w.out = append(w.out, w.def[i])
		} else {
			w.out = append(w.out, w.in[j])
		}
	}
	return w.out
}

func (w *tableWriter) put(fill func([]driver.Value) []driver.Value) error {
	if err := w.app.AppendRow(w.row(fill)...); err != nil {
		return fmt.Errorf("demo: write %s: %w", w.name, err)
	}
	return nil
}

// appendAll runs Generate with one DuckDB appender per wanted table.
func appendAll(ctx context.Context, dc driver.Conn, opt Options, want map[string]bool) (stats Stats, err error) {
	writers := map[string]*tableWriter{}
	defer func() {
		for name, w := range writers {
			if cerr := w.app.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("demo: write %s: %w", name, cerr)
			}
		}
	}()
	rows := map[string]any{"EmailEvents": &EmailEvent{}, "EmailAttachmentInfo": &EmailAttachment{},
		"EmailUrlInfo": &EmailUrl{}, "EmailPostDeliveryEvents": &PostDeliveryEvent{}, "UrlClickEvents": &UrlClick{}}
	for _, t := range Tables() {
		if !want[t.Name] {
			continue
		}
		a, err := duckdb.NewAppenderFromConn(dc, "", t.Name)
		if err != nil {
			return Stats{}, fmt.Errorf("demo: appender for %s: %w", t.Name, err)
		}
		w := &tableWriter{name: t.Name, app: a}
		w.src, w.def, w.identity = columnMap(t.Columns, fieldNames(rows[t.Name]))
		writers[t.Name] = w
	}
	var sink Sink
	ev := writers["EmailEvents"]
	sink.EmailEvents = func(e *EmailEvent) error { return ev.put(e.Values) }
	if w := writers["EmailAttachmentInfo"]; w != nil {
		sink.EmailAttachmentInfo = func(r *EmailAttachment) error { return w.put(r.Values) }
	}
	if w := writers["EmailUrlInfo"]; w != nil {
		sink.EmailUrlInfo = func(r *EmailUrl) error { return w.put(r.Values) }
	}
	if w := writers["EmailPostDeliveryEvents"]; w != nil {
		sink.EmailPostDeliveryEvents = func(r *PostDeliveryEvent) error { return w.put(r.Values) }
	}
	if w := writers["UrlClickEvents"]; w != nil {
		sink.UrlClickEvents = func(r *UrlClick) error { return w.put(r.Values) }
	}
	return Generate(ctx, opt, sink)
}
