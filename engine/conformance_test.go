package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/conformance-passing.txt with the tests passing now")

func TestCellMatchRules(t *testing.T) {
	for _, tc := range []struct {
		e, a string
		want bool
	}{
		{"abc", " abc ", true},
		{"a\u00a0b", "a b", true},
		{"abc", "abd", false},
		{"", "", true},
		{"null", "", true},
		{"(null)", "", true},
		{"", "0", false},
		{"True", "true", true},
		{"1", "true", true},
		{"0", "false", true},
		{"1", "false", false},
		{"1,048,576", "1048576", true},
		{"1048576", "1,048,576", false},
		{"9223372036854775807", "9223372036854775806", false},
		{"18446744073709551615", "18446744073709551615", true},
		{"7.389056", "7.38905609893065", true},
		{"7.389", "7.3899", false},
		{"0.1", "0.1000000000000001", true},
		{"3", "3.0000000001", true},
		{"NaN", "NaN", true},
		{"NaN", "1", false},
		{"∞", "Infinity", true},
		{"-∞", "Infinity", false},
		{"1.5E+20", "150000000000000000000", true},
		{"2017-01-01 00:00:00.0000000", "2017-01-01T00:00:00Z", true},
		{"2017-01-01", "2017-01-01T00:00:00Z", true},
		{"2024-12-15 07:15:24", "2024-12-15T07:15:24Z", true},
		{"2017-01-01T01:00:00+01:00", "2017-01-01T00:00:00Z", true},
		{"2017-01-01T00:00:00.0000001Z", "2017-01-01T00:00:00Z", false},
		{"1.00:00:00", "1.00:00:00", true},
		{"1:00:00:00", "1.00:00:00", true},
		{"00:00:00.5", "00:00:00.5000000", true},
		{"-01:00:00", "01:00:00", false},
		{"0F8FAD5B-D9CB-469F-A165-70867728950E", "0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{`['a','b']`, `["a","b"]`, true},
		{`[yes, no]`, `["yes","no"]`, true},
		{`{"b":1,"a":[1,2,]}`, `{"a":[1,2],"b":1}`, true},
		{`[1]`, `["1"]`, false},
		{`[1,2]`, `[2,1]`, false},
		{`["2017-01-01 00:00:00"]`, `["2017-01-01T00:00:00Z"]`, true},
		{`[0.3333333]`, `[0.3333333333333333]`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{"abc", `"abc"`, true},
		{"x", `"y"`, false},
		{"3", "three", false},
	} {
		if got := cellMatch(tc.e, tc.a); got != tc.want {
			t.Errorf("cellMatch(expected %q, actual %q) = %v, want %v", tc.e, tc.a, got, tc.want)
		}
	}
}

type confTest struct {
	ID      string     `json:"id"`
	Doc     string     `json:"doc"`
	Query   string     `json:"query"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	Ordered bool       `json:"ordered"`
	Notes   string     `json:"notes"`
}

func (c *confTest) suspect() bool { return strings.HasPrefix(c.Notes, "suspect:") }

// inScope reports whether the test counts towards the target: not
// suspect, and not on a geo_* or series_* page.
func (c *confTest) inScope() bool {
	page := c.ID[:strings.IndexByte(c.ID, '#')]
	return !c.suspect() && !strings.HasPrefix(page, "geo-") && !strings.HasPrefix(page, "series-")
}

func loadConformance(t *testing.T) []*confTest {
	dir := testenv.Shared(t, "conformance", "docs")
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	var out []*confTest
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var c confTest
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, &c)
		}
		fh.Close()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// matchRows compares result rows with expected rows by the README's rules:
// in order when ordered, otherwise as a one-to-one matching.
func matchRows(want, got [][]string, ordered bool) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d rows, want %d", len(got), len(want))
	}
	rowMatch := func(e, a []string) bool {
		if len(e) != len(a) {
			return false
		}
		for i := range e {
			if !cellMatch(e[i], a[i]) {
				return false
			}
		}
		return true
	}
	if ordered {
		for i := range want {
			if !rowMatch(want[i], got[i]) {
				return fmt.Errorf("row %d is %q, want %q", i, got[i], want[i])
			}
		}
		return nil
	}
	// Bipartite matching (augmenting paths): cell matching is not an
	// equivalence, so greedy pairing could fail where a matching exists.
	adj := make([][]int, len(want))
	for i := range want {
		for j := range got {
			if rowMatch(want[i], got[j]) {
				adj[i] = append(adj[i], j)
			}
		}
		if len(adj[i]) == 0 {
			return fmt.Errorf("no row matches %q", want[i])
		}
	}
	owner := make([]int, len(got))
	for j := range owner {
		owner[j] = -1
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for _, j := range adj[i] {
			if seen[j] {
				continue
			}
			seen[j] = true
			if owner[j] < 0 || try(owner[j], seen) {
				owner[j] = i
				return true
			}
		}
		return false
	}
	for i := range want {
		if !try(i, make([]bool, len(got))) {
			return fmt.Errorf("rows do not match one-to-one (first unmatched: %q)", want[i])
		}
	}
	return nil
}

func runConformance(e *Engine, c *confTest) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	// Expected results are small: a cut result fails anyway, and the cap
	// keeps a runaway query from exhausting memory.
	res, err := e.Query(context.Background(), c.Query, QueryOptions{Timeout: 10 * time.Second, MaxRows: 10000})
	if err != nil {
		return err
	}
	if res.Truncated {
		return fmt.Errorf("more than 10000 rows, want %d", len(c.Rows))
	}
	var names []string
	for _, col := range res.Columns {
		names = append(names, col.Name)
	}
	var wantNames []string
	for _, n := range c.Columns {
		wantNames = append(wantNames, strings.TrimSpace(n))
	}
	if strings.Join(names, "\x00") != strings.Join(wantNames, "\x00") {
		return fmt.Errorf("columns %q, want %q", names, wantNames)
	}
	got := make([][]string, len(res.Rows))
	for i, row := range res.Rows {
		got[i] = make([]string, len(row))
		for j, v := range row {
			got[i][j] = FormatValue(res.Columns[j].Type, v)
		}
	}
	return matchRows(c.Rows, got, c.Ordered)
}

const passingFile = "testdata/conformance-passing.txt"

// conformanceTarget is the pass rate (percent) issue 3 requires in the
// target scope; the passing list guards each test, this the total.
const conformanceTarget = 60.0

// nondeterministic lists tests whose documented output is one of several
// correct answers; they count in the pass rate but never in the
// regression list.
var nondeterministic = map[string]string{
	"join-innerunique#3": "innerunique keeps an arbitrary left row per key; the page says so",
}

// TestConformance runs the KQL reference-docs examples, prints the pass
// rate, and fails when a test listed in testdata/conformance-passing.txt
// no longer passes. Run with -update to rewrite the list.
func TestConformance(t *testing.T) {
	tests := loadConformance(t)
	if compileFunc == nil {
		t.Skip("skipping: no KQL compiler in this build")
	}
	e := newEngine(t)
	e.Limits.MemoryLimit = "2GB"
	passing := map[string]bool{}
	failures := map[string]string{}
	var scope, scopePass, nonSuspect, nonSuspectPass int
	rounds := 1
	if *update {
		// Keep only tests that pass every time: some results (make_set
		// order, ...) are not deterministic and would make the list flaky.
		rounds = 3
	}
	for _, c := range tests {
		var err error
		for r := 0; r < rounds && err == nil; r++ {
			err = runConformance(e, c)
		}
		if err == nil {
			passing[c.ID] = true
		} else {
			failures[c.ID] = err.Error()
		}
		if !c.suspect() {
			nonSuspect++
			if err == nil {
				nonSuspectPass++
			}
		}
		if c.inScope() {
			scope++
			if err == nil {
				scopePass++
			}
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	t.Logf("conformance: %d/%d pass (%.1f%%); not suspect %d/%d (%.1f%%); target scope (not suspect, no geo_*/series_*) %d/%d (%.1f%%)",
		len(passing), len(tests), pct(len(passing), len(tests)), nonSuspectPass, nonSuspect, pct(nonSuspectPass, nonSuspect),
		scopePass, scope, pct(scopePass, scope))
	if !*update && pct(scopePass, scope) < conformanceTarget {
		t.Errorf("target scope pass rate %.1f%% is below the issue's target %.0f%%", pct(scopePass, scope), conformanceTarget)
	}
	if os.Getenv("QUARRY_CONFORMANCE_VERBOSE") != "" {
		var ids []string
		for id := range failures {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			t.Logf("FAIL %s: %s", id, firstLine(failures[id]))
		}
	}
	if *update {
		var ids []string
		for id := range passing {
			if _, ok := nondeterministic[id]; !ok {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		os.MkdirAll("testdata", 0o755)
		text := "# Conformance tests (shared/conformance) that pass; regenerate with go test ./engine -run TestConformance -update\n" + strings.Join(ids, "\n") + "\n"
		if err := os.WriteFile(passingFile, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(passingFile)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	var regressed []string
	for _, line := range strings.Split(string(b), "\n") {
		id := strings.TrimSpace(line)
		if id == "" || strings.HasPrefix(id, "#") {
			continue
		}
		if !passing[id] {
			regressed = append(regressed, fmt.Sprintf("%s: %s", id, firstLine(failures[id])))
		}
	}
	if len(regressed) > 0 {
		t.Errorf("%d conformance tests that passed before now fail:\n%s", len(regressed), strings.Join(regressed, "\n"))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func TestMatchRows(t *testing.T) {
	want := [][]string{{"a", "1"}, {"b", "2"}}
	if err := matchRows(want, [][]string{{"b", "2"}, {"a", "1"}}, false); err != nil {
		t.Errorf("unordered: %v", err)
	}
	if err := matchRows(want, [][]string{{"b", "2"}, {"a", "1"}}, true); err == nil {
		t.Error("ordered accepted swapped rows")
	}
	if err := matchRows(want, [][]string{{"a", "1"}, {"a", "1"}}, false); err == nil {
		t.Error("multiset accepted a duplicate for a missing row")
	}
	// Non-transitive cell matches need a real matching, not greedy pairing.
	w2 := [][]string{{""}, {"null"}, {"x"}}
	if err := matchRows(w2, [][]string{{"x"}, {""}, {""}}, false); err != nil {
		t.Errorf("matching: %v", err)
	}
}
