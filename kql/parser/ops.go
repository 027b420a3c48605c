package parser

import (
	"strings"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/token"
)

// operatorNames are the tabular operators that may follow a `|`.
var operatorNames = map[string]bool{
	"where": true, "filter": true, "extend": true, "project": true, "project-away": true,
	"project-keep": true, "project-rename": true, "project-reorder": true, "project-smart": true,
	"summarize": true, "distinct": true, "count": true, "take": true, "limit": true,
	"top": true, "top-nested": true, "sort": true, "order": true, "join": true, "lookup": true,
	"union": true, "mv-expand": true, "mvexpand": true, "mv-apply": true, "mvapply": true,
	"parse": true, "parse-where": true, "parse-kv": true, "make-series": true, "render": true,
	"evaluate": true, "invoke": true, "as": true, "serialize": true, "scan": true,
	"partition": true, "sample": true, "sample-distinct": true, "facet": true, "fork": true,
	"getschema": true, "search": true, "find": true, "consume": true, "top-hitters": true,
	"reduce": true, "print": true,
}

func operatorStarts(p *parser) bool { return operatorNames[p.lit] }

// hint parameters (hint.strategy=shuffle, ...) are allowed on many
// operators; the other parameter names each operator accepts are listed.
var (
	noParams        = map[string]bool{}
	joinParams      = map[string]bool{"kind": true, "withsource": true}
	unionParams     = map[string]bool{"kind": true, "withsource": true, "isfuzzy": true}
	mvExpandParams  = map[string]bool{"bagexpansion": true, "with_itemindex": true, "kind": true}
	parseParams     = map[string]bool{"kind": true, "flags": true}
	seriesParams    = map[string]bool{"kind": true}
	searchParams    = map[string]bool{"kind": true}
	findParams      = map[string]bool{"withsource": true, "kind": true, "datascope": true}
	scanParams      = map[string]bool{"with_match_id": true}
	partitionParams = map[string]bool{}
	asParams        = map[string]bool{}
	consumeParams   = map[string]bool{"decodeblocks": true}
)

// hints are the hint.* parameters Kusto's parser knows.
var hints = map[string]bool{
	"hint.strategy": true, "hint.shufflekey": true, "hint.num_partitions": true,
	"hint.remote": true, "hint.spread": true, "hint.concurrency": true,
	"hint.materialized": true, "hint.distribution": true, "hint.pass_filters": true,
	"hint.pass_filters_column": true, "hint.progressive_top": true,
}

// parseOpParams parses leading `name=value` operator parameters whose
// names are in allowed or are known hints (hint.strategy, ...).
func (p *parser) parseOpParams(allowed map[string]bool) []*ast.NamedExpr {
	var out []*ast.NamedExpr
	for p.kind == token.IDENT {
		// the name may be dotted: hint.strategy
		n := 1
		name := p.lit
		for p.peek(n).kind == token.DOT && p.peek(n+1).kind == token.IDENT {
			name += "." + p.peek(n+1).lit
			n += 2
		}
		if hints[name] && p.peek(n).kind != token.ASSIGN {
			p.parseDottedName()
			p.fail("'='") // Kusto takes a known hint as a parameter
		}
		if p.peek(n).kind != token.ASSIGN || !(allowed[name] || hints[name]) {
			return out
		}
		from := p.pos
		id := p.parseDottedName()
		p.expect(token.ASSIGN)
		if name == "withsource" && !p.isNameStart() {
			p.fail("name")
		}
		val := p.parseParamValue()
		out = append(out, &ast.NamedExpr{Span: p.span(from), Names: []*ast.Ident{id}, X: val})
	}
	return out
}

// parseParamValue parses the value of an operator parameter: a name or a
// literal.
func (p *parser) parseParamValue() ast.Expr {
	from := p.pos
	if p.kind == token.IDENT {
		switch p.lit {
		case "true", "false":
			return p.basic(ast.BoolLit)
		}
		if reservedNames[p.lit] || p.lit[0] == '!' {
			p.fail("parameter value") // join kind=print is an error in Kusto
		}
		name := p.lit
		p.next()
		return &ast.Ident{Span: p.span(from), Name: name}
	}
	return p.parseLiteralValue()
}

// parseOperator parses one tabular operator (after its `|`).
func (p *parser) parseOperator() ast.Operator {
	from := p.pos
	if p.kind != token.IDENT {
		p.fail("tabular operator")
	}
	name := p.lit
	switch name {
	case "print": // Kusto's parser accepts print after a pipe
		return p.parseSourceOp().(*ast.PrintOp)
	case "where", "filter":
		p.next()
		pred := p.parseNamedOrExpr()
		return &ast.WhereOp{Span: p.span(from), Pred: pred}
	case "extend":
		p.next()
		list := p.parseExprList()
		return &ast.ExtendOp{Span: p.span(from), Exprs: list}
	case "project", "project-smart":
		p.next()
		var list []ast.Expr
		if !p.isQueryEnd() && p.kind != token.PIPE {
			list = p.parseExprList()
		}
		return &ast.ProjectOp{Span: p.span(from), Kind: name, Exprs: list}
	case "project-away", "project-keep", "project-reorder":
		p.next()
		var list []ast.Expr
		if p.kind != token.PIPE && !p.isQueryEnd() {
			list = p.parseColumnPatterns(name == "project-reorder", true)
		}
		return &ast.ProjectOp{Span: p.span(from), Kind: name, Exprs: list}
	case "project-rename":
		p.next()
		var list []ast.Expr
		for p.kind != token.PIPE && !p.isQueryEnd() {
			f := p.pos
			if p.kind == token.IDENT && reservedNames[p.lit] && !declarableKeywords[p.lit] {
				p.keywordAsName()
			}
			n := p.parseName()
			if p.kind != token.ASSIGN {
				// Kusto's parser accepts any expression here (the binder
				// requires new = old).
				list = append(list, p.parsePostfix(n))
				if prec, _ := p.binaryPrec(); prec != precNone {
					last := list[len(list)-1]
					list[len(list)-1] = p.parseBinaryRest(last, precOr)
				}
			} else {
				p.next()
				// Kusto's parser takes an expression here (the binder
				// requires a column name).
				old := p.parseExpr()
				list = append(list, &ast.NamedExpr{Span: p.span(f), Names: []*ast.Ident{n}, X: old})
			}
			if !p.got(token.COMMA) {
				break
			}
		}
		return &ast.ProjectOp{Span: p.span(from), Kind: name, Exprs: list}
	case "summarize":
		p.next()
		// Kusto's parser takes `kind = x` as a summarize parameter, so
		// a column named kind must be written ['kind'] there.
		op := &ast.SummarizeOp{Params: p.parseOpParams(seriesParams)}
		if p.kind == token.PIPE || p.isQueryEnd() {
			// Kusto accepts a summarize with nothing (one row, no columns).
			op.Span = p.span(from)
			return op
		}
		if !p.isWord("by") {
			op.Aggs = p.parseExprList()
		}
		if p.gotWord("by") {
			op.By = p.parseExprList()
		}
		op.Span = p.span(from)
		return op
	case "distinct":
		p.next()
		op := &ast.DistinctOp{Params: p.parseOpParams(noParams)}
		if star := p.bareStar(); star != nil {
			op.Exprs = []ast.Expr{star}
		} else {
			op.Exprs = p.parseExprList()
		}
		op.Span = p.span(from)
		return op
	case "count":
		p.next()
		return &ast.CountOp{Span: p.span(from)}
	case "getschema":
		p.next()
		return &ast.GetSchemaOp{Span: p.span(from)}
	case "consume":
		p.next()
		op := &ast.ConsumeOp{Params: p.parseOpParams(consumeParams)}
		op.Span = p.span(from)
		return op
	case "top-hitters":
		p.next()
		op := &ast.TopHittersOp{Count: p.parseExpr()}
		p.expectWord("of")
		op.Of = p.parseExpr()
		if p.gotWord("by") {
			op.By = p.parseExpr()
		}
		op.Span = p.span(from)
		return op
	case "reduce":
		p.next()
		op := &ast.ReduceOp{Params: p.parseOpParams(seriesParams)}
		p.expectWord("by")
		op.By = p.parseExpr()
		if p.gotWord("with") {
			for {
				pf := p.pos
				n := p.parseName()
				p.expect(token.ASSIGN)
				v := p.parsePropValue()
				op.With = append(op.With, &ast.NamedExpr{Span: p.span(pf), Names: []*ast.Ident{n}, X: v})
				if !p.got(token.COMMA) {
					break
				}
			}
		}
		op.Span = p.span(from)
		return op
	case "take", "limit":
		p.next()
		op := &ast.TakeOp{Params: p.parseOpParams(noParams)}
		op.Count = p.parseNamedOrExpr() // take n = 5 parses in Kusto
		op.Span = p.span(from)
		return op
	case "sort", "order":
		p.next()
		op := &ast.SortOp{Params: p.parseOpParams(noParams)}
		p.expectWord("by")
		op.Keys = p.parseSortKeys()
		op.Span = p.span(from)
		return op
	case "top":
		p.next()
		op := &ast.TopOp{Params: p.parseOpParams(noParams)}
		op.Count = p.parseExpr()
		p.expectWord("by")
		op.Keys = []*ast.SortExpr{p.parseSortKey()} // top takes one key
		op.Span = p.span(from)
		return op
	case "top-nested":
		return p.parseTopNested()
	case "join", "lookup":
		p.next()
		params := p.parseOpParams(joinParams)
		right := p.parseJoinRight()
		var on []ast.Expr
		if p.gotWord("on") || p.gotWord("where") {
			on = p.parsePlainList()
		} else if name == "lookup" {
			p.fail("'on'")
		}
		if name == "lookup" {
			return &ast.LookupOp{Span: p.span(from), Params: params, Right: right, On: on}
		}
		return &ast.JoinOp{Span: p.span(from), Params: params, Right: right, On: on}
	case "union":
		return p.parseUnion()
	case "mv-expand", "mvexpand":
		p.next()
		op := &ast.MvExpandOp{Params: p.parseOpParams(mvExpandParams)}
		op.Items = p.parseMvItems()
		if p.gotWord("limit") {
			op.Limit = p.parseExpr()
		}
		op.Span = p.span(from)
		return op
	case "mv-apply", "mvapply":
		p.next()
		op := &ast.MvApplyOp{Params: p.parseOpParams(mvExpandParams)}
		op.Items = p.parseMvItems()
		if p.gotWord("limit") {
			op.Limit = p.parseExpr()
		}
		op.Params = append(op.Params, p.parseOpParams(mvExpandParams)...)
		p.expectWord("on")
		p.enter()
		p.expect(token.LPAREN)
		op.Sub = p.parseSubPipeline(true)
		p.expect(token.RPAREN)
		p.leave()
		op.Span = p.span(from)
		return op
	case "parse", "parse-where":
		p.next()
		op := &ast.ParseOp{Kind: name, Params: p.parseOpParams(parseParams)}
		op.X = p.parseExpr()
		p.expectWord("with")
		op.Pattern = p.parseParsePattern()
		op.Span = p.span(from)
		return op
	case "parse-kv":
		p.next()
		op := &ast.ParseKvOp{}
		op.X = p.parseExpr()
		p.expectWord("as")
		op.Columns = p.parseTableType()
		if p.gotWord("with") {
			op.With = p.parsePropList(false)
		}
		op.Span = p.span(from)
		return op
	case "make-series":
		return p.parseMakeSeries()
	case "render":
		p.next()
		if p.kind == token.IDENT && (reservedNames[p.lit] || scalarTypes[p.lit] || p.lit == "default") && !chartTypes[p.lit] {
			p.fail("chart type")
		}
		op := &ast.RenderOp{Chart: p.parseName()}
		if p.gotWord("with") {
			op.Props = p.parsePropList(true)
		} else {
			for p.kind == token.IDENT && p.peek(1).kind == token.ASSIGN {
				op.Props = append(op.Props, p.parseProp(true))
			}
		}
		op.Span = p.span(from)
		return op
	case "evaluate":
		return p.parseEvaluate()
	case "invoke":
		p.next()
		call := p.parseCall()
		return &ast.InvokeOp{Span: p.span(from), Call: call}
	case "as":
		p.next()
		op := &ast.AsOp{Params: p.parseOpParams(asParams)}
		op.Name = p.parseName()
		op.Span = p.span(from)
		return op
	case "serialize":
		p.next()
		op := &ast.SerializeOp{}
		if !p.isQueryEnd() && p.kind != token.PIPE {
			op.Exprs = p.parseExprList()
		}
		op.Span = p.span(from)
		return op
	case "scan":
		return p.parseScan()
	case "partition":
		p.next()
		op := &ast.PartitionOp{Params: p.parseOpParams(partitionParams)}
		p.expectWord("by")
		op.By = p.parseName()
		op.Params = append(op.Params, p.parseOpParams(partitionParams)...)
		p.enter()
		if p.got(token.LBRACE) {
			op.Sub = p.parsePipe()
			p.expect(token.RBRACE)
		} else {
			p.expect(token.LPAREN)
			op.Sub = p.parseSubPipeline(true)
			p.expect(token.RPAREN)
		}
		p.leave()
		op.Span = p.span(from)
		return op
	case "sample":
		p.next()
		n := p.parseNamedOrExpr()
		return &ast.SampleOp{Span: p.span(from), Count: n}
	case "sample-distinct":
		p.next()
		n := p.parseExpr()
		p.expectWord("of")
		of := p.parseExpr()
		return &ast.SampleDistinctOp{Span: p.span(from), Count: n, Of: of}
	case "facet":
		p.next()
		p.expectWord("by")
		op := &ast.FacetOp{By: p.parseColumnPatterns(false, false)}
		if p.gotWord("with") {
			p.enter()
			p.expect(token.LPAREN)
			op.With = p.parseSubPipeline(true)
			p.expect(token.RPAREN)
			p.leave()
		}
		op.Span = p.span(from)
		return op
	case "fork":
		p.next()
		op := &ast.ForkOp{}
		p.enter()
		for {
			bf := p.pos
			if p.isNameStart() && p.peek(p.nameLen()).kind == token.ASSIGN {
				n := p.parseName()
				p.next()
				p.expect(token.LPAREN)
				sub := p.parseSubPipeline(false)
				p.expect(token.RPAREN)
				op.Branches = append(op.Branches, &ast.NamedExpr{Span: p.span(bf), Names: []*ast.Ident{n}, X: sub})
			} else {
				p.expect(token.LPAREN)
				op.Branches = append(op.Branches, p.parseSubPipeline(false))
				p.expect(token.RPAREN)
			}
			if p.kind != token.LPAREN && !(p.isNameStart() && p.peek(p.nameLen()).kind == token.ASSIGN) {
				break
			}
		}
		p.leave()
		op.Span = p.span(from)
		return op
	case "search":
		return p.parseSearch()
	case "find":
		return p.parseFind()
	}
	if unsupportedOps[name] {
		p.errorf(p.pos, "the %s operator is not supported by quarry", name)
		panic(bailout{})
	}
	p.fail("tabular operator")
	return nil
}

// unsupportedOps are Kusto operators quarry does not parse (graph
// semantics and others never used in hunting queries); they get a clear
// message instead of "expected tabular operator".
var unsupportedOps = map[string]bool{
	"make-graph": true, "graph-match": true, "graph-merge": true, "graph-to-table": true,
	"graph-shortest-paths": true, "graph-mark-components": true, "macro-expand": true,
	"project-by-names": true, "assert-schema": true, "lookup-table": true,
}

// parseSourceOp parses an operator that can start a query (print,
// datatable, externaldata, union, search, find, evaluate, range) at the
// current word, or returns nil when the word is used as a plain name.
func (p *parser) parseSourceOp() ast.Expr {
	next := p.peek(1)
	switch p.lit {
	case "range":
		if next.kind == token.IDENT && p.peekWord(2, "from") {
			return p.parseRange()
		}
		return nil
	case "print":
		from := p.pos
		p.next()
		op := &ast.PrintOp{Exprs: p.parseExprList()}
		op.Span = p.span(from)
		return op
	case "union":
		return p.parseUnion()
	case "search":
		return p.parseSearch()
	case "find":
		return p.parseFind()
	case "evaluate":
		if next.kind == token.IDENT {
			return p.parseEvaluate()
		}
	}
	return nil
}

// parseDatatable parses `datatable (Columns) [Values]`; values are
// literals, as Kusto requires, and a trailing comma is allowed.
func (p *parser) parseDatatable() ast.Expr {
	from := p.pos
	p.next()
	op := &ast.DatatableOp{Columns: p.parseSchema(false, true)}
	p.enter()
	p.expect(token.LBRACK)
	p.got(token.COMMA) // Kusto tolerates one leading comma
	for p.kind != token.RBRACK {
		op.Values = append(op.Values, p.parseLiteralValue())
		if !p.got(token.COMMA) {
			break
		}
	}
	p.expect(token.RBRACK)
	p.leave()
	op.Span = p.span(from)
	return op
}

// parsePropValue parses the value of a with-clause property: a literal or
// a name.
func (p *parser) parsePropValue() ast.Expr {
	if p.kind == token.IDENT && p.lit != "dynamic" {
		return p.parseParamValue()
	}
	if p.kind == token.LBRACK && p.isNameStart() {
		return p.parseName()
	}
	return p.parseLiteralValue()
}

// parseLiteralValue parses a literal: a number or timespan with an
// optional sign, a string, a bool, a typed literal or dynamic(...).
func (p *parser) parseLiteralValue() ast.Expr {
	from := p.pos
	if p.kind == token.SUB || p.kind == token.ADD {
		op := p.lit
		p.next()
		switch p.kind {
		case token.INT, token.REAL, token.TIMESPAN:
			x := p.parsePrimary()
			return &ast.UnaryExpr{Span: p.span(from), Op: op, X: x}
		}
		p.fail("number")
	}
	switch p.kind {
	case token.INT, token.REAL, token.TIMESPAN, token.STRING, token.TYPEDLIT:
		return p.parsePrimary()
	case token.IDENT:
		switch p.lit {
		case "true", "false":
			return p.parsePrimary()
		case "dynamic":
			if p.peek(1).kind == token.LPAREN {
				return p.parseDynamic()
			}
		}
	}
	p.fail("literal")
	return nil
}

// parseExternalData parses `externaldata (Columns) [URLs] [with (Props)]`.
func (p *parser) parseExternalData() ast.Expr {
	from := p.pos
	p.next()
	op := &ast.ExternalDataOp{}
	op.Columns = p.parseSchema(false, true)
	p.enter()
	p.expect(token.LBRACK)
	for p.kind != token.RBRACK {
		op.URLs = append(op.URLs, p.parseExpr())
		if !p.got(token.COMMA) {
			break
		}
	}
	p.expect(token.RBRACK)
	p.leave()
	if p.gotWord("with") {
		op.With = p.parsePropList(false)
	}
	op.Span = p.span(from)
	return op
}

func (p *parser) parseEvaluate() *ast.EvaluateOp {
	from := p.pos
	p.next()
	op := &ast.EvaluateOp{Params: p.parseOpParams(noParams)}
	if p.kind == token.IDENT && reservedNames[p.lit] {
		p.fail("plugin call")
	}
	op.Call = p.parseCall()
	if p.got(token.COLON) {
		op.Schema = p.parseSchema(true, false)
	}
	op.Span = p.span(from)
	return op
}

// parseCall parses a (possibly dotted) function call.
func (p *parser) parseCall() *ast.CallExpr {
	from := p.pos
	var fun ast.Expr = p.parseName()
	for p.kind == token.DOT {
		p.next()
		sel := p.parseMemberName()
		fun = &ast.SelectorExpr{Span: p.span(from), X: fun, Sel: sel}
	}
	if p.kind != token.LPAREN {
		p.fail("'('")
	}
	args := p.parseArgs(false)
	return &ast.CallExpr{Span: p.span(from), Fun: fun, Args: args}
}

func (p *parser) parseRange() ast.Expr {
	from := p.pos
	p.next()
	op := &ast.RangeOp{Name: p.parseName()}
	p.expectWord("from")
	op.From = p.parseExpr()
	p.expectWord("to")
	op.To = p.parseExpr()
	p.expectWord("step")
	op.Step = p.parseExpr()
	op.Span = p.span(from)
	return op
}

// parseUnion parses `union [params] tables` at the word union.
func (p *parser) parseUnion() *ast.UnionOp {
	from := p.pos
	p.next()
	op := &ast.UnionOp{Params: p.parseOpParams(unionParams)}
	for {
		op.Tables = append(op.Tables, p.parseTableRef())
		if !p.got(token.COMMA) {
			break
		}
	}
	op.Span = p.span(from)
	return op
}

// parseTableRef parses a union or search operand: a parenthesised query, a
// name pattern with `*`, or a name, call or dotted reference.
func (p *parser) parseTableRef() ast.Expr {
	if w := p.parseWildcard(); w != nil {
		return w
	}
	switch p.kind {
	case token.LPAREN:
		return p.parsePrimary()
	case token.IDENT, token.LBRACK:
		return p.parsePostfix(p.parsePrimary())
	}
	p.fail("table name or (query)")
	return nil
}

// parseWildcard parses a name pattern containing `*` written without
// spaces (Device*, *Events, a*b, *), or returns nil.
func (p *parser) parseWildcard() ast.Expr {
	n := 0
	star := false
	for {
		t := p.peek(n)
		if t.kind == token.MUL {
			star = true
		} else if t.kind != token.IDENT && !(t.kind == token.INT && n > 0) {
			break
		}
		n++
		if !p.adjacent(n) {
			break
		}
	}
	if !star || n == 0 {
		return nil
	}
	from := p.pos
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(p.lit)
		p.next()
	}
	return &ast.Wildcard{Span: p.span(from), Pattern: b.String()}
}

// parseColumnPatterns parses the column list of project-away, project-keep,
// project-reorder (with asc/desc when sortable) and facet: names or name
// patterns with `*` when namesOnly, else expressions.
func (p *parser) parseColumnPatterns(sortable, namesOnly bool) []ast.Expr {
	var out []ast.Expr
	for {
		from := p.pos
		var x ast.Expr
		if w := p.parseWildcard(); w != nil {
			x = w
		} else if namesOnly {
			if p.kind == token.IDENT && reservedNames[p.lit] {
				p.keywordAsName()
			}
			x = p.parseName()
		} else {
			x = p.parseExpr()
		}
		if sortable {
			if o := p.lit; p.kind == token.IDENT && (o == "asc" || o == "desc" || o == "granny-asc" || o == "granny-desc") {
				p.next()
				x = &ast.SortExpr{Span: p.span(from), X: x, Order: o}
			}
		}
		out = append(out, x)
		if !p.got(token.COMMA) {
			return out
		}
	}
}

// parseSortKeys parses `X [asc|desc] [nulls first|last], ...`.
func (p *parser) parseSortKeys() []*ast.SortExpr {
	var out []*ast.SortExpr
	for {
		out = append(out, p.parseSortKey())
		if !p.got(token.COMMA) {
			return out
		}
	}
}

// parseSortKey parses `X [asc|desc] [nulls first|last]`.
func (p *parser) parseSortKey() *ast.SortExpr {
	from := p.pos
	k := &ast.SortExpr{X: p.parseNamedOrExpr()}
	if p.isWord("asc") || p.isWord("desc") {
		k.Order = p.lit
		p.next()
	}
	if p.gotWord("nulls") {
		if !p.isWord("first") && !p.isWord("last") {
			p.fail("'first' or 'last'")
		}
		k.Nulls = p.lit
		p.next()
	}
	k.Span = p.span(from)
	return k
}

func (p *parser) parseTopNested() ast.Operator {
	from := p.pos
	p.next()
	op := &ast.TopNestedOp{}
	for {
		cf := p.pos
		c := &ast.TopNestedClause{}
		if !p.isWord("of") {
			c.Count = p.parseExpr()
		}
		p.expectWord("of")
		c.Of = p.parseNamedOrExpr()
		if p.gotWord("with") {
			p.expectWord("others")
			p.expect(token.ASSIGN)
			c.Others = p.parseExpr()
		}
		p.expectWord("by")
		c.By = p.parseNamedOrExpr()
		if p.isWord("asc") || p.isWord("desc") {
			c.Order = p.lit
			p.next()
		}
		c.Span = p.span(cf)
		op.Clauses = append(op.Clauses, c)
		if !p.got(token.COMMA) {
			break
		}
		p.expectWord("top-nested")
	}
	op.Span = p.span(from)
	return op
}

// parseJoinRight parses the right side of join/lookup: a parenthesised
// query or a (possibly dotted or called) name.
func (p *parser) parseJoinRight() ast.Expr {
	return p.parseExpr() // Kusto's parser takes any expression here
}

// parseMvItems parses the items of mv-expand / mv-apply.
func (p *parser) parseMvItems() []*ast.MvItem {
	var out []*ast.MvItem
	for {
		from := p.pos
		it := &ast.MvItem{X: p.parseNamedOrExpr()}
		if p.gotWord("to") {
			if !p.isWord("typeof") {
				p.fail("'typeof'")
			}
			it.To = p.parseTypeOf().(*ast.TypeOf)
		}
		it.Span = p.span(from)
		out = append(out, it)
		if !p.got(token.COMMA) {
			return out
		}
	}
}

// parseParsePattern parses the pattern of parse/parse-where: string
// literals, `*` and column declarations, up to the end of the operator.
// Keywords may name columns there, except project, union and hyphenated
// keywords such as mv-apply (Kusto's parser ends the pattern at them) and
// type names.
func (p *parser) parseParsePattern() []ast.Expr {
	var out []ast.Expr
	for {
		from := p.pos
		switch {
		case p.kind == token.STRING:
			out = append(out, p.parseString())
		case p.kind == token.MUL:
			p.next()
			out = append(out, &ast.Star{Span: p.span(from)})
		case p.isNameStart() && !(p.kind == token.IDENT && (p.lit == "project" || p.lit == "union" || strings.Contains(p.lit, "-") || typeKeywords[p.lit])):
			d := p.parseColumnDecl(false)
			out = append(out, &ast.ColumnRef{Span: p.span(from), Decl: d})
		default:
			return out
		}
	}
}

// chartTypes are render's chart types (some are reserved words).
var chartTypes = map[string]bool{
	"table": true, "list": true, "barchart": true, "piechart": true, "ladderchart": true,
	"timechart": true, "linechart": true, "anomalychart": true, "pivotchart": true,
	"areachart": true, "stackedareachart": true, "scatterchart": true, "timepivot": true,
	"columnchart": true, "timeline": true, "3Dchart": true, "card": true, "treemap": true,
	"plotly": true, "graph": true, "sankey": true,
}

// listProps are the render properties whose value may be a list.
var listProps = map[string]bool{"ycolumns": true, "anomalycolumns": true, "series": true}

// renderProps are the properties render accepts.
var renderProps = map[string]bool{
	"kind": true, "title": true, "xtitle": true, "ytitle": true, "xcolumn": true,
	"ycolumns": true, "series": true, "ysplit": true, "accumulate": true, "legend": true,
	"xaxis": true, "yaxis": true, "ymin": true, "ymax": true, "xmin": true, "xmax": true,
	"anomalycolumns": true,
}

// parsePropList parses `(name = value, ...)` of with clauses; for render
// (lists) only render's property names, and values may be comma-separated
// lists (ycolumns=a, b).
func (p *parser) parsePropList(lists bool) []*ast.NamedExpr {
	p.enter()
	defer p.leave()
	p.expect(token.LPAREN)
	var out []*ast.NamedExpr
	p.got(token.COMMA) // Kusto tolerates one leading comma
	if p.kind != token.RPAREN {
		for {
			out = append(out, p.parseProp(lists))
			if !p.got(token.COMMA) {
				break
			}
		}
	}
	p.expect(token.RPAREN)
	return out
}

// parseProp parses one `name = value` property; a value may be a
// comma-separated list (render with (ycolumns=a, b)), which becomes an
// *ast.ArrayLit of its elements.
func (p *parser) parseProp(lists bool) *ast.NamedExpr {
	from := p.pos
	if lists && !(p.kind == token.IDENT && renderProps[p.lit]) {
		p.fail("render property (title, kind, ycolumns, ...)")
	}
	if p.kind == token.IDENT && reservedNames[p.lit] && !renderProps[p.lit] && !declarableKeywords[p.lit] {
		p.fail("property name")
	}
	name := p.parseDottedName()
	p.expect(token.ASSIGN)
	val := p.parsePropValue()
	if lists && listProps[name.Name] && p.kind == token.COMMA && !(p.peek(1).kind == token.IDENT && p.peek(2).kind == token.ASSIGN) && p.peek(1).kind != token.RPAREN {
		arr := &ast.ArrayLit{Elems: []ast.Expr{val}}
		for p.kind == token.COMMA && !(p.peek(1).kind == token.IDENT && p.peek(2).kind == token.ASSIGN) && p.peek(1).kind != token.RPAREN {
			p.next()
			arr.Elems = append(arr.Elems, p.parsePropValue())
		}
		arr.Span = p.span(val.Pos())
		val = arr
	}
	return &ast.NamedExpr{Span: p.span(from), Names: []*ast.Ident{name}, X: val}
}

func (p *parser) parseMakeSeries() ast.Operator {
	from := p.pos
	p.next()
	op := &ast.MakeSeriesOp{Params: p.parseOpParams(seriesParams)}
	for {
		af := p.pos
		a := &ast.SeriesAgg{X: p.parseNamedOrExpr()}
		if p.gotWord("default") {
			p.expect(token.ASSIGN)
			a.Default = p.parseExpr()
		}
		a.Span = p.span(af)
		op.Aggs = append(op.Aggs, a)
		if !p.got(token.COMMA) {
			break
		}
	}
	p.expectWord("on")
	op.On = p.parseBinary(precRelational) // not `in`: that starts in range(...)
	if p.gotWord("in") {
		rf := p.pos
		p.expectWord("range")
		args := p.parseArgs(false)
		op.Range = &ast.CallExpr{Span: p.span(rf), Fun: &ast.Ident{Span: ast.Span{From: rf, To: rf + 5}, Name: "range"}, Args: args}
	} else {
		if p.gotWord("from") {
			op.From = p.parseExpr()
		}
		if p.gotWord("to") {
			op.To = p.parseExpr()
		}
		p.expectWord("step")
		op.Step = p.parseExpr()
	}
	if p.gotWord("by") {
		op.By = p.parseExprList()
	}
	op.Span = p.span(from)
	return op
}

func (p *parser) parseScan() ast.Operator {
	from := p.pos
	p.next()
	op := &ast.ScanOp{Params: p.parseOpParams(scanParams)}
	if p.gotWord("order") {
		p.expectWord("by")
		op.OrderBy = p.parseSortKeys()
	}
	if p.gotWord("partition") {
		p.expectWord("by")
		op.Partition = p.parsePlainList()
	}
	if p.gotWord("declare") {
		p.expect(token.LPAREN)
		op.Declare = p.parseParams()
		p.expect(token.RPAREN)
	}
	p.expectWord("with")
	p.enter()
	defer p.leave()
	p.expect(token.LPAREN)
	for p.isWord("step") {
		sf := p.pos
		p.next()
		st := &ast.ScanStep{Name: p.parseName()}
		if p.gotWord("output") {
			p.expect(token.ASSIGN)
			if p.kind != token.IDENT {
				p.fail("'all', 'last' or 'none'")
			}
			st.Output = p.lit
			p.next()
		}
		p.expect(token.COLON)
		st.Cond = p.parseExpr()
		if p.got(token.ARROW) {
			for {
				af := p.pos
				n := p.parseName()
				p.expect(token.ASSIGN)
				x := p.parseExpr()
				st.Assigns = append(st.Assigns, &ast.NamedExpr{Span: p.span(af), Names: []*ast.Ident{n}, X: x})
				if !p.got(token.COMMA) {
					break
				}
			}
		}
		p.expect(token.SEMI)
		st.Span = p.span(sf)
		op.Steps = append(op.Steps, st)
	}
	p.expect(token.RPAREN)
	op.Span = p.span(from)
	return op
}

func (p *parser) parseSearch() *ast.SearchOp {
	from := p.pos
	p.next()
	op := &ast.SearchOp{Params: p.parseOpParams(searchParams)}
	if p.isWord("in") && p.peek(1).kind == token.LPAREN {
		p.next()
		op.Tables = p.parseTableList()
	}
	if star := p.bareStar(); star != nil {
		op.Pred = star
	} else {
		op.Pred = p.parseExpr()
	}
	op.Span = p.span(from)
	return op
}

// bareStar parses a `*` that stands alone (distinct *, search *), or
// returns nil.
func (p *parser) bareStar() ast.Expr {
	if p.kind != token.MUL {
		return nil
	}
	if k := p.peek(1).kind; k != token.PIPE && k != token.SEMI && k != token.RPAREN && k != token.EOF && k != token.RBRACE {
		return nil
	}
	from := p.pos
	p.next()
	return &ast.Star{Span: p.span(from)}
}

// parseTableList parses `(T1, T2*, ...)` of search/find.
func (p *parser) parseTableList() []ast.Expr {
	p.enter()
	defer p.leave()
	p.expect(token.LPAREN)
	var out []ast.Expr
	for {
		out = append(out, p.parseTableRef())
		if !p.got(token.COMMA) {
			break
		}
	}
	p.expect(token.RPAREN)
	return out
}

func (p *parser) parseFind() *ast.FindOp {
	from := p.pos
	p.next()
	op := &ast.FindOp{Params: p.parseOpParams(findParams)}
	if p.isWord("in") && p.peek(1).kind == token.LPAREN {
		p.next()
		op.Tables = p.parseTableList()
	}
	if op.Tables != nil {
		p.expectWord("where")
	} else {
		p.gotWord("where") // optional without in (...): find "x"
	}
	op.Pred = p.parseExpr()
	switch {
	case p.gotWord("project-smart"):
		op.ProjectSmart = true
	case p.gotWord("project"):
		// column names, optionally typed (a:string); pack_all() is a name
		// to Kusto's parser too, so it is not accepted here either
		for {
			cf := p.pos
			d := p.parseColumnDecl(false)
			if d.Type == nil {
				op.Project = append(op.Project, d.Name)
			} else {
				op.Project = append(op.Project, &ast.ColumnRef{Span: p.span(cf), Decl: d})
			}
			if !p.got(token.COMMA) {
				break
			}
		}
	}
	op.Span = p.span(from)
	return op
}
