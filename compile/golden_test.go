package compile

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// Hunt is the Mailflow by directionality hunt.
const Hunt = `EmailEvents
| where Timestamp > ago(30d)
| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, "@")+1)
| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)
| order by Timestamp asc`

var goldenNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// goldenStore loads the golden EmailEvents rows into an in-memory store.
func goldenStore(t testing.TB) *store.Store {
	t.Helper()
	dir := testenv.Shared(t, "golden")
	st, err := store.Open(":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	tab, _ := schema.Builtin("EmailEvents")
	if err := st.EnsureTable(ctx, tab); err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(dir, "EmailEvents-10k-seed1.parquet")
	q := "INSERT INTO " + store.QuoteIdent("EmailEvents") + " BY NAME SELECT * REPLACE (CAST(\"Timestamp\" AS TIMESTAMP) AS \"Timestamp\") FROM read_parquet(" + store.QuoteString(pq) + ")"
	if _, err := st.DB.ExecContext(ctx, q); err != nil {
		t.Fatal(err)
	}
	return st
}

// queryStrings runs sql and renders each cell as Kusto prints it in CSV.
func queryStrings(t testing.TB, db *sql.DB, q string) [][]string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%v\nSQL: %s", err, q)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, len(cols))
		for i, v := range vals {
			rec[i] = cell(v)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		v = v.UTC()
		if v.Nanosecond() == 0 {
			return v.Format("2006-01-02T15:04:05Z")
		}
		return v.Format("2006-01-02T15:04:05.0000000Z")
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}

func TestGoldenHunt(t *testing.T) {
	st := goldenStore(t)
	p, err := Compile(Hunt, Options{Now: goldenNow})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"EmailDirection", "domain", "Timestamp", "total"}
	var got []string
	for _, c := range p.Columns {
		got = append(got, c.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("columns = %v, want %v", got, want)
	}
	rows := queryStrings(t, st.DB, p.SQL)
	f, err := os.Open(filepath.Join(testenv.Shared(t, "golden"), "expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exp, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	exp = exp[1:]
	if len(rows) != len(exp) {
		t.Fatalf("%d rows, want %d", len(rows), len(exp))
	}
	// Timestamps non-decreasing; rows sharing a Timestamp compared as
	// multisets.
	for i := 1; i < len(rows); i++ {
		if rows[i][2] < rows[i-1][2] {
			t.Fatalf("row %d: Timestamp %s after %s: not sorted", i, rows[i][2], rows[i-1][2])
		}
	}
	key := func(r []string) string { return strings.Join(r, "\x00") }
	group := func(rs [][]string) map[string][]string {
		m := map[string][]string{}
		for _, r := range rs {
			m[r[2]] = append(m[r[2]], key(r))
		}
		for k := range m {
			sort.Strings(m[k])
		}
		return m
	}
	g, e := group(rows), group(exp)
	for ts, er := range e {
		gr := g[ts]
		if strings.Join(gr, "\n") != strings.Join(er, "\n") {
			missing := diff(er, gr)
			extra := diff(gr, er)
			t.Errorf("Timestamp %s: missing %q, unexpected %q", ts, missing, extra)
		}
	}
}

func diff(a, b []string) []string {
	m := map[string]int{}
	for _, x := range b {
		m[x]++
	}
	var out []string
	for _, x := range a {
		if m[x] > 0 {
			m[x]--
			continue
		}
		out = append(out, x)
	}
	if len(out) > 5 {
		out = out[:5]
	}
	return out
}
