package demo

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// GeneratorVersion changes whenever Generate's output changes for the same
// Options, so a stored demo data set from an older quarry is regenerated.
const GeneratorVersion = 4

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

// appendAll runs Generate with one DuckDB appender per wanted table.
func appendAll(ctx context.Context, dc driver.Conn, opt Options, want map[string]bool) (stats Stats, err error) {
	apps := map[string]*duckdb.Appender{}
	defer func() {
		for name, a := range apps {
			if cerr := a.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("demo: write %s: %w", name, cerr)
			}
		}
	}()
	for _, name := range TableNames {
		if !want[name] {
			continue
		}
		a, err := duckdb.NewAppenderFromConn(dc, "", name)
		if err != nil {
			return Stats{}, fmt.Errorf("demo: appender for %s: %w", name, err)
		}
		apps[name] = a
	}
	vals := make([]driver.Value, 0, 64)
	put := func(a *duckdb.Appender, name string, vals []driver.Value) error {
		if err := a.AppendRow(vals...); err != nil {
			return fmt.Errorf("demo: write %s: %w", name, err)
		}
		return nil
	}
	var sink Sink
	sink.EmailEvents = func(e *EmailEvent) error {
		vals = e.Values(vals[:0])
		return put(apps["EmailEvents"], "EmailEvents", vals)
	}
	if a := apps["EmailAttachmentInfo"]; a != nil {
		sink.EmailAttachmentInfo = func(r *EmailAttachment) error {
			vals = r.Values(vals[:0])
			return put(a, "EmailAttachmentInfo", vals)
		}
	}
	if a := apps["EmailUrlInfo"]; a != nil {
		sink.EmailUrlInfo = func(r *EmailUrl) error {
			vals = r.Values(vals[:0])
			return put(a, "EmailUrlInfo", vals)
		}
	}
	if a := apps["EmailPostDeliveryEvents"]; a != nil {
		sink.EmailPostDeliveryEvents = func(r *PostDeliveryEvent) error {
			vals = r.Values(vals[:0])
			return put(a, "EmailPostDeliveryEvents", vals)
		}
	}
	if a := apps["UrlClickEvents"]; a != nil {
		sink.UrlClickEvents = func(r *UrlClick) error {
			vals = r.Values(vals[:0])
			return put(a, "UrlClickEvents", vals)
		}
	}
	return Generate(ctx, opt, sink)
}
