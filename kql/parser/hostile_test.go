package parser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/token"
)

// timed parses src and fails if it takes more than limit of CPU time (the
// machine may be shared, so wall time says little); it returns the CPU
// time used.
func timed(t *testing.T, name, src string, limit time.Duration) (*ast.Script, int, time.Duration) {
	t.Helper()
	start := cpuTime()
	s, errs := Parse(src)
	d := cpuTime() - start
	if d > limit {
		t.Errorf("%s: parsing %d bytes took %v of CPU (limit %v)", name, len(src), d, limit)
	}
	return s, len(errs), d
}

func TestHostileNesting(t *testing.T) {
	// 10,000 nested parentheses parse (MaxDepth is 10,000 levels).
	n := 10000
	src := "print " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n)
	s, nerr, _ := timed(t, "10k parens", src, 2*time.Second)
	if nerr != 0 {
		t.Fatalf("10,000 nested parentheses: %d errors", nerr)
	}
	depth := 0
	for x := s.Stmts[0].(*ast.ExprStmt).X.(*ast.PrintOp).Exprs[0]; ; depth++ {
		p, ok := x.(*ast.ParenExpr)
		if !ok {
			break
		}
		x = p.X
	}
	if depth != n {
		t.Errorf("depth %d, want %d", depth, n)
	}

	// Deeper input fails cleanly, without exhausting the stack.
	for _, h := range []struct{ name, src string }{
		{"200k open parens", "print " + strings.Repeat("(", 200000)},
		{"200k closed parens", "print " + strings.Repeat("(", 200000) + "1" + strings.Repeat(")", 200000)},
		{"200k unary minus", "print " + strings.Repeat("-", 200000) + "1"},
		{"200k brackets", "print x" + strings.Repeat("[", 200000)},
		{"200k calls", "print " + strings.Repeat("f(", 200000)},
		{"200k dynamic arrays", "print dynamic(" + strings.Repeat("[", 200000)},
		{"200k in lists", "print " + strings.Repeat("a in (", 200000)},
		{"200k sub-queries", strings.Repeat("T | join (", 100000)},
		{"200k functions", "let f = " + strings.Repeat("() { ", 100000)},
	} {
		_, nerr, _ := timed(t, h.name, h.src, 5*time.Second)
		if nerr == 0 {
			t.Errorf("%s: no error", h.name)
		}
	}
}

func TestHostileSize(t *testing.T) {
	// A 1 MB string literal.
	big := strings.Repeat("x", 1<<20)
	s, nerr, _ := timed(t, "1 MB string", "print s = '"+big+"'", 2*time.Second)
	if nerr != 0 {
		t.Fatalf("1 MB string: %d errors", nerr)
	}
	lit := s.Stmts[0].(*ast.ExprStmt).X.(*ast.PrintOp).Exprs[0].(*ast.NamedExpr).X.(*ast.BasicLit)
	if len(lit.Value) != 1<<20 {
		t.Errorf("string length %d", len(lit.Value))
	}
	// An unterminated 1 MB string fails cleanly.
	if _, nerr, _ := timed(t, "unterminated 1 MB string", "print s = '"+big, 2*time.Second); nerr == 0 {
		t.Error("unterminated string accepted")
	}

	// 100,000 chained operators, and a long chain of `and`.
	q := "T" + strings.Repeat("\n| where x > 1", 100000)
	s, nerr, d1 := timed(t, "100k where", q, 5*time.Second)
	if nerr != 0 || len(s.Stmts[0].(*ast.ExprStmt).X.(*ast.Pipeline).Ops) != 100000 {
		t.Fatalf("100k where: %d errors", nerr)
	}
	// Linear time: 3x the input takes well under 9x the time.
	q3 := "T" + strings.Repeat("\n| where x > 1", 300000)
	_, _, d3 := timed(t, "300k where", q3, 20*time.Second)
	if d3 > 6*d1 { // 3x the work; GC and a busy machine make it noisy: measure again
		_, _, d1 = timed(t, "100k where", q, 5*time.Second)
		_, _, d3 = timed(t, "300k where", q3, 20*time.Second)
	}
	if d1 > 20*time.Millisecond && d3 > 6*d1 {
		t.Errorf("not linear: 100k operators %v, 300k %v", d1, d3)
	}
	t.Logf("100k operators: %v; 300k: %v", d1, d3)
	if _, nerr, _ := timed(t, "100k and", "print "+strings.Repeat("a and ", 100000)+"b", 5*time.Second); nerr != 0 {
		t.Errorf("100k and: %d errors", nerr)
	}
	// 100,000 statements and 100,000 garbage tokens (errors are capped).
	if _, nerr, _ := timed(t, "100k lets", strings.Repeat("let x = 1;\n", 100000)+"print x", 5*time.Second); nerr != 0 {
		t.Errorf("100k lets: %d errors", nerr)
	}
	_, nerr, _ = timed(t, "100k garbage", strings.Repeat(") ] } , = ", 100000), 5*time.Second)
	if nerr == 0 || nerr > maxErrors {
		t.Errorf("garbage: %d errors, want 1..%d", nerr, maxErrors)
	}
}

// FuzzParse checks that the parser never panics, terminates, and produces
// spans inside the source and error positions inside the text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"EmailEvents\n| where Timestamp > ago(30d)\n| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, \"@\")+1)\n| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)\n| order by Timestamp asc",
		"let f = (T:(*), x:string = 'a') { T | where c has x }; f(U)",
		"T | join kind=leftouter (U | project a) on $left.a == $right.b | mv-expand x to typeof(string) limit 5",
		"datatable(a:long, b:dynamic)[1, dynamic({\"k\": [1, -2]}), 2, dynamic(null)]",
		"T | parse kind=regex x with * 'a' b:long | make-series count() on t from ago(1d) to now() step 1h",
		"T | scan with_match_id=i declare (s:string) with (step a: x => s = 'a';)",
		"T | render timechart with (title='x', ycolumns=a, b)",
		"print ((((1)))), dynamic([[[]]]), x.['a'][0].b",
		"union withsource=S Dev*, (T | take 1) | top-nested 2 of a by count()",
		"T | where a between (1 .. 2) and b !in~ ('x') or c matches regex 'y'",
		"| where", "let", "((((", "datetime(", "'", "```", "T | join (", "print a.", "$", "@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file := token.NewFile("", src)
		s, errs := ParseFile(file)
		if s == nil {
			t.Fatal("nil script")
		}
		for _, e := range errs {
			if e.Pos.Offset < 0 || e.Pos.Offset > len(src) || e.Pos.Line < 1 || e.Pos.Column < 1 {
				t.Fatalf("error %v has a bad position", e)
			}
		}
		if msg := checkSpans(s, len(src)); msg != "" {
			t.Fatal(msg)
		}
	})
}

// checkSpans returns a description of the first node whose span is not
// inside the source or not inside its parent's span, or "".
func checkSpans(root ast.Node, size int) string {
	var msg string
	var walk func(n, parent ast.Node)
	walk = func(n, parent ast.Node) {
		if msg != "" {
			return
		}
		if n.Pos() > n.End() || n.End().Offset() > size || !n.Pos().IsValid() && n.End().IsValid() {
			msg = fmt.Sprintf("%T spans %d..%d in %d bytes", n, n.Pos(), n.End(), size)
			return
		}
		if parent != nil && n.Pos().IsValid() && (n.Pos() < parent.Pos() || n.End() > parent.End()) {
			msg = fmt.Sprintf("%T %d..%d is outside its parent %T %d..%d", n, n.Pos(), n.End(), parent, parent.Pos(), parent.End())
			return
		}
		for _, c := range ast.Children(n) {
			walk(c, n)
		}
	}
	walk(root, nil)
	return msg
}
