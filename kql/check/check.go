// Package check is quarry's binder, in the manner of go/types: it resolves
// the names of a parsed KQL query (tables, columns, let-bound values, user
// functions, catalog functions), infers the type of every expression,
// applies Kusto's result-naming rules, reports semantic errors with their
// positions, and lowers the query into a dialect-free relational plan
// (package plan). What it learns about the tree is recorded in side tables
// keyed by node (Info), never in the tree itself.
package check

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/token"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
	"github.com/quarry-kql/quarry/schema"
)

// Catalog is the set of tables a query may read.
type Catalog interface {
	Table(name string) (*schema.Table, bool)
	Tables() []*schema.Table
}

// Options control binding.
type Options struct {
	// Now is the value of now(); ago(x) is Now-x. Zero means time.Now().
	Now time.Time
	// AllowExternal vets externaldata URLs; nil refuses externaldata.
	AllowExternal func(url string) error
	// GeoIP tells that a GeoIP database is configured, so
	// geo_info_from_ip_address() can run; without one the call is an
	// error naming QUARRY_GEOIP_DB rather than a column of empty bags.
	GeoIP bool
}

// Render is a trailing render operator.
type Render struct {
	Kind  string
	Props map[string]string
}

// External is an externaldata source: the engine materialises URLs into
// Table before running the SQL.
type External struct {
	Table   string
	URLs    []string
	Format  string
	Columns []schema.Column
	// IgnoreFirstRecord skips the first record of every URL
	// (`with (ignoreFirstRecord=true)`, typically a CSV header).
	IgnoreFirstRecord bool
}

// Info is what the binder learned about a query.
type Info struct {
	// Types is the type of every scalar expression bound.
	Types map[ast.Expr]types.Type
	// Names is the column name given to each output expression of
	// extend, project, summarize and print.
	Names map[ast.Expr]string
	// Funcs is the catalog function each call resolved to.
	Funcs map[*ast.CallExpr]*funcs.Func
	// Schemas is the output of each tabular operator and pipeline.
	Schemas map[ast.Node][]plan.Column
	// Tables lists the stored tables read, sorted, without duplicates.
	Tables []string
	// Result is the plan of the query's (last) tabular result.
	Result plan.Node
	// Render is the trailing render operator, or nil.
	Render *Render
	// Externals are the externaldata sources used.
	Externals []External
}

// Check binds script against cat. It returns the Info even when there are
// errors (for editors); the plan is only usable when the list is empty.
func Check(file *token.File, script *ast.Script, cat Catalog, opt Options) (*Info, diag.List) {
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	c := &checker{
		file: file, cat: cat, opt: opt,
		info: &Info{
			Types:   map[ast.Expr]types.Type{},
			Names:   map[ast.Expr]string{},
			Funcs:   map[*ast.CallExpr]*funcs.Func{},
			Schemas: map[ast.Node][]plan.Column{},
		},
		tables:   map[string]bool{},
		asNames:  map[plan.Node]string{},
		openBags: map[ast.Node]bool{},
		scope:    &scope{names: map[string]*object{}},
	}
	c.script(script)
	for t := range c.tables {
		c.info.Tables = append(c.info.Tables, t)
	}
	sort.Strings(c.info.Tables)
	c.errs.Sort()
	return c.info, c.errs
}

type checker struct {
	file    *token.File
	cat     Catalog
	opt     Options
	info    *Info
	errs    diag.List
	tables  map[string]bool
	scope   *scope
	depth   int // user-function inlining depth
	nextExt int
	aggs    *aggCtx
	asNames map[plan.Node]string
	// openBags are the bag_unpack operators whose columns come from the
	// data.
	openBags map[ast.Node]bool
	// props are the values of the script's set statements (request
	// properties), by name; bin_auto reads query_bin_auto_size and
	// query_bin_auto_at.
	props map[string]ast.Expr
	// tupleOK is the call of a function returning several values that
	// extend or project is binding as a whole (see tuple.go); such calls
	// are refused anywhere else.
	tupleOK *ast.CallExpr
}

// objKind is the kind of a name bound by let, a function parameter or a
// declare statement.
type objKind uint8

const (
	objScalar objKind = iota
	objTabular
	objFunc
)

type object struct {
	kind objKind
	expr plan.Expr
	node plan.Node
	fn   *ast.FuncLit
	env  *scope // the scope a function was defined in
	name string
}

type scope struct {
	parent *scope
	names  map[string]*object
}

func (s *scope) lookup(name string) *object {
	for ; s != nil; s = s.parent {
		if o, ok := s.names[name]; ok {
			return o
		}
	}
	return nil
}

func (s *scope) all() []string {
	var out []string
	for ; s != nil; s = s.parent {
		for n := range s.names {
			out = append(out, n)
		}
	}
	return out
}

func (c *checker) errorf(n ast.Node, format string, args ...any) {
	var p token.Pos
	if n != nil {
		p = n.Pos()
	}
	c.errs.Add(c.file, p, format, args...)
}

// unsupported reports a feature quarry does not implement yet.
func (c *checker) unsupported(n ast.Node, what string) {
	c.errorf(n, "not supported yet: %s", what)
}

func (c *checker) script(s *ast.Script) {
	if s == nil {
		return
	}
	var last plan.Node
	var lastStmt ast.Stmt
	for _, st := range s.Stmts {
		switch st := st.(type) {
		case *ast.LetStmt:
			c.let(st)
		case *ast.SetStmt:
			// Request properties do not change results here, except
			// those bin_auto reads.
			if st.Value != nil {
				if c.props == nil {
					c.props = map[string]ast.Expr{}
				}
				c.props[st.Name.Name] = st.Value
			}
		case *ast.DeclareStmt:
			if st.Kind != "query_parameters" {
				c.unsupported(st, "declare "+st.Kind)
				continue
			}
			for _, p := range st.Params {
				if p.Default == nil {
					c.errorf(p, "query parameter '%s' has no value: give it a default", p.Name.Name)
					continue
				}
				e := c.expr(p.Default, nil)
				c.scope.names[p.Name.Name] = &object{kind: objScalar, expr: e, name: p.Name.Name}
			}
		case *ast.ExprStmt:
			if c.isTabular(st.X) {
				n := c.tabular(st.X)
				if n != nil {
					last, lastStmt = n, st
				}
			} else {
				c.errorf(st.X, "expected a tabular expression (a query), found a scalar expression")
			}
		}
	}
	if lastStmt == nil && len(c.errs) == 0 {
		c.errs.Add(c.file, s.End(), "the query has no tabular result: expected a query after the let statements")
	}
	c.info.Result = last
	if last != nil {
		for _, col := range last.Cols() {
			if IsHidden(col.Name) {
				for o := range c.openBags {
					c.unsupported(o, "evaluate bag_unpack on data whose properties reach the result (its columns depend on the values; declare them: `evaluate bag_unpack(x) : (*, Name:string, ...)`, or project the properties used)")
				}
				break
			}
		}
	}
}

func (c *checker) let(st *ast.LetStmt) {
	name := st.Name.Name
	switch v := st.Value.(type) {
	case *ast.FuncLit:
		c.scope.names[name] = &object{kind: objFunc, fn: v, env: c.scope, name: name}
		return
	}
	if c.isTabular(st.Value) {
		n := c.tabular(st.Value)
		c.scope.names[name] = &object{kind: objTabular, node: n, name: name}
		return
	}
	e := c.expr(st.Value, nil)
	c.scope.names[name] = &object{kind: objScalar, expr: e, name: name}
}

// isTabular decides syntactically (with the scope) whether e is a
// tabular expression.
func (c *checker) isTabular(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Pipeline, *ast.UnionOp, *ast.SearchOp, *ast.FindOp, *ast.ExternalDataOp,
		*ast.DatatableOp, *ast.PrintOp, *ast.RangeOp, *ast.EvaluateOp:
		return true
	case *ast.ParenExpr:
		return c.isTabular(e.X)
	case *ast.Ident:
		if o := c.scope.lookup(e.Name); o != nil {
			if o.kind == objFunc && len(o.fn.Params) == 0 {
				return c.isTabular(o.fn.Body.Result)
			}
			return o.kind == objTabular
		}
		_, ok := c.cat.Table(e.Name)
		return ok
	case *ast.Wildcard:
		return true
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		if !ok {
			return true // cluster(...).database(...).T
		}
		switch id.Name {
		case "materialize", "table", "view":
			return true
		}
		if o := c.scope.lookup(id.Name); o != nil && o.kind == objFunc {
			return c.funcIsTabular(o)
		}
	}
	return false
}

func (c *checker) funcIsTabular(o *object) bool {
	saved := c.scope
	c.scope = &scope{parent: o.env, names: map[string]*object{}}
	defer func() { c.scope = saved }()
	for _, p := range o.fn.Params {
		if _, ok := p.Type.(*ast.TableType); ok {
			c.scope.names[p.Name.Name] = &object{kind: objTabular}
		} else {
			c.scope.names[p.Name.Name] = &object{kind: objScalar}
		}
	}
	for _, l := range o.fn.Body.Lets {
		if _, ok := l.Value.(*ast.FuncLit); ok {
			c.scope.names[l.Name.Name] = &object{kind: objFunc, fn: l.Value.(*ast.FuncLit), env: c.scope}
		} else if c.isTabular(l.Value) {
			c.scope.names[l.Name.Name] = &object{kind: objTabular}
		} else {
			c.scope.names[l.Name.Name] = &object{kind: objScalar}
		}
	}
	return c.isTabular(o.fn.Body.Result)
}

// ---------------------------------------------------------------------------
// Names

// closest returns the candidate nearest to name (case-insensitive equal,
// or edit distance at most 2, or 1/3 of the length), or "".
func closest(name string, cands []string) string {
	best, bestD := "", 1<<30
	lname := strings.ToLower(name)
	for _, c := range cands {
		if c == name {
			continue
		}
		if strings.ToLower(c) == lname {
			return c
		}
		d := editDistance(lname, strings.ToLower(c))
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	limit := 2
	switch {
	case len(name) < 5:
		limit = 1
	case len(name) >= 9:
		limit = len(name) / 3
	}
	if bestD <= limit {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func didYouMean(name string, cands []string) string {
	if s := closest(name, cands); s != "" {
		return fmt.Sprintf("; did you mean '%s'?", s)
	}
	return ""
}

// uniqueName returns name, or name followed by the smallest number that
// makes it unused in taken.
func uniqueName(name string, taken func(string) bool) string {
	if !taken(name) {
		return name
	}
	for i := 1; ; i++ {
		n := fmt.Sprintf("%s%d", name, i)
		if !taken(n) {
			return n
		}
	}
}

func colIndex(cols []plan.Column, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func colNames(cols []plan.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// exprName infers the column name of an unnamed expression by Kusto's
// rules: a column keeps its name, a dynamic path a.b[0] becomes a_b_0,
// functions with the NameArg0 rule take their first argument's name, and
// aggregates prefix it (count_, dcount_x). "" means no name could be
// inferred.
func exprName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.ParenExpr:
		return exprName(e.X)
	case *ast.SelectorExpr:
		if x := exprName(e.X); x != "" {
			return x + "_" + e.Sel.Name
		}
	case *ast.IndexExpr:
		x := exprName(e.X)
		if x == "" {
			return ""
		}
		if l, ok := e.Index.(*ast.BasicLit); ok && (l.Kind == ast.StringLit || l.Kind == ast.IntLit) {
			return x + "_" + l.Value
		}
		if u, ok := e.Index.(*ast.UnaryExpr); ok && u.Op == "-" {
			if l, ok := u.X.(*ast.BasicLit); ok && l.Kind == ast.IntLit {
				return x + "__" + l.Value
			}
		}
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		if !ok {
			return ""
		}
		f, ok := funcs.Lookup(id.Name)
		if !ok {
			return ""
		}
		switch f.Naming {
		case funcs.NameArg0:
			if len(e.Args) > 0 {
				return exprName(e.Args[0])
			}
		case funcs.NamePrefix:
			arg := ""
			if len(e.Args) > 0 {
				if _, star := e.Args[0].(*ast.Star); !star {
					arg = exprName(e.Args[0])
				}
			}
			if strings.HasPrefix(f.Name, "covariance") && len(e.Args) > 1 {
				return f.Prefix + "_" + arg + "_" + exprName(e.Args[1])
			}
			return f.Prefix + "_" + arg
		}
	}
	return ""
}
