package parser

import (
	"strings"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/token"
)

// Binary operator precedence, lowest first, as in Kusto.Language (checked
// against its syntax trees): string operators bind tighter than arithmetic,
// and the equality, relational and string levels do not chain (a == b == c
// is an error).
const (
	precNone = iota
	precOr
	precAnd
	precEquality   // == != <> in !in in~ !in~ has_any has_all between !between
	precRelational // < <= > >=
	precAdditive   // + -
	precMultiplicative
	precString // =~ !~ has contains startswith endswith matches regex like : ...
)

// chains reports whether operators of a level are left-associative (a+b+c);
// the others take one operator per level.
func chains(prec int) bool {
	return prec == precOr || prec == precAnd || prec == precAdditive || prec == precMultiplicative
}

// stringOps are the string operators spelled as words.
var stringOps = map[string]bool{
	"has": true, "!has": true, "has_cs": true, "!has_cs": true,
	"hasprefix": true, "!hasprefix": true, "hasprefix_cs": true, "!hasprefix_cs": true,
	"hassuffix": true, "!hassuffix": true, "hassuffix_cs": true, "!hassuffix_cs": true,
	"contains": true, "!contains": true, "contains_cs": true, "!contains_cs": true,
	"containscs": true, "notcontains": true, "notcontainscs": true,
	"startswith": true, "!startswith": true, "startswith_cs": true, "!startswith_cs": true,
	"endswith": true, "!endswith": true, "endswith_cs": true, "!endswith_cs": true,
	"like": true, "notlike": true, "likecs": true, "notlikecs": true,
	"matches": true, // matches regex
}

// setOps take a parenthesised list on their right.
var setOps = map[string]bool{
	"in": true, "!in": true, "in~": true, "!in~": true, "has_any": true, "has_all": true,
}

// binaryPrec returns the precedence and spelling of the binary operator at
// the current token, or precNone.
func (p *parser) binaryPrec() (int, string) {
	switch p.kind {
	case token.IDENT:
		switch p.lit {
		case "or":
			return precOr, "or"
		case "and":
			return precAnd, "and"
		case "between", "!between":
			return precEquality, p.lit
		}
		if setOps[p.lit] {
			return precEquality, p.lit
		}
		if stringOps[p.lit] {
			if p.lit == "matches" && !p.peekWord(1, "regex") {
				return precNone, ""
			}
			return precString, p.lit
		}
	case token.EQL, token.NEQ, token.LSSGTR:
		return precEquality, p.lit
	case token.EQTILDE, token.NEQTILDE, token.COLON:
		return precString, p.lit
	case token.LSS, token.LEQ, token.GTR, token.GEQ:
		return precRelational, p.lit
	case token.ADD, token.SUB:
		return precAdditive, p.lit
	case token.MUL, token.QUO, token.REM:
		return precMultiplicative, p.lit
	}
	return precNone, ""
}

// parseQuery is parsePipe where a query may also start with an operator
// (where, project, mv-expand, ...: no source), which Kusto's parser accepts
// in statements, parentheses, function bodies and in-lists; the binder
// reports the missing input.
func (p *parser) parseQuery() ast.Expr {
	if p.atStartOp() {
		from := p.pos
		pl := &ast.Pipeline{Ops: []ast.Operator{p.parseOperator()}}
		p.parseStages(pl)
		pl.Span = p.span(from)
		return pl
	}
	return p.parsePipe()
}

// parsePipe parses an expression optionally followed by `| operator`
// stages: a query, or a scalar expression where a query may stand.
func (p *parser) parsePipe() ast.Expr {
	from := p.pos
	var x ast.Expr
	if p.kind == token.IDENT {
		x = p.parseSourceOp()
	}
	if x == nil {
		x = p.parseExpr()
	}
	if p.kind != token.PIPE {
		return x
	}
	pl := &ast.Pipeline{Source: x}
	p.parseStages(pl)
	pl.Span = p.span(from)
	return pl
}

// parseStages parses `| op` stages into pl, recovering from an error in
// one operator at the next `|`.
func (p *parser) parseStages(pl *ast.Pipeline) {
	for p.kind == token.PIPE && len(p.errs) < maxErrors {
		p.next()
		var op ast.Operator
		if p.protect(func() { op = p.parseOperator() }) {
			pl.Ops = append(pl.Ops, op)
			if p.kind != token.PIPE && !p.isQueryEnd() {
				p.protect(func() { p.fail("'|' or end of query") })
				p.skipTo(true)
			}
		} else {
			p.skipOperator()
		}
	}
}

// skipOperator skips the rest of a broken operator, up to the next `|` or
// `;`. Outside any bracket (depth 0) a closing bracket can only belong to
// the broken text, so it is skipped too rather than reported again.
func (p *parser) skipOperator() {
	for {
		p.skipTo(true)
		if p.depth > 0 || (p.kind != token.RPAREN && p.kind != token.RBRACK && p.kind != token.RBRACE) {
			return
		}
		p.next()
	}
}

// isQueryEnd reports whether the current token ends a query: `;`, a
// closing bracket, or EOF.
func (p *parser) isQueryEnd() bool {
	switch p.kind {
	case token.SEMI, token.RPAREN, token.RBRACE, token.RBRACK, token.EOF, token.COMMA:
		return true
	}
	return false
}

// parseSubPipeline parses the sub-query of mv-apply, partition, facet
// (strict: it must start with a tabular operator, as Kusto requires) and
// fork (a query or an operator sequence): `op | op ...` has no source.
func (p *parser) parseSubPipeline(strict bool) ast.Expr {
	from := p.pos
	if p.kind == token.IDENT && operatorStarts(p) {
		pl := &ast.Pipeline{}
		pl.Ops = append(pl.Ops, p.parseOperator())
		p.parseStages(pl)
		pl.Span = p.span(from)
		return pl
	}
	if strict && !(p.kind == token.IDENT && sourceOps[p.lit]) {
		p.fail("tabular operator")
	}
	return p.parsePipe()
}

// atStartOp reports whether the current word is an operator starting a
// query with no source.
func (p *parser) atStartOp() bool {
	if p.kind != token.IDENT || !startOps[p.lit] {
		return false
	}
	next := p.peek(1)
	switch next.kind {
	case token.PIPE, token.SEMI, token.EOF, token.RPAREN, token.RBRACE, token.COMMA:
		return !nameOps[p.lit]
	}
	switch p.lit { // names unless what follows can only be the operator
	case "serialize":
		return next.kind == token.IDENT && p.peek(2).kind == token.ASSIGN
	case "facet":
		return next.kind == token.IDENT && next.lit == "by"
	case "partition":
		return next.kind == token.IDENT && (next.lit == "by" || next.lit == "hint")
	case "render":
		return next.kind == token.IDENT
	}
	return true
}

// startOps are the operators Kusto's parser accepts at the start of a
// query with no source (checked against its verdicts). The others (take,
// summarize, extend, ...) are taken as names there and then fail.
var startOps = map[string]bool{
	"where": true, "project": true, "project-away": true, "project-keep": true,
	"project-rename": true, "project-reorder": true, "project-smart": true, "mv-apply": true,
	"mv-expand": true, "make-series": true, "parse-where": true, "parse-kv": true,
	"top-nested": true, "sample": true, "sample-distinct": true, "as": true, "invoke": true,
	"render": true, "serialize": true, "getschema": true, "consume": true, "facet": true,
	"partition": true, "top-hitters": true,
}

// nameOps are start operators that are also plain names when alone.
var nameOps = map[string]bool{
	"serialize": true, "getschema": true, "consume": true, "facet": true, "partition": true, "render": true,
}

// sourceOps are the operators that start a query without input.
var sourceOps = map[string]bool{
	"print": true, "range": true, "union": true, "search": true, "find": true,
	"evaluate": true, "datatable": true, "externaldata": true, "external_data": true,
}

// parseExpr parses a scalar (or tabular) expression without pipes.
func (p *parser) parseExpr() ast.Expr {
	return p.parseBinary(precOr)
}

// parseBinary is precedence climbing: it parses operands joined by binary
// operators of precedence at least min. Chaining levels associate to the
// left; at the other levels a second operator of the same level (or a
// tighter one left over after such a stop) ends the expression, so the
// caller reports it.
func (p *parser) parseBinary(min int) ast.Expr {
	return p.parseBinaryRest(p.parseUnary(), min)
}

// parseBinaryRest continues parseBinary after its first operand x.
func (p *parser) parseBinaryRest(x ast.Expr, min int) ast.Expr {
	last := precNone
	for {
		prec, op := p.binaryPrec()
		if prec == precNone || prec < min {
			return x
		}
		if last != precNone && (prec > last || prec == last && !chains(prec)) {
			return x
		}
		last = prec
		opPos := p.pos
		from := x.Pos()
		switch {
		case setOps[op]:
			p.next()
			list := p.parseInList()
			x = &ast.InExpr{Span: p.span(from), X: x, OpPos: opPos, Op: op, List: list}
			continue
		case op == "between" || op == "!between":
			p.next()
			p.enter()
			p.expect(token.LPAREN)
			lo := p.parseExpr()
			p.expect(token.DOTDOT)
			hi := p.parseExpr()
			p.expect(token.RPAREN)
			p.leave()
			x = &ast.BetweenExpr{Span: p.span(from), X: x, Not: op == "!between", Lo: lo, Hi: hi}
			continue
		case op == "matches":
			p.next()
			op = "matches regex"
		}
		p.next()
		y := p.parseBinary(prec + 1)
		x = &ast.BinaryExpr{Span: p.span(from), X: x, OpPos: opPos, Op: op, Y: y}
	}
}

// parseInList parses `(e1, e2, ...)` on the right of in, has_any, ...;
// each element may be a query.
func (p *parser) parseInList() []ast.Expr {
	p.enter()
	defer p.leave()
	p.expect(token.LPAREN)
	var list []ast.Expr
	if p.atStartOp() {
		// (where ...) is a query and the only element.
		list = append(list, p.parseQuery())
		p.expect(token.RPAREN)
		return list
	}
	// The first element may be a query; the others are scalars.
	list = append(list, p.parsePipe())
	for p.got(token.COMMA) {
		list = append(list, p.parseExpr())
	}
	p.expect(token.RPAREN)
	return list
}

func (p *parser) parseUnary() ast.Expr {
	if p.kind == token.SUB || p.kind == token.ADD {
		from := p.pos
		op := p.lit
		p.next()
		if p.kind == token.SUB || p.kind == token.ADD {
			// Kusto rejects - -1: a sign cannot apply to a signed operand.
			p.fail("expression")
		}
		x := p.parsePostfix(p.parsePrimary())
		return &ast.UnaryExpr{Span: p.span(from), Op: op, X: x}
	}
	return p.parsePostfix(p.parsePrimary())
}

// parsePostfix parses member access, indexing and calls after x.
func (p *parser) parsePostfix(x ast.Expr) ast.Expr {
	for {
		switch p.kind {
		case token.DOT:
			p.next()
			if p.kind == token.LBRACK && !p.isNameStart() {
				continue // a.[0] is a[0]
			}
			sel := p.parseMemberName()
			x = &ast.SelectorExpr{Span: ast.Span{From: x.Pos(), To: p.prevEnd}, X: x, Sel: sel}
		case token.LBRACK:
			p.enter()
			p.next()
			idx := p.parseExpr()
			p.expect(token.RBRACK)
			p.leave()
			x = &ast.IndexExpr{Span: ast.Span{From: x.Pos(), To: p.prevEnd}, X: x, Index: idx}
		case token.LPAREN:
			switch x := x.(type) {
			case *ast.Ident:
				if x.Name == "@" {
					return x
				}
			case *ast.SelectorExpr:
			default:
				return x
			}
			tab := isTabularFunc(x)
			if tab && p.peek(1).kind == token.RPAREN {
				p.next()
				p.fail("query") // toscalar() needs its argument
			}
			args := p.parseArgs(tab)
			x = &ast.CallExpr{Span: ast.Span{From: x.Pos(), To: p.prevEnd}, Fun: x, Args: args}
		default:
			return x
		}
	}
}

// parseMemberName parses the name after a dot: any word, a bracketed
// name, or a number-like word.
func (p *parser) parseMemberName() *ast.Ident {
	from := p.pos
	switch p.kind {
	case token.IDENT:
		if p.lit[0] == '!' {
			p.fail("name")
		}
		if reservedNames[p.lit] {
			p.errorf(p.pos, "expected name, found keyword '%s' (write ['%s'] to use it as a name)", p.lit, p.lit)
			panic(bailout{})
		}
		name := p.lit
		p.next()
		return &ast.Ident{Span: p.span(from), Name: name}
	}
	return p.parseName()
}

// isTabularFunc reports whether fun is toscalar or materialize, the calls
// whose argument is a query (with pipes).
func isTabularFunc(fun ast.Expr) bool {
	id, ok := fun.(*ast.Ident)
	return ok && (id.Name == "toscalar" || id.Name == "materialize")
}

// parseArgs parses `(args)` of a call: expressions, `name = value` named
// arguments and `*`; with tabular, arguments may be queries.
func (p *parser) parseArgs(tabular bool) []ast.Expr {
	p.enter()
	defer p.leave()
	p.expect(token.LPAREN)
	var args []ast.Expr
	if p.kind != token.RPAREN {
		for {
			args = append(args, p.parseArg(tabular))
			if !p.got(token.COMMA) {
				break
			}
		}
	}
	p.expect(token.RPAREN)
	return args
}

func (p *parser) parseArg(tabular bool) ast.Expr {
	from := p.pos
	if p.kind == token.MUL {
		if t := p.peek(1).kind; t == token.COMMA || t == token.RPAREN {
			p.next()
			return &ast.Star{Span: p.span(from)}
		}
	}
	if p.isNameStart() && p.peek(p.nameLen()).kind == token.ASSIGN {
		name := p.parseName()
		p.next()
		x := p.parseExpr()
		return &ast.NamedExpr{Span: p.span(from), Names: []*ast.Ident{name}, X: x}
	}
	if tabular {
		return p.parseQuery()
	}
	return p.parseExpr()
}

// parsePrimary parses a literal, name, parenthesised expression or query,
// or a source operator (print, range, datatable, union, ...).
func (p *parser) parsePrimary() ast.Expr {
	from := p.pos
	switch p.kind {
	case token.INT:
		return p.basic(ast.IntLit)
	case token.REAL:
		return p.basic(ast.RealLit)
	case token.TIMESPAN:
		return p.basic(ast.TimeSpanLit)
	case token.STRING:
		return p.parseString()
	case token.TYPEDLIT:
		return p.parseTypedLit()
	case token.MUL:
		// `*` stands for "any column" only as the left operand of an
		// operator (where * has "x"); bare `*` is handled by its operators.
		p.next()
		if prec, _ := p.binaryPrec(); prec == precNone {
			p.fail("operator after '*'")
		}
		return &ast.Star{Span: p.span(from)}
	case token.LPAREN:
		p.enter()
		p.next()
		x := p.parseQuery()
		p.expect(token.RPAREN)
		p.leave()
		return &ast.ParenExpr{Span: p.span(from), X: x}
	case token.LBRACK:
		if p.isNameStart() {
			return p.parseName()
		}
		// Kusto's parser accepts [x] as an operand (the binder rejects
		// what is not a name); it is kept as a one-element ArrayLit.
		p.enter()
		p.next()
		x := p.parseExpr()
		p.expect(token.RBRACK)
		p.leave()
		return &ast.ArrayLit{Span: p.span(from), Elems: []ast.Expr{x}}
	case token.AT:
		// A lone @ is accepted by Kusto's parser as a name.
		p.next()
		return &ast.Ident{Span: p.span(from), Name: "@"}
	case token.IDENT:
		if p.lit[0] == '!' {
			break
		}
		next := p.peek(1).kind
		reserved := reservedNames[p.lit]
		switch p.lit {
		case "true", "false":
			return p.basic(ast.BoolLit)
		case "in~":
			reserved = true
		case "null":
			return p.basic(ast.NullLit)
		case "dynamic":
			if next == token.LPAREN {
				return p.parseDynamic()
			}
		case "typeof":
			if next == token.LPAREN {
				return p.parseTypeOf()
			}
		case "toscalar", "materialize":
			if next == token.LPAREN {
				reserved = false
			}
		case "datatable":
			if next == token.LPAREN {
				return p.parseDatatable()
			}
		case "externaldata", "external_data":
			if next == token.LPAREN {
				return p.parseExternalData()
			}
		}
		if reserved {
			p.errorf(p.pos, "expected expression, found keyword '%s' (write ['%s'] to use it as a name)", p.lit, p.lit)
			panic(bailout{})
		}
		name := p.lit
		p.next()
		return &ast.Ident{Span: p.span(from), Name: name}
	}
	p.fail("expression")
	return nil
}

// declarableKeywords are the reserved words Kusto's parser still accepts
// as the declared name of `name = expr` in extend, project, summarize, ...
// (checked against its verdicts on `T | extend word = 1`).
var declarableKeywords = map[string]bool{
	"accumulate": true, "as": true, "by": true, "contains": true, "datatable": true,
	"externaldata": true, "find": true, "has": true, "in": true, "invoke": true,
	"materialize": true, "of": true, "print": true, "sample": true, "sample-distinct": true,
	"search": true, "set": true, "title": true, "to": true, "top-hitters": true,
	"top-nested": true, "toscalar": true, "where": true,
}

// keywordAsName reports a reserved word used where a name is declared.
func (p *parser) keywordAsName() {
	p.errorf(p.pos, "expected name, found keyword '%s' (write ['%s'] to use it as a name)", p.lit, p.lit)
	panic(bailout{})
}

// reservedNames are the keywords that cannot stand as a name in an
// expression without brackets (Kusto requires ['where'] there); the list
// was taken from Kusto.Language's verdicts on `print word`.
var reservedNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		string dynamic boolean int long real double decimal datetime timespan int64 date time uniqueid in~
		accumulate and anomalychart areachart as asc assert-schema bagexpansion barchart between
		bin_legacy by callout cancel card columnchart contains contains_cs containscs datascope
		datatable desc endswith endswith_cs external_data externaldata find first flags
		granny-asc granny-desc graph-match has has_all has_any has_cs hasprefix hasprefix_cs
		hassuffix hassuffix_cs in invoke isfuzzy ladderchart last like likecs linechart
		macro-expand make-graph make-series materialize mv-apply mv-expand notcontains
		notcontainscs notlike notlikecs of or others parse-kv parse-where piechart pivotchart
		print project project-away project-keep project-rename project-reorder project-smart
		sample sample-distinct scatterchart search set simple stackedareachart startswith
		startswith_cs timechart timepivot title to top-hitters top-nested toscalar treemap
		union where with_itemindex with_match_id`) {
		m[w] = true
	}
	return m
}()

func (p *parser) basic(k ast.LitKind) ast.Expr {
	from := p.pos
	v := p.lit
	p.next()
	return &ast.BasicLit{Span: p.span(from), Kind: k, Value: v}
}

// parseString parses one or more adjacent string literals into one.
func (p *parser) parseString() ast.Expr {
	from := p.pos
	obf := false
	for i := p.i; p.toks[i].kind == token.STRING; i++ {
		if c := p.toks[i].lit[0]; c == 'h' || c == 'H' {
			obf = true
		}
	}
	v := p.stringValue()
	return &ast.BasicLit{Span: p.span(from), Kind: ast.StringLit, Value: v, Obfuscated: obf}
}

func (p *parser) parseTypedLit() ast.Expr {
	from := p.pos
	lit := p.lit
	p.next()
	open := strings.IndexByte(lit, '(')
	text := lit[open+1:]
	text = strings.TrimSuffix(text, ")")
	return &ast.TypedLit{Span: p.span(from), Type: lit[:open], Text: strings.TrimSpace(text)}
}

func (p *parser) parseTypeOf() ast.Expr {
	from := p.pos
	p.next()
	p.expect(token.LPAREN)
	if p.kind == token.MUL { // typeof(*): any schema, in evaluate plugins
		p.next()
		p.expect(token.RPAREN)
		return &ast.TypeOf{Span: p.span(from), Type: "*"}
	}
	if p.kind == token.RPAREN { // typeof(): accepted by Kusto's parser
		p.next()
		return &ast.TypeOf{Span: p.span(from)}
	}
	// Any name is syntactically a type here (typeof(stringx) is a
	// binder error in Kusto, not a syntax error).
	if p.kind != token.IDENT {
		p.fail("type name")
	}
	name := p.lit
	p.next()
	p.expect(token.RPAREN)
	return &ast.TypeOf{Span: p.span(from), Type: name}
}

// parseDynamic parses dynamic(json-like literal).
func (p *parser) parseDynamic() ast.Expr {
	from := p.pos
	p.next()
	p.enter()
	defer p.leave()
	p.expect(token.LPAREN)
	x := p.parseJSON()
	p.expect(token.RPAREN)
	return &ast.DynamicLit{Span: p.span(from), X: x}
}

// parseJSON parses a value inside dynamic(...): an array, a bag, or a
// literal (with an optional leading minus on numbers).
func (p *parser) parseJSON() ast.Expr {
	from := p.pos
	switch p.kind {
	case token.LBRACK:
		p.enter()
		defer p.leave()
		p.next()
		arr := &ast.ArrayLit{}
		if p.kind != token.RBRACK {
			for {
				arr.Elems = append(arr.Elems, p.parseJSON())
				if !p.got(token.COMMA) {
					break
				}
			}
		}
		p.expect(token.RBRACK)
		arr.Span = p.span(from)
		return arr
	case token.LBRACE:
		p.enter()
		defer p.leave()
		p.next()
		bag := &ast.BagLit{}
		if p.kind != token.RBRACE {
			for {
				ff := p.pos
				key := p.stringValue()
				p.expect(token.COLON)
				v := p.parseJSON()
				bag.Fields = append(bag.Fields, &ast.BagField{Span: p.span(ff), Key: key, Value: v})
				if !p.got(token.COMMA) {
					break
				}
			}
		}
		p.expect(token.RBRACE)
		bag.Span = p.span(from)
		return bag
	case token.SUB:
		p.next()
		switch p.kind {
		case token.INT, token.REAL, token.TIMESPAN:
			x := p.parseJSON()
			return &ast.UnaryExpr{Span: p.span(from), Op: "-", X: x}
		}
		p.fail("number")
	case token.INT, token.REAL, token.TIMESPAN, token.STRING, token.TYPEDLIT:
		return p.parsePrimary()
	case token.IDENT:
		switch p.lit {
		case "true", "false", "null":
			return p.parsePrimary()
		case "dynamic":
			if p.peek(1).kind == token.LPAREN {
				return p.parseDynamic()
			}
		}
	}
	p.fail("JSON value")
	return nil
}

// parseNamedOrExpr parses `name = X`, `(a, b) = X` or a plain expression,
// as in extend, project, summarize and print lists.
func (p *parser) parseNamedOrExpr() ast.Expr {
	from := p.pos
	if p.isNameStart() && p.peek(p.nameLen()).kind == token.ASSIGN {
		if p.kind == token.IDENT && reservedNames[p.lit] && !declarableKeywords[p.lit] {
			p.keywordAsName()
		}
		name := p.parseName()
		p.next()
		x := p.parseExpr()
		return &ast.NamedExpr{Span: p.span(from), Names: []*ast.Ident{name}, X: x}
	}
	if p.kind == token.LPAREN && p.looksLikeNameTuple() {
		p.next()
		var names []*ast.Ident
		for {
			names = append(names, p.parseName())
			if !p.got(token.COMMA) {
				break
			}
		}
		p.expect(token.RPAREN)
		p.expect(token.ASSIGN)
		x := p.parseExpr()
		return &ast.NamedExpr{Span: p.span(from), Names: names, X: x}
	}
	return p.parseExpr()
}

// looksLikeNameTuple reports whether `(` starts `(a, b, ...) =`.
func (p *parser) looksLikeNameTuple() bool {
	i := 1
	for {
		t := p.peek(i)
		switch {
		case t.kind == token.IDENT:
			i++
		case t.kind == token.LBRACK && p.peek(i+1).kind == token.STRING && p.peek(i+2).kind == token.RBRACK:
			i += 3
		default:
			return false
		}
		switch p.peek(i).kind {
		case token.COMMA:
			i++
		case token.RPAREN:
			return p.peek(i+1).kind == token.ASSIGN
		default:
			return false
		}
	}
}

// parseExprList parses a comma-separated list of named or plain
// expressions.
func (p *parser) parseExprList() []ast.Expr {
	var out []ast.Expr
	for {
		out = append(out, p.parseNamedOrExpr())
		if !p.got(token.COMMA) {
			return out
		}
	}
}

// parsePlainList parses a comma-separated list of expressions.
func (p *parser) parsePlainList() []ast.Expr {
	var out []ast.Expr
	for {
		out = append(out, p.parseExpr())
		if !p.got(token.COMMA) {
			return out
		}
	}
}
