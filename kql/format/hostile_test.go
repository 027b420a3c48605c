package format

import (
	"strings"
	"testing"
	"time"
)

// TestHostileInput formats and round-trips the front end's hostile inputs:
// deep nesting, a huge string literal and very long operator chains. Each
// must parse and format back to the same tree.
func TestHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping large inputs in -short mode")
	}
	tests := map[string]string{
		"2,000 nested parentheses": "print " + strings.Repeat("(", 2000) + "1" + strings.Repeat(")", 2000),
		"1 MB string literal":      `print s = "` + strings.Repeat(`a\"\\'é`, 1<<20/8) + `"`,
		"100,000 piped operators":  "T" + strings.Repeat(" | where x > 1", 100000),
		"100,000 chained and":      "T | where " + strings.Repeat("a and ", 100000) + "b",
		"100,000 chained plus":     "print " + strings.Repeat("1 + ", 100000) + "1",
	}
	for name, src := range tests {
		start := time.Now()
		problem, ok := roundTrip(src)
		t.Logf("%s: %v", name, time.Since(start))
		if !ok {
			t.Errorf("%s: does not parse", name)
			continue
		}
		if problem != "" {
			if len(problem) > 500 {
				problem = problem[:500] + "..."
			}
			t.Errorf("%s: %s", name, problem)
		}
	}
}
