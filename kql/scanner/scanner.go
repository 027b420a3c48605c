// Package scanner turns KQL source text into tokens, in the manner of
// go/scanner: identifiers (including names that start with digits, $left and
// hyphenated keywords such as project-away), numbers, timespans, every form
// of string literal, raw typed literals such as datetime(…) and guid(…),
// operators and comments. It never fails: malformed input becomes ILLEGAL
// tokens and diagnostics, and scanning always reaches EOF.
package scanner

import (
	"unicode"
	"unicode/utf8"

	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/token"
)

// Mode controls what the scanner returns.
type Mode uint

// ScanComments makes Scan return COMMENT tokens instead of skipping them.
const ScanComments Mode = 1 << iota

// Scanner holds the state of scanning one source text. Every token's
// literal is the exact source text it covers, so a token ends at
// pos+len(lit).
type Scanner struct {
	file *token.File
	src  string
	mode Mode
	off  int
	seen bool // a token has been returned

	// Errors collects the lexical errors found so far.
	Errors diag.List
}

// Init prepares s to scan file from its start.
func (s *Scanner) Init(file *token.File, mode Mode) {
	s.file = file
	s.src = file.Source()
	s.mode = mode
	s.off = 0
	s.seen = false
	s.Errors = nil
	// A leading byte-order mark is not part of the query.
	if len(s.src) >= 3 && s.src[:3] == "\uFEFF" {
		s.off = 3
	}
}

func (s *Scanner) error(off int, format string, args ...any) {
	s.Errors.Add(s.file, token.PosOf(off), format, args...)
}

// hyphenated lists the keywords written with a hyphen, keyed by the part
// before it. The scanner joins them into one IDENT, as Kusto's lexer does.
var hyphenated = map[string][]string{
	"project": {"away", "keep", "rename", "reorder", "smart"},
	"mv":      {"expand", "apply"},
	"parse":   {"where", "kv"},
	"make":    {"series", "graph"},
	"top":     {"nested", "hitters"},
	"sample":  {"distinct"},
	"graph":   {"match", "merge", "to-table", "shortest-paths", "mark-components"},
	"assert":  {"schema"},
	"macro":   {"expand"},
}

// negatable lists the operators that can be written with a leading '!'
// (!has, !in~, !between, ...); the scanner returns them as one IDENT.
var negatable = map[string]bool{
	"has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true,
	"hassuffix": true, "hassuffix_cs": true, "contains": true, "contains_cs": true,
	"startswith": true, "startswith_cs": true, "endswith": true, "endswith_cs": true,
	"in": true, "between": true, "like": true,
}

// typedLiterals are the type names whose literal form type(…) is scanned
// raw up to the closing parenthesis, because its content (a date, a guid, a
// timespan such as 1.02:03:04) is not made of KQL tokens.
var typedLiterals = map[string]bool{
	"bool": true, "int": true, "long": true, "int64": true,
	"real": true, "double": true, "decimal": true, "datetime": true,
	"date": true, "timespan": true, "time": true, "guid": true,
}

// TimespanUnits maps every timespan literal suffix to its length in ticks
// (100 ns). The nanosecond units are shorter than a tick and map to 0:
// callers convert them themselves (1 tick = 100 nanoseconds).
var TimespanUnits = map[string]int64{
	"d": 864e9, "day": 864e9, "days": 864e9,
	"h": 36e9, "hr": 36e9, "hrs": 36e9, "hour": 36e9, "hours": 36e9,
	"m": 6e8, "min": 6e8, "minute": 6e8, "minutes": 6e8,
	"s": 1e7, "sec": 1e7, "second": 1e7, "seconds": 1e7,
	"ms": 1e4, "milli": 1e4, "millis": 1e4, "millisecond": 1e4, "milliseconds": 1e4,
	"microsec": 10, "microsecond": 10, "microseconds": 10, "micros": 10,
	"nanosec": 0, "nanosecond": 0, "nanoseconds": 0,
	"tick": 1, "ticks": 1,
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isIdent(c byte) bool  { return isLetter(c) || isDigit(c) }
func isHex(c byte) bool    { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// isSpaceRune reports whether a non-ASCII rune is treated as white space:
// Unicode spaces (no-break space, narrow no-break space, ...) and the
// invisible zero-width characters that pasting from web pages leaves.
func isSpaceRune(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
		return true
	}
	return unicode.IsSpace(r)
}

// skip passes over white space, and over comments unless they are wanted.
func (s *Scanner) skip() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			s.off++
		case c == '/' && s.off+1 < len(s.src) && s.src[s.off+1] == '/' && s.mode&ScanComments == 0:
			s.skipLine()
		case c == '#' && !s.seen:
			// Client directives (#connect ...) may precede the query; like
			// Kusto, skip such lines before the first token only.
			s.skipLine()
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s.src[s.off:])
			if r == utf8.RuneError || !isSpaceRune(r) {
				return
			}
			s.off += n
		default:
			return
		}
	}
}

func (s *Scanner) skipLine() {
	for s.off < len(s.src) && s.src[s.off] != '\n' {
		s.off++
	}
}

// Scan returns the next token: its position, kind and exact source text.
// At the end of input it returns EOF forever.
func (s *Scanner) Scan() (pos token.Pos, kind token.Kind, lit string) {
	s.skip()
	start := s.off
	pos = token.PosOf(start)
	if s.off >= len(s.src) {
		return pos, token.EOF, ""
	}
	c := s.src[s.off]
	kind = s.scan(c)
	if kind != token.COMMENT {
		s.seen = true
	}
	return pos, kind, s.src[start:s.off]
}

func (s *Scanner) peek(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

func (s *Scanner) scan(c byte) token.Kind {
	start := s.off
	if (isLetter(c) || isDigit(c)) && s.rawGUID() {
		s.off += 36
		s.error(start, "raw guid literal %s: write guid(%s)", s.src[start:s.off], s.src[start:s.off])
		return token.ILLEGAL
	}
	switch {
	case isLetter(c):
		return s.scanWord()
	case isDigit(c):
		return s.scanNumber()
	}
	s.off++
	switch c {
	case '\'', '"':
		return s.scanQuoted(start, c)
	case '`':
		if s.peek(0) == '`' && s.peek(1) == '`' {
			return s.scanFenced(start, "```")
		}
	case '~':
		if s.peek(0) == '~' && s.peek(1) == '~' {
			return s.scanFenced(start, "~~~")
		}
	case '@':
		switch s.peek(0) {
		case '\'', '"':
			q := s.peek(0)
			s.off++
			return s.scanVerbatim(start, q)
		case '`':
			if s.peek(1) == '`' && s.peek(2) == '`' {
				s.off++
				return s.scanFenced(start, "```")
			}
		}
		return token.AT
	case '$':
		if isLetter(s.peek(0)) {
			for s.off < len(s.src) && isIdent(s.src[s.off]) {
				s.off++
			}
			return token.IDENT
		}
		return token.IDENT // a lone $ is a name in Kusto
	case '(':
		return token.LPAREN
	case ')':
		return token.RPAREN
	case '[':
		return token.LBRACK
	case ']':
		return token.RBRACK
	case '{':
		return token.LBRACE
	case '}':
		return token.RBRACE
	case ',':
		return token.COMMA
	case ';':
		return token.SEMI
	case ':':
		return token.COLON
	case '.':
		if s.peek(0) == '.' {
			s.off++
			return token.DOTDOT
		}
		return token.DOT
	case '|':
		return token.PIPE
	case '=':
		switch s.peek(0) {
		case '=':
			s.off++
			return token.EQL
		case '~':
			s.off++
			return token.EQTILDE
		case '>':
			s.off++
			return token.ARROW
		}
		return token.ASSIGN
	case '!':
		switch s.peek(0) {
		case '=':
			s.off++
			return token.NEQ
		case '~':
			s.off++
			return token.NEQTILDE
		}
		if isLetter(s.peek(0)) {
			save := s.off
			w := s.word()
			if negatable[w] {
				if w == "in" && s.peek(0) == '~' {
					s.off++
				}
				return token.IDENT
			}
			s.off = save
		}
		return token.BANG
	case '<':
		switch s.peek(0) {
		case '=':
			s.off++
			return token.LEQ
		case '>':
			s.off++
			return token.LSSGTR
		}
		return token.LSS
	case '>':
		if s.peek(0) == '=' {
			s.off++
			return token.GEQ
		}
		return token.GTR
	case '+':
		return token.ADD
	case '-':
		return token.SUB
	case '*':
		return token.MUL
	case '/':
		if s.peek(0) == '/' { // only reached in ScanComments mode
			s.skipLine()
			return token.COMMENT
		}
		return token.QUO
	case '%':
		return token.REM
	case '?':
		return token.QUESTION
	}
	// Anything else is illegal; consume a whole rune.
	s.off = start
	r, n := utf8.DecodeRuneInString(s.src[s.off:])
	s.off += n
	if r == utf8.RuneError && n == 1 {
		s.error(start, "invalid UTF-8 byte 0x%02x", s.src[start])
	} else {
		s.error(start, "unexpected character %q", r)
	}
	return token.ILLEGAL
}

// rawGUID reports whether a GUID written without guid(...) starts at the
// current offset (8-4-4-4-12 hex digits); Kusto rejects it.
func (s *Scanner) rawGUID() bool {
	if len(s.src)-s.off < 36 {
		return false
	}
	g := s.src[s.off : s.off+36]
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if g[i] != '-' {
				return false
			}
		default:
			if !isHex(g[i]) {
				return false
			}
		}
	}
	return true
}

// word consumes a run of identifier characters and returns it.
func (s *Scanner) word() string {
	start := s.off
	for s.off < len(s.src) && isIdent(s.src[s.off]) {
		s.off++
	}
	return s.src[start:s.off]
}

// scanWord scans an identifier or keyword starting with a letter, with the
// forms that continue it: hyphenated keywords, in~, h'obfuscated' strings
// and raw typed literals.
func (s *Scanner) scanWord() token.Kind {
	start := s.off
	w := s.word()
	c := s.peek(0)
	switch {
	case (w == "h" || w == "H") && (c == '\'' || c == '"'):
		s.off++
		return s.scanQuoted(start, c)
	case (w == "h" || w == "H") && c == '@' && (s.peek(1) == '\'' || s.peek(1) == '"'):
		q := s.peek(1)
		s.off += 2
		return s.scanVerbatim(start, q)
	case (w == "h" || w == "H") && c == '`' && s.peek(1) == '`' && s.peek(2) == '`':
		s.off++
		return s.scanFenced(start, "```")
	case c == '-':
		for _, suffix := range hyphenated[w] {
			if s.hasWordAt(s.off+1, suffix) {
				s.off += 1 + len(suffix)
				return token.IDENT
			}
		}
	case c == '~' && w == "in":
		s.off++
	case c == '(' && typedLiterals[w]:
		return s.scanTyped(start)
	}
	return token.IDENT
}

// hasWordAt reports whether the text at off is the word w, not followed by
// more identifier characters.
func (s *Scanner) hasWordAt(off int, w string) bool {
	end := off + len(w)
	if end > len(s.src) || s.src[off:end] != w {
		return false
	}
	return end == len(s.src) || !isIdent(s.src[end])
}

// scanTyped scans type(…) raw up to the first ')' on the same line.
func (s *Scanner) scanTyped(start int) token.Kind {
	for s.off < len(s.src) {
		switch s.src[s.off] {
		case ')':
			s.off++
			return token.TYPEDLIT
		case '\n':
			s.error(s.off, "expected ')' to close %s, found end of line", s.src[start:s.off])
			return token.TYPEDLIT
		}
		s.off++
	}
	s.error(s.off, "expected ')' to close %s, found end of input", s.src[start:s.off])
	return token.TYPEDLIT
}

// scanNumber scans a token starting with a digit: an int (decimal or hex),
// a real, a timespan, or an identifier such as 2ndColumn or 10x, which
// Kusto allows.
func (s *Scanner) scanNumber() token.Kind {
	start := s.off
	digits := func() {
		for s.off < len(s.src) && isDigit(s.src[s.off]) {
			s.off++
		}
	}
	digits()
	if s.peek(0) == 'x' || s.peek(0) == 'X' {
		// 0x2A: only when the word is 0 followed by x and hex digits.
		if s.off-start == 1 && s.src[start] == '0' {
			save := s.off
			s.off++
			h := s.off
			for s.off < len(s.src) && isHex(s.src[s.off]) {
				s.off++
			}
			if s.off > h && (s.off == len(s.src) || !isIdent(s.src[s.off])) {
				return token.INT
			}
			s.off = save
		}
	}
	real := false
	if s.peek(0) == '.' && s.peek(1) != '.' {
		real = true
		s.off++
		digits()
	}
	// exponent
	if c := s.peek(0); c == 'e' || c == 'E' {
		i := 1
		if c1 := s.peek(1); c1 == '+' || c1 == '-' {
			i = 2
		}
		if isDigit(s.peek(i)) {
			s.off += i
			digits()
			real = true
		}
	}
	if s.off >= len(s.src) || !isIdent(s.src[s.off]) {
		if real {
			return token.REAL
		}
		return token.INT
	}
	// A suffix follows: a timespan unit, or the whole word is a name.
	sufStart := s.off
	for s.off < len(s.src) && isIdent(s.src[s.off]) {
		s.off++
	}
	if _, ok := TimespanUnits[s.src[sufStart:s.off]]; ok {
		return token.TIMESPAN
	}
	if !real {
		return token.IDENT
	}
	s.error(start, "invalid number %q: unknown timespan unit %q", s.src[start:s.off], s.src[sufStart:s.off])
	return token.ILLEGAL
}

// scanQuoted scans '…' or "…" (after an optional h): backslash escapes, no
// line breaks.
func (s *Scanner) scanQuoted(start int, q byte) token.Kind {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == q:
			s.off++
			return token.STRING
		case c == '\\':
			s.off += 2
			if s.off > len(s.src) {
				s.off = len(s.src)
			}
		case c == '\n':
			s.error(start, "string literal not terminated: expected %c before end of line", q)
			return token.STRING
		default:
			s.off++
		}
	}
	s.error(start, "string literal not terminated: expected %c before end of input", q)
	return token.STRING
}

// scanVerbatim scans the rest of @'…' or @"…": no escapes except a doubled
// quote, no line breaks.
func (s *Scanner) scanVerbatim(start int, q byte) token.Kind {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == q:
			s.off++
			if s.peek(0) == q {
				s.off++
				continue
			}
			return token.STRING
		case c == '\n':
			s.error(start, "string literal not terminated: expected %c before end of line", q)
			return token.STRING
		default:
			s.off++
		}
	}
	s.error(start, "string literal not terminated: expected %c before end of input", q)
	return token.STRING
}

// scanFenced scans a multi-line string ```…``` or ~~~…~~~ whose opening
// fence has been consumed up to its first character.
func (s *Scanner) scanFenced(start int, fence string) token.Kind {
	s.off = start
	for s.src[s.off] != fence[0] {
		s.off++ // skip the h or @ prefix
	}
	s.off += len(fence)
	for i := s.off; i+len(fence) <= len(s.src); i++ {
		if s.src[i] == fence[0] && s.src[i:i+len(fence)] == fence {
			s.off = i + len(fence)
			return token.STRING
		}
	}
	s.off = len(s.src)
	s.error(start, "multi-line string not terminated: expected %s before end of input", fence)
	return token.STRING
}
