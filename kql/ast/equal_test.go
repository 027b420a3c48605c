package ast

import (
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/token"
)

func TestEqualIgnoresPositions(t *testing.T) {
	mk := func(off token.Pos, op string, lits []Expr) Node {
		return &Pipeline{
			Span:   Span{From: 1 + off, To: 30 + off},
			Source: &Ident{Span: Span{From: 1 + off, To: 12 + off}, Name: "EmailEvents"},
			Ops: []Operator{&WhereOp{Span: Span{From: 15 + off, To: 30 + off}, Pred: &BinaryExpr{
				X: &Ident{Name: "a"}, OpPos: 18 + off, Op: op, Y: &InExpr{X: &Ident{Name: "b"}, Op: "in", List: lits},
			}}},
		}
	}
	a := mk(0, "==", nil)
	b := mk(7, "==", []Expr{})
	if !Equal(a, b) {
		t.Errorf("trees differing only in positions and nil/empty slices are not Equal: %s", Diff(a, b))
	}
	c := mk(0, "!=", nil)
	if Equal(a, c) {
		t.Error("trees with different operators are Equal")
	}
	d := Diff(a, c)
	if !strings.Contains(d, ".Ops[0](*ast.WhereOp).Pred(*ast.BinaryExpr).Op") || !strings.Contains(d, `"==" != "!="`) {
		t.Errorf("Diff = %q, want the path to Op and both values", d)
	}
}

func TestEqualCases(t *testing.T) {
	lit := func(k LitKind, v string) *BasicLit { return &BasicLit{Kind: k, Value: v} }
	tests := []struct {
		name string
		a, b Node
		want bool
	}{
		{"same ident", &Ident{Name: "x"}, &Ident{Name: "x"}, true},
		{"ident names", &Ident{Name: "x"}, &Ident{Name: "X"}, false},
		{"literal kinds", lit(IntLit, "1"), lit(RealLit, "1"), false},
		{"obfuscated flag", lit(StringLit, "s"), &BasicLit{Kind: StringLit, Value: "s", Obfuscated: true}, false},
		{"node types", &Ident{Name: "x"}, &Wildcard{Pattern: "x"}, false},
		{"paren kept", &ParenExpr{X: &Ident{Name: "x"}}, &Ident{Name: "x"}, false},
		{"nil child vs child", &MvItem{X: &Ident{Name: "x"}}, &MvItem{X: &Ident{Name: "x"}, To: &TypeOf{Type: "long"}}, false},
		{"typed nil equals nil", &MakeSeriesOp{From: nil}, &MakeSeriesOp{From: (*CallExpr)(nil)}, true},
		{"list lengths", &ArrayLit{Elems: []Expr{lit(IntLit, "1")}}, &ArrayLit{}, false},
		{"both nil", nil, nil, true},
		{"nil vs node", nil, &Ident{Name: "x"}, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v (diff %q)", tt.name, got, tt.want, Diff(tt.a, tt.b))
		}
		if got := Diff(tt.a, tt.b) == ""; got != tt.want {
			t.Errorf("%s: Diff empty = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEqualDeepChain(t *testing.T) {
	chain := func(n int, last string) Expr {
		var x Expr = &Ident{Name: "a"}
		for i := 0; i < n; i++ {
			name := "b"
			if i == n-1 {
				name = last
			}
			x = &BinaryExpr{X: x, Op: "+", Y: &Ident{Name: name}}
		}
		return x
	}
	a, b, c := chain(200000, "z"), chain(200000, "z"), chain(200000, "y")
	if !Equal(a, b) {
		t.Error("equal 200,000-deep chains are not Equal")
	}
	if Equal(a, c) {
		t.Error("chains differing in their last operand are Equal")
	}
	// Diff recurses (it is for failure messages): a shorter chain.
	if d := Diff(chain(1000, "z"), chain(1000, "y")); !strings.HasSuffix(d, `.Y(*ast.Ident).Name: "z" != "y"`) {
		t.Errorf("Diff = %q", d)
	}
}
