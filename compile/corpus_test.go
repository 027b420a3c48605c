package compile

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/kql/diag"
)

type rule struct {
	Name  string `yaml:"name"`
	Query string `yaml:"query"`
}

func loadRules(t testing.TB) map[string]string {
	t.Helper()
	dir := testenv.Shared(t, "corpus", "sentinel-email")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if ext != ".yaml" && ext != ".yml" {
			continue
		}
		f := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r rule
		if err := yaml.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = r.Query
	}
	return out
}

// TestSentinelEmailRules: every Sentinel email rule binds and compiles
// against the built-in schemas, or fails with "not supported yet: X".
func TestSentinelEmailRules(t *testing.T) {
	rules := loadRules(t)
	var names []string
	for n := range rules {
		names = append(names, n)
	}
	sort.Strings(names)
	ok := 0
	unsupported := map[string]int{}
	allow := func(string) error { return nil }
	for _, n := range names {
		_, err := Compile(rules[n], Options{Now: testNow, AllowExternal: allow})
		if err != nil && strings.Contains(err.Error(), "expected '|' or end of query") {
			// Several queries in one text, as the Kusto editors cut
			// them: at blank lines.
			err = nil
			for _, part := range strings.Split(rules[n], "\n\n") {
				if strings.TrimSpace(part) == "" {
					continue
				}
				if _, e := Compile(part, Options{Now: testNow, AllowExternal: allow}); e != nil {
					err = e
				}
			}
		}
		if err == nil {
			ok++
			continue
		}
		dl, isDiag := err.(diag.List)
		if !isDiag {
			t.Errorf("%s: %v", n, err)
			continue
		}
		for _, d := range dl {
			if i := strings.Index(d.Msg, "not supported yet: "); i >= 0 {
				unsupported[d.Msg[i+len("not supported yet: "):]]++
				continue
			}
			if gap := schemaGap(d.Msg); gap != "" {
				unsupported["schema lacks "+gap]++
				continue
			}
			t.Errorf("%s: %v (expected success or \"not supported yet\")", n, d)
		}
	}
	t.Logf("%d of %d Sentinel email rules compile; not supported yet: %v", ok, len(names), unsupported)
	if len(names) != 67 {
		t.Errorf("%d rules, want 67", len(names))
	}
	if ok < 30 {
		t.Errorf("only %d of %d rules compile", ok, len(names))
	}
}

// schemaGap recognises the EmailEvents columns Microsoft added after the
// built-in schema was written (package schema): rules using them fail
// with "unknown column" until the schema gains them.
func schemaGap(msg string) string {
	for _, c := range []string{"ForwardingInformation", "ThreatClassification"} {
		if strings.HasPrefix(msg, "unknown column '"+c+"'") {
			return c
		}
	}
	return ""
}

// BenchmarkCompileRules measures parse+bind+compile per rule (target: < 1 ms).
func BenchmarkCompileRules(b *testing.B) {
	rules := loadRules(b)
	var qs []string
	for _, q := range rules {
		if _, err := Compile(q, Options{Now: testNow}); err == nil {
			qs = append(qs, q)
		}
	}
	b.ResetTimer()
	start := time.Now()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, q := range qs {
			if _, err := Compile(q, Options{Now: testNow}); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(n), "µs/query")
}

// BenchmarkCompileHunt measures the Mailflow hunt.
func BenchmarkCompileHunt(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Compile(Hunt, Options{Now: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}
