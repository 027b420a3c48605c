// Package ast declares the syntax tree of KQL, in the manner of go/ast.
//
// A Script is a list of statements; a query statement holds an expression.
// Tabular and scalar expressions share the Expr interface: a Pipeline is an
// Expr whose Source is a table reference, a call, a parenthesised query or a
// source operator (print, range, datatable, union, ...), followed by stages
// `| operator`. The tree records syntax only; names, types and meanings are
// resolved by package check into side tables keyed by node.
//
// Every node embeds a Span with its first and one-past-last position, so
// error messages and editors can point at any node.
package ast

import "github.com/quarry-kql/quarry/kql/token"

// Node is any node of the tree.
type Node interface {
	Pos() token.Pos // first character of the node
	End() token.Pos // position just after the node
}

// Span is the extent of a node in the source text.
type Span struct {
	From, To token.Pos
}

// Pos returns the start of the span.
func (s Span) Pos() token.Pos { return s.From }

// End returns the position just after the span.
func (s Span) End() token.Pos { return s.To }

// Expr is a scalar or tabular expression.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement of a script.
type Stmt interface {
	Node
	stmtNode()
}

// Operator is a tabular operator: what follows a `|`. Source operators
// (print, range, datatable, externaldata, union, search, find, evaluate)
// are Exprs as well, since they can start a pipeline.
type Operator interface {
	Node
	opNode()
}

// ---------------------------------------------------------------------------
// Script and statements

// Script is a whole query text: statements separated by `;`.
type Script struct {
	Span
	Stmts []Stmt
}

// LetStmt is `let Name = Value`. Value is a scalar expression, a tabular
// expression or a *FuncLit (a function or lambda).
type LetStmt struct {
	Span
	Name  *Ident
	Value Expr
}

// SetStmt is `set Name [= Value]` (a request property); Value may be nil.
type SetStmt struct {
	Span
	Name  *Ident // may contain dots: query_datascope
	Value Expr
}

// DeclareStmt is `declare query_parameters(Params)`, or another declare
// form named by Kind ("query_parameters", "pattern").
type DeclareStmt struct {
	Span
	Kind   string
	Name   *Ident // the pattern name for `declare pattern`, else nil
	Params []*Param
}

// ExprStmt is a query or expression evaluated for its result.
type ExprStmt struct {
	Span
	X Expr
}

func (*LetStmt) stmtNode()     {}
func (*SetStmt) stmtNode()     {}
func (*DeclareStmt) stmtNode() {}
func (*ExprStmt) stmtNode()    {}

// ---------------------------------------------------------------------------
// Scalar expressions

// Ident is a name: a column, table, function, variable or parameter. Name
// is the unquoted name, whether written plain or as ['bracketed name'].
type Ident struct {
	Span
	Name string
}

// Wildcard is a name pattern with `*`, as in `union Device*` or
// `project-away Column*`.
type Wildcard struct {
	Span
	Pattern string
}

// LitKind is the kind of a BasicLit.
type LitKind uint8

// Kinds of basic literals.
const (
	IntLit      LitKind = iota + 1 // 42, 0x2A: type long
	RealLit                        // 1.5, 1e3: type real
	StringLit                      // 'a', "a", @"a", ```a```, adjacent strings joined
	BoolLit                        // true, false
	TimeSpanLit                    // 1d, 30m, 1.5h, 100ms, 1tick
	NullLit                        // a bare null
)

// BasicLit is a literal written without a type keyword. For StringLit,
// Value is the decoded text (escapes resolved, adjacent parts joined); for
// the others it is the source text (`1.5h`, `0x2A`, `true`).
type BasicLit struct {
	Span
	Kind       LitKind
	Value      string
	Obfuscated bool // h"..." or h'...': hide the value from logs
}

// TypedLit is a literal with a type keyword: long(5), real(nan),
// datetime(2024-01-01 10:00), timespan(1d), time(...), guid(...),
// bool(true), int(null). Text is the raw text between the parentheses,
// trimmed.
type TypedLit struct {
	Span
	Type string // as written: "datetime", "long", "int64", ...
	Text string
}

// DynamicLit is dynamic(...): X is a literal, an *ArrayLit, a *BagLit, or a
// null BasicLit.
type DynamicLit struct {
	Span
	X Expr
}

// ArrayLit is a JSON-like array inside dynamic(...): [1, 'a', {...}].
type ArrayLit struct {
	Span
	Elems []Expr
}

// BagLit is a JSON-like property bag inside dynamic(...): {"a": 1}.
type BagLit struct {
	Span
	Fields []*BagField
}

// BagField is one `"key": value` of a BagLit.
type BagField struct {
	Span
	Key   string
	Value Expr
}

// UnaryExpr is `-X` or `+X`.
type UnaryExpr struct {
	Span
	Op string // "-" or "+"
	X  Expr
}

// BinaryExpr is `X Op Y`. Op is the operator as KQL spells it, lower-case:
// "+", "-", "*", "/", "%", "==", "!=", "<>", "<", "<=", ">", ">=", "=~",
// "!~", "and", "or", "has", "!has", "has_cs", "!has_cs", "hasprefix",
// "!hasprefix", "hasprefix_cs", "hassuffix", ..., "contains", "!contains",
// "contains_cs", "!contains_cs", "startswith", "!startswith",
// "startswith_cs", "!startswith_cs", "endswith", ..., "matches regex",
// "like", "notlike", ...
type BinaryExpr struct {
	Span
	X     Expr
	OpPos token.Pos
	Op    string
	Y     Expr
}

// InExpr is `X Op (List)` for the set operators "in", "!in", "in~", "!in~",
// "has_any", "has_all" (and their _cs forms where KQL has them). Each list
// element is a scalar expression, or a tabular expression whose first
// column supplies values.
type InExpr struct {
	Span
	X     Expr
	OpPos token.Pos
	Op    string
	List  []Expr
}

// BetweenExpr is `X between (Lo .. Hi)` or `X !between (Lo .. Hi)`.
type BetweenExpr struct {
	Span
	X      Expr
	Not    bool
	Lo, Hi Expr
}

// CallExpr is a function call: Fun(Args). Fun is an *Ident or a
// *SelectorExpr for dotted names (cluster("c").database("d") is a call
// whose Fun is a SelectorExpr on a call). Args may contain *NamedExpr for
// named arguments and *Star for `*`.
type CallExpr struct {
	Span
	Fun  Expr
	Args []Expr
}

// SelectorExpr is `X.Sel`: a dynamic property, a qualified name, or
// $left.Key / $right.Key in join conditions ($left is an Ident).
type SelectorExpr struct {
	Span
	X   Expr
	Sel *Ident
}

// IndexExpr is `X[Index]`: a['key'], a[0], a[-1].
type IndexExpr struct {
	Span
	X     Expr
	Index Expr
}

// ParenExpr is `(X)`.
type ParenExpr struct {
	Span
	X Expr
}

// Star is `*`, as in arg_max(x, *), count(*)-like calls, `union *`, or
// `search *`.
type Star struct {
	Span
}

// NamedExpr gives names to an expression: `Name = X`, or `(A, B) = X` for
// functions returning several columns. It is also used for named
// arguments, operator parameters (kind=inner) and `with (...)` properties.
type NamedExpr struct {
	Span
	Names []*Ident
	X     Expr
}

// TypeOf is typeof(T), used in mv-expand `to typeof(long)` and elsewhere.
type TypeOf struct {
	Span
	Type string
}

// FuncLit is a function or lambda: (Params) { Body }.
type FuncLit struct {
	Span
	Params []*Param
	Body   *Block
}

// Block is the body of a function: let statements, then a result.
type Block struct {
	Span
	Lets   []*LetStmt
	Result Expr
}

// Param is a function or query parameter: Name:Type [= Default]. Type is a
// scalar type name, or a *TableType for tabular parameters `T:(*)` or
// `T:(a:string, b:long)`.
type Param struct {
	Span
	Name    *Ident
	Type    TypeExpr
	Default Expr // may be nil
}

// TypeExpr is a scalar type (*ScalarType) or a table schema (*TableType).
type TypeExpr interface {
	Node
	typeNode()
}

// ScalarType is a scalar type name as written: string, long, int64, ...
type ScalarType struct {
	Span
	Name string
}

// TableType is a schema: (a:string, b:long), or (*) for any columns, or
// (*, a:string) for "at least these".
type TableType struct {
	Span
	Star    bool
	Columns []*ColumnDecl
}

// ColumnDecl is `Name:Type` in a schema, datatable, externaldata,
// parse pattern, parse-kv, or declare.
type ColumnDecl struct {
	Span
	Name *Ident
	Type *ScalarType // nil when the type is omitted (parse patterns)
}

func (*ScalarType) typeNode() {}
func (*TableType) typeNode()  {}

// ---------------------------------------------------------------------------
// Tabular expressions

// Pipeline is `Source | Op | Op ...`. Source is nil for the sub-queries of
// mv-apply, partition, fork and facet, whose first operator has no `|`, and
// for a query that starts with `where` (which Kusto's parser accepts).
type Pipeline struct {
	Span
	Source Expr
	Ops    []Operator
}

func (*Ident) exprNode()        {}
func (*Wildcard) exprNode()     {}
func (*BasicLit) exprNode()     {}
func (*TypedLit) exprNode()     {}
func (*DynamicLit) exprNode()   {}
func (*ArrayLit) exprNode()     {}
func (*BagLit) exprNode()       {}
func (*UnaryExpr) exprNode()    {}
func (*BinaryExpr) exprNode()   {}
func (*InExpr) exprNode()       {}
func (*BetweenExpr) exprNode()  {}
func (*CallExpr) exprNode()     {}
func (*SelectorExpr) exprNode() {}
func (*IndexExpr) exprNode()    {}
func (*ParenExpr) exprNode()    {}
func (*Star) exprNode()         {}
func (*NamedExpr) exprNode()    {}
func (*TypeOf) exprNode()       {}
func (*FuncLit) exprNode()      {}
func (*Pipeline) exprNode()     {}
