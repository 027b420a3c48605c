package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// benchRecords is the size of the generated benchmark inputs: 1M records
// unless QUARRY_BENCH_RECORDS says otherwise.
func benchRecords() int {
	if s := os.Getenv("QUARRY_BENCH_RECORDS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// benchFile returns a generated input, kept in the temporary directory
// between benchmark runs because writing it takes a while.
func benchFile(b *testing.B, name string, gen func(f *os.File)) string {
	b.Helper()
	p := filepath.Join(os.TempDir(), "quarry-bench-"+name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	tmp := p + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	gen(f)
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchStore(b *testing.B) *store.Store {
	b.Helper()
	return benchStoreAt(b, filepath.Join(b.TempDir(), "bench.duckdb"))
}

func benchStoreAt(b *testing.B, path string) *store.Store {
	b.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// closeStore closes a benchmark store inside the timed part: DuckDB's
// checkpoint at close writes what its WAL still holds, so a load is only
// done when the store is closed (as at the end of `quarry ingest`).
func closeStore(b *testing.B, st *store.Store) {
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
}

func benchOrg(b *testing.B) *org.Org {
	o, err := org.Load("testdata/org.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds records/s (wall) and CPU µs per record: on a shared machine
// the second is the steadier comparison.
func report(b *testing.B, n int64, t0 time.Time, c0 time.Duration, unit string) {
	b.ReportMetric(float64(n)/time.Since(t0).Seconds(), unit+"/s")
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/float64(n), "cpu-µs/"+strings.TrimSuffix(unit, "s"))
}

// BenchmarkDefenderStream loads generated Streaming API records (Azure
// Storage form) with quarry ingest and, in the same benchmark, with
// DuckDB's own read_json into the same EmailEvents table.
func BenchmarkDefenderStream(b *testing.B) {
	n := benchRecords()
	p := benchFile(b, fmt.Sprintf("defender-%d.json", n), func(f *os.File) { genDefender(f, n) })
	b.Run("quarry", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			st := benchStore(b)
			t0, c0 := time.Now(), cpuTime()
			res, err := Run(context.Background(), st, []string{p}, Options{RejectsDir: b.TempDir(), BatchSize: benchBatch()})
			if err != nil {
				b.Fatal(err)
			}
			if res[0].Loaded != int64(n) {
				b.Fatal(res[0].Summary())
			}
			closeStore(b, st)
			report(b, int64(n), t0, c0, "records")
		}
	})
	b.Run("duckdb-read_json", func(b *testing.B) {
		t, _ := schema.Builtin("EmailEvents")
		var fields, sel []string
		for _, c := range t.Columns {
			if c.Name == "TimeGenerated" {
				continue
			}
			typ := store.SQLType(c.Type)
			fields = append(fields, store.QuoteIdent(c.Name)+" "+typ)
			col := "p." + store.QuoteIdent(c.Name)
			if c.Type == types.String {
				// Kusto strings are never null: store "" as ingest does,
				// so that both sides write the same table.
				col = "coalesce(" + col + ", '')"
			}
			sel = append(sel, col+" AS "+store.QuoteIdent(c.Name))
		}
		q := `INSERT INTO "EmailEvents" BY NAME
			SELECT ` + strings.Join(sel, ", ") + `, p."Timestamp" AS "TimeGenerated" FROM (
				SELECT unnest(properties) FROM read_json(` + store.QuoteString(p) + `,
					format = 'newline_delimited',
					columns = {time: 'VARCHAR', category: 'VARCHAR', properties: 'STRUCT(` + strings.Join(fields, ", ") + `)'})
				WHERE category = 'AdvancedHunting-EmailEvents') p`
		for i := 0; i < b.N; i++ {
			path := filepath.Join(b.TempDir(), "bench.duckdb")
			st := benchStoreAt(b, path)
			if err := st.EnsureTable(context.Background(), t); err != nil {
				b.Fatal(err)
			}
			t0, c0 := time.Now(), cpuTime()
			r, err := st.DB.Exec(q)
			if err != nil {
				b.Fatal(err)
			}
			if k, _ := r.RowsAffected(); k != int64(n) {
				b.Fatalf("read_json loaded %d rows", k)
			}
			closeStore(b, st)
			report(b, int64(n), t0, c0, "records")
			if i == 0 && n <= 300_000 {
				st := benchStoreAt(b, path)
				// Both sides must have written the same rows.
				other := benchStore(b)
				if _, err := Run(context.Background(), other, []string{p}, Options{RejectsDir: b.TempDir()}); err != nil {
					b.Fatal(err)
				}
				if d1, d2 := benchDigest(b, st), benchDigest(b, other); d1 != d2 {
					b.Fatalf("read_json table %s != ingest table %s", d1, d2)
				}
			}
		}
	})
}

func benchDigest(b *testing.B, st *store.Store) string {
	var n int64
	var sum string
	if err := st.DB.QueryRow(`SELECT count(*), sum(hash(x))::VARCHAR FROM "EmailEvents" x`).Scan(&n, &sum); err != nil {
		b.Fatal(err)
	}
	return fmt.Sprint(n, " ", sum)
}

// BenchmarkPostfix loads a generated Postfix log of at least a million
// lines and reports lines per second.
func BenchmarkPostfix(b *testing.B) {
	n := benchRecords()
	var lines int64
	p := benchFile(b, fmt.Sprintf("postfix-%d.log", n), func(f *os.File) { _, lines = genPostfix(f, n/5) })
	o := benchOrg(b)
	for i := 0; i < b.N; i++ {
		st := benchStore(b)
		t0, c0 := time.Now(), cpuTime()
		res, err := Run(context.Background(), st, []string{p}, Options{Org: o, Year: 2026, RejectsDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		lines = res[0].Records + res[0].Skipped
		closeStore(b, st)
		report(b, lines, t0, c0, "lines")
	}
}

func benchBatch() int {
	if s := os.Getenv("QUARRY_BENCH_BATCH"); s != "" {
		n, _ := strconv.Atoi(s)
		return n
	}
	return 0
}

// benchSource loads a generated input of another format and reports
// records (lines or CSV rows) per second.
func benchSource(b *testing.B, name string, gen func(f *os.File), opt Options) {
	p := benchFile(b, name, gen)
	opt.RejectsDir = b.TempDir()
	for i := 0; i < b.N; i++ {
		st := benchStore(b)
		t0, c0 := time.Now(), cpuTime()
		res, err := Run(context.Background(), st, []string{p}, opt)
		if err != nil {
			b.Fatal(err)
		}
		if res[0].Rejected != 0 {
			b.Fatal(res[0].Summary())
		}
		closeStore(b, st)
		report(b, res[0].Records, t0, c0, "records")
	}
}

func BenchmarkExchangeTracking(b *testing.B) {
	n := benchRecords()
	benchSource(b, fmt.Sprintf("exchange-%d.log", n), func(f *os.File) { genExchange(f, n) }, Options{Org: benchOrg(b)})
}

func BenchmarkEXOTrace(b *testing.B) {
	n := benchRecords()
	benchSource(b, fmt.Sprintf("exotrace-%d.csv", n), func(f *os.File) { genEXOTrace(f, n) }, Options{Org: benchOrg(b)})
}

func BenchmarkDefenderCSV(b *testing.B) {
	n := benchRecords()
	benchSource(b, fmt.Sprintf("ahcsv-%d.csv", n), func(f *os.File) { genAHCSV(f, n) }, Options{})
}
