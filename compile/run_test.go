package compile

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/check"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

var (
	memOnce  sync.Once
	memStore *store.Store
	memErr   error
)

// mem is an in-memory store with the built-in tables, empty.
func mem(t testing.TB) *store.Store {
	t.Helper()
	memOnce.Do(func() {
		memStore, memErr = store.Open(":memory:", store.Options{MemoryLimit: "1GB"})
		if memErr != nil {
			return
		}
		for _, tab := range schema.BuiltinTables() {
			if memErr = memStore.EnsureTable(context.Background(), tab); memErr != nil {
				return
			}
		}
	})
	if memErr != nil {
		t.Fatal(memErr)
	}
	return memStore
}

var testNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// result is a query result rendered as Kusto prints it in CSV.
type result struct {
	cols  []string
	types []types.Type
	rows  [][]string
}

func (r *result) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(r.cols, ","))
	for _, row := range r.rows {
		b.WriteString("\n")
		b.WriteString(strings.Join(row, ","))
	}
	return b.String()
}

// runKQL compiles q, runs it on st and renders the result.
func runKQL(st *store.Store, q string, cat check.Catalog) (*result, error) {
	return runKQLAt(st, q, cat, testNow)
}

// runKQLAt is runKQL with now() pinned to now.
func runKQLAt(st *store.Store, q string, cat check.Catalog, now time.Time) (*result, error) {
	p, err := Compile(q, Options{Now: now, Catalog: cat})
	if err != nil {
		return nil, err
	}
	sql := p.SQL
	var sel []string
	for i, c := range p.Columns {
		n := fmt.Sprintf("c%d", i)
		if c.Type == types.Dynamic {
			sel = append(sel, "CAST("+n+" AS VARCHAR)")
		} else {
			sel = append(sel, n)
		}
	}
	var names []string
	for i := range p.Columns {
		names = append(names, fmt.Sprintf("c%d", i))
	}
	sql = "SELECT " + strings.Join(sel, ", ") + " FROM (" + sql + "\n) AS t(" + strings.Join(names, ", ") + ")"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := st.DB.QueryContext(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("%v\nSQL: %s", err, p.SQL)
	}
	defer rows.Close()
	r := &result{}
	for _, c := range p.Columns {
		r.cols = append(r.cols, c.Name)
		r.types = append(r.types, c.Type)
	}
	for rows.Next() {
		vals := make([]any, len(p.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rec := make([]string, len(vals))
		for i, v := range vals {
			rec[i] = format(p.Columns[i].Type, v)
		}
		r.rows = append(r.rows, rec)
	}
	return r, rows.Err()
}

func format(t types.Type, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		return check.FormatDatetime(v)
	case duckdb.Interval:
		d := time.Duration(v.Days)*24*time.Hour + time.Duration(v.Micros)*time.Microsecond + time.Duration(v.Months)*30*24*time.Hour
		return check.FormatTimespan(d)
	case float64:
		if math.IsInf(v, 1) {
			return "Infinity"
		}
		if math.IsInf(v, -1) {
			return "-Infinity"
		}
		if math.IsNaN(v) {
			return "NaN"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []byte:
		if t == types.GUID && len(v) == 16 {
			var u duckdb.UUID
			copy(u[:], v)
			return u.String()
		}
		return string(v)
	case duckdb.UUID:
		return v.String()
	}
	return fmt.Sprint(v)
}

// run runs q and fails the test on error.
func run(t *testing.T, q string) *result {
	t.Helper()
	r, err := runKQL(mem(t), q, nil)
	if err != nil {
		t.Fatalf("%s\n%v", q, err)
	}
	return r
}

// expect runs q and compares its CSV rendering (header and rows joined by
// newlines; ordered) with want.
func expect(t *testing.T, q, want string) {
	t.Helper()
	r := run(t, q)
	want = strings.TrimPrefix(want, "\n")
	if got := r.String(); got != want {
		t.Errorf("%s\ngot:\n%s\nwant:\n%s", q, got, want)
	}
}

type testCatalog map[string]*schema.Table

func (c testCatalog) Table(n string) (*schema.Table, bool) {
	if t, ok := c[n]; ok {
		return t, true
	}
	return schema.Builtin(n)
}

func (c testCatalog) Tables() []*schema.Table {
	out := schema.BuiltinTables()
	for _, t := range c {
		out = append(out, t)
	}
	return out
}

// catalogOf is the built-in schemas plus tables given as name:type lists.
func catalogOf(tables map[string][]string) check.Catalog {
	c := testCatalog{}
	for name, cols := range tables {
		t := &schema.Table{Name: name}
		for _, col := range cols {
			n, ty, _ := strings.Cut(col, ":")
			kt, _ := types.Lookup(ty)
			t.Columns = append(t.Columns, schema.Column{Name: n, Type: kt})
		}
		c[name] = t
	}
	return c
}
