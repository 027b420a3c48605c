// Package token defines the lexical tokens of KQL and source positions, in
// the manner of go/token: a Pos is a compact byte offset, and a File turns
// it into a line and column for messages.
package token

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// Pos is a byte offset into a source text plus one; the zero value NoPos
// means "no position".
type Pos int

// NoPos is the zero Pos.
const NoPos Pos = 0

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p != NoPos }

// Offset returns the 0-based byte offset of p.
func (p Pos) Offset() int { return int(p) - 1 }

// PosOf returns the Pos of a 0-based byte offset.
func PosOf(offset int) Pos { return Pos(offset + 1) }

// Position is a human-readable source position. Line and Column count from
// 1; Column counts characters (runes), as editors show them.
type Position struct {
	Filename string
	Offset   int
	Line     int
	Column   int
}

// String formats the position as file:line:col, or line:col without a file.
func (p Position) String() string {
	if p.Filename != "" {
		return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Column)
}

// File maps positions of one source text to lines and columns.
type File struct {
	Name  string
	src   string
	lines []int // byte offset of the start of each line
}

// NewFile indexes the lines of src. Lines end at \n; a \r before it is part
// of the line's end.
func NewFile(name, src string) *File {
	f := &File{Name: name, src: src, lines: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

// Source returns the text the file was made from.
func (f *File) Source() string { return f.src }

// Position returns the line and column of p.
func (f *File) Position(p Pos) Position {
	off := p.Offset()
	if off < 0 {
		off = 0
	}
	if off > len(f.src) {
		off = len(f.src)
	}
	line := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	col := utf8.RuneCountInString(f.src[f.lines[line]:off]) + 1
	return Position{Filename: f.Name, Offset: off, Line: line + 1, Column: col}
}

// Kind is the kind of a lexical token.
type Kind uint8

// Token kinds. Keywords are not distinguished by the scanner: KQL lets most
// of them be used as names, so the parser decides from context whether an
// Ident is a keyword.
const (
	ILLEGAL Kind = iota
	EOF
	COMMENT

	IDENT    // Name, ['bracketed name'], ["bracketed name"]
	INT      // 42, 0x2A
	REAL     // 1.5, 1e10, .5
	STRING   // 'a', "a", @'a', h"a", ```a```
	TIMESPAN // 1d, 30m, 1.5h, 100ms, 10microsecond, 1tick
	// GUIDLIT is not produced by the scanner; guid(...) is parsed from its
	// parts by the parser.

	LPAREN   // (
	RPAREN   // )
	LBRACK   // [
	RBRACK   // ]
	LBRACE   // {
	RBRACE   // }
	COMMA    // ,
	SEMI     // ;
	COLON    // :
	DOT      // .
	DOTDOT   // ..
	PIPE     // |
	ASSIGN   // =
	EQL      // ==
	NEQ      // !=
	LSSGTR   // <>
	LSS      // <
	LEQ      // <=
	GTR      // >
	GEQ      // >=
	EQTILDE  // =~
	NEQTILDE // !~
	ADD      // +
	SUB      // -
	MUL      // *
	QUO      // /
	REM      // %
	ARROW    // =>
	AT       // @ (alone)
	BANG     // ! (alone, before a word such as !has, !in, !contains)
	QUESTION // ?
	DOLLAR   // $ (as in $left, $right)

	// TYPEDLIT is a typed literal scanned raw, because its content is not
	// made of KQL tokens: datetime(2024-01-01 10:00), guid(…), timespan(1.02:03),
	// long(5), real(nan), bool(true), int(null), decimal(…), time(…).
	TYPEDLIT
)

var kindNames = [...]string{
	ILLEGAL: "ILLEGAL", EOF: "end of input", COMMENT: "comment",
	IDENT: "identifier", INT: "integer literal", REAL: "real literal",
	STRING: "string literal", TIMESPAN: "timespan literal",
	LPAREN: "(", RPAREN: ")", LBRACK: "[", RBRACK: "]", LBRACE: "{", RBRACE: "}",
	COMMA: ",", SEMI: ";", COLON: ":", DOT: ".", DOTDOT: "..", PIPE: "|",
	ASSIGN: "=", EQL: "==", NEQ: "!=", LSSGTR: "<>", LSS: "<", LEQ: "<=", GTR: ">", GEQ: ">=",
	EQTILDE: "=~", NEQTILDE: "!~", ADD: "+", SUB: "-", MUL: "*", QUO: "/", REM: "%",
	ARROW: "=>", AT: "@", BANG: "!", QUESTION: "?", DOLLAR: "$",
	TYPEDLIT: "typed literal",
}

// String returns the token's text for operators and a description for the
// other kinds, for use in "expected X, found Y" messages.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("token(%d)", k)
}
