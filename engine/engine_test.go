package engine

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

func newEngine(t testing.TB) *Engine {
	t.Helper()
	st, err := store.Open(":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st)
}

func cols(spec string) []schema.Column {
	var out []schema.Column
	for _, f := range strings.Fields(spec) {
		n, ty, _ := strings.Cut(f, ":")
		tt, ok := types.Lookup(ty)
		if !ok {
			panic(ty)
		}
		out = append(out, schema.Column{Name: n, Type: tt})
	}
	return out
}

func TestRunConvertsByKQLType(t *testing.T) {
	e := newEngine(t)
	p := &Program{
		SQL: `SELECT 'x' AS s, NULL::VARCHAR AS ns, 42::INTEGER AS i, 42::BIGINT AS l, 0.1::DOUBLE AS r,
			TIMESTAMP '2026-10-02 13:45:12.345678' AS t, INTERVAL '1 day 2 hours' AS span, -10000000::BIGINT AS ticks,
			'{"a":[1,12345678901234567890]}'::JSON AS d, NULL::JSON AS dn, true AS b, '0F8FAD5B-D9CB-469F-A165-70867728950E'::UUID AS g,
			1.25::DECIMAL(38,18) AS m`,
		Columns: cols("s:string ns:string i:int l:long r:real t:datetime span:timespan ticks:timespan d:dynamic dn:dynamic b:bool g:guid m:decimal"),
	}
	res, err := e.Run(context.Background(), p, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, c := range res.Columns {
		got = append(got, FormatValue(c.Type, res.Rows[0][i]))
	}
	want := []string{"x", "", "42", "42", "0.1", "2026-10-02T13:45:12.345678Z", "1.02:00:00", "-00:00:01",
		`{"a":[1,12345678901234567890]}`, "", "true", "0f8fad5b-d9cb-469f-a165-70867728950e", "1.25"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if _, ok := res.Rows[0][2].(int32); !ok {
		t.Errorf("int column holds %T", res.Rows[0][2])
	}
	if _, ok := res.Rows[0][6].(time.Duration); !ok {
		t.Errorf("timespan column holds %T", res.Rows[0][6])
	}
}

func TestRunDynamicKeepsOrder(t *testing.T) {
	e := newEngine(t)
	p := &Program{SQL: `SELECT i, to_json([i]) AS d FROM range(200000) t(i) ORDER BY i DESC`, Columns: cols("i:long d:dynamic")}
	res, err := e.Run(context.Background(), p, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for j, r := range res.Rows {
		if r[0].(int64) != int64(199999-j) {
			t.Fatalf("row %d is %v: order lost", j, r[0])
		}
	}
}

func TestRunMaxRowsAndTimeout(t *testing.T) {
	e := newEngine(t)
	p := &Program{SQL: `SELECT i FROM range(10) t(i) ORDER BY i`, Columns: cols("i:long")}
	res, err := e.Run(context.Background(), p, QueryOptions{MaxRows: 3})
	if err != nil || len(res.Rows) != 3 || !res.Truncated {
		t.Fatalf("MaxRows: %v rows, truncated %v, %v", len(res.Rows), res.Truncated, err)
	}
	res, err = e.Run(context.Background(), p, QueryOptions{MaxRows: 10})
	if err != nil || len(res.Rows) != 10 || res.Truncated {
		t.Fatalf("MaxRows=len: %v rows, truncated %v, %v", len(res.Rows), res.Truncated, err)
	}
	slow := &Program{SQL: `SELECT count(*) FROM range(100000000000) a(x) WHERE x % 7 = 3`, Columns: cols("n:long")}
	start := time.Now()
	_, err = e.Run(context.Background(), slow, QueryOptions{Timeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("timeout: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestRunBuiltinTableNotStoredIsEmpty(t *testing.T) {
	e := newEngine(t)
	p := &Program{SQL: `SELECT count(*) AS Count FROM "EmailEvents"`, Columns: cols("Count:long"), Tables: []string{"EmailEvents"}}
	for i := 0; i < 2; i++ { // the temp table is dropped after each query
		res, err := e.Run(context.Background(), p, QueryOptions{})
		if err != nil || res.Rows[0][0] != int64(0) {
			t.Fatalf("run %d: %v %v", i, res, err)
		}
	}
	tables, _ := e.st.Tables(context.Background())
	if len(tables) != 0 {
		t.Errorf("store now has tables %v", tables)
	}
}

// Queries run with DuckDB's file access disabled: no SQL the engine runs
// can read or write a file, even SQL a compiler bug would let through.
func TestRunCannotTouchFiles(t *testing.T) {
	e := newEngine(t)
	secret := filepath.Join(t.TempDir(), "secret.csv")
	os.WriteFile(secret, []byte("a\nsecret\n"), 0o644)
	out := filepath.Join(t.TempDir(), "out.csv")
	for _, q := range []string{
		"SELECT * FROM read_csv(" + store.QuoteString(secret) + ")",
		"SELECT content FROM read_text(" + store.QuoteString(secret) + ")",
		"SELECT * FROM glob('/etc/*')",
	} {
		_, err := e.Run(context.Background(), &Program{SQL: q, Columns: cols("a:string")}, QueryOptions{})
		if err == nil || !strings.Contains(err.Error(), "disabled by configuration") {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := e.st.DB.Exec("COPY (SELECT 1) TO " + store.QuoteString(out)); err == nil {
		t.Error("COPY TO succeeded after a query")
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("file written")
	}
	if _, err := e.st.DB.Exec("SET enable_external_access=true"); err == nil {
		t.Error("external access re-enabled")
	}
}

// A string literal full of SQL is data: it comes back unchanged.
func TestQuotedStringRoundTrips(t *testing.T) {
	e := newEngine(t)
	for _, s := range []string{
		`'); COPY (SELECT 1) TO '/tmp/pwned.csv'; --`,
		`\'; DROP TABLE x; --`,
		"nul\x00byte", `back\\slash`, `"double"`, "é😀\u2028", "",
	} {
		p := &Program{SQL: "SELECT " + store.QuoteString(s) + " AS x", Columns: cols("x:string")}
		res, err := e.Run(context.Background(), p, QueryOptions{})
		if err != nil {
			// DuckDB strings cannot hold NUL; it must fail, not truncate.
			if strings.Contains(s, "\x00") {
				continue
			}
			t.Fatalf("%q: %v", s, err)
		}
		if res.Rows[0][0] != s {
			t.Errorf("%q came back as %q", s, res.Rows[0][0])
		}
	}
	if _, err := os.Stat("/tmp/pwned.csv"); err == nil {
		t.Error("/tmp/pwned.csv exists")
	}
}

func TestExternalData(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/list.csv":
			fmt.Fprint(w, "evil.example,3\n\"a,b\",4\n")
		case "/lines.txt":
			fmt.Fprint(w, "hash1\r\nhash2\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	e := newEngine(t)
	p := &Program{
		SQL:     `SELECT d, n FROM ext0 ORDER BY n`,
		Columns: cols("d:string n:long"),
		External: []External{{Table: "ext0", URLs: []string{srv.URL + "/list.csv"}, Format: "csv",
			Columns: cols("d:string n:long")}},
	}
	ctx := context.Background()
	if _, err := e.Run(ctx, p, QueryOptions{}); !errors.Is(err, ErrExternalRefused) {
		t.Fatalf("without permission: %v", err)
	}
	if _, err := e.Run(ctx, p, QueryOptions{AllowExternal: AllowPrefixes("https://intel.example/")}); err == nil || !strings.Contains(err.Error(), "not under an allowed prefix") {
		t.Fatalf("other prefix: %v", err)
	}
	for i := 0; i < 2; i++ {
		res, err := e.Run(ctx, p, QueryOptions{AllowExternal: AllowPrefixes(srv.URL + "/")})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 2 || res.Rows[0][0] != "evil.example" || res.Rows[1][0] != "a,b" || res.Rows[1][1] != int64(4) {
			t.Fatalf("rows %v", res.Rows)
		}
	}
	p.External[0].URLs = []string{srv.URL + "/lines.txt"}
	p.External[0].Format = "txt"
	p.External[0].Columns = cols("h:string")
	p.SQL, p.Columns = `SELECT h FROM ext0 ORDER BY h`, cols("h:string")
	res, err := e.Run(ctx, p, QueryOptions{AllowExternal: AllowPrefixes()})
	if err != nil || len(res.Rows) != 2 || res.Rows[1][0] != "hash2" {
		t.Fatalf("txt: %v %v", res, err)
	}
	p.External[0].URLs = []string{srv.URL + "/missing"}
	if _, err := e.Run(ctx, p, QueryOptions{AllowExternal: AllowPrefixes()}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404: %v", err)
	}
}

func TestAllowPrefixesDirectories(t *testing.T) {
	allow := AllowPrefixes("/data/intel", "https://raw.example/lists/")
	for u, ok := range map[string]bool{
		"/data/intel/a.csv":                true,
		"file:///data/intel/sub/b.txt":     true,
		"/data/intel-secret/a.csv":         false,
		"/data/intel/../secret.csv":        false,
		"https://raw.example/lists/x.csv":  true,
		"https://raw.example/other/x.csv":  false,
		"https://raw.example.evil/lists/x": false,
	} {
		if err := allow(u); (err == nil) != ok {
			t.Errorf("%s: allowed=%v, want %v (%v)", u, err == nil, ok, err)
		}
	}
}

// readCSV parses CSV text into records (header first).
func readCSVText(t testing.TB, text string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(text))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	return recs
}
