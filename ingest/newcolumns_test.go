package ingest

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// TestDefenderNewEmailEventsColumns: a Defender export of EmailEvents
// carries the columns Microsoft added since 2024 with the types its
// reference page gives (To and Cc as strings holding JSON arrays,
// IsFirstContact as 1/0, EmailSize a number); they land in the built-in
// columns with the built-in types (dynamic, bool, long), and a record
// without them gets "" for the strings and null for the rest.
func TestDefenderNewEmailEventsColumns(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "export.json")
	data := `{"records": [` +
		`{"time": "2026-11-02T09:00:01Z", "category": "AdvancedHunting-EmailEvents", "properties": {"Timestamp": "2026-11-02T09:00:00Z", "NetworkMessageId": "c0000001-0000-0000-0000-000000000001", "SenderFromAddress": "dave@contoso.com", "RecipientEmailAddress": "dave.home@example.org", "EmailDirection": "Outbound", ` +
		`"ForwardingInformation": "{\"ForwardingType\":\"MbxRule\",\"ForwardingUser\":\"dave@contoso.com\"}", "To": "[\"dave.home@example.org\"]", "Cc": "[]", "ThreatClassification": "", "RecipientDomain": "example.org", "EmailSize": 48213, "IsFirstContact": 1, "DistributionList": "", "ExchangeTransportRule": "Append disclaimer", "Context": ""}},` +
		`{"time": "2026-11-02T09:05:01Z", "category": "AdvancedHunting-EmailEvents", "properties": {"Timestamp": "2026-11-02T09:05:00Z", "NetworkMessageId": "c0000002-0000-0000-0000-000000000002", "SenderFromAddress": "x@phish.example", "RecipientEmailAddress": "alice@contoso.com", "EmailDirection": "Inbound", "ThreatTypes": "Phish", "ThreatClassification": "Invoice"}}` +
		`]}` + "\n"
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, ":memory:")
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir}, p)
	if r := res[0]; r.Source != SourceDefenderStream || r.Rejected != 0 || r.Rows["EmailEvents"] != 2 {
		t.Fatalf("got %s", r.Summary())
	}
	checkRows(t, st, [][2]string{
		{`SELECT json_extract_string(ForwardingInformation, '$.ForwardingType') || ' ' || json_type("To") || ' ' || json_extract_string("To", '$[0]') || ' ' || json_array_length("Cc")::VARCHAR
			FROM EmailEvents WHERE EmailDirection = 'Outbound'`, "MbxRule ARRAY dave.home@example.org 0"},
		{`SELECT RecipientDomain || ' ' || EmailSize::VARCHAR || ' ' || IsFirstContact::VARCHAR || ' ' || ExchangeTransportRule FROM EmailEvents WHERE EmailDirection = 'Outbound'`,
			"example.org 48213 true Append disclaimer"},
		{`SELECT ThreatClassification || '|' || ForwardingInformation || '|' || RecipientDomain || '|' || DistributionList || '|' ||
			coalesce("To"::VARCHAR, 'null') || '|' || coalesce(EmailSize::VARCHAR, 'null') || '|' || coalesce(IsFirstContact::VARCHAR, 'null')
			FROM EmailEvents WHERE EmailDirection = 'Inbound'`, "Invoice||||null|null|null"},
	})
}

// TestIngestUpgradesOlderBuiltinTable: a store whose email tables were
// made by a quarry that did not know the columns Microsoft added since 2024
// (EmailEvents: the 39 columns of the 2024 page and TimeGenerated) is
// upgraded by ingest instead of refused: the old rows are kept, with "" and
// null in the new columns, and the new rows are appended in the current
// layout. A table with columns the built-in schema lacks is still refused.
func TestIngestUpgradesOlderBuiltinTable(t *testing.T) {
	st := openStore(t, ":memory:")
	var old *schema.Table
	for _, cur := range schema.BuiltinTables() {
		added := map[string]bool{}
		for _, n := range schema.LaterColumns(cur.Name) {
			added[n] = true
		}
		o := &schema.Table{Name: cur.Name}
		for _, c := range cur.Columns {
			if !added[c.Name] {
				o.Columns = append(o.Columns, c)
			}
		}
		if err := st.EnsureTable(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		if cur.Name == "EmailEvents" {
			old = o
		}
	}
	if len(old.Columns) != 40 {
		t.Fatalf("old layout has %d columns", len(old.Columns))
	}
	if _, err := st.DB.Exec(`INSERT INTO EmailEvents (Timestamp, TimeGenerated, RecipientEmailAddress, EmailDirection, Subject)
		VALUES (TIMESTAMP '2026-11-01 07:00:00', TIMESTAMP '2026-11-01 07:00:00', 'old@contoso.com', 'Inbound', 'kept')`); err != nil {
		t.Fatal(err)
	}
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: t.TempDir()}, "testdata/defender/storage.json", "testdata/defender/eventhub.json")
	if res[0].Rows["EmailEvents"] != 2 || res[1].Rows["UrlClickEvents"] != 1 || res[1].Rows["EmailUrlInfo"] != 1 {
		t.Fatalf("got %s\n%s", res[0].Summary(), res[1].Summary())
	}
	for _, cur := range schema.BuiltinTables() {
		var names []string
		rows, err := st.DB.Query(`SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position`, cur.Name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		var want []string
		for _, c := range cur.Columns {
			want = append(want, c.Name)
		}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("%s columns after the upgrade:\n%s\nwant\n%s", cur.Name, strings.Join(names, " "), strings.Join(want, " "))
		}
	}
	checkRows(t, st, [][2]string{
		{`SELECT count(*)::VARCHAR FROM EmailEvents`, "8"},
		{`SELECT UrlDomain || '|' || UrlChainId || '|' || coalesce(UrlChainPosition::VARCHAR, 'null') FROM EmailUrlInfo`, "example.net||null"},
		{`SELECT Subject || '|' || ForwardingInformation || '|' || ThreatClassification || '|' || coalesce("To"::VARCHAR, 'null') || '|' || coalesce(EmailSize::VARCHAR, 'null')
			FROM EmailEvents WHERE RecipientEmailAddress = 'old@contoso.com'`, "kept|||null|null"},
		{`SELECT count(*)::VARCHAR FROM information_schema.tables WHERE table_name LIKE '%quarry_upgrade%'`, "0"},
	})

	// Not an older layout: a column the built-in schema does not have.
	st2 := openStore(t, ":memory:")
	odd := &schema.Table{Name: "EmailEvents", Columns: append(append([]schema.Column(nil), old.Columns[:5]...), schema.Column{Name: "Mine", Type: types.String})}
	if err := st2.EnsureTable(context.Background(), odd); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), st2, []string{"testdata/defender/storage.json"}, Options{RejectsDir: t.TempDir()}); err == nil ||
		!strings.Contains(err.Error(), "table EmailEvents exists with other columns") {
		t.Errorf("a foreign EmailEvents: %v", err)
	}
}

// newColumnsQuery selects, per EmailEvents row, the columns the ground
// truth files testdata/*/newcolumns.tsv give, as tab-separated text
// ("null" for SQL null). The first and last columns are never empty, so
// that expected's trimming keeps the empty fields between them.
const newColumnsQuery = `SELECT concat_ws(chr(9), RecipientEmailAddress, InternetMessageId,
	coalesce(EmailSize::VARCHAR, 'null'), coalesce("To"::VARCHAR, 'null'), coalesce(Cc::VARCHAR, 'null'),
	Connectors, DistributionList, SenderMailFromDomain, SenderFromDomain, Subject, SenderFromAddress,
	SenderDisplayName, RecipientDomain)
	FROM EmailEvents`

// TestLogSourcesNewEmailEventsColumns: Exchange message tracking, Exchange
// Online message trace and Postfix fill the EmailEvents columns their
// formats carry (RecipientDomain, EmailSize, To/Cc/From from Postfix
// header_checks lines, Connectors, DistributionList, the sender domains),
// with the values of hand-written ground truth, and leave the columns
// they do not carry empty or null.
func TestLogSourcesNewEmailEventsColumns(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		files []string
		truth string
	}{
		{"exchange", []string{"testdata/exchange/MSGTRK2026110108-1.LOG", "testdata/exchange/MSGTRK20261102-1.LOG"}, "testdata/exchange/newcolumns.tsv"},
		{"exotrace", []string{"testdata/exotrace/trace.csv"}, "testdata/exotrace/newcolumns.tsv"},
		{"postfix", []string{"testdata/postfix/headers.log"}, "testdata/postfix/headers.newcolumns.tsv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t, ":memory:")
			res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir}, c.files...)
			for _, r := range res {
				t.Log(r.Summary())
			}
			rows, err := st.DB.Query(newColumnsQuery)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				got = append(got, s)
			}
			sort.Strings(got)
			compareLines(t, "new EmailEvents columns", got, expected(t, c.truth))
			// Columns no log carries stay empty: a log never gives a
			// verdict, counts or first contact.
			checkRows(t, st, [][2]string{
				{`SELECT count(*)::VARCHAR FROM EmailEvents WHERE ThreatClassification <> '' OR ThreatTypes <> ''
					OR ForwardingInformation <> '' OR ExchangeTransportRule <> '' OR Context <> '' OR IsFirstContact IS NOT NULL
					OR AttachmentCount IS NOT NULL OR UrlCount IS NOT NULL OR EmailClusterId IS NOT NULL OR BulkComplaintLevel IS NOT NULL`, "0"},
			})
		})
	}
}

// A Postfix content filter's re-injected copy stands for every recipient
// handed over to it: each recipient has one row, from the final delivery,
// with the original's Timestamp and NetworkMessageId.
func TestPostfixFilterAllRecipients(t *testing.T) {
	st := openStore(t, ":memory:")
	runIngest(t, st, Options{Org: testOrg(t), RejectsDir: t.TempDir()}, "testdata/postfix/headers.log")
	checkRows(t, st, [][2]string{
		{`SELECT string_agg(RecipientEmailAddress || ' ' || DeliveryLocation || ' ' || strftime(Timestamp, '%H:%M:%S'), ', ' ORDER BY RecipientEmailAddress)
			FROM EmailEvents WHERE InternetMessageId = '<cf1@example.org>'`,
			"frank@contoso.com Inbox/folder 10:00:00, gina@contoso.com Inbox/folder 10:00:00"},
		{`SELECT count(DISTINCT NetworkMessageId)::VARCHAR FROM EmailEvents WHERE InternetMessageId = '<cf1@example.org>'`, "1"},
	})
}

// A size that is not a byte count is bad input: the line is rejected with
// its reason, not loaded with a null EmailSize.
func TestBadSizeRejected(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.csv")
	if err := os.WriteFile(trace, []byte(`"origin_timestamp_utc","sender_address","recipient_status","total_bytes"
"2026-11-05T08:00:00Z","bob@example.net","alice@contoso.com##Receive, Deliver","5 KB"
"2026-11-05T08:01:00Z","bob@example.net","alice@contoso.com##Receive, Deliver","5120"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	trk := filepath.Join(dir, "MSGTRK20261105-1.LOG")
	if err := os.WriteFile(trk, []byte(`#Software: Microsoft Exchange Server
#Fields: date-time,event-id,network-message-id,recipient-address,total-bytes,sender-address,directionality
2026-11-05T08:00:00.000Z,RECEIVE,e0000001-0000-0000-0000-000000000001,alice@contoso.com,-3,bob@example.net,Incoming
2026-11-05T08:00:01.000Z,DELIVER,e0000001-0000-0000-0000-000000000001,alice@contoso.com,4096,bob@example.net,Incoming
`), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, ":memory:")
	res := runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir}, trk, trace)
	compareLines(t, "exchange rejects", readRejects(t, res[0].RejectsPath), []string{trk + `:3: total-bytes: "-3" is not a byte count`})
	compareLines(t, "trace rejects", readRejects(t, res[1].RejectsPath), []string{trace + `:2: total_bytes: "5 KB" is not a byte count`})
	checkRows(t, st, [][2]string{
		{`SELECT string_agg(EmailSize::VARCHAR, ' ' ORDER BY EmailSize) FROM EmailEvents`, "4096 5120"},
	})
}

// An extended message trace report with return_path: that is MAIL FROM
// ("<>" the null sender) and sender_address the header sender.
func TestEXOTraceReturnPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "extended.csv")
	if err := os.WriteFile(p, []byte(`"origin_timestamp_utc","sender_address","return_path","recipient_status","total_bytes"
"2026-11-05T08:00:00Z","ceo@contoso.com","billing@evil.example","alice@contoso.com##Receive, Deliver","2048"
"2026-11-05T08:01:00Z","postmaster@contoso.com","<>","bob@contoso.com##Receive, Deliver","512"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, ":memory:")
	runIngest(t, st, Options{Org: testOrg(t), RejectsDir: dir}, p)
	checkRows(t, st, [][2]string{
		{`SELECT string_agg(SenderMailFromAddress || '|' || SenderMailFromDomain || '|' || SenderFromAddress || '|' || SenderFromDomain, ' ' ORDER BY Timestamp) FROM EmailEvents`,
			"billing@evil.example|evil.example|ceo@contoso.com|contoso.com ||postmaster@contoso.com|contoso.com"},
	})
}
