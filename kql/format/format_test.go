package format

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/parser"
)

func id(name string) *ast.Ident  { return &ast.Ident{Name: name} }
func num(v string) *ast.BasicLit { return &ast.BasicLit{Kind: ast.IntLit, Value: v} }
func str(v string) *ast.BasicLit { return &ast.BasicLit{Kind: ast.StringLit, Value: v} }
func bin(x ast.Expr, op string, y ast.Expr) *ast.BinaryExpr {
	return &ast.BinaryExpr{X: x, Op: op, Y: y}
}
func call(name string, args ...ast.Expr) *ast.CallExpr {
	return &ast.CallExpr{Fun: id(name), Args: args}
}
func named(name string, x ast.Expr) *ast.NamedExpr {
	return &ast.NamedExpr{Names: []*ast.Ident{id(name)}, X: x}
}

// mailflow is the contract's hunt, built by hand.
func mailflow() *ast.Script {
	return &ast.Script{Stmts: []ast.Stmt{&ast.ExprStmt{X: &ast.Pipeline{
		Source: id("EmailEvents"),
		Ops: []ast.Operator{
			&ast.WhereOp{Pred: bin(id("Timestamp"), ">", call("ago", &ast.BasicLit{Kind: ast.TimeSpanLit, Value: "30d"}))},
			&ast.ExtendOp{Exprs: []ast.Expr{named("domain", call("substring", id("RecipientEmailAddress"),
				bin(call("indexof", id("RecipientEmailAddress"), str("@")), "+", num("1"))))}},
			&ast.SummarizeOp{Aggs: []ast.Expr{named("total", call("count"))},
				By: []ast.Expr{id("EmailDirection"), id("domain"), call("bin", id("Timestamp"), &ast.BasicLit{Kind: ast.TimeSpanLit, Value: "1d"})}},
			&ast.SortOp{Keys: []*ast.SortExpr{{X: id("Timestamp"), Order: "asc"}}},
		},
	}}}}
}

func TestScriptMailflow(t *testing.T) {
	want := `EmailEvents
| where Timestamp > ago(30d)
| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, "@") + 1)
| summarize total = count() by EmailDirection, domain, bin(Timestamp, 1d)
| sort by Timestamp asc
`
	if got := Script(mailflow()); got != want {
		t.Errorf("Script =\n%s\nwant\n%s", got, want)
	}
	var buf bytes.Buffer
	if err := Node(&buf, mailflow()); err != nil || buf.String() != want {
		t.Errorf("Node = %q, %v", buf.String(), err)
	}
}

// TestPrecedence checks that trees built without ParenExpr get exactly the
// parentheses their nesting needs, and no others.
func TestPrecedence(t *testing.T) {
	for _, tt := range precedenceCases() {
		if got := String(tt.x); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

type precedenceCase struct {
	x    ast.Expr
	want string
}

func precedenceCases() []precedenceCase {
	a, b, c := id("a"), id("b"), id("c")
	return []precedenceCase{
		{bin(bin(a, "+", b), "*", c), "(a + b) * c"},
		{bin(a, "*", bin(b, "+", c)), "a * (b + c)"},
		{bin(bin(a, "*", b), "+", c), "a * b + c"},
		{bin(bin(a, "-", b), "-", c), "a - b - c"},
		{bin(a, "-", bin(b, "-", c)), "a - (b - c)"},
		{bin(a, "or", bin(b, "and", c)), "a or b and c"},
		{bin(bin(a, "or", b), "and", c), "(a or b) and c"},
		{bin(bin(a, "==", b), "and", bin(c, "has", str("x"))), `a == b and c has "x"`},
		{bin(a, "==", bin(b, "==", c)), "a == (b == c)"},
		{&ast.UnaryExpr{Op: "-", X: bin(a, "+", b)}, "-(a + b)"},
		{&ast.UnaryExpr{Op: "-", X: &ast.UnaryExpr{Op: "-", X: a}}, "-(-a)"},
		{bin(a, "-", &ast.UnaryExpr{Op: "-", X: num("1")}), "a - -1"},
		{&ast.SelectorExpr{X: bin(a, "+", b), Sel: id("c")}, "(a + b).c"},
		{&ast.IndexExpr{X: call("parse_json", a), Index: str("k")}, `parse_json(a)["k"]`},
		{&ast.InExpr{X: bin(a, "or", b), Op: "in", List: []ast.Expr{num("1")}}, "(a or b) in (1)"},
		{&ast.InExpr{X: bin(a, "+", b), Op: "!in~", List: []ast.Expr{str("x"), str("y")}}, `a + b !in~ ("x", "y")`},
		{bin(&ast.InExpr{X: a, Op: "in", List: []ast.Expr{num("1")}}, "and", b), "a in (1) and b"},
		{&ast.BetweenExpr{X: a, Not: true, Lo: num("1"), Hi: bin(b, "+", num("2"))}, "a !between (1 .. b + 2)"},
		{bin(a, "and", &ast.ParenExpr{X: bin(b, "or", c)}), "a and (b or c)"},
		// Kusto's levels: or < and < equality (==, in, between) < relational
		// < additive < multiplicative < string operators; equality,
		// relational and string operators do not chain.
		{bin(bin(a, "<", b), "==", c), "a < b == c"},
		{bin(a, "==", bin(b, ">=", c)), "a == b >= c"},
		{bin(bin(a, "==", b), "<", c), "(a == b) < c"},
		{bin(bin(a, "==", b), "==", c), "(a == b) == c"},
		{bin(bin(a, "<", b), "<", c), "(a < b) < c"},
		{bin(bin(a, "has", b), ">", c), "a has b > c"},
		{bin(bin(a, "+", b), "has", c), "(a + b) has c"},
		{bin(a, "+", bin(b, "has", c)), "a + b has c"},
		{bin(bin(a, "=~", b), "=~", c), "(a =~ b) =~ c"},
		{bin(&ast.InExpr{X: a, Op: "in", List: []ast.Expr{num("1")}}, "==", b), "(a in (1)) == b"},
		{&ast.InExpr{X: bin(a, "==", b), Op: "in", List: []ast.Expr{num("1")}}, "(a == b) in (1)"},
		{&ast.BetweenExpr{X: a, Lo: bin(a, "<", b), Hi: bin(b, "==", c)}, "a between (a < b .. b == c)"},
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		x    ast.Expr
		want string
	}{
		{id("Column_1"), "Column_1"},
		{id("Column Name"), "['Column Name']"},
		{id("where"), "['where']"},
		{id("string"), "['string']"},
		{id("2nd"), "2nd"},
		{id("$"), "$"},
		{id("0"), "['0']"},
		{id("1d"), "['1d']"},
		{id("1e5"), "['1e5']"},
		{id("in~"), "['in~']"},
		{id("project-away"), "['project-away']"},
		{id("$left"), "$left"},
		{id("it's"), `["it's"]`},
		{&ast.SelectorExpr{X: id("$left"), Sel: id("Key")}, "$left.Key"},
		{&ast.SelectorExpr{X: id("d"), Sel: id("a b")}, "d.['a b']"},
		{call("count"), "count()"},
		{named("count", call("count")), "count = count()"},
		{named("title", call("count")), "['title'] = count()"},
		{named("kind", id("x")), "['kind'] = x"},
	}
	for _, tt := range tests {
		if got := String(tt.x); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestOperators(t *testing.T) {
	T := id("T")
	tests := []struct {
		op   ast.Operator
		want string
	}{
		{&ast.JoinOp{Params: []*ast.NamedExpr{named("kind", id("inner"))}, Right: &ast.ParenExpr{X: &ast.Pipeline{Source: id("U"), Ops: []ast.Operator{&ast.WhereOp{Pred: bin(id("x"), ">", num("1"))}}}},
			On: []ast.Expr{bin(&ast.SelectorExpr{X: id("$left"), Sel: id("a")}, "==", &ast.SelectorExpr{X: id("$right"), Sel: id("b")})}},
			"join kind=inner (\n  U\n  | where x > 1\n) on $left.a == $right.b"},
		{&ast.MvExpandOp{Params: []*ast.NamedExpr{named("bagexpansion", id("array"))}, Items: []*ast.MvItem{{X: named("v", id("d")), To: &ast.TypeOf{Type: "string"}}}, Limit: num("10")},
			"mv-expand bagexpansion=array v = d to typeof(string) limit 10"},
		{&ast.ParseOp{Kind: "parse", X: id("Msg"), Pattern: []ast.Expr{str("user="), &ast.ColumnRef{Decl: &ast.ColumnDecl{Name: id("User"), Type: &ast.ScalarType{Name: "string"}}}, str(" "), &ast.Star{}}},
			`parse Msg with "user=" User:string " " *`},
		{&ast.MakeSeriesOp{Aggs: []*ast.SeriesAgg{{X: named("n", call("count")), Default: num("0")}}, On: id("Timestamp"), From: call("ago", id("d")), To: call("now"), Step: &ast.BasicLit{Kind: ast.TimeSpanLit, Value: "1d"}, By: []ast.Expr{id("K")}},
			"make-series n = count() default = 0 on Timestamp from ago(d) to now() step 1d by K"},
		{&ast.RenderOp{Chart: id("timechart"), Props: []*ast.NamedExpr{named("title", str("Mail"))}}, `render timechart with (title="Mail")`},
		{&ast.TopOp{Count: num("10"), Keys: []*ast.SortExpr{{X: id("n"), Order: "desc", Nulls: "last"}}}, "top 10 by n desc nulls last"},
		{&ast.UnionOp{Params: []*ast.NamedExpr{named("withsource", id("Table"))}, Tables: []ast.Expr{T, &ast.Wildcard{Pattern: "Device*"}}}, "union withsource=Table T, Device*"},
		{&ast.DatatableOp{Columns: &ast.TableType{Columns: []*ast.ColumnDecl{{Name: id("a"), Type: &ast.ScalarType{Name: "long"}}, {Name: id("b"), Type: &ast.ScalarType{Name: "string"}}}},
			Values: []ast.Expr{num("1"), str("x"), num("2"), str("y")}}, "datatable (a:long, b:string) [\n  1, \"x\",\n  2, \"y\"\n]"},
		{&ast.MvApplyOp{Items: []*ast.MvItem{{X: id("e"), To: &ast.TypeOf{Type: "dynamic"}}}, Sub: &ast.Pipeline{Ops: []ast.Operator{&ast.TakeOp{Count: num("1")}}}},
			"mv-apply e to typeof(dynamic) on (\n  take 1\n)"},
		{&ast.SummarizeOp{By: []ast.Expr{T}}, "summarize by T"},
		{&ast.ProjectOp{Kind: "project-rename", Exprs: []ast.Expr{named("New", id("Old"))}}, "project-rename New = Old"},
	}
	for _, tt := range tests {
		if got := String(tt.op); got != tt.want {
			t.Errorf("got\n%s\nwant\n%s", got, tt.want)
		}
	}
}

func TestLetAndFunctions(t *testing.T) {
	s := &ast.Script{Stmts: []ast.Stmt{
		&ast.LetStmt{Name: id("threshold"), Value: num("5")},
		&ast.LetStmt{Name: id("f"), Value: &ast.FuncLit{
			Params: []*ast.Param{{Name: id("T"), Type: &ast.TableType{Star: true}}, {Name: id("n"), Type: &ast.ScalarType{Name: "long"}, Default: num("1")}},
			Body:   &ast.Block{Result: &ast.Pipeline{Source: id("T"), Ops: []ast.Operator{&ast.TakeOp{Count: id("n")}}}},
		}},
		&ast.LetStmt{Name: id("g"), Value: &ast.FuncLit{Params: []*ast.Param{{Name: id("x"), Type: &ast.ScalarType{Name: "long"}}}, Body: &ast.Block{Result: bin(id("x"), "+", num("1"))}}},
		&ast.ExprStmt{X: &ast.Pipeline{Source: call("f", id("EmailEvents")), Ops: []ast.Operator{&ast.CountOp{}}}},
	}}
	want := `let threshold = 5;
let f = (T:(*), n:long = 1) {
  T
  | take n
};
let g = (x:long) { x + 1 };
f(EmailEvents)
| count
`
	if got := Script(s); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestStringsAndLiterals(t *testing.T) {
	tests := []struct {
		x    ast.Expr
		want string
	}{
		{&ast.BasicLit{Kind: ast.StringLit, Value: `\\server\share`, Obfuscated: true}, `h@"\\server\share"`},
		{&ast.TypedLit{Type: "datetime", Text: "2024-01-01 10:00"}, "datetime(2024-01-01 10:00)"},
		{&ast.DynamicLit{X: &ast.ArrayLit{Elems: []ast.Expr{num("1"), str("a"), &ast.BagLit{Fields: []*ast.BagField{{Key: "k", Value: &ast.BasicLit{Kind: ast.BoolLit, Value: "true"}}}}}}},
			`dynamic([1, "a", {"k": true}])`},
	}
	for _, tt := range tests {
		if got := String(tt.x); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

type bogus struct{ ast.Span }

func (bogus) exprNode() {}

func TestUnknownNode(t *testing.T) {
	var buf bytes.Buffer
	err := Node(&buf, bogus{})
	if err == nil || !strings.Contains(err.Error(), "format.bogus") {
		t.Errorf("Node(bogus) error = %v, want one naming the type", err)
	}
}

// stripParens removes every *ast.ParenExpr from the tree under x, in place,
// replacing it by what it holds.
func stripParens(x ast.Expr) ast.Expr {
	for {
		pe, ok := x.(*ast.ParenExpr)
		if !ok {
			break
		}
		x = pe.X
	}
	strip(reflect.ValueOf(x))
	return x
}

var exprType = reflect.TypeOf((*ast.Expr)(nil)).Elem()

func strip(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			strip(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if f.Type() == exprType && !f.IsNil() {
				f.Set(reflect.ValueOf(stripParens(f.Interface().(ast.Expr))))
				continue
			}
			strip(f)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			e := v.Index(i)
			if e.Type() == exprType && !e.IsNil() {
				e.Set(reflect.ValueOf(stripParens(e.Interface().(ast.Expr))))
				continue
			}
			strip(e)
		}
	}
}

// TestPrecedenceRoundTrip checks the printer's precedence table against
// the parser's: each hand-built tree of TestPrecedence, formatted and
// parsed again, is the same tree once parentheses are set aside.
func TestPrecedenceRoundTrip(t *testing.T) {
	for _, tt := range precedenceCases() {
		text := String(tt.x)
		s, errs := parser.Parse("print " + text)
		if len(errs) > 0 {
			t.Errorf("%s: %v", text, errs)
			continue
		}
		got := s.Stmts[0].(*ast.ExprStmt).X.(*ast.PrintOp).Exprs[0]
		if d := ast.Diff(stripParens(tt.x), stripParens(got)); d != "" {
			t.Errorf("%s parses to another tree: %s", text, d)
		}
	}
}

// TestKeywordNames formats trees that use every keyword of Kusto.Language
// (testdata/kusto-keywords.txt, taken from its syntax tables) and a few
// ordinary words as names in every kind of name position, and checks that
// the text parses back to the same tree: a keyword the parser would read
// as syntax must come out bracketed.
func TestKeywordNames(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "kusto-keywords.txt"))
	if err != nil {
		t.Fatal(err)
	}
	words := append(strings.Fields(string(b)), "Timestamp", "count", "x_1", "$left", "a b", "", "0", "it's")
	for _, w := range words {
		s := &ast.Script{Stmts: []ast.Stmt{
			&ast.LetStmt{Name: id(w), Value: num("1")},
			&ast.ExprStmt{X: &ast.Pipeline{Source: id(w), Ops: []ast.Operator{
				&ast.ExtendOp{Exprs: []ast.Expr{named(w, bin(id(w), "+", &ast.SelectorExpr{X: id("d"), Sel: id(w)}))}},
				&ast.ProjectOp{Kind: "project", Exprs: []ast.Expr{id(w), &ast.SelectorExpr{X: id(w), Sel: id(w)}}},
				&ast.ProjectOp{Kind: "project-rename", Exprs: []ast.Expr{named(w, id(w))}},
				&ast.MvExpandOp{Items: []*ast.MvItem{{X: named(w, id(w))}}},
				&ast.SummarizeOp{Aggs: []ast.Expr{named(w, call("count"))}, By: []ast.Expr{id(w)}},
				&ast.ParseOp{Kind: "parse", X: id(w), Pattern: []ast.Expr{str("a"), &ast.ColumnRef{Decl: &ast.ColumnDecl{Name: id(w)}}}},
			}}},
			&ast.ExprStmt{X: &ast.Pipeline{Source: &ast.SelectorExpr{X: id(w), Sel: id("x")}, Ops: []ast.Operator{&ast.TakeOp{Count: num("1")}}}},
			&ast.ExprStmt{X: &ast.Pipeline{Source: &ast.IndexExpr{X: id(w), Index: num("0")}, Ops: []ast.Operator{&ast.CountOp{}}}},
		}}
		if w == "$left" {
			continue // only meaningful in join conditions
		}
		text := Script(s)
		got, errs := parser.Parse(text)
		if len(errs) > 0 {
			t.Errorf("name %q: %v\n%s", w, errs, text)
			continue
		}
		if d := ast.Diff(s, got); d != "" {
			t.Errorf("name %q: %s\n%s", w, d, text)
		}
	}
}

// TestRareOperatorsRoundTrip covers operators the corpus never uses, so the
// corpus round trip cannot catch a formatter that does not know them.
func TestRareOperatorsRoundTrip(t *testing.T) {
	for _, src := range []string{
		"T\n| consume decodeblocks=true",
		"T\n| consume",
		"T\n| top-hitters 5 of Name by Size",
		"T\n| top-hitters 5 of Name",
		"T\n| reduce by Text with threshold=0.2, characters=\"-_\"",
		"T\n| reduce by Text",
	} {
		s1, errs := parser.Parse(src)
		if len(errs) > 0 {
			t.Fatalf("parse %q: %v", src, errs)
		}
		out := Script(s1)
		if out != src+"\n" {
			t.Errorf("format(%q) = %q", src, out)
		}
		s2, errs := parser.Parse(out)
		if len(errs) > 0 || !ast.Equal(s1, s2) {
			t.Errorf("round trip of %q: %v %s", src, errs, ast.Diff(s1, s2))
		}
	}
}
