package check

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
	"github.com/quarry-kql/quarry/schema"
)

func formatInt(v int64) string { return strconv.FormatInt(v, 10) }
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// tabular binds a tabular expression and returns its plan (nil after an
// error that leaves no plan).
func (c *checker) tabular(e ast.Expr) plan.Node {
	n := c.tabular1(e)
	if n != nil {
		c.info.Schemas[e] = n.Cols()
	}
	return n
}

func (c *checker) tabular1(e ast.Expr) plan.Node {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return c.tabular(e.X)
	case *ast.Pipeline:
		var in plan.Node
		if e.Source == nil {
			c.errorf(e, "expected a table before '|'")
			return nil
		}
		in = c.tabular(e.Source)
		for _, o := range e.Ops {
			if in == nil {
				return nil
			}
			in = c.op(o, in)
			if in != nil {
				c.info.Schemas[o] = in.Cols()
			}
		}
		return in
	case *ast.Ident:
		return c.tableRef(e)
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		if !ok {
			c.unsupported(e, "cross-cluster or cross-database references")
			return nil
		}
		switch id.Name {
		case "materialize":
			if len(e.Args) != 1 {
				c.errorf(e, "materialize expects 1 argument")
				return nil
			}
			in := c.tabular(e.Args[0])
			if in == nil {
				return nil
			}
			return &plan.Materialize{In: in}
		case "table", "view":
			if len(e.Args) >= 1 {
				if l, ok := e.Args[0].(*ast.BasicLit); ok && l.Kind == ast.StringLit {
					return c.tableRef(&ast.Ident{Span: l.Span, Name: l.Value})
				}
			}
			c.errorf(e, "%s() expects a table name as a string literal", id.Name)
			return nil
		}
		if o := c.scope.lookup(id.Name); o != nil && o.kind == objFunc {
			_, n := c.invoke(e, o, e.Args, nil, nil)
			if n == nil {
				c.errorf(e, "'%s' does not return a table", id.Name)
			}
			return n
		}
		c.errorf(e, "unknown tabular function '%s'", id.Name)
		return nil
	case *ast.PrintOp:
		return c.print(e)
	case *ast.DatatableOp:
		return c.datatable(e)
	case *ast.RangeOp:
		return c.rangeOp(e)
	case *ast.UnionOp:
		return c.union(e, nil)
	case *ast.ExternalDataOp:
		return c.externaldata(e)
	case *ast.EvaluateOp:
		c.unsupported(e, "evaluate "+calleeName(e.Call))
		return nil
	case *ast.SearchOp:
		return c.search(e, nil)
	case *ast.FindOp:
		c.unsupported(e, "find")
		return nil
	case *ast.Wildcard:
		return c.union(&ast.UnionOp{Span: e.Span, Tables: []ast.Expr{e}}, nil)
	}
	c.errorf(e, "expected a table, found %s", describeExpr(e))
	return nil
}

func calleeName(call *ast.CallExpr) string {
	if call == nil {
		return ""
	}
	if id, ok := call.Fun.(*ast.Ident); ok {
		return id.Name
	}
	return "plugin"
}

func (c *checker) tableRef(e *ast.Ident) plan.Node {
	if o := c.scope.lookup(e.Name); o != nil {
		switch o.kind {
		case objTabular:
			return o.node
		case objFunc:
			if len(o.fn.Params) == 0 {
				_, n := c.invoke(e, o, nil, nil, nil)
				return n
			}
		}
		c.errorf(e, "'%s' is not a table", e.Name)
		return nil
	}
	t, ok := c.cat.Table(e.Name)
	if !ok && knownTables[e.Name] {
		c.unsupported(e, "table '"+e.Name+"' has no built-in schema (load it with `quarry load --table "+e.Name+"`)")
		return nil
	}
	if !ok {
		var names []string
		for _, t := range c.cat.Tables() {
			names = append(names, t.Name)
		}
		for _, o := range c.scope.all() {
			names = append(names, o)
		}
		c.errorf(e, "unknown table '%s'%s", e.Name, didYouMean(e.Name, names))
		return nil
	}
	c.tables[t.Name] = true
	cols := make([]plan.Column, len(t.Columns))
	for i, col := range t.Columns {
		cols[i] = plan.Column{Name: col.Name, Type: col.Type}
	}
	return &plan.Scan{Table: t.Name, Columns: cols}
}

// op binds one operator applied to in.
func (c *checker) op(o ast.Operator, in plan.Node) plan.Node {
	if c.info.Render != nil {
		c.info.Render = nil // render is only honoured as the last operator
	}
	r := &row{cols: in.Cols()}
	switch o := o.(type) {
	case *ast.WhereOp:
		if w := windowCall(o.Pred); w != "" {
			c.unsupported(o.Pred, w+"() in where (compute it with extend first)")
			return nil
		}
		p := c.expr(o.Pred, r)
		if t := p.Type(); t != types.Bool && t != types.Unknown && t != types.Null {
			if t == types.Dynamic {
				p = &plan.Convert{X: p, T: types.Bool}
			} else {
				c.errorf(o.Pred, "where expects a bool predicate, found %s", t)
				return nil
			}
		}
		return &plan.Filter{In: in, Pred: p}
	case *ast.ExtendOp:
		return c.extend(in, o.Exprs)
	case *ast.SerializeOp:
		if len(o.Exprs) == 0 {
			return in
		}
		return c.extend(in, o.Exprs)
	case *ast.ProjectOp:
		return c.project(o, in)
	case *ast.SummarizeOp:
		return c.summarize(o.Aggs, o.By, in)
	case *ast.CountOp:
		f, _ := funcs.Lookup("count")
		return &plan.Aggregate{In: in, Aggs: []*plan.Agg{{F: f}}, Columns: []plan.Column{{Name: "Count", Type: types.Long}}}
	case *ast.DistinctOp:
		if len(o.Exprs) == 1 {
			if _, star := o.Exprs[0].(*ast.Star); star {
				return &plan.Distinct{In: in}
			}
		}
		p := c.project(&ast.ProjectOp{Span: o.Span, Kind: "project", Exprs: o.Exprs}, in)
		if p == nil {
			return nil
		}
		return &plan.Distinct{In: p}
	case *ast.TakeOp:
		n := c.expr(o.Count, nil)
		if !n.Type().IsIntegral() && n.Type() != types.Unknown {
			c.errorf(o.Count, "take expects an integer, found %s", n.Type())
		}
		return &plan.Limit{In: in, N: n}
	case *ast.SampleOp:
		return &plan.Limit{In: in, N: c.expr(o.Count, nil)}
	case *ast.SortOp:
		keys := c.sortKeys(o.Keys, r)
		return &plan.Sort{In: in, Keys: keys}
	case *ast.TopOp:
		n := c.expr(o.Count, nil)
		keys := c.sortKeys(o.Keys, r)
		return &plan.Limit{In: &plan.Sort{In: in, Keys: keys}, N: n}
	case *ast.JoinOp:
		return c.join(o, in)
	case *ast.LookupOp:
		return c.lookup(o, in)
	case *ast.UnionOp:
		return c.union(o, in)
	case *ast.MvExpandOp:
		return c.mvExpand(o, in)
	case *ast.RenderOp:
		rd := &Render{Kind: o.Chart.Name, Props: map[string]string{}}
		for _, p := range o.Props {
			if len(p.Names) == 0 {
				continue
			}
			rd.Props[p.Names[0].Name] = propText(p.X)
		}
		c.info.Render = rd
		return in
	case *ast.AsOp:
		c.asNames[in] = o.Name.Name
		c.scope.names[o.Name.Name] = &object{kind: objTabular, node: in, name: o.Name.Name}
		return in
	case *ast.InvokeOp:
		id, ok := o.Call.Fun.(*ast.Ident)
		if !ok {
			c.errorf(o, "invoke expects a function name")
			return nil
		}
		f := c.scope.lookup(id.Name)
		if f == nil || f.kind != objFunc {
			c.errorf(id, "unknown function '%s'%s", id.Name, didYouMean(id.Name, c.scope.all()))
			return nil
		}
		_, n := c.invoke(o, f, o.Call.Args, nil, in)
		return n
	case *ast.GetSchemaOp:
		cols := []plan.Column{{Name: "ColumnName", Type: types.String}, {Name: "ColumnOrdinal", Type: types.Int}, {Name: "DataType", Type: types.String}, {Name: "ColumnType", Type: types.String}}
		var rows [][]plan.Expr
		for i, col := range in.Cols() {
			rows = append(rows, []plan.Expr{
				&plan.Lit{V: col.Name, T: types.String}, &plan.Lit{V: int64(i), T: types.Int},
				&plan.Lit{V: dotnetType(col.Type), T: types.String}, &plan.Lit{V: col.Type.String(), T: types.String},
			})
		}
		return &plan.Values{Columns: cols, Rows: rows}
	case *ast.ParseOp:
		return c.parseOp(o, in)
	case *ast.EvaluateOp:
		return c.evaluate(o, in)
	case *ast.MakeSeriesOp:
		return c.makeSeries(o, in)
	case *ast.MvApplyOp:
		return c.mvApply(o, in)
	case *ast.TopNestedOp:
		return c.topNested(o, in)
	case *ast.ParseKvOp:
		return c.parseKv(o, in)
	case *ast.ScanOp:
		c.unsupported(o, "scan")
	case *ast.PartitionOp:
		c.unsupported(o, "partition")
	case *ast.SampleDistinctOp:
		c.unsupported(o, "sample-distinct")
	case *ast.FacetOp:
		c.unsupported(o, "facet")
	case *ast.ForkOp:
		c.unsupported(o, "fork")
	case *ast.SearchOp:
		return c.search(o, in)
	case *ast.FindOp:
		c.unsupported(o, "find")
	default:
		c.unsupported(o, fmt.Sprintf("operator %T", o))
	}
	return nil
}

func dotnetType(t types.Type) string {
	switch t {
	case types.Bool:
		return "System.Boolean"
	case types.Int:
		return "System.Int32"
	case types.Long:
		return "System.Int64"
	case types.Real:
		return "System.Double"
	case types.Decimal:
		return "System.Data.SqlTypes.SqlDecimal"
	case types.DateTime:
		return "System.DateTime"
	case types.TimeSpan:
		return "System.TimeSpan"
	case types.Dynamic:
		return "System.Object"
	case types.GUID:
		return "System.Guid"
	}
	return "System.String"
}

func propText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.BasicLit:
		return e.Value
	case *ast.TypedLit:
		return e.Text
	}
	return ""
}

// substitute rewrites column references of x through exprs (the
// expressions computing the columns x refers to).
func substitute(x plan.Expr, exprs []plan.Expr) plan.Expr {
	switch x := x.(type) {
	case *plan.ColRef:
		return exprs[x.Index]
	case *plan.Call:
		args := make([]plan.Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = substitute(a, exprs)
		}
		return &plan.Call{F: x.F, Args: args, T: x.T}
	case *plan.Convert:
		return &plan.Convert{X: substitute(x.X, exprs), T: x.T}
	case *plan.Path:
		steps := make([]any, len(x.Steps))
		for i, s := range x.Steps {
			if e, ok := s.(plan.Expr); ok {
				steps[i] = substitute(e, exprs)
			} else {
				steps[i] = s
			}
		}
		return &plan.Path{X: substitute(x.X, exprs), Steps: steps}
	case *plan.Field:
		return &plan.Field{X: substitute(x.X, exprs), Index: x.Index, Name: x.Name}
	}
	return x
}

func isIdentity(exprs []plan.Expr) bool {
	for i, e := range exprs {
		if r, ok := e.(*plan.ColRef); !ok || r.Index != i {
			return false
		}
	}
	return true
}

// autoName returns Column1, Column2, ... the first not taken.
func autoName(taken func(string) bool) string {
	for i := 1; ; i++ {
		n := fmt.Sprintf("Column%d", i)
		if !taken(n) {
			return n
		}
	}
}

func (c *checker) extend(in plan.Node, items []ast.Expr) plan.Node {
	cur := in
	cols := append([]plan.Column(nil), in.Cols()...)
	identity := func() []plan.Expr {
		exprs := make([]plan.Expr, len(cols))
		for i, col := range cols {
			exprs[i] = &plan.ColRef{Index: i, T: col.Type}
		}
		return exprs
	}
	exprs := identity()
	set := func(name string, b plan.Expr, declared bool) {
		if !declared {
			name = uniqueName(name, func(n string) bool { return colIndex(cols, n) >= 0 })
		}
		if i := colIndex(cols, name); i >= 0 {
			exprs[i] = b
			cols[i].Type = b.Type()
		} else {
			exprs = append(exprs, b)
			cols = append(cols, plan.Column{Name: name, Type: b.Type()})
		}
	}
	for _, item := range items {
		if call, f := c.tupleFunc(itemExpr(item)); call != nil {
			// The values of the call: computed once into a hidden
			// column (a projection of its own), then taken apart.
			hidden := &plan.ColRef{Index: len(cols), T: types.Dynamic}
			b, parts, ok := c.bindTuple(item, call, f, &row{cols: cols}, hidden, extendStyle)
			if !ok {
				return nil
			}
			cur = &plan.Project{In: cur, Exprs: append(exprs, substitute(b, exprs)),
				Columns: append(append([]plan.Column(nil), cols...), plan.Column{Name: hiddenTuple, Type: types.Dynamic})}
			exprs = identity()
			for _, p := range parts {
				set(p.name, p.expr, p.declared)
			}
			continue
		}
		if c.multiNameError(item) {
			return nil
		}
		x := item
		name := ""
		if ne, ok := item.(*ast.NamedExpr); ok {
			name, x = ne.Names[0].Name, ne.X
		}
		b := c.expr(x, &row{cols: cols, inputs: len(in.Cols())})
		b = substitute(b, exprs)
		if name == "" {
			name = exprName(x)
		}
		if name == "" {
			name = autoName(func(n string) bool { return colIndex(cols, n) >= 0 })
		}
		c.info.Names[item] = name
		set(name, b, true)
	}
	if isIdentity(exprs) && len(exprs) == len(cur.Cols()) {
		return cur
	}
	if cur != in {
		// Values of calls returning several values are materialised: a
		// series' values are large, and left inline every reference to
		// one (mv-expand refers to its columns several times) would
		// take it out of the call's result again.
		return &plan.Materialize{In: &plan.Project{In: cur, Exprs: exprs, Columns: cols}}
	}
	return &plan.Project{In: cur, Exprs: exprs, Columns: cols}
}

// itemExpr is the expression of an extend or project item.
func itemExpr(item ast.Expr) ast.Expr {
	if ne, ok := item.(*ast.NamedExpr); ok {
		return ne.X
	}
	return item
}

// matchCols returns the indexes of the columns an Ident or Wildcard names.
func (c *checker) matchCols(e ast.Expr, cols []plan.Column) []int {
	switch e := e.(type) {
	case *ast.Ident:
		if i := colIndex(cols, e.Name); i >= 0 {
			return []int{i}
		}
		c.errorf(e, "unknown column '%s'%s", e.Name, didYouMean(e.Name, colNames(cols)))
		return nil
	case *ast.Wildcard:
		var out []int
		for i, col := range cols {
			if ok, _ := path.Match(e.Pattern, col.Name); ok {
				out = append(out, i)
			}
		}
		return out
	case *ast.SortExpr:
		idx := c.matchCols(e.X, cols)
		if e.Order != "" {
			sort.SliceStable(idx, func(i, j int) bool {
				if e.Order == "desc" {
					return cols[idx[i]].Name > cols[idx[j]].Name
				}
				return cols[idx[i]].Name < cols[idx[j]].Name
			})
		}
		return idx
	}
	c.errorf(e, "expected a column name, found %s", describeExpr(e))
	return nil
}

func (c *checker) project(o *ast.ProjectOp, in plan.Node) plan.Node {
	src := in.Cols()
	r := &row{cols: src}
	var exprs []plan.Expr
	var cols []plan.Column
	taken := func(n string) bool { return colIndex(cols, n) >= 0 }
	add := func(e plan.Expr, name string) {
		name = uniqueName(name, taken)
		exprs = append(exprs, e)
		cols = append(cols, plan.Column{Name: name, Type: e.Type()})
	}
	ref := func(i int) plan.Expr { return &plan.ColRef{Index: i, T: src[i].Type} }
	switch o.Kind {
	case "project":
		// Calls returning several values are computed first, into
		// hidden columns after the input's (see tuple.go).
		var tupleExprs []plan.Expr
		tupleParts := map[ast.Expr][]tuplePart{}
		for _, item := range o.Exprs {
			if call, f := c.tupleFunc(itemExpr(item)); call != nil {
				hidden := &plan.ColRef{Index: len(src) + len(tupleExprs), T: types.Dynamic}
				b, parts, ok := c.bindTuple(item, call, f, r, hidden, projectStyle)
				if !ok {
					return nil
				}
				tupleExprs = append(tupleExprs, b)
				tupleParts[item] = parts
			}
		}
		if len(tupleExprs) > 0 {
			pre := &plan.Project{In: in, Columns: append([]plan.Column(nil), src...)}
			for i := range src {
				pre.Exprs = append(pre.Exprs, ref(i))
			}
			for range tupleExprs {
				pre.Columns = append(pre.Columns, plan.Column{Name: hiddenTuple, Type: types.Dynamic})
			}
			pre.Exprs = append(pre.Exprs, tupleExprs...)
			in = pre
		}
		for _, item := range o.Exprs {
			if parts, ok := tupleParts[item]; ok {
				for _, p := range parts {
					add(p.expr, p.name)
				}
				continue
			}
			if c.multiNameError(item) {
				return nil
			}
			switch x := item.(type) {
			case *ast.Ident:
				if i := colIndex(src, x.Name); i >= 0 {
					add(ref(i), x.Name)
					continue
				}
				e := c.expr(x, r)
				add(e, x.Name)
			case *ast.Wildcard:
				for _, i := range c.matchCols(x, src) {
					add(ref(i), src[i].Name)
				}
			case *ast.NamedExpr:
				e := c.expr(x.X, r)
				c.info.Names[item] = x.Names[0].Name
				add(e, x.Names[0].Name)
			default:
				e := c.expr(x, r)
				name := exprName(x)
				if name == "" {
					name = autoName(taken)
				}
				c.info.Names[item] = name
				add(e, name)
			}
		}
	case "project-away":
		drop := map[int]bool{}
		for _, item := range o.Exprs {
			for _, i := range c.matchCols(item, src) {
				drop[i] = true
			}
		}
		for i := range src {
			if !drop[i] {
				add(ref(i), src[i].Name)
			}
		}
	case "project-keep":
		keep := map[int]bool{}
		for _, item := range o.Exprs {
			for _, i := range c.matchCols(item, src) {
				keep[i] = true
			}
		}
		for i := range src {
			if keep[i] {
				add(ref(i), src[i].Name)
			}
		}
	case "project-rename":
		newNames := map[int]string{}
		for _, item := range o.Exprs {
			ne, ok := item.(*ast.NamedExpr)
			if !ok || len(ne.Names) != 1 {
				c.errorf(item, "project-rename expects NewName = OldName")
				return nil
			}
			id, ok := ne.X.(*ast.Ident)
			if !ok {
				c.errorf(ne.X, "project-rename expects a column name, found %s", describeExpr(ne.X))
				return nil
			}
			i := colIndex(src, id.Name)
			if i < 0 {
				c.errorf(id, "unknown column '%s'%s", id.Name, didYouMean(id.Name, colNames(src)))
				return nil
			}
			newNames[i] = ne.Names[0].Name
		}
		// Columns not renamed keep their names; renamed ones replace
		// their originals in place.
		for i := range src {
			n := src[i].Name
			if nn, ok := newNames[i]; ok {
				n = nn
			}
			exprs = append(exprs, ref(i))
			cols = append(cols, plan.Column{Name: n, Type: src[i].Type})
		}
		for i := range cols {
			for j := i + 1; j < len(cols); j++ {
				if cols[i].Name == cols[j].Name {
					if _, renamed := newNames[j]; renamed {
						c.errorf(o, "project-rename: column '%s' already exists", cols[j].Name)
						return nil
					}
				}
			}
		}
	case "project-reorder":
		used := map[int]bool{}
		for _, item := range o.Exprs {
			for _, i := range c.matchCols(item, src) {
				if !used[i] {
					used[i] = true
					add(ref(i), src[i].Name)
				}
			}
		}
		for i := range src {
			if !used[i] {
				add(ref(i), src[i].Name)
			}
		}
	default:
		c.unsupported(o, o.Kind)
		return nil
	}
	return &plan.Project{In: in, Exprs: exprs, Columns: cols}
}

func (c *checker) sortKeys(keys []*ast.SortExpr, r *row) []plan.SortKey {
	var out []plan.SortKey
	for _, k := range keys {
		x := c.expr(k.X, r)
		desc := k.Order != "asc"
		nullsFirst := !desc
		switch k.Nulls {
		case "first":
			nullsFirst = true
		case "last":
			nullsFirst = false
		}
		out = append(out, plan.SortKey{X: x, Desc: desc, NullsFirst: nullsFirst})
	}
	return out
}

func isAggCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := call.Fun.(*ast.Ident)
	if !ok {
		return false
	}
	f, ok := funcs.Lookup(id.Name)
	return ok && f.Kind == funcs.Aggregate
}

// groupKeys binds the `by` clause of summarize and make-series: each key's
// expression and its result column, named as Kusto names it (the given
// name, the column or function it derives from, else Column1, ...).
func (c *checker) groupKeys(by []ast.Expr, r *row) ([]plan.Expr, []plan.Column) {
	var keys []plan.Expr
	var keyCols []plan.Column
	taken := func(n string) bool { return colIndex(keyCols, n) >= 0 }
	for _, item := range by {
		x, name := item, ""
		if ne, ok := item.(*ast.NamedExpr); ok {
			x, name = ne.X, ne.Names[0].Name
		}
		k := c.expr(x, r)
		if name == "" {
			name = exprName(x)
		}
		if name == "" {
			name = autoName(taken)
		}
		name = uniqueName(name, taken)
		c.info.Names[item] = name
		keys = append(keys, k)
		keyCols = append(keyCols, plan.Column{Name: name, Type: k.Type()})
	}
	return keys, keyCols
}

// summarize binds `summarize Aggs by By`.
func (c *checker) summarize(items, by []ast.Expr, in plan.Node) plan.Node {
	r := &row{cols: in.Cols()}
	keys, keyCols := c.groupKeys(by, r)
	a := &aggCtx{in: r, nkeys: len(keys)}
	for _, k := range keyCols {
		a.keyNames = append(a.keyNames, k.Name)
	}
	saved := c.aggs
	c.aggs = a
	type out struct {
		expr  plan.Expr
		names []string
		from  int // first agg column for direct calls, else -1
		to    int
	}
	var outs []out
	post := false
	keyRow := &row{cols: keyCols}
	for _, item := range items {
		x := item
		var names []string
		if ne, ok := item.(*ast.NamedExpr); ok {
			x = ne.X
			for _, n := range ne.Names {
				names = append(names, n.Name)
			}
		}
		if !containsAgg(x) {
			if call, ok := x.(*ast.CallExpr); ok && c.unknownCallee(call) {
				c.expr(x, r) // reports the unknown or unsupported function
				continue
			}
			c.errorf(x, "summarize expects an aggregate function such as count() or sum(x), found %s", describeExpr(x))
			continue
		}
		before := len(a.cols)
		e := c.expr(x, keyRow)
		if ref, ok := e.(*plan.ColRef); ok && isAggCall(x) && ref.Index == a.nkeys+before {
			outs = append(outs, out{expr: e, names: names, from: before, to: len(a.cols)})
			continue
		}
		post = true
		if len(names) == 0 {
			if n := exprName(x); n != "" {
				names = []string{n}
			}
		}
		outs = append(outs, out{expr: e, names: names, from: -1})
	}
	c.aggs = saved
	cols := append([]plan.Column(nil), keyCols...)
	ctaken := func(n string) bool { return colIndex(cols, n) >= 0 }
	if !post {
		for _, o := range outs {
			for j := o.from; j < o.to; j++ {
				name := a.cols[j].Name
				if k := j - o.from; k < len(o.names) {
					name = o.names[k]
				}
				if name == "" {
					name = autoName(ctaken)
				}
				cols = append(cols, plan.Column{Name: uniqueName(name, ctaken), Type: a.cols[j].Type})
			}
		}
		return &plan.Aggregate{In: in, Keys: keys, Aggs: a.aggs, Columns: cols}
	}
	aggCols := append(append([]plan.Column(nil), keyCols...), a.cols...)
	agg := &plan.Aggregate{In: in, Keys: keys, Aggs: a.aggs, Columns: aggCols}
	var exprs []plan.Expr
	for i, k := range keyCols {
		exprs = append(exprs, &plan.ColRef{Index: i, T: k.Type})
	}
	for _, o := range outs {
		if o.from >= 0 {
			for j := o.from; j < o.to; j++ {
				name := a.cols[j].Name
				if k := j - o.from; k < len(o.names) {
					name = o.names[k]
				}
				exprs = append(exprs, &plan.ColRef{Index: a.nkeys + j, T: a.cols[j].Type})
				cols = append(cols, plan.Column{Name: uniqueName(name, ctaken), Type: a.cols[j].Type})
			}
			continue
		}
		name := ""
		if len(o.names) > 0 {
			name = o.names[0]
		}
		if name == "" {
			name = autoName(ctaken)
		}
		exprs = append(exprs, o.expr)
		cols = append(cols, plan.Column{Name: uniqueName(name, ctaken), Type: o.expr.Type()})
	}
	return &plan.Project{In: agg, Exprs: exprs, Columns: cols}
}

func containsAgg(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if x, ok := n.(ast.Expr); ok && isAggCall(x) {
			found = true
		}
		return !found
	})
	return found
}

func (c *checker) params(ps []*ast.NamedExpr) map[string]ast.Expr {
	m := map[string]ast.Expr{}
	for _, p := range ps {
		if len(p.Names) > 0 {
			m[p.Names[0].Name] = p.X
		}
	}
	return m
}

func joinKind(c *checker, ps map[string]ast.Expr, def plan.JoinKind) (plan.JoinKind, bool) {
	k, ok := ps["kind"]
	if !ok {
		return def, true
	}
	name := propText(k)
	switch plan.JoinKind(name) {
	case plan.InnerUnique, plan.Inner, plan.LeftOuter, plan.RightOuter, plan.FullOuter,
		plan.LeftSemi, plan.RightSemi, plan.LeftAnti, plan.RightAnti:
		return plan.JoinKind(name), true
	}
	switch name {
	case "anti", "leftantisemi":
		return plan.LeftAnti, true
	case "rightantisemi":
		return plan.RightAnti, true
	case "semi":
		return plan.LeftSemi, true
	}
	c.errorf(k, "unknown join kind '%s'; expected innerunique, inner, leftouter, rightouter, fullouter, leftsemi, rightsemi, leftanti or rightanti", name)
	return "", false
}

// joinKeys resolves the on clause: column names common to both sides, or
// $left.a == $right.b conditions (joined by and or commas).
func (c *checker) joinKeys(on []ast.Expr, left, right []plan.Column) (lk, rk []int, ok bool) {
	ok = true
	var walk func(e ast.Expr)
	side := func(e ast.Expr) (string, string) {
		if p, isPar := e.(*ast.ParenExpr); isPar {
			e = p.X
		}
		s, isSel := e.(*ast.SelectorExpr)
		if !isSel {
			return "", ""
		}
		id, isID := s.X.(*ast.Ident)
		if !isID {
			return "", ""
		}
		return id.Name, s.Sel.Name
	}
	find := func(n ast.Node, cols []plan.Column, name, which string) int {
		i := colIndex(cols, name)
		if i < 0 {
			c.errorf(n, "unknown column '%s' in the %s side of the join%s", name, which, didYouMean(name, colNames(cols)))
			ok = false
		}
		return i
	}
	walk = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.ParenExpr:
			walk(e.X)
		case *ast.Ident:
			l := find(e, left, e.Name, "left")
			r := find(e, right, e.Name, "right")
			lk, rk = append(lk, l), append(rk, r)
		case *ast.BinaryExpr:
			if e.Op == "and" {
				walk(e.X)
				walk(e.Y)
				return
			}
			if e.Op != "==" {
				c.unsupported(e, "join conditions other than equality")
				ok = false
				return
			}
			s1, n1 := side(e.X)
			s2, n2 := side(e.Y)
			if s1 == "$right" && s2 == "$left" {
				s1, n1, s2, n2 = s2, n2, s1, n1
			}
			if s1 != "$left" || s2 != "$right" {
				c.errorf(e, "a join condition must compare $left.Column with $right.Column")
				ok = false
				return
			}
			lk = append(lk, find(e.X, left, n1, "left"))
			rk = append(rk, find(e.Y, right, n2, "right"))
		default:
			c.errorf(e, "expected a column name or $left.a == $right.b in the join condition")
			ok = false
		}
	}
	for _, e := range on {
		walk(e)
	}
	if len(lk) == 0 && ok {
		c.errorf(nil, "join has no condition")
		ok = false
	}
	if ok {
		for i := range lk {
			lt, rt := left[lk[i]].Type, right[rk[i]].Type
			if lt != rt && !(lt.IsNumeric() && rt.IsNumeric()) {
				c.errorf(on[0], "join keys '%s' (%s) and '%s' (%s) have different types", left[lk[i]].Name, lt, right[rk[i]].Name, rt)
				ok = false
			}
		}
	}
	return
}

func (c *checker) join(o *ast.JoinOp, in plan.Node) plan.Node {
	ps := c.params(o.Params)
	kind, ok := joinKind(c, ps, plan.InnerUnique)
	if !ok {
		return nil
	}
	right := c.tabular(o.Right)
	if right == nil {
		return nil
	}
	lk, rk, ok := c.joinKeys(o.On, in.Cols(), right.Cols())
	if !ok {
		return nil
	}
	var cols []plan.Column
	switch kind {
	case plan.LeftSemi, plan.LeftAnti:
		cols = append(cols, in.Cols()...)
	case plan.RightSemi, plan.RightAnti:
		cols = append(cols, right.Cols()...)
	default:
		cols = append(cols, in.Cols()...)
		taken := func(n string) bool { return colIndex(cols, n) >= 0 }
		for _, col := range right.Cols() {
			cols = append(cols, plan.Column{Name: uniqueName(col.Name, taken), Type: col.Type})
		}
	}
	return &plan.Join{Kind: kind, Left: in, Right: right, LeftKeys: lk, RightKeys: rk, Columns: cols}
}

// lookup is a join that keeps one copy of the key columns.
func (c *checker) lookup(o *ast.LookupOp, in plan.Node) plan.Node {
	ps := c.params(o.Params)
	kind, ok := joinKind(c, ps, plan.LeftOuter)
	if !ok {
		return nil
	}
	if kind != plan.LeftOuter && kind != plan.Inner {
		c.errorf(o, "lookup supports kind=leftouter and kind=inner, found %s", kind)
		return nil
	}
	right := c.tabular(o.Right)
	if right == nil {
		return nil
	}
	lk, rk, ok := c.joinKeys(o.On, in.Cols(), right.Cols())
	if !ok {
		return nil
	}
	cols := append([]plan.Column(nil), in.Cols()...)
	taken := func(n string) bool { return colIndex(cols, n) >= 0 }
	isKey := map[int]bool{}
	for _, k := range rk {
		isKey[k] = true
	}
	var keep []int
	for i, col := range right.Cols() {
		if isKey[i] {
			continue
		}
		keep = append(keep, i)
		cols = append(cols, plan.Column{Name: uniqueName(col.Name, taken), Type: col.Type})
	}
	full := append([]plan.Column(nil), in.Cols()...)
	for _, col := range right.Cols() {
		full = append(full, col)
	}
	j := &plan.Join{Kind: kind, Left: in, Right: right, LeftKeys: lk, RightKeys: rk, Columns: full}
	var exprs []plan.Expr
	nl := len(in.Cols())
	for i, col := range in.Cols() {
		exprs = append(exprs, &plan.ColRef{Index: i, T: col.Type})
	}
	for _, i := range keep {
		exprs = append(exprs, &plan.ColRef{Index: nl + i, T: right.Cols()[i].Type})
	}
	// The join's own columns may repeat names; the projection gives the
	// final ones (SQL names are made unique by sqlgen).
	return &plan.Project{In: j, Exprs: exprs, Columns: cols}
}

// union binds union [withsource=N] [isfuzzy=true] [kind=inner|outer] T, ...
func (c *checker) union(o *ast.UnionOp, piped plan.Node) plan.Node {
	ps := c.params(o.Params)
	fuzzy := false
	if v, ok := ps["isfuzzy"]; ok {
		fuzzy = strings.EqualFold(propText(v), "true")
	}
	inner := false
	if v, ok := ps["kind"]; ok {
		inner = propText(v) == "inner"
	}
	source := ""
	if v, ok := ps["withsource"]; ok {
		source = propText(v)
	}
	var inputs []plan.Node
	var names []string
	var skipped []*ast.Ident
	if piped != nil {
		inputs = append(inputs, piped)
		names = append(names, "union_arg0")
	}
	for i, t := range o.Tables {
		switch t := t.(type) {
		case *ast.Wildcard:
			found := false
			for _, tab := range c.cat.Tables() {
				if ok, _ := path.Match(t.Pattern, tab.Name); ok {
					found = true
					inputs = append(inputs, c.tableRef(&ast.Ident{Span: t.Span, Name: tab.Name}))
					names = append(names, tab.Name)
				}
			}
			if !found && !fuzzy {
				c.errorf(t, "no table matches '%s'", t.Pattern)
				return nil
			}
			continue
		case *ast.Ident:
			if fuzzy && c.scope.lookup(t.Name) == nil {
				if _, ok := c.cat.Table(t.Name); !ok {
					skipped = append(skipped, t)
					continue
				}
			}
			n := c.tabular(t)
			if n == nil {
				return nil
			}
			inputs = append(inputs, n)
			names = append(names, t.Name)
			continue
		}
		n := c.tabular(t)
		if n == nil {
			if fuzzy {
				continue
			}
			return nil
		}
		inputs = append(inputs, n)
		if an, ok := c.asNames[n]; ok {
			names = append(names, an)
		} else {
			names = append(names, fmt.Sprintf("union_arg%d", i))
		}
	}
	if len(inputs) == 0 {
		for _, t := range skipped {
			if knownTables[t.Name] {
				c.unsupported(t, "table '"+t.Name+"' has no built-in schema (load it with `quarry load --table "+t.Name+"`)")
				return nil
			}
		}
		c.errorf(o, "union has no tables: none of the tables it names exists")
		return nil
	}
	// Columns: by name, in order of appearance; a name seen with
	// different types becomes name_type.
	typesOf := map[string]map[types.Type]bool{}
	for _, in := range inputs {
		for _, col := range in.Cols() {
			if typesOf[col.Name] == nil {
				typesOf[col.Name] = map[types.Type]bool{}
			}
			typesOf[col.Name][col.Type] = true
		}
	}
	outName := func(col plan.Column) string {
		if len(typesOf[col.Name]) > 1 {
			return col.Name + "_" + col.Type.String()
		}
		return col.Name
	}
	var cols []plan.Column
	if source != "" {
		cols = append(cols, plan.Column{Name: source, Type: types.String})
	}
	for _, in := range inputs {
		for _, col := range in.Cols() {
			n := outName(col)
			if colIndex(cols, n) < 0 {
				cols = append(cols, plan.Column{Name: n, Type: col.Type})
			}
		}
	}
	if inner {
		var kept []plan.Column
		for _, col := range cols {
			all := true
			for _, in := range inputs {
				found := false
				for _, ic := range in.Cols() {
					if outName(ic) == col.Name {
						found = true
					}
				}
				if !found && !(source != "" && col.Name == source) {
					all = false
				}
			}
			if all {
				kept = append(kept, col)
			}
		}
		cols = kept
	}
	u := &plan.Union{Inputs: inputs, Names: names, Source: source != "", Columns: cols}
	for _, in := range inputs {
		m := make([]int, len(cols))
		for j, col := range cols {
			m[j] = -1
			for k, ic := range in.Cols() {
				if outName(ic) == col.Name {
					m[j] = k
				}
			}
		}
		u.Maps = append(u.Maps, m)
	}
	return u
}

func (c *checker) mvExpand(o *ast.MvExpandOp, in plan.Node) plan.Node {
	ps := c.params(o.Params)
	bagArray := false
	if v, ok := ps["bagexpansion"]; ok && propText(v) == "array" {
		bagArray = true
	}
	if v, ok := ps["kind"]; ok && propText(v) == "array" {
		bagArray = true
	}
	// Computed items are added as columns first.
	var ext []ast.Expr
	for _, it := range o.Items {
		if _, ok := it.X.(*ast.Ident); !ok {
			ext = append(ext, it.X)
		}
	}
	node := in
	if len(ext) > 0 {
		node = c.extend(in, ext)
		if node == nil {
			return nil
		}
	}
	cols := append([]plan.Column(nil), node.Cols()...)
	mv := &plan.MvExpand{In: node, Limit: -1, BagArray: bagArray}
	for _, it := range o.Items {
		name := ""
		switch x := it.X.(type) {
		case *ast.Ident:
			name = x.Name
		case *ast.NamedExpr:
			name = x.Names[0].Name
		default:
			name = c.info.Names[it.X]
		}
		i := colIndex(cols, name)
		if i < 0 {
			c.errorf(it, "unknown column '%s'%s", name, didYouMean(name, colNames(cols)))
			return nil
		}
		if t := cols[i].Type; t != types.Dynamic && t != types.Unknown {
			c.errorf(it, "mv-expand expects a dynamic column, '%s' is %s", name, t)
			return nil
		}
		to := types.Dynamic
		if it.To != nil {
			t, ok := types.Lookup(it.To.Type)
			if !ok {
				c.errorf(it.To, "unknown type '%s'", it.To.Type)
				return nil
			}
			to = t
		}
		cols[i].Type = to
		mv.Exprs = append(mv.Exprs, i)
		mv.To = append(mv.To, to)
	}
	if v, ok := ps["with_itemindex"]; ok {
		mv.Index = true
		cols = append(cols, plan.Column{Name: propText(v), Type: types.Long})
	}
	if o.Limit != nil {
		l, ok := c.expr(o.Limit, nil).(*plan.Lit)
		if !ok || l.V == nil {
			c.errorf(o.Limit, "mv-expand limit must be an integer constant")
			return nil
		}
		if v, isInt := l.V.(int64); isInt {
			mv.Limit = v
		}
	}
	mv.Columns = cols
	return mv
}

func (c *checker) print(o *ast.PrintOp) plan.Node {
	var cols []plan.Column
	var vals []plan.Expr
	taken := func(n string) bool { return colIndex(cols, n) >= 0 }
	for i, item := range o.Exprs {
		if call, f := c.tupleFunc(itemExpr(item)); call != nil {
			// One row: each value is taken from the call itself.
			b, parts, ok := c.bindTuple(item, call, f, nil, &plan.ColRef{T: types.Dynamic}, printStyle)
			if !ok {
				return nil
			}
			for _, p := range parts {
				name := uniqueName(p.name, taken)
				e := substitute(p.expr, []plan.Expr{b})
				cols = append(cols, plan.Column{Name: name, Type: e.Type()})
				vals = append(vals, e)
			}
			continue
		}
		if c.multiNameError(item) {
			return nil
		}
		x, name := item, ""
		if ne, ok := item.(*ast.NamedExpr); ok {
			x, name = ne.X, ne.Names[0].Name
		}
		e := c.expr(x, nil)
		if name == "" {
			name = fmt.Sprintf("print_%d", i)
		}
		name = uniqueName(name, taken)
		c.info.Names[item] = name
		cols = append(cols, plan.Column{Name: name, Type: e.Type()})
		vals = append(vals, e)
	}
	return &plan.Values{Columns: cols, Rows: [][]plan.Expr{vals}}
}

func (c *checker) tableType(tt *ast.TableType) []plan.Column {
	var cols []plan.Column
	if tt == nil {
		return nil
	}
	for _, d := range tt.Columns {
		t := types.String
		if d.Type != nil {
			var ok bool
			if t, ok = types.Lookup(d.Type.Name); !ok {
				c.errorf(d.Type, "unknown type '%s'", d.Type.Name)
			}
		}
		cols = append(cols, plan.Column{Name: d.Name.Name, Type: t})
	}
	return cols
}

func (c *checker) datatable(o *ast.DatatableOp) plan.Node {
	cols := c.tableType(o.Columns)
	if len(cols) == 0 {
		c.errorf(o, "datatable has no columns")
		return nil
	}
	if len(o.Values)%len(cols) != 0 {
		c.errorf(o, "datatable has %d values, not a multiple of its %d columns", len(o.Values), len(cols))
		return nil
	}
	var rows [][]plan.Expr
	for i := 0; i < len(o.Values); i += len(cols) {
		var r []plan.Expr
		for j, col := range cols {
			v := c.expr(o.Values[i+j], nil)
			if v.Type() != col.Type && v.Type() != types.Unknown {
				if v.Type() == types.Null || col.Type == types.Dynamic || v.Type() == types.Dynamic || (v.Type().IsNumeric() && col.Type.IsNumeric()) {
					v = &plan.Convert{X: v, T: col.Type}
				} else {
					c.errorf(o.Values[i+j], "datatable column '%s' is %s, found a %s value", col.Name, col.Type, v.Type())
				}
			}
			r = append(r, v)
		}
		rows = append(rows, r)
	}
	return &plan.Values{Columns: cols, Rows: rows}
}

func (c *checker) rangeOp(o *ast.RangeOp) plan.Node {
	from := c.expr(o.From, nil)
	to := c.expr(o.To, nil)
	step := c.expr(o.Step, nil)
	t := from.Type()
	if t == types.Int {
		t = types.Long
	}
	return &plan.Range{Column: plan.Column{Name: o.Name.Name, Type: t}, From: from, To: to, Step: step}
}

func (c *checker) externaldata(o *ast.ExternalDataOp) plan.Node {
	if c.opt.AllowExternal == nil {
		c.errorf(o, "externaldata is disabled: run with --allow-external to let queries read external data")
		return nil
	}
	cols := c.tableType(o.Columns)
	ext := External{Format: "csv"}
	for _, p := range o.With {
		if len(p.Names) == 0 {
			continue
		}
		// Kusto matches these property names case-insensitively
		// (the corpus writes both ignoreFirstRecord and ignorefirstrecord).
		switch strings.ToLower(p.Names[0].Name) {
		case "format":
			ext.Format = strings.ToLower(propText(p.X))
		case "ignorefirstrecord":
			switch strings.ToLower(propText(p.X)) {
			case "true":
				ext.IgnoreFirstRecord = true
			case "false":
				ext.IgnoreFirstRecord = false
			default:
				c.errorf(p.X, "externaldata: ignoreFirstRecord expects true or false, found %s", propText(p.X))
				return nil
			}
		}
	}
	for _, u := range o.URLs {
		l, ok := c.expr(u, nil).(*plan.Lit)
		s, isStr := l.V.(string)
		if !ok || !isStr {
			c.errorf(u, "externaldata expects string literal URLs")
			return nil
		}
		if err := c.opt.AllowExternal(s); err != nil {
			c.errorf(u, "externaldata: %v", err)
			return nil
		}
		ext.URLs = append(ext.URLs, s)
	}
	c.nextExt++
	ext.Table = fmt.Sprintf("quarry_external_%d", c.nextExt)
	for _, col := range cols {
		ext.Columns = append(ext.Columns, schema.Column{Name: col.Name, Type: col.Type})
	}
	c.info.Externals = append(c.info.Externals, ext)
	return &plan.Scan{Table: ext.Table, Columns: cols}
}

// parseOp binds `parse [kind=simple|regex|relaxed] X with Pattern`:
// string literals are matched as written (as regular expressions with
// kind=regex), `*` skips text, and each column captures the text up to
// the next element (typed columns capture a number or convert their
// text). The pattern is anchored at the start of the text. parse keeps
// every row (columns are empty or null when the text does not match);
// parse-where keeps only the rows that match.
func (c *checker) parseOp(o *ast.ParseOp, in plan.Node) plan.Node {
	r := &row{cols: in.Cols()}
	ps := c.params(o.Params)
	kind := "simple"
	if v, ok := ps["kind"]; ok {
		kind = propText(v)
	}
	flags := ""
	if v, ok := ps["flags"]; ok {
		flags = propText(v)
	}
	x := c.expr(o.X, r)
	if x.Type() != types.String {
		x = &plan.Convert{X: x, T: types.String}
	}
	var re strings.Builder
	re.WriteString("(?s)")
	if strings.Contains(flags, "i") {
		re.WriteString("(?i)")
	}
	re.WriteString("^")
	type capture struct {
		name string
		t    types.Type
	}
	var caps []capture
	for i, el := range o.Pattern {
		last := i == len(o.Pattern)-1
		lazy := "?"
		if last {
			lazy = ""
		}
		switch el := el.(type) {
		case *ast.BasicLit:
			if el.Kind != ast.StringLit {
				c.errorf(el, "expected a string, a column or * in the parse pattern")
				return nil
			}
			if kind == "regex" {
				re.WriteString(el.Value)
			} else {
				re.WriteString(regexp.QuoteMeta(el.Value))
			}
		case *ast.Star:
			re.WriteString(".*" + lazy)
		case *ast.ColumnRef:
			t := types.String
			if el.Decl.Type != nil {
				var ok bool
				if t, ok = types.Lookup(el.Decl.Type.Name); !ok {
					c.errorf(el.Decl.Type, "unknown type '%s'", el.Decl.Type.Name)
					return nil
				}
			}
			switch {
			case t.IsIntegral() && kind != "regex":
				re.WriteString(`(-?\d+)`)
			case (t == types.Real || t == types.Decimal) && kind != "regex":
				re.WriteString(`(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)`)
			default:
				re.WriteString("(.*" + lazy + ")")
			}
			caps = append(caps, capture{el.Decl.Name.Name, t})
		default:
			c.errorf(el, "expected a string, a column or * in the parse pattern")
			return nil
		}
	}
	if _, err := regexp.Compile(re.String()); err != nil {
		c.errorf(o, "parse pattern is not a valid regular expression: %v", err)
		return nil
	}
	pattern := &plan.Lit{V: re.String(), T: types.String}
	grp, _ := funcs.Lookup("__regex_group")
	mt, _ := funcs.Lookup("matches regex")
	cols := append([]plan.Column(nil), in.Cols()...)
	exprs := make([]plan.Expr, len(cols))
	for i, col := range cols {
		exprs[i] = &plan.ColRef{Index: i, T: col.Type}
	}
	for i, cp := range caps {
		var e plan.Expr = &plan.Call{F: grp, Args: []plan.Expr{x, pattern, &plan.Lit{V: int64(i + 1), T: types.Long}}, T: types.String}
		if cp.t != types.String {
			e = &plan.Convert{X: e, T: cp.t}
		}
		if j := colIndex(cols, cp.name); j >= 0 {
			exprs[j] = e
			cols[j].Type = cp.t
		} else {
			exprs = append(exprs, e)
			cols = append(cols, plan.Column{Name: cp.name, Type: cp.t})
		}
	}
	var src plan.Node = in
	if o.Kind == "parse-where" {
		// Rows that do not match, or whose typed captures do not
		// convert, are dropped.
		var pred plan.Expr = &plan.Call{F: mt, Args: []plan.Expr{x, pattern}, T: types.Bool}
		and, _ := funcs.Lookup("and")
		nn, _ := funcs.Lookup("isnotnull")
		for i, cp := range caps {
			if cp.t == types.String {
				continue
			}
			conv := &plan.Convert{X: &plan.Call{F: grp, Args: []plan.Expr{x, pattern, &plan.Lit{V: int64(i + 1), T: types.Long}}, T: types.String}, T: cp.t}
			pred = &plan.Call{F: and, Args: []plan.Expr{pred, &plan.Call{F: nn, Args: []plan.Expr{conv}, T: types.Bool}}, T: types.Bool}
		}
		src = &plan.Filter{In: in, Pred: pred}
	}
	return &plan.Project{In: src, Exprs: exprs, Columns: cols}
}

// knownTables are Microsoft Defender XDR and Sentinel tables quarry has no
// built-in schema for; queries naming them get "not supported yet" rather
// than "unknown table" until the data is loaded.
var knownTables = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.Fields(`DeviceProcessEvents DeviceNetworkEvents DeviceEvents SigninLogs
		DeviceFileEvents CloudAppEvents AuditLogs IdentityInfo DeviceInfo OfficeActivity DeviceLogonEvents
		SecurityAlert AlertInfo AlertEvidence AADSignInEventsBeta IdentityLogonEvents IdentityDirectoryEvents
		DeviceTvmSoftwareVulnerabilities SecurityEvent DeviceRegistryEvents DeviceImageLoadEvents
		IdentityQueryEvents SecurityIncident AADUserRiskEvents DeviceNetworkInfo MicrosoftGraphActivityLogs
		AADServicePrincipalSignInLogs AzureDiagnostics AzureActivity GraphAPIAuditEvents OAuthAppInfo
		IntuneDevices DeviceTvmSecureConfigurationAssessment LAQueryLogs DeviceTvmSoftwareInventory
		DeviceTvmSoftwareVulnerabilitiesKB AADSpnSignInEventsBeta AADRiskyUsers ThreatIntelligenceIndicator
		DeviceTvmBrowserExtensions Heartbeat ExposureGraphEdges ExposureGraphNodes DnsEvents DeviceTvmInfoGathering
		AADNonInteractiveUserSignInLogs Usage DeviceFileCertificateInfo DeviceTvmSecureConfigurationAssessmentKB
		AppFileEvents AADManagedIdentitySignInLogs EntraIdSignInEvents BehaviorEntities BehaviorInfo
		DeviceTvmBrowserExtensionsKB Syslog MicrosoftAzureBastionAuditLogs InformationProtectionEvents
		CloudAuditEvents EntraGroupMemberships EntraGroups EntraUsers CommonSecurityLog SentinelHealth
		DeviceAlertEvents FileMaliciousContentInfo MessageEvents MessagePostDeliveryEvents MessageUrlInfo
		CampaignInfo DataSecurityEvents DataSecurityBehaviors AzureADSignInLogs Event Perf Anomalies`) {
		m[t] = true
	}
	return m
}()

// makeSeries binds make-series.
func (c *checker) makeSeries(o *ast.MakeSeriesOp, in plan.Node) plan.Node {
	r := &row{cols: in.Cols()}
	ms := &plan.MakeSeries{In: in}
	for _, p := range o.Params {
		if len(p.Names) > 0 && strings.EqualFold(p.Names[0].Name, "kind") && strings.EqualFold(propText(p.X), "nonempty") {
			ms.NonEmpty = true
		}
	}
	var keyCols []plan.Column
	ms.Keys, keyCols = c.groupKeys(o.By, r)
	cols := append([]plan.Column(nil), keyCols...)
	ctaken := func(n string) bool { return colIndex(cols, n) >= 0 }
	a := &aggCtx{in: r, nkeys: len(ms.Keys)}
	saved := c.aggs
	for _, sa := range o.Aggs {
		x, name := sa.X, ""
		if ne, ok := x.(*ast.NamedExpr); ok {
			x, name = ne.X, ne.Names[0].Name
		}
		if !isAggCall(x) {
			// A constant (`other=-1 default=-2`, as on the make-series
			// page): the constant in bins with rows, the default in the
			// others; it is take_any of the constant.
			// Bound without a row, so a column reference is an error.
			nerr := len(c.errs)
			k := fold(c.expr(x, nil))
			ta, _ := funcs.Lookup("take_any")
			if len(c.errs) > nerr || ta == nil {
				c.errorf(x, "make-series expects an aggregate function such as count() or avg(x), or a constant, found %s", describeExpr(x))
				c.aggs = saved
				return nil
			}
			if name == "" {
				name = autoName(ctaken)
			}
			a.aggs = append(a.aggs, &plan.Agg{F: ta, Args: []plan.Expr{k}})
			a.cols = append(a.cols, plan.Column{Name: name, Type: k.Type()})
		} else {
			before := len(a.aggs)
			c.aggs = a
			c.expr(x, nil)
			c.aggs = saved
			if len(a.aggs) != before+1 {
				c.unsupported(x, "this aggregate in make-series")
				return nil
			}
		}
		if name == "" {
			name = a.cols[len(a.cols)-1].Name
		}
		var def plan.Expr = &plan.Lit{V: int64(0), T: types.Long}
		at := a.cols[len(a.cols)-1].Type
		if sa.Default != nil {
			def = c.expr(sa.Default, nil)
		} else if !at.IsNumeric() {
			def = &plan.Lit{T: at}
		}
		if def.Type() != at && def.Type() != types.Unknown {
			def = &plan.Convert{X: def, T: at}
		}
		ms.Aggs = append(ms.Aggs, a.aggs[len(a.aggs)-1])
		ms.Defaults = append(ms.Defaults, def)
		cols = append(cols, plan.Column{Name: uniqueName(name, ctaken), Type: types.Dynamic})
	}
	ms.On = c.expr(o.On, r)
	from, to, step := o.From, o.To, o.Step
	if o.Range != nil {
		if len(o.Range.Args) != 3 {
			c.errorf(o.Range, "range expects (from, to, step)")
			return nil
		}
		from, to, step = o.Range.Args[0], o.Range.Args[1], o.Range.Args[2]
	}
	if from != nil {
		ms.From = c.expr(from, nil)
	}
	if to != nil {
		ms.To = c.expr(to, nil)
	}
	if step == nil {
		c.errorf(o, "make-series expects a step")
		return nil
	}
	ms.Step = c.expr(step, nil)
	switch t := ms.On.Type(); {
	case t == types.DateTime:
		if ms.Step.Type() != types.TimeSpan {
			c.errorf(step, "the step of a datetime axis must be a timespan, found %s", ms.Step.Type())
			return nil
		}
	case t.IsNumeric():
	default:
		c.errorf(o.On, "make-series axis must be a datetime or a number, found %s", t)
		return nil
	}
	name := exprName(o.On)
	if name == "" {
		name = autoName(ctaken)
	}
	cols = append(cols, plan.Column{Name: uniqueName(name, ctaken), Type: types.Dynamic})
	ms.Columns = cols
	return ms
}

// parseKv binds parse-kv X as (Keys) with (pair_delimiter, kv_delimiter,
// quote, escape, greedy, regex): each declared key's value is extracted
// with a regular expression (the key at the start or after a delimiter,
// the value up to the next pair delimiter, or quoted, or in greedy mode
// up to the next key).
func (c *checker) parseKv(o *ast.ParseKvOp, in plan.Node) plan.Node {
	r := &row{cols: in.Cols()}
	x := c.expr(o.X, r)
	if x.Type() != types.String {
		x = &plan.Convert{X: x, T: types.String}
	}
	props := map[string]string{}
	for _, p := range o.With {
		if len(p.Names) == 1 {
			if p.Names[0].Name == "greedy" {
				props["greedy"] = propText(p.X)
				continue
			}
			props[p.Names[0].Name] = litString(c, p.X)
		}
	}
	decls := c.tableType(o.Columns)
	grp, _ := funcs.Lookup("__regex_group")
	cols := append([]plan.Column(nil), in.Cols()...)
	exprs := make([]plan.Expr, len(cols))
	for i, col := range cols {
		exprs[i] = &plan.ColRef{Index: i, T: col.Type}
	}
	pair, kv := regexp.QuoteMeta(props["pair_delimiter"]), regexp.QuoteMeta(props["kv_delimiter"])
	if pair == "" {
		pair = ","
	}
	if kv == "" {
		kv = "[:=]"
	}
	greedy := strings.EqualFold(props["greedy"], "true")
	quoteOpen, quoteClose := "", ""
	if q := []rune(props["quote"]); len(q) == 1 {
		quoteOpen, quoteClose = string(q[0]), string(q[0])
	} else if len(q) == 2 {
		quoteOpen, quoteClose = string(q[0]), string(q[1])
	}
	esc := props["escape"]
	for _, d := range decls {
		var re string
		if rx, ok := props["regex"]; ok {
			// The regex's first group is the key, the second the value.
			re = "(?s)" + strings.Replace(rx, `([\w ]+)`, "("+regexp.QuoteMeta(d.Name)+")", 1)
		} else {
			key := regexp.QuoteMeta(d.Name)
			if quoteOpen != "" {
				key = "(?:" + key + "|" + regexp.QuoteMeta(quoteOpen) + key + regexp.QuoteMeta(quoteClose) + ")"
			}
			re = "(?s)(?:^|" + pair + `|[^\w])\s*` + key + `\s*` + kv + `\s*`
			var val string
			switch {
			case greedy:
				val = "(.*?)(?:" + pair + `[^` + pair + `]+?` + kv + "|$)"
			default:
				val = "([^" + pair + "]*)"
			}
			if quoteOpen != "" {
				inner := "[^" + regexp.QuoteMeta(quoteClose) + "]*"
				if esc != "" {
					inner = "(?:[^" + regexp.QuoteMeta(quoteClose) + regexp.QuoteMeta(esc) + "]|" + regexp.QuoteMeta(esc) + ".)*"
				}
				val = "(?:" + regexp.QuoteMeta(quoteOpen) + "(" + inner + ")" + regexp.QuoteMeta(quoteClose) + "|" + val + ")"
			}
			re += val
		}
		if _, err := regexp.Compile(re); err != nil {
			c.errorf(o, "parse-kv: invalid pattern: %v", err)
			return nil
		}
		pat := &plan.Lit{V: re, T: types.String}
		ngroups := int64(1)
		if quoteOpen != "" {
			ngroups = 2
		}
		var e plan.Expr = &plan.Call{F: grp, Args: []plan.Expr{x, pat, &plan.Lit{V: int64(1), T: types.Long}}, T: types.String}
		if _, ok := props["regex"]; ok {
			e = &plan.Call{F: grp, Args: []plan.Expr{x, pat, &plan.Lit{V: int64(2), T: types.Long}}, T: types.String}
		} else if ngroups == 2 {
			alt := &plan.Call{F: grp, Args: []plan.Expr{x, pat, &plan.Lit{V: int64(2), T: types.Long}}, T: types.String}
			co, _ := funcs.Lookup("coalesce")
			e = &plan.Call{F: co, Args: []plan.Expr{e, alt}, T: types.String}
		}
		if esc != "" {
			rp, _ := funcs.Lookup("replace_regex")
			e = &plan.Call{F: rp, Args: []plan.Expr{e, &plan.Lit{V: regexp.QuoteMeta(esc) + "(.)", T: types.String}, &plan.Lit{V: `\1`, T: types.String}}, T: types.String}
		}
		tr, _ := funcs.Lookup("trim")
		e = &plan.Call{F: tr, Args: []plan.Expr{&plan.Lit{V: `\s`, T: types.String}, e}, T: types.String}
		if d.Type != types.String {
			e = &plan.Convert{X: e, T: d.Type}
		}
		if j := colIndex(cols, d.Name); j >= 0 {
			exprs[j] = e
			cols[j].Type = d.Type
		} else {
			exprs = append(exprs, e)
			cols = append(cols, d)
		}
	}
	return &plan.Project{In: in, Exprs: exprs, Columns: cols}
}

// search binds `T | search Pred` and `search [in (T, ...)] Pred`. In the
// predicate a bare string matches when any column has it as a term
// ("*x*" contains x, "x*" a term starting with x, "*x" a term ending with
// x); other conditions are ordinary predicates. As a source, search reads
// the tables listed (every table of the catalog without `in`) and adds
// their name as column $table.
func (c *checker) search(o *ast.SearchOp, in plan.Node) plan.Node {
	if in == nil {
		var tables []ast.Expr
		if len(o.Tables) > 0 {
			tables = o.Tables
		} else {
			for _, t := range c.cat.Tables() {
				tables = append(tables, &ast.Ident{Span: o.Span, Name: t.Name})
			}
		}
		u := c.union(&ast.UnionOp{Span: o.Span, Tables: tables, Params: []*ast.NamedExpr{{Names: []*ast.Ident{{Name: "withsource"}}, X: &ast.Ident{Name: "$table"}}}}, nil)
		if u == nil {
			return nil
		}
		in = u
	}
	if _, star := o.Pred.(*ast.Star); star {
		return in
	}
	r := &row{cols: in.Cols()}
	p := c.searchPred(o.Pred, r)
	if p == nil {
		return nil
	}
	return &plan.Filter{In: in, Pred: p}
}

func (c *checker) searchPred(e ast.Expr, r *row) plan.Expr {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return c.searchPred(e.X, r)
	case *ast.BinaryExpr:
		if e.Op == "and" || e.Op == "or" {
			x, y := c.searchPred(e.X, r), c.searchPred(e.Y, r)
			if x == nil || y == nil {
				return nil
			}
			f, _ := funcs.Lookup(e.Op)
			return &plan.Call{F: f, Args: []plan.Expr{x, y}, T: types.Bool}
		}
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "not" && len(e.Args) == 1 {
			x := c.searchPred(e.Args[0], r)
			if x == nil {
				return nil
			}
			return c.not(x)
		}
	case *ast.BasicLit:
		if e.Kind == ast.StringLit {
			term := e.Value
			op := "has"
			switch {
			case strings.HasPrefix(term, "*") && strings.HasSuffix(term, "*") && len(term) > 1:
				op, term = "contains", strings.Trim(term, "*")
			case strings.HasSuffix(term, "*"):
				op, term = "hasprefix", strings.TrimSuffix(term, "*")
			case strings.HasPrefix(term, "*"):
				op, term = "hassuffix", strings.TrimPrefix(term, "*")
			}
			f, _ := funcs.Lookup(op)
			or, _ := funcs.Lookup("or")
			var p plan.Expr
			for i, col := range r.cols {
				var x plan.Expr = &plan.ColRef{Index: i, T: col.Type}
				switch col.Type {
				case types.String:
				case types.Dynamic, types.GUID:
					x = &plan.Convert{X: x, T: types.String}
				default:
					continue
				}
				t := &plan.Call{F: f, Args: []plan.Expr{x, &plan.Lit{V: term, T: types.String}}, T: types.Bool}
				if p == nil {
					p = t
				} else {
					p = &plan.Call{F: or, Args: []plan.Expr{p, t}, T: types.Bool}
				}
			}
			if p == nil {
				return &plan.Lit{V: false, T: types.Bool}
			}
			return p
		}
	}
	x := c.expr(e, r)
	if t := x.Type(); t != types.Bool && t != types.Unknown {
		c.errorf(e, "search expects a condition or a string, found %s", t)
		return nil
	}
	return x
}

// hiddenBag starts the name of the hidden column holding the bag of an
// `evaluate bag_unpack` whose properties are only known from the data;
// the rest of the name is the column prefix.
const hiddenBag = "\x00bag_unpack:"

// IsHidden reports whether a column is internal to the plan (it must not
// reach a query's result).
func IsHidden(name string) bool { return strings.HasPrefix(name, hiddenBag) }

// openBag resolves an unknown column name to a property of an unpacked
// bag in r, if r holds one (and the name has its prefix).
func openBag(r *row, name string) (plan.Expr, bool) {
	if r == nil {
		return nil, false
	}
	for i, col := range r.cols {
		if !IsHidden(col.Name) {
			continue
		}
		prefix := strings.TrimPrefix(col.Name, hiddenBag)
		if strings.HasPrefix(name, prefix) {
			return &plan.Path{X: &plan.ColRef{Index: i, T: types.Dynamic}, Steps: []any{strings.TrimPrefix(name, prefix)}}, true
		}
	}
	return nil, false
}

// unknownCallee reports whether call names neither a catalog function nor
// a user function.
func (c *checker) unknownCallee(call *ast.CallExpr) bool {
	id, ok := call.Fun.(*ast.Ident)
	if !ok {
		return false
	}
	if _, ok := funcs.Lookup(id.Name); ok {
		return false
	}
	return c.scope.lookup(id.Name) == nil
}

// mvApply binds mv-apply whose subquery works row by row (where, extend,
// project and its relatives, parse): it is then the same as mv-expand
// followed by the subquery. Subqueries that aggregate or reorder per
// input row (summarize, top, take, sort, ...) are not supported yet.
func (c *checker) mvApply(o *ast.MvApplyOp, in plan.Node) plan.Node {
	p, ok := o.Sub.(*ast.Pipeline)
	if pe, isParen := o.Sub.(*ast.ParenExpr); isParen {
		p, ok = pe.X.(*ast.Pipeline)
	}
	if !ok || p.Source != nil {
		c.unsupported(o, "mv-apply with this subquery")
		return nil
	}
	for _, op := range p.Ops {
		switch op.(type) {
		case *ast.WhereOp, *ast.ExtendOp, *ast.ProjectOp, *ast.ParseOp:
		case *ast.SummarizeOp, *ast.TopOp, *ast.TakeOp, *ast.SortOp:
			return c.mvApplyPerRow(o, p, in)
		default:
			c.unsupported(op, "mv-apply whose subquery aggregates or reorders rows")
			return nil
		}
	}
	node := c.mvExpand(&ast.MvExpandOp{Span: o.Span, Params: o.Params, Items: o.Items, Limit: o.Limit}, in)
	for _, op := range p.Ops {
		if node == nil {
			return nil
		}
		node = c.op(op, node)
	}
	return node
}

// windowCall returns the name of a window function (row_number, prev,
// next, row_cumsum) called in e, or "".
func windowCall(e ast.Expr) string {
	name := ""
	ast.Inspect(e, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok {
				switch id.Name {
				case "row_number", "prev", "next", "row_cumsum":
					name = id.Name
				}
			}
		}
		return name == ""
	})
	return name
}

// topNested binds top-nested: level k groups the rows by the first k+1
// clauses' values and aggregates them with clause k's aggregation,
// keeping the clause's count of groups with the largest (or, asc,
// smallest) aggregate within each group kept at level k-1. The columns
// are each level's value and aggregate (named aggregated_<value> unless
// named), in clause order. "with others" is not supported yet.
func (c *checker) topNested(o *ast.TopNestedOp, in plan.Node) plan.Node {
	var prev plan.Node
	var byExprs []ast.Expr
	var names []string // value and aggregate column names, level by level
	for k, cl := range o.Clauses {
		if cl.Others != nil {
			c.unsupported(cl.Others, "top-nested with others")
			return nil
		}
		of := cl.Of
		ofName := ""
		if ne, ok := of.(*ast.NamedExpr); ok {
			ofName = ne.Names[0].Name
		} else if ofName = exprName(of); ofName == "" {
			ofName = fmt.Sprintf("Column%d", k+1)
			of = &ast.NamedExpr{Span: ast.Span{From: of.Pos(), To: of.End()}, Names: []*ast.Ident{{Span: ast.Span{From: of.Pos(), To: of.End()}, Name: ofName}}, X: of}
		}
		byExprs = append(byExprs, of)
		agg := cl.By
		aggName := "aggregated_" + ofName
		if ne, ok := agg.(*ast.NamedExpr); ok {
			aggName = ne.Names[0].Name
			agg = ne.X
		}
		level := c.summarize([]ast.Expr{&ast.NamedExpr{Span: ast.Span{From: agg.Pos(), To: agg.End()}, Names: []*ast.Ident{{Span: ast.Span{From: agg.Pos(), To: agg.End()}, Name: aggName}}, X: agg}}, append([]ast.Expr(nil), byExprs...), in)
		if level == nil {
			return nil
		}
		lc := level.Cols()
		if len(lc) != k+2 {
			c.errorf(cl, "top-nested: the aggregation of a level must give one value")
			return nil
		}
		names = append(names, lc[k].Name, aggName)
		// Keep only the groups below a group kept at the level above,
		// bringing its aggregates along.
		var node plan.Node = level
		if prev != nil {
			var lk, rk []int
			for i := 0; i < k; i++ {
				lk = append(lk, i)
				rk = append(rk, 2*i)
			}
			cols := append(append([]plan.Column(nil), lc...), prev.Cols()...)
			node = &plan.Join{Kind: plan.Inner, Left: level, Right: prev, LeftKeys: lk, RightKeys: rk, Columns: cols}
		}
		if cl.Count != nil {
			n := c.expr(cl.Count, nil)
			if !n.Type().IsIntegral() && n.Type() != types.Unknown {
				c.errorf(cl.Count, "top-nested expects an integer count, found %s", n.Type())
				return nil
			}
			var part []int
			for i := 0; i < k; i++ {
				part = append(part, i)
			}
			desc := !strings.EqualFold(cl.Order, "asc")
			node = &plan.TopPer{In: node, Partition: part,
				Keys: []plan.SortKey{{X: &plan.ColRef{Index: k + 1, T: lc[k+1].Type}, Desc: desc, NullsFirst: !desc}}, N: n}
		}
		// Columns in level order: value, aggregate, value, aggregate...
		var exprs []plan.Expr
		var cols []plan.Column
		for i := 0; i <= k; i++ {
			var vi, ai int
			switch {
			case i == k:
				vi, ai = k, k+1
			default:
				// From the level above, joined after this level's columns.
				vi, ai = len(lc)+2*i, len(lc)+2*i+1
			}
			all := node.Cols()
			exprs = append(exprs, &plan.ColRef{Index: vi, T: all[vi].Type}, &plan.ColRef{Index: ai, T: all[ai].Type})
			cols = append(cols, plan.Column{Name: names[2*i], Type: all[vi].Type}, plan.Column{Name: names[2*i+1], Type: all[ai].Type})
		}
		prev = &plan.Project{In: node, Exprs: exprs, Columns: cols}
	}
	return prev
}

// maxRowsNear bounds rows_near's distances: each row of distance is a
// window function in the SQL.
const maxRowsNear = 100

// mvApplyRow names the row number mvApplyPerRow gives the input rows.
const mvApplyRow = "__mv_apply_row"

// mvApplyPerRow binds mv-apply whose subquery aggregates or orders rows
// (summarize, top, take, sort): the subquery runs on each input row's
// expanded values apart, as Kusto applies it to each row's sub-table.
// The input rows are numbered, expanded, and the subquery's operators are
// made per row (summarize also by the row number, top and take per row,
// sort by row first); then the row's columns that were not expanded are
// joined back, before the subquery's columns. A row whose arrays are
// empty has no sub-table rows, so it gives no row (Kusto's summarize of
// an empty sub-table gives one). Columns the subquery keeps are not added
// twice.
func (c *checker) mvApplyPerRow(o *ast.MvApplyOp, p *ast.Pipeline, in plan.Node) plan.Node {
	cols := in.Cols()
	if colIndex(cols, mvApplyRow) >= 0 {
		c.unsupported(o, "mv-apply on a column named "+mvApplyRow)
		return nil
	}
	expanded := map[string]bool{}
	for _, it := range o.Items {
		switch x := it.X.(type) {
		case *ast.Ident:
			expanded[x.Name] = true
		case *ast.NamedExpr:
			expanded[x.Names[0].Name] = true
		default:
			n := exprName(x)
			if n == "" {
				c.unsupported(it, "mv-apply of an unnamed expression whose subquery aggregates")
				return nil
			}
			expanded[n] = true
		}
	}
	rn, _ := funcs.Lookup("row_number")
	var exprs []plan.Expr
	for i, col := range cols {
		exprs = append(exprs, &plan.ColRef{Index: i, T: col.Type})
	}
	// Materialized: both the expansion and the join back read the row
	// numbers, which must be the same.
	numbered := &plan.Materialize{In: &plan.Project{In: in, Exprs: append(exprs, &plan.Call{F: rn, T: types.Long}),
		Columns: append(append([]plan.Column(nil), cols...), plan.Column{Name: mvApplyRow, Type: types.Long})}}
	node := c.mvExpand(&ast.MvExpandOp{Span: o.Span, Params: o.Params, Items: o.Items, Limit: o.Limit}, numbered)
	rowID := &ast.Ident{Span: o.Span, Name: mvApplyRow}
	for _, op := range p.Ops {
		if node == nil {
			return nil
		}
		ri := colIndex(node.Cols(), mvApplyRow)
		if ri < 0 {
			c.unsupported(op, "mv-apply whose subquery drops rows' identity before aggregating")
			return nil
		}
		ridRef := &plan.ColRef{Index: ri, T: types.Long}
		r := &row{cols: node.Cols()}
		switch op := op.(type) {
		case *ast.SummarizeOp:
			per := *op
			per.By = append([]ast.Expr{rowID}, op.By...)
			node = c.op(&per, node)
		case *ast.TopOp:
			n := c.expr(op.Count, nil)
			node = &plan.TopPer{In: node, Partition: []int{ri}, Keys: c.sortKeys(op.Keys, r), N: n}
		case *ast.TakeOp:
			node = &plan.TopPer{In: node, Partition: []int{ri}, N: c.expr(op.Count, nil)}
		case *ast.SortOp:
			node = &plan.Sort{In: node, Keys: append([]plan.SortKey{{X: ridRef}}, c.sortKeys(op.Keys, r)...)}
		case *ast.ProjectOp:
			if op.Kind == "project" {
				keep := *op
				keep.Exprs = append(append([]ast.Expr(nil), op.Exprs...), rowID)
				node = c.op(&keep, node)
			} else {
				node = c.op(op, node)
			}
		default:
			node = c.op(op, node)
		}
	}
	if node == nil {
		return nil
	}
	ri := colIndex(node.Cols(), mvApplyRow)
	if ri < 0 {
		c.unsupported(o, "mv-apply whose subquery drops rows' identity")
		return nil
	}
	// The input's columns that were not expanded, by row number.
	srcExprs := []plan.Expr{&plan.ColRef{Index: len(cols), T: types.Long}}
	srcCols := []plan.Column{{Name: mvApplyRow, Type: types.Long}}
	for i, col := range cols {
		if !expanded[col.Name] {
			srcExprs = append(srcExprs, &plan.ColRef{Index: i, T: col.Type})
			srcCols = append(srcCols, col)
		}
	}
	src := &plan.Project{In: numbered, Exprs: srcExprs, Columns: srcCols}
	sub := node.Cols()
	j := &plan.Join{Kind: plan.Inner, Left: src, Right: node, LeftKeys: []int{0}, RightKeys: []int{ri},
		Columns: append(append([]plan.Column(nil), srcCols...), sub...)}
	var outExprs []plan.Expr
	var outCols []plan.Column
	taken := func(n string) bool { return colIndex(outCols, n) >= 0 }
	for i := 1; i < len(srcCols); i++ {
		if colIndex(sub, srcCols[i].Name) >= 0 {
			continue // the subquery kept it (a row's value, repeated)
		}
		outExprs = append(outExprs, &plan.ColRef{Index: i, T: srcCols[i].Type})
		outCols = append(outCols, srcCols[i])
	}
	for i, col := range sub {
		if i == ri {
			continue
		}
		outExprs = append(outExprs, &plan.ColRef{Index: len(srcCols) + i, T: col.Type})
		outCols = append(outCols, plan.Column{Name: uniqueName(col.Name, taken), Type: col.Type})
	}
	return &plan.Project{In: j, Exprs: outExprs, Columns: outCols}
}
