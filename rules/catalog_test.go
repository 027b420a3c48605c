package rules

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func memStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// addEmailEvents creates EmailEvents with one row per timestamp.
func addTable(t testing.TB, st *store.Store, name string, ts ...time.Time) {
	t.Helper()
	tab, _ := schema.Builtin(name)
	if err := st.EnsureTable(context.Background(), tab); err != nil {
		t.Fatal(err)
	}
	for _, x := range ts {
		if _, err := st.DB.Exec("INSERT INTO "+store.QuoteIdent(name)+" (Timestamp) VALUES (?)", x); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeChecker stands in for compile.Compile: a query compiles unless it
// contains "!!", and reads the built-in table names it mentions.
var fakeChecker = CheckerFunc(func(q string) ([]string, error) {
	if i := strings.Index(q, "!!"); i >= 0 {
		line := strings.Count(q[:i], "\n") + 1
		return nil, errors.New(strconv.Itoa(line) + ":3: unexpected '!!'")
	}
	var out []string
	for _, w := range regexp.MustCompile(`\w+`).FindAllString(q, -1) {
		if _, ok := schema.Builtin(w); ok {
			out = appendUnique(out, w)
		}
	}
	return out, nil
})

func rule(name, query string, declared ...string) *Rule {
	r := &Rule{ID: name, Name: name, Query: query, QueryLine: 10, Source: Source{Path: name + ".yaml"}}
	if len(declared) > 0 {
		r.RequiredDataConnectors = []DataConnector{{ConnectorID: "MicrosoftThreatProtection", DataTypes: declared}}
	}
	return r
}

func TestRunnability(t *testing.T) {
	st := memStore(t)
	addTable(t, st, "EmailEvents", now.Add(-2*time.Hour), now.Add(-10*24*time.Hour))
	addTable(t, st, "UrlClickEvents", now.Add(-40*24*time.Hour))
	ctx := context.Background()
	rc := NewRunnability(st, fakeChecker, now)
	tests := []struct {
		rule     *Rule
		runnable bool
		tables   string
		reasons  []string
		notes    []string
	}{
		{rule("mailflow", "EmailEvents | where Timestamp > ago(30d)", "EmailEvents"), true, "EmailEvents", nil, nil},
		{rule("recent", "EmailEvents | where Timestamp > ago(1h)"), false, "EmailEvents",
			[]string{"table EmailEvents has no rows in the rule's window (Timestamp = 1h, since 2026-10-31T23:00:00Z)"}, nil},
		{rule("clicks", "UrlClickEvents | where Timestamp > ago(7d)"), false, "UrlClickEvents",
			[]string{"table UrlClickEvents has no rows in the rule's window (Timestamp = 7d, since 2026-10-25T00:00:00Z)"}, nil},
		{rule("clicks all time", "UrlClickEvents | take 1"), true, "UrlClickEvents", nil, nil},
		{rule("two tables", "EmailEvents | join (EmailAttachmentInfo) on NetworkMessageId", "EmailEvents"), false, "EmailEvents,EmailAttachmentInfo",
			[]string{"table EmailAttachmentInfo is not in the store"},
			[]string{"the query reads EmailAttachmentInfo, not listed in requiredDataConnectors (EmailEvents)"}},
		{rule("ioc", "let iocs = externaldata(h:string)[@\"https://example.invalid/iocs.csv\"];\nEmailEvents | take 1"), true, "EmailEvents", nil,
			[]string{"the query reads external data (externaldata): run it with --allow-external"}},
		{rule("broken", "EmailEvents\n| where !! x\n", "EmailEvents"), false, "EmailEvents",
			[]string{"does not compile: broken.yaml:11:3: unexpected '!!'"}, nil},
	}
	for _, tc := range tests {
		s, err := rc.Check(ctx, tc.rule)
		if err != nil {
			t.Fatal(err)
		}
		if s.Runnable != tc.runnable || strings.Join(s.Tables, ",") != tc.tables ||
			strings.Join(s.Reasons, "|") != strings.Join(tc.reasons, "|") || strings.Join(s.Notes, "|") != strings.Join(tc.notes, "|") {
			t.Errorf("%s: got runnable %v tables %v reasons %q notes %q\nwant %v %s %q %q", tc.rule.Name, s.Runnable, s.Tables, s.Reasons, s.Notes, tc.runnable, tc.tables, tc.reasons, tc.notes)
		}
	}
	multi := CheckerFunc(func(string) ([]string, error) {
		return nil, errors.New("2:3: not supported yet: make-series\n5:1: unknown column 'X'")
	})
	if s, _ := NewRunnability(st, multi, now).Check(ctx, rule("two", "EmailEvents")); s.CompileError != "two.yaml:11:3: not supported yet: make-series\ntwo.yaml:14:1: unknown column 'X'" {
		t.Errorf("multi-line compile error: %q", s.CompileError)
	}
	if s, _ := rc.Check(ctx, rule("m", "EmailEvents | where Timestamp > ago(30d)")); s.Rows["EmailEvents"] != 2 || s.Period != "30d" {
		t.Errorf("rows in 30d: %v %s", s.Rows, s.Period)
	}
	if s, _ := rc.Check(ctx, rule("m", "EmailEvents | where Timestamp > ago(1d)")); s.Rows["EmailEvents"] != 1 {
		t.Errorf("rows in 1d: %v", s.Rows)
	}
	if s, _ := rc.Check(ctx, rule("broken", "EmailEvents\n| where !! x\n")); s.TablesFrom != "text" || s.Compiles {
		t.Errorf("fallback tables: %+v", s)
	}
	// A query that parses but does not bind: tables from the syntax tree,
	// not from requiredDataConnectors.
	unbound := CheckerFunc(func(string) ([]string, error) { return nil, errors.New("1:1: unknown table") })
	s, _ := NewRunnability(st, unbound, now).Check(ctx, rule("risky", "EntraIdSignInEvents\n| where Timestamp > ago(7d)", "EmailEvents"))
	if s.TablesFrom != "syntax" || strings.Join(s.Tables, ",") != "EntraIdSignInEvents" ||
		strings.Join(s.Notes, "|") != "the query reads EntraIdSignInEvents, not listed in requiredDataConnectors (EmailEvents)" {
		t.Errorf("syntax tables: %+v", s)
	}
	none := NewRunnability(st, nil, now)
	if s, _ := none.Check(ctx, rule("m", "EmailEvents")); s.Runnable || !strings.Contains(s.Reasons[0], "no KQL compiler") {
		t.Errorf("nil checker: %+v", s)
	}
}

func TestCatalogReplaceAndFind(t *testing.T) {
	st := memStore(t)
	ctx := context.Background()
	c, err := OpenCatalog(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCatalog(ctx, st); err != nil {
		t.Fatal("opening twice:", err)
	}
	res := loadCorpus(t)
	res.Errors = []Diagnostic{{File: "x.yaml", Line: 3, Severity: "error", Message: "invalid YAML"}}
	if err := c.Replace(ctx, "Azure/Azure-Sentinel", res); err != nil {
		t.Fatal(err)
	}
	if err := c.Replace(ctx, "/local/pack", &LoadResult{Rules: []*Rule{{ID: "local-1", Name: "Mailflow local copy", Query: "EmailEvents", Source: Source{Repo: "/local/pack", Path: "a.yaml"}}}, Files: 1}); err != nil {
		t.Fatal(err)
	}
	// Re-syncing a source replaces its rules, it does not add to them.
	if err := c.Replace(ctx, "Azure/Azure-Sentinel", res); err != nil {
		t.Fatal(err)
	}
	rs, err := c.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 68 {
		t.Fatalf("catalog holds %d rules, want 67 + 1", len(rs))
	}
	m, err := Find(rs, "6b478186-da3b-4d71-beaa-aa5b42908499")
	if err != nil || m.Name != "Mailflow by directionality" || m.Source.RetrievedAt != now || m.Query == "" || m.QueryLine != 16 {
		t.Fatalf("find by id: %v %+v", err, m)
	}
	if m2, err := Find(rs, "mailflow BY directionality"); err != nil || m2.ID != m.ID {
		t.Errorf("find by name: %v", err)
	}
	if m3, err := Find(rs, "6b478186"); err != nil || m3.ID != m.ID {
		t.Errorf("find by id prefix: %v", err)
	}
	if _, err := Find(rs, "Top 10 Users clicking"); err == nil || !strings.Contains(err.Error(), "matches 4 rules") {
		t.Errorf("ambiguous: %v", err)
	}
	if _, err := Find(rs, "no such rule"); err == nil {
		t.Error("missing rule found")
	}
	srcs, err := c.Sources(ctx)
	if err != nil || len(srcs) != 2 || srcs[1].Source != "Azure/Azure-Sentinel" || srcs[1].Rules != 67 || len(srcs[1].Errors) != 1 || srcs[1].Errors[0].Line != 3 {
		t.Errorf("sources %+v %v", srcs, err)
	}
	// Bookkeeping stays out of the user's tables.
	if ts, _ := st.Tables(ctx); len(ts) != 0 {
		t.Errorf("catalog tables visible as user tables: %v", ts)
	}
}

func TestFilter(t *testing.T) {
	res := loadCorpus(t)
	yes, no := true, false
	count := func(f Filter, status func(*Rule) *Status) int {
		n := 0
		for _, r := range res.Rules {
			var s *Status
			if status != nil {
				s = status(r)
			}
			if f.Match(r, s) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		f    Filter
		want int
	}{
		{Filter{}, 67},
		{Filter{Tactic: "initial access"}, 60},
		{Filter{Tactic: "LateralMovement"}, 7},
		{Filter{Technique: "t1566"}, 59},
		{Filter{Technique: "T1114"}, 4},
		{Filter{Table: "UrlClickEvents"}, 8},
		{Filter{Text: "qr code"}, 1},
		{Filter{Source: "azure"}, 67},
		{Filter{Source: "bertjanp"}, 0},
		{Filter{Severity: "High"}, 0},
		{Filter{Tactic: "InitialAccess", Technique: "T1566", Text: "mailflow"}, 2}, // Mailflow by directionality, Calculate MDO Efficacy
	}
	for _, tc := range tests {
		if got := count(tc.f, nil); got != tc.want {
			t.Errorf("%+v: %d rules, want %d", tc.f, got, tc.want)
		}
	}
	// --runnable needs a status; rules without one never match.
	if got := count(Filter{Runnable: &yes}, nil); got != 0 {
		t.Errorf("runnable without status: %d", got)
	}
	odd := func(r *Rule) *Status { return &Status{Runnable: strings.HasPrefix(r.Name, "Top")} }
	if a, b := count(Filter{Runnable: &yes}, odd), count(Filter{Runnable: &no}, odd); a+b != 67 || a == 0 {
		t.Errorf("runnable split %d + %d", a, b)
	}
}

func TestSyntaxTables(t *testing.T) {
	tests := []struct{ q, want string }{
		{"EntraIdSignInEvents\n| where Timestamp > ago(7d)", "EntraIdSignInEvents"},
		{"let x = EmailEvents | take 1;\nx | join (EmailUrlInfo | take 1) on NetworkMessageId | lookup kind=leftouter UrlClickEvents on Url", "EmailEvents,EmailUrlInfo,UrlClickEvents"},
		{"union withsource=T EmailEvents, (EmailAttachmentInfo | take 1)", "EmailEvents,EmailAttachmentInfo"},
		{"EmailEvents", "EmailEvents"},
	}
	for _, tc := range tests {
		got, ok := syntaxTables(tc.q)
		if !ok || strings.Join(got, ",") != tc.want {
			t.Errorf("syntaxTables(%q) = %v %v, want %s", tc.q, got, ok, tc.want)
		}
	}
	if _, ok := syntaxTables("EmailEvents | where (("); ok {
		t.Error("a syntax error was accepted")
	}
}
