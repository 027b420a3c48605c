package web

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/chart"
	"github.com/quarry-kql/quarry/enrich"
	"github.com/quarry-kql/quarry/kql/diag"
	"github.com/quarry-kql/quarry/kql/token"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/rules"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// fakeRunner answers like the engine would for a few known queries:
// anything mentioning "broken" fails to compile at the word "broken";
// "slow" waits for its context; everything else returns Mailflow-shaped
// rows (EmailDirection, domain, Timestamp, total).
type fakeRunner struct {
	lastOpt QueryOptions
}

func day(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }

var mailflowCols = []schema.Column{
	{Name: "EmailDirection", Type: types.String},
	{Name: "domain", Type: types.String},
	{Name: "Timestamp", Type: types.DateTime},
	{Name: "total", Type: types.Long},
}

func mailflowRows() [][]any {
	return [][]any{
		{"Inbound", "contoso.com", day(2), int64(10)},
		{"Inbound", "fabrikam.example", day(2), int64(5)},
		{"Outbound", "gmail.com", day(2), int64(4)},
		{"Intra-org", "contoso.com", day(2), int64(2)},
		{"Inbound", "contoso.com", day(3), int64(7)},
		{"Outbound", "gmail.com", day(3), int64(3)},
		{"Outbound", "<b>x</b>", day(3), int64(1)},
	}
}

func (f *fakeRunner) Query(ctx context.Context, kql string, opt QueryOptions) (*Result, error) {
	f.lastOpt = opt
	if i := strings.Index(kql, "broken"); i >= 0 {
		file := token.NewFile("", kql)
		var l diag.List
		l.Add(file, token.PosOf(i), "expected an operator after '|', found 'broken'")
		return nil, l
	}
	if strings.Contains(kql, "slow") {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if strings.Contains(kql, "render anomalychart") {
		return anomalyResult(), nil
	}
	res := &Result{Columns: mailflowCols, Rows: mailflowRows()}
	if strings.Contains(kql, "render piechart") {
		res.Render = &chart.Spec{Kind: "piechart"}
	}
	if opt.MaxRows > 0 && len(res.Rows) > opt.MaxRows {
		res.Rows = res.Rows[:opt.MaxRows]
		res.Truncated = true
	}
	return res, nil
}

func (f *fakeRunner) Explain(kql string) (string, error) {
	if strings.Contains(kql, "broken") {
		_, err := f.Query(context.Background(), kql, QueryOptions{})
		return "", err
	}
	return `SELECT "EmailDirection" FROM "EmailEvents"`, nil
}

// Catalog has EmailEvents stored, the other built-in tables not.
func (f *fakeRunner) Catalog(ctx context.Context) (*store.Catalog, error) {
	t, _ := schema.Builtin("EmailEvents")
	return store.NewCatalog([]*schema.Table{t}), nil
}

// fakeRules is a catalog of rule pages with the embedded ATT&CK data.
type fakeRules []*enrich.Page

func (f fakeRules) Rules(ctx context.Context) ([]*enrich.Page, error) { return f, nil }

func (f fakeRules) Attack() *attack.Data {
	d, err := attack.Embedded()
	if err != nil {
		panic(err)
	}
	return d
}

const mailflowQuery = `EmailEvents
| where Timestamp > ago(30d)
| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, "@")+1)
| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)
| order by Timestamp asc`

func sampleRules() fakeRules {
	retrieved := time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)
	src := rules.Source{Repo: "Azure/Azure-Sentinel", Path: "Hunting Queries/Mailflow by directionality.yaml", Commit: "0ad0c9c", RetrievedAt: retrieved,
		URL: "https://github.com/Azure/Azure-Sentinel/blob/0ad0c9c/Hunting%20Queries/Mailflow%20by%20directionality.yaml"}
	d := fakeRules{}.Attack()
	return fakeRules{
		{
			Rule: &rules.Rule{ID: "6b478186-da3b-4d71-beaa-aa5b42908499", Name: "Mailflow by directionality", Severity: "Medium",
				Description: "This query helps reviewing inbound / outbound / intra-org emails by domain per day",
				Tactics:     []string{"InitialAccess"}, Techniques: []string{"T1566"}, Query: mailflowQuery,
				RequiredDataConnectors: []rules.DataConnector{{ConnectorID: "MicrosoftThreatProtection", DataTypes: []string{"EmailEvents"}}},
				Definition:             "id: 6b478186-da3b-4d71-beaa-aa5b42908499\nname: Mailflow by directionality\n", Source: src, Format: rules.FormatSentinelYAML},
			Status: &rules.Status{Runnable: true, Compiles: true, Tables: []string{"EmailEvents"}, TablesFrom: "query", Period: "30d", Rows: map[string]int64{"EmailEvents": 9000}},
			Enrichment: &enrich.Enrichment{Hypothesis: "Phishing campaigns show up as a change in inbound volume per domain.", FalsePositives: "Newsletters and marketing bursts.",
				Generator: "llm:test-model", Notice: enrich.AINotice, Confidence: "medium"},
			Attack: d,
		},
		{
			Rule: &rules.Rule{ID: "r2", Name: "Phish sub-technique <script>alert(1)</script>", Severity: "High", Tactics: []string{"InitialAccess"},
				Techniques: []string{"T1566.001"}, Query: "EmailAttachmentInfo | take 10", Source: src},
			Status: &rules.Status{Runnable: false, Compiles: true, Tables: []string{"EmailAttachmentInfo"}, Reasons: []string{"table EmailAttachmentInfo holds no rows in the last 30d"}},
			Attack: d,
		},
		{
			Rule: &rules.Rule{ID: "r3", Name: "Lateral file sharing", Severity: "Low", Tactics: []string{"LateralMovement"},
				Techniques: []string{"T1021"}, Query: "CloudAppEvents | take 1", Source: rules.Source{Repo: "/home/me/pack"}},
			Status: &rules.Status{Runnable: false, Tables: []string{"CloudAppEvents"}, Reasons: []string{"table CloudAppEvents does not exist in this store"}},
			Attack: d,
		},
	}
}

// anomalyQuery is the reference's anomaly-detection pattern; the fake
// answers it with anomalyResult.
const anomalyQuery = `let min_t = datetime(2017-01-05); let max_t = datetime(2017-02-03 22:00); let dt = 2h;
demo_make_series2 | make-series num=avg(num) on TimeStamp from min_t to max_t step dt by sid
| where sid == 'TS1'
| extend (anomalies, score, baseline) = series_decompose_anomalies(num, 1.5, -1, 'linefit')
| render anomalychart with(anomalycolumns=anomalies, title='Web app. traffic of a month, anomalies')`

// anomalyFlags are the fake's anomalies series: two spikes and a dip.
var anomalyFlags = []int{0, 1, 0, 0, -1, 0, 1, 0}

// anomalyResult is a make-series result as the engine returns it: one row
// for TS1, its series as dynamic arrays of json.Number and datetime text.
func anomalyResult() *Result {
	var ts, num, flags, score, baseline []any
	for i, f := range anomalyFlags {
		ts = append(ts, time.Date(2017, 1, 5, 2*i, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05.0000000Z"))
		num = append(num, json.Number(strconv.Itoa(100+40*f+i)))
		flags = append(flags, json.Number(strconv.Itoa(f)))
		score = append(score, json.Number(strconv.Itoa(3*f)))
		baseline = append(baseline, json.Number("100"))
	}
	return &Result{
		Columns: []schema.Column{{Name: "sid", Type: types.String}, {Name: "num", Type: types.Dynamic}, {Name: "TimeStamp", Type: types.Dynamic},
			{Name: "anomalies", Type: types.Dynamic}, {Name: "score", Type: types.Dynamic}, {Name: "baseline", Type: types.Dynamic}},
		Rows:   [][]any{{"TS1", num, ts, flags, score, baseline}},
		Render: &chart.Spec{Kind: "anomalychart", Props: map[string]string{"anomalycolumns": "anomalies", "title": "Web app. traffic of a month, anomalies"}},
	}
}
