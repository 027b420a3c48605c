package format

import (
	"testing"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/parser"
)

// BenchmarkFormatCorpus formats every accepted corpus query (parsed once,
// outside the timing); bytes/s counts the formatted text.
func BenchmarkFormatCorpus(b *testing.B) {
	var trees []*ast.Script
	size := 0
	for _, q := range acceptedCorpus(b) {
		s, errs := parser.Parse(q.text)
		if len(errs) > 0 {
			continue
		}
		trees = append(trees, s)
		size += len(Script(s))
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range trees {
			Script(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(trees))/1e3, "µs/query")
}
