package ast

import (
	"reflect"
	"testing"
)

func TestInspectOrderAndNilChildren(t *testing.T) {
	// EmailEvents | where a == 1 | take 5
	src := &Ident{Name: "EmailEvents"}
	a := &Ident{Name: "a"}
	one := &BasicLit{Kind: IntLit, Value: "1"}
	five := &BasicLit{Kind: IntLit, Value: "5"}
	p := &Pipeline{Source: src, Ops: []Operator{
		&WhereOp{Pred: &BinaryExpr{X: a, Op: "==", Y: one}},
		&TakeOp{Count: five},
		&MvExpandOp{Items: []*MvItem{{X: a}}}, // To and Limit are nil
	}}
	var got []string
	Inspect(p, func(n Node) bool {
		got = append(got, reflect.TypeOf(n).Elem().Name())
		return true
	})
	want := []string{"Pipeline", "Ident", "WhereOp", "BinaryExpr", "Ident", "BasicLit", "TakeOp", "BasicLit", "MvExpandOp", "MvItem", "Ident"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Inspect order\n got %v\nwant %v", got, want)
	}
}

func TestInspectSkipsChildren(t *testing.T) {
	n := &BinaryExpr{X: &Ident{Name: "x"}, Op: "+", Y: &BasicLit{Kind: IntLit, Value: "1"}}
	count := 0
	Inspect(n, func(Node) bool { count++; return false })
	if count != 1 {
		t.Errorf("visited %d nodes, want 1", count)
	}
}
