package sqlgen

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
)

func TestQuoting(t *testing.T) {
	cases := map[string]string{
		"abc":    "'abc'",
		"it's":   "'it''s'",
		`a\b`:    `'a\b'`,
		"a\x00b": "('a' || chr(0) || 'b')",
		"日本😀":    "'日本😀'",
	}
	for in, want := range cases {
		if got := quoteString(in); got != want {
			t.Errorf("quoteString(%q) = %s, want %s", in, got, want)
		}
	}
	if got := DuckDB.QuoteIdent(`we"ird`); got != `"we""ird"` {
		t.Errorf("QuoteIdent = %s", got)
	}
	if got := DuckDB.QuoteIdent("a\x00b"); got != `"a_b"` {
		t.Errorf("QuoteIdent with NUL = %s", got)
	}
}

func TestLiterals(t *testing.T) {
	cases := []struct {
		l    plan.Lit
		want string
	}{
		{plan.Lit{V: int64(5), T: types.Long}, "CAST(5 AS BIGINT)"},
		{plan.Lit{V: 1.5, T: types.Real}, "CAST(1.5 AS DOUBLE)"},
		{plan.Lit{V: time.Date(2024, 1, 2, 3, 4, 5, 600000, time.UTC), T: types.DateTime}, "TIMESTAMP '2024-01-02 03:04:05.0006'"},
		{plan.Lit{V: 90 * time.Minute, T: types.TimeSpan}, "to_microseconds(CAST(5400000000 AS BIGINT))"},
		{plan.Lit{V: -30 * 24 * time.Hour, T: types.TimeSpan}, "INTERVAL (-30) DAY"},
		{plan.Lit{V: `{"a":1}`, T: types.Dynamic}, `CAST('{"a":1}' AS JSON)`},
		{plan.Lit{T: types.Long}, "CAST(NULL AS BIGINT)"},
		{plan.Lit{T: types.String}, "''"},
	}
	for _, c := range cases {
		if got := DuckDB.Literal(&c.l); got != c.want {
			t.Errorf("Literal(%v) = %s, want %s", c.l, got, c.want)
		}
	}
}

// Terms are runs of letters and digits: has matches whole terms.
func TestTermPattern(t *testing.T) {
	cases := []struct {
		needle, text   string
		prefix, suffix bool
		want           bool
	}{
		{"quick", "the Quick brown", false, false, true},
		{"uic", "the quick brown", false, false, false},
		{"b", "a.b-c", false, false, true},
		{"a.b", "x a.b y", false, false, true},
		{"wor", "hello world", true, false, true},
		{"orl", "hello world", true, false, false},
		{"llo", "hello world", false, true, true},
		{"ell", "hello world", false, true, false},
	}
	for _, c := range cases {
		re := regexp.MustCompile(termPattern(c.needle, false, c.prefix, c.suffix))
		if got := re.MatchString(c.text); got != c.want {
			t.Errorf("%q in %q (prefix %v, suffix %v) = %v", c.needle, c.text, c.prefix, c.suffix, got)
		}
	}
}

func TestPathString(t *testing.T) {
	p, ok := pathString([]any{"a", int64(0), `we"ird`, int64(-1)})
	if !ok || p != `$."a"[0]."we\"ird"[#-1]` {
		t.Errorf("path = %s %v", p, ok)
	}
}

func TestFill(t *testing.T) {
	if got := fill("f({0}, {1}) {*} {9}", []string{"a", "b"}); got != "f(a, b) a, b {9}" {
		t.Errorf("fill = %s", got)
	}
}

// A series function is a call of the store's GoFunc with its name and
// every argument as JSON text, cast to the result's type; one returning
// several values calls GoTupleFunc, and its values are taken out of
// the list one by one.
func TestSeriesSQL(t *testing.T) {
	sum, _ := funcs.Lookup("series_sum")
	fit, _ := funcs.Lookup("series_fit_line")
	y := &plan.Lit{V: "[1,2]", T: types.Dynamic}
	root := &plan.Values{
		Columns: []plan.Column{{Name: "s", Type: types.Real}, {Name: "slope", Type: types.Dynamic}},
		Rows: [][]plan.Expr{{
			&plan.Call{F: sum, Args: []plan.Expr{y}, T: types.Real},
			&plan.Field{X: &plan.Call{F: fit, Args: []plan.Expr{y}, T: types.Dynamic}, Index: 1, Name: "slope"},
		}},
	}
	sql, err := Generate(DuckDB, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`CAST(quarry_fn('series_sum', CAST(to_json(CAST('[1,2]' AS JSON)) AS VARCHAR)) AS DOUBLE)`,
		`CAST((quarry_fn_tuple('series_fit_line', CAST(to_json(CAST('[1,2]' AS JSON)) AS VARCHAR)))[2] AS JSON)`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("SQL lacks %s:\n%s", want, sql)
		}
	}
}
