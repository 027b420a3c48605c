// Package engine runs KQL queries on a quarry store: it compiles the text
// to SQL, materialises externaldata sources the user allowed, runs the SQL
// on a DuckDB connection with file access disabled, and converts the rows
// to Go values typed by KQL, which FormatValue and the writers print as
// Kusto does.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// Engine runs queries on one store.
type Engine struct {
	st *store.Store
	// Limits are applied to the store when the first query runs (see
	// store.Restrict).
	Limits store.QueryLimits
}

// New returns an engine for st. The first query puts st into query mode
// (store.Restrict): DuckDB's file and network access is turned off for
// the rest of the process, so load data before querying.
func New(st *store.Store) *Engine { return &Engine{st: st} }

// Store returns the engine's store.
func (e *Engine) Store() *store.Store { return e.st }

// QueryOptions tune one query.
type QueryOptions struct {
	// Now is the value of now(); zero means the current time. ago(x) is
	// Now-x, evaluated once per query.
	Now time.Time
	// MaxRows cuts the result after this many rows (0: no limit) and sets
	// Result.Truncated.
	MaxRows int
	// Timeout cancels the query after this long (0: no limit).
	Timeout time.Duration
	// AllowExternal decides whether externaldata may read a URL or file;
	// nil refuses every source.
	AllowExternal func(url string) error
}

// Result is a query's result: KQL columns and Go values (nil is null;
// bool; int32 for int; int64 for long; float64 for real; string for
// string, decimal and guid; time.Time UTC for datetime; time.Duration for
// timespan; for dynamic, what encoding/json with UseNumber decodes).
type Result struct {
	Columns   []schema.Column
	Rows      [][]any
	Render    *Render
	Truncated bool
}

// Run executes a compiled program. Stored tables the program reads that
// exist only as built-in schemas read as empty tables.
func (e *Engine) Run(ctx context.Context, p *Program, opt QueryOptions) (*Result, error) {
	return e.runWith(ctx, p, opt, nil)
}

// runWith is Run with the catalog the program was compiled against (nil:
// read it when needed), which saves reading it twice per query.
func (e *Engine) runWith(ctx context.Context, p *Program, opt QueryOptions, cat *store.Catalog) (*Result, error) {
	if err := e.st.Restrict(ctx, e.Limits); err != nil {
		return nil, err
	}
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.Timeout)
		defer cancel()
	}
	res, err := e.run(ctx, p, opt, cat)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("query timed out after %v", opt.Timeout)
	}
	return res, err
}

func (e *Engine) run(ctx context.Context, p *Program, opt QueryOptions, cat *store.Catalog) (*Result, error) {
	conn, err := e.st.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var temps []string
	defer func() {
		for _, t := range temps {
			conn.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+store.QuoteIdent(t))
		}
	}()
	if len(p.Tables) > 0 {
		if cat == nil {
			var err error
			if cat, err = e.st.Catalog(ctx); err != nil {
				return nil, err
			}
		}
		for _, name := range p.Tables {
			b, ok := schema.Builtin(name)
			if cat.Stored(name) || !ok {
				continue
			}
			q := strings.Replace(store.CreateTableSQL(b), "CREATE TABLE IF NOT EXISTS ", "CREATE TEMP TABLE ", 1)
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return nil, fmt.Errorf("engine: empty table %s: %w", name, err)
			}
			temps = append(temps, name)
		}
	}
	for _, x := range p.External {
		temps = append(temps, x.Table, x.Table+stageSuffix)
		if err := materialise(ctx, conn, x, opt.AllowExternal); err != nil {
			return nil, err
		}
	}

	rows, err := conn.QueryContext(ctx, wrapSQL(p))
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if len(cols) != len(p.Columns) {
		return nil, fmt.Errorf("engine: the SQL returns %d columns, the program declares %d", len(cols), len(p.Columns))
	}
	res := &Result{Columns: p.Columns, Render: p.Render, Rows: [][]any{}}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if opt.MaxRows > 0 && len(res.Rows) >= opt.MaxRows {
			res.Truncated = true
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			if row[i], err = Convert(p.Columns[i].Type, v); err != nil {
				return nil, fmt.Errorf("engine: column %s: %w", p.Columns[i].Name, err)
			}
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return res, nil
}

// wrapSQL makes DuckDB return dynamic values as JSON text (so numbers keep
// every digit) by wrapping the program's SELECT in a projection; the
// program's SQL is returned unchanged when it has no dynamic column. A
// plain projection keeps the inner ORDER BY's order in DuckDB.
func wrapSQL(p *Program) string {
	need := false
	for _, c := range p.Columns {
		need = need || c.Type == types.Dynamic
	}
	if !need {
		return p.SQL
	}
	var sel, names []string
	for i, c := range p.Columns {
		n := fmt.Sprintf("c%d", i)
		names = append(names, n)
		if c.Type == types.Dynamic {
			sel = append(sel, "CAST("+n+" AS VARCHAR)")
		} else {
			sel = append(sel, n)
		}
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM (" + p.SQL + "\n) AS quarry_result(" + strings.Join(names, ", ") + ")"
}

// Convert turns a value scanned from DuckDB into the Go value Result uses
// for KQL type t (see Result).
func Convert(t types.Type, v any) (any, error) {
	if v == nil {
		if t == types.String {
			return "", nil
		}
		return nil, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("cannot read %T as %s", v, t) }
	switch t {
	case types.Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		}
		if n, ok := toInt64(v); ok {
			return n != 0, nil
		}
		return bad()
	case types.Int:
		if n, ok := toInt64(v); ok {
			return int32(n), nil
		}
		return bad()
	case types.Long:
		if n, ok := toInt64(v); ok {
			return n, nil
		}
		return bad()
	case types.Real:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case duckdb.Decimal:
			f, _ := new(big.Float).SetInt(x.Value).Float64()
			return f / math.Pow10(int(x.Scale)), nil
		case *big.Int:
			f, _ := new(big.Float).SetInt(x).Float64()
			return f, nil
		}
		if n, ok := toInt64(v); ok {
			return float64(n), nil
		}
		return bad()
	case types.Decimal:
		switch x := v.(type) {
		case duckdb.Decimal:
			return formatDecimal(x), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case string:
			return x, nil
		}
		if n, ok := toInt64(v); ok {
			return strconv.FormatInt(n, 10), nil
		}
		return bad()
	case types.String:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
		return FormatValue(types.Unknown, v), nil
	case types.GUID:
		switch x := v.(type) {
		case string:
			return strings.ToLower(x), nil
		case []byte:
			if len(x) == 16 {
				return formatGUID(x), nil
			}
			return strings.ToLower(string(x)), nil
		case duckdb.UUID:
			return formatGUID(x[:]), nil
		}
		return bad()
	case types.DateTime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		}
		return bad()
	case types.TimeSpan:
		switch x := v.(type) {
		case duckdb.Interval:
			return intervalDuration(x), nil
		case time.Duration:
			return x, nil
		case float64:
			return time.Duration(x) * tick, nil
		}
		if n, ok := toInt64(v); ok {
			return time.Duration(n) * tick, nil
		}
		return bad()
	case types.Dynamic:
		switch x := v.(type) {
		case string:
			return decodeJSON(x)
		case []byte:
			return decodeJSON(string(x))
		}
		return normaliseDynamic(v), nil
	}
	return v, nil
}

func decodeJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		// Not JSON: a plain string value.
		return s, nil
	}
	return out, nil
}

// normaliseDynamic turns values the driver decoded from nested DuckDB
// types into the encoding/json shapes Result promises.
func normaliseDynamic(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normaliseDynamic(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normaliseDynamic(e)
		}
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return x
		}
		return json.Number(formatRealJSON(x))
	case int32, int64, int, int16, int8, uint8, uint16, uint32, uint64:
		return json.Number(fmt.Sprint(x))
	case time.Time:
		return formatDateTime(x)
	case duckdb.Interval:
		return formatTimespan(intervalDuration(x))
	}
	return v
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), true
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), true
		}
	case duckdb.Decimal:
		q := new(big.Int).Quo(x.Value, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale)), nil))
		if q.IsInt64() {
			return q.Int64(), true
		}
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
