package format

import (
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/scanner"
	"github.com/quarry-kql/quarry/kql/token"
)

// scanString scans lit as KQL text and returns the decoded value of its one
// STRING token, failing when lit is not exactly one string literal.
func scanString(t testing.TB, lit string) string {
	t.Helper()
	var s scanner.Scanner
	s.Init(token.NewFile("", lit), 0)
	_, kind, text := s.Scan()
	if kind != token.STRING || text != lit {
		t.Fatalf("%q scans as %v %q, want one string literal", lit, kind, text)
	}
	if _, k, _ := s.Scan(); k != token.EOF {
		t.Fatalf("%q: more tokens after the string", lit)
	}
	if len(s.Errors) > 0 {
		t.Fatalf("%q: %v", lit, s.Errors)
	}
	v, err := scanner.Unquote(text)
	if err != nil {
		t.Fatalf("%q: %v", lit, err)
	}
	return v
}

func TestQuote(t *testing.T) {
	tests := []struct {
		value    string
		verbatim bool
		want     string
	}{
		{"", true, `""`},
		{"abc", true, `"abc"`},
		{`say "hi"`, true, `'say "hi"'`},
		{`it's`, true, `"it's"`},
		{`it's "x"`, true, `"it's \"x\""`},
		{`C:\Windows\System32`, true, `@"C:\Windows\System32"`},
		{`C:\Windows\System32`, false, `"C:\\Windows\\System32"`},
		{`\d+ "q"`, true, `@'\d+ "q"'`},
		{`\d+ "q" 'r'`, true, `@"\d+ ""q"" 'r'"`},
		{"line1\nline2", true, `"line1\nline2"`},
		{"a\tb\r\\", true, `"a\tb\r\\"`},
		{"nul\x00bell\a", true, `"nul\u0000bell\u0007"`},
		{"zero\u200bwidth", true, `"zero\u200bwidth"`},
		{"café 日本 🎉", true, `"café 日本 🎉"`},
		{"bad\xffbyte", true, "\"bad\xffbyte\""},
	}
	for _, tt := range tests {
		got := quote(tt.value, tt.verbatim)
		if got != tt.want {
			t.Errorf("quote(%q, %v) = %s, want %s", tt.value, tt.verbatim, got, tt.want)
		}
		if v := scanString(t, got); v != tt.value {
			t.Errorf("quote(%q) = %s decodes to %q", tt.value, got, v)
		}
	}
}

func TestQuoteBracketedName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Column Name", `'Column Name'`},
		{"it's", `"it's"`},
		{`a\b`, `'a\\b'`},
	}
	for _, tt := range tests {
		if got := quoteIn(tt.name, '\'', false); got != tt.want {
			t.Errorf("quoteIn(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// FuzzQuote checks that any string value, quoted, scans back to itself.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a", `"'\`, "\n\r\t\x00", "é\u2028\xff", strings.Repeat(`\"`, 3)} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, v string, verbatim bool) {
		lit := quote(v, verbatim)
		if got := scanString(t, lit); got != v {
			t.Errorf("quote(%q) = %s decodes to %q", v, lit, got)
		}
		lit = quoteIn(v, '\'', false)
		if got := scanString(t, lit); got != v {
			t.Errorf("quoteIn(%q) = %s decodes to %q", v, lit, got)
		}
	})
}
