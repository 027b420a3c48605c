package check

// Functions returning several values (series_decompose_anomalies,
// series_fit_line, series_stats, ...) and the tuple assignment that takes
// them apart: `extend (flag, score, baseline) = series_decompose_anomalies(y)`.
//
// Naming follows Kusto:
//   - unnamed, every value becomes a column named
//     function_argument_part (series_fit_line_y_slope); the names are made
//     unique like other generated names;
//   - `x = f(...)` names the first value x and adds the others under their
//     generated names (as Kusto.Language's binder does), except in print,
//     which keeps only x;
//   - `(a, b) = f(...)` names the first values; the values without a name
//     are left out in extend and added under their generated names in
//     project, as series_fit_2lines' reference page spells out ("extend
//     (rs, si, v)=series_fit_2lines(series) will return only rs, si and
//     v"; project returns "rs, si, v and the rest");
//   - more names than values, or several names for an expression giving
//     one value, are errors at the offending name.
//
// The call is computed once, into a hidden column of a first projection;
// a second projection takes the values out of it (plan.Field) and drops
// it. In extend that second projection is materialised, so that later
// operators referring to a value several times (mv-expand does) read a
// column rather than take the value out of the call's result again.

import (
	"strings"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
)

// hiddenTuple names the hidden column holding a call's values between the
// two projections of a tuple assignment; it never reaches a result.
const hiddenTuple = "\x00tuple"

func partNames(f *funcs.Func) string {
	names := make([]string, len(f.Parts))
	for i, p := range f.Parts {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// fillDefaults appends the documented defaults of omitted optional
// parameters (funcs.Func.Defaults), so that templates see every argument.
func fillDefaults(f *funcs.Func, args []plan.Expr, nodes []ast.Node, at ast.Node) ([]plan.Expr, []ast.Node) {
	if len(f.Defaults) == 0 || len(f.Sigs) == 0 {
		return args, nodes
	}
	s := f.Sigs[0]
	first := len(s.Params) - s.Optional
	for i := len(args); i < len(s.Params) && i-first < len(f.Defaults); i++ {
		if i < first {
			return args, nodes // missing required argument: apply reports it
		}
		args = append(args, defaultLit(f.Defaults[i-first], s.Params[i]))
		nodes = append(nodes, at)
	}
	return args, nodes
}

func defaultLit(v any, param string) *plan.Lit {
	switch v := v.(type) {
	case float64:
		return &plan.Lit{V: v, T: types.Real}
	case int64:
		return &plan.Lit{V: v, T: types.Long}
	case string:
		return &plan.Lit{V: v, T: types.String}
	case bool:
		return &plan.Lit{V: v, T: types.Bool}
	}
	t := funcs.ParamType(param)
	if t == types.Unknown {
		t = types.Real
	}
	return &plan.Lit{T: t}
}

// tupleFunc returns the catalog function of x when x calls a function
// returning several values (and no user function hides it).
func (c *checker) tupleFunc(x ast.Expr) (*ast.CallExpr, *funcs.Func) {
	call, ok := x.(*ast.CallExpr)
	if !ok {
		return nil, nil
	}
	id, ok := call.Fun.(*ast.Ident)
	if !ok {
		return nil, nil
	}
	if o := c.scope.lookup(id.Name); o != nil && o.kind == objFunc {
		return nil, nil
	}
	f, ok := funcs.Lookup(id.Name)
	if !ok || len(f.Parts) == 0 {
		return nil, nil
	}
	return call, f
}

// tupleNames splits an extend or project item into its names (nil when
// unnamed), whether they were written in parentheses, and its expression.
func tupleNames(item ast.Expr) (names []*ast.Ident, compound bool, x ast.Expr) {
	ne, ok := item.(*ast.NamedExpr)
	if !ok {
		return nil, false, item
	}
	compound = len(ne.Names) > 1 || (len(ne.Names) == 1 && ne.Pos() < ne.Names[0].Pos())
	return ne.Names, compound, ne.X
}

// tupleStyle is the operator binding a tuple assignment: the operators
// differ in which values without a name they keep.
type tupleStyle uint8

const (
	extendStyle tupleStyle = iota
	projectStyle
	printStyle
)

// tuplePart is one output column of a tuple assignment.
type tuplePart struct {
	name     string
	declared bool // named by the query (replaces a column of that name in extend)
	expr     plan.Expr
}

// bindTuple binds call (of f, returning several values) against r and
// returns the call and, for each value the assignment keeps, its column:
// an expression over ref, the hidden column that will hold the call. In
// print, `x = f(...)` keeps only the first value (Kusto.Language's
// binder: print adds no unnamed tuple columns).
func (c *checker) bindTuple(item ast.Expr, call *ast.CallExpr, f *funcs.Func, r *row, ref plan.Expr, style tupleStyle) (plan.Expr, []tuplePart, bool) {
	names, compound, _ := tupleNames(item)
	if len(names) > len(f.Parts) {
		extra := names[len(f.Parts)]
		c.errorf(extra, "the name '%s' has no value: %s returns %d values (%s)", extra.Name, f.Name, len(f.Parts), partNames(f))
		return nil, nil, false
	}
	saved := c.tupleOK
	c.tupleOK = call
	b := c.expr(call, r)
	c.tupleOK = saved
	if b.Type() == types.Unknown {
		return nil, nil, false
	}
	prefix := f.Name
	if len(call.Args) > 0 {
		if n := exprName(call.Args[0]); n != "" {
			prefix += "_" + n
		}
	}
	var parts []tuplePart
	for i, p := range f.Parts {
		var e plan.Expr = &plan.Field{X: ref, Index: i, Name: p.Name}
		if p.Type != types.Dynamic {
			e = &plan.Convert{X: e, T: p.Type}
		}
		switch {
		case i < len(names):
			parts = append(parts, tuplePart{name: names[i].Name, declared: true, expr: e})
		case (compound && style != projectStyle) || (style == printStyle && len(names) > 0):
			// Values without a name are left out.
		default:
			parts = append(parts, tuplePart{name: prefix + "_" + p.Name, expr: e})
		}
	}
	if len(names) > 0 {
		c.info.Names[item] = names[0].Name
	} else if len(parts) > 0 {
		c.info.Names[item] = parts[0].name
	}
	return b, parts, true
}

// multiNameError reports `(a, b) = x` where x gives one value.
func (c *checker) multiNameError(item ast.Expr) bool {
	names, _, x := tupleNames(item)
	if len(names) <= 1 {
		return false
	}
	c.errorf(names[1], "the expression does not have multiple values: %s gives one value, so only one name can be assigned (functions such as series_fit_line() or series_decompose_anomalies() give several)", describeTuple(x))
	return true
}

func describeTuple(x ast.Expr) string {
	if call, ok := x.(*ast.CallExpr); ok {
		if id, ok := call.Fun.(*ast.Ident); ok {
			return id.Name + "()"
		}
	}
	return describeExpr(x)
}
