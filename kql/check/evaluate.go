package check

// The evaluate plugins quarry binds (evaluate bag_unpack(...), ...), one
// binder each, chosen by the plugin's name.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
)

// evaluate binds an evaluate operator; plugins quarry does not have are
// "not supported yet".
func (c *checker) evaluate(o *ast.EvaluateOp, in plan.Node) plan.Node {
	switch name := calleeName(o.Call); name {
	case "bag_unpack":
		return c.bagUnpack(o, in)
	case "ipv4_lookup":
		return c.ipv4Lookup(o, in)
	case "geo_polygon_lookup":
		return c.geoPolygonLookup(o, in)
	case "dcount_intersect":
		return c.dcountIntersect(o, in)
	case "rows_near":
		return c.rowsNear(o, in)
	case "rolling_percentile":
		return c.rollingPercentile(o, in)
	case "sliding_window_counts":
		return c.slidingWindowCounts(o, in)
	case "activity_counts_metrics":
		return c.activityCountsMetrics(o, in)
	default:
		c.unsupported(o, "evaluate "+name)
		return nil
	}
}

// bagUnpack binds evaluate bag_unpack(Col [, Prefix] [, columnsConflict=]
// [, ignoredProperties=]) [: (Schema)]. Its columns are the properties of
// the bags, which Kusto finds in the data; quarry needs them at compile
// time: from the declared output schema, or from constant bags (datatable,
// print). Otherwise it is not supported yet.
func (c *checker) bagUnpack(o *ast.EvaluateOp, in plan.Node) plan.Node {
	r := &row{cols: in.Cols()}
	args := o.Call.Args
	var bagArg ast.Expr
	prefix, conflict := "", "error"
	ignored := map[string]bool{}
	pos := 0
	for _, a := range args {
		if ne, ok := a.(*ast.NamedExpr); ok && len(ne.Names) == 1 {
			switch ne.Names[0].Name {
			case "columnsConflict":
				conflict = litString(c, ne.X)
			case "ignoredProperties":
				if l, ok := c.expr(ne.X, nil).(*plan.Lit); ok {
					if txt, ok := l.V.(string); ok {
						var keys []string
						if json.Unmarshal([]byte(txt), &keys) == nil {
							for _, k := range keys {
								ignored[k] = true
							}
						}
					}
				}
			case "OutputColumnPrefix":
				prefix = litString(c, ne.X)
			}
			continue
		}
		switch pos {
		case 0:
			bagArg = a
		case 1:
			prefix = litString(c, a)
		case 2:
			conflict = litString(c, a)
		}
		pos++
	}
	if bagArg == nil {
		c.errorf(o, "bag_unpack expects a dynamic column")
		return nil
	}
	bag := c.expr(bagArg, r)
	if bag.Type() != types.Dynamic && bag.Type() != types.Unknown {
		c.errorf(bagArg, "bag_unpack expects a dynamic value, found %s", bag.Type())
		return nil
	}
	bagCol := -1
	if ref, ok := bag.(*plan.ColRef); ok {
		bagCol = ref.Index
	}
	var exprs []plan.Expr
	var cols []plan.Column
	keep := func(i int) {
		exprs = append(exprs, &plan.ColRef{Index: i, T: r.cols[i].Type})
		cols = append(cols, r.cols[i])
	}
	if o.Schema != nil {
		declared := c.tableType(o.Schema)
		if o.Schema.Star {
			for i := range r.cols {
				if i != bagCol && colIndex(declared, r.cols[i].Name) < 0 {
					keep(i)
				}
			}
		}
		for _, d := range declared {
			if i := colIndex(r.cols, d.Name); i >= 0 && i != bagCol && !o.Schema.Star {
				keep(i)
				continue
			}
			var e plan.Expr = &plan.Path{X: bag, Steps: []any{strings.TrimPrefix(d.Name, prefix)}}
			if d.Type != types.Dynamic {
				e = &plan.Convert{X: e, T: d.Type}
			}
			exprs = append(exprs, e)
			cols = append(cols, d)
		}
		return &plan.Project{In: in, Exprs: exprs, Columns: cols}
	}
	keys, ok := constKeys(in, bagCol)
	if !ok {
		// The properties are only known from the data: keep the bag in
		// a hidden column, and let later references to unknown columns
		// read its properties (see openBag).
		for i := range r.cols {
			if i != bagCol {
				keep(i)
			}
		}
		exprs = append(exprs, bag)
		cols = append(cols, plan.Column{Name: hiddenBag + prefix, Type: types.Dynamic})
		c.openBags[o] = true
		return &plan.Project{In: in, Exprs: exprs, Columns: cols}
	}
	var names []string
	for k := range keys {
		if !ignored[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	drop := map[int]bool{bagCol: true}
	replace := map[int]string{}
	var add []string
	for _, k := range names {
		n := prefix + k
		if i := colIndex(r.cols, n); i >= 0 && i != bagCol {
			switch conflict {
			case "replace_source":
				replace[i] = k
				continue
			case "keep_source":
				continue
			default:
				c.errorf(o, "bag_unpack: property '%s' conflicts with column '%s' (use columnsConflict='replace_source' or 'keep_source')", k, n)
				return nil
			}
		}
		add = append(add, k)
	}
	for i := range r.cols {
		if k, ok := replace[i]; ok {
			exprs = append(exprs, &plan.Path{X: bag, Steps: []any{k}})
			cols = append(cols, plan.Column{Name: r.cols[i].Name, Type: types.Dynamic})
			continue
		}
		if !drop[i] {
			keep(i)
		}
	}
	for _, k := range add {
		exprs = append(exprs, &plan.Path{X: bag, Steps: []any{k}})
		cols = append(cols, plan.Column{Name: prefix + k, Type: types.Dynamic})
	}
	return &plan.Project{In: in, Exprs: exprs, Columns: cols}
}

func litString(c *checker, e ast.Expr) string {
	if l, ok := c.expr(e, nil).(*plan.Lit); ok {
		if s, ok := l.V.(string); ok {
			return s
		}
	}
	c.errorf(e, "expected a string constant")
	return ""
}

// constKeys collects the property names of column col of n when its
// values are constants (an inline table seen through filters and
// projections).
func constKeys(n plan.Node, col int) (map[string]bool, bool) {
	if col < 0 {
		return nil, false
	}
	switch n := n.(type) {
	case *plan.Values:
		keys := map[string]bool{}
		for _, row := range n.Rows {
			e := row[col]
			if cv, ok := e.(*plan.Convert); ok {
				e = cv.X
			}
			l, ok := e.(*plan.Lit)
			if !ok {
				return nil, false
			}
			txt, ok := l.V.(string)
			if l.V == nil {
				continue
			}
			if !ok {
				return nil, false
			}
			var m map[string]json.RawMessage
			if json.Unmarshal([]byte(txt), &m) != nil {
				continue
			}
			for k := range m {
				keys[k] = true
			}
		}
		return keys, true
	case *plan.Project:
		if ref, ok := n.Exprs[col].(*plan.ColRef); ok {
			return constKeys(n.In, ref.Index)
		}
	case *plan.Filter:
		return constKeys(n.In, col)
	case *plan.Sort:
		return constKeys(n.In, col)
	case *plan.Limit:
		return constKeys(n.In, col)
	case *plan.Materialize:
		return constKeys(n.In, col)
	}
	return nil, false
}

// ipv4Lookup binds evaluate ipv4_lookup(LookupTable, SourceIPv4Key,
// IPv4LookupKey [, ExtraKey...] [, return_unmatched = bool]): a join of
// the input with the lookup table's rows whose IPv4 range (an address or
// a CIDR block) holds the source address, and whose extra key columns
// (present in both under the same name) are equal. Unmatched input rows
// are dropped, or kept with empty lookup columns when return_unmatched
// is true. The columns are the input's then the lookup table's.
func (c *checker) ipv4Lookup(o *ast.EvaluateOp, in plan.Node) plan.Node {
	var pos []ast.Expr
	unmatched := false
	for _, a := range o.Call.Args {
		ne, ok := a.(*ast.NamedExpr)
		if !ok {
			pos = append(pos, a)
			continue
		}
		if len(ne.Names) != 1 || ne.Names[0].Name != "return_unmatched" {
			c.errorf(a, "ipv4_lookup: unknown named argument (expected return_unmatched)")
			return nil
		}
		lit, ok := fold(c.expr(ne.X, nil)).(*plan.Lit)
		if !ok || lit.T != types.Bool {
			c.errorf(ne.X, "return_unmatched must be a bool constant")
			return nil
		}
		unmatched = lit.V == true
	}
	if len(pos) < 3 {
		c.errorf(o.Call, "ipv4_lookup expects a lookup table, the source address column and the lookup range column")
		return nil
	}
	right := c.tabular(pos[0])
	if right == nil {
		return nil
	}
	left := in.Cols()
	colOf := func(e ast.Expr, cols []plan.Column, side string) int {
		id, ok := e.(*ast.Ident)
		if !ok {
			c.errorf(e, "ipv4_lookup: expected a column name of the %s", side)
			return -1
		}
		i := colIndex(cols, id.Name)
		if i < 0 {
			c.errorf(e, "ipv4_lookup: the %s has no column '%s'", side, id.Name)
		}
		return i
	}
	src := colOf(pos[1], left, "input")
	key := colOf(pos[2], right.Cols(), "lookup table")
	if src < 0 || key < 0 {
		return nil
	}
	var lk, rk []int
	for _, x := range pos[3:] {
		li, ri := colOf(x, left, "input"), colOf(x, right.Cols(), "lookup table")
		if li < 0 || ri < 0 {
			return nil
		}
		lk, rk = append(lk, li), append(rk, ri)
	}
	f, _ := funcs.Lookup("ipv4_is_in_range")
	on := c.apply(o.Call, f, []plan.Expr{
		&plan.ColRef{Index: src, T: left[src].Type},
		&plan.ColRef{Index: len(left) + key, T: right.Cols()[key].Type},
	}, []ast.Node{pos[1], pos[2]})
	cols := append([]plan.Column(nil), left...)
	taken := func(n string) bool { return colIndex(cols, n) >= 0 }
	for _, col := range right.Cols() {
		cols = append(cols, plan.Column{Name: uniqueName(col.Name, taken), Type: col.Type})
	}
	kind := plan.Inner
	if unmatched {
		kind = plan.LeftOuter
	}
	return &plan.Join{Kind: kind, Left: in, Right: right, LeftKeys: lk, RightKeys: rk, On: on, Columns: cols}
}

// geoPolygonLookup binds evaluate geo_polygon_lookup: a join of the
// input's points with the lookup table's polygons that hold them
// (geo_point_in_polygon), or lie within radius meters of them
// (geo_distance_point_to_polygon). The reference has written its
// arguments two ways: (LookupTable, LookupPolygonKey, Longitude,
// Latitude [, return_lookup_key]) and, now, (LookupTable, Longitude,
// Latitude, LookupPolygonKey [, radius] [, return_unmatched] [,
// join_hint]); the first is told by its second argument naming a dynamic
// column of the lookup table. The polygon column is left out only when
// the first form does not ask for it. join_hint only tunes Kusto's
// matching and is ignored.
func (c *checker) geoPolygonLookup(o *ast.EvaluateOp, in plan.Node) plan.Node {
	var pos []ast.Expr
	named := map[string]ast.Expr{}
	for _, a := range o.Call.Args {
		if ne, ok := a.(*ast.NamedExpr); ok && len(ne.Names) == 1 {
			named[ne.Names[0].Name] = ne.X
			continue
		}
		pos = append(pos, a)
	}
	if len(pos) < 4 {
		c.errorf(o.Call, "geo_polygon_lookup expects a lookup table, the longitude and latitude columns and the polygon column")
		return nil
	}
	right := c.tabular(pos[0])
	if right == nil {
		return nil
	}
	left := in.Cols()
	keyArg, lonArg, latArg := pos[3], pos[1], pos[2]
	oldForm := false
	if id, ok := pos[1].(*ast.Ident); ok {
		if i := colIndex(right.Cols(), id.Name); i >= 0 && right.Cols()[i].Type == types.Dynamic && colIndex(left, id.Name) < 0 {
			oldForm = true
			keyArg, lonArg, latArg = pos[1], pos[2], pos[3]
		}
	}
	for i, x := range pos[4:] {
		// The current form's optional arguments may also be positional.
		names := []string{"radius", "return_unmatched", "join_hint"}
		if oldForm || i >= len(names) {
			c.errorf(x, "geo_polygon_lookup: too many arguments")
			return nil
		}
		named[names[i]] = x
	}
	id, ok := keyArg.(*ast.Ident)
	key := -1
	if ok {
		key = colIndex(right.Cols(), id.Name)
	}
	if key < 0 {
		c.errorf(keyArg, "geo_polygon_lookup: expected the lookup table's polygon column")
		return nil
	}
	boolArg := func(name string) (bool, bool) {
		x, ok := named[name]
		if !ok {
			return false, true
		}
		lit, ok := fold(c.expr(x, nil)).(*plan.Lit)
		if !ok || lit.T != types.Bool {
			c.errorf(x, "%s must be a bool constant", name)
			return false, false
		}
		return lit.V == true, true
	}
	unmatched, ok1 := boolArg("return_unmatched")
	returnKey, ok2 := boolArg("return_lookup_key")
	if !ok1 || !ok2 {
		return nil
	}
	for n := range named {
		switch n {
		case "radius", "return_unmatched", "join_hint", "return_lookup_key":
		default:
			c.errorf(named[n], "geo_polygon_lookup: unknown argument %s", n)
			return nil
		}
	}
	r := &row{cols: left}
	lon, lat := c.expr(lonArg, r), c.expr(latArg, r)
	poly := &plan.ColRef{Index: len(left) + key, T: right.Cols()[key].Type}
	var on plan.Expr
	if rx, ok := named["radius"]; ok {
		fd, _ := funcs.Lookup("geo_distance_point_to_polygon")
		dist := c.apply(o.Call, fd, []plan.Expr{lon, lat, poly}, []ast.Node{lonArg, latArg, keyArg})
		on = c.callOp(rx, "<=", []plan.Expr{dist, c.expr(rx, nil)}, []ast.Node{o.Call, rx})
	} else {
		fp, _ := funcs.Lookup("geo_point_in_polygon")
		on = c.apply(o.Call, fp, []plan.Expr{lon, lat, poly}, []ast.Node{lonArg, latArg, keyArg})
	}
	full := append([]plan.Column(nil), left...)
	full = append(full, right.Cols()...)
	kind := plan.Inner
	if unmatched {
		kind = plan.LeftOuter
	}
	j := &plan.Join{Kind: kind, Left: in, Right: right, On: on, Columns: full}
	cols := append([]plan.Column(nil), left...)
	taken := func(n string) bool { return colIndex(cols, n) >= 0 }
	var exprs []plan.Expr
	for i, col := range left {
		exprs = append(exprs, &plan.ColRef{Index: i, T: col.Type})
	}
	for i, col := range right.Cols() {
		if i == key && oldForm && !returnKey {
			continue
		}
		exprs = append(exprs, &plan.ColRef{Index: len(left) + i, T: col.Type})
		cols = append(cols, plan.Column{Name: uniqueName(col.Name, taken), Type: col.Type})
	}
	return &plan.Project{In: j, Exprs: exprs, Columns: cols}
}

// dcountIntersect binds evaluate dcount_intersect(hll_1, ..., hll_n):
// the input's columns and s0 ... s(n-1), s_k counting the values common
// to the first k+1 sketches (exactly: hll keeps the distinct values).
func (c *checker) dcountIntersect(o *ast.EvaluateOp, in plan.Node) plan.Node {
	n := len(o.Call.Args)
	if n < 2 || n > 16 {
		c.errorf(o.Call, "dcount_intersect expects 2 to 16 hll values, found %d", n)
		return nil
	}
	r := &row{cols: in.Cols()}
	var hs []plan.Expr
	for _, a := range o.Call.Args {
		x := c.expr(a, r)
		if x.Type() != types.Dynamic && x.Type() != types.Unknown {
			c.errorf(a, "dcount_intersect expects hll values (dynamic), found %s", x.Type())
			return nil
		}
		hs = append(hs, x)
	}
	f, _ := funcs.Lookup("__hll_intersect")
	cols := append([]plan.Column(nil), in.Cols()...)
	var exprs []plan.Expr
	for i, col := range cols {
		exprs = append(exprs, &plan.ColRef{Index: i, T: col.Type})
	}
	for k := range hs {
		exprs = append(exprs, &plan.Call{F: f, Args: append([]plan.Expr(nil), hs[:k+1]...), T: types.Long})
		cols = append(cols, plan.Column{Name: fmt.Sprintf("s%d", k), Type: types.Long})
	}
	return &plan.Project{In: in, Exprs: exprs, Columns: cols}
}

// rowsNear binds evaluate rows_near(Condition, NumberOfRows [,
// RowsAfter]) over serialized rows: the rows that match the condition and
// the NumberOfRows before and RowsAfter (default NumberOfRows) after
// each, in their order, each once.
func (c *checker) rowsNear(o *ast.EvaluateOp, in plan.Node) plan.Node {
	args := o.Call.Args
	if len(args) < 2 || len(args) > 3 {
		c.errorf(o.Call, "rows_near expects a condition, the number of rows before and optionally the number after")
		return nil
	}
	cols := in.Cols()
	cond := c.expr(args[0], &row{cols: cols})
	if cond.Type() != types.Bool && cond.Type() != types.Unknown {
		c.errorf(args[0], "rows_near expects a bool condition, found %s", cond.Type())
		return nil
	}
	count := func(x ast.Expr) (int, bool) {
		lit, ok := fold(c.expr(x, nil)).(*plan.Lit)
		n, isInt := lit.V.(int64)
		if !ok || !isInt || n < 0 {
			c.errorf(x, "rows_near expects a constant number of rows, at least 0")
			return 0, false
		}
		if n > maxRowsNear {
			c.unsupported(x, fmt.Sprintf("rows_near with more than %d rows", maxRowsNear))
			return 0, false
		}
		return int(n), true
	}
	before, ok := count(args[1])
	if !ok {
		return nil
	}
	after := before
	if len(args) == 3 {
		if after, ok = count(args[2]); !ok {
			return nil
		}
	}
	// 1: the input and whether each row matches.
	co, _ := funcs.Lookup("coalesce")
	match := &plan.Call{F: co, Args: []plan.Expr{cond, &plan.Lit{V: false, T: types.Bool}}, T: types.Bool}
	var exprs []plan.Expr
	for i, col := range cols {
		exprs = append(exprs, &plan.ColRef{Index: i, T: col.Type})
	}
	withMatch := &plan.Project{In: in, Exprs: append(exprs, match),
		Columns: append(append([]plan.Column(nil), cols...), plan.Column{Name: "\x00rows_near_match", Type: types.Bool})}
	// 2: whether a match is at most before rows after, or after rows
	// before, the row.
	m := &plan.ColRef{Index: len(cols), T: types.Bool}
	prev, _ := funcs.Lookup("prev")
	next, _ := funcs.Lookup("next")
	or, _ := funcs.Lookup("or")
	near := plan.Expr(m)
	shifted := func(f *funcs.Func, k int) plan.Expr {
		return &plan.Call{F: f, Args: []plan.Expr{m, &plan.Lit{V: int64(k), T: types.Long}, &plan.Lit{V: false, T: types.Bool}}, T: types.Bool}
	}
	for k := 1; k <= after; k++ {
		near = &plan.Call{F: or, Args: []plan.Expr{near, shifted(prev, k)}, T: types.Bool}
	}
	for k := 1; k <= before; k++ {
		near = &plan.Call{F: or, Args: []plan.Expr{near, shifted(next, k)}, T: types.Bool}
	}
	withNear := &plan.Project{In: withMatch, Exprs: append(append([]plan.Expr(nil), exprs...), near),
		Columns: append(append([]plan.Column(nil), cols...), plan.Column{Name: "\x00rows_near_keep", Type: types.Bool})}
	kept := &plan.Filter{In: withNear, Pred: &plan.ColRef{Index: len(cols), T: types.Bool}}
	return &plan.Project{In: kept, Exprs: exprs, Columns: append([]plan.Column(nil), cols...)}
}

// constArg folds a plugin argument that must be a constant.
func (c *checker) constArg(x ast.Expr, what string) (*plan.Lit, bool) {
	lit, ok := fold(c.expr(x, nil)).(*plan.Lit)
	if !ok || lit.V == nil {
		c.errorf(x, "%s must be a constant", what)
		return nil, false
	}
	return lit, true
}

// rollingPercentile binds evaluate rolling_percentile(Value, Percentile,
// Index, BinSize, BinsCount [, Dim...]): for each bin of Index holding
// rows (and each combination of the dimensions), the nearest-rank
// percentile of the values in that bin and the BinsCount-1 bins before
// it. The bins are found (distinct), joined with the binned rows of
// their window, and aggregated.
func (c *checker) rollingPercentile(o *ast.EvaluateOp, in plan.Node) plan.Node {
	args := o.Call.Args
	if len(args) < 5 {
		c.errorf(o.Call, "rolling_percentile expects a value, a percentile, an index column, a bin size and a number of bins")
		return nil
	}
	cols := in.Cols()
	r := &row{cols: cols}
	val := c.expr(args[0], r)
	pct, ok := c.constArg(args[1], "the percentile")
	if !ok || !pct.T.IsNumeric() {
		return nil
	}
	idx := c.expr(args[2], r)
	size, ok := c.constArg(args[3], "the bin size")
	if !ok {
		return nil
	}
	cnt, ok := c.constArg(args[4], "the number of bins")
	k, isInt := cnt.V.(int64)
	if !ok || !isInt || k < 1 {
		c.errorf(args[4], "the number of bins must be a positive integer")
		return nil
	}
	var dims []int
	for _, d := range args[5:] {
		id, ok := d.(*ast.Ident)
		i := -1
		if ok {
			i = colIndex(cols, id.Name)
		}
		if i < 0 {
			c.errorf(d, "rolling_percentile: expected a column of the input")
			return nil
		}
		dims = append(dims, i)
	}
	binF, _ := funcs.Lookup("bin")
	binned := c.apply(args[2], binF, []plan.Expr{idx, size}, []ast.Node{args[2], args[3]})
	idxName, valName := exprName(args[2]), exprName(args[0])
	if idxName == "" || valName == "" {
		c.errorf(o.Call, "rolling_percentile expects column names for the value and the index")
		return nil
	}
	nd := len(dims)
	// A: the dimensions, the bin and the value of each row.
	var aExprs []plan.Expr
	var aCols []plan.Column
	for _, i := range dims {
		aExprs = append(aExprs, &plan.ColRef{Index: i, T: cols[i].Type})
		aCols = append(aCols, cols[i])
	}
	aExprs = append(aExprs, binned, val)
	aCols = append(aCols, plan.Column{Name: idxName, Type: binned.Type()}, plan.Column{Name: valName, Type: val.Type()})
	a := &plan.Project{In: in, Exprs: aExprs, Columns: aCols}
	// B: the bins holding rows.
	var bExprs []plan.Expr
	for i := 0; i <= nd; i++ {
		bExprs = append(bExprs, &plan.ColRef{Index: i, T: aCols[i].Type})
	}
	b := &plan.Distinct{In: &plan.Project{In: a, Exprs: bExprs, Columns: append([]plan.Column(nil), aCols[:nd+1]...)}}
	// Join each bin with the rows of its window: the row's bin is at most
	// the bin and at least BinsCount-1 bins before it.
	leftBin := &plan.ColRef{Index: nd, T: binned.Type()}
	rightBin := &plan.ColRef{Index: nd + 1 + nd, T: binned.Type()}
	span := c.callOp(args[4], "*", []plan.Expr{size, &plan.Lit{V: k - 1, T: types.Long}}, []ast.Node{args[3], args[4]})
	from := c.callOp(args[4], "-", []plan.Expr{leftBin, span}, []ast.Node{args[2], args[4]})
	on := c.callOp(o.Call, "and", []plan.Expr{
		c.callOp(o.Call, "<=", []plan.Expr{rightBin, leftBin}, []ast.Node{o.Call, o.Call}),
		c.callOp(o.Call, ">=", []plan.Expr{rightBin, from}, []ast.Node{o.Call, o.Call}),
	}, []ast.Node{o.Call, o.Call})
	var keys []int
	for i := 0; i < nd; i++ {
		keys = append(keys, i)
	}
	jCols := append(append([]plan.Column(nil), aCols[:nd+1]...), aCols...)
	j := &plan.Join{Kind: plan.Inner, Left: b, Right: a, LeftKeys: keys, RightKeys: keys, On: on, Columns: jCols}
	// The percentile of each bin's window, by bin and dimensions.
	pf, _ := funcs.Lookup("percentile")
	gKeys := []plan.Expr{leftBin}
	outCols := []plan.Column{{Name: idxName, Type: binned.Type()}}
	for i := 0; i < nd; i++ {
		gKeys = append(gKeys, &plan.ColRef{Index: i, T: aCols[i].Type})
		outCols = append(outCols, aCols[i])
	}
	name := fmt.Sprintf("rolling_%d_percentile_%s_%s", k, valName, strings.ReplaceAll(litText(pct), ".", "_"))
	outCols = append(outCols, plan.Column{Name: name, Type: val.Type()})
	return &plan.Aggregate{In: j, Keys: gKeys,
		Aggs:    []*plan.Agg{{F: pf, Args: []plan.Expr{&plan.ColRef{Index: nd + 1 + nd + 1, T: val.Type()}}, Extra: []plan.Expr{pct}}},
		Columns: outCols}
}

// maxWindowBins bounds sliding_window_counts' LookbackWindow/Bin: each
// row is counted in that many bins.
const maxWindowBins = 10000

// slidingWindowCounts binds evaluate sliding_window_counts(Id, Timeline,
// Start, End, LookbackWindow, Bin [, Dim...]) as the reference's sliding
// window technique: each row counts in its bin (aligned on Start) and the
// bins up to LookbackWindow after it; for each bin between Start and End
// holding rows, Count is the rows and dcount the distinct ids of its
// window, by bin and dimensions.
func (c *checker) slidingWindowCounts(o *ast.EvaluateOp, in plan.Node) plan.Node {
	args := o.Call.Args
	if len(args) < 6 {
		c.errorf(o.Call, "sliding_window_counts expects an id, a timeline column, start, end, a lookback window and a bin")
		return nil
	}
	tl, ok := c.timelineArgs("sliding_window_counts", o, in, 6)
	if !ok {
		return nil
	}
	cols, id, ts, tsName, start, end, dims := in.Cols(), tl.id, tl.ts, tl.tsName, tl.start, tl.end, tl.dims
	look, ok1 := c.constArg(args[4], "the lookback window")
	bin, ok2 := c.constArg(args[5], "the bin")
	if !ok1 || !ok2 {
		return nil
	}
	var n int64
	switch lv := look.V.(type) {
	case time.Duration:
		bv, ok := bin.V.(time.Duration)
		if !ok || bv <= 0 {
			c.unsupported(args[5], "sliding_window_counts with a bin that is not a positive timespan")
			return nil
		}
		n = int64((lv + bv - 1) / bv)
	case int64:
		bv, ok := bin.V.(int64)
		if !ok || bv <= 0 {
			c.unsupported(args[5], "sliding_window_counts with this bin")
			return nil
		}
		n = (lv + bv - 1) / bv
	default:
		c.errorf(args[4], "the lookback window must be a timespan or a number")
		return nil
	}
	if n < 1 || n > maxWindowBins {
		c.errorf(args[4], "the lookback window must span 1 to %d bins", maxWindowBins)
		return nil
	}
	binAt, _ := funcs.Lookup("bin_at")
	binned := c.apply(args[1], binAt, []plan.Expr{ts, bin, start}, []ast.Node{args[1], args[5], args[2]})
	// A: the row's bin, id and dimensions.
	aExprs := []plan.Expr{binned, id}
	aCols := []plan.Column{{Name: tsName, Type: binned.Type()}, {Name: "\x00id", Type: id.Type()}}
	for _, i := range dims {
		aExprs = append(aExprs, &plan.ColRef{Index: i, T: cols[i].Type})
		aCols = append(aCols, cols[i])
	}
	a := &plan.Project{In: in, Exprs: aExprs, Columns: aCols}
	// Each row in its bin and the n-1 bins after.
	var rows [][]plan.Expr
	for k := int64(0); k < n; k++ {
		rows = append(rows, []plan.Expr{&plan.Lit{V: k, T: types.Long}})
	}
	offsets := &plan.Values{Columns: []plan.Column{{Name: "\x00k", Type: types.Long}}, Rows: rows}
	j := &plan.Join{Kind: plan.Inner, Left: a, Right: offsets, Columns: append(append([]plan.Column(nil), aCols...), offsets.Columns...)}
	kRef := &plan.ColRef{Index: len(aCols), T: types.Long}
	shifted := c.callOp(args[5], "+", []plan.Expr{&plan.ColRef{Index: 0, T: binned.Type()},
		c.callOp(args[5], "*", []plan.Expr{bin, kRef}, []ast.Node{args[5], args[5]})}, []ast.Node{args[1], args[5]})
	pExprs := []plan.Expr{shifted}
	for i := 1; i < len(aCols); i++ {
		pExprs = append(pExprs, &plan.ColRef{Index: i, T: aCols[i].Type})
	}
	p := &plan.Project{In: j, Exprs: pExprs, Columns: aCols}
	b0 := &plan.ColRef{Index: 0, T: binned.Type()}
	inRange := c.callOp(o.Call, "and", []plan.Expr{
		c.callOp(o.Call, ">=", []plan.Expr{b0, start}, []ast.Node{o.Call, args[2]}),
		c.callOp(o.Call, "<=", []plan.Expr{b0, end}, []ast.Node{o.Call, args[3]}),
	}, []ast.Node{o.Call, o.Call})
	f := &plan.Filter{In: p, Pred: inRange}
	cf, _ := funcs.Lookup("count")
	df, _ := funcs.Lookup("dcount")
	keys := []plan.Expr{b0}
	outCols := []plan.Column{aCols[0]}
	for i := range dims {
		keys = append(keys, &plan.ColRef{Index: 2 + i, T: aCols[2+i].Type})
		outCols = append(outCols, aCols[2+i])
	}
	outCols = append(outCols, plan.Column{Name: "Count", Type: types.Long}, plan.Column{Name: "dcount", Type: types.Long})
	return &plan.Aggregate{In: f, Keys: keys, Aggs: []*plan.Agg{{F: cf}, {F: df, Args: []plan.Expr{&plan.ColRef{Index: 1, T: id.Type()}}}}, Columns: outCols}
}

// activityCountsMetrics binds evaluate activity_counts_metrics(Id,
// Timeline, Start, End, Window [, Dim...]): for each window (bins of
// Window aligned on Start, from Start to End) holding rows, and each
// combination of the dimensions: count (rows), dcount (distinct ids),
// new_dcount (ids not seen in an earlier window) and aggregated_dcount
// (ids seen from Start up to this window).
func (c *checker) activityCountsMetrics(o *ast.EvaluateOp, in plan.Node) plan.Node {
	args := o.Call.Args
	if len(args) < 5 {
		c.errorf(o.Call, "activity_counts_metrics expects an id, a timeline column, start, end and a window")
		return nil
	}
	tl, ok := c.timelineArgs("activity_counts_metrics", o, in, 5)
	if !ok {
		return nil
	}
	cols, id, ts, tsName, start, end, dims := in.Cols(), tl.id, tl.ts, tl.tsName, tl.start, tl.end, tl.dims
	window, ok := c.constArg(args[4], "the window")
	if !ok {
		return nil
	}
	if _, isSpan := window.V.(time.Duration); !isSpan {
		c.unsupported(args[4], "activity_counts_metrics with a window that is not a timespan")
		return nil
	}
	nd := len(dims)
	binAt, _ := funcs.Lookup("bin_at")
	binned := c.apply(args[1], binAt, []plan.Expr{ts, window, start}, []ast.Node{args[1], args[4], args[2]})
	bt := binned.Type()
	ref := func(i int, t types.Type) *plan.ColRef { return &plan.ColRef{Index: i, T: t} }
	node := func(n ast.Node) []ast.Node { return []ast.Node{n, n} }
	// P: bin, id, dims of the rows from Start to End.
	pExprs := []plan.Expr{binned, id}
	pCols := []plan.Column{{Name: tsName, Type: bt}, {Name: "\x00id", Type: id.Type()}}
	for _, i := range dims {
		pExprs = append(pExprs, ref(i, cols[i].Type))
		pCols = append(pCols, cols[i])
	}
	var p plan.Node = &plan.Project{In: in, Exprs: pExprs, Columns: pCols}
	p = &plan.Filter{In: p, Pred: c.callOp(o.Call, "and", []plan.Expr{
		c.callOp(o.Call, ">=", []plan.Expr{ref(0, bt), start}, node(o.Call)),
		c.callOp(o.Call, "<=", []plan.Expr{ref(0, bt), end}, node(o.Call)),
	}, node(o.Call))}
	// FS: each id's first window (by dimensions): id, dims, first.
	minF, _ := funcs.Lookup("min")
	fsKeys := []plan.Expr{ref(1, id.Type())}
	fsCols := []plan.Column{pCols[1]}
	for i := 0; i < nd; i++ {
		fsKeys = append(fsKeys, ref(2+i, pCols[2+i].Type))
		fsCols = append(fsCols, pCols[2+i])
	}
	fsCols = append(fsCols, plan.Column{Name: "\x00first", Type: bt})
	fs := &plan.Aggregate{In: p, Keys: fsKeys, Aggs: []*plan.Agg{{F: minF, Args: []plan.Expr{ref(0, bt)}}}, Columns: fsCols}
	// J1: the rows with their id's first window.
	var lk, rk []int
	for i := 0; i <= nd; i++ {
		lk, rk = append(lk, 1+i), append(rk, i)
	}
	j1 := &plan.Join{Kind: plan.Inner, Left: p, Right: fs, LeftKeys: lk, RightKeys: rk, Columns: append(append([]plan.Column(nil), pCols...), fsCols...)}
	first := ref(len(pCols)+1+nd, bt)
	// M: per window and dims: count, dcount, new_dcount.
	cf, _ := funcs.Lookup("count")
	df, _ := funcs.Lookup("dcount")
	dif, _ := funcs.Lookup("dcountif")
	mKeys := []plan.Expr{ref(0, bt)}
	mCols := []plan.Column{pCols[0]}
	for i := 0; i < nd; i++ {
		mKeys = append(mKeys, ref(2+i, pCols[2+i].Type))
		mCols = append(mCols, pCols[2+i])
	}
	isNew := c.callOp(o.Call, "==", []plan.Expr{ref(0, bt), first}, node(o.Call))
	mCols = append(mCols, plan.Column{Name: "count", Type: types.Long}, plan.Column{Name: "dcount", Type: types.Long}, plan.Column{Name: "new_dcount", Type: types.Long})
	m := &plan.Aggregate{In: j1, Keys: mKeys, Aggs: []*plan.Agg{
		{F: cf}, {F: df, Args: []plan.Expr{ref(1, id.Type())}}, {F: dif, Args: []plan.Expr{ref(1, id.Type()), isNew}},
	}, Columns: mCols}
	// aggregated_dcount: the ids whose first window is at most this one.
	var lk2, rk2 []int
	for i := 0; i < nd; i++ {
		lk2, rk2 = append(lk2, 1+i), append(rk2, 1+i)
	}
	on := c.callOp(o.Call, "<=", []plan.Expr{ref(len(mCols)+1+nd, bt), ref(0, bt)}, node(o.Call))
	j2 := &plan.Join{Kind: plan.Inner, Left: m, Right: fs, LeftKeys: lk2, RightKeys: rk2, On: on, Columns: append(append([]plan.Column(nil), mCols...), fsCols...)}
	var keys []plan.Expr
	for i, col := range mCols {
		keys = append(keys, ref(i, col.Type))
	}
	out := append(append([]plan.Column(nil), mCols...), plan.Column{Name: "aggregated_dcount", Type: types.Long})
	return &plan.Aggregate{In: j2, Keys: keys, Aggs: []*plan.Agg{{F: df, Args: []plan.Expr{ref(len(mCols), id.Type())}}}, Columns: out}
}

// timeline holds the arguments the time-window plugins share: Id,
// Timeline (a column, by name), Start and End, and the dimension columns
// that follow the plugin's own arguments.
type timeline struct {
	id, ts, start, end plan.Expr
	tsName             string
	dims               []int // input column indexes
}

// timelineArgs binds args[0:4] of plugin's call and the dimension
// columns from args[dimsFrom:].
func (c *checker) timelineArgs(plugin string, o *ast.EvaluateOp, in plan.Node, dimsFrom int) (timeline, bool) {
	args := o.Call.Args
	cols := in.Cols()
	r := &row{cols: cols}
	tl := timeline{id: c.expr(args[0], r), ts: c.expr(args[1], r), tsName: exprName(args[1])}
	if tl.tsName == "" {
		c.errorf(args[1], "%s expects the timeline column's name", plugin)
		return tl, false
	}
	tl.start, tl.end = c.expr(args[2], nil), c.expr(args[3], nil)
	for _, d := range args[dimsFrom:] {
		idt, ok := d.(*ast.Ident)
		i := -1
		if ok {
			i = colIndex(cols, idt.Name)
		}
		if i < 0 {
			c.errorf(d, "%s: expected a column of the input", plugin)
			return tl, false
		}
		tl.dims = append(tl.dims, i)
	}
	return tl, true
}
