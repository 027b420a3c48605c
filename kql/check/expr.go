package check

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
)

// row is the set of columns an expression may refer to.
type row struct {
	cols []plan.Column
	// inputs, when not zero, is how many of cols are the operator's input
	// columns (extend appends its new ones): pack_all() packs only those.
	inputs int
}

// aggCtx collects the aggregates of a summarize while its expressions are
// bound: an aggregate call is bound against in and replaced by a reference
// to its output column.
type aggCtx struct {
	in    *row
	aggs  []*plan.Agg
	cols  []plan.Column // output columns of the aggregates
	nkeys int
	// keyNames are the by columns, which arg_max(x, *) does not repeat.
	keyNames []string
}

func (c *checker) record(e ast.Expr, x plan.Expr) plan.Expr {
	if x != nil {
		c.info.Types[e] = x.Type()
	}
	return x
}

// expr binds a scalar expression against r (nil: no columns in scope).
func (c *checker) expr(e ast.Expr, r *row) plan.Expr {
	return c.record(e, c.expr1(e, r))
}

func unknown() plan.Expr { return &plan.Lit{T: types.Unknown} }

func (c *checker) expr1(e ast.Expr, r *row) plan.Expr {
	switch e := e.(type) {
	case *ast.BasicLit:
		return c.basicLit(e)
	case *ast.TypedLit:
		return c.typedLit(e)
	case *ast.DynamicLit:
		return c.dynamicLit(e)
	case *ast.ParenExpr:
		if c.isTabular(e.X) {
			return c.toScalar(e, e.X)
		}
		return c.expr(e.X, r)
	case *ast.Ident:
		return c.ident(e, r)
	case *ast.UnaryExpr:
		x := c.expr(e.X, r)
		if e.Op == "+" {
			return x
		}
		return c.callOp(e, "neg", []plan.Expr{x}, []ast.Node{e.X})
	case *ast.BinaryExpr:
		x := c.expr(e.X, r)
		y := c.expr(e.Y, r)
		op := e.Op
		if op == "<>" {
			op = "!="
		}
		if op == "!matches regex" {
			return c.not(c.callOp(e, "matches regex", []plan.Expr{x, y}, []ast.Node{e.X, e.Y}))
		}
		if op == "like" || op == "notlike" || op == "!like" {
			c.unsupported(e, "operator "+op)
			return unknown()
		}
		if _, ok := funcs.Lookup(op); !ok {
			c.errorf(e, "unknown operator '%s'", e.Op)
			return unknown()
		}
		return c.callOp(e, op, []plan.Expr{x, y}, []ast.Node{e.X, e.Y})
	case *ast.BetweenExpr:
		x := c.expr(e.X, r)
		lo := c.expr(e.Lo, r)
		hi := c.expr(e.Hi, r)
		if x.Type() == types.DateTime && hi.Type() == types.TimeSpan {
			hi = c.callOp(e, "+", []plan.Expr{lo, hi}, []ast.Node{e.Lo, e.Hi})
		}
		p := c.callOp(e, "and", []plan.Expr{
			c.callOp(e, ">=", []plan.Expr{x, lo}, []ast.Node{e.X, e.Lo}),
			c.callOp(e, "<=", []plan.Expr{x, hi}, []ast.Node{e.X, e.Hi}),
		}, []ast.Node{e, e})
		if e.Not {
			return c.not(p)
		}
		return p
	case *ast.InExpr:
		return c.inExpr(e, r)
	case *ast.CallExpr:
		return c.call(e, r)
	case *ast.SelectorExpr, *ast.IndexExpr:
		return c.path(e, r)
	case *ast.Pipeline:
		return c.toScalar(e, e)
	case *ast.Star:
		c.errorf(e, "'*' is not allowed here")
	case *ast.NamedExpr:
		c.errorf(e, "a named expression (Name = ...) is not allowed here")
	case *ast.FuncLit:
		c.errorf(e, "a function is not allowed here")
	default:
		c.errorf(e, "expected a scalar expression, found %s", describeExpr(e))
	}
	return unknown()
}

func (c *checker) not(p plan.Expr) plan.Expr {
	f, _ := funcs.Lookup("not")
	return &plan.Call{F: f, Args: []plan.Expr{p}, T: types.Bool}
}

func (c *checker) ident(e *ast.Ident, r *row) plan.Expr {
	if r != nil {
		if i := colIndex(r.cols, e.Name); i >= 0 {
			return &plan.ColRef{Index: i, T: r.cols[i].Type}
		}
	}
	if o := c.scope.lookup(e.Name); o != nil {
		switch o.kind {
		case objScalar:
			if o.expr == nil {
				return unknown()
			}
			return o.expr
		case objFunc:
			if len(o.fn.Params) == 0 {
				return c.callUser(e, o, nil, r)
			}
			c.errorf(e, "'%s' is a function: call it with arguments", e.Name)
			return unknown()
		case objTabular:
			c.errorf(e, "'%s' is a table, not a scalar: use toscalar(%s) for its value", e.Name, e.Name)
			return unknown()
		}
	}
	switch e.Name {
	case "true", "false":
		return &plan.Lit{V: e.Name == "true", T: types.Bool}
	}
	if p, ok := openBag(r, e.Name); ok {
		return p
	}
	if r == nil {
		c.errorf(e, "unknown name '%s'%s", e.Name, didYouMean(e.Name, c.scope.all()))
		return unknown()
	}
	cands := append(colNames(r.cols), c.scope.all()...)
	c.errorf(e, "unknown column '%s'%s", e.Name, didYouMean(e.Name, cands))
	return unknown()
}

// fold evaluates conversions of numeric constants, so that arguments
// required to be constants (percentiles) may be written as long or real.
func fold(e plan.Expr) plan.Expr {
	cv, ok := e.(*plan.Convert)
	if !ok {
		return e
	}
	l, ok := fold(cv.X).(*plan.Lit)
	if !ok {
		return e
	}
	switch v := l.V.(type) {
	case int64:
		switch cv.T {
		case types.Real:
			return &plan.Lit{V: float64(v), T: types.Real}
		case types.Long, types.Int:
			return &plan.Lit{V: v, T: cv.T}
		}
	case float64:
		if cv.T == types.Real {
			return &plan.Lit{V: v, T: types.Real}
		}
	}
	return e
}

// callOp resolves an operator or function by name on bound arguments.
func (c *checker) callOp(n ast.Node, name string, args []plan.Expr, argNodes []ast.Node) plan.Expr {
	f, _ := funcs.Lookup(name)
	return c.apply(n, f, args, argNodes)
}

func argTypes(args []plan.Expr) []types.Type {
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	return ts
}

func isComparison(name string) bool {
	switch name {
	case "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// apply checks args against f's signatures, inserts implicit conversions
// and returns the call.
func (c *checker) apply(n ast.Node, f *funcs.Func, args []plan.Expr, argNodes []ast.Node) plan.Expr {
	ts := argTypes(args)
	if isComparison(f.Name) || f.Name == "in" || f.Name == "!in" {
		// Kusto compares values of the same kind; a dynamic operand
		// takes the type of the other one.
		a, b := ts[0], ts[1]
		if a == types.Dynamic && b != types.Dynamic && b != types.Null && b != types.Unknown {
			args[0] = &plan.Convert{X: args[0], T: b}
		} else if b == types.Dynamic && a != types.Dynamic && a != types.Null && a != types.Unknown {
			for i := 1; i < len(args); i++ {
				if args[i].Type() == types.Dynamic {
					args[i] = &plan.Convert{X: args[i], T: a}
				}
			}
		} else if a == types.Bool && b.IsIntegral() {
			args[0] = &plan.Convert{X: args[0], T: types.Long}
		} else if b == types.Bool && a.IsIntegral() {
			args[1] = &plan.Convert{X: args[1], T: types.Long}
		} else if !comparable(a, b) {
			c.errorf(n, "cannot compare %s with %s", a, b)
			return &plan.Lit{T: types.Unknown}
		}
		if a.IsNumeric() && b.IsNumeric() && a != b {
			// Compare in the wider type.
			p := funcs.Promote(a, b)
			if a != p {
				args[0] = &plan.Convert{X: args[0], T: p}
			}
			if b != p && len(args) == 2 {
				args[1] = &plan.Convert{X: args[1], T: p}
			}
		}
		return &plan.Call{F: f, Args: args, T: types.Bool}
	}
	sig, res, ok := f.Match(ts)
	if !ok {
		var parts []string
		for _, t := range ts {
			parts = append(parts, t.String())
		}
		what := "function " + f.Name
		if f.Kind == funcs.Operator {
			what = "operator " + f.Name
		}
		c.errorf(n, "%s does not accept (%s)%s", what, strings.Join(parts, ", "), expected(f))
		return &plan.Lit{T: types.Unknown}
	}
	for i, a := range args {
		p := sig.Params[len(sig.Params)-1]
		if i < len(sig.Params) {
			p = sig.Params[i]
		}
		at := a.Type()
		want := funcs.ParamType(p)
		switch {
		case at == types.Dynamic && want != types.Unknown && want != types.Dynamic:
			args[i] = &plan.Convert{X: a, T: want}
		case at == types.Dynamic && (p == "num" || p == "integer"):
			t := types.Real
			if p == "integer" {
				t = types.Long
			}
			args[i] = &plan.Convert{X: a, T: t}
		case want == types.String && at != types.String && at != types.Null && at != types.Unknown:
			args[i] = &plan.Convert{X: a, T: types.String}
		case want == types.Long && at == types.Int, want == types.Real && at != types.Real && at.IsNumeric():
			args[i] = &plan.Convert{X: a, T: want}
		}
	}
	if f.Name == "iff" || f.Name == "case" || f.Name == "coalesce" || f.Name == "max_of" || f.Name == "min_of" {
		res = c.unify(n, f, args)
	}
	if res == types.Unknown && f.Kind != funcs.Aggregate {
		// e.g. T0 of a null argument
		res = types.Unknown
	}
	return &plan.Call{F: f, Args: args, T: res}
}

func expected(f *funcs.Func) string {
	var alts []string
	for _, s := range f.Sigs {
		ps := append([]string(nil), s.Params...)
		if s.Variadic && len(ps) > 0 {
			ps[len(ps)-1] += "..."
		}
		alts = append(alts, "("+strings.Join(ps, ", ")+")")
	}
	return "; expected " + strings.Join(alts, " or ")
}

func comparable(a, b types.Type) bool {
	if a == b || a == types.Null || b == types.Null || a == types.Unknown || b == types.Unknown {
		return true
	}
	if a.IsNumeric() && b.IsNumeric() {
		return true
	}
	return false
}

// unify finds the common type of the value arguments of iff/case/coalesce
// and converts the others to it.
func (c *checker) unify(n ast.Node, f *funcs.Func, args []plan.Expr) types.Type {
	var idx []int
	switch f.Name {
	case "iff":
		idx = []int{1, 2}
	case "case":
		for i := 1; i < len(args); i += 2 {
			idx = append(idx, i)
		}
		idx = append(idx, len(args)-1)
	default:
		for i := range args {
			idx = append(idx, i)
		}
	}
	t := types.Null
	for _, i := range idx {
		at := args[i].Type()
		switch {
		case at == types.Null || at == types.Unknown:
		case t == types.Null:
			t = at
		case t == at:
		case t.IsNumeric() && at.IsNumeric():
			t = funcs.Promote(t, at)
		case t == types.Dynamic || at == types.Dynamic:
			t = types.Dynamic
		default:
			c.errorf(n, "%s: arguments have different types (%s and %s)", f.Name, t, at)
			return types.Unknown
		}
	}
	if t == types.Null {
		return types.Unknown
	}
	for _, i := range idx {
		if at := args[i].Type(); at != t && at != types.Unknown {
			args[i] = &plan.Convert{X: args[i], T: t}
		}
	}
	return t
}

func (c *checker) inExpr(e *ast.InExpr, r *row) plan.Expr {
	x := c.expr(e.X, r)
	args := []plan.Expr{x}
	for _, item := range e.List {
		if c.isTabular(item) {
			n := c.tabular(item)
			if n == nil {
				return unknown()
			}
			if len(n.Cols()) == 0 {
				c.errorf(item, "the table in '%s' has no columns", e.Op)
				return unknown()
			}
			args = append(args, &plan.Scalar{N: n, T: n.Cols()[0].Type})
			continue
		}
		args = append(args, c.expr(item, r))
	}
	f, ok := funcs.Lookup(e.Op)
	if !ok {
		c.unsupported(e, "operator "+e.Op)
		return unknown()
	}
	// A single dynamic array operand is a list of values.
	if len(args) == 2 && args[1].Type() == types.Dynamic {
		if _, sub := args[1].(*plan.Scalar); !sub {
			return &plan.Call{F: f, Args: args, T: types.Bool}
		}
	}
	for i := 1; i < len(args); i++ {
		at := args[i].Type()
		if _, sub := args[i].(*plan.Scalar); sub {
			if at != x.Type() && x.Type() != types.Unknown && !(at.IsNumeric() && x.Type().IsNumeric()) {
				args[i] = &plan.Scalar{N: args[i].(*plan.Scalar).N, T: x.Type()}
			}
			continue
		}
		if strings.Contains(e.Op, "~") || strings.HasPrefix(e.Op, "has") {
			if at != types.String && at != types.Unknown {
				args[i] = &plan.Convert{X: args[i], T: types.String}
			}
			continue
		}
		if at == types.Dynamic && x.Type() != types.Dynamic {
			args[i] = &plan.Convert{X: args[i], T: x.Type()}
		} else if !comparable(x.Type(), at) {
			c.errorf(e.List[i-1], "cannot compare %s with %s in '%s'", x.Type(), at, e.Op)
		}
	}
	if x.Type() == types.Dynamic {
		args[0] = &plan.Convert{X: x, T: types.String}
	}
	if (strings.Contains(e.Op, "~") || strings.HasPrefix(e.Op, "has")) && x.Type() != types.String && x.Type() != types.Unknown {
		args[0] = &plan.Convert{X: x, T: types.String}
	}
	return &plan.Call{F: f, Args: args, T: types.Bool}
}

// path binds X.a and X[i] on dynamic values.
func (c *checker) path(e ast.Expr, r *row) plan.Expr {
	var steps []any
	cur := e
	for {
		switch x := cur.(type) {
		case *ast.SelectorExpr:
			steps = append([]any{x.Sel.Name}, steps...)
			cur = x.X
			continue
		case *ast.IndexExpr:
			var step any
			switch ix := x.Index.(type) {
			case *ast.BasicLit:
				switch ix.Kind {
				case ast.StringLit:
					step = ix.Value
				case ast.IntLit:
					v, _ := parseInt(ix.Value)
					step = v
				}
			case *ast.UnaryExpr:
				if l, ok := ix.X.(*ast.BasicLit); ok && ix.Op == "-" && l.Kind == ast.IntLit {
					v, _ := parseInt(l.Value)
					step = -v
				}
			}
			if step == nil {
				ie := c.expr(x.Index, r)
				switch t := ie.Type(); {
				case t == types.String || t.IsIntegral():
				case t == types.Dynamic:
					ie = &plan.Convert{X: ie, T: types.String}
				default:
					c.errorf(x.Index, "an index must be a string or an integer, found %s", t)
				}
				step = ie
			}
			steps = append([]any{step}, steps...)
			cur = x.X
			continue
		}
		break
	}
	base := c.expr(cur, r)
	switch base.Type() {
	case types.Dynamic, types.Unknown, types.Null:
	default:
		c.errorf(e, "'%s' is of type %s: only dynamic values have properties or elements", exprName(cur), base.Type())
		return unknown()
	}
	if p, ok := base.(*plan.Path); ok {
		return &plan.Path{X: p.X, Steps: append(append([]any(nil), p.Steps...), steps...)}
	}
	return &plan.Path{X: base, Steps: steps}
}

func (c *checker) toScalar(n ast.Node, t ast.Expr) plan.Expr {
	node := c.tabular(t)
	if node == nil || len(node.Cols()) == 0 {
		return unknown()
	}
	return &plan.Scalar{N: node, T: node.Cols()[0].Type}
}

// call binds a function call.
func (c *checker) call(e *ast.CallExpr, r *row) plan.Expr {
	id, ok := e.Fun.(*ast.Ident)
	if !ok {
		c.unsupported(e, "calls of qualified names")
		return unknown()
	}
	name := id.Name
	if o := c.scope.lookup(name); o != nil && o.kind == objFunc {
		return c.callUser(e, o, e.Args, r)
	}
	f, ok := funcs.Lookup(name)
	if !ok {
		c.unknownFunc(id)
		return unknown()
	}
	c.info.Funcs[e] = f
	if f.Requires == funcs.RequiresGeoIP && !c.opt.GeoIP {
		c.errorf(e, "%s() needs a GeoIP database and none is configured: set QUARRY_GEOIP_DB (or --geoip) to a MaxMind-format .mmdb file (GeoLite2-City or DB-IP City Lite)", name)
		return unknown()
	}
	switch name {
	case "bin_auto":
		// bin_auto(x) is bin_at(x, query_bin_auto_size,
		// query_bin_auto_at), or bin(x, query_bin_auto_size) without a
		// starting point; both are set statements of the query.
		if len(e.Args) != 1 {
			c.errorf(e, "bin_auto expects 1 argument, found %d", len(e.Args))
			return unknown()
		}
		size, ok := c.props["query_bin_auto_size"]
		if !ok {
			c.errorf(e, "bin_auto needs the bin size: write `set query_bin_auto_size = <size>;` before the query")
			return unknown()
		}
		args := []plan.Expr{c.expr(e.Args[0], r), c.expr(size, nil)}
		nodes := []ast.Node{e.Args[0], size}
		bf, _ := funcs.Lookup("bin")
		if at, ok := c.props["query_bin_auto_at"]; ok {
			bf, _ = funcs.Lookup("bin_at")
			args = append(args, c.expr(at, nil))
			nodes = append(nodes, at)
		}
		return c.apply(e, bf, args, nodes)
	case "now":
		now := &plan.Lit{V: c.opt.Now, T: types.DateTime}
		if len(e.Args) == 1 {
			return c.callOp(e, "+", []plan.Expr{now, c.expr(e.Args[0], r)}, []ast.Node{e, e.Args[0]})
		}
		return now
	case "ago":
		if len(e.Args) != 1 {
			c.errorf(e, "ago expects 1 argument, found %d", len(e.Args))
			return unknown()
		}
		x := c.expr(e.Args[0], r)
		if x.Type() != types.TimeSpan && x.Type() != types.Unknown {
			c.errorf(e.Args[0], "ago expects a timespan, found %s", x.Type())
			return unknown()
		}
		if l, ok := x.(*plan.Lit); ok {
			if d, ok := l.V.(time.Duration); ok {
				return &plan.Lit{V: c.opt.Now.Add(-d), T: types.DateTime}
			}
		}
		return c.callOp(e, "-", []plan.Expr{&plan.Lit{V: c.opt.Now, T: types.DateTime}, x}, []ast.Node{e, e.Args[0]})
	case "toscalar":
		if len(e.Args) != 1 {
			c.errorf(e, "toscalar expects 1 argument")
			return unknown()
		}
		if c.isTabular(e.Args[0]) {
			return c.toScalar(e, e.Args[0])
		}
		return c.expr(e.Args[0], r)
	case "materialize":
		c.errorf(e, "materialize() takes a table and can only be used as a table")
		return unknown()
	case "pack_all":
		if r == nil {
			c.errorf(e, "pack_all() needs a row: use it in extend or project")
			return unknown()
		}
		// pack_all(true) leaves out null and empty values.
		bp, _ := funcs.Lookup("bag_pack")
		if len(e.Args) > 1 {
			c.errorf(e, "pack_all expects at most 1 argument")
			return unknown()
		}
		if len(e.Args) == 1 {
			lit, ok := fold(c.expr(e.Args[0], nil)).(*plan.Lit)
			if !ok || lit.T != types.Bool {
				c.errorf(e.Args[0], "the argument of pack_all must be a bool constant")
				return unknown()
			}
			if lit.V == true {
				bp, _ = funcs.Lookup("__bag_pack_nonempty")
			}
		}
		cols := r.cols
		if r.inputs > 0 && r.inputs < len(cols) {
			cols = cols[:r.inputs]
		}
		var args []plan.Expr
		for i, col := range cols {
			args = append(args, &plan.Lit{V: col.Name, T: types.String}, &plan.ColRef{Index: i, T: col.Type})
		}
		return &plan.Call{F: bp, Args: args, T: types.Dynamic}
	case "column_ifexists":
		if len(e.Args) != 2 {
			c.errorf(e, "column_ifexists expects 2 arguments")
			return unknown()
		}
		if l, ok := e.Args[0].(*ast.BasicLit); ok && l.Kind == ast.StringLit && r != nil {
			if i := colIndex(r.cols, l.Value); i >= 0 {
				return &plan.ColRef{Index: i, T: r.cols[i].Type}
			}
			if p, ok := openBag(r, l.Value); ok {
				def := c.expr(e.Args[1], r)
				if def.Type() == types.Dynamic || def.Type() == types.Unknown {
					return p
				}
				co, _ := funcs.Lookup("coalesce")
				return c.apply(e, co, []plan.Expr{&plan.Convert{X: p, T: def.Type()}, def}, nil)
			}
		}
		return c.expr(e.Args[1], r)
	}
	if f.Kind == funcs.Aggregate {
		return c.aggCall(e, f, r)
	}
	// A trailing typeof(T) (extract, extract_json) converts the result.
	if n := len(e.Args); n > 0 && (name == "extract" || name == "extract_json" || name == "extractjson" || name == "percentile_tdigest") {
		if to, ok := e.Args[n-1].(*ast.TypeOf); ok {
			t, ok := types.Lookup(to.Type)
			if !ok {
				c.errorf(to, "unknown type '%s'", to.Type)
				return unknown()
			}
			x := c.call(&ast.CallExpr{Span: e.Span, Fun: e.Fun, Args: e.Args[:n-1]}, r)
			if t == types.String || x.Type() == types.Unknown {
				return x
			}
			return &plan.Convert{X: x, T: t}
		}
	}
	args := make([]plan.Expr, len(e.Args))
	nodes := make([]ast.Node, len(e.Args))
	for i, a := range e.Args {
		if _, star := a.(*ast.Star); star {
			c.errorf(a, "'*' is not allowed as an argument of %s", name)
			return unknown()
		}
		args[i] = c.expr(a, r)
		nodes[i] = a
	}
	if len(f.Parts) > 0 && c.tupleOK != e {
		c.errorf(e, "%s returns several values (%s): use it alone in extend or project, as in extend (%s) = %s(...)", name, partNames(f), partNames(f), name)
		return unknown()
	}
	args, nodes = fillDefaults(f, args, nodes, e)
	for _, ci := range f.Const {
		if ci < len(args) {
			if _, ok := args[ci].(*plan.Lit); !ok {
				c.errorf(e.Args[ci], "argument %d of %s must be a constant", ci+1, name)
			}
		}
	}
	if f.SQL["duckdb"] == "@convert" {
		if len(args) != 1 {
			c.errorf(e, "%s expects 1 argument, found %d", name, len(args))
			return unknown()
		}
		_, res, _ := f.Match(argTypes(args))
		return &plan.Convert{X: args[0], T: res}
	}
	return c.apply(e, f, args, nodes)
}

func (c *checker) unknownFunc(id *ast.Ident) {
	name := id.Name
	for _, p := range []string{"geo_", "series_", "ipv4_", "ipv6_", "parse_", "format_", "array_", "bag_",
		"set_", "hll", "tdigest", "base64_", "hash", "url", "zlib", "gzip", "make_", "jaccard", "row_",
		"prev", "next", "extract", "unicode", "binary_", "datetime_", "unixtime_", "to", "is", "str", "trim",
		"pack", "percentile", "welch", "beta", "gamma", "erf", "log", "exp", "cos", "sin", "tan", "acos",
		"asin", "atan", "degrees", "radians", "pi", "cot", "translate", "repeat", "week", "hour", "day",
		"month", "year", "get", "estimate", "dcount_", "range", "zip", "new_", "current", "cursor",
		"ingestion_time", "not", "sum", "count", "treepath", "regex", "has_", "around", "bin", "countof",
		"columnifexists", "case", "iff", "coalesce", "max_", "min_", "rand", "sign", "round", "floor", "ceiling"} {
		if strings.HasPrefix(name, p) {
			if s := closest(name, funcs.Names()); s != "" && editDistance(s, name) <= 1 {
				break
			}
			c.unsupported(id, "function "+name+"()")
			return
		}
	}
	c.errorf(id, "unknown function '%s'%s", name, didYouMean(name, append(funcs.Names(), c.scope.all()...)))
}

// aggCall binds an aggregate call inside summarize.
func (c *checker) aggCall(e *ast.CallExpr, f *funcs.Func, r *row) plan.Expr {
	a := c.aggs
	if a == nil {
		c.errorf(e, "aggregate function %s() is only allowed in summarize (or make-series)", f.Name)
		return unknown()
	}
	c.aggs = nil
	defer func() { c.aggs = a }()
	in := a.in
	ag := &plan.Agg{F: f}
	var t types.Type
	switch f.Name {
	case "count":
		if len(e.Args) > 1 {
			c.errorf(e, "count expects at most 1 argument")
		}
		for _, x := range e.Args {
			if _, star := x.(*ast.Star); !star {
				ag.Args = append(ag.Args, c.expr(x, in))
			}
		}
		t = types.Long
	case "arg_max", "arg_min":
		if len(e.Args) < 1 {
			c.errorf(e, "%s expects at least 1 argument", f.Name)
			return unknown()
		}
		x := c.expr(e.Args[0], in)
		ag.Args = []plan.Expr{x}
		first := exprName(e.Args[0])
		var names []string
		if first == "" {
			first = f.Prefix
		}
		names = append(names, first)
		for _, extra := range e.Args[1:] {
			switch extra := extra.(type) {
			case *ast.Star:
				for i, col := range in.cols {
					if col.Name == first || contains(a.keyNames, col.Name) || contains(names, col.Name) {
						continue
					}
					ag.Extra = append(ag.Extra, &plan.ColRef{Index: i, T: col.Type})
					names = append(names, col.Name)
				}
			case *ast.NamedExpr:
				ag.Extra = append(ag.Extra, c.expr(extra.X, in))
				names = append(names, extra.Names[0].Name)
			default:
				ag.Extra = append(ag.Extra, c.expr(extra, in))
				n := exprName(extra)
				if n == "" {
					n = "Column"
				}
				names = append(names, n)
			}
		}
		t = x.Type()
		c.info.Funcs[e] = f
		idx := a.nkeys + len(a.cols)
		a.aggs = append(a.aggs, ag)
		a.cols = append(a.cols, plan.Column{Name: names[0], Type: t})
		for i, x := range ag.Extra {
			a.cols = append(a.cols, plan.Column{Name: names[i+1], Type: x.Type()})
		}
		return &plan.ColRef{Index: idx, T: t}
	case "percentilew", "percentilesw", "percentilesw_array", "percentiles_array":
		return c.weightedPercentiles(e, f, a)
	case "percentile", "percentiles":
		if len(e.Args) < 2 {
			c.errorf(e, "%s expects a value and at least one percentile", f.Name)
			return unknown()
		}
		x := c.expr(e.Args[0], in)
		base := exprName(e.Args[0])
		var first plan.Expr
		for _, pa := range e.Args[1:] {
			p := fold(c.expr(pa, nil))
			lit, ok := p.(*plan.Lit)
			if !ok || !(lit.T.IsNumeric()) {
				c.errorf(pa, "the percentile must be a numeric constant")
				return unknown()
			}
			pg := &plan.Agg{F: f, Args: []plan.Expr{x}, Extra: []plan.Expr{lit}}
			txt := strings.ReplaceAll(litText(lit), ".", "_")
			idx := a.nkeys + len(a.cols)
			a.aggs = append(a.aggs, pg)
			a.cols = append(a.cols, plan.Column{Name: "percentile_" + base + "_" + txt, Type: x.Type()})
			ref := &plan.ColRef{Index: idx, T: x.Type()}
			if first == nil {
				first = ref
			}
			if f.Name == "percentile" {
				break
			}
		}
		return first
	default:
		args := make([]plan.Expr, len(e.Args))
		for i, x := range e.Args {
			if _, star := x.(*ast.Star); star {
				c.errorf(x, "'*' is not allowed as an argument of %s", f.Name)
				return unknown()
			}
			args[i] = c.expr(x, in)
		}
		call := c.apply(e, f, args, nil)
		cl, ok := call.(*plan.Call)
		if !ok {
			return call
		}
		ag.Args = cl.Args
		t = cl.T
	}
	idx := a.nkeys + len(a.cols)
	a.aggs = append(a.aggs, ag)
	a.cols = append(a.cols, plan.Column{Name: exprName(e), Type: t})
	return &plan.ColRef{Index: idx, T: t}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func litText(l *plan.Lit) string {
	switch v := l.V.(type) {
	case int64:
		return formatInt(v)
	case float64:
		s := strings.TrimRight(strings.TrimRight(formatFloat(v), "0"), ".")
		return s
	}
	return ""
}

// callUser inlines a call of a user-defined function: parameters are bound
// to the arguments in a new scope over the function's definition scope.
func (c *checker) callUser(n ast.Node, o *object, args []ast.Expr, r *row) plan.Expr {
	x, node := c.invoke(n, o, args, r, nil)
	if node != nil {
		c.errorf(n, "'%s' returns a table, not a scalar", o.name)
		return unknown()
	}
	if x == nil {
		return unknown()
	}
	return x
}

// invoke binds the body of a user function with its parameters bound.
// piped, when non-nil, is the first (tabular) argument (invoke operator).
func (c *checker) invoke(n ast.Node, o *object, args []ast.Expr, r *row, piped plan.Node) (plan.Expr, plan.Node) {
	if c.depth > 32 {
		c.errorf(n, "function '%s' calls itself too deeply", o.name)
		return nil, nil
	}
	c.depth++
	defer func() { c.depth-- }()
	fs := &scope{parent: o.env, names: map[string]*object{}}
	params := o.fn.Params
	ai := 0
	for pi, p := range params {
		if pi == 0 && piped != nil {
			fs.names[p.Name.Name] = &object{kind: objTabular, node: piped, name: p.Name.Name}
			continue
		}
		var a ast.Expr
		if ai < len(args) {
			a = args[ai]
			ai++
			if ne, ok := a.(*ast.NamedExpr); ok {
				a = ne.X
			}
		} else if p.Default != nil {
			a = p.Default
		} else {
			c.errorf(n, "'%s' expects %d arguments, found %d", o.name, len(params), len(args))
			return nil, nil
		}
		if _, tab := p.Type.(*ast.TableType); tab {
			fs.names[p.Name.Name] = &object{kind: objTabular, node: c.tabular(a), name: p.Name.Name}
			continue
		}
		x := c.expr(a, r)
		if st, ok := p.Type.(*ast.ScalarType); ok {
			if want, ok := types.Lookup(st.Name); ok && x.Type() != want && x.Type() != types.Unknown {
				if x.Type() == types.Null || x.Type() == types.Dynamic || (want.IsNumeric() && x.Type().IsNumeric()) {
					x = &plan.Convert{X: x, T: want}
				} else if want != types.Dynamic {
					c.errorf(a, "argument '%s' of '%s' must be %s, found %s", p.Name.Name, o.name, want, x.Type())
				}
			}
		}
		fs.names[p.Name.Name] = &object{kind: objScalar, expr: x, name: p.Name.Name}
	}
	if ai < len(args) {
		c.errorf(n, "'%s' expects %d arguments, found %d", o.name, len(params), len(args))
	}
	saved := c.scope
	c.scope = fs
	defer func() { c.scope = saved }()
	for _, l := range o.fn.Body.Lets {
		c.let(l)
	}
	if c.isTabular(o.fn.Body.Result) {
		return nil, c.tabular(o.fn.Body.Result)
	}
	return c.expr(o.fn.Body.Result, r), nil
}

// weightedPercentiles binds percentilew/percentilesw (one column a
// percentile, named as percentiles names them), percentilesw_array and
// percentiles_array (one dynamic column, percentile_x). The percentiles
// are constants, listed or in one dynamic array.
func (c *checker) weightedPercentiles(e *ast.CallExpr, f *funcs.Func, a *aggCtx) plan.Expr {
	in := a.in
	weighted := strings.HasSuffix(f.Name, "w") || strings.HasSuffix(f.Name, "w_array")
	nfixed := 1
	if weighted {
		nfixed = 2
	}
	if len(e.Args) < nfixed+1 {
		c.errorf(e, "%s expects a value%s and at least one percentile", f.Name, map[bool]string{true: ", a weight", false: ""}[weighted])
		return unknown()
	}
	x := c.expr(e.Args[0], in)
	if !x.Type().IsNumeric() && x.Type() != types.Unknown {
		c.unsupported(e.Args[0], f.Name+" of a "+x.Type().String()+" value")
		return unknown()
	}
	args := []plan.Expr{x}
	if weighted {
		w := c.expr(e.Args[1], in)
		if !w.Type().IsIntegral() && w.Type() != types.Unknown {
			c.errorf(e.Args[1], "the weight of %s must be an integer", f.Name)
			return unknown()
		}
		args = append(args, w)
	}
	base := exprName(e.Args[0])
	var ps []*plan.Lit
	for _, pa := range e.Args[nfixed:] {
		p := fold(c.expr(pa, nil))
		lit, ok := p.(*plan.Lit)
		if ok && lit.T == types.Dynamic && strings.HasSuffix(f.Name, "_array") && len(e.Args) == nfixed+1 {
			var vals []any
			if err := json.Unmarshal([]byte(fmt.Sprint(lit.V)), &vals); err != nil {
				c.errorf(pa, "the percentiles must be a dynamic array of numbers")
				return unknown()
			}
			for _, v := range vals {
				n, isNum := v.(float64)
				if !isNum {
					c.errorf(pa, "the percentiles must be a dynamic array of numbers")
					return unknown()
				}
				ps = append(ps, &plan.Lit{V: n, T: types.Real})
			}
			continue
		}
		if !ok || !lit.T.IsNumeric() {
			c.errorf(pa, "the percentile must be a numeric constant")
			return unknown()
		}
		ps = append(ps, lit)
	}
	c.info.Funcs[e] = f
	if strings.HasSuffix(f.Name, "_array") {
		extra := make([]plan.Expr, len(ps))
		for i, p := range ps {
			extra[i] = p
		}
		idx := a.nkeys + len(a.cols)
		a.aggs = append(a.aggs, &plan.Agg{F: f, Args: args, Extra: extra})
		a.cols = append(a.cols, plan.Column{Name: "percentile_" + base, Type: types.Dynamic})
		return &plan.ColRef{Index: idx, T: types.Dynamic}
	}
	var first plan.Expr
	for _, lit := range ps {
		idx := a.nkeys + len(a.cols)
		a.aggs = append(a.aggs, &plan.Agg{F: f, Args: args, Extra: []plan.Expr{lit}})
		a.cols = append(a.cols, plan.Column{Name: "percentile_" + base + "_" + strings.ReplaceAll(litText(lit), ".", "_"), Type: x.Type()})
		if first == nil {
			first = &plan.ColRef{Index: idx, T: x.Type()}
		}
		if f.Name == "percentilew" {
			break
		}
	}
	return first
}
