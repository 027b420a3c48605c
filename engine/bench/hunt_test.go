// Package bench holds quarry's performance benchmarks for the engine: the
// Mailflow hunt compiled by quarry against the same hunt written by hand
// in DuckDB SQL, on the same demo data in the same process, and the time
// to bind and compile each corpus query. They run only with -bench.
package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/demo"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// EnvRows selects the row counts of BenchmarkHunt: a comma-separated list
// (default 1000000). QUARRY_BENCH_ROWS=10000000 runs the 10M-row case.
const EnvRows = "QUARRY_BENCH_ROWS"

const huntKQL = demo.MailflowHunt

var benchNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// handHuntSQL is the hunt written by hand for DuckDB (the same text the
// engine's golden test checks against expected.csv).
func handHuntSQL(now time.Time) string {
	since := now.Add(-30 * 24 * time.Hour).UTC().Format("2006-01-02 15:04:05.999999")
	return `SELECT EmailDirection, domain, Timestamp, total FROM (
  SELECT EmailDirection, substr(RecipientEmailAddress, strpos(RecipientEmailAddress, '@') + 1) AS domain,
         date_trunc('day', Timestamp) AS Timestamp, count(*) AS total
  FROM EmailEvents
  WHERE Timestamp > TIMESTAMP '` + since + `'
  GROUP BY ALL)
ORDER BY Timestamp ASC NULLS FIRST`
}

var huntColumns = []schema.Column{
	{Name: "EmailDirection", Type: types.String}, {Name: "domain", Type: types.String},
	{Name: "Timestamp", Type: types.DateTime}, {Name: "total", Type: types.Long},
}

// databases caches one loaded database per row count for the process.
var (
	dbMu      sync.Mutex
	databases = map[int]*engine.Engine{}
	tempDirs  []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, e := range databases {
		e.Store().Close()
	}
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func loaded(b *testing.B, rows int) *engine.Engine {
	dbMu.Lock()
	defer dbMu.Unlock()
	if e := databases[rows]; e != nil {
		return e
	}
	dir, err := os.MkdirTemp("", "quarry-bench")
	if err != nil {
		b.Fatal(err)
	}
	tempDirs = append(tempDirs, dir)
	st, err := store.Open(filepath.Join(dir, "bench.duckdb"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := demo.Load(context.Background(), st, demo.Options{Seed: 1, Rows: rows, Now: benchNow}, []string{"EmailEvents"}); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated and loaded %d demo rows in %v (%s)", rows, time.Since(start).Round(time.Millisecond), dir)
	e := engine.New(st)
	databases[rows] = e
	return e
}

// cpuTime returns the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func rowCounts() []int {
	v := os.Getenv(EnvRows)
	if v == "" {
		return []int{1_000_000}
	}
	var out []int
	for _, f := range splitComma(v) {
		n, err := strconv.Atoi(f)
		if err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// BenchmarkHunt times the Mailflow hunt through quarry (compile + run +
// convert rows) and the hand-written SQL through the same engine (run +
// convert rows), on the same database. The ratio quarry/handwritten is
// the figure of merit (target ≤ 1.05 at 10M rows).
func BenchmarkHunt(b *testing.B) {
	ctx := context.Background()
	for _, rows := range rowCounts() {
		e := loaded(b, rows)
		hand := &engine.Program{SQL: handHuntSQL(benchNow), Columns: huntColumns, Tables: []string{"EmailEvents"}}
		var quarryRows, handRows int
		b.Run(fmt.Sprintf("rows=%d/quarry", rows), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res, err := e.Query(ctx, huntKQL, engine.QueryOptions{Now: benchNow})
				if err != nil {
					b.Fatal(err)
				}
				quarryRows = len(res.Rows)
			}
		})
		b.Run(fmt.Sprintf("rows=%d/handwritten", rows), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res, err := e.Run(ctx, hand, engine.QueryOptions{Now: benchNow})
				if err != nil {
					b.Fatal(err)
				}
				handRows = len(res.Rows)
			}
		})
		if quarryRows != handRows {
			b.Errorf("quarry returned %d rows, the hand-written SQL %d", quarryRows, handRows)
		}
		// Interleaved: each iteration runs both, alternating which goes
		// first, so drift in machine load hits both alike. Reports the
		// mean time of each and their ratio.
		b.Run(fmt.Sprintf("rows=%d/interleaved", rows), func(b *testing.B) {
			var tq, th, cq, ch time.Duration
			for i := 0; i < b.N; i++ {
				runQ := func() {
					start, cpu := time.Now(), cpuTime()
					if _, err := e.Query(ctx, huntKQL, engine.QueryOptions{Now: benchNow}); err != nil {
						b.Fatal(err)
					}
					tq += time.Since(start)
					cq += cpuTime() - cpu
				}
				runH := func() {
					start, cpu := time.Now(), cpuTime()
					if _, err := e.Run(ctx, hand, engine.QueryOptions{Now: benchNow}); err != nil {
						b.Fatal(err)
					}
					th += time.Since(start)
					ch += cpuTime() - cpu
				}
				if i%2 == 0 {
					runQ()
					runH()
				} else {
					runH()
					runQ()
				}
			}
			b.ReportMetric(float64(tq.Milliseconds())/float64(b.N), "quarry-ms")
			b.ReportMetric(float64(th.Milliseconds())/float64(b.N), "handwritten-ms")
			b.ReportMetric(float64(tq)/float64(th), "ratio")
			// CPU time (user+system, all threads) suffers less than wall
			// time when other processes compete for the cores.
			b.ReportMetric(float64(cq.Milliseconds())/float64(b.N), "quarry-cpu-ms")
			b.ReportMetric(float64(ch.Milliseconds())/float64(b.N), "handwritten-cpu-ms")
			b.ReportMetric(float64(cq)/float64(ch), "cpu-ratio")
		})
	}
}
