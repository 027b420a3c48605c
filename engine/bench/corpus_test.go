package bench

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/compile"
	"github.com/quarry-kql/quarry/demo"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/rules"
	"github.com/quarry-kql/quarry/sqlgen"
	"github.com/quarry-kql/quarry/store"
)

type corpusQuery struct{ name, text string }

func sentinelEmail(tb testing.TB) []corpusQuery {
	dir := testenv.Shared(tb, "corpus", "sentinel-email")
	res, err := rules.LoadDir(dir, rules.LoadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	var out []corpusQuery
	for _, r := range res.Rules {
		out = append(out, corpusQuery{r.Name, r.Query})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	if len(out) == 0 {
		tb.Fatal("no rules in " + dir)
	}
	return out
}

func compileOpts() compile.Options {
	return compile.Options{Catalog: compile.BuiltinCatalog{}, Dialect: sqlgen.DuckDB, Now: benchNow,
		AllowExternal: func(string) error { return nil }}
}

// BenchmarkCompileCorpus times bind + compile (parse, bind, plan, SQL) of
// each Sentinel email rule against the built-in schemas. Target: < 1 ms.
func BenchmarkCompileCorpus(b *testing.B) {
	opt := compileOpts()
	for _, q := range sentinelEmail(b) {
		if _, err := compile.Compile(q.text, opt); err != nil {
			continue // does not compile (yet): nothing to time
		}
		b.Run(strings.ReplaceAll(q.name, " ", "_"), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := compile.Compile(q.text, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCorpusCompileTime reports how many Sentinel email rules compile, the
// slowest compile (median of 20 runs; BenchmarkCompileCorpus is the
// measurement, this is the summary), and how many rules run on demo data
// (5,000 rows). It fails only if a compiled rule does not run.
func TestCorpusCompileTime(t *testing.T) {
	qs := sentinelEmail(t)
	opt := compileOpts()
	var ok int
	var slowest time.Duration
	var slowName string
	unsupported := map[string]int{}
	var compiled []corpusQuery
	for _, q := range qs {
		if _, err := compile.Compile(q.text, opt); err != nil {
			msg := err.Error()
			if i := strings.Index(msg, "not supported yet"); i >= 0 {
				msg = msg[i:]
			} else if _, after, found := strings.Cut(msg, ": "); found {
				msg = after
			}
			msg, _, _ = strings.Cut(msg, "\n")
			unsupported[msg]++
			continue
		}
		ok++
		compiled = append(compiled, q)
		var times []time.Duration
		for i := 0; i < 20; i++ {
			start := time.Now()
			compile.Compile(q.text, opt)
			times = append(times, time.Since(start))
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		if med := times[len(times)/2]; med > slowest {
			slowest, slowName = med, q.name
		}
	}
	t.Logf("%d/%d Sentinel email rules compile; slowest median compile %v (%s)", ok, len(qs), slowest, slowName)
	var reasons []string
	for m, n := range unsupported {
		reasons = append(reasons, m+" ×"+itoa(n))
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		t.Logf("  not compiled: %s", r)
	}

	st, err := store.Open(":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := demo.Load(context.Background(), st, demo.Options{Seed: 1, Rows: 5000, Now: benchNow}, nil); err != nil {
		t.Fatal(err)
	}
	e := engine.New(st)
	ran, withRows := 0, 0
	for _, q := range compiled {
		res, err := e.Query(context.Background(), q.text, engine.QueryOptions{Now: benchNow, Timeout: 10 * time.Second})
		if err != nil {
			if !strings.Contains(err.Error(), "externaldata is disabled") {
				t.Errorf("compiles but does not run: %s: %s", q.name, firstLine(err.Error()))
			}
			continue
		}
		ran++
		if len(res.Rows) > 0 {
			withRows++
		}
	}
	t.Logf("%d/%d rules run on the demo data without --allow-external (%d return rows)", ran, len(qs), withRows)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
