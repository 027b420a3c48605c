package parser

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// deliberateDifferences are probe queries where quarry's verdict differs
// from Kusto.Language on purpose, with the reason.
var deliberateDifferences = map[string]string{
	".foo bar baz (":                      "control commands are not queries; quarry rejects them with a clear message",
	"print 1.5x":                          "Kusto's parser accepts a number with an unknown unit and fails later; quarry reports the unit",
	"T | make-graph a --> b with U on id": "graph operators are not supported; quarry says so",
}

// TestKustoVerdicts replays the probe queries of testdata/kusto_verdicts.txt
// and checks that quarry accepts and rejects exactly what Kusto.Language
// does.
func TestKustoVerdicts(t *testing.T) {
	f, err := os.Open("testdata/kusto_verdicts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unescape := strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\t`, "\t")
	sc := bufio.NewScanner(f)
	n, agree := 0, 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || text[0] == '#' {
			continue
		}
		verdict, q, ok := strings.Cut(text, "\t")
		if !ok {
			t.Fatalf("kusto_verdicts.txt:%d: no tab", line)
		}
		q = unescape.Replace(q)
		n++
		_, errs := Parse(q)
		got := "ok"
		if len(errs) > 0 {
			got = "error"
		}
		if _, deliberate := deliberateDifferences[q]; deliberate {
			if got == verdict {
				t.Errorf("%q: listed as a deliberate difference but agrees now", q)
			}
			continue
		}
		if got != verdict {
			msg := ""
			if len(errs) > 0 {
				msg = errs[0].Error()
			}
			t.Errorf("kusto_verdicts.txt:%d: %q: Kusto says %s, quarry %s %s", line, q, verdict, got, msg)
			continue
		}
		agree++
	}
	t.Logf("%d probe queries, %d agree, %d deliberate differences", n, agree, len(deliberateDifferences))
}
