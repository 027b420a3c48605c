package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/demo"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// runDemoCmd runs `quarry demo` with every flag given explicitly (cobra
// keeps flag values between Execute calls in one process).
func runDemoCmd(t *testing.T, db string, extra ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	args := []string{"demo", "--db", db, "--rows", "3000", "--days", "35", "--seed", "1",
		"--now", "2026-11-01T00:00:00Z", "--show", "5", "--width", "100", "--ascii",
		"--replace=false", "--regenerate=false", "--events-only=false"}
	root.SetArgs(append(args, extra...))
	root.SetOut(&out)
	root.SetErr(&errb)
	defer func() { root.SetOut(nil); root.SetErr(nil); dbPath = "" }()
	err := root.Execute()
	return out.String(), err
}

func countEmailEvents(t *testing.T, db string) int64 {
	t.Helper()
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int64
	if err := st.DB.QueryRow(`SELECT count(*) FROM EmailEvents`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDemoCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.duckdb")
	out, err := runDemoCmd(t, db)
	if err != nil {
		t.Fatalf("quarry demo: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Generating 3,000 demo EmailEvents rows (seed 1, 35 days up to 2026-11-01T00:00:00Z)",
		"EmailEvents 3,000,",
		"now = 2026-11-01T00:00:00Z",
		"| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)",
		"EmailDirection  domain",
		"(5 rows, truncated)",
		"Daily mail volume per direction",
		"2026-10-02 Fri |",
		"2026-10-31 Sat |",
		"# Inbound",
		"= Outbound",
		"+ Intra-org",
		"Planted in the data, for you to hunt:",
		"Password expiry credential phish",
		"quarry query --db " + db,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The hunt ran through quarry's compiler and engine, not the fallback.
	m := regexp.MustCompile(`([0-9,]+) rows in \S+ \((quarry|hand-written SQL)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no result line:\n%s", out)
	}
	if m[2] != "quarry" {
		t.Errorf("the hunt ran on %s, not through quarry", m[2])
	}
	// One chart line per day of the 30-day window, none wider than 100.
	days := 0
	for _, line := range strings.Split(out, "\n") {
		if regexp.MustCompile(`^2026-1[01]-\d\d [A-Z][a-z]{2} \|`).MatchString(line) {
			days++
			if len(line) > 100 {
				t.Errorf("chart line wider than --width: %q", line)
			}
		}
	}
	if days != 30 {
		t.Errorf("%d chart lines, want 30 days", days)
	}
	if n := countEmailEvents(t, db); n != 3000 {
		t.Errorf("%d EmailEvents rows stored", n)
	}
	// The made-up GeoIP database next to the data, and how to use it.
	geo := filepath.Join(filepath.Dir(db), demoGeoIPFile)
	if !strings.Contains(out, "QUARRY_GEOIP_DB="+geo+" quarry rules list --db "+db+" --runnable") {
		t.Errorf("output does not say how to use %s:\n%s", geo, out)
	}
	g, err := store.OpenGeoIP(geo)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if bag, ok, err := g.Lookup("81.2.69.160"); err != nil || !ok || !strings.Contains(bag, `"country":"`) {
		t.Errorf("demo GeoIP lookup: %s %v %v", bag, ok, err)
	}

	// Quarry's answer equals the hand-written SQL's on the demo data.
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cols, want, err := demo.QueryHandwritten(context.Background(), st, now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.New(st).Query(context.Background(), demo.MailflowHunt, engine.QueryOptions{Now: now})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, exp := sortedRows(res.Columns, res.Rows), sortedRows(cols, want); got != exp {
		t.Errorf("quarry and hand-written SQL disagree:\nquarry:\n%.2000s\nhand-written:\n%.2000s", got, exp)
	}

	// Running it again reuses the data: no doubling.
	out, err = runDemoCmd(t, db)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Reusing the demo data") || strings.Contains(out, "Generating") {
		t.Errorf("second run did not reuse the data:\n%.500s", out)
	}
	if n := countEmailEvents(t, db); n != 3000 {
		t.Errorf("after a second run: %d EmailEvents rows", n)
	}
	// --regenerate rebuilds, still without doubling.
	out, err = runDemoCmd(t, db, "--regenerate")
	if err != nil || !strings.Contains(out, "Generating") {
		t.Fatalf("--regenerate: %v\n%.500s", err, out)
	}
	if n := countEmailEvents(t, db); n != 3000 {
		t.Errorf("after --regenerate: %d EmailEvents rows", n)
	}
	// --events-only is another data set: it regenerates, then reuses.
	out, err = runDemoCmd(t, db, "--events-only")
	if err != nil || !strings.Contains(out, "Generating") || !strings.Contains(out, "EmailUrlInfo 0 rows") && !strings.Contains(out, "EmailUrlInfo 0,") {
		t.Fatalf("--events-only: %v\n%.500s", err, out)
	}
	out, err = runDemoCmd(t, db, "--events-only")
	if err != nil || !strings.Contains(out, "Reusing the demo data") {
		t.Fatalf("--events-only again: %v\n%.500s", err, out)
	}
	if n := countEmailEvents(t, db); n != 3000 {
		t.Errorf("after --events-only: %d EmailEvents rows", n)
	}
}

func sortedRows(cols []schema.Column, rows [][]any) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		var b strings.Builder
		for j, c := range cols {
			fmt.Fprintf(&b, "%s=%s ", c.Name, engine.FormatValue(c.Type, r[j]))
		}
		lines[i] = b.String()
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestDemoRefusesForeignData(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mine.duckdb")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, _ := schema.Builtin("EmailEvents")
	if err := st.EnsureTable(context.Background(), tab); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Exec(`INSERT INTO EmailEvents ("Timestamp", EmailDirection, RecipientEmailAddress) VALUES (TIMESTAMP '2026-10-20 10:00:00', 'Inbound', 'me@mine.example')`); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, err := runDemoCmd(t, db)
	if err == nil || !strings.Contains(err.Error(), "EmailEvents") || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("demo over the user's data: err %v\n%s", err, out)
	}
	if n := countEmailEvents(t, db); n != 1 {
		t.Fatalf("the user's table was touched: %d rows", n)
	}
	out, err = runDemoCmd(t, db, "--replace")
	if err != nil {
		t.Fatalf("--replace: %v\n%s", err, out)
	}
	if n := countEmailEvents(t, db); n != 3000 {
		t.Errorf("after --replace: %d rows", n)
	}
}

func TestDemoFlagsValidated(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.duckdb")
	for _, args := range [][]string{{"--rows", "0"}, {"--days", "-1"}, {"--now", "yesterday-ish"}} {
		if _, err := runDemoCmd(t, db, args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
