package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/internal/testenv"
)

// runCmd runs quarry with args and stdin, giving every query flag
// explicitly (cobra keeps flag values between Execute calls).
func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	defer func() { root.SetIn(nil); root.SetOut(nil); root.SetErr(nil); dbPath = "" }()
	err := root.Execute()
	return out.String(), errb.String(), err
}

const queryTestHunt = `EmailEvents
| where Timestamp > ago(30d)
| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, "@")+1)
| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)
| order by Timestamp asc`

func TestLoadAndQueryCommands(t *testing.T) {
	golden := testenv.Shared(t, "golden")
	db := filepath.Join(t.TempDir(), "q.duckdb")
	out, _, err := runCmd(t, "", "load", "--db", db, "--table", "EmailEvents", "--memory-limit", "3GB",
		filepath.Join(golden, "EmailEvents-10k-seed1.jsonl.gz"))
	if err != nil || !strings.HasPrefix(out, "loaded 10000 rows into EmailEvents (new table, built-in schema)") {
		t.Fatalf("load: %q %v", out, err)
	}

	query := func(stdin string, args ...string) string {
		t.Helper()
		base := []string{"query", "--db", db, "--now", "2026-11-01T00:00:00Z", "--allow-external=", "--chart", "",
			"--max-rows", "0", "--timeout", "0", "--memory-limit", ""}
		out, stderr, err := runCmd(t, stdin, append(base, args...)...)
		if err != nil {
			t.Fatalf("query %v: %v\n%s", args, err, stderr)
		}
		return out
	}
	got, err := csv.NewReader(strings.NewReader(query(queryTestHunt, "--format", "csv", "-"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(golden, "expected.csv"))
	want, _ := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if len(got) != len(want) || strings.Join(got[0], ",") != "EmailDirection,domain,Timestamp,total" {
		t.Fatalf("hunt: %d lines, header %q; want %d", len(got), got[0], len(want))
	}
	if got[1][2] != "2026-10-02T00:00:00Z" {
		t.Errorf("first day %q", got[1][2])
	}

	table := query("", "--format", "table", `EmailEvents | summarize n=count() by EmailDirection | order by n desc`)
	if !strings.Contains(table, "Inbound ") || !strings.HasSuffix(table, "(3 rows)\n") {
		t.Errorf("table output:\n%s", table)
	}
	jl := query("", "--format", "jsonl", `print d=1d+2h, t=datetime(2026-11-01), x=dynamic({"a":[1]})`)
	if jl != `{"d":"1.02:00:00","t":"2026-11-01T00:00:00Z","x":{"a":[1]}}`+"\n" {
		t.Errorf("jsonl: %s", jl)
	}

	// --now and QUARRY_NOW pin now().
	t.Setenv(EnvNow, "2030-01-02T03:04:05Z")
	out, _, err = runCmd(t, "", "query", "--db", db, "--now", "", "--format", "csv", "print now(), ago(1d)")
	if err != nil || out != "print_0,print_1\n2030-01-02T03:04:05Z,2030-01-01T03:04:05Z\n" {
		t.Errorf("QUARRY_NOW: %q %v", out, err)
	}

	// Semantic errors never reach the database and say where.
	_, _, err = runCmd(t, "", "query", "--db", db, "--now", "", "--format", "csv", "EmailEvents | where Foo == 1")
	if err == nil || !strings.Contains(err.Error(), "1:21") {
		t.Errorf("unknown column: %v", err)
	}

	sql, _, err := runCmd(t, "", "explain", "--db", db, "--now", "2026-11-01T00:00:00Z", queryTestHunt)
	if err != nil || !strings.Contains(sql, "SELECT") || !strings.Contains(sql, `"EmailEvents"`) {
		t.Errorf("explain: %q %v", sql, err)
	}

	tables, _, err := runCmd(t, "", "tables", "--db", db)
	if err != nil || !strings.Contains(tables, "EmailEvents (10000 rows)") || !strings.Contains(tables, "UrlClickEvents (built-in schema, no rows stored)") {
		t.Errorf("tables: %v\n%s", err, tables)
	}
}

// Reading commands never create the database file.
func TestQueryWithoutDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none", "q.duckdb")
	out, _, err := runCmd(t, "", "query", "--db", db, "--now", "", "--format", "csv", "EmailEvents | count")
	if err != nil || out != "Count\n0\n" {
		t.Errorf("query on no database: %q %v", out, err)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("query created the database file")
	}
}

func TestLoadCommandRejectsBadRows(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "q.duckdb")
	f := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(f, []byte(`{"Timestamp":"2026-10-02T00:00:00Z","Url":"http://a"}`+"\n"+`{"Timestamp":"soon"}`+"\n"), 0o644)
	out, stderr, err := runCmd(t, "", "load", "--db", db, "--table", "UrlClickEvents", "--memory-limit", "3GB", f)
	if e, ok := err.(exitError); !ok || e.code != 2 {
		t.Fatalf("exit %v", err)
	}
	if !strings.HasPrefix(out, "loaded 1 rows") || !strings.Contains(stderr, f+":2: column Timestamp") || !strings.Contains(stderr, "1 rows rejected") {
		t.Errorf("out %q stderr %q", out, stderr)
	}
}
