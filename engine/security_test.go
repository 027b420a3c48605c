package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// kqlVerbatim quotes s as a KQL string literal: "..." with backslash
// escapes for the backslash, the quote and control or line-separator
// characters.
func kqlVerbatim(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x2028 || r == 0x2029 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var hostile = []string{
	`'); COPY (SELECT 1) TO '/tmp/quarry-pwned.csv'; --`,
	`'; ATTACH '/tmp/x.duckdb' AS x; SELECT '`,
	`\'); SELECT * FROM read_csv('/etc/passwd'); --`,
	`"; DROP TABLE EmailEvents; --`,
	`$$ dollar $$`, `back\slash\\`, `E'\x41'`, "tab\tnewline\ncr\r", "é 😀 \u2028 \ufeff",
	`%s %v {0} ${x}`, `''''`, ``, `"`, `\`,
}

func requireCompiler(t *testing.T) {
	if compileFunc == nil {
		t.Skip("skipping: no KQL compiler in this build")
	}
}

// A string literal is data whatever it holds: print returns it unchanged,
// and nothing it says reaches the database as SQL.
func TestQueryStringLiteralsRoundTrip(t *testing.T) {
	requireCompiler(t)
	e := newEngine(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	cases := append([]string(nil), hostile...)
	alphabet := []rune(`'"\;-$@%_()[]{}` + "\n\t\r aZ9é😀\u2028")
	for i := 0; i < 200; i++ {
		n := r.IntN(12)
		var b strings.Builder
		for j := 0; j < n; j++ {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		res, err := e.Query(ctx, "print x = "+kqlVerbatim(s), QueryOptions{})
		if err != nil {
			t.Errorf("print %q: %v", s, err)
			continue
		}
		if len(res.Rows) != 1 || res.Rows[0][0] != s {
			t.Errorf("print %q returned %q", s, res.Rows)
		}
	}
	if _, err := os.Stat("/tmp/quarry-pwned.csv"); err == nil {
		t.Error("/tmp/quarry-pwned.csv was written")
	}
}

// A NUL cannot live in a DuckDB string: a query holding one must fail
// loudly rather than cut the string.
func TestQueryNULIsNotTruncated(t *testing.T) {
	requireCompiler(t)
	e := newEngine(t)
	res, err := e.Query(context.Background(), "print x = "+kqlVerbatim("a\x00b"), QueryOptions{})
	if err == nil && (len(res.Rows) != 1 || res.Rows[0][0] != "a\x00b") {
		t.Errorf("NUL string came back as %q", res.Rows)
	}
}

// Queries cannot reach files: externaldata is refused unless allowed, and
// the store is in query mode once a query ran.
func TestQueryCannotReadFiles(t *testing.T) {
	requireCompiler(t)
	e := newEngine(t)
	ctx := context.Background()
	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("top secret\n"), 0o644)
	q := `externaldata(line: string) [` + kqlVerbatim(secret) + `] with (format="txt")`
	if _, err := e.Query(ctx, q, QueryOptions{}); err == nil {
		t.Fatal("externaldata read a file without --allow-external")
	}
	if _, err := e.Query(ctx, q, QueryOptions{AllowExternal: AllowPrefixes(filepath.Join(t.TempDir(), "elsewhere"))}); err == nil {
		t.Fatal("externaldata read a file outside the allowed directory")
	}
	res, err := e.Query(ctx, q, QueryOptions{AllowExternal: AllowPrefixes(filepath.Dir(secret))})
	if err != nil {
		t.Fatalf("allowed externaldata: %v", err)
	}
	if len(res.Rows) != 1 || res.Rows[0][0] != "top secret" {
		t.Errorf("externaldata rows %q", res.Rows)
	}
	if !e.st.Restricted() {
		t.Error("store not in query mode after a query")
	}
	var access string
	if err := e.st.DB.QueryRow("SELECT current_setting('enable_external_access')::VARCHAR").Scan(&access); err != nil || access != "false" {
		t.Errorf("enable_external_access = %q, %v", access, err)
	}
}

// Hostile strings stored in a table are found by == on the same literal,
// and only they are.
func TestQueryFiltersOnHostileStrings(t *testing.T) {
	requireCompiler(t)
	e := newEngine(t)
	ctx := context.Background()
	var rows []string
	for _, s := range hostile {
		if utf8.ValidString(s) {
			rows = append(rows, kqlVerbatim(s))
		}
	}
	dt := "datatable(s: string) [" + strings.Join(rows, ", ") + "]"
	for _, s := range hostile {
		res, err := e.Query(ctx, dt+" | where s == "+kqlVerbatim(s)+" | count", QueryOptions{})
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if res.Rows[0][0] != int64(1) {
			t.Errorf("%q: count %v, want 1", s, res.Rows[0][0])
		}
	}
}
