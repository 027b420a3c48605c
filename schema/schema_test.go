package schema

import (
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/types"
)

func TestEmailEventsMatchesReference(t *testing.T) {
	tbl, ok := Builtin("EmailEvents")
	if !ok {
		t.Fatal("EmailEvents missing")
	}
	// 39 columns of the 2024 reference page, the 10 added since, and
	// Sentinel's TimeGenerated.
	if got := len(tbl.Columns); got != 50 {
		t.Errorf("EmailEvents has %d columns, want 50", got)
	}
	for name, want := range map[string]types.Type{
		"Timestamp":             types.DateTime,
		"EmailClusterId":        types.Long,
		"BulkComplaintLevel":    types.Int,
		"AttachmentCount":       types.Int,
		"AdditionalFields":      types.String,
		"ForwardingInformation": types.String,
		"ThreatClassification":  types.String,
		"To":                    types.Dynamic,
		"Cc":                    types.Dynamic,
		"EmailSize":             types.Long,
		"IsFirstContact":        types.Bool,
		"TimeGenerated":         types.DateTime,
	} {
		c, ok := tbl.Column(name)
		if !ok || c.Type != want {
			t.Errorf("%s: got %v (present %v), want %v", name, c.Type, ok, want)
		}
	}
	// The columns of the 2024 page keep their positions (data written
	// before the new columns is a prefix of the table); the new ones
	// follow, in Sentinel's getschema order; TimeGenerated is last.
	var names []string
	for _, c := range tbl.Columns {
		names = append(names, c.Name)
	}
	if got, want := strings.Join(names[36:], " "), "AdditionalFields LatestDeliveryLocation LatestDeliveryAction "+
		"ExchangeTransportRule DistributionList ForwardingInformation Context To Cc ThreatClassification "+
		"RecipientDomain EmailSize IsFirstContact TimeGenerated"; got != want {
		t.Errorf("EmailEvents columns from 36:\n got %s\nwant %s", got, want)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("duplicate column %s", n)
		}
		seen[n] = true
	}
}

func TestBuiltinTables(t *testing.T) {
	want := []string{"CloudAppEvents", "EmailAttachmentInfo", "EmailEvents", "EmailPostDeliveryEvents", "EmailUrlInfo", "EntraIdSignInEvents", "FileMaliciousContentInfo", "UrlClickEvents"}
	got := BuiltinTables()
	if len(got) != len(want) {
		t.Fatalf("got %d tables", len(got))
	}
	for i, tbl := range got {
		if tbl.Name != want[i] {
			t.Errorf("table %d = %s, want %s", i, tbl.Name, want[i])
		}
		if c, ok := tbl.Column("UrlClickEvents"); ok {
			t.Errorf("unexpected column %v", c)
		}
		if tbl.Columns[0].Name != "Timestamp" {
			t.Errorf("%s starts with %s", tbl.Name, tbl.Columns[0].Name)
		}
	}
}

func TestLaterColumns(t *testing.T) {
	tbl, _ := Builtin("EmailEvents")
	got := LaterColumns("EmailEvents")
	if len(got) != 10 {
		t.Fatalf("LaterColumns(EmailEvents) = %v", got)
	}
	for _, n := range got {
		if _, ok := tbl.Column(n); !ok {
			t.Errorf("later column %s is not in EmailEvents", n)
		}
	}
	if n := len(tbl.Columns) - len(got); n != 40 {
		t.Errorf("EmailEvents without its later columns has %d columns, want the 40 of the first version", n)
	}
	if got := LaterColumns("EmailAttachmentInfo"); len(got) != 0 {
		t.Errorf("EmailAttachmentInfo: %v", got)
	}
	// Every later column is in its table; without them each table has the
	// columns of its first version.
	first := map[string]int{"EmailEvents": 40, "EmailAttachmentInfo": 16, "EmailUrlInfo": 7, "EmailPostDeliveryEvents": 13, "UrlClickEvents": 13,
		"CloudAppEvents": 37, "FileMaliciousContentInfo": 17, "EntraIdSignInEvents": 47}
	for _, tb := range BuiltinTables() {
		for _, n := range LaterColumns(tb.Name) {
			if _, ok := tb.Column(n); !ok {
				t.Errorf("%s: later column %s missing", tb.Name, n)
			}
		}
		if n := len(tb.Columns) - len(LaterColumns(tb.Name)); n != first[tb.Name] {
			t.Errorf("%s without its later columns: %d columns, want %d", tb.Name, n, first[tb.Name])
		}
		if tb.Columns[len(tb.Columns)-1].Name != TimeGenerated {
			t.Errorf("%s does not end with TimeGenerated", tb.Name)
		}
	}
	urls, _ := Builtin("EmailUrlInfo")
	if c, ok := urls.Column("UrlChainPosition"); !ok || c.Type != types.Int || urls.Columns[6].Name != "UrlChainPosition" {
		t.Errorf("EmailUrlInfo.UrlChainPosition: %v %v", c, ok)
	}
}
