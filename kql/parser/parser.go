// Package parser turns KQL text into a syntax tree (package ast): a
// hand-written recursive-descent parser with precedence climbing for scalar
// operators, in the manner of go/parser. It accepts what Microsoft's
// Kusto.Language parser accepts on real hunting queries, reports errors as
// `line:col: expected X, found Y`, recovers at the next `|` or `;` so one
// error does not hide the next, and never panics: nesting depth is bounded
// and time is linear in the input.
package parser

import (
	"strings"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/scanner"
	"github.com/quarry-kql/quarry/kql/token"
)

// MaxDepth bounds the nesting of expressions: parentheses, calls, brackets,
// in-lists, unary signs, dynamic arrays and bags, function bodies and
// sub-queries each count one level. Deeper input is rejected with an error
// instead of risking the stack of the parser or of the passes that walk
// the tree.
const MaxDepth = 10000

// maxErrors stops parsing after this many errors; the rest would be noise.
const maxErrors = 50

// Parse parses a query text with no file name.
func Parse(src string) (*ast.Script, diag.List) {
	return ParseFile(token.NewFile("", src))
}

// ParseFile parses the text of file. It always returns a Script (possibly
// partial); the list holds every lexical and syntax error, sorted by
// position.
func ParseFile(file *token.File) (script *ast.Script, errs diag.List) {
	p := &parser{file: file}
	p.init()
	script = p.parseScript()
	errs = append(p.scanErrs, p.errs...)
	errs.Sort()
	return script, errs
}

type tok struct {
	pos  token.Pos
	kind token.Kind
	lit  string
}

type parser struct {
	file     *token.File
	toks     []tok
	i        int // index of the current token
	errs     diag.List
	scanErrs diag.List
	depth    int
	prevEnd  token.Pos // end of the last consumed token

	// current token, cached from toks[i]
	kind token.Kind
	lit  string
	pos  token.Pos
}

// bailout is panicked (and recovered inside this package only) to abandon
// the current operator or statement after an error.
type bailout struct{}

func (p *parser) init() {
	var s scanner.Scanner
	s.Init(p.file, 0)
	src := p.file.Source()
	p.toks = make([]tok, 0, len(src)/5+2) // about one token per 5 bytes
	for {
		pos, kind, lit := s.Scan()
		p.toks = append(p.toks, tok{pos, kind, lit})
		if kind == token.EOF {
			break
		}
	}
	p.scanErrs = s.Errors
	p.i = 0
	p.sync()
}

func (p *parser) sync() {
	t := &p.toks[p.i]
	p.kind, p.lit, p.pos = t.kind, t.lit, t.pos
}

// next consumes the current token.
func (p *parser) next() {
	if p.kind == token.EOF {
		return
	}
	p.prevEnd = p.pos + token.Pos(len(p.lit))
	p.i++
	p.sync()
}

// peek returns the token n ahead of the current one (EOF past the end).
func (p *parser) peek(n int) tok {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

// adjacent reports whether token i+n starts right where token i+n-1 ends.
func (p *parser) adjacent(n int) bool {
	a, b := p.peek(n-1), p.peek(n)
	return a.pos+token.Pos(len(a.lit)) == b.pos
}

// isWord reports whether the current token is the identifier w
// (keywords are case-sensitive in KQL).
func (p *parser) isWord(w string) bool { return p.kind == token.IDENT && p.lit == w }

func (p *parser) peekWord(n int, w string) bool {
	t := p.peek(n)
	return t.kind == token.IDENT && t.lit == w
}

// describe names the current token for messages.
func describe(t tok) string {
	switch t.kind {
	case token.EOF:
		return "end of input"
	case token.IDENT:
		return "'" + t.lit + "'"
	case token.STRING:
		return "string literal"
	case token.INT, token.REAL, token.TIMESPAN:
		return "literal " + t.lit
	case token.TYPEDLIT:
		return "literal " + t.lit
	case token.ILLEGAL:
		return "'" + t.lit + "'"
	}
	return "'" + t.kind.String() + "'"
}

// errorf records an error at pos.
func (p *parser) errorf(pos token.Pos, format string, args ...any) {
	if len(p.errs) >= maxErrors {
		return
	}
	if n := len(p.errs); n > 0 && p.errs[n-1].Pos.Offset == pos.Offset() {
		return // one error per position is enough
	}
	p.errs.Add(p.file, pos, format, args...)
}

// fail reports "expected what, found <current token>" and abandons the
// current operator or statement.
func (p *parser) fail(what string) {
	p.errorf(p.pos, "expected %s, found %s", what, describe(p.toks[p.i]))
	panic(bailout{})
}

// expect consumes a token of kind k or fails.
func (p *parser) expect(k token.Kind) token.Pos {
	pos := p.pos
	if p.kind != k {
		p.fail("'" + k.String() + "'")
	}
	p.next()
	return pos
}

// expectWord consumes the keyword w or fails.
func (p *parser) expectWord(w string) token.Pos {
	pos := p.pos
	if !p.isWord(w) {
		p.fail("'" + w + "'")
	}
	p.next()
	return pos
}

func (p *parser) got(k token.Kind) bool {
	if p.kind == k {
		p.next()
		return true
	}
	return false
}

func (p *parser) gotWord(w string) bool {
	if p.isWord(w) {
		p.next()
		return true
	}
	return false
}

func (p *parser) span(from token.Pos) ast.Span { return ast.Span{From: from, To: p.prevEnd} }

// enter counts one level of nesting and fails beyond MaxDepth.
func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.errorf(p.pos, "expression nested too deeply (more than %d levels)", MaxDepth)
		panic(bailout{})
	}
}

func (p *parser) leave() { p.depth-- }

// ---------------------------------------------------------------------------
// Recovery

// skipTo skips tokens up to (not including) the next `|` or `;` at the
// current bracket level, or the bracket that closes the current level, or
// EOF. With stopAtPipe false it skips over `|` too.
func (p *parser) skipTo(stopAtPipe bool) {
	level := 0
	for p.kind != token.EOF {
		switch p.kind {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			level++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if level == 0 {
				return
			}
			level--
		case token.PIPE:
			if level == 0 && stopAtPipe {
				return
			}
		case token.SEMI:
			if level == 0 {
				return
			}
		}
		p.next()
	}
}

// skipStatement skips to the `;` that ends the statement, or EOF, over
// stray closing brackets.
func (p *parser) skipStatement() {
	for {
		p.skipTo(false)
		if p.kind != token.RPAREN && p.kind != token.RBRACK && p.kind != token.RBRACE {
			return
		}
		p.next()
	}
}

// protect runs f; if f bails out it restores the nesting depth and reports
// false.
func (p *parser) protect(f func()) (ok bool) {
	depth := p.depth
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bailout); !isBail {
				panic(r)
			}
			p.depth = depth
			ok = false
		}
	}()
	f()
	return true
}

// ---------------------------------------------------------------------------
// Script and statements

func (p *parser) parseScript() *ast.Script {
	s := &ast.Script{}
	s.From = p.pos
	for p.kind != token.EOF && len(p.errs) < maxErrors {
		start := p.i
		var st ast.Stmt
		ok := p.protect(func() { st = p.parseStmt() })
		if ok && st != nil {
			s.Stmts = append(s.Stmts, st)
		}
		if ok && p.kind != token.SEMI && p.kind != token.EOF {
			p.protect(func() { p.fail("';' or end of input") })
			ok = false
		}
		if !ok {
			p.skipStatement()
		}
		if p.kind == token.EOF {
			break
		}
		if p.kind == token.SEMI {
			p.next()
		} else if p.i == start {
			p.next() // make progress whatever happens
		}
	}
	s.To = p.prevEnd
	if !s.From.IsValid() || s.To < s.From {
		s.To = s.From
	}
	return s
}

func (p *parser) parseStmt() ast.Stmt {
	from := p.pos
	switch {
	case (p.isWord("alias") || p.isWord("restrict")) && p.peek(1).kind == token.IDENT,
		p.isWord("declare") && p.peekWord(1, "pattern"):
		p.errorf(p.pos, "the %s statement is not supported by quarry", p.lit)
		panic(bailout{})
	case p.kind == token.DOT && p.i == 0:
		p.errorf(p.pos, "control commands (text starting with '.') are not supported; expected a query")
		panic(bailout{})
	case p.isWord("let") && (p.peek(1).kind == token.IDENT || p.peek(1).kind == token.LBRACK):
		return p.parseLet()
	case p.isWord("set") && p.peek(1).kind == token.IDENT:
		p.next()
		name := p.parseName()
		var val ast.Expr
		if p.got(token.ASSIGN) {
			val = p.parseExpr() // Kusto's parser takes any expression here
		}
		return &ast.SetStmt{Span: p.span(from), Name: name, Value: val}
	case p.isWord("declare") && p.peekWord(1, "query_parameters"):
		p.next()
		p.next()
		p.expect(token.LPAREN)
		if p.kind == token.RPAREN {
			p.fail("parameter")
		}
		params := p.parseParams()
		p.expect(token.RPAREN)
		return &ast.DeclareStmt{Span: p.span(from), Kind: "query_parameters", Params: params}
	}
	x := p.parseQuery()
	return &ast.ExprStmt{Span: p.span(from), X: x}
}

func (p *parser) parseLet() *ast.LetStmt {
	from := p.expectWord("let")
	if p.kind == token.IDENT && reservedNames[p.lit] {
		p.keywordAsName()
	}
	name := p.parseName()
	p.expect(token.ASSIGN)
	var val ast.Expr
	if p.isWord("view") && p.peek(1).kind == token.LPAREN {
		p.next()
		val = p.parseFuncLit()
	} else if p.kind == token.LPAREN && p.looksLikeFunc() {
		val = p.parseFuncLit()
	} else {
		val = p.parseQuery()
	}
	return &ast.LetStmt{Span: p.span(from), Name: name, Value: val}
}

// looksLikeFunc reports whether the `(` at the current token starts a
// function literal: `()` or `(name:` ... followed eventually by `{`.
func (p *parser) looksLikeFunc() bool {
	t1 := p.peek(1)
	if t1.kind == token.RPAREN {
		return p.peek(2).kind == token.LBRACE
	}
	if t1.kind == token.IDENT && p.peek(2).kind == token.COLON {
		return true
	}
	if t1.kind == token.LBRACK && p.peek(2).kind == token.STRING && p.peek(3).kind == token.RBRACK && p.peek(4).kind == token.COLON {
		return true
	}
	return false
}

// parseFuncLit parses `(Params) { Body }`.
func (p *parser) parseFuncLit() *ast.FuncLit {
	from := p.pos
	p.enter()
	defer p.leave()
	p.expect(token.LPAREN)
	params := p.parseParams()
	p.expect(token.RPAREN)
	body := p.parseBlock()
	return &ast.FuncLit{Span: p.span(from), Params: params, Body: body}
}

// parseBlock parses `{ [let ...;]... Result [;] }`.
func (p *parser) parseBlock() *ast.Block {
	from := p.expect(token.LBRACE)
	b := &ast.Block{}
	for p.isWord("let") {
		b.Lets = append(b.Lets, p.parseLet())
		p.expect(token.SEMI)
	}
	if p.kind != token.RBRACE {
		b.Result = p.parseQuery()
		p.got(token.SEMI)
	}
	p.expect(token.RBRACE)
	b.Span = p.span(from)
	return b
}

// parseParams parses a possibly empty list of `name:type [= default]`.
func (p *parser) parseParams() []*ast.Param {
	var out []*ast.Param
	if p.kind == token.RPAREN {
		return out
	}
	for {
		from := p.pos
		name := p.parseName()
		p.expect(token.COLON)
		typ := p.parseTypeExpr()
		var def ast.Expr
		if p.got(token.ASSIGN) {
			def = p.parseExpr()
		}
		out = append(out, &ast.Param{Span: p.span(from), Name: name, Type: typ, Default: def})
		if !p.got(token.COMMA) {
			return out
		}
	}
}

// parseTypeExpr parses a scalar type name or a table schema `(*)`,
// `(a:string, ...)`, `(*, a:string)`.
func (p *parser) parseTypeExpr() ast.TypeExpr {
	if p.kind == token.LPAREN {
		return p.parseTableType()
	}
	return p.parseScalarType()
}

func (p *parser) parseScalarType() *ast.ScalarType {
	from := p.pos
	if p.kind != token.IDENT || !scalarTypes[p.lit] {
		p.fail("type name")
	}
	name := p.lit
	p.next()
	return &ast.ScalarType{Span: p.span(from), Name: name}
}

// scalarTypes are the type names KQL accepts in schemas and typeof().
var scalarTypes = map[string]bool{
	"bool": true, "boolean": true, "int": true, "int32": true, "long": true, "int64": true,
	"real": true, "double": true, "decimal": true, "string": true, "datetime": true, "date": true,
	"timespan": true, "time": true, "guid": true, "uuid": true, "uniqueid": true, "dynamic": true,
}

func (p *parser) parseTableType() *ast.TableType { return p.parseSchema(false, false) }

// parseSchema parses a table schema; with starCols, `(*, a:string)` ("the
// input's columns plus these", in evaluate output schemas) is allowed, else
// `*` stands alone, as Kusto requires.
//
// With leadingComma one comma may precede the columns (datatable(, a:long)
// is accepted by Kusto).
func (p *parser) parseSchema(starCols, leadingComma bool) *ast.TableType {
	from := p.expect(token.LPAREN)
	tt := &ast.TableType{}
	if leadingComma {
		p.got(token.COMMA)
	}
	if p.kind == token.MUL {
		p.next()
		tt.Star = true
		if starCols && p.got(token.COMMA) {
			for {
				tt.Columns = append(tt.Columns, p.parseColumnDecl(true))
				if !p.got(token.COMMA) {
					break
				}
			}
		}
	} else {
		for p.kind != token.RPAREN {
			tt.Columns = append(tt.Columns, p.parseColumnDecl(true))
			if !p.got(token.COMMA) {
				break
			}
		}
	}
	p.expect(token.RPAREN)
	tt.Span = p.span(from)
	return tt
}

// parseColumnDecl parses `name:type` (the type is optional unless
// typeRequired).
func (p *parser) parseColumnDecl(typeRequired bool) *ast.ColumnDecl {
	from := p.pos
	if typeRequired && p.kind == token.IDENT && reservedNames[p.lit] && !declarableKeywords[p.lit] {
		p.keywordAsName() // a schema column cannot be named `or`
	}
	name := p.parseName()
	var typ *ast.ScalarType
	if typeRequired || p.kind == token.COLON {
		p.expect(token.COLON)
		typ = p.parseScalarType()
	}
	return &ast.ColumnDecl{Span: p.span(from), Name: name, Type: typ}
}

// ---------------------------------------------------------------------------
// Names

// parseName parses an identifier or a bracketed name ['name'] / ["name"].
func (p *parser) parseName() *ast.Ident {
	from := p.pos
	switch p.kind {
	case token.IDENT:
		if p.lit[0] == '!' {
			p.fail("name")
		}
		if typeKeywords[p.lit] {
			p.errorf(p.pos, "expected name, found type keyword '%s' (write ['%s'] to use it as a name)", p.lit, p.lit)
			panic(bailout{})
		}
		name := p.lit
		p.next()
		return &ast.Ident{Span: p.span(from), Name: name}
	case token.LBRACK:
		if p.peek(1).kind == token.STRING && p.peek(2).kind == token.RBRACK {
			p.next()
			name := p.stringValue()
			p.expect(token.RBRACK)
			return &ast.Ident{Span: p.span(from), Name: name}
		}
	}
	p.fail("name")
	return nil
}

// typeKeywords are the type names that cannot be declared as names
// without brackets (extend ['time'] = 1), as in Kusto.
var typeKeywords = map[string]bool{
	"string": true, "dynamic": true, "boolean": true, "int": true, "long": true, "real": true,
	"double": true, "decimal": true, "datetime": true, "timespan": true, "int64": true,
	"date": true, "time": true, "uniqueid": true,
}

// isNameStart reports whether the current token can start a name.
func (p *parser) isNameStart() bool {
	switch p.kind {
	case token.IDENT:
		return p.lit[0] != '!'
	case token.LBRACK:
		return p.peek(1).kind == token.STRING && p.peek(2).kind == token.RBRACK
	}
	return false
}

// nameLen returns how many tokens the name at the current token spans.
func (p *parser) nameLen() int {
	if p.kind == token.LBRACK {
		return 3
	}
	return 1
}

// parseDottedName parses name(.name)* into one Ident named "a.b.c".
func (p *parser) parseDottedName() *ast.Ident {
	from := p.pos
	id := p.parseName()
	name := id.Name
	for p.kind == token.DOT && p.peek(1).kind == token.IDENT {
		p.next()
		name += "." + p.lit
		p.next()
	}
	return &ast.Ident{Span: p.span(from), Name: name}
}

// scanErrorAt reports whether the scanner already reported an error at pos
// (an unterminated string, for example).
func (p *parser) scanErrorAt(pos token.Pos) bool {
	for _, e := range p.scanErrs {
		if e.Pos.Offset == pos.Offset() {
			return true
		}
	}
	return false
}

// stringValue consumes one or more adjacent string literals and returns
// their joined value.
func (p *parser) stringValue() string {
	if p.kind != token.STRING {
		p.fail("string literal")
	}
	var b strings.Builder
	for p.kind == token.STRING {
		v, err := scanner.Unquote(p.lit)
		if err != nil && !p.scanErrorAt(p.pos) {
			p.errorf(p.pos, "invalid string literal: %v", err)
		}
		b.WriteString(v)
		p.next()
	}
	return b.String()
}
