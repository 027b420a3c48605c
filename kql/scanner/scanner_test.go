package scanner

import (
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/token"
)

type tok struct {
	k   token.Kind
	lit string
}

func scanAll(src string, mode Mode) ([]tok, *Scanner) {
	var s Scanner
	s.Init(token.NewFile("", src), mode)
	var out []tok
	for {
		_, k, lit := s.Scan()
		if k == token.EOF {
			return out, &s
		}
		out = append(out, tok{k, lit})
	}
}

func TestScan(t *testing.T) {
	I, N, R, S, T, TL := token.IDENT, token.INT, token.REAL, token.STRING, token.TIMESPAN, token.TYPEDLIT
	tests := []struct {
		src  string
		want []tok
	}{
		{"EmailEvents | take 10", []tok{{I, "EmailEvents"}, {token.PIPE, "|"}, {I, "take"}, {N, "10"}}},
		{"42 0x2A 1.5 1e10 1.5e-3 1E+5 1. 3", []tok{{N, "42"}, {N, "0x2A"}, {R, "1.5"}, {R, "1e10"}, {R, "1.5e-3"}, {R, "1E+5"}, {R, "1."}, {N, "3"}}},
		{"1d 30m 1.5h 100ms 10microsecond 1tick 2days 1.d 3.ticks 1.5e3h", []tok{{T, "1d"}, {T, "30m"}, {T, "1.5h"}, {T, "100ms"}, {T, "10microsecond"}, {T, "1tick"}, {T, "2days"}, {T, "1.d"}, {T, "3.ticks"}, {T, "1.5e3h"}}},
		// Kusto names may start with digits.
		{"2ndCol 10x 0x 0xFFg 1_000 1e", []tok{{I, "2ndCol"}, {I, "10x"}, {I, "0x"}, {I, "0xFFg"}, {I, "1_000"}, {I, "1e"}}},
		{"1..10", []tok{{N, "1"}, {token.DOTDOT, ".."}, {N, "10"}}},
		{`'a' "b\"c" @'d''e' @"f" h'g' H"h" h@'i' ` + "```j\nk``` ~~~l~~~ @```m```", []tok{{S, "'a'"}, {S, `"b\"c"`}, {S, "@'d''e'"}, {S, `@"f"`}, {S, "h'g'"}, {S, `H"h"`}, {S, "h@'i'"}, {S, "```j\nk```"}, {S, "~~~l~~~"}, {S, "@```m```"}}},
		{"T | project-away a | mv-expand b | parse-where c | make-series | top-nested | sample-distinct | project -away",
			[]tok{{I, "T"}, {token.PIPE, "|"}, {I, "project-away"}, {I, "a"}, {token.PIPE, "|"}, {I, "mv-expand"}, {I, "b"}, {token.PIPE, "|"}, {I, "parse-where"}, {I, "c"}, {token.PIPE, "|"}, {I, "make-series"}, {token.PIPE, "|"}, {I, "top-nested"}, {token.PIPE, "|"}, {I, "sample-distinct"}, {token.PIPE, "|"}, {I, "project"}, {token.SUB, "-"}, {I, "away"}}},
		{"project-awayx", []tok{{I, "project"}, {token.SUB, "-"}, {I, "awayx"}}},
		{"a !has b !in~ c in~ d !between e !contains_cs f ! g !x", []tok{{I, "a"}, {I, "!has"}, {I, "b"}, {I, "!in~"}, {I, "c"}, {I, "in~"}, {I, "d"}, {I, "!between"}, {I, "e"}, {I, "!contains_cs"}, {I, "f"}, {token.BANG, "!"}, {I, "g"}, {token.BANG, "!"}, {I, "x"}}},
		{"$left.a == $right.b", []tok{{I, "$left"}, {token.DOT, "."}, {I, "a"}, {token.EQL, "=="}, {I, "$right"}, {token.DOT, "."}, {I, "b"}}},
		{"datetime(2024-01-01 10:00) guid(74be27de-1e4e-49d9-b579-fe0b331d3642) long(5) real(nan) timespan(1.02:03:04) bool(true) int(null) date(2020-01-01)",
			[]tok{{TL, "datetime(2024-01-01 10:00)"}, {TL, "guid(74be27de-1e4e-49d9-b579-fe0b331d3642)"}, {TL, "long(5)"}, {TL, "real(nan)"}, {TL, "timespan(1.02:03:04)"}, {TL, "bool(true)"}, {TL, "int(null)"}, {TL, "date(2020-01-01)"}}},
		{"datetime (x) dynamic(1)", []tok{{I, "datetime"}, {token.LPAREN, "("}, {I, "x"}, {token.RPAREN, ")"}, {I, "dynamic"}, {token.LPAREN, "("}, {N, "1"}, {token.RPAREN, ")"}}},
		{"== != <> <= >= < > =~ !~ => = + - * / % . , ; : ( ) [ ] { } ? @ $",
			[]tok{{token.EQL, "=="}, {token.NEQ, "!="}, {token.LSSGTR, "<>"}, {token.LEQ, "<="}, {token.GEQ, ">="}, {token.LSS, "<"}, {token.GTR, ">"}, {token.EQTILDE, "=~"}, {token.NEQTILDE, "!~"}, {token.ARROW, "=>"}, {token.ASSIGN, "="}, {token.ADD, "+"}, {token.SUB, "-"}, {token.MUL, "*"}, {token.QUO, "/"}, {token.REM, "%"}, {token.DOT, "."}, {token.COMMA, ","}, {token.SEMI, ";"}, {token.COLON, ":"}, {token.LPAREN, "("}, {token.RPAREN, ")"}, {token.LBRACK, "["}, {token.RBRACK, "]"}, {token.LBRACE, "{"}, {token.RBRACE, "}"}, {token.QUESTION, "?"}, {token.AT, "@"}, {I, "$"}}},
		{"a // comment\n b", []tok{{I, "a"}, {I, "b"}}},
		{"\uFEFFa\u00a0b\u202fc\u200bd", []tok{{I, "a"}, {I, "b"}, {I, "c"}, {I, "d"}}},
		{"['a b']", []tok{{token.LBRACK, "["}, {S, "'a b'"}, {token.RBRACK, "]"}}},
	}
	for _, tt := range tests {
		got, s := scanAll(tt.src, 0)
		if len(s.Errors) > 0 {
			t.Errorf("%q: unexpected errors %v", tt.src, s.Errors)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: got %d tokens %v, want %v", tt.src, len(got), got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%q: token %d = %v %q, want %v %q", tt.src, i, got[i].k, got[i].lit, tt.want[i].k, tt.want[i].lit)
			}
		}
	}
}

func TestComments(t *testing.T) {
	got, _ := scanAll("a // one\n// two\nb", ScanComments)
	want := []tok{{token.IDENT, "a"}, {token.COMMENT, "// one"}, {token.COMMENT, "// two"}, {token.IDENT, "b"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("token %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct{ src, msg string }{
		{`x = "abc`, `1:5: string literal not terminated: expected " before end of input`},
		{"x = 'ab\ncd'", `1:5: string literal not terminated: expected ' before end of line`},
		{"x = @'ab", `1:5: string literal not terminated: expected ' before end of input`},
		{"x = ```ab", "1:5: multi-line string not terminated: expected ``` before end of input"},
		{"x = datetime(2020", "1:18: expected ')' to close datetime(2020, found end of input"},
		{"a é", `1:3: unexpected character 'é'`},
		{"a \xff", `1:3: invalid UTF-8 byte 0xff`},
		{"x = 1.5x", `1:5: invalid number "1.5x": unknown timespan unit "x"`},
		{"a # b", `1:3: unexpected character '#'`},
		{"x ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;", "1:3: raw guid literal ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a: write guid(ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a)"},
	}
	for _, tt := range tests {
		_, s := scanAll(tt.src, 0)
		if len(s.Errors) == 0 {
			t.Errorf("%q: no error, want %s", tt.src, tt.msg)
			continue
		}
		if got := s.Errors[0].Error(); got != tt.msg {
			t.Errorf("%q: error %q, want %q", tt.src, got, tt.msg)
		}
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct{ lit, want string }{
		{`'abc'`, "abc"},
		{`"a\"b\\c\n\t"`, "a\"b\\c\n\t"},
		{`'it\'s'`, "it's"},
		{`@'C:\temp\'`, `C:\temp\`},
		{`@"say ""hi"""`, `say "hi"`},
		{`@'it''s'`, "it's"},
		{`h'secret'`, "secret"},
		{`H@"a\b"`, `a\b`},
		{"```a\nb```", "a\nb"},
		{"~~~x~~~", "x"},
		{`"\u00e9"`, "é"},
	}
	for _, tt := range tests {
		got, err := Unquote(tt.lit)
		if err != nil || got != tt.want {
			t.Errorf("Unquote(%s) = %q, %v; want %q", tt.lit, got, err, tt.want)
		}
	}
	for _, bad := range []string{`"a\q"`, `'abc`, `"\u12"`, `x`} {
		if _, err := Unquote(bad); err == nil {
			t.Errorf("Unquote(%s): no error", bad)
		}
	}
}

// TestPositions checks that every token's literal is the source text at its
// position, and that lines and columns come out right.
func TestPositions(t *testing.T) {
	src := "T\r\n| where x == 'é'\n| take 1"
	f := token.NewFile("q.kql", src)
	var s Scanner
	s.Init(f, 0)
	var last token.Pos
	for {
		pos, k, lit := s.Scan()
		if k == token.EOF {
			break
		}
		if src[pos.Offset():pos.Offset()+len(lit)] != lit {
			t.Errorf("literal %q not at offset %d", lit, pos.Offset())
		}
		if lit == "take" {
			if p := f.Position(pos); p.Line != 3 || p.Column != 3 {
				t.Errorf("take at %v, want 3:3", p)
			}
		}
		last = pos
	}
	if p := f.Position(last); p.String() != "q.kql:3:8" {
		t.Errorf("last token at %v", p)
	}
}

// TestLinear checks that a 1 MB string literal and a 1 MB run of tokens scan
// in time proportional to their size.
func TestLinear(t *testing.T) {
	big := "print x = '" + strings.Repeat("a", 1<<20) + "'"
	start := time.Now()
	toks, s := scanAll(big, 0)
	if len(s.Errors) > 0 || len(toks) != 4 || len(toks[3].lit) != 1<<20+2 {
		t.Fatalf("1 MB string: %d tokens, errors %v", len(toks), s.Errors)
	}
	many := strings.Repeat("| where x ", 100000)
	toks, _ = scanAll(many, 0)
	if len(toks) != 300000 {
		t.Fatalf("got %d tokens", len(toks))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("scanning 2 MB took %v", d)
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"EmailEvents | where Timestamp > ago(30d) | summarize count() by bin(Timestamp, 1d)",
		`print x = @'a''b', y = h"c", z = ` + "```d```",
		"print datetime(2024-01-01 10:00), guid(x), 1.5e3h, 0x1F, 2ndCol",
		"T | project-away a | where b !in~ ('x') and c !between (1 .. 2)",
		"'unterminated", "datetime(", "```", "\xff\xfe", "$left.x", "1.", "0x", "!",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var s Scanner
		s.Init(token.NewFile("", src), ScanComments)
		prev := -1
		for n := 0; ; n++ {
			pos, k, lit := s.Scan()
			off := pos.Offset()
			if off < prev || off+len(lit) > len(src) || src[off:off+len(lit)] != lit {
				t.Fatalf("token %v %q at %d is not the source text (prev %d)", k, lit, off, prev)
			}
			if k == token.EOF {
				break
			}
			if lit == "" {
				t.Fatalf("empty %v token at %d", k, off)
			}
			prev = off + len(lit)
			if n > len(src)+1 {
				t.Fatalf("more tokens than bytes")
			}
		}
	})
}
