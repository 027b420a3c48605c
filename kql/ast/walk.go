package ast

// Inspect traverses the tree rooted at n in depth-first order, calling f
// for each node; when f returns false the node's children are skipped.
// Nil children are not visited. Long pipelines are walked iteratively,
// so depth is bounded by expression nesting, not by the number of stages.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	for _, c := range Children(n) {
		Inspect(c, f)
	}
}

// Children returns the direct children of n in source order.
func Children(n Node) []Node {
	var out []Node
	add := func(ns ...Node) {
		for _, c := range ns {
			if c != nil && !isNilNode(c) {
				out = append(out, c)
			}
		}
	}
	exprs := func(xs []Expr) {
		for _, x := range xs {
			add(x)
		}
	}
	named := func(xs []*NamedExpr) {
		for _, x := range xs {
			add(x)
		}
	}
	sorts := func(xs []*SortExpr) {
		for _, x := range xs {
			add(x)
		}
	}
	params := func(xs []*Param) {
		for _, x := range xs {
			add(x)
		}
	}
	switch n := n.(type) {
	case *Script:
		for _, s := range n.Stmts {
			add(s)
		}
	case *LetStmt:
		add(n.Name, n.Value)
	case *SetStmt:
		add(n.Name, n.Value)
	case *DeclareStmt:
		add(n.Name)
		params(n.Params)
	case *ExprStmt:
		add(n.X)
	case *DynamicLit:
		add(n.X)
	case *ArrayLit:
		exprs(n.Elems)
	case *BagLit:
		for _, f := range n.Fields {
			add(f)
		}
	case *BagField:
		add(n.Value)
	case *UnaryExpr:
		add(n.X)
	case *BinaryExpr:
		add(n.X, n.Y)
	case *InExpr:
		add(n.X)
		exprs(n.List)
	case *BetweenExpr:
		add(n.X, n.Lo, n.Hi)
	case *CallExpr:
		add(n.Fun)
		exprs(n.Args)
	case *SelectorExpr:
		add(n.X, n.Sel)
	case *IndexExpr:
		add(n.X, n.Index)
	case *ParenExpr:
		add(n.X)
	case *NamedExpr:
		for _, id := range n.Names {
			add(id)
		}
		add(n.X)
	case *FuncLit:
		params(n.Params)
		add(n.Body)
	case *Block:
		for _, l := range n.Lets {
			add(l)
		}
		add(n.Result)
	case *Param:
		add(n.Name, n.Type, n.Default)
	case *TableType:
		for _, c := range n.Columns {
			add(c)
		}
	case *ColumnDecl:
		add(n.Name, n.Type)
	case *ColumnRef:
		add(n.Decl)
	case *SortExpr:
		add(n.X)
	case *Pipeline:
		add(n.Source)
		for _, op := range n.Ops {
			add(op)
		}
	case *WhereOp:
		add(n.Pred)
	case *ExtendOp:
		exprs(n.Exprs)
	case *ProjectOp:
		exprs(n.Exprs)
	case *SummarizeOp:
		named(n.Params)
		exprs(n.Aggs)
		exprs(n.By)
	case *DistinctOp:
		named(n.Params)
		exprs(n.Exprs)
	case *TakeOp:
		named(n.Params)
		add(n.Count)
	case *SortOp:
		named(n.Params)
		sorts(n.Keys)
	case *TopOp:
		named(n.Params)
		add(n.Count)
		sorts(n.Keys)
	case *TopNestedOp:
		for _, c := range n.Clauses {
			add(c)
		}
	case *TopNestedClause:
		add(n.Count, n.Of, n.Others, n.By)
	case *JoinOp:
		named(n.Params)
		add(n.Right)
		exprs(n.On)
	case *LookupOp:
		named(n.Params)
		add(n.Right)
		exprs(n.On)
	case *UnionOp:
		named(n.Params)
		exprs(n.Tables)
	case *MvExpandOp:
		named(n.Params)
		for _, it := range n.Items {
			add(it)
		}
		add(n.Limit)
	case *MvItem:
		add(n.X, n.To)
	case *MvApplyOp:
		named(n.Params)
		for _, it := range n.Items {
			add(it)
		}
		add(n.Limit, n.Sub)
	case *ParseOp:
		named(n.Params)
		add(n.X)
		exprs(n.Pattern)
	case *ParseKvOp:
		add(n.X, n.Columns)
		named(n.With)
	case *MakeSeriesOp:
		named(n.Params)
		for _, a := range n.Aggs {
			add(a)
		}
		add(n.On, n.From, n.To, n.Step, n.Range)
		exprs(n.By)
	case *SeriesAgg:
		add(n.X, n.Default)
	case *RenderOp:
		add(n.Chart)
		named(n.Props)
	case *ConsumeOp:
		named(n.Params)
	case *TopHittersOp:
		add(n.Count, n.Of, n.By)
	case *ReduceOp:
		named(n.Params)
		add(n.By)
		named(n.With)
	case *EvaluateOp:
		named(n.Params)
		add(n.Call)
		add(n.Schema)
	case *InvokeOp:
		add(n.Call)
	case *AsOp:
		named(n.Params)
		add(n.Name)
	case *SerializeOp:
		exprs(n.Exprs)
	case *ScanOp:
		named(n.Params)
		sorts(n.OrderBy)
		exprs(n.Partition)
		params(n.Declare)
		for _, s := range n.Steps {
			add(s)
		}
	case *ScanStep:
		add(n.Name, n.Cond)
		named(n.Assigns)
	case *PartitionOp:
		named(n.Params)
		add(n.By, n.Sub)
	case *SampleOp:
		add(n.Count)
	case *SampleDistinctOp:
		add(n.Count, n.Of)
	case *FacetOp:
		exprs(n.By)
		add(n.With)
	case *ForkOp:
		exprs(n.Branches)
	case *SearchOp:
		named(n.Params)
		exprs(n.Tables)
		add(n.Pred)
	case *FindOp:
		named(n.Params)
		exprs(n.Tables)
		add(n.Pred)
		exprs(n.Project)
	case *ExternalDataOp:
		add(n.Columns)
		exprs(n.URLs)
		named(n.With)
	case *DatatableOp:
		add(n.Columns)
		exprs(n.Values)
	case *PrintOp:
		exprs(n.Exprs)
	case *RangeOp:
		add(n.Name, n.From, n.To, n.Step)
	}
	return out
}

// isNilNode reports whether n is an interface holding a nil pointer, which
// happens when an optional *T field is stored into a Node.
func isNilNode(n Node) bool {
	switch v := n.(type) {
	case *Ident:
		return v == nil
	case *TypeOf:
		return v == nil
	case *CallExpr:
		return v == nil
	case *TableType:
		return v == nil
	case *ScalarType:
		return v == nil
	case *Block:
		return v == nil
	case *Pipeline:
		return v == nil
	}
	return false
}
