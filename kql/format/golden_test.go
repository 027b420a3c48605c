package format

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/parser"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the formatter's output")

// TestGolden formats each testdata/golden/*.kql and compares the result
// with the .golden file next to it (go test -update rewrites them), then
// checks that the output parses back to the same tree.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "golden", "*.kql"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".kql")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			s, errs := parser.Parse(string(src))
			if len(errs) > 0 {
				t.Fatalf("input does not parse: %v", errs)
			}
			got := Script(s)
			golden := strings.TrimSuffix(in, ".kql") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("formatted %s:\n%s\nwant (%s):\n%s", in, got, golden, want)
			}
			if problem, _ := roundTrip(string(src)); problem != "" {
				t.Error(problem)
			}
		})
	}
}

// FuzzFormatRoundTrip checks, for any text the parser accepts, that
// formatting does not panic, that the formatted text parses to the same
// tree, and that formatting it again changes nothing. Run it with
// QUARRY_FUZZ_CORPUS=1 to start from the shared corpus.
func FuzzFormatRoundTrip(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.kql"))
	for _, in := range inputs {
		if b, err := os.ReadFile(in); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"T | where a - (b - c) > 1", "print -(-1), a - -x, a.b['c'][0]",
		"T | where x in (U | project y) or not(z)", `print h@"a\b", "\u0001"`,
		"let f = (x:long) { x * 2 }; print f(1)", "T | summarize by ['where'], ['a b']",
	} {
		f.Add(s)
	}
	// QUARRY_FUZZ_CORPUS=1 seeds the fuzzer with every accepted query of
	// the shared corpus, so that it mutates real hunting queries.
	if os.Getenv("QUARRY_FUZZ_CORPUS") != "" {
		for _, q := range acceptedCorpus(f) {
			f.Add(q.text)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		if problem, _ := roundTrip(src); problem != "" {
			t.Errorf("input %q: %s", src, problem)
		}
	})
}
