// Package format prints a KQL syntax tree back as KQL text in one
// canonical style, so that parsing the output gives the same tree again
// (ignoring positions): one tabular operator per line starting with `| `,
// two-space indentation for continuations, spaces around binary operators,
// `Name = expr`, lower-case keywords, strings re-quoted so that their value
// is preserved exactly, names bracketed as ['…'] when they are not plain
// words or are keywords, and parentheses added only where the tree's
// nesting needs them. ScriptWithComments also puts back the // comments of
// the text the tree was parsed from.
package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/quarry-kql/quarry/kql/ast"
)

// Node writes the canonical text of n to w. n may be a *ast.Script, a
// statement, an expression, an operator or any other node. It returns an
// error for a node type the printer does not know (the text written then
// holds a placeholder for it) or when w fails.
func Node(w io.Writer, n ast.Node) error {
	p := &printer{}
	p.node(n)
	if _, err := io.WriteString(w, p.b.String()); err != nil {
		return err
	}
	return p.err
}

// Script returns the canonical text of a whole script, ending with a
// newline (nothing for an empty script).
func Script(s *ast.Script) string {
	p := &printer{}
	p.script(s)
	return p.b.String()
}

// String returns the canonical text of any node; a node type the printer
// does not know is shown as a placeholder such as <unknown *ast.Foo>.
func String(n ast.Node) string {
	p := &printer{}
	p.node(n)
	return p.b.String()
}

// printer accumulates the output text.
type printer struct {
	b      strings.Builder
	indent int // current indentation level, two spaces each
	err    error

	// Comments to put back (ScriptWithComments), the next one to print,
	// and the state of the current line.
	comments    []Comment
	next        int
	midLine     bool // something other than indentation is on the line
	needNewline bool // a comment ends the line: the next text goes on a new one

	inDynamic int // inside dynamic(...), where [...] is always an array
}

func (p *printer) write(s string) {
	if s == "" {
		return
	}
	if p.needNewline {
		// A comment ended the line: go on with the text on the next one.
		p.newline()
		s = strings.TrimLeft(s, " ")
	}
	p.b.WriteString(s)
	p.midLine = true
}

// newline starts a new line at the current indentation.
func (p *printer) newline() {
	p.b.WriteByte('\n')
	for i := 0; i < p.indent; i++ {
		p.b.WriteString("  ")
	}
	p.midLine = false
	p.needNewline = false
}

func (p *printer) unknown(n any) {
	msg := fmt.Sprintf("<unknown %T>", n)
	if p.err == nil {
		p.err = fmt.Errorf("format: cannot print node of type %T", n)
	}
	p.write(msg)
}

// node dispatches on the kind of node.
func (p *printer) node(n ast.Node) {
	switch n := n.(type) {
	case nil:
		return
	case *ast.Script:
		p.script(n)
	case ast.Stmt:
		p.stmt(n)
	case ast.Expr:
		p.expr(n)
	case ast.Operator:
		p.op(n)
	case *ast.BagField:
		p.bagField(n)
	case *ast.Param:
		p.param(n)
	case ast.TypeExpr:
		p.typeExpr(n)
	case *ast.ColumnDecl:
		p.columnDecl(n)
	case *ast.Block:
		p.block(n)
	case *ast.MvItem:
		p.mvItem(n)
	case *ast.SeriesAgg:
		p.seriesAgg(n)
	case *ast.TopNestedClause:
		p.topNestedClause(n)
	case *ast.ScanStep:
		p.scanStep(n)
	default:
		p.unknown(n)
	}
}

// ---------------------------------------------------------------------------
// Statements

func (p *printer) script(s *ast.Script) {
	if s == nil {
		return
	}
	for i, st := range s.Stmts {
		p.stmt(st)
		// Statements are separated by `;`; a script that ends with a let,
		// set or declare keeps its closing `;`.
		if _, isExpr := st.(*ast.ExprStmt); i < len(s.Stmts)-1 || !isExpr {
			p.write(";")
		}
		if i+1 < len(s.Stmts) {
			p.flushTrailing(s.Stmts[i+1].Pos())
		} else {
			p.flushTrailing(endOfText)
		}
		p.newline()
	}
}

func (p *printer) stmt(s ast.Stmt) {
	p.flushBefore(s)
	switch s := s.(type) {
	case *ast.LetStmt:
		p.let(s)
	case *ast.SetStmt:
		p.write("set ")
		// The parser takes set's name as one word token ($, query_now).
		if s.Name != nil && scansAsWord(s.Name.Name) {
			p.write(s.Name.Name)
		} else {
			p.name(s.Name)
		}
		if s.Value != nil {
			p.write(" = ")
			if id, ok := s.Value.(*ast.Ident); ok {
				p.name(id)
			} else {
				p.expr(s.Value)
			}
		}
	case *ast.DeclareStmt:
		p.write("declare ")
		p.write(s.Kind)
		if s.Name != nil {
			p.write(" ")
			p.ident(s.Name)
		}
		if s.Name == nil || len(s.Params) > 0 {
			p.write("(")
			p.params(s.Params)
			p.write(")")
		}
	case *ast.ExprStmt:
		p.expr(s.X)
	default:
		p.unknown(s)
	}
}

func (p *printer) let(s *ast.LetStmt) {
	p.write("let ")
	p.ident(s.Name)
	p.write(" = ")
	if isMultiline(s.Value) {
		p.indent++
		p.expr(s.Value)
		p.indent--
		return
	}
	p.expr(s.Value)
}

// isMultiline reports whether x prints over several lines at its top level:
// a pipeline with operators, possibly named.
func isMultiline(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.Pipeline:
		return x != nil && len(x.Ops) > 0
	case *ast.NamedExpr:
		return x != nil && isMultiline(x.X)
	}
	return false
}

// list prints xs between open and close, separated by commas: on one line,
// or one element a line when an element is a multi-line query.
func (p *printer) list(open string, xs []ast.Expr, close string) {
	p.write(open)
	multi := false
	for _, x := range xs {
		if isMultiline(x) {
			multi = true
		}
	}
	if !multi {
		p.exprs(xs)
		p.write(close)
		return
	}
	p.indent++
	for i, x := range xs {
		if i > 0 {
			p.write(",")
		}
		p.newline()
		p.expr(x)
	}
	p.indent--
	p.newline()
	p.write(close)
}

// ---------------------------------------------------------------------------
// Expressions

// Precedence levels of scalar operators, lowest first, as Kusto (and
// quarry's parser) has them: string operators bind tighter than
// arithmetic, and the equality, relational and string levels do not chain
// (a == b == c is an error), so an operand at such a level needs
// parentheses on either side.
const (
	precLowest   = iota
	precOr       // or
	precAnd      // and
	precEquality // == != <> in !in in~ !in~ has_any has_all between !between
	precRelation // < <= > >=
	precAdd      // + -
	precMul      // * / %
	precString   // =~ !~ has contains startswith endswith matches regex like ...
	precUnary    // -x +x
	precPostfix  // x.y x[i] f(x)
	precPrimary  // names, literals, parenthesised expressions
)

// binaryPrec returns the precedence of a binary operator.
func binaryPrec(op string) int {
	switch op {
	case "or":
		return precOr
	case "and":
		return precAnd
	case "==", "!=", "<>":
		return precEquality
	case "<", "<=", ">", ">=":
		return precRelation
	case "+", "-":
		return precAdd
	case "*", "/", "%":
		return precMul
	}
	return precString
}

// chains reports whether operators of a level associate to the left
// (a + b + c); at the other levels an operator takes one operand of its
// own level on neither side.
func chains(prec int) bool {
	return prec == precOr || prec == precAnd || prec == precAdd || prec == precMul
}

// exprPrec returns how tightly x binds when printed as it is.
func exprPrec(x ast.Expr) int {
	switch x := x.(type) {
	case *ast.BinaryExpr:
		return binaryPrec(x.Op)
	case *ast.InExpr, *ast.BetweenExpr:
		return precEquality
	case *ast.UnaryExpr:
		return precUnary
	case *ast.CallExpr, *ast.SelectorExpr, *ast.IndexExpr:
		return precPostfix
	case *ast.Pipeline:
		if x.Source == nil || len(x.Ops) > 0 {
			return precLowest
		}
		return exprPrec(x.Source)
	case *ast.NamedExpr, *ast.SortExpr:
		return precLowest
	case *ast.DatatableOp, *ast.ExternalDataOp:
		// Operands like any literal: datatable(...)[...] | ..., or
		// externaldata(...)[...].Column.
		return precPrimary
	case *ast.UnionOp, *ast.SearchOp, *ast.FindOp, *ast.PrintOp, *ast.RangeOp, *ast.EvaluateOp:
		return precLowest
	case *ast.FuncLit:
		return precLowest
	}
	return precPrimary
}

// operand prints x, in parentheses when it binds less tightly than min.
func (p *printer) operand(x ast.Expr, min int) {
	if exprPrec(x) < min {
		p.write("(")
		p.expr(x)
		p.write(")")
		return
	}
	p.expr(x)
}

// left prints the left operand of a binary, in or between expression. A
// source operator there (externaldata (...) [...] : ..., union T and x)
// came from the start of a query, where the parser reads the operator and
// then continues the expression, so it is printed as it is.
func (p *printer) left(x ast.Expr, min int) {
	if _, ok := x.(ast.Operator); ok {
		p.expr(x)
		return
	}
	p.operand(x, min)
}

func (p *printer) exprs(xs []ast.Expr) {
	for i, x := range xs {
		if i > 0 {
			p.write(", ")
		}
		p.expr(x)
	}
}

func (p *printer) expr(x ast.Expr) {
	p.flushBefore(x)
	switch x := x.(type) {
	case nil:
		return
	case *ast.Ident:
		p.ident(x)
	case *ast.Wildcard:
		p.write(x.Pattern)
	case *ast.BasicLit:
		p.basicLit(x)
	case *ast.TypedLit:
		p.write(x.Type)
		p.write("(")
		p.write(x.Text)
		p.write(")")
	case *ast.DynamicLit:
		p.write("dynamic(")
		p.inDynamic++
		p.expr(x.X)
		p.inDynamic--
		p.write(")")
	case *ast.ArrayLit:
		p.write("[")
		p.exprs(x.Elems)
		if p.inDynamic == 0 && len(x.Elems) == 1 && isStringLit(x.Elems[0]) {
			// ['x'] would be the bracketed name x; an adjacent empty
			// string keeps it a one-element array of the same value.
			p.write(` ""`)
		}
		p.write("]")
	case *ast.BagLit:
		p.write("{")
		for i, f := range x.Fields {
			if i > 0 {
				p.write(", ")
			}
			p.bagField(f)
		}
		p.write("}")
	case *ast.UnaryExpr:
		p.write(x.Op)
		// Kusto takes one sign: -(-x), and - -x is an error.
		p.operand(x.X, precUnary+1)
	case *ast.BinaryExpr:
		prec := binaryPrec(x.Op)
		if !chains(prec) {
			p.left(x.X, prec+1)
			p.flushPos(x.OpPos)
			p.write(" ")
			p.write(x.Op)
			p.write(" ")
			p.operand(x.Y, prec+1)
			return
		}
		// a + b + c + ... nests to the left; walk the chain in a loop so
		// that long chains do not cost deep recursion.
		chain := []*ast.BinaryExpr{x}
		for {
			l, ok := chain[len(chain)-1].X.(*ast.BinaryExpr)
			if !ok || l == nil || binaryPrec(l.Op) != prec {
				break
			}
			chain = append(chain, l)
		}
		p.left(chain[len(chain)-1].X, prec)
		for i := len(chain) - 1; i >= 0; i-- {
			p.flushPos(chain[i].OpPos)
			p.write(" ")
			p.write(chain[i].Op)
			p.write(" ")
			p.operand(chain[i].Y, prec+1)
		}
	case *ast.InExpr:
		p.left(x.X, precEquality+1)
		p.write(" ")
		p.write(x.Op)
		p.list(" (", x.List, ")")
	case *ast.BetweenExpr:
		p.left(x.X, precEquality+1)
		if x.Not {
			p.write(" !between (")
		} else {
			p.write(" between (")
		}
		p.expr(x.Lo)
		p.write(" .. ")
		p.expr(x.Hi)
		p.write(")")
	case *ast.CallExpr:
		p.callee(x.Fun)
		p.list("(", x.Args, ")")
	case *ast.SelectorExpr:
		p.operand(x.X, precPostfix)
		if l, ok := x.X.(*ast.BasicLit); ok && l != nil && (l.Kind == ast.IntLit || l.Kind == ast.RealLit) {
			p.write(" ") // 0.x would scan as a number
		}
		if x.Sel != nil {
			p.write(".")
			p.ident(x.Sel)
		}
	case *ast.IndexExpr:
		p.operand(x.X, precPostfix)
		p.write("[")
		p.expr(x.Index)
		p.write("]")
	case *ast.ParenExpr:
		p.paren(x.X)
	case *ast.Star:
		p.write("*")
	case *ast.NamedExpr:
		p.named(x, " = ")
	case *ast.TypeOf:
		p.write("typeof(")
		p.write(x.Type)
		p.write(")")
	case *ast.FuncLit:
		p.write("(")
		p.params(x.Params)
		p.write(") ")
		p.block(x.Body)
	case *ast.Pipeline:
		p.pipeline(x)
	case *ast.SortExpr:
		p.sortExpr(x)
	case *ast.ColumnRef:
		p.columnDecl(x.Decl)
	case ast.Operator:
		// A source operator (union, print, range, datatable, ...).
		p.op(x)
	default:
		p.unknown(x)
	}
}

// isStringLit reports whether x is a string literal.
func isStringLit(x ast.Expr) bool {
	l, ok := x.(*ast.BasicLit)
	return ok && l != nil && l.Kind == ast.StringLit
}

// paren prints (x); a multi-line tabular expression gets its own lines.
func (p *printer) paren(x ast.Expr) {
	if isMultiline(x) {
		p.write("(")
		p.indent++
		p.newline()
		p.expr(x)
		p.indent--
		p.newline()
		p.write(")")
		return
	}
	p.write("(")
	p.expr(x)
	p.write(")")
}

// sub prints the parenthesised sub-query of mv-apply, partition, facet and
// fork: always in parentheses, on lines of its own when it has operators.
func (p *printer) sub(x ast.Expr) {
	if pe, ok := x.(*ast.ParenExpr); ok && pe != nil {
		x = pe.X
	}
	p.paren(x)
}

// specialCallee are the words that, followed by `(`, are not a call: typed
// literals (long(5), datetime(...)), dynamic(...), typeof(...), and the
// operators that can start a query (print(1) is print with the value 1).
var specialCallee = map[string]bool{
	"bool": true, "int": true, "long": true, "int64": true, "real": true, "double": true,
	"decimal": true, "datetime": true, "date": true, "timespan": true, "time": true, "guid": true,
	"dynamic": true, "typeof": true,
	"print": true, "datatable": true, "externaldata": true, "external_data": true,
	"union": true, "search": true, "find": true, "evaluate": true,
}

// callee prints the function part of a call: a plain name as written, a
// dotted name, or a parenthesised expression.
func (p *printer) callee(f ast.Expr) {
	switch f := f.(type) {
	case *ast.Ident:
		if isPlain(f.Name) && !specialCallee[f.Name] {
			p.write(f.Name)
		} else {
			p.bracketed(f.Name)
		}
	default:
		p.operand(f, precPostfix)
	}
}

// named prints `Name = X` or `(A, B) = X`, with sep between names and value.
func (p *printer) named(n *ast.NamedExpr, sep string) {
	if len(n.Names) == 1 {
		p.ident(n.Names[0])
	} else {
		p.write("(")
		for i, id := range n.Names {
			if i > 0 {
				p.write(", ")
			}
			p.ident(id)
		}
		p.write(")")
	}
	p.write(sep)
	p.expr(n.X)
}

func (p *printer) bagField(f *ast.BagField) {
	p.write(quote(f.Key, false))
	p.write(": ")
	p.expr(f.Value)
}

func (p *printer) basicLit(l *ast.BasicLit) {
	if l.Kind == ast.StringLit {
		if l.Obfuscated {
			p.write("h")
		}
		p.write(quote(l.Value, true))
		return
	}
	p.write(l.Value)
}

func (p *printer) sortExpr(s *ast.SortExpr) {
	p.expr(s.X)
	if s.Order != "" {
		p.write(" ")
		p.write(strings.ToLower(s.Order))
	}
	if s.Nulls != "" {
		p.write(" nulls ")
		p.write(strings.ToLower(s.Nulls))
	}
}

func (p *printer) sortExprs(ks []*ast.SortExpr) {
	for i, k := range ks {
		if i > 0 {
			p.write(", ")
		}
		p.sortExpr(k)
	}
}

// block prints { lets; result }: on one line when it is a plain scalar
// expression, else over several lines.
func (p *printer) block(b *ast.Block) {
	if b == nil {
		p.write("{}")
		return
	}
	if len(b.Lets) == 0 && b.Result != nil && exprPrec(b.Result) > precLowest {
		p.write("{ ")
		p.expr(b.Result)
		p.write(" }")
		return
	}
	p.write("{")
	p.indent++
	for _, l := range b.Lets {
		p.newline()
		p.let(l)
		p.write(";")
	}
	if b.Result != nil {
		p.newline()
		p.expr(b.Result)
	}
	p.indent--
	p.newline()
	p.write("}")
}

func (p *printer) params(ps []*ast.Param) {
	for i, pr := range ps {
		if i > 0 {
			p.write(", ")
		}
		p.param(pr)
	}
}

func (p *printer) param(pr *ast.Param) {
	p.ident(pr.Name)
	if pr.Type != nil {
		p.write(":")
		p.typeExpr(pr.Type)
	}
	if pr.Default != nil {
		p.write(" = ")
		p.expr(pr.Default)
	}
}

func (p *printer) typeExpr(t ast.TypeExpr) {
	switch t := t.(type) {
	case *ast.ScalarType:
		if t != nil {
			p.write(t.Name)
		}
	case *ast.TableType:
		p.tableType(t)
	case nil:
	default:
		p.unknown(t)
	}
}

func (p *printer) tableType(t *ast.TableType) {
	p.write("(")
	if t != nil {
		if t.Star {
			p.write("*")
			if len(t.Columns) > 0 {
				p.write(", ")
			}
		}
		for i, c := range t.Columns {
			if i > 0 {
				p.write(", ")
			}
			p.columnDecl(c)
		}
	}
	p.write(")")
}

func (p *printer) columnDecl(c *ast.ColumnDecl) {
	if c == nil {
		return
	}
	p.ident(c.Name)
	if c.Type != nil {
		p.write(":")
		p.write(c.Type.Name)
	}
}

// ---------------------------------------------------------------------------
// Tabular expressions and operators

// pipeline prints Source, then each operator on its own line. A pipeline
// without a source (a sub-query) starts with its first operator.
func (p *printer) pipeline(pl *ast.Pipeline) {
	if pl == nil {
		return
	}
	first := true
	if pl.Source != nil {
		// The source is any expression without pipes; only a nested
		// pipeline (built by hand) needs parentheses.
		if _, ok := pl.Source.(*ast.Pipeline); ok {
			p.paren(pl.Source)
		} else {
			p.expr(pl.Source)
		}
		first = false
	}
	for _, op := range pl.Ops {
		if !first {
			p.flushBefore(op)
			p.newline()
			p.write("| ")
		}
		first = false
		// What an operator prints on further lines is indented under it.
		p.indent++
		p.op(op)
		p.indent--
	}
}

// opParams prints operator parameters `name=value` followed by a space.
func (p *printer) opParams(ps []*ast.NamedExpr) {
	for _, n := range ps {
		p.opParam(n)
		p.write(" ")
	}
}

// opParam prints one operator parameter `name=value`. The name is written
// as it is (the parser takes only words, possibly dotted, there); a name
// value is written as it is when it scans as one word (kind=inner,
// kind=00A), since a bracketed value could take the next bracket as an
// index.
func (p *printer) opParam(n *ast.NamedExpr) {
	for i, id := range n.Names {
		if i > 0 {
			p.write(", ")
		}
		if id != nil {
			p.flushBefore(id)
			p.write(id.Name)
		}
	}
	p.write("=")
	if id, ok := n.X.(*ast.Ident); ok && id != nil {
		p.flushBefore(id)
		if scansAsWord(id.Name) {
			p.write(id.Name)
		} else {
			p.bracketed(id.Name)
		}
		return
	}
	p.expr(n.X)
}

// props prints `with (a=b, c=d)`. A value that is a list (ycolumns=a, b)
// is held as an *ast.ArrayLit and written as the list it came from.
func (p *printer) props(ps []*ast.NamedExpr) {
	p.write("with (")
	for i, n := range ps {
		if i > 0 {
			p.write(", ")
		}
		for j, id := range n.Names {
			if j > 0 {
				p.write(", ")
			}
			p.name(id)
		}
		p.write("=")
		if arr, ok := n.X.(*ast.ArrayLit); ok && arr != nil && len(arr.Elems) > 1 {
			p.exprs(arr.Elems)
			continue
		}
		p.expr(n.X)
	}
	p.write(")")
}

// tabular prints a tabular operand such as join's right side or a union
// input: a name, call, parenthesised query or source operator as it is,
// anything else (a bare pipeline or operator expression built by hand) in
// parentheses.
func (p *printer) tabular(x ast.Expr) {
	if _, ok := x.(ast.Operator); ok || exprPrec(x) >= precPostfix {
		p.expr(x)
		return
	}
	p.paren(x)
}

func (p *printer) op(o ast.Operator) {
	p.flushBefore(o)
	switch o := o.(type) {
	case *ast.WhereOp:
		p.write("where ")
		p.expr(o.Pred)
	case *ast.ExtendOp:
		p.write("extend ")
		p.exprs(o.Exprs)
	case *ast.ProjectOp:
		p.write(o.Kind)
		if len(o.Exprs) > 0 {
			p.write(" ")
			p.exprs(o.Exprs)
		}
	case *ast.SummarizeOp:
		p.write("summarize")
		for _, n := range o.Params {
			p.write(" ")
			p.opParam(n)
		}
		if len(o.Aggs) > 0 {
			p.write(" ")
			p.exprs(o.Aggs)
		}
		if len(o.By) > 0 {
			p.write(" by ")
			p.exprs(o.By)
		}
	case *ast.DistinctOp:
		p.write("distinct ")
		p.opParams(o.Params)
		p.exprs(o.Exprs)
	case *ast.CountOp:
		p.write("count")
	case *ast.TakeOp:
		p.write("take ")
		p.opParams(o.Params)
		p.expr(o.Count)
	case *ast.SortOp:
		p.write("sort ")
		p.opParams(o.Params)
		p.write("by ")
		p.sortExprs(o.Keys)
	case *ast.TopOp:
		p.write("top ")
		p.opParams(o.Params)
		p.expr(o.Count)
		p.write(" by ")
		p.sortExprs(o.Keys)
	case *ast.TopNestedOp:
		for i, c := range o.Clauses {
			if i > 0 {
				p.write(", ")
			}
			p.topNestedClause(c)
		}
	case *ast.JoinOp:
		p.write("join ")
		p.opParams(o.Params)
		p.tabular(o.Right)
		if len(o.On) > 0 {
			p.write(" on ")
			p.exprs(o.On)
		}
	case *ast.LookupOp:
		p.write("lookup ")
		p.opParams(o.Params)
		p.tabular(o.Right)
		if len(o.On) > 0 {
			p.write(" on ")
			p.exprs(o.On)
		}
	case *ast.UnionOp:
		p.write("union")
		for _, n := range o.Params {
			p.write(" ")
			p.opParam(n)
		}
		for i, t := range o.Tables {
			if i > 0 {
				p.write(",")
			}
			p.write(" ")
			p.tabular(t)
		}
	case *ast.MvExpandOp:
		p.write("mv-expand ")
		p.opParams(o.Params)
		p.mvItems(o.Items)
		if o.Limit != nil {
			p.write(" limit ")
			p.expr(o.Limit)
		}
	case *ast.MvApplyOp:
		p.write("mv-apply ")
		p.opParams(o.Params)
		p.mvItems(o.Items)
		if o.Limit != nil {
			p.write(" limit ")
			p.expr(o.Limit)
		}
		p.write(" on ")
		p.sub(o.Sub)
	case *ast.ParseOp:
		p.write(o.Kind)
		p.write(" ")
		p.opParams(o.Params)
		p.expr(o.X)
		p.write(" with")
		for _, x := range o.Pattern {
			p.write(" ")
			p.expr(x)
		}
	case *ast.ParseKvOp:
		p.write("parse-kv ")
		p.expr(o.X)
		p.write(" as ")
		p.tableType(o.Columns)
		if len(o.With) > 0 {
			p.write(" ")
			p.props(o.With)
		}
	case *ast.MakeSeriesOp:
		p.write("make-series ")
		p.opParams(o.Params)
		for i, a := range o.Aggs {
			if i > 0 {
				p.write(", ")
			}
			p.seriesAgg(a)
		}
		p.write(" on ")
		// The axis stops before `in range(...)`, so an in/== expression
		// there needs parentheses.
		p.operand(o.On, precRelation)
		if o.Range != nil {
			p.write(" in ")
			p.expr(o.Range)
		} else {
			if o.From != nil {
				p.write(" from ")
				p.expr(o.From)
			}
			if o.To != nil {
				p.write(" to ")
				p.expr(o.To)
			}
			if o.Step != nil {
				p.write(" step ")
				p.expr(o.Step)
			}
		}
		if len(o.By) > 0 {
			p.write(" by ")
			p.exprs(o.By)
		}
	case *ast.RenderOp:
		p.write("render ")
		p.name(o.Chart)
		if len(o.Props) > 0 {
			p.write(" ")
			p.props(o.Props)
		}
	case *ast.EvaluateOp:
		p.write("evaluate ")
		p.opParams(o.Params)
		p.expr(o.Call)
		if o.Schema != nil {
			p.write(" : ")
			p.tableType(o.Schema)
		}
	case *ast.InvokeOp:
		p.write("invoke ")
		p.expr(o.Call)
	case *ast.AsOp:
		p.write("as ")
		p.opParams(o.Params)
		p.ident(o.Name)
	case *ast.SerializeOp:
		p.write("serialize")
		if len(o.Exprs) > 0 {
			p.write(" ")
			p.exprs(o.Exprs)
		}
	case *ast.ScanOp:
		p.scan(o)
	case *ast.PartitionOp:
		p.write("partition ")
		p.opParams(o.Params)
		p.write("by ")
		p.expr(o.By)
		p.write(" ")
		if pl, ok := o.Sub.(*ast.Pipeline); ok && pl != nil && pl.Source != nil {
			p.write("{")
			p.indent++
			p.newline()
			p.pipeline(pl)
			p.indent--
			p.newline()
			p.write("}")
		} else {
			p.sub(o.Sub)
		}
	case *ast.SampleOp:
		p.write("sample ")
		p.expr(o.Count)
	case *ast.SampleDistinctOp:
		p.write("sample-distinct ")
		p.expr(o.Count)
		p.write(" of ")
		p.expr(o.Of)
	case *ast.FacetOp:
		p.write("facet by ")
		p.exprs(o.By)
		if o.With != nil {
			p.write(" with ")
			p.sub(o.With)
		}
	case *ast.ForkOp:
		p.write("fork")
		for _, b := range o.Branches {
			p.write(" ")
			if n, ok := b.(*ast.NamedExpr); ok && n != nil {
				for _, id := range n.Names {
					p.ident(id)
				}
				p.write("=")
				p.sub(n.X)
				continue
			}
			p.sub(b)
		}
	case *ast.GetSchemaOp:
		p.write("getschema")
	case *ast.ConsumeOp:
		p.write("consume")
		for _, n := range o.Params {
			p.write(" ")
			p.opParam(n)
		}
	case *ast.TopHittersOp:
		p.write("top-hitters ")
		p.expr(o.Count)
		p.write(" of ")
		p.expr(o.Of)
		if o.By != nil {
			p.write(" by ")
			p.expr(o.By)
		}
	case *ast.ReduceOp:
		p.write("reduce ")
		p.opParams(o.Params)
		p.write("by ")
		p.expr(o.By)
		for i, n := range o.With {
			if i == 0 {
				p.write(" with ")
			} else {
				p.write(", ")
			}
			p.opParam(n)
		}
	case *ast.SearchOp:
		p.write("search ")
		p.opParams(o.Params)
		if len(o.Tables) > 0 {
			p.write("in (")
			p.exprs(o.Tables)
			p.write(") ")
		}
		p.expr(o.Pred)
	case *ast.FindOp:
		p.write("find ")
		p.opParams(o.Params)
		if len(o.Tables) > 0 {
			p.write("in (")
			p.exprs(o.Tables)
			p.write(") ")
		}
		p.write("where ")
		p.expr(o.Pred)
		if o.ProjectSmart {
			p.write(" project-smart")
		} else if len(o.Project) > 0 {
			p.write(" project ")
			p.exprs(o.Project)
		}
	case *ast.ExternalDataOp:
		p.write("externaldata ")
		p.tableType(o.Columns)
		p.write(" [")
		p.exprs(o.URLs)
		p.write("]")
		if len(o.With) > 0 {
			p.write(" ")
			p.props(o.With)
		}
	case *ast.DatatableOp:
		p.write("datatable ")
		p.tableType(o.Columns)
		p.write(" [")
		ncol := 0
		if o.Columns != nil {
			ncol = len(o.Columns.Columns)
		}
		if ncol > 0 && len(o.Values) > ncol {
			// One row per line.
			p.indent++
			for i, v := range o.Values {
				if i%ncol == 0 {
					p.newline()
				} else {
					p.write(" ")
				}
				p.expr(v)
				if i < len(o.Values)-1 {
					p.write(",")
				}
			}
			p.indent--
			p.newline()
		} else {
			p.exprs(o.Values)
		}
		p.write("]")
	case *ast.PrintOp:
		p.write("print")
		if len(o.Exprs) > 0 {
			p.write(" ")
			p.exprs(o.Exprs)
		}
	case *ast.RangeOp:
		p.write("range ")
		p.ident(o.Name)
		p.write(" from ")
		p.expr(o.From)
		p.write(" to ")
		p.expr(o.To)
		p.write(" step ")
		p.expr(o.Step)
	default:
		p.unknown(o)
	}
}

func (p *printer) mvItems(items []*ast.MvItem) {
	for i, it := range items {
		if i > 0 {
			p.write(", ")
		}
		p.mvItem(it)
	}
}

func (p *printer) mvItem(it *ast.MvItem) {
	p.expr(it.X)
	if it.To != nil {
		p.write(" to ")
		p.expr(it.To)
	}
}

func (p *printer) seriesAgg(a *ast.SeriesAgg) {
	p.expr(a.X)
	if a.Default != nil {
		p.write(" default = ")
		p.expr(a.Default)
	}
}

func (p *printer) topNestedClause(c *ast.TopNestedClause) {
	p.write("top-nested ")
	if c.Count != nil {
		p.expr(c.Count)
		p.write(" ")
	}
	p.write("of ")
	p.expr(c.Of)
	if c.Others != nil {
		p.write(" with others = ")
		p.expr(c.Others)
	}
	p.write(" by ")
	p.expr(c.By)
	if c.Order != "" {
		p.write(" ")
		p.write(strings.ToLower(c.Order))
	}
}

func (p *printer) scan(o *ast.ScanOp) {
	p.write("scan ")
	p.opParams(o.Params)
	if len(o.OrderBy) > 0 {
		p.write("order by ")
		p.sortExprs(o.OrderBy)
		p.write(" ")
	}
	if len(o.Partition) > 0 {
		p.write("partition by ")
		p.exprs(o.Partition)
		p.write(" ")
	}
	if len(o.Declare) > 0 {
		p.write("declare (")
		p.params(o.Declare)
		p.write(") ")
	}
	p.write("with (")
	p.indent++
	for _, s := range o.Steps {
		p.newline()
		p.scanStep(s)
	}
	p.indent--
	p.newline()
	p.write(")")
}

func (p *printer) scanStep(s *ast.ScanStep) {
	p.write("step ")
	p.ident(s.Name)
	if s.Output != "" {
		p.write(" output=")
		p.write(s.Output)
	}
	p.write(": ")
	p.expr(s.Cond)
	if len(s.Assigns) > 0 {
		p.write(" => ")
		for i, a := range s.Assigns {
			if i > 0 {
				p.write(", ")
			}
			p.named(a, " = ")
		}
	}
	p.write(";")
}
