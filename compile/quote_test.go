package compile

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// kqlString writes s as a KQL double-quoted string literal with escapes.
func kqlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// kqlName writes s as a bracketed KQL name ['...'].
func kqlName(s string) string {
	return "[" + strings.Replace(kqlString(s), `"`, `'`, 1)[:0] + kqlSingle(s) + "]"
}

func kqlSingle(s string) string {
	q := kqlString(s)
	body := q[1 : len(q)-1]
	body = strings.ReplaceAll(body, `\"`, `"`)
	body = strings.ReplaceAll(body, `'`, `\'`)
	return "'" + body + "'"
}

var nasty = []string{
	"", "'", "''", `"`, `\`, `\\`, `\'`, "'; DROP TABLE EmailEvents; --", `" OR 1=1 --`,
	"a\x00b", "\x00", "\x00'\x00", "line\nbreak", "tab\there", "$$dollar$$", "E'x'", `\x27`,
	"naïve", "日本語", "😀", "a😀b", "\u202e", "\uFEFF", "\u2028", "ⅷ", "\U0010FFFF", "%_*?[]{}()",
	"-- comment", "/* c */", ";", "`", "\"\"\"", "\\'\\'", "union select", "{0}", "{*}", "@x",
}

func randomString(r *rand.Rand) string {
	pieces := []string{"'", `"`, `\`, "\x00", "\n", "a", "Z", "0", " ", "é", "😀", "日", ";", "--", "/*", "{0}", "\u0301", "\t", "%", "_", "$", "\x01", "\x7f"}
	n := r.Intn(12)
	var b strings.Builder
	for i := 0; i < n; i++ {
		if r.Intn(4) == 0 {
			b.WriteRune(rune(0x20 + r.Intn(0x2FFF)))
			continue
		}
		b.WriteString(pieces[r.Intn(len(pieces))])
	}
	s := b.String()
	if !utf8.ValidString(s) {
		return "x"
	}
	return s
}

// TestQuotingRoundTrip: strings with quotes, backslashes, NULs and
// unicode go through the compiler into SQL and come back unchanged, as
// values, as filter operands and as column names. No input escapes its
// literal.
func TestQuotingRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	cases := append([]string(nil), nasty...)
	for i := 0; i < 300; i++ {
		cases = append(cases, randomString(r))
	}
	for _, s := range cases {
		q := "print x = " + kqlString(s) + " | extend n = strlen(x), eq = x == " + kqlString(s) + " | where x == " + kqlString(s)
		res, err := runKQL(mem(t), q, nil)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if len(res.rows) != 1 {
			t.Errorf("%q: %d rows, want 1", s, len(res.rows))
			continue
		}
		if res.rows[0][0] != s {
			t.Errorf("value: got %q, want %q", res.rows[0][0], s)
		}
		if res.rows[0][2] != "true" {
			t.Errorf("%q: x == literal is %s", s, res.rows[0][2])
		}
		if s == "" {
			continue
		}
		// As a column name.
		q = "print " + kqlName(s) + " = 1 | project " + kqlName(s) + " | extend y = " + kqlName(s) + " + 1"
		res, err = runKQL(mem(t), q, nil)
		if err != nil {
			t.Errorf("name %q: %v", s, err)
			continue
		}
		if res.cols[0] != s || res.rows[0][1] != "2" {
			t.Errorf("name: got %q %v, want %q", res.cols[0], res.rows, s)
		}
	}
}

// FuzzQuoting checks the round trip on fuzzed strings (go test -fuzz).
func FuzzQuoting(f *testing.F) {
	for _, s := range nasty {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		res, err := runKQL(mem(t), "print x = "+kqlString(s), nil)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if res.rows[0][0] != s {
			t.Fatalf("got %q, want %q", res.rows[0][0], s)
		}
	})
}

// FuzzCompile: no input makes the compiler panic; it returns a program or
// an error (go test -fuzz FuzzCompile).
func FuzzCompile(f *testing.F) {
	for _, s := range []string{Hunt, "print x = 1", "datatable(a:long)[1] | summarize count() by a",
		"EmailEvents | join (EmailUrlInfo) on NetworkMessageId | project Url", "let f = (x:long) { x + 1 }; print f(1)",
		"print d = parse_json('{\"a\":[1,2]}') | mv-expand d.a", "EmailEvents | make-series count() on Timestamp step 1d",
		"print s = 'a=1' | parse s with 'a=' v:long", "EmailEvents | search 'x'", "print bag_unpack = 1 | evaluate bag_unpack(bag_unpack)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Compile(src, Options{Now: testNow})
		if err == nil && p.SQL == "" {
			t.Fatalf("%q: no SQL and no error", src)
		}
	})
}
