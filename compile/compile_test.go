package compile

import (
	"errors"
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/types"
)

// Semantic errors carry line:col, say what was found and, when a name is
// close, what was probably meant.
func TestErrors(t *testing.T) {
	cases := []struct{ q, want string }{
		{"EmailEvents\n| where Timestamp > ago(1d)\n| project Foo, Subjct", "3:11: unknown column 'Foo'\n3:16: unknown column 'Subjct'; did you mean 'Subject'?"},
		{"EmailEvent | count", "1:1: unknown table 'EmailEvent'; did you mean 'EmailEvents'?"},
		{"EmailEvents | extend x = substring(Timestamp, 1)", "1:26: function substring does not accept (datetime, long); expected (string, integer, integer)"},
		{"EmailEvents | where Subject", "1:21: where expects a bool predicate, found string"},
		{"EmailEvents | where Subject == 1", "1:21: cannot compare string with long"},
		{"EmailEvents | extend x = tostrin(Subject)", "1:26: unknown function 'tostrin'; did you mean 'tostring'?"},
		{"EmailEvents | summarize strlen(Subject)", "1:25: summarize expects an aggregate function such as count() or sum(x), found a function call"},
		{"EmailEvents | summarize hash_combine(Subject)", "1:25: not supported yet: function hash_combine()"},
		{"EmailEvents | extend c = count()", "1:26: aggregate function count() is only allowed in summarize (or make-series)"},
		{"DeviceProcessEvents | take 1", "1:1: not supported yet: table 'DeviceProcessEvents' has no built-in schema (load it with `quarry load --table DeviceProcessEvents`)"},
		{"EmailEvents | evaluate pivot(Subject)", "1:15: not supported yet: evaluate pivot"},
		{"externaldata (x:string) ['https://example.com/x.csv']", "1:1: externaldata is disabled: run with --allow-external to let queries read external data"},
		{"let x = 1;", "1:11: the query has no tabular result: expected a query after the let statements"},
	}
	for _, c := range cases {
		_, err := Compile(c.q, Options{Now: testNow})
		var dl diag.List
		if !errors.As(err, &dl) {
			t.Errorf("%q: error %v, want a diag.List", c.q, err)
			continue
		}
		if got := err.Error(); got != c.want {
			t.Errorf("%q:\ngot  %s\nwant %s", c.q, got, c.want)
		}
	}
}

// The program reports its result columns (KQL names and types), the
// stored tables it reads, a trailing render and externaldata sources.
func TestProgram(t *testing.T) {
	p, err := Compile(`EmailEvents | join kind=leftouter (EmailUrlInfo | project NetworkMessageId, Url) on NetworkMessageId
| summarize Urls = dcount(Url) by bin(Timestamp, 1h) | render timechart with (title="URLs", ytitle="count")`, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Tables, ",") != "EmailEvents,EmailUrlInfo" {
		t.Errorf("tables %v", p.Tables)
	}
	if len(p.Columns) != 2 || p.Columns[0].Name != "Timestamp" || p.Columns[0].Type != types.DateTime || p.Columns[1].Name != "Urls" || p.Columns[1].Type != types.Long {
		t.Errorf("columns %v", p.Columns)
	}
	if p.Render == nil || p.Render.Kind != "timechart" || p.Render.Props["title"] != "URLs" || p.Render.Props["ytitle"] != "count" {
		t.Errorf("render %+v", p.Render)
	}
	p, err = Compile(`externaldata (ip:string, n:long) ['https://example.com/a.csv'] with (format="csv") | where n > 1`,
		Options{Now: testNow, AllowExternal: func(string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.External) != 1 || p.External[0].URLs[0] != "https://example.com/a.csv" || p.External[0].Format != "csv" || len(p.External[0].Columns) != 2 {
		t.Fatalf("external %+v", p.External)
	}
	if !strings.Contains(p.SQL, `FROM "`+p.External[0].Table+`"`) || len(p.Tables) != 0 {
		t.Errorf("SQL %s, tables %v", p.SQL, p.Tables)
	}
	_, err = Compile(`externaldata (ip:string) ['https://evil.example/a.csv']`,
		Options{Now: testNow, AllowExternal: func(u string) error { return errors.New("not in the allowed list") }})
	if err == nil || !strings.Contains(err.Error(), "not in the allowed list") {
		t.Errorf("error %v", err)
	}
}
