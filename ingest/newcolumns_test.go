package ingest

import (
	"os"
	"path/filepath"
	"testing"
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
