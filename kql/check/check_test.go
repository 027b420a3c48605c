package check

import (
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/parser"
	"github.com/quarry-kql/quarry/kql/token"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

type builtin struct{}

func (builtin) Table(n string) (*schema.Table, bool) { return schema.Builtin(n) }
func (builtin) Tables() []*schema.Table              { return schema.BuiltinTables() }

func bind(t *testing.T, src string) (*Info, *ast.Script) {
	t.Helper()
	f := token.NewFile("", src)
	s, errs := parser.ParseFile(f)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", src, errs)
	}
	info, errs := Check(f, s, builtin{}, Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if len(errs) > 0 {
		t.Fatalf("%s: %v", src, errs)
	}
	return info, s
}

// Info records the type of every expression and the schema of every
// operator, in side tables keyed by node.
func TestInfo(t *testing.T) {
	info, s := bind(t, `EmailEvents | extend d = Timestamp - ago(1h), n = strlen(Subject) | summarize count() by EmailDirection`)
	p := s.Stmts[0].(*ast.ExprStmt).X.(*ast.Pipeline)
	ext := p.Ops[0].(*ast.ExtendOp)
	d := ext.Exprs[0].(*ast.NamedExpr).X
	if info.Types[d] != types.TimeSpan {
		t.Errorf("type of d = %v", info.Types[d])
	}
	if n := ext.Exprs[1].(*ast.NamedExpr).X; info.Types[n] != types.Long {
		t.Errorf("type of n = %v", info.Types[n])
	}
	cols := info.Schemas[p.Ops[1]]
	if len(cols) != 2 || cols[0].Name != "EmailDirection" || cols[1].Name != "count_" {
		t.Errorf("summarize schema %v", cols)
	}
	if len(info.Tables) != 1 || info.Tables[0] != "EmailEvents" {
		t.Errorf("tables %v", info.Tables)
	}
	if info.Result == nil || len(info.Result.Cols()) != 2 {
		t.Errorf("result %v", info.Result)
	}
}

func TestClosest(t *testing.T) {
	names := []string{"Subject", "Timestamp", "NetworkMessageId", "SenderFromAddress"}
	for in, want := range map[string]string{"Subjct": "Subject", "timestamp": "Timestamp", "NetworkMesageId": "NetworkMessageId", "Zzz": ""} {
		if got := closest(in, names); got != want {
			t.Errorf("closest(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestLiteralParsing(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"1d": 24 * time.Hour, "1.5h": 90 * time.Minute, "100ms": 100 * time.Millisecond, "1tick": 100,
		"1.02:03:04.5": 26*time.Hour + 3*time.Minute + 4500*time.Millisecond, "-00:30:00": -30 * time.Minute, "10microsecond": 10 * time.Microsecond,
	} {
		got, ok := parseTimespanText(in)
		if !ok || got != want {
			t.Errorf("timespan(%s) = %v %v, want %v", in, got, ok, want)
		}
	}
	for in, want := range map[string]string{
		"2024-01-02":                    "2024-01-02T00:00:00Z",
		"2024-01-02 10:11":              "2024-01-02T10:11:00Z",
		"2024-01-02T10:11:12.1234567Z":  "2024-01-02T10:11:12.1234567Z",
		"1970-5-12":                     "1970-05-12T00:00:00Z",
		`"2015-12-14"`:                  "2015-12-14T00:00:00Z",
		"2017 - 08 - 01":                "2017-08-01T00:00:00Z",
		"Sat, 08 Nov 2014 15:05:02 GMT": "2014-11-08T15:05:02Z",
	} {
		got, ok := ParseDatetime(in)
		if !ok || FormatDatetime(got) != want {
			t.Errorf("datetime(%s) = %v %v, want %s", in, got, ok, want)
		}
	}
	if got := FormatTimespan(-(26*time.Hour + 300)); got != "-1.02:00:00.0000003" {
		t.Errorf("FormatTimespan = %s", got)
	}
}
