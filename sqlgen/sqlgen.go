// Package sqlgen prints a relational plan (package plan) as one SQL SELECT
// statement with common table expressions, one per plan node. The walk over
// the plan is shared; everything that depends on the SQL dialect (quoting,
// literals, conversions, function templates, expansion of arrays) goes
// through the Dialect interface, so DuckDB today and ClickHouse later differ
// only in their Dialect. Every identifier and literal in the output is
// quoted by the dialect: no text from a query reaches the SQL unquoted.
package sqlgen

import (
	"fmt"
	"strings"

	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
)

// Dialect is what differs between SQL engines.
type Dialect interface {
	// Name keys the function catalog's templates ("duckdb").
	Name() string
	// QuoteIdent quotes an identifier.
	QuoteIdent(name string) string
	// Literal prints a constant.
	Literal(l *plan.Lit) string
	// TypeName is the SQL type storing a KQL type.
	TypeName(t types.Type) string
	// Convert converts the SQL expression x of KQL type from to type to,
	// with Kusto's conversion rules.
	Convert(x string, from, to types.Type) string
	// Generator prints a call whose template is "@name".
	Generator(g *Gen, name string, call *plan.Call, args []string, pred bool) (string, error)
	// Path prints a dynamic property/index access.
	Path(g *Gen, x string, steps []any, in []string) (string, error)
	// TupleField prints value i (from 0) of x, the result of a function
	// returning several values (funcs.Func.Parts), as a dynamic value.
	TupleField(x string, i int) string
	// AggGenerator prints an aggregate whose template is "@name".
	AggGenerator(g *Gen, name string, a *plan.Agg, args []string) (string, error)
	// MvExpand prints the SELECT of an mv-expand over the CTE from with
	// the given input column names.
	MvExpand(g *Gen, n *plan.MvExpand, from string, in []string, out []string) (string, error)
	// MakeSeries prints the SELECT of a make-series over the CTE from.
	MakeSeries(g *Gen, n *plan.MakeSeries, from string, in []string, out []string) (string, error)
	// Range prints the SELECT of a range source.
	Range(g *Gen, n *plan.Range, out string) (string, error)
}

// Gen holds the state of printing one plan.
type Gen struct {
	D     Dialect
	ctes  []string
	memo  map[plan.Node]*rel
	count int
	// In is the input of the expression being printed, for generators
	// that print their arguments again in a different context.
	In []string
	// ASCII holds the SQL of string expressions known to be pure ASCII
	// in the branch being printed (UTF-16 positions are then byte
	// positions).
	ASCII map[string]bool
}

// rel is a printed node: the CTE holding it and its SQL column names.
type rel struct {
	name string
	cols []string // quoted SQL column names
}

// Generate prints root as one SELECT statement.
func Generate(d Dialect, root plan.Node) (string, error) {
	g := &Gen{D: d, memo: map[plan.Node]*rel{}, ASCII: map[string]bool{}}
	r, err := g.node(root)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if len(g.ctes) > 0 {
		b.WriteString("WITH ")
		b.WriteString(strings.Join(g.ctes, ",\n"))
		b.WriteString("\n")
	}
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(r.cols, ", "))
	b.WriteString(" FROM ")
	b.WriteString(r.name)
	return b.String(), nil
}

// sqlNames gives the columns SQL names: the KQL names, made unique
// case-insensitively (SQL engines compare identifiers without case).
func (g *Gen) sqlNames(cols []plan.Column) []string {
	seen := map[string]bool{}
	out := make([]string, len(cols))
	for i, c := range cols {
		// NUL cannot appear in SQL text; the KQL name is kept in the
		// program's columns, the SQL name only has to be unique.
		base := strings.ReplaceAll(c.Name, "\x00", "_")
		n := base
		for k := 2; seen[strings.ToLower(n)]; k++ {
			n = fmt.Sprintf("%s_%d", base, k)
		}
		seen[strings.ToLower(n)] = true
		out[i] = g.D.QuoteIdent(n)
	}
	return out
}

func (g *Gen) add(body string, cols []string, materialized bool) *rel {
	g.count++
	// CTE names cannot clash with table names users would choose.
	name := fmt.Sprintf("__q%d", g.count)
	as := " AS ("
	if materialized {
		as = " AS MATERIALIZED ("
	}
	g.ctes = append(g.ctes, name+as+body+")")
	return &rel{name: name, cols: cols}
}

func selectList(exprs, names []string) string {
	parts := make([]string, len(exprs))
	for i := range exprs {
		if exprs[i] == names[i] {
			parts[i] = exprs[i]
		} else {
			parts[i] = exprs[i] + " AS " + names[i]
		}
	}
	return strings.Join(parts, ", ")
}

// Sub prints n as a CTE and returns its name and first column, for scalar
// subqueries and IN lists.
func (g *Gen) Sub(n plan.Node) (string, string, error) {
	r, err := g.node(n)
	if err != nil {
		return "", "", err
	}
	if len(r.cols) == 0 {
		return "", "", fmt.Errorf("sqlgen: subquery has no columns")
	}
	return r.name, r.cols[0], nil
}

func (g *Gen) node(n plan.Node) (*rel, error) {
	if r, ok := g.memo[n]; ok {
		return r, nil
	}
	r, err := g.node1(n)
	if err != nil {
		return nil, err
	}
	g.memo[n] = r
	return r, nil
}

func (g *Gen) node1(n plan.Node) (*rel, error) {
	out := g.sqlNames(n.Cols())
	switch n := n.(type) {
	case *plan.Scan:
		src := make([]string, len(n.Columns))
		for i, c := range n.Columns {
			src[i] = g.D.QuoteIdent(c.Name)
		}
		return g.add("SELECT "+selectList(src, out)+" FROM "+g.D.QuoteIdent(n.Table), out, false), nil
	case *plan.Values:
		if len(n.Rows) == 0 {
			exprs := make([]string, len(n.Columns))
			for i, c := range n.Columns {
				exprs[i] = "CAST(NULL AS " + g.D.TypeName(c.Type) + ")"
			}
			return g.add("SELECT "+selectList(exprs, out)+" WHERE FALSE", out, false), nil
		}
		// VALUES keeps the rows in order (UNION ALL may not).
		var rowsSQL []string
		for _, row := range n.Rows {
			exprs := make([]string, len(row))
			for i, e := range row {
				s, err := g.Expr(e, nil, false)
				if err != nil {
					return nil, err
				}
				if e.Type() != n.Columns[i].Type || e.Type() == types.Null {
					s = "CAST(" + s + " AS " + g.D.TypeName(n.Columns[i].Type) + ")"
				}
				exprs[i] = s
			}
			rowsSQL = append(rowsSQL, "("+strings.Join(exprs, ", ")+")")
		}
		tmp := make([]string, len(out))
		casts := make([]string, len(out))
		for i := range out {
			tmp[i] = g.D.QuoteIdent(fmt.Sprintf("v%d", i))
			casts[i] = "CAST(" + tmp[i] + " AS " + g.D.TypeName(n.Columns[i].Type) + ")"
		}
		return g.add("SELECT "+selectList(casts, out)+" FROM (VALUES "+strings.Join(rowsSQL, ", ")+") AS v("+strings.Join(tmp, ", ")+")", out, false), nil
	case *plan.Range:
		s, err := g.D.Range(g, n, out[0])
		if err != nil {
			return nil, err
		}
		return g.add(s, out, false), nil
	case *plan.Filter:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		p, err := g.Expr(n.Pred, in.cols, true)
		if err != nil {
			return nil, err
		}
		return g.add("SELECT * FROM "+in.name+" WHERE "+p, in.cols, false), nil
	case *plan.Project:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		exprs := make([]string, len(n.Exprs))
		for i, e := range n.Exprs {
			if exprs[i], err = g.Expr(e, in.cols, false); err != nil {
				return nil, err
			}
		}
		// An extend that keeps every input column in place: SELECT *, new.
		keep := len(exprs) > len(in.cols)
		for i := 0; keep && i < len(in.cols); i++ {
			keep = exprs[i] == in.cols[i] && out[i] == in.cols[i]
		}
		if keep {
			n := len(in.cols)
			return g.add("SELECT *, "+selectList(exprs[n:], out[n:])+" FROM "+in.name, out, false), nil
		}
		return g.add("SELECT "+selectList(exprs, out)+" FROM "+in.name, out, false), nil
	case *plan.Aggregate:
		return g.aggregate(n, out)
	case *plan.TopPer:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		keys, err := g.sortKeys(n.Keys, in.cols)
		if err != nil {
			return nil, err
		}
		l, err := g.Expr(n.N, nil, false)
		if err != nil {
			return nil, err
		}
		over := ""
		if len(keys) > 0 {
			over = "ORDER BY " + strings.Join(keys, ", ")
		}
		if len(n.Partition) > 0 {
			var ps []string
			for _, i := range n.Partition {
				ps = append(ps, in.cols[i])
			}
			over = "PARTITION BY " + strings.Join(ps, ", ") + " " + over
		}
		return g.add("SELECT * FROM "+in.name+" QUALIFY row_number() OVER ("+over+") <= "+l, in.cols, false), nil
	case *plan.Sort:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		keys, err := g.sortKeys(n.Keys, in.cols)
		if err != nil {
			return nil, err
		}
		return g.add("SELECT * FROM "+in.name+" ORDER BY "+strings.Join(keys, ", "), in.cols, false), nil
	case *plan.Limit:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		l, err := g.Expr(n.N, nil, false)
		if err != nil {
			return nil, err
		}
		return g.add("SELECT * FROM "+in.name+" LIMIT "+l, in.cols, false), nil
	case *plan.Distinct:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		return g.add("SELECT DISTINCT * FROM "+in.name, in.cols, false), nil
	case *plan.Materialize:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		return g.add("SELECT * FROM "+in.name, in.cols, true), nil
	case *plan.Join:
		return g.join(n, out)
	case *plan.Union:
		var parts []string
		for i, input := range n.Inputs {
			in, err := g.node(input)
			if err != nil {
				return nil, err
			}
			var exprs []string
			for j, col := range n.Columns {
				if n.Source && j == 0 {
					exprs = append(exprs, g.D.Literal(&plan.Lit{V: n.Names[i], T: types.String}))
					continue
				}
				k := n.Maps[i][j]
				if k < 0 {
					// Strings are never null: a missing string column is "".
					exprs = append(exprs, g.D.Literal(&plan.Lit{T: col.Type}))
				} else {
					exprs = append(exprs, in.cols[k])
				}
			}
			parts = append(parts, "SELECT "+selectList(exprs, out)+" FROM "+in.name)
		}
		return g.add(strings.Join(parts, " UNION ALL "), out, false), nil
	case *plan.MakeSeries:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		s, err := g.D.MakeSeries(g, n, in.name, in.cols, out)
		if err != nil {
			return nil, err
		}
		return g.add(s, out, false), nil
	case *plan.MvExpand:
		in, err := g.node(n.In)
		if err != nil {
			return nil, err
		}
		s, err := g.D.MvExpand(g, n, in.name, in.cols, out)
		if err != nil {
			return nil, err
		}
		return g.add(s, out, false), nil
	}
	return nil, fmt.Errorf("sqlgen: unsupported plan node %T", n)
}

func (g *Gen) aggregate(n *plan.Aggregate, out []string) (*rel, error) {
	in, err := g.node(n.In)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range n.Keys {
		s, err := g.Expr(k, in.cols, false)
		if err != nil {
			return nil, err
		}
		keys = append(keys, s)
	}
	exprs := append([]string(nil), keys...)
	names := append([]string(nil), out[:len(keys)]...)
	outer := append([]string(nil), out[:len(keys)]...)
	// Aggregates returning several columns (arg_max/arg_min) are computed
	// as a struct first and unpacked by a second select.
	hasStruct := false
	oi := len(keys)
	for ai, a := range n.Aggs {
		args := make([]string, len(a.Args))
		for i, x := range a.Args {
			if args[i], err = g.Expr(x, in.cols, false); err != nil {
				return nil, err
			}
		}
		tmpl := a.F.SQL[g.D.Name()]
		if a.F.Name == "arg_max" || a.F.Name == "arg_min" {
			var fields []string
			fields = append(fields, fmt.Sprintf("f0 := %s", args[0]))
			for i, x := range a.Extra {
				s, err := g.Expr(x, in.cols, false)
				if err != nil {
					return nil, err
				}
				fields = append(fields, fmt.Sprintf("f%d := %s", i+1, s))
			}
			sname := g.D.QuoteIdent(fmt.Sprintf("__agg%d", ai))
			// A group whose values are all null still gives a row: its
			// first.
			sp := "struct_pack(" + strings.Join(fields, ", ") + ")"
			exprs = append(exprs, fmt.Sprintf("coalesce(%s(%s, %s), first(%s))", a.F.Name, sp, args[0], sp))
			names = append(names, sname)
			for i := 0; i <= len(a.Extra); i++ {
				outer = append(outer, fmt.Sprintf("%s.f%d AS %s", sname, i, out[oi]))
				oi++
			}
			hasStruct = true
			continue
		}
		var s string
		if strings.HasPrefix(tmpl, "@") {
			s, err = g.D.AggGenerator(g, tmpl[1:], a, args)
			if err != nil {
				return nil, err
			}
		} else if tmpl == "" {
			return nil, fmt.Errorf("not supported yet: %s for %s", a.F.Name, g.D.Name())
		} else {
			s = fill(tmpl, args)
		}
		exprs = append(exprs, s)
		names = append(names, out[oi])
		outer = append(outer, out[oi])
		oi++
	}
	sql := "SELECT " + selectList(exprs, names) + " FROM " + in.name
	if len(keys) > 0 {
		sql += " GROUP BY ALL"
	}
	if !hasStruct {
		return g.add(sql, out, false), nil
	}
	inner := g.add(sql, names, false)
	return g.add("SELECT "+strings.Join(outer, ", ")+" FROM "+inner.name, out, false), nil
}

func (g *Gen) join(n *plan.Join, out []string) (*rel, error) {
	l, err := g.node(n.Left)
	if err != nil {
		return nil, err
	}
	r, err := g.node(n.Right)
	if err != nil {
		return nil, err
	}
	left := l.name
	if n.Kind == plan.InnerUnique {
		// Kusto keeps one (arbitrary) left row per key value.
		var keys []string
		for _, k := range n.LeftKeys {
			keys = append(keys, l.cols[k])
		}
		// Kusto keeps an arbitrary row per key (in practice the first):
		// DISTINCT ON keeps the first row it meets, with a hash
		// aggregate rather than a sort.
		dd := g.add("SELECT DISTINCT ON ("+strings.Join(keys, ", ")+") * FROM "+l.name, l.cols, false)
		left = dd.name
	}
	var on []string
	for i := range n.LeftKeys {
		on = append(on, "l."+l.cols[n.LeftKeys[i]]+" = r."+r.cols[n.RightKeys[i]])
	}
	if n.On != nil {
		names := make([]string, 0, len(l.cols)+len(r.cols))
		for _, c := range l.cols {
			names = append(names, "l."+c)
		}
		for _, c := range r.cols {
			names = append(names, "r."+c)
		}
		x, err := g.Expr(n.On, names, true)
		if err != nil {
			return nil, err
		}
		on = append(on, "("+x+")")
	}
	if len(on) == 0 {
		on = []string{"TRUE"}
	}
	cond := strings.Join(on, " AND ")
	var exprs []string
	switch n.Kind {
	case plan.LeftSemi, plan.LeftAnti:
		for _, c := range l.cols {
			exprs = append(exprs, "l."+c)
		}
		kw := "SEMI"
		if n.Kind == plan.LeftAnti {
			kw = "ANTI"
		}
		return g.add("SELECT "+selectList(exprs, out)+" FROM "+left+" AS l "+kw+" JOIN "+r.name+" AS r ON "+cond, out, false), nil
	case plan.RightSemi, plan.RightAnti:
		for _, c := range r.cols {
			exprs = append(exprs, "r."+c)
		}
		kw := "SEMI"
		if n.Kind == plan.RightAnti {
			kw = "ANTI"
		}
		return g.add("SELECT "+selectList(exprs, out)+" FROM "+r.name+" AS r "+kw+" JOIN "+left+" AS l ON "+cond, out, false), nil
	}
	// Outer joins fill the unmatched side with nulls, except strings,
	// which are never null in KQL: they become "".
	side := func(alias string, cols []string, types_ []plan.Column, nullable bool) {
		for i, c := range cols {
			e := alias + "." + c
			if nullable && types_[i].Type == types.String {
				e = "coalesce(" + e + ", '')"
			}
			exprs = append(exprs, e)
		}
	}
	side("l", l.cols, n.Left.Cols(), n.Kind == plan.RightOuter || n.Kind == plan.FullOuter)
	side("r", r.cols, n.Right.Cols(), n.Kind == plan.LeftOuter || n.Kind == plan.FullOuter)
	kw := "JOIN"
	switch n.Kind {
	case plan.LeftOuter:
		kw = "LEFT JOIN"
	case plan.RightOuter:
		kw = "RIGHT JOIN"
	case plan.FullOuter:
		kw = "FULL JOIN"
	}
	return g.add("SELECT "+selectList(exprs, out)+" FROM "+left+" AS l "+kw+" "+r.name+" AS r ON "+cond, out, false), nil
}

// fill substitutes {0}, {1}, ... and {*} in a template.
func fill(tmpl string, args []string) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '{' {
			j := strings.IndexByte(tmpl[i:], '}')
			if j > 0 {
				key := tmpl[i+1 : i+j]
				if key == "*" {
					b.WriteString(strings.Join(args, ", "))
					i += j
					continue
				}
				var k int
				if _, err := fmt.Sscanf(key, "%d", &k); err == nil && k < len(args) {
					b.WriteString(args[k])
					i += j
					continue
				}
			}
		}
		b.WriteByte(tmpl[i])
	}
	return b.String()
}

// Fill is fill for dialects.
func Fill(tmpl string, args []string) string { return fill(tmpl, args) }

// Expr prints a scalar expression over the input columns in. pred is set
// when the value is used as a filter, where null and false are the same
// (and operators may then be printed in simpler, index-friendly forms).
func (g *Gen) Expr(e plan.Expr, in []string, pred bool) (string, error) {
	switch e := e.(type) {
	case *plan.ColRef:
		if e.Index >= len(in) {
			return "", fmt.Errorf("sqlgen: column %d out of range", e.Index)
		}
		return in[e.Index], nil
	case *plan.Lit:
		return g.D.Literal(e), nil
	case *plan.Convert:
		x, err := g.Expr(e.X, in, false)
		if err != nil {
			return "", err
		}
		if e.X.Type() == e.T {
			return x, nil
		}
		return g.D.Convert(x, e.X.Type(), e.T), nil
	case *plan.Path:
		x, err := g.Expr(e.X, in, false)
		if err != nil {
			return "", err
		}
		return g.D.Path(g, x, e.Steps, in)
	case *plan.Field:
		x, err := g.Expr(e.X, in, false)
		if err != nil {
			return "", err
		}
		return g.D.TupleField(x, e.Index), nil
	case *plan.Scalar:
		name, col, err := g.Sub(e.N)
		if err != nil {
			return "", err
		}
		s := "(SELECT " + col + " FROM " + name + " LIMIT 1)"
		if e.T == types.String {
			s = "coalesce(" + s + ", '')"
		}
		return s, nil
	case *plan.Call:
		sub := pred && (e.F.Name == "and" || e.F.Name == "or")
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			if s, ok := a.(*plan.Scalar); ok && e.F.Kind == funcs.Operator && i > 0 && isSetOp(e.F.Name) {
				name, col, err := g.Sub(s.N)
				if err != nil {
					return "", err
				}
				args[i] = "SELECT " + col + " FROM " + name
				continue
			}
			var err error
			if args[i], err = g.Expr(a, in, sub); err != nil {
				return "", err
			}
		}
		tmpl := e.F.SQL[g.D.Name()]
		if tmpl == "" {
			return "", fmt.Errorf("not supported yet: %s for %s", e.F.Name, g.D.Name())
		}
		if strings.HasPrefix(tmpl, "@") {
			g.In = in
			return g.D.Generator(g, tmpl[1:], e, args, pred)
		}
		return fill(tmpl, args), nil
	}
	return "", fmt.Errorf("sqlgen: unsupported expression %T", e)
}

func isSetOp(name string) bool {
	switch name {
	case "in", "!in", "in~", "!in~", "has_any", "has_all":
		return true
	}
	return false
}

// sortKeys prints ORDER BY keys with Kusto's null placement.
func (g *Gen) sortKeys(ks []plan.SortKey, cols []string) ([]string, error) {
	var keys []string
	for _, k := range ks {
		s, err := g.Expr(k.X, cols, false)
		if err != nil {
			return nil, err
		}
		if k.Desc {
			s += " DESC"
		} else {
			s += " ASC"
		}
		if k.NullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
		keys = append(keys, s)
	}
	return keys, nil
}
