package format

import (
	"testing"

	"github.com/quarry-kql/quarry/kql/parser"
)

func TestScriptWithComments(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"leading and between operators",
			"// Top senders\r\nEmailEvents // all mail\r\n// last day only\r\n| where Timestamp > ago(1d)\r\n| count // how many\r\n",
			"// Top senders\nEmailEvents // all mail\n// last day only\n| where Timestamp > ago(1d)\n| count // how many\n"},
		{"after a let statement",
			"let x = 5; // threshold\nT | where n > x",
			"let x = 5; // threshold\nT\n| where n > x\n"},
		{"inside an expression",
			"T | where a == 1 // first\n  or b == 2 // second\n| take 1",
			"T\n| where a == 1 // first\n  or b == 2 // second\n| take 1\n"},
		{"in a sub-query",
			"T | join (U\n  // only recent\n  | where t > ago(1h)) on k",
			"T\n| join (\n    U\n    // only recent\n    | where t > ago(1h)\n  ) on k\n"},
		{"not in strings", `print "http://x" // url`, "print \"http://x\" // url\n"},
		{"only comments after the query", "T\n// the end\n// really", "T\n// the end\n// really\n"},
		{"client directives", "#connect cluster('help')\n// c\n  #note\nT", "#connect cluster('help')\n// c\n#note\nT\n"},
	}
	for _, tt := range tests {
		s, errs := parser.Parse(tt.src)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", tt.name, errs)
		}
		got := ScriptWithComments(s, Comments(tt.src))
		if got != tt.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", tt.name, got, tt.want)
		}
		if problem, _ := roundTrip(tt.src); problem != "" {
			t.Errorf("%s: %s", tt.name, problem)
		}
	}
}

func TestComments(t *testing.T) {
	src := "T // a\n  // b\r\n| where s == '//' // c  \n"
	got := Comments(src)
	want := []Comment{{Pos: 3, Text: "// a"}, {Pos: 10, Text: "// b", OwnLine: true}, {Pos: 34, Text: "// c"}}
	if len(got) != len(want) {
		t.Fatalf("Comments = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("comment %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
