package ingest

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// TestChunkAppender writes the same rows through the chunk appender and
// through duckdb-go's Appender and checks the two tables hold the same
// rows: every column type it handles, nulls, strings of every length
// around DuckDB's 12 inlined bytes, a string far larger than its buffers,
// non-ASCII text, JSON, and more rows than a chunk (so chunks are
// reused). A row with a value it does not handle is refused whole.
func TestChunkAppender(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, ":memory:")
	cols := []schema.Column{{Name: "s", Type: types.String}, {Name: "l", Type: types.Long}, {Name: "i", Type: types.Int},
		{Name: "r", Type: types.Real}, {Name: "b", Type: types.Bool}, {Name: "ts", Type: types.DateTime}, {Name: "d", Type: types.Dynamic}}
	fast := &schema.Table{Name: "fast", Columns: cols}
	ref := &schema.Table{Name: "ref", Columns: cols}
	if !fastTable(fast) {
		t.Fatal("fastTable refuses a table of handled types")
	}
	if fastTable(&schema.Table{Name: "x", Columns: []schema.Column{{Name: "g", Type: types.GUID}}}) {
		t.Fatal("fastTable accepts a guid column")
	}
	for _, tb := range []*schema.Table{fast, ref} {
		if err := st.EnsureTable(ctx, tb); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := st.Connector().Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := newChunkAppender(conn, fast)
	if err != nil {
		t.Fatal(err)
	}
	a, err := duckdb.NewAppenderFromConn(conn, "", "ref")
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("é0123456789", 60_000) // 720 kB, above the buffer size
	base := time.Date(2026, 11, 2, 9, 0, 0, 123456000, time.UTC)
	const n = 5000
	for k := 0; k < n; k++ {
		s := strings.Repeat("x", k%30) + fmt.Sprint(k)
		if k == 7 {
			s = big
		}
		if k%11 == 0 {
			s = "Zürich→東京"
		}
		row := []driver.Value{s, int64(k) * 1_000_000_007, int32(-k), float64(k) / 3, k%2 == 0, base.Add(time.Duration(k) * time.Minute),
			json.RawMessage(fmt.Sprintf(`{"k": %d, "t": "<a&b>"}`, k))}
		if k%13 == 0 {
			row = []driver.Value{nil, nil, nil, nil, nil, nil, nil}
		}
		if k%17 == 0 {
			row[2] = 5 // an int goes to an INTEGER column
		}
		if err := c.appendRow(row); err != nil {
			t.Fatalf("row %d: %v", k, err)
		}
		if err := a.AppendRow(row...); err != nil {
			t.Fatalf("row %d: %v", k, err)
		}
	}
	if err := c.appendRow([]driver.Value{"x", "not a number", nil, nil, nil, nil, nil}); err != errValue {
		t.Fatalf("a string for a BIGINT column: got %v, want errValue", err)
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	q := func(sql string) string {
		var s string
		if err := st.DB.QueryRow(sql).Scan(&s); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return s
	}
	if got := q(`SELECT count(*)::VARCHAR FROM fast`); got != fmt.Sprint(n) {
		t.Fatalf("fast has %s rows, want %d", got, n)
	}
	if got := q(`SELECT count(*)::VARCHAR FROM (SELECT * FROM fast EXCEPT ALL SELECT * FROM ref UNION ALL (SELECT * FROM ref EXCEPT ALL SELECT * FROM fast))`); got != "0" {
		t.Fatalf("%s rows differ between the chunk appender and duckdb-go's Appender", got)
	}
	if got := q(`SELECT length(s)::VARCHAR FROM fast WHERE l = 7000000049`); got != fmt.Sprint(len([]rune(big))) {
		t.Fatalf("long string has %s characters", got)
	}
	if got := q(`SELECT json_extract_string(d, '$.t') || ' ' || ts::VARCHAR FROM fast WHERE l = 1000000007`); got != "<a&b> 2026-11-02 09:01:00.123456" {
		t.Fatalf("got %q", got)
	}
}
