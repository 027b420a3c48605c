package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/store"
)

// huntKQL is the "Mailflow by directionality" hunt.
const huntKQL = `EmailEvents
| where Timestamp > ago(30d)
| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, "@")+1)
| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)
| order by Timestamp asc`

var goldenNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// handHuntSQL is the hunt written by hand for DuckDB: the reference the
// benchmark compares the compiled hunt with. strpos is 0 when "@" is
// absent, so substr starts at 1 and keeps the whole string, as Kusto's
// substring(s, -1+1) does; splitting after the first "@" gives the same
// text whether positions count code points or UTF-16 units.
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

var huntColumns = cols("EmailDirection:string domain:string Timestamp:datetime total:long")

// compareGolden checks a hunt result (CSV records, header first) against
// expected.csv as golden/README.md says: the same header, Timestamp
// non-decreasing, and rows sharing a Timestamp equal as multisets.
func compareGolden(want, got [][]string) error {
	if len(got) == 0 || strings.Join(got[0], ",") != strings.Join(want[0], ",") {
		return fmt.Errorf("header %q, want %q", got[0], want[0])
	}
	tsCol := -1
	for i, h := range want[0] {
		if h == "Timestamp" {
			tsCol = i
		}
	}
	ticks := func(r []string) (int64, error) {
		t, err := store.ParseDateTime(r[tsCol])
		if err != nil || !strings.HasSuffix(r[tsCol], "Z") {
			return 0, fmt.Errorf("timestamp %q is not ISO 8601 UTC with Z", r[tsCol])
		}
		return t.UnixNano() / 100, nil
	}
	var prev int64
	for i, r := range got[1:] {
		tk, err := ticks(r)
		if err != nil {
			return fmt.Errorf("data row %d: %v", i+1, err)
		}
		if i > 0 && tk < prev {
			return fmt.Errorf("not ordered by Timestamp at data row %d", i+1)
		}
		prev = tk
	}
	count := map[string]int{}
	for _, r := range want[1:] {
		count[strings.Join(r, "\x00")]++
	}
	for _, r := range got[1:] {
		count[strings.Join(r, "\x00")]--
	}
	var diffs []string
	for k, n := range count {
		switch {
		case n > 0:
			diffs = append(diffs, fmt.Sprintf("only in expected (x%d): %q", n, strings.Split(k, "\x00")))
		case n < 0:
			diffs = append(diffs, fmt.Sprintf("only in actual (x%d):   %q", -n, strings.Split(k, "\x00")))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		if len(diffs) > 10 {
			diffs = append(diffs[:10], "...")
		}
		return fmt.Errorf("%d rows expected, %d actual:\n%s", len(want)-1, len(got)-1, strings.Join(diffs, "\n"))
	}
	return nil
}

func TestCompareGoldenRules(t *testing.T) {
	want := [][]string{{"a", "Timestamp", "n"}, {"x", "2026-10-02T00:00:00Z", "1"}, {"y", "2026-10-02T00:00:00Z", "2"}, {"x", "2026-10-03T00:00:00Z", "1"}}
	ok := [][]string{want[0], want[2], want[1], want[3]}
	if err := compareGolden(want, ok); err != nil {
		t.Errorf("ties in any order: %v", err)
	}
	for name, got := range map[string][][]string{
		"unordered":  {want[0], want[3], want[1], want[2]},
		"count":      {want[0], want[1], {"y", "2026-10-02T00:00:00Z", "3"}, want[3]},
		"missing":    {want[0], want[1], want[2]},
		"duplicated": {want[0], want[1], want[1], want[2], want[3]},
		"header":     {{"a", "Timestamp", "count_"}, want[1], want[2], want[3]},
		"no Z":       {want[0], {"x", "2026-10-02T00:00:00", "1"}, want[2], want[3]},
	} {
		if err := compareGolden(want, got); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// loadGolden loads the 10k golden rows into a fresh engine.
func loadGolden(t testing.TB) (*Engine, [][]string) {
	dir := testenv.Shared(t, "golden")
	e := newEngine(t)
	st, err := e.st.Load(context.Background(), "EmailEvents", []string{filepath.Join(dir, "EmailEvents-10k-seed1.parquet")}, store.LoadOptions{})
	if err != nil || st.Rows != 10000 {
		t.Fatalf("load: %v %v", st, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return e, readCSVText(t, string(b))
}

func resultCSV(t testing.TB, r *Result) [][]string {
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	return readCSVText(t, b.String())
}

// The hand-written SQL, through the engine's conversion and CSV writer,
// gives the golden answer: this pins both the reference SQL of the
// benchmark and the output path.
func TestGoldenHandWrittenSQL(t *testing.T) {
	e, want := loadGolden(t)
	res, err := e.Run(context.Background(), &Program{SQL: handHuntSQL(goldenNow), Columns: huntColumns, Tables: []string{"EmailEvents"}}, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 2118 {
		t.Fatalf("expected.csv has %d lines", len(want))
	}
	if err := compareGolden(want, resultCSV(t, res)); err != nil {
		t.Fatal(err)
	}
}

// The hunt, compiled by quarry from the KQL text, matches expected.csv.
func TestGoldenHunt(t *testing.T) {
	e, want := loadGolden(t)
	res, err := e.Query(context.Background(), huntKQL, QueryOptions{Now: goldenNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := compareGolden(want, resultCSV(t, res)); err != nil {
		sql, _ := e.Explain(huntKQL, QueryOptions{Now: goldenNow})
		t.Fatalf("%v\nSQL:\n%s", err, sql)
	}
}
