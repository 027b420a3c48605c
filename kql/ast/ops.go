package ast

// Tabular operators. Operator parameters written `name=value` before the
// operator's body (kind=inner, hint.strategy=shuffle, withsource=T,
// isfuzzy=true, bagexpansion=array, with_itemindex=i, flags=...) are kept
// in Params, in source order, as *NamedExpr with one name (the name may
// contain dots, as in hint.strategy).

// WhereOp is `where Pred` (also spelled `filter`).
type WhereOp struct {
	Span
	Pred Expr
}

// ExtendOp is `extend Exprs`; named columns are *NamedExpr.
type ExtendOp struct {
	Span
	Exprs []Expr
}

// ProjectOp is project and its relatives, named by Kind: "project",
// "project-away", "project-keep", "project-rename", "project-reorder".
// For project-rename each Expr is a *NamedExpr (NewName = OldName); for
// project-reorder an Expr may be a *SortExpr (Col asc).
type ProjectOp struct {
	Span
	Kind  string
	Exprs []Expr
}

// SummarizeOp is `summarize [Params] Aggs [by By]`.
type SummarizeOp struct {
	Span
	Params []*NamedExpr
	Aggs   []Expr
	By     []Expr
}

// DistinctOp is `distinct Exprs` (Exprs may be a single *Star).
type DistinctOp struct {
	Span
	Params []*NamedExpr
	Exprs  []Expr
}

// CountOp is `count`.
type CountOp struct {
	Span
}

// TakeOp is `take N` (also spelled `limit`).
type TakeOp struct {
	Span
	Params []*NamedExpr
	Count  Expr
}

// SortExpr is one sort key: X [asc|desc] [nulls first|last]. Order and
// Nulls are "" when not written.
type SortExpr struct {
	Span
	X     Expr
	Order string
	Nulls string
}

func (*SortExpr) exprNode() {}

// SortOp is `sort by Keys` (also spelled `order by`).
type SortOp struct {
	Span
	Params []*NamedExpr
	Keys   []*SortExpr
}

// TopOp is `top Count by Keys`.
type TopOp struct {
	Span
	Params []*NamedExpr
	Count  Expr
	Keys   []*SortExpr
}

// TopNestedOp is `top-nested` with one or more clauses separated by
// commas.
type TopNestedOp struct {
	Span
	Clauses []*TopNestedClause
}

// TopNestedClause is `top-nested [N] of Of [with others = Others] by By [asc|desc]`.
type TopNestedClause struct {
	Span
	Count  Expr // nil when omitted
	Of     Expr
	Others Expr // nil when omitted
	By     Expr
	Order  string
}

// JoinOp is `join [Params] Right on Conds` (or `where Conds` in the rarely
// used form). Right is a tabular expression, parenthesised or a name.
// Conds are column names or equality conditions on $left/$right.
type JoinOp struct {
	Span
	Params []*NamedExpr
	Right  Expr
	On     []Expr
}

// LookupOp is `lookup [Params] Right on Conds`.
type LookupOp struct {
	Span
	Params []*NamedExpr
	Right  Expr
	On     []Expr
}

// UnionOp is `union [Params] Tables`. As a pipeline source it takes all
// its inputs from Tables; after a `|` the piped input comes first.
type UnionOp struct {
	Span
	Params []*NamedExpr
	Tables []Expr
}

// MvExpandOp is `mv-expand [Params] Items [limit N]` (also `mvexpand`).
type MvExpandOp struct {
	Span
	Params []*NamedExpr
	Items  []*MvItem
	Limit  Expr // nil when omitted
}

// MvItem is one expanded column: X [to typeof(T)], where X may be a
// *NamedExpr.
type MvItem struct {
	Span
	X  Expr
	To *TypeOf // nil when omitted
}

// MvApplyOp is `mv-apply [Params] Items [limit N] [id = X] on (Sub)`. Sub
// is a Pipeline with no Source.
type MvApplyOp struct {
	Span
	Params []*NamedExpr
	Items  []*MvItem
	Limit  Expr
	Sub    Expr
}

// ParseOp is `parse [Params] X with Pattern` (Kind "parse") or
// `parse-where ...` (Kind "parse-where"). Pattern elements are string
// literals (*BasicLit), `*` (*Star) and columns (*ColumnDecl wrapped in a
// *ColumnRef) in source order.
type ParseOp struct {
	Span
	Kind    string
	Params  []*NamedExpr
	X       Expr
	Pattern []Expr
}

// ColumnRef is a column declared inside an expression list, as in parse
// patterns: Name[:Type].
type ColumnRef struct {
	Span
	Decl *ColumnDecl
}

func (*ColumnRef) exprNode() {}

// ParseKvOp is `parse-kv X as (Columns) [with (Props)]`.
type ParseKvOp struct {
	Span
	X       Expr
	Columns *TableType
	With    []*NamedExpr
}

// MakeSeriesOp is `make-series [Params] Aggs on On [from F] [to T] step S
// [by By]` (or `in range(F, T, S)` in the older form: then Range is set).
type MakeSeriesOp struct {
	Span
	Params []*NamedExpr
	Aggs   []*SeriesAgg
	On     Expr
	From   Expr
	To     Expr
	Step   Expr
	Range  *CallExpr
	By     []Expr
}

// SeriesAgg is one aggregate of make-series: X [default = Default], X
// possibly a *NamedExpr.
type SeriesAgg struct {
	Span
	X       Expr
	Default Expr
}

// RenderOp is `render Chart [with (Props)]`; legacy properties written
// without `with` (kind=stacked) go to Props too.
type RenderOp struct {
	Span
	Chart *Ident
	Props []*NamedExpr
}

// EvaluateOp is `evaluate [Params] Plugin(Args) [: (Schema)]`.
type EvaluateOp struct {
	Span
	Params []*NamedExpr
	Call   *CallExpr
	Schema *TableType // declared output schema, as in `evaluate pivot(x) : (a:string, b:long)`; nil when absent
}

// InvokeOp is `invoke Func(Args)`: calls a tabular function with the
// piped input as its first argument.
type InvokeOp struct {
	Span
	Call *CallExpr
}

// AsOp is `as [Params] Name`.
type AsOp struct {
	Span
	Params []*NamedExpr
	Name   *Ident
}

// SerializeOp is `serialize [Exprs]`.
type SerializeOp struct {
	Span
	Exprs []Expr
}

// ScanOp is `scan [Params] [order by Keys] [partition by By] [declare (Decls)] with (Steps)`.
type ScanOp struct {
	Span
	Params    []*NamedExpr
	OrderBy   []*SortExpr
	Partition []Expr
	Declare   []*Param
	Steps     []*ScanStep
}

// ScanStep is `step Name [output=all|last|none]: Cond [=> Assigns]`.
type ScanStep struct {
	Span
	Name    *Ident
	Output  string
	Cond    Expr
	Assigns []*NamedExpr
}

// PartitionOp is `partition [Params] by By (Sub)` or `{ Sub }`.
type PartitionOp struct {
	Span
	Params []*NamedExpr
	By     Expr
	Sub    Expr
}

// SampleOp is `sample N`.
type SampleOp struct {
	Span
	Count Expr
}

// SampleDistinctOp is `sample-distinct N of X`.
type SampleDistinctOp struct {
	Span
	Count Expr
	Of    Expr
}

// FacetOp is `facet by Exprs [with (Sub)]`.
type FacetOp struct {
	Span
	By   []Expr
	With Expr
}

// ForkOp is `fork (Sub) [name=(Sub)] ...`; each branch is a *Pipeline or a
// *NamedExpr naming one.
type ForkOp struct {
	Span
	Branches []Expr
}

// GetSchemaOp is `getschema`.
type GetSchemaOp struct {
	Span
}

// SearchOp is `search [Params] [in (Tables)] Pred`.
type SearchOp struct {
	Span
	Params []*NamedExpr
	Tables []Expr
	Pred   Expr
}

// FindOp is `find [Params] [in (Tables)] where Pred [project-smart | project Cols]`.
type FindOp struct {
	Span
	Params       []*NamedExpr
	Tables       []Expr
	Pred         Expr
	Project      []Expr
	ProjectSmart bool
}

// ExternalDataOp is `externaldata (Columns) [URLs] [with (Props)]`.
type ExternalDataOp struct {
	Span
	Columns *TableType
	URLs    []Expr
	With    []*NamedExpr
}

// DatatableOp is `datatable (Columns) [Values]`, values in row-major order.
type DatatableOp struct {
	Span
	Columns *TableType
	Values  []Expr
}

// PrintOp is `print Exprs`.
type PrintOp struct {
	Span
	Exprs []Expr
}

// RangeOp is `range Name from From to To step Step`.
type RangeOp struct {
	Span
	Name           *Ident
	From, To, Step Expr
}

// ConsumeOp is `consume [Params]`: reads its input and returns nothing.
type ConsumeOp struct {
	Span
	Params []*NamedExpr
}

// TopHittersOp is `top-hitters Count of Of [by By]`.
type TopHittersOp struct {
	Span
	Count Expr
	Of    Expr
	By    Expr // nil when omitted
}

// ReduceOp is `reduce [Params] by X [with Props]`.
type ReduceOp struct {
	Span
	Params []*NamedExpr
	By     Expr
	With   []*NamedExpr
}

func (*ConsumeOp) opNode()        {}
func (*TopHittersOp) opNode()     {}
func (*ReduceOp) opNode()         {}
func (*WhereOp) opNode()          {}
func (*ExtendOp) opNode()         {}
func (*ProjectOp) opNode()        {}
func (*SummarizeOp) opNode()      {}
func (*DistinctOp) opNode()       {}
func (*CountOp) opNode()          {}
func (*TakeOp) opNode()           {}
func (*SortOp) opNode()           {}
func (*TopOp) opNode()            {}
func (*TopNestedOp) opNode()      {}
func (*JoinOp) opNode()           {}
func (*LookupOp) opNode()         {}
func (*UnionOp) opNode()          {}
func (*MvExpandOp) opNode()       {}
func (*MvApplyOp) opNode()        {}
func (*ParseOp) opNode()          {}
func (*ParseKvOp) opNode()        {}
func (*MakeSeriesOp) opNode()     {}
func (*RenderOp) opNode()         {}
func (*EvaluateOp) opNode()       {}
func (*InvokeOp) opNode()         {}
func (*AsOp) opNode()             {}
func (*SerializeOp) opNode()      {}
func (*ScanOp) opNode()           {}
func (*PartitionOp) opNode()      {}
func (*SampleOp) opNode()         {}
func (*SampleDistinctOp) opNode() {}
func (*FacetOp) opNode()          {}
func (*ForkOp) opNode()           {}
func (*GetSchemaOp) opNode()      {}
func (*SearchOp) opNode()         {}
func (*FindOp) opNode()           {}
func (*ExternalDataOp) opNode()   {}
func (*DatatableOp) opNode()      {}
func (*PrintOp) opNode()          {}
func (*RangeOp) opNode()          {}

// Source operators can start a pipeline, so they are expressions too.
func (*UnionOp) exprNode()        {}
func (*SearchOp) exprNode()       {}
func (*FindOp) exprNode()         {}
func (*ExternalDataOp) exprNode() {}
func (*DatatableOp) exprNode()    {}
func (*PrintOp) exprNode()        {}
func (*RangeOp) exprNode()        {}
func (*EvaluateOp) exprNode()     {}
