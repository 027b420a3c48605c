package demo

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchRows is the size of the load benchmark: QUARRY_DEMO_BENCH_ROWS, or
// 500,000.
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("QUARRY_DEMO_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 500_000
}

// BenchmarkGenerate measures the generator alone (EmailEvents only), in
// rows per second.
func BenchmarkGenerate(b *testing.B) {
	const rows = 200_000
	for i := 0; i < b.N; i++ {
		n := 0
		if _, err := Generate(context.Background(), Options{Seed: 1, Rows: rows, Now: testNow}, Sink{
			EmailEvents: func(*EmailEvent) error { n++; return nil },
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLoad measures generating and loading EmailEvents into a DuckDB
// file, in rows per second.
func BenchmarkLoad(b *testing.B) {
	rows := benchRows()
	for i := 0; i < b.N; i++ {
		st := openStoreAt(b, filepath.Join(b.TempDir(), "bench.duckdb"))
		if _, err := Load(context.Background(), st, Options{Seed: 1, Rows: rows, Now: testNow}, []string{"EmailEvents"}); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
