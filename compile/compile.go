// Package compile is the one entry point from KQL text to SQL: it parses
// the query, binds it against a catalog of tables (package check), and
// prints the resulting plan in the chosen SQL dialect (package sqlgen).
// Syntax and semantic errors come back as a diag.List with line:col
// positions; a query with errors never produces SQL.
//
// Known deviation from Kusto: datetimes and timespans have microsecond
// precision, not Kusto's 100 ns ticks. The DuckDB dialect stores datetime
// as TIMESTAMP (UTC, microseconds) and timespan as INTERVAL (microseconds),
// so the 7th fractional digit is truncated: datetime(2017-10-30
// 01:02:03.7654321) reads back as ...03.765432, datetime_part("nanosecond")
// gives 765432000, make_datetime(..., 0.1234567) rounds to ...00.123457 and
// endofyear gives 23:59:59.999999. TIMESTAMP_NS was measured and rejected
// (DuckDB 1.5.6): the hunt costs the same on it, but it only spans the
// years 1677-2262 (Kusto's datetime spans 0001-9999, and bins are aligned
// on 0001-01-01), and DuckDB's date_trunc, time_bucket, make_timestamp and
// datetime +/- INTERVAL all return microsecond TIMESTAMP, so the extra
// digit would survive storage and literals but not arithmetic. A test in
// compile pins the truncation so a change of behaviour is noticed.
package compile

import (
	"time"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/check"
	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/parser"
	"github.com/quarry-kql/quarry/kql/token"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/sqlgen"
)

// Options control compilation.
type Options struct {
	Catalog       check.Catalog          // tables known to the query: built-in schemas + the store's tables
	Dialect       sqlgen.Dialect         // sqlgen.DuckDB for now; ClickHouse later
	Now           time.Time              // now(); ago(x) is Now-x; evaluated once per query
	AllowExternal func(url string) error // nil: externaldata is refused with a clear error
	// GeoIP: the store running the SQL has a GeoIP database registered
	// (store.GeoIPFunc); false makes geo_info_from_ip_address() an error
	// naming QUARRY_GEOIP_DB.
	GeoIP bool
}

// Program is a compiled query.
type Program struct {
	SQL      string          // one SELECT statement; every identifier and literal quoted
	Columns  []schema.Column // result columns: KQL names (Kusto naming rules) and KQL types
	Tables   []string        // stored tables the query reads (for the rule catalog's runnable check)
	Render   *Render         // from a trailing `render` operator, else nil
	External []External      // externaldata sources the engine must materialise before running SQL
}

// Render is a trailing render operator: the chart kind and its properties
// ("title", "xtitle", "ytitle", "kind", "series", "ysplit", ...).
type Render struct {
	Kind  string
	Props map[string]string
}

// External is an externaldata source the engine loads into the temporary
// table Table before running the SQL.
type External struct {
	Table   string // temp table name used in SQL
	URLs    []string
	Format  string
	Columns []schema.Column
	// IgnoreFirstRecord skips the first record of every URL (a CSV
	// header), from `with (ignoreFirstRecord=true)`.
	IgnoreFirstRecord bool
}

// Compile turns KQL text into one SQL SELECT. Errors are a diag.List
// (line:col: message) for syntax and semantic errors.
func Compile(src string, opt Options) (*Program, error) {
	file := token.NewFile("", src)
	script, errs := parser.ParseFile(file)
	if len(errs) > 0 {
		return nil, errs
	}
	return CompileScript(file, script, opt)
}

// BuiltinCatalog is a catalog of the built-in schemas only.
type BuiltinCatalog struct{}

// Table returns a built-in table.
func (BuiltinCatalog) Table(name string) (*schema.Table, bool) { return schema.Builtin(name) }

// Tables returns the built-in tables.
func (BuiltinCatalog) Tables() []*schema.Table { return schema.BuiltinTables() }

// Check parses and binds src without generating SQL, for `quarry check`.
func Check(src, filename string, cat check.Catalog) diag.List {
	file := token.NewFile(filename, src)
	script, errs := parser.ParseFile(file)
	if len(errs) > 0 {
		return errs
	}
	if cat == nil {
		cat = BuiltinCatalog{}
	}
	_, errs = check.Check(file, script, cat, check.Options{Now: time.Unix(0, 0).UTC(), AllowExternal: func(string) error { return nil }, GeoIP: true})
	return errs
}

// CompileScript compiles an already parsed script.
func CompileScript(file *token.File, s *ast.Script, opt Options) (*Program, error) {
	if opt.Catalog == nil {
		opt.Catalog = BuiltinCatalog{}
	}
	if opt.Dialect == nil {
		opt.Dialect = sqlgen.DuckDB
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	info, errs := check.Check(file, s, opt.Catalog, check.Options{Now: now, AllowExternal: opt.AllowExternal, GeoIP: opt.GeoIP})
	if len(errs) > 0 {
		return nil, errs
	}
	if info.Result == nil {
		return nil, diag.List{{Pos: file.Position(s.End()), Msg: "the query has no tabular result"}}
	}
	sql, err := sqlgen.Generate(opt.Dialect, info.Result)
	if err != nil {
		return nil, diag.List{{Pos: file.Position(s.Pos()), Msg: err.Error()}}
	}
	p := &Program{SQL: sql}
	for _, c := range info.Result.Cols() {
		p.Columns = append(p.Columns, schema.Column{Name: c.Name, Type: c.Type})
	}
	external := map[string]bool{}
	for _, e := range info.Externals {
		external[e.Table] = true
		p.External = append(p.External, External{Table: e.Table, URLs: e.URLs, Format: e.Format, Columns: e.Columns, IgnoreFirstRecord: e.IgnoreFirstRecord})
	}
	for _, t := range info.Tables {
		if !external[t] {
			p.Tables = append(p.Tables, t)
		}
	}
	if info.Render != nil {
		p.Render = &Render{Kind: info.Render.Kind, Props: info.Render.Props}
	}
	return p, nil
}
