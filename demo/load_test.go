package demo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

func openStore(t *testing.T) *store.Store {
	return openStoreAt(t, filepath.Join(t.TempDir(), "q.duckdb"))
}

func openStoreAt(t testing.TB, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func countRows(t *testing.T, st *store.Store, table string) int64 {
	t.Helper()
	var n int64
	if err := st.DB.QueryRow(`SELECT count(*) FROM ` + store.QuoteIdent(table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	opt := Options{Seed: 5, Rows: 3000, Now: testNow}
	if m, err := ReadMarker(ctx, st); err != nil || m != nil {
		t.Fatalf("fresh store: marker %v, %v", m, err)
	}
	stats, err := Load(ctx, st, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"EmailEvents": stats.EmailEvents, "EmailAttachmentInfo": stats.EmailAttachmentInfo,
		"EmailUrlInfo": stats.EmailUrlInfo, "EmailPostDeliveryEvents": stats.EmailPostDeliveryEvents, "UrlClickEvents": stats.UrlClickEvents}
	for table, n := range want {
		if got := countRows(t, st, table); got != n || n == 0 && table != "UrlClickEvents" {
			t.Errorf("%s: %d rows stored, %d generated", table, got, n)
		}
	}
	if stats.EmailEvents != 3000 {
		t.Errorf("EmailEvents: %d", stats.EmailEvents)
	}
	m, err := ReadMarker(ctx, st)
	if err != nil || m == nil {
		t.Fatalf("marker %v, %v", m, err)
	}
	if !m.Matches(opt, TableNames) || m.Matches(Options{Seed: 6, Rows: 3000, Now: testNow}, TableNames) ||
		m.Matches(opt, []string{"EmailEvents"}) {
		t.Errorf("marker %+v matches wrongly", m)
	}
	// The marker lives in quarry_meta, not among the user's tables.
	var inMain int
	st.DB.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'demo'`).Scan(&inMain)
	if inMain != 0 {
		t.Error("marker table in main")
	}
	// Loading again replaces, never doubles.
	if _, err := Load(ctx, st, opt, nil); err != nil {
		t.Fatal(err)
	}
	if got := countRows(t, st, "EmailEvents"); got != 3000 {
		t.Errorf("after a second load: %d rows", got)
	}
	// A smaller data set with EmailEvents only drops the other demo tables.
	if _, err := Load(ctx, st, Options{Seed: 5, Rows: 100, Now: testNow}, []string{"EmailEvents"}); err != nil {
		t.Fatal(err)
	}
	if got := countRows(t, st, "EmailEvents"); got != 100 {
		t.Errorf("after reload with 100 rows: %d", got)
	}
	var n int
	st.DB.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'EmailUrlInfo'`).Scan(&n)
	if n != 0 {
		t.Error("EmailUrlInfo left behind by a load without it")
	}
	if _, err := Load(ctx, st, opt, []string{"DeviceEvents"}); err == nil || !strings.Contains(err.Error(), "DeviceEvents") {
		t.Errorf("unknown table: %v", err)
	}
	// Stored values round-trip: types and a sample row.
	var ts time.Time
	var dir, dm string
	var bcl int32
	var cluster int64
	err = st.DB.QueryRow(`SELECT "Timestamp", EmailDirection, DetectionMethods, BulkComplaintLevel, EmailClusterId FROM EmailEvents ORDER BY "Timestamp" LIMIT 1`).
		Scan(&ts, &dir, &dm, &bcl, &cluster)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Before(testNow.Add(-35*24*time.Hour)) || dir == "" || cluster == 0 {
		t.Errorf("first row: %s %q %q %d %d", ts, dir, dm, bcl, cluster)
	}
}

// No column of any demo table is ever null: strings are empty instead.
func TestLoadNoNulls(t *testing.T) {
	st := openStore(t)
	if _, err := Load(context.Background(), st, Options{Seed: 11, Rows: 5000, Now: testNow}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tab := range Tables() {
		var conds []string
		for _, c := range tab.Columns {
			conds = append(conds, store.QuoteIdent(c.Name)+" IS NULL")
		}
		var n, total int64
		q := `SELECT count(*) FILTER (WHERE ` + strings.Join(conds, " OR ") + `), count(*) FROM ` + store.QuoteIdent(tab.Name)
		if err := st.DB.QueryRow(q).Scan(&n, &total); err != nil {
			t.Fatal(err)
		}
		if n != 0 || total == 0 {
			t.Errorf("%s: %d of %d rows have a null", tab.Name, n, total)
		}
	}
}

// The dynamic columns hold JSON arrays DuckDB reads as such, and the
// columns added to EmailEvents in 2024-2026 load with the values the
// generator gave them.
func TestLoadNewEmailEventsColumns(t *testing.T) {
	st := openStore(t)
	if _, err := Load(context.Background(), st, Options{Seed: 11, Rows: 5000, Now: testNow}, []string{"EmailEvents"}); err != nil {
		t.Fatal(err)
	}
	var typ string
	if err := st.DB.QueryRow(`SELECT data_type FROM information_schema.columns WHERE table_name = 'EmailEvents' AND column_name = 'To'`).Scan(&typ); err != nil || typ != "JSON" {
		t.Fatalf("To is %q (%v), want JSON", typ, err)
	}
	var rows, toOK, inTo, domOK, fwd, first, sized int64
	err := st.DB.QueryRow(`SELECT count(*),
		count(*) FILTER (WHERE json_type("To") = 'ARRAY' AND json_type("Cc") = 'ARRAY' AND json_array_length("To") >= 1),
		count(*) FILTER (WHERE DistributionList <> '' OR list_contains(CAST(json_extract_string("To", '$[*]') AS VARCHAR[]) || CAST(json_extract_string("Cc", '$[*]') AS VARCHAR[]), RecipientEmailAddress)),
		count(*) FILTER (WHERE RecipientDomain = split_part(RecipientEmailAddress, '@', 2)),
		count(*) FILTER (WHERE CASE WHEN ForwardingInformation <> '' THEN json_extract_string(ForwardingInformation, '$.ForwardingUser') END = SenderFromAddress AND EmailDirection = 'Outbound'),
		count(*) FILTER (WHERE IsFirstContact),
		count(*) FILTER (WHERE EmailSize > 1000)
		FROM EmailEvents`).Scan(&rows, &toOK, &inTo, &domOK, &fwd, &first, &sized)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 5000 || toOK != rows || inTo != rows || domOK != rows || sized != rows || fwd == 0 || first == 0 {
		t.Errorf("%d rows: To/Cc arrays %d, recipient in To/Cc %d, RecipientDomain %d, EmailSize %d, forwards %d, first contact %d",
			rows, toOK, inTo, domOK, sized, fwd, first)
	}
}

func TestMarkerBigSeed(t *testing.T) {
	st := openStore(t)
	opt := Options{Seed: 1<<63 + 5, Rows: 10, Days: 2, Now: testNow}
	if _, err := Load(context.Background(), st, opt, []string{"EmailEvents"}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMarker(context.Background(), st)
	if err != nil || m == nil || m.Seed != 1<<63+5 || !m.Matches(opt, []string{"EmailEvents"}) {
		t.Fatalf("marker %+v, %v", m, err)
	}
}

func TestForeignTables(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	tab, _ := schema.Builtin("EmailEvents")
	if err := st.EnsureTable(ctx, tab); err != nil {
		t.Fatal(err)
	}
	if f, err := ForeignTables(ctx, st); err != nil || len(f) != 0 {
		t.Fatalf("empty table reported foreign: %v %v", f, err)
	}
	if _, err := st.DB.Exec(`INSERT INTO EmailEvents ("Timestamp", EmailDirection) VALUES (TIMESTAMP '2026-10-10 10:00:00', 'Inbound')`); err != nil {
		t.Fatal(err)
	}
	f, err := ForeignTables(ctx, st)
	if err != nil || len(f) != 1 || f[0] != "EmailEvents" {
		t.Fatalf("foreign %v %v", f, err)
	}
	if _, err := Load(ctx, st, Options{Rows: 10, Now: testNow}, nil); err != nil {
		t.Fatal(err)
	}
	if f, err := ForeignTables(ctx, st); err != nil || len(f) != 0 {
		t.Fatalf("after a demo load: %v %v", f, err)
	}
	// Rows loaded into the demo's EmailEvents afterwards are the user's.
	if _, err := st.DB.Exec(`INSERT INTO EmailEvents ("Timestamp", EmailDirection) VALUES (TIMESTAMP '2026-10-10 10:00:00', 'Inbound')`); err != nil {
		t.Fatal(err)
	}
	if f, err := ForeignTables(ctx, st); err != nil || len(f) != 1 || f[0] != "EmailEvents" {
		t.Fatalf("after adding a row to the demo's EmailEvents: %v %v", f, err)
	}
	// A table the demo did not write this time, filled by the user.
	if _, err := Load(ctx, st, Options{Rows: 10, Now: testNow}, []string{"EmailEvents"}); err != nil {
		t.Fatal(err)
	}
	urls, _ := schema.Builtin("EmailUrlInfo")
	if err := st.EnsureTable(ctx, urls); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Exec(`INSERT INTO EmailUrlInfo (Url) VALUES ('https://mine.example/')`); err != nil {
		t.Fatal(err)
	}
	if f, err := ForeignTables(ctx, st); err != nil || len(f) != 1 || f[0] != "EmailUrlInfo" {
		t.Fatalf("user rows in a table the demo did not write: %v %v", f, err)
	}
}

func TestMailflowHuntSQL(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	opt := Options{Seed: 9, Rows: 20_000, Now: testNow}
	if _, err := Load(ctx, st, opt, []string{"EmailEvents"}); err != nil {
		t.Fatal(err)
	}
	cols, rows, err := QueryHandwritten(ctx, st, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 4 || cols[0].Name != "EmailDirection" || cols[1].Name != "domain" || cols[2].Name != "Timestamp" || cols[2].Type != types.DateTime || cols[3].Name != "total" || cols[3].Type != types.Long {
		t.Fatalf("columns %v", cols)
	}
	// Recount the hunt in Go from the generated rows.
	type key struct {
		dir, domain string
		day         time.Time
	}
	want := map[key]int64{}
	cut := testNow.Add(-30 * 24 * time.Hour)
	Generate(ctx, opt, Sink{EmailEvents: func(e *EmailEvent) error {
		if e.Timestamp.After(cut) {
			a := e.RecipientEmailAddress
			want[key{e.EmailDirection, a[strings.IndexByte(a, '@')+1:], e.Timestamp.Truncate(24 * time.Hour)}]++
		}
		return nil
	}})
	if len(rows) != len(want) {
		t.Errorf("%d groups, want %d", len(rows), len(want))
	}
	var prev time.Time
	for _, r := range rows {
		k := key{r[0].(string), r[1].(string), r[2].(time.Time)}
		if got := r[3].(int64); got != want[k] {
			t.Errorf("%v: %d, want %d", k, got, want[k])
		}
		if k.day.Before(prev) {
			t.Fatal("not ordered by Timestamp")
		}
		prev = k.day
	}
	d, err := DailyVolume(cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Days) != 30 && len(d.Days) != 31 || len(d.Directions) != 3 || d.Directions[0] != "Inbound" {
		t.Errorf("daily: %d days, directions %v", len(d.Days), d.Directions)
	}
}

func TestDailyVolume(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }
	cols := []schema.Column{{Name: "EmailDirection", Type: types.String}, {Name: "domain", Type: types.String},
		{Name: "Timestamp", Type: types.DateTime}, {Name: "total", Type: types.Long}}
	rows := [][]any{
		{"Outbound", "a.com", day(2), int64(3)},
		{"Inbound", "contoso.com", day(2), int64(10)},
		{"Inbound", "contoso.de", day(2), int64(5)},
		{"Intra-org", "contoso.com", day(3), int64(7)},
		{"", "x", day(3), int64(1)}, // an empty direction is a direction too
		{"Inbound", "contoso.com", nil, int64(100)},
	}
	d, err := DailyVolume(cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Days) != 2 || !d.Days[0].Equal(day(2)) || !d.Days[1].Equal(day(3)) {
		t.Errorf("days %v", d.Days)
	}
	wantDirs := []string{"Inbound", "Outbound", "Intra-org", ""}
	if strings.Join(d.Directions, "|") != strings.Join(wantDirs, "|") {
		t.Errorf("directions %q", d.Directions)
	}
	want := [][]int64{{15, 0}, {3, 0}, {0, 7}, {0, 1}}
	for i := range want {
		for j := range want[i] {
			if d.Totals[i][j] != want[i][j] {
				t.Errorf("totals %v, want %v", d.Totals, want)
			}
		}
	}
	if _, err := DailyVolume(cols[:2], rows); err == nil {
		t.Error("missing columns accepted")
	}
}

func TestExampleFile(t *testing.T) {
	root, ok := testenv.RepoRoot()
	if !ok {
		t.Skip("no repository root")
	}
	b, err := os.ReadFile(filepath.Join(root, "examples", "mailflow-by-directionality.kql"))
	if err != nil {
		t.Fatal(err)
	}
	// The file may carry // comment lines before the query.
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "//") {
			lines = append(lines, l)
		}
	}
	if got := strings.TrimSpace(strings.Join(lines, "\n")); got != strings.TrimSpace(MailflowHunt) {
		t.Errorf("examples/mailflow-by-directionality.kql:\n%s\nMailflowHunt:\n%s", got, MailflowHunt)
	}
}

func TestLoadInterruptedKeepsOldData(t *testing.T) {
	st := openStore(t)
	old := Options{Seed: 5, Rows: 2000, Now: testNow}
	if _, err := Load(context.Background(), st, old, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Load(ctx, st, Options{Seed: 6, Rows: 50_000, Now: testNow, Progress: func(n int64) {
		if n > 10_000 {
			cancel()
		}
	}}, nil)
	if err == nil {
		t.Fatal("interrupted load succeeded")
	}
	if got := countRows(t, st, "EmailEvents"); got != 2000 {
		t.Errorf("after an interrupted load: %d rows, want the old 2000", got)
	}
	m, err := ReadMarker(context.Background(), st)
	if err != nil || m == nil || !m.Matches(old, TableNames) {
		t.Errorf("marker after an interrupted load: %+v, %v", m, err)
	}
}

func TestColumnMap(t *testing.T) {
	tab, _ := schema.Builtin("EmailEvents")
	src, _, identity := columnMap(tab.Columns, fieldNames(&EmailEvent{}))
	if !identity || len(src) != len(tab.Columns) {
		t.Errorf("EmailEvents does not map one to one: %v", src)
	}
	// A schema that gained columns the generator does not know, lost one,
	// and reordered others.
	cols := []schema.Column{{Name: "Subject", Type: types.String}, {Name: "Topics", Type: types.String},
		{Name: "Timestamp", Type: types.DateTime}, {Name: "NewScore", Type: types.Long}}
	src, def, identity := columnMap(cols, fieldNames(&EmailEvent{}))
	if identity {
		t.Error("identity for a different schema")
	}
	if src[0] != 13 || src[1] != -1 || src[2] != 0 || src[3] != -1 {
		t.Errorf("src %v", src)
	}
	if def[1] != "" || def[3] != nil {
		t.Errorf("defaults %v: want \"\" for a string, null otherwise", def)
	}
	w := &tableWriter{src: src, def: def}
	e := EmailEvent{Subject: "hello", Timestamp: testNow}
	row := w.row(e.Values)
	if len(row) != 4 || row[0] != "hello" || row[1] != "" || row[2] != testNow || row[3] != nil {
		t.Errorf("mapped row %v", row)
	}
}
