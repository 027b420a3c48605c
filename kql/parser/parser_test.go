package parser

import (
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/ast"
)

// parseExpr parses `print <src>` and returns the printed expression.
func printExpr(t *testing.T, src string) string {
	t.Helper()
	s, errs := Parse("print " + src)
	if len(errs) > 0 {
		t.Fatalf("print %s: %v", src, errs)
	}
	return sexpr(s.Stmts[0].(*ast.ExprStmt).X.(*ast.PrintOp).Exprs[0])
}

// TestPrecedence checks operator levels against the trees Kusto.Language
// builds for the same text (string operators bind tighter than arithmetic,
// comparisons do not chain).
func TestPrecedence(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a or b and c == d < e + f * g", "(or a (and b (== c (< d (+ e (* f g))))))"},
		{"a == b < c", "(== a (< b c))"},
		{"a < b == c", "(== (< a b) c)"},
		{"a has b == c", "(== (has a b) c)"},
		{"a == b has c", "(== a (has b c))"},
		{"a has b < c", "(< (has a b) c)"},
		{"a + b has c", "(+ a (has b c))"},
		{"a has b + c", "(+ (has a b) c)"},
		{"a * b has c", "(* a (has b c))"},
		{"-a has b", "(has (-a) b)"},
		{"a has -b", "(has a (-b))"},
		{"a =~ b < c", "(< (=~ a b) c)"},
		{"a : b == c", "(== (: a b) c)"},
		{"a matches regex b == c", "(== (matches regex a b) c)"},
		{"a + b - c + d", "(+ (- (+ a b) c) d)"},
		{"a % b * c / d", "(/ (* (% a b) c) d)"},
		{"a or b or c", "(or (or a b) c)"},
		{"a and b and c", "(and (and a b) c)"},
		{"a == b and c < d or e", "(or (and (== a b) (< c d)) e)"},
		{"a - -b", "(- a (-b))"},
		{"a == b + c * -d.e[0]", "(== a (+ b (* c (-(IndexExpr (SelectorExpr d e) 0)))))"},
		{"a has b in (1)", "(InExpr (has a b) in [1])"},
		{"a < b in (1, 2)", "(InExpr (< a b) in [1 2])"},
		{"a + b between (1 .. 2)", "(BetweenExpr (+ a b) 1 2)"},
		{"a !between (1 .. 2) and b", "(and (BetweenExpr a true 1 2) b)"},
		{"a in~ ('x', 'y')", `(InExpr a in~ ["x" "y"])`},
		{"a !in (T | project b)", "(InExpr a !in [(Pipeline T [(ProjectOp project [b])])])"},
		{"a has_any (b)", "(InExpr a has_any [b])"},
		{"(a or b) and c", "(and (ParenExpr (or a b)) c)"},
		{"not(a) and b", "(and (CallExpr not [a]) b)"},
		{"a !has 'x' or b !contains_cs 'y'", `(or (!has a "x") (!contains_cs b "y"))`},
	}
	for _, tt := range tests {
		if got := printExpr(t, tt.src); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

// TestNonChaining checks that comparisons and string operators do not
// chain, as in Kusto.
func TestNonChaining(t *testing.T) {
	for _, src := range []string{
		"print a == b == c", "print a == b != c", "print a < b < c", "print a has b has c",
		"print a =~ b =~ c", "print a in (1) in (2)", "print a in (1) == true",
		"print a == b in (1)", "print a between (1 .. 2) == b", "print a : b : c",
	} {
		if _, errs := Parse(src); len(errs) == 0 {
			t.Errorf("%s: accepted, Kusto rejects it", src)
		}
	}
}

func TestLiterals(t *testing.T) {
	tests := []struct{ src, want string }{
		{"42", "42"},
		{"0x2A", "0x2A"},
		{"1.5e3", "1.5e3"},
		{"1d", "1d"},
		{"10microsecond", "10microsecond"},
		{"true", "true"},
		{"null", "null"},
		{`"a" 'b' @"c\d"`, `"abc\\d"`},
		{`h"secret"`, `"secret"`},
		{"```line1\nline2```", `"line1\nline2"`},
		{"datetime(2024-01-01 10:00)", "(TypedLit datetime 2024-01-01 10:00)"},
		{"long(null)", "(TypedLit long null)"},
		{"real(nan)", "(TypedLit real nan)"},
		{"timespan(1.02:03:04)", "(TypedLit timespan 1.02:03:04)"},
		{"guid(74be27de-1e4e-49d9-b579-fe0b331d3642)", "(TypedLit guid 74be27de-1e4e-49d9-b579-fe0b331d3642)"},
		{`dynamic({"a": [1, -2.5, "x", true, null], "b": {}})`, `(DynamicLit (BagLit [(BagField a (ArrayLit [1 (-2.5) "x" true null])) (BagField b (BagLit))]))`},
		{"dynamic(null)", "(DynamicLit null)"},
		{"typeof(string)", "(TypeOf string)"},
		{"['a b']", "a b"},
		{"$left.a", "(SelectorExpr $left a)"},
		{"x['k'][0]", `(IndexExpr (IndexExpr x "k") 0)`},
		{"parse_json(x).[0].y", "(SelectorExpr (IndexExpr (CallExpr parse_json [x]) 0) y)"},
		{`cluster("c").database("d").T`, `(SelectorExpr (CallExpr (SelectorExpr (CallExpr cluster ["c"]) database) ["d"]) T)`},
		{"arg_max(a, *)", "(CallExpr arg_max [a *])"},
		{"f(x, n = 2)", "(CallExpr f [x (NamedExpr [n] 2)])"},
		{"toscalar(T | count)", "(CallExpr toscalar [(Pipeline T [(CountOp)])])"},
	}
	for _, tt := range tests {
		if got := printExpr(t, tt.src); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
	s, _ := Parse(`print h'x' "y"`)
	if lit := s.Stmts[0].(*ast.ExprStmt).X.(*ast.PrintOp).Exprs[0].(*ast.BasicLit); !lit.Obfuscated || lit.Value != "xy" {
		t.Errorf("obfuscated concatenation: %+v", lit)
	}
}

// parseOne parses a query and returns its printed first statement.
func parseOne(t *testing.T, src string) string {
	t.Helper()
	s, errs := Parse(src)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", src, errs)
	}
	var out []string
	for _, st := range s.Stmts {
		out = append(out, sexpr(st))
	}
	return strings.Join(out, "; ")
}

func TestStatements(t *testing.T) {
	tests := []struct{ src, want string }{
		{"let x = 5; print x", "(LetStmt x 5); (ExprStmt (PrintOp [x]))"},
		{"let T2 = T | take 1;\nT2", "(LetStmt T2 (Pipeline T [(TakeOp 1)])); (ExprStmt T2)"},
		{"let f = (a:string, n:long = 3) { a }; f('x')", "(LetStmt f (FuncLit [(Param a (ScalarType string)) (Param n (ScalarType long) 3)] (Block a))); (ExprStmt (CallExpr f [\"x\"]))"},
		{"let f = (T:(*), c:string) { T | where x == c }; f(U, 'x')", `(LetStmt f (FuncLit [(Param T (TableType true)) (Param c (ScalarType string))] (Block (Pipeline T [(WhereOp (== x c))])))); (ExprStmt (CallExpr f [U "x"]))`},
		{"let f = () { let y = 1; y + 1 }; f()", "(LetStmt f (FuncLit (Block [(LetStmt y 1)] (+ y 1)))); (ExprStmt (CallExpr f))"},
		{"let v = view () { T }; v", "(LetStmt v (FuncLit (Block T))); (ExprStmt v)"},
		{"set query_now = datetime(2024-01-01); T", "(SetStmt query_now (TypedLit datetime 2024-01-01)); (ExprStmt T)"},
		{"declare query_parameters(d:long = 7); T", "(DeclareStmt query_parameters [(Param d (ScalarType long) 7)]); (ExprStmt T)"},
		{"T;", "(ExprStmt T)"},
		{"#connect cluster('x')\nT", "(ExprStmt T)"},
		{"where x == 1", "(ExprStmt (Pipeline [(WhereOp (== x 1))]))"},
		{"let = 1", "(ExprStmt (Pipeline let ))"},
	}
	for _, tt := range tests[:len(tests)-1] {
		if got := parseOne(t, tt.src); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

// opOf parses `T | <op>` and returns the printed operator.
func opOf(t *testing.T, op string) string {
	t.Helper()
	src := "T | " + op
	s, errs := Parse(src)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", src, errs)
	}
	return sexpr(s.Stmts[0].(*ast.ExprStmt).X.(*ast.Pipeline).Ops[0])
}

func TestOperators(t *testing.T) {
	tests := []struct{ op, want string }{
		{"where a > 1", "(WhereOp (> a 1))"},
		{"filter a", "(WhereOp a)"},
		{"extend b = a * 2, c = 1, tostring(x)", "(ExtendOp [(NamedExpr [b] (* a 2)) (NamedExpr [c] 1) (CallExpr tostring [x])])"},
		{"extend (a, b) = f(x)", "(ExtendOp [(NamedExpr [a b] (CallExpr f [x]))])"},
		{"extend ['x y'] = 1", "(ExtendOp [(NamedExpr [x y] 1)])"},
		{"project a, b = c", "(ProjectOp project [a (NamedExpr [b] c)])"},
		{"project-away a, b*, *c", "(ProjectOp project-away [a b* *c])"},
		{"project-keep a*", "(ProjectOp project-keep [a*])"},
		{"project-rename b = a, ['c d'] = e", "(ProjectOp project-rename [(NamedExpr [b] a) (NamedExpr [c d] e)])"},
		{"project-reorder b asc, a*", "(ProjectOp project-reorder [(SortExpr b asc) a*])"},
		{"summarize count() by bin(Timestamp, 1d), x", "(SummarizeOp [(CallExpr count)] [(CallExpr bin [Timestamp 1d]) x])"},
		{"summarize n = dcount(a), arg_max(t, *) by k", "(SummarizeOp [(NamedExpr [n] (CallExpr dcount [a])) (CallExpr arg_max [t *])] [k])"},
		{"summarize hint.shufflekey = k count() by k", "(SummarizeOp [(NamedExpr [hint.shufflekey] k)] [(CallExpr count)] [k])"},
		{"summarize by a", "(SummarizeOp [a])"},
		{"summarize", "(SummarizeOp)"},
		{"distinct a, b", "(DistinctOp [a b])"},
		{"distinct *", "(DistinctOp [*])"},
		{"count", "(CountOp)"},
		{"take 10", "(TakeOp 10)"},
		{"limit 5", "(TakeOp 5)"},
		{"sort by a desc nulls last, b", "(SortOp [(SortExpr a desc last) (SortExpr b)])"},
		{"order by a asc", "(SortOp [(SortExpr a asc)])"},
		{"top 5 by a desc", "(TopOp 5 [(SortExpr a desc)])"},
		{"top-nested 3 of a with others = 'o' by count() desc, top-nested of b by sum(c)", `(TopNestedOp [(TopNestedClause 3 a "o" (CallExpr count) desc) (TopNestedClause b (CallExpr sum [c]))])`},
		{"join kind=inner hint.strategy=shuffle (U | where x) on a, $left.b == $right.c", "(JoinOp [(NamedExpr [kind] inner) (NamedExpr [hint.strategy] shuffle)] (ParenExpr (Pipeline U [(WhereOp x)])) [a (== (SelectorExpr $left b) (SelectorExpr $right c))])"},
		{"join U on a", "(JoinOp U [a])"},
		{"lookup kind=leftouter U on a", "(LookupOp [(NamedExpr [kind] leftouter)] U [a])"},
		{"union withsource=S isfuzzy=true U, Dev*, (V | take 1)", "(UnionOp [(NamedExpr [withsource] S) (NamedExpr [isfuzzy] true)] [U Dev* (ParenExpr (Pipeline V [(TakeOp 1)]))])"},
		{"mv-expand bagexpansion=array with_itemindex=i a to typeof(string), b limit 10", "(MvExpandOp [(NamedExpr [bagexpansion] array) (NamedExpr [with_itemindex] i)] [(MvItem a (TypeOf string)) (MvItem b)] 10)"},
		{"mvexpand x = parse_json(y)", "(MvExpandOp [(MvItem (NamedExpr [x] (CallExpr parse_json [y])))])"},
		{"mv-apply x = y to typeof(long) on (top 1 by x | project x)", "(MvApplyOp [(MvItem (NamedExpr [x] y) (TypeOf long))] (Pipeline [(TopOp 1 [(SortExpr x)]) (ProjectOp project [x])]))"},
		{`parse x with * "a=" a:long "," b *`, `(ParseOp parse x [* "a=" (ColumnRef (ColumnDecl a (ScalarType long))) "," (ColumnRef (ColumnDecl b)) *])`},
		{`parse kind=regex flags=Ui x with "(" a ")"`, `(ParseOp parse [(NamedExpr [kind] regex) (NamedExpr [flags] Ui)] x ["(" (ColumnRef (ColumnDecl a)) ")"])`},
		{`parse-where x with "a" b`, `(ParseOp parse-where x ["a" (ColumnRef (ColumnDecl b))])`},
		{`parse-kv x as (a:string, b:long) with (pair_delimiter=",", kv_delimiter="=")`, `(ParseKvOp x (TableType [(ColumnDecl a (ScalarType string)) (ColumnDecl b (ScalarType long))]) [(NamedExpr [pair_delimiter] ",") (NamedExpr [kv_delimiter] "=")])`},
		{"make-series n = count() default = 0 on Timestamp from ago(7d) to now() step 1d by k", "(MakeSeriesOp [(SeriesAgg (NamedExpr [n] (CallExpr count)) 0)] Timestamp (CallExpr ago [7d]) (CallExpr now) 1d [k])"},
		{"make-series count() on t in range(a, b, 1h)", "(MakeSeriesOp [(SeriesAgg (CallExpr count))] t (CallExpr range [a b 1h]))"},
		{`render timechart with (title="t", ycolumns=a, b)`, `(RenderOp timechart [(NamedExpr [title] "t") (NamedExpr [ycolumns] (ArrayLit [a b]))])`},
		{"render columnchart kind=stacked", "(RenderOp columnchart [(NamedExpr [kind] stacked)])"},
		{"evaluate bag_unpack(x)", "(EvaluateOp (CallExpr bag_unpack [x]))"},
		{"evaluate pivot(k) : (a:string)", "(EvaluateOp (CallExpr pivot [k]) (TableType [(ColumnDecl a (ScalarType string))]))"},
		{`invoke FileProfile("SHA1", 1000)`, `(InvokeOp (CallExpr FileProfile ["SHA1" 1000]))`},
		{"as hint.materialized=true X", "(AsOp [(NamedExpr [hint.materialized] true)] X)"},
		{"serialize n = row_number()", "(SerializeOp [(NamedExpr [n] (CallExpr row_number))])"},
		{"serialize", "(SerializeOp)"},
		{"scan with_match_id=Id declare (s:string) with (step a: x == 1 => s = 'a'; step b output=none: y;)", `(ScanOp [(NamedExpr [with_match_id] Id)] [(Param s (ScalarType string))] [(ScanStep a (== x 1) [(NamedExpr [s] "a")]) (ScanStep b none y)])`},
		{"partition by k (top 1 by t)", "(PartitionOp k (Pipeline [(TopOp 1 [(SortExpr t)])]))"},
		{"partition by k { U | take 1 }", "(PartitionOp k (Pipeline U [(TakeOp 1)]))"},
		{"sample 10", "(SampleOp 10)"},
		{"sample-distinct 5 of a", "(SampleDistinctOp 5 a)"},
		{"facet by a, b with (take 1)", "(FacetOp [a b] (Pipeline [(TakeOp 1)]))"},
		{"fork (take 1) n = (count)", "(ForkOp [(Pipeline [(TakeOp 1)]) (NamedExpr [n] (Pipeline [(CountOp)]))])"},
		{"getschema", "(GetSchemaOp)"},
		{`search "x"`, `(SearchOp "x")`},
		{`search kind=case_sensitive in (A, B*) a:"x"`, `(SearchOp [(NamedExpr [kind] case_sensitive)] [A B*] (: a "x"))`},
		{"find in (A, B) where x == 1 project a, b", "(FindOp [A B] (== x 1) [a b])"},
	}
	for _, tt := range tests {
		if got := opOf(t, tt.op); got != tt.want {
			t.Errorf("T | %s\n got %s\nwant %s", tt.op, got, tt.want)
		}
	}
}

func TestSourceOperators(t *testing.T) {
	tests := []struct{ src, want string }{
		{"print a = 1, 'x'", `(ExprStmt (PrintOp [(NamedExpr [a] 1) "x"]))`},
		{"range x from 1 to 10 step 2", "(ExprStmt (RangeOp x 1 10 2))"},
		{`datatable(a:long, b:string) [1, "x", -2, "y",]`, `(ExprStmt (DatatableOp (TableType [(ColumnDecl a (ScalarType long)) (ColumnDecl b (ScalarType string))]) [1 "x" (-2) "y"]))`},
		{`externaldata(a:string) [h@"https://x/y.csv"] with (format="csv", ignoreFirstRecord=true)`, `(ExprStmt (ExternalDataOp (TableType [(ColumnDecl a (ScalarType string))]) ["https://x/y.csv"] [(NamedExpr [format] "csv") (NamedExpr [ignoreFirstRecord] true)]))`},
		{"union A, B | count", "(ExprStmt (Pipeline (UnionOp [A B]) [(CountOp)]))"},
		{"union *", "(ExprStmt (UnionOp [*]))"},
		{`search "x" | take 1`, `(ExprStmt (Pipeline (SearchOp "x") [(TakeOp 1)]))`},
		{"evaluate python(typeof(*), 'x')", `(ExprStmt (EvaluateOp (CallExpr python [(TypeOf *) "x"])))`},
		{"find where a has 'x'", `(ExprStmt (FindOp (has a "x")))`},
		{"(T | take 1) | count", "(ExprStmt (Pipeline (ParenExpr (Pipeline T [(TakeOp 1)])) [(CountOp)]))"},
		{"T | join (datatable(a:long)[1]) on a", "(ExprStmt (Pipeline T [(JoinOp (ParenExpr (DatatableOp (TableType [(ColumnDecl a (ScalarType long))]) [1])) [a])]))"},
	}
	for _, tt := range tests {
		s, errs := Parse(tt.src)
		if len(errs) > 0 {
			t.Errorf("%s: %v", tt.src, errs)
			continue
		}
		if got := sexpr(s.Stmts[0]); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

// TestErrors checks messages and positions: line:col, what was expected
// and what was found.
func TestErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"| where x", "1:1: expected expression, found '|'"},
		{"T | where", "1:10: expected expression, found end of input"},
		{"T | where x ==", "1:15: expected expression, found end of input"},
		{"T\n| summarize count( by x", "2:20: expected expression, found keyword 'by' (write ['by'] to use it as a name)"},
		{"T\n where x", "2:2: expected ';' or end of input, found 'where'"},
		{"let x = 30d\nunion *", "2:1: expected ';' or end of input, found 'union'"},
		{"T | frobnicate", "1:5: expected tabular operator, found 'frobnicate'"},
		{"T | take 1 2", "1:12: expected '|' or end of query, found literal 2"},
		{"T | extend x = 1\nY", "2:1: expected '|' or end of query, found 'Y'"},
		{"print x = 'abc", "1:11: string literal not terminated: expected ' before end of input"},
		{"T | project string", "1:13: expected expression, found keyword 'string' (write ['string'] to use it as a name)"},
		{"print a.where", "1:9: expected name, found keyword 'where' (write ['where'] to use it as a name)"},
		{"T | sort a", "1:10: expected 'by', found 'a'"},
		{"T | where a in ()", "1:17: expected expression, found ')'"},
		{"print dynamic({a: 1})", "1:16: expected string literal, found 'a'"},
		{"datatable(a:long)[x]", "1:19: expected literal, found 'x'"},
		{"T | render timechart with (foo=1)", "1:28: expected render property (title, kind, ycolumns, ...), found 'foo'"},
		{"T | mv-apply x on (U | take 1)", "1:20: expected tabular operator, found 'U'"},
		{"print 1 é", "1:9: unexpected character 'é'"},
		{".show tables", "1:1: control commands (text starting with '.') are not supported; expected a query"},
		{"print", "1:6: expected expression, found end of input"},
		{"T | make-graph a --> b with U on id", "1:5: the make-graph operator is not supported by quarry"},
		{"restrict access to (T); T", "1:1: the restrict statement is not supported by quarry"},
	}
	for _, tt := range tests {
		_, errs := Parse(tt.src)
		if len(errs) == 0 {
			t.Errorf("%q: no error, want %s", tt.src, tt.want)
			continue
		}
		if got := errs[0].Error(); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

// TestRecovery checks that an error in one operator or statement does not
// hide the errors of the next.
func TestRecovery(t *testing.T) {
	src := "T\n| where a ==\n| extend = 1\n| take 10\n| summarize count( by x;\nprint (1;\nprint 2"
	_, errs := Parse(src)
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	want := []string{
		"3:1: expected expression, found '|'",
		"3:10: expected expression, found '='",
		"5:20: expected expression, found keyword 'by' (write ['by'] to use it as a name)",
		"6:9: expected ')', found ';'",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPositions checks node spans on a small query.
func TestPositions(t *testing.T) {
	src := "EmailEvents\n| where Timestamp > ago(30d)\n| take 10"
	s, errs := Parse(src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	text := func(n ast.Node) string { return src[n.Pos().Offset():n.End().Offset()] }
	pl := s.Stmts[0].(*ast.ExprStmt).X.(*ast.Pipeline)
	where := pl.Ops[0].(*ast.WhereOp)
	checks := []struct {
		n    ast.Node
		want string
	}{
		{s, src},
		{pl, src},
		{pl.Source, "EmailEvents"},
		{where, "where Timestamp > ago(30d)"},
		{where.Pred, "Timestamp > ago(30d)"},
		{where.Pred.(*ast.BinaryExpr).Y, "ago(30d)"},
		{where.Pred.(*ast.BinaryExpr).Y.(*ast.CallExpr).Args[0], "30d"},
		{pl.Ops[1], "take 10"},
	}
	for _, c := range checks {
		if got := text(c.n); got != c.want {
			t.Errorf("%T spans %q, want %q", c.n, got, c.want)
		}
	}
	// Every node of every corpus-like query lies inside its parent.
	ast.Inspect(s, func(n ast.Node) bool {
		if n.Pos() > n.End() || n.Pos().Offset() < 0 || n.End().Offset() > len(src) {
			t.Errorf("%T has span %d..%d", n, n.Pos(), n.End())
		}
		return true
	})
}
