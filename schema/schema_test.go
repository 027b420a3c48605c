package schema

import (
	"testing"

	"github.com/quarry-kql/quarry/kql/types"
)

func TestEmailEventsMatchesReference(t *testing.T) {
	tbl, ok := Builtin("EmailEvents")
	if !ok {
		t.Fatal("EmailEvents missing")
	}
	// 39 documented Defender columns plus Sentinel's TimeGenerated.
	if got := len(tbl.Columns); got != 40 {
		t.Errorf("EmailEvents has %d columns, want 40", got)
	}
	for name, want := range map[string]types.Type{
		"Timestamp":          types.DateTime,
		"EmailClusterId":     types.Long,
		"BulkComplaintLevel": types.Int,
		"AttachmentCount":    types.Int,
		"AdditionalFields":   types.String,
		"TimeGenerated":      types.DateTime,
	} {
		c, ok := tbl.Column(name)
		if !ok || c.Type != want {
			t.Errorf("%s: got %v (present %v), want %v", name, c.Type, ok, want)
		}
	}
}

func TestBuiltinTables(t *testing.T) {
	want := []string{"EmailAttachmentInfo", "EmailEvents", "EmailPostDeliveryEvents", "EmailUrlInfo", "UrlClickEvents"}
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
