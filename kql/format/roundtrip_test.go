package format

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/parser"
)

// roundTrip parses src, formats the tree, parses the result again and
// compares the trees. It returns "" when src does not parse (nothing to
// check) or when everything holds, else what went wrong. ok reports whether
// src parsed.
func roundTrip(src string) (problem string, ok bool) {
	s1, errs := parser.Parse(src)
	if len(errs) > 0 {
		return "", false
	}
	out := Script(s1)
	s2, errs := parser.Parse(out)
	if len(errs) > 0 {
		return "formatted text does not parse: " + errs.Error() + "\n--- formatted:\n" + out, true
	}
	if d := ast.Diff(s1, s2); d != "" {
		return "tree changed: " + d + "\n--- formatted:\n" + out, true
	}
	if again := Script(s2); again != out {
		return "formatting is not idempotent:\n--- first:\n" + out + "\n--- second:\n" + again, true
	}
	// With comments kept: same tree, every comment kept, and stable.
	cs := Comments(src)
	outc := ScriptWithComments(s1, cs)
	s3, errs := parser.Parse(outc)
	if len(errs) > 0 {
		return "text formatted with comments does not parse: " + errs.Error() + "\n--- formatted:\n" + outc, true
	}
	if d := ast.Diff(s1, s3); d != "" {
		return "tree changed when formatting with comments: " + d + "\n--- formatted:\n" + outc, true
	}
	cs3 := Comments(outc)
	if len(cs3) != len(cs) {
		return fmt.Sprintf("%d comments in, %d out:\n--- formatted:\n%s", len(cs), len(cs3), outc), true
	}
	for i := range cs {
		if cs[i].Text != cs3[i].Text {
			return fmt.Sprintf("comment %d changed: %q became %q", i, cs[i].Text, cs3[i].Text), true
		}
	}
	if again := ScriptWithComments(s3, cs3); again != outc {
		return "formatting with comments is not idempotent:\n--- first:\n" + outc + "\n--- second:\n" + again, true
	}
	return "", true
}

// corpusQuery is one query of the shared corpus that Microsoft's parser
// accepts.
type corpusQuery struct{ id, text string }

// acceptedCorpus returns every corpus query with ms_parser "ok", and the
// query field of every Sentinel email rule with ms_parser "ok".
func acceptedCorpus(t testing.TB) []corpusQuery {
	dir := testenv.Shared(t, "corpus")
	var out []corpusQuery
	read := func(index string, text func(id string, line map[string]any) string) {
		f, err := os.Open(filepath.Join(dir, index))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("%s:%d: %v", index, n, err)
			}
			if line["ms_parser"] != "ok" {
				continue
			}
			id, _ := line["id"].(string)
			out = append(out, corpusQuery{id, text(id, line)})
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	read("index.jsonl", func(id string, _ map[string]any) string {
		b, err := os.ReadFile(filepath.Join(dir, "queries", id+".kql"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	})
	read(filepath.Join("sentinel-email", "index.jsonl"), func(id string, line map[string]any) string {
		file, _ := line["file"].(string)
		b, err := os.ReadFile(filepath.Join(dir, "sentinel-email", file))
		if err != nil {
			t.Fatal(err)
		}
		var rule struct {
			Query string `yaml:"query"`
		}
		if err := yaml.Unmarshal(b, &rule); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if rule.Query == "" {
			t.Fatalf("%s: no query field", file)
		}
		return rule.Query
	})
	return out
}

// TestCorpusRoundTrip formats every query of the shared corpus that
// Microsoft's parser accepts (1,878 queries and 66 Sentinel email rules)
// and checks that the formatted text parses to the same tree and formats
// to itself. Queries quarry's own parser rejects are counted and reported
// (the parser's own corpus test fails on them); they cannot be checked here.
func TestCorpusRoundTrip(t *testing.T) {
	qs := acceptedCorpus(t)
	var parsed, same, shown int
	var rejected []string
	for _, q := range qs {
		problem, ok := roundTrip(q.text)
		if !ok {
			rejected = append(rejected, q.id)
			continue
		}
		parsed++
		if problem == "" {
			same++
			continue
		}
		if shown < 10 {
			t.Errorf("%s: %s", q.id, problem)
		}
		shown++
	}
	t.Logf("corpus: %d accepted by Microsoft, %d parsed by quarry, %d round-trip, %d do not", len(qs), parsed, same, parsed-same)
	if len(rejected) > 0 {
		t.Errorf("%d of %d queries Microsoft accepts do not parse, so their round trip is unchecked (first: %s)", len(rejected), len(qs), rejected[0])
	}
	if parsed-same > 10 {
		t.Errorf("... and %d more round-trip failures", parsed-same-10)
	}
}
