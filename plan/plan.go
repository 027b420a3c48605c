// Package plan is quarry's small relational plan: the dialect-free tree of
// scans, filters, projections, aggregations, sorts, joins, unions and
// expansions that the binder (package check) lowers a KQL query into and
// the SQL generators (package sqlgen) print. Scalar expressions in the plan
// are already typed and resolved: columns are referred to by position in
// the input, functions by their entry in the function catalog.
package plan

import (
	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/kql/types"
)

// Column is one output column of a node: its KQL name and type.
type Column struct {
	Name string
	Type types.Type
}

// Node is a relational operator.
type Node interface {
	// Cols returns the output columns, in order.
	Cols() []Column
}

// Expr is a typed scalar expression over the columns of a node's input.
type Expr interface {
	Type() types.Type
}

// ColRef is the input column at position Index.
type ColRef struct {
	Index int
	T     types.Type
}

// Lit is a constant. V is nil (null), bool, int64 (int and long),
// float64 (real), string (string, decimal text, guid text, dynamic as
// compact JSON text), time.Time (datetime, UTC) or time.Duration
// (timespan).
type Lit struct {
	V any
	T types.Type
}

// Call applies a catalog function (scalar functions and operators alike).
type Call struct {
	F    *funcs.Func
	Args []Expr
	T    types.Type
}

// Convert converts X to type T with Kusto's conversion rules (tostring,
// tolong, todouble, todatetime, ...).
type Convert struct {
	X Expr
	T types.Type
}

// Path accesses a property or element of a dynamic value: X.a, X[0],
// X["a"]. Each step is a string property name or an int64 index; a
// computed index is an Expr (string or integral typed).
type Path struct {
	X     Expr
	Steps []any
}

// Scalar is toscalar(N): the first column of the first row of N, or null.
type Scalar struct {
	N Node
	T types.Type
}

// Field is value Index (named Name) of X, the result of a function
// returning several values (funcs.Func.Parts), which the SQL represents
// as a dynamic array holding one element per value. Its type is dynamic;
// the binder converts it when the value has a scalar type.
type Field struct {
	X     Expr
	Index int
	Name  string
}

func (e *ColRef) Type() types.Type  { return e.T }
func (e *Field) Type() types.Type   { return types.Dynamic }
func (e *Lit) Type() types.Type     { return e.T }
func (e *Call) Type() types.Type    { return e.T }
func (e *Convert) Type() types.Type { return e.T }
func (e *Path) Type() types.Type    { return types.Dynamic }
func (e *Scalar) Type() types.Type  { return e.T }

// Scan reads a stored table.
type Scan struct {
	Table   string
	Columns []Column
}

// Values is an inline table (datatable, print).
type Values struct {
	Columns []Column
	Rows    [][]Expr // expressions over no input
}

// Range is `range Name from From to To step Step`: one column.
type Range struct {
	Column         Column
	From, To, Step Expr
}

// Filter keeps the rows where Pred is true.
type Filter struct {
	In   Node
	Pred Expr
}

// Project computes a new list of columns from the input (project,
// extend, project-away, project-rename, ...).
type Project struct {
	In      Node
	Exprs   []Expr
	Columns []Column
}

// Agg is one aggregate: a catalog aggregate function applied to Args,
// producing one column, or several for arg_max/arg_min (Outs) and
// percentiles.
type Agg struct {
	F    *funcs.Func
	Args []Expr
	// Extra holds constant parameters such as the percentile, or for
	// arg_max/arg_min the expressions returned with the extreme row.
	Extra []Expr
}

// Aggregate groups by Keys and computes Aggs. The output is the key
// columns followed by the aggregate columns; an arg_max/arg_min
// contributes 1+len(Extra) columns, percentiles len(Extra) columns.
type Aggregate struct {
	In      Node
	Keys    []Expr
	Aggs    []*Agg
	Columns []Column
}

// SortKey is one key of a sort.
type SortKey struct {
	X          Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders the rows.
type Sort struct {
	In   Node
	Keys []SortKey
}

// Limit keeps the first N rows (take; top is Sort then Limit).
type Limit struct {
	In Node
	N  Expr
}

// TopPer keeps the first N rows of each partition (the rows equal on the
// Partition columns) in the order of Keys; with no Partition columns, the
// first N rows (top-nested's levels).
type TopPer struct {
	In        Node
	Partition []int
	Keys      []SortKey
	N         Expr
}

// Distinct removes duplicate rows.
type Distinct struct {
	In Node
}

// JoinKind is a KQL join flavour.
type JoinKind string

// The join kinds of KQL.
const (
	InnerUnique JoinKind = "innerunique"
	Inner       JoinKind = "inner"
	LeftOuter   JoinKind = "leftouter"
	RightOuter  JoinKind = "rightouter"
	FullOuter   JoinKind = "fullouter"
	LeftSemi    JoinKind = "leftsemi"
	RightSemi   JoinKind = "rightsemi"
	LeftAnti    JoinKind = "leftanti"
	RightAnti   JoinKind = "rightanti"
)

// Join combines two inputs on equal keys. The output columns are given in
// Columns: for the semi and anti kinds one side's columns, otherwise the
// left's then the right's (renamed where they clash).
type Join struct {
	Kind        JoinKind
	Left, Right Node
	LeftKeys    []int
	RightKeys   []int
	// On, when not nil, is a further condition a pair of rows must meet,
	// over the left's columns followed by the right's (ipv4_lookup's
	// range test); with no keys it alone decides.
	On      Expr
	Columns []Column
}

// Union concatenates its inputs. Maps[i][j] is the column of input i that
// feeds output column j, or -1 (null). When Source is non-empty the first
// output column holds Names[i] for rows of input i.
type Union struct {
	Inputs  []Node
	Maps    [][]int
	Names   []string
	Source  bool
	Columns []Column
}

// MvExpand expands dynamic arrays (or bags) in the given columns into one
// row per element. Columns are the input columns with the expanded ones
// retyped (To), plus an index column when IndexName is set.
type MvExpand struct {
	In    Node
	Exprs []int // input columns expanded, in parallel
	To    []types.Type
	Index bool
	Limit int64
	// BagArray expands a property bag into [key, value] arrays instead
	// of {key: value} bags.
	BagArray bool
	Columns  []Column
}

// MakeSeries aggregates into arrays over an axis: for each group of
// Keys, the aggregates of rows whose On value falls in each bin of Step
// from From (inclusive) to To (exclusive), absent bins taking Defaults.
// The output is the keys, one dynamic array per aggregate, then the axis
// (dynamic array of bin starts). From and To are nil when not given (the
// data's minimum and maximum are used).
type MakeSeries struct {
	In       Node
	Keys     []Expr
	Aggs     []*Agg
	Defaults []Expr
	On       Expr
	From, To Expr
	Step     Expr
	Columns  []Column
	// NonEmpty (kind=nonempty) gives one series of defaults for an empty
	// input without by; otherwise an empty input gives no row.
	NonEmpty bool
}

// Materialize marks a node whose result is computed once and shared.
type Materialize struct {
	In Node
}

func (n *Scan) Cols() []Column        { return n.Columns }
func (n *Values) Cols() []Column      { return n.Columns }
func (n *Range) Cols() []Column       { return []Column{n.Column} }
func (n *Filter) Cols() []Column      { return n.In.Cols() }
func (n *Project) Cols() []Column     { return n.Columns }
func (n *Aggregate) Cols() []Column   { return n.Columns }
func (n *Sort) Cols() []Column        { return n.In.Cols() }
func (n *Limit) Cols() []Column       { return n.In.Cols() }
func (n *TopPer) Cols() []Column      { return n.In.Cols() }
func (n *Distinct) Cols() []Column    { return n.In.Cols() }
func (n *Join) Cols() []Column        { return n.Columns }
func (n *Union) Cols() []Column       { return n.Columns }
func (n *MvExpand) Cols() []Column    { return n.Columns }
func (n *Materialize) Cols() []Column { return n.In.Cols() }
func (n *MakeSeries) Cols() []Column  { return n.Columns }
