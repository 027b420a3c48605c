package chart

import (
	"bytes"
	"encoding/json"
	"image/png"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// The anomaly-detection pattern of the KQL reference:
//
//	demo_make_series2 | make-series num=avg(num) on TimeStamp from min_t to max_t step dt by sid
//	| where sid == 'TS1'
//	| extend (anomalies, score, baseline) = series_decompose_anomalies(num, 1.5, -1, 'linefit')
//	| render anomalychart with(anomalycolumns=anomalies, title='Web app. traffic of a month, anomalies')
//
// gives one row per sid whose other columns are arrays, as the engine
// returns dynamic values: []any of json.Number, datetimes as Kusto's text.
var seriesCols = []schema.Column{
	{Name: "sid", Type: types.String},
	{Name: "num", Type: types.Dynamic},
	{Name: "TimeStamp", Type: types.Dynamic},
	{Name: "anomalies", Type: types.Dynamic},
	{Name: "score", Type: types.Dynamic},
	{Name: "baseline", Type: types.Dynamic},
}

func hour(h int) time.Time { return time.Date(2017, 1, 5, h, 0, 0, 0, time.UTC) }

var (
	tsNum       = []float64{10, 11, 40, 12, 11, 2, 12, 13, 35, 12}
	tsAnomalies = []int{0, 0, 1, 0, 0, -1, 0, 0, 1, 0}
)

func jsonArray[T any](vals []T, f func(T) any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = f(v)
	}
	return out
}

func num(v float64) any { return json.Number(jsonFloat(v)) }

func jsonFloat(v float64) string { b, _ := json.Marshal(v); return string(b) }

func seriesRow(sid string, scale float64, flags []int) []any {
	var times []time.Time
	for h := range tsNum {
		times = append(times, hour(2*h))
	}
	return []any{
		sid,
		jsonArray(tsNum, func(v float64) any { return num(v * scale) }),
		jsonArray(times, func(t time.Time) any { return t.Format("2006-01-02T15:04:05.0000000Z") }),
		jsonArray(flags, func(v int) any { return json.Number(jsonFloat(float64(v))) }),
		jsonArray(flags, func(v int) any { return num(float64(v) * 3.5) }),
		jsonArray(tsNum, func(float64) any { return num(12 * scale) }),
	}
}

// expanded is the same data after
// `mv-expand num, TimeStamp to typeof(datetime), anomalies, score, baseline`:
// one row per point; num, anomalies, score and baseline stay dynamic.
func expandedRows(sid string, scale float64, flags []int) [][]any {
	var out [][]any
	for i, v := range tsNum {
		out = append(out, []any{sid, num(v * scale), hour(2 * i), json.Number(jsonFloat(float64(flags[i]))), num(float64(flags[i]) * 3.5), num(12 * scale)})
	}
	return out
}

var expandedCols = func() []schema.Column {
	c := append([]schema.Column(nil), seriesCols...)
	c[2].Type = types.DateTime
	return c
}()

var anomalySpec = &Spec{Kind: "anomalychart", Props: map[string]string{"anomalycolumns": "anomalies", "title": "Web app. traffic of a month, anomalies"}}

func svgOf(t *testing.T, m *Model) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Draw(&buf, "svg", m); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestAnomalychart: the flagged points of the value series are marked,
// spikes and dips apart, one mark per non-zero flag, with a legend; the
// flags are not drawn as a line; series columns and mv-expanded rows give
// the same chart.
func TestAnomalychart(t *testing.T) {
	fromSeries, err := Build(seriesCols, [][]any{seriesRow("TS1", 1, tsAnomalies)}, anomalySpec)
	if err != nil {
		t.Fatal(err)
	}
	fromRows, err := Build(expandedCols, expandedRows("TS1", 1, tsAnomalies), anomalySpec)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*Model{"series columns": fromSeries, "mv-expand": fromRows} {
		t.Run(name, func(t *testing.T) {
			if m.Kind != "anomalychart" || m.XType != XTime || m.XColumn != "TimeStamp" {
				t.Fatalf("kind %s xtype %d x %s, want an anomalychart over TimeStamp", m.Kind, m.XType, m.XColumn)
			}
			if got := strings.Join(m.YColumns, ","); got != "num,score,baseline" {
				t.Errorf("y columns %s, want num,score,baseline (not the flags)", got)
			}
			if got := strings.Join(m.AnomalyColumns, ","); got != "anomalies" {
				t.Errorf("anomaly columns %s", got)
			}
			var names []string
			for _, s := range m.Panels[0].Series {
				names = append(names, s.Name)
				if len(s.Points) != len(tsNum) {
					t.Errorf("series %s has %d points, want %d", s.Name, len(s.Points), len(tsNum))
				}
			}
			if got := strings.Join(names, "|"); got != "TS1:num|TS1:score|TS1:baseline" {
				t.Errorf("series %s", got)
			}
			want := []Mark{
				{Series: "TS1:num", Column: "anomalies", X: float64(hour(4).Unix()), Y: 40, Up: true},
				{Series: "TS1:num", Column: "anomalies", X: float64(hour(10).Unix()), Y: 2, Up: false},
				{Series: "TS1:num", Column: "anomalies", X: float64(hour(16).Unix()), Y: 35, Up: true},
			}
			if !reflect.DeepEqual(m.Panels[0].Marks, want) {
				t.Errorf("marks %+v\nwant %+v", m.Panels[0].Marks, want)
			}
			svg := svgOf(t, m)
			nonZero := 0
			for _, f := range tsAnomalies {
				if f != 0 {
					nonZero++
				}
			}
			if up, down := strings.Count(svg, `class="anomaly up"`), strings.Count(svg, `class="anomaly down"`); up+down != nonZero || up != 2 || down != 1 {
				t.Errorf("%d up and %d down marks, want 2 and 1 (%d non-zero flags)", up, down, nonZero)
			}
			if !strings.Contains(svg, `class="legend-mark up"`) || !strings.Contains(svg, `class="legend-mark down"`) ||
				!strings.Contains(svg, ">anomalies +1 (up)<") || !strings.Contains(svg, ">anomalies -1 (down)<") || !strings.Contains(svg, ">TS1:num<") {
				t.Error("the legend does not name the marks and the series")
			}
			if !strings.Contains(svg, `data-kind="anomalychart"`) || !strings.Contains(svg, "<title>Web app. traffic of a month, anomalies</title>") {
				t.Error("svg lacks its kind or title")
			}
			if strings.Count(svg, "<polyline points=") < 3+8 { // three series lines, grid and axes
				t.Error("the series lines are missing")
			}
			// a spike's mark is red and points up, a dip's is purple and points down
			if !strings.Contains(svg, `class="anomaly up" points="`) || !strings.Contains(svg, `fill="`+hex(markUp)+`"`) || !strings.Contains(svg, `fill="`+hex(markDown)+`"`) {
				t.Error("marks are not coloured by direction")
			}
			var pbuf bytes.Buffer
			if err := Draw(&pbuf, "png", m); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(&pbuf)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for y := 0; y < Height && !found; y++ {
				for x := 0; x < Width-legendW; x++ {
					r, g, b, _ := img.At(x, y).RGBA()
					if uint8(r>>8) == markUp.R && uint8(g>>8) == markUp.G && uint8(b>>8) == markUp.B {
						found = true
						break
					}
				}
			}
			if !found {
				t.Error("the PNG has no spike mark on the plot")
			}
		})
	}
}

// TestAnomalychartSeries: with several series (make-series ... by sid and
// no where), each series carries its own marks; the legend hidden hides the
// mark legend too; a mark without a value (null) is not drawn.
func TestAnomalychartSeries(t *testing.T) {
	other := []int{-1, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	rows := [][]any{seriesRow("TS1", 1, tsAnomalies), seriesRow("TS2", 10, other)}
	rows[0][1].([]any)[8] = nil // TS1's last spike has no value
	m, err := Build(seriesCols, rows, &Spec{Kind: "anomalychart", Props: map[string]string{"anomalycolumns": "anomalies", "ycolumns": "num", "legend": "hidden"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mk := range m.Panels[0].Marks {
		got = append(got, mk.Series)
	}
	if strings.Join(got, ",") != "TS2,TS1,TS1" {
		t.Errorf("marks on %v, want TS2 (its dip at the first point) and TS1's two drawable marks", got)
	}
	if m.Panels[0].Marks[0].Y != 100 || m.Panels[0].Marks[0].Up {
		t.Errorf("TS2's mark %+v, want a dip at 100", m.Panels[0].Marks[0])
	}
	svg := svgOf(t, m)
	if n := strings.Count(svg, `class="anomaly `); n != 3 {
		t.Errorf("%d marks drawn, want 3", n)
	}
	if strings.Contains(svg, "legend-mark") {
		t.Error("legend=hidden drew the legend")
	}
}

// TestAnomalychartErrors: an unknown or non-numeric anomaly column is an
// error naming it; an anomalychart without anomalycolumns is a timechart
// (its flags, if any, are just another line).
func TestAnomalychartErrors(t *testing.T) {
	rows := [][]any{seriesRow("TS1", 1, tsAnomalies)}
	for props, want := range map[string]string{
		"anomalies2": `no column "anomalies2"`,
		"sid":        "anomalycolumn sid is string",
	} {
		_, err := Build(seriesCols, rows, &Spec{Kind: "anomalychart", Props: map[string]string{"anomalycolumns": props}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("anomalycolumns=%s: %v, want %q", props, err, want)
		}
	}
	m, err := Build(seriesCols, rows, &Spec{Kind: "anomalychart"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Panels[0].Marks) != 0 || len(m.Panels[0].Series) != 4 {
		t.Errorf("without anomalycolumns: %d marks, %d series (want 0 and 4 lines)", len(m.Panels[0].Marks), len(m.Panels[0].Series))
	}
	if _, err := Build([]schema.Column{{Name: "n", Type: types.Long}}, [][]any{{int64(1)}}, &Spec{Kind: "anomalychart"}); err == nil || !strings.Contains(err.Error(), "anomalychart needs a datetime column") {
		t.Errorf("no time axis: %v", err)
	}
	// the email bombing hunt finding nothing: its mv-expanded Timestamp is
	// dynamic with no value to tell its type by
	if _, err := Build(seriesCols, nil, anomalySpec); err != ErrNoChart {
		t.Errorf("no rows: %v, want ErrNoChart", err)
	}
}

// TestTimechartOfSeriesColumns: the render operator's data model for
// arrays ("If this column is of type dynamic and it holds an array, the
// individual values in the array are treated as the values of the
// x-axis"): make-series ... by EmailDirection | render timechart draws one
// line per direction with one point per bin; a shorter y array leaves the
// missing points out; make_list's DuckDB-style datetime text works too.
func TestTimechartOfSeriesColumns(t *testing.T) {
	cols := []schema.Column{{Name: "EmailDirection", Type: types.String}, {Name: "n", Type: types.Dynamic}, {Name: "Timestamp", Type: types.Dynamic}}
	ts := []any{"2026-10-23T00:00:00.0000000Z", "2026-10-24T00:00:00.0000000Z", "2026-10-25 00:00:00"}
	rows := [][]any{
		{"Inbound", []any{json.Number("3759"), json.Number("1339"), json.Number("1478")}, ts},
		{"Outbound", []any{json.Number("2108"), json.Number("162")}, ts},
	}
	m, err := Build(cols, rows, &Spec{Kind: "timechart"})
	if err != nil {
		t.Fatal(err)
	}
	if m.XType != XTime || m.XColumn != "Timestamp" || strings.Join(m.YColumns, ",") != "n" || strings.Join(m.SeriesBy, ",") != "EmailDirection" {
		t.Fatalf("x %s (%d) y %v series %v", m.XColumn, m.XType, m.YColumns, m.SeriesBy)
	}
	d := func(day int) float64 { return float64(time.Date(2026, 10, day, 0, 0, 0, 0, time.UTC).Unix()) }
	want := map[string][]Point{
		"Inbound":  {{d(23), 3759}, {d(24), 1339}, {d(25), 1478}},
		"Outbound": {{d(23), 2108}, {d(24), 162}},
	}
	for _, s := range m.Panels[0].Series {
		if !reflect.DeepEqual(s.Points, want[s.Name]) {
			t.Errorf("%s: %v, want %v", s.Name, s.Points, want[s.Name])
		}
	}
	if len(m.Panels[0].Series) != 2 {
		t.Errorf("%d series, want 2", len(m.Panels[0].Series))
	}
	// the caller's rows are untouched
	if _, ok := rows[0][1].([]any); !ok {
		t.Error("Build modified the result's rows")
	}
}
