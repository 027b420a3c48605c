package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/ingest/defender"
	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/store"
)

// huntNow is "now" for the Mailflow by directionality hunt in the fixture
// tests: the fixtures are dated November 2026.
var huntNow = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func testOrg(t *testing.T) *org.Org {
	t.Helper()
	o, err := org.Load("testdata/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// mailflowHunt is the contract's "Mailflow by directionality" hunt.
const mailflowHunt = `EmailEvents
| where Timestamp > ago(30d)
| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, "@")+1)
| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)
| order by Timestamp asc`

// hunt runs Mailflow by directionality in KQL through the engine and
// returns "day\tdirection\tdomain\tcount" lines, sorted. It also checks
// that the rows come in Timestamp order, and that the same hunt written
// in SQL by hand gives the same counts (a cross-check of the engine).
func hunt(t *testing.T, st *store.Store) []string {
	t.Helper()
	res, err := engine.New(st).Query(context.Background(), mailflowHunt, engine.QueryOptions{Now: huntNow})
	if err != nil {
		t.Fatalf("hunt: %v", err)
	}
	col := map[string]int{}
	for i, c := range res.Columns {
		col[c.Name] = i
	}
	var out []string
	var prev time.Time
	for _, r := range res.Rows {
		ts, _ := r[col["Timestamp"]].(time.Time)
		if ts.Before(prev) {
			t.Errorf("hunt rows not in Timestamp order: %v after %v", ts, prev)
		}
		prev = ts
		out = append(out, fmt.Sprintf("%s\t%v\t%v\t%v", ts.UTC().Format("2006-01-02"),
			r[col["EmailDirection"]], r[col["domain"]], r[col["total"]]))
	}
	sort.Strings(out)
	compareLines(t, "KQL hunt vs the same hunt in SQL", out, huntSQL(t, st))
	return out
}

// huntSQL is the hunt written in SQL by hand.
func huntSQL(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := st.DB.Query(`
		SELECT strftime(time_bucket(INTERVAL 1 day, "Timestamp"), '%Y-%m-%d') AS day, "EmailDirection",
		       substr("RecipientEmailAddress", strpos("RecipientEmailAddress", '@') + 1) AS domain, count(*)
		FROM "EmailEvents" WHERE "Timestamp" > ?::TIMESTAMP - INTERVAL 30 day
		GROUP BY ALL`, huntNow)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var day, dir, dom string
		var n int64
		if err := rows.Scan(&day, &dir, &dom, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s\t%s\t%s\t%d", day, dir, dom, n))
	}
	sort.Strings(out)
	return out
}

// expected reads a hand-written ground-truth table (# comments allowed).
func expected(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func compareLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// postfixFixture writes testdata/postfix/nasty.log to dir with its
// @@BIGLINE@@ marker replaced by a 10 MB Postfix line.
func postfixFixture(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/postfix/nasty.log")
	if err != nil {
		t.Fatal(err)
	}
	big := "Nov  3 11:00:00 mx1 postfix/cleanup[200]: B1B1B1B1B1: warning: header X-Junk: " + strings.Repeat("A", 10<<20)
	data = bytes.Replace(data, []byte("@@BIGLINE@@"), []byte(big), 1)
	p := filepath.Join(dir, "maillog")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runIngest(t *testing.T, st *store.Store, opt Options, paths ...string) []Result {
	t.Helper()
	if opt.Year == 0 {
		opt.Year = 2026
	}
	res, err := Run(context.Background(), st, paths, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPostfixFixture(t *testing.T) {
	dir := t.TempDir()
	p := postfixFixture(t, dir)
	st := openStore(t, ":memory:")
	rejects := filepath.Join(dir, "rejects")
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: rejects}, p)
	r := res[0]
	t.Log(r.Summary())
	if r.Source != SourcePostfix {
		t.Errorf("detected %q", r.Source)
	}
	// Three rejects: two invalid timestamps and the truncated last line.
	if r.Rejected != 3 {
		t.Errorf("rejected = %d, want 3", r.Rejected)
	}
	// Skipped: connect/disconnect lines, dovecot, anvil, "-- MARK --".
	if r.Skipped != 6 {
		t.Errorf("skipped = %d, want 6", r.Skipped)
	}
	if r.Records+r.Skipped != 67 || r.Loaded != 58 {
		t.Errorf("records %d + skipped %d != 67 lines", r.Records, r.Skipped)
	}
	if r.Rows["EmailEvents"] != 13 {
		t.Errorf("EmailEvents rows = %d, want 13", r.Rows["EmailEvents"])
	}
	rej, err := os.ReadFile(r.RejectsPath)
	if err != nil {
		t.Fatal(err)
	}
	wantRej := []string{
		p + `:41: invalid timestamp "Nov  3 25:61:00"`,
		p + `:42: invalid date "Nov 31 10:00:00" in 2026`,
		p + `:67: delivery line without to= or status= (truncated?)`,
	}
	compareLines(t, "rejects", strings.Split(strings.TrimSpace(string(rej)), "\n"), wantRej)
	compareLines(t, "Mailflow by directionality", hunt(t, st), expected(t, "testdata/postfix/nasty.expected.tsv"))

	// Per-row facts a user would check.
	for _, c := range []struct{ query, want string }{
		{`SELECT DeliveryAction FROM EmailEvents WHERE RecipientEmailAddress='partner@fabrikam.com'`, "Delivered"},
		{`SELECT strftime(Timestamp, '%Y-%m-%d %H:%M:%S') FROM EmailEvents WHERE RecipientEmailAddress='partner@fabrikam.com'`, "2026-11-01 08:00:03"},
		{`SELECT SenderIPv4 FROM EmailEvents WHERE RecipientEmailAddress='partner@fabrikam.com'`, "198.51.100.7"},
		{`SELECT EmailDirection FROM EmailEvents WHERE SenderMailFromAddress='ceo@contoso.com'`, "Inbound"},
		{`SELECT strftime(Timestamp, '%Y-%m-%d %H:%M:%S') || ' ' || SenderIPv4 || ' ' || InternetMessageId FROM EmailEvents WHERE RecipientEmailAddress='frank@contoso.com'`, "2026-11-02 23:59:59 203.0.113.50 <m5@example.org>"},
		{`SELECT count(*)::VARCHAR FROM EmailEvents WHERE RecipientEmailAddress='frank@contoso.com'`, "1"},
		{`SELECT DeliveryAction || ' ' || EmailDirection FROM EmailEvents WHERE RecipientEmailAddress='nobody@contoso.com'`, "Blocked Inbound"},
		{`SELECT DeliveryAction || ' ' || DeliveryLocation FROM EmailEvents WHERE RecipientEmailAddress='y@unreachable.example'`, "Blocked Failed"},
		{`SELECT DeliveryAction FROM EmailEvents WHERE RecipientEmailAddress='z@far.example'`, "Pending"},
		{`SELECT Subject || ' ' || SenderIPv6 FROM EmailEvents WHERE RecipientEmailAddress='ivy@contoso.com'`, "Caf\uFFFD cr\uFFFDme 2001:db8:10::7"},
		{`SELECT count(DISTINCT NetworkMessageId)::VARCHAR FROM EmailEvents WHERE SenderMailFromAddress IN ('gina@contoso.com','bob@example.net')`, "2"},
		{`SELECT count(*)::VARCHAR FROM EmailEvents WHERE TimeGenerated <> Timestamp OR TimeGenerated IS NULL`, "0"},
	} {
		var got string
		if err := st.DB.QueryRow(c.query).Scan(&got); err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s\n got %q, want %q", c.query, got, c.want)
		}
	}

	// A second run loads nothing.
	again := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: rejects}, p)
	if !again[0].AlreadyLoaded {
		t.Errorf("second run: %s", again[0].Summary())
	}
	compareLines(t, "after re-run", hunt(t, st), expected(t, "testdata/postfix/nasty.expected.tsv"))
}

// checkRows runs single-value SQL queries and compares their text.
func checkRows(t *testing.T, st *store.Store, cases [][2]string) {
	t.Helper()
	for _, c := range cases {
		var got string
		if err := st.DB.QueryRow(c[0]).Scan(&got); err != nil {
			t.Errorf("%s: %v", c[0], err)
			continue
		}
		if got != c[1] {
			t.Errorf("%s\n got %q, want %q", c[0], got, c[1])
		}
	}
}

func readRejects(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestExchangeFixture(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, ":memory:")
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir},
		"testdata/exchange/MSGTRK2026110108-1.LOG", "testdata/exchange/MSGTRK20261102-1.LOG")
	if len(res) != 2 {
		t.Fatalf("%d results", len(res))
	}
	r := res[0] // MSGTRK2026110108-1.LOG sorts first
	t.Log(r.Summary())
	t.Log(res[1].Summary())
	if r.Source != SourceExchangeTracking || res[1].Source != SourceExchangeTracking {
		t.Errorf("detected %q, %q", r.Source, res[1].Source)
	}
	if r.Records != 19 || r.Rejected != 3 || r.Skipped != 5 {
		t.Errorf("records %d rejected %d skipped %d, want 19, 3, 5", r.Records, r.Rejected, r.Skipped)
	}
	p := "testdata/exchange/MSGTRK2026110108-1.LOG"
	compareLines(t, "rejects", readRejects(t, r.RejectsPath), []string{
		p + `:15: date-time: invalid datetime "2026-13-45T99:00:00.000Z"`,
		p + `:16: 5 fields, the #Fields header has 30`,
		p + `:24: 11 fields, the #Fields header has 30 (truncated last line)`,
	})
	if res[1].Records != 4 || res[1].Rejected != 0 {
		t.Errorf("2010 log: %s", res[1].Summary())
	}
	compareLines(t, "Mailflow by directionality", hunt(t, st), expected(t, "testdata/exchange/expected.tsv"))
	checkRows(t, st, [][2]string{
		{`SELECT Subject FROM EmailEvents WHERE RecipientEmailAddress='bob@contoso.com'`, `Quarterly report, "final"`},
		{`SELECT SenderIPv4 || ' ' || NetworkMessageId FROM EmailEvents WHERE RecipientEmailAddress='bob@contoso.com'`, "203.0.113.10 11111111-1111-1111-1111-111111111111"},
		{`SELECT strftime(Timestamp, '%H:%M:%S.%g') FROM EmailEvents WHERE RecipientEmailAddress='alice@contoso.com' AND Subject LIKE 'Quarterly%'`, "08:00:00.100"},
		{`SELECT DeliveryAction || ' ' || DeliveryLocation FROM EmailEvents WHERE RecipientEmailAddress='partner@fabrikam.com'`, "Delivered On-premises/external"},
		{`SELECT DeliveryAction || ' ' || DeliveryLocation FROM EmailEvents WHERE RecipientEmailAddress='nobody@contoso.com'`, "Blocked Failed"},
		{`SELECT EmailDirection FROM EmailEvents WHERE SenderFromAddress='ceo@contoso.com'`, "Inbound"},
		{`SELECT count(*)::VARCHAR FROM EmailEvents WHERE RecipientEmailAddress='allstaff@contoso.com'`, "0"},
		{`SELECT count(DISTINCT NetworkMessageId)::VARCHAR FROM EmailEvents WHERE Timestamp >= '2026-11-02'`, "2"},
	})
}

func TestDefenderStreamFixture(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, ":memory:")
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir},
		"testdata/defender/eventhub.json", "testdata/defender/storage.json")
	for _, r := range res {
		t.Log(r.Summary())
		if r.Source != SourceDefenderStream {
			t.Errorf("%s: detected %q", r.Path, r.Source)
		}
	}
	eh, sa := res[0], res[1]
	// eventhub.json: 12 records in two documents, plus a cut-off third line.
	if eh.Records != 13 || eh.Rejected != 3 {
		t.Errorf("eventhub: records %d rejected %d, want 13, 3", eh.Records, eh.Rejected)
	}
	compareLines(t, "eventhub rejects", readRejects(t, eh.RejectsPath), []string{
		`testdata/defender/eventhub.json:1: record 6: unknown category "Audit-Something" (expected AdvancedHunting-<Table>)`,
		`testdata/defender/eventhub.json:2: record 3: Timestamp: invalid datetime "2026-02-30T11:00:00Z"`,
		`testdata/defender/eventhub.json:3: invalid JSON: unexpected EOF (truncated last line)`,
	})
	if sa.Records != 5 || sa.Rejected != 2 {
		t.Errorf("storage: records %d rejected %d, want 5, 2", sa.Records, sa.Rejected)
	}
	compareLines(t, "storage rejects", readRejects(t, sa.RejectsPath), []string{
		`testdata/defender/storage.json:3: invalid JSON: invalid character ',' looking for beginning of object key string`,
		`testdata/defender/storage.json:5: AttachmentCount: integer expected, found "many"`,
	})
	compareLines(t, "Mailflow by directionality", hunt(t, st), expected(t, "testdata/defender/expected.tsv"))
	checkRows(t, st, [][2]string{
		// Seven-digit fractions are kept to the microsecond DuckDB stores.
		{`SELECT strftime(Timestamp, '%Y-%m-%d %H:%M:%S.%f') FROM EmailEvents WHERE RecipientEmailAddress='bob@sales.contoso.com'`, "2026-11-01 08:00:00.123456"},
		{`SELECT EmailClusterId::VARCHAR || ' ' || AttachmentCount::VARCHAR || ' ' || AdditionalFields FROM EmailEvents WHERE RecipientEmailAddress='bob@sales.contoso.com'`, `123456789012 1 {"UserLevelAction":"Move"}`},
		{`SELECT coalesce(BulkComplaintLevel::VARCHAR, 'null') FROM EmailEvents LIMIT 1`, "null"},
		{`SELECT EmailDirection FROM EmailEvents WHERE SenderFromAddress='ceo@contoso.com'`, "Inbound"},
		{`SELECT FileName || ' ' || FileSize::VARCHAR FROM EmailAttachmentInfo`, "invoice.pdf 12345"},
		{`SELECT UrlDomain FROM EmailUrlInfo`, "example.net"},
		{`SELECT ActionType || ' ' || DeliveryLocation FROM EmailPostDeliveryEvents`, "Phish ZAP Quarantine"},
		{`SELECT IsClickedThrough::VARCHAR || ' ' || AccountUpn FROM UrlClickEvents`, "true alice@contoso.com"},
		{`SELECT count(*)::VARCHAR FROM EmailEvents WHERE TimeGenerated = Timestamp`, "7"},
		// An unknown AdvancedHunting category gets its own table, extended
		// when a later record brings new keys.
		{`SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name='DeviceEvents'`,
			"Timestamp:TIMESTAMP ActionType:VARCHAR DeviceName:VARCHAR ReportId:BIGINT TimeGenerated:TIMESTAMP AdditionalFields:JSON Score:DOUBLE"},
		{`SELECT string_agg(DeviceName || '/' || ReportId::VARCHAR || '/' || coalesce(AdditionalFields::VARCHAR, '-'), ' ' ORDER BY ReportId) FROM DeviceEvents`, `ws1/17/- ws2/18/{"ClassName":"USB"}`},
	})
}

func TestDefenderCSVFixture(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, ":memory:")
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir}, "testdata/defender/ah-export.csv")
	r := res[0]
	t.Log(r.Summary())
	if r.Source != SourceDefenderCSV || r.Records != 7 || r.Rejected != 3 || r.Rows["EmailEvents"] != 4 {
		t.Errorf("got %s", r.Summary())
	}
	p := "testdata/defender/ah-export.csv"
	compareLines(t, "rejects", readRejects(t, r.RejectsPath), []string{
		p + `:7: Timestamp: invalid datetime "Nov 31, 2026 1:00:00 PM"`,
		p + `:8: 3 fields, the header has 9`,
		p + `:9: 3 fields, the header has 9 (truncated last line)`,
	})
	compareLines(t, "Mailflow by directionality", hunt(t, st), expected(t, "testdata/defender/ah-export.expected.tsv"))
	checkRows(t, st, [][2]string{
		{`SELECT Subject FROM EmailEvents WHERE RecipientEmailAddress='x@fabrikam.com'`, "Two-line\nsubject \"quoted\""},
		{`SELECT strftime(Timestamp, '%Y-%m-%d %H:%M:%S') FROM EmailEvents WHERE RecipientEmailAddress='erin@contoso.com'`, "2026-11-04 23:59:59"},
		{`SELECT strftime(Timestamp, '%Y-%m-%d %H:%M:%S') FROM EmailEvents WHERE RecipientEmailAddress='alice@contoso.com'`, "2026-11-04 08:15:02"},
	})
}

func TestEXOTraceFixture(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, ":memory:")
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir}, "testdata/exotrace/trace.csv")
	r := res[0]
	t.Log(r.Summary())
	if r.Source != SourceEXOTrace || r.Records != 7 || r.Rejected != 2 || r.Rows["EmailEvents"] != 7 {
		t.Errorf("got %s", r.Summary())
	}
	p := "testdata/exotrace/trace.csv"
	compareLines(t, "rejects", readRejects(t, r.RejectsPath), []string{
		p + `:6: origin_timestamp_utc: invalid datetime "2026-11-31T11:00:00Z"`,
		p + `:8: unterminated quoted field (truncated last line)`,
	})
	compareLines(t, "Mailflow by directionality", hunt(t, st), expected(t, "testdata/exotrace/expected.tsv"))
	checkRows(t, st, [][2]string{
		{`SELECT DeliveryAction || ' ' || DeliveryLocation FROM EmailEvents WHERE RecipientEmailAddress='x@fabrikam.com'`, "Delivered On-premises/external"},
		{`SELECT DeliveryAction || ' ' || EmailDirection FROM EmailEvents WHERE SenderFromAddress='ceo@contoso.com'`, "Blocked Inbound"},
		{`SELECT count(*)::VARCHAR FROM EmailEvents WHERE RecipientEmailAddress='carol@contoso.com'`, "1"},
	})
}

// The same trace exported in UTF-16 (as Exchange Online writes it) gives
// the same result, and a second run loads nothing.
func TestEXOTraceUTF16(t *testing.T) {
	data, err := os.ReadFile("testdata/exotrace/trace.csv")
	if err != nil {
		t.Fatal(err)
	}
	enc := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(string(data))) {
		enc = append(enc, byte(u), byte(u>>8))
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "trace16.csv")
	if err := os.WriteFile(p, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, ":memory:")
	r := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir}, p)[0]
	if r.Source != SourceEXOTrace || r.Records != 7 || r.Rejected != 2 {
		t.Errorf("%s", r.Summary())
	}
	compareLines(t, "rejects", readRejects(t, r.RejectsPath), []string{
		p + `:6: origin_timestamp_utc: invalid datetime "2026-11-31T11:00:00Z"`,
		p + `:8: unterminated quoted field (truncated last line)`,
	})
	compareLines(t, "Mailflow by directionality", hunt(t, st), expected(t, "testdata/exotrace/expected.tsv"))
	if again := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir}, p)[0]; !again.AlreadyLoaded {
		t.Errorf("second run: %s", again.Summary())
	}
}

// oddDefender is Streaming API input with the values the block path
// converts itself: escapes, non-UTF-8 bytes, long strings, numbers as
// strings, dynamic, bool and real columns, nulls, zones and the zero time,
// several tables in one Event Hub document, and a 10 MB line.
func oddDefender() string {
	rec := func(cat, props string) string {
		return `{"category":"AdvancedHunting-` + cat + `","time":"2026-11-03T00:00:00Z","properties":{` + props + `}}`
	}
	return strings.Join([]string{
		rec("EmailEvents", `"Timestamp":"2026-11-03T10:00:00.1234567Z","Subject":"caf\u00e9 \ud83d\ude00 \"quoted\" and a long tail","SenderDisplayName":"caf`+"\xe9"+` latin1 bytes here","To":["a@contoso.com","b@contoso.com"],"Cc":"[1, 2]","IsFirstContact":true,"EmailSize":123456789012,"BulkComplaintLevel":"7","UrlCount":2.0,"EmailClusterId":1e3,"Connectors":12.5,"ThreatTypes":null`),
		rec("EmailEvents", `"Timestamp":"2026-11-03T12:00:00+02:00","AuthenticationDetails":{"SPF":"pass"},"IsFirstContact":"0","RecipientEmailAddress":"x@contoso.com"`),
		rec("EmailEvents", `"Timestamp":"0001-01-01T00:00:00Z","TimeGenerated":"2026-11-03T13:00:00Z","Subject":"zero time"`),
		rec("EmailEvents", `"Subject":"time from the envelope","EmailDirection":"Inbound"`),
		`{"records":[` + rec("EmailUrlInfo", `"Timestamp":"2026-11-03T14:00:00Z","Url":"https://example.net/a/very/long/path?q=1","UrlChainPosition":3`) + `,` +
			rec("UrlClickEvents", `"Timestamp":"2026-11-03T14:01:00Z","IsClickedThrough":false,"Url":"https://example.net/unclicked"`) + `,` +
			rec("EmailAttachmentInfo", `"Timestamp":"2026-11-03T14:02:00Z","FileSize":99,"FileName":"a.pdf"`) + `]}`,
		rec("EmailEvents", `"Timestamp":"2026-11-03T15:00:00Z","Subject":"`+strings.Repeat("S", 10<<20)+`"`),
		rec("EmailEvents", `"Timestamp":"2026-11-03T16:00:00Z","Subject":"short"`),
	}, "\n") + "\n"
}

// The rows the streaming reader hands over in blocks (written into the
// appender's vectors from typed cells) must be exactly the rows it gives
// one by one as Go values (written through Emit).
func TestDefenderBlocksMatchRows(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "odd.json")
	if err := os.WriteFile(odd, []byte(oddDefender()), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{"testdata/defender/eventhub.json", "testdata/defender/storage.json", odd}
	load := func(blocks bool) *store.Store {
		st := openStore(t, ":memory:")
		if _, err := st.DB.Exec(metaDDL); err != nil {
			t.Fatal(err)
		}
		for _, p := range files {
			w, err := newWriter(context.Background(), st, DefaultBatchSize)
			if err != nil {
				t.Fatal(err)
			}
			w.displayPath = p
			w.state = fileState{ID: p, Hash: p, Path: p, Source: SourceDefenderStream, RejectsPath: filepath.Join(t.TempDir(), "rejects")}
			var sink source.Sink = w
			if !blocks {
				// Hides EmitBlock: rows come one by one through Emit.
				sink = struct {
					source.Sink
					source.Schemas
				}{w, w}
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			err = defender.Stream{}.Parse(context.Background(), source.NewLines(f, 0, 1), sink, source.Config{})
			f.Close()
			if err == nil {
				err = w.commit(true)
			}
			if cerr := w.close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		return st
	}
	withBlocks, withRows := load(true), load(false)
	digest := func(st *store.Store, table string) string {
		var n int64
		var sum, text string
		q := `SELECT count(*), coalesce(sum(hash(x))::VARCHAR, ''), coalesce(string_agg(md5(x::VARCHAR), ',' ORDER BY x::VARCHAR), '') FROM ` + store.QuoteIdent(table) + ` x`
		if err := st.DB.QueryRow(q).Scan(&n, &sum, &text); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(n, " ", sum, " ", text)
	}
	for _, table := range []string{"EmailEvents", "EmailUrlInfo", "UrlClickEvents", "EmailAttachmentInfo", "EmailPostDeliveryEvents", "DeviceEvents"} {
		if a, b := digest(withBlocks, table), digest(withRows, table); a != b {
			t.Errorf("%s: blocks and rows differ:\n%s\n%s", table, a, b)
		}
	}
	checkRows(t, withBlocks, [][2]string{
		{`SELECT Subject || '|' || SenderDisplayName || '|' || strftime(Timestamp, '%Y-%m-%d %H:%M:%S.%f') FROM EmailEvents WHERE EmailSize = 123456789012`,
			"café 😀 \"quoted\" and a long tail|caf\uFFFD latin1 bytes here|2026-11-03 10:00:00.123456"},
		{`SELECT "To"::VARCHAR || ' ' || Cc::VARCHAR || ' ' || IsFirstContact::VARCHAR || ' ' || BulkComplaintLevel::VARCHAR || ' ' || UrlCount::VARCHAR || ' ' || EmailClusterId::VARCHAR || ' ' || ThreatTypes || '.' FROM EmailEvents WHERE EmailSize = 123456789012`,
			`["a@contoso.com","b@contoso.com"] [1,2] true 7 2 1000 .`},
		{`SELECT strftime(Timestamp, '%H:%M') || ' ' || AuthenticationDetails || ' ' || IsFirstContact::VARCHAR FROM EmailEvents WHERE RecipientEmailAddress = 'x@contoso.com'`,
			`10:00 {"SPF":"pass"} false`},
		{`SELECT coalesce(Timestamp::VARCHAR, 'null') || ' ' || TimeGenerated::VARCHAR FROM EmailEvents WHERE Subject = 'zero time'`, "null 2026-11-03 13:00:00"},
		{`SELECT Timestamp::VARCHAR || ' ' || TimeGenerated::VARCHAR FROM EmailEvents WHERE Subject = 'time from the envelope'`, "2026-11-03 00:00:00 2026-11-03 00:00:00"},
		{`SELECT length(Subject)::VARCHAR FROM EmailEvents WHERE Timestamp = '2026-11-03 15:00:00'`, fmt.Sprint(10 << 20)},
		{`SELECT UrlChainPosition::VARCHAR || ' ' || Url FROM EmailUrlInfo WHERE UrlChainPosition = 3`, "3 https://example.net/a/very/long/path?q=1"},
		{`SELECT IsClickedThrough::VARCHAR FROM UrlClickEvents WHERE Url = 'https://example.net/unclicked'`, "false"},
		{`SELECT FileSize::VARCHAR FROM EmailAttachmentInfo WHERE FileName = 'a.pdf'`, "99"},
	})
}

// An ingest runs DuckDB with one worker thread and gives the store its
// earlier number back.
func TestThreadsRestored(t *testing.T) {
	st := openStore(t, ":memory:")
	if _, err := st.DB.Exec(`SET GLOBAL threads = 3`); err != nil {
		t.Fatal(err)
	}
	var during int64
	runIngest(t, st, Options{RejectsDir: t.TempDir(), OnCommit: func(string, int64) {
		st.DB.QueryRow(`SELECT current_setting('threads')::BIGINT`).Scan(&during)
	}}, "testdata/defender/storage.json")
	var after int64
	if err := st.DB.QueryRow(`SELECT current_setting('threads')::BIGINT`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if during != 1 || after != 3 {
		t.Errorf("threads during the ingest %d, after %d; want 1, 3", during, after)
	}
}
