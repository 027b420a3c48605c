package rules

import (
	"context"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/attack"
)

// BenchmarkLoadAndCoverage measures the target: loading the 67
// corpus rules and computing their ATT&CK coverage (with the runnable
// check against a store) takes under 1 s. The compiler is stood in for by
// fakeChecker here; cmd/quarry's BenchmarkRulesCoverage uses the real one.
func BenchmarkLoadAndCoverage(b *testing.B) {
	loadCorpus(b) // skips when ../shared is absent
	st := memStore(b)
	addTable(b, st, "EmailEvents", now.Add(-time.Hour))
	data, err := attack.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := loadCorpus(b)
		rc := NewRunnability(st, fakeChecker, now)
		refs := make([]attack.RuleRef, len(res.Rules))
		for j, r := range res.Rules {
			s, err := rc.Check(ctx, r)
			if err != nil {
				b.Fatal(err)
			}
			refs[j] = attack.RuleRef{ID: r.ID, Name: r.Name, Techniques: r.Techniques, Tactics: r.Tactics, Runnable: s.Runnable}
		}
		cov := attack.Compute(data, refs)
		if cov.Rules != 67 {
			b.Fatalf("%d rules", cov.Rules)
		}
	}
}
