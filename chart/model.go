package chart

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// Spec is a render request: the visualization and with(...) properties of
// KQL's render operator. It has the shape of compile.Render, so a caller
// holding a *compile.Render r passes (*chart.Spec)(r) or chart.Spec(*r).
type Spec struct {
	Kind  string
	Props map[string]string
}

// Kinds lists the visualizations quarry draws.
var Kinds = []string{"timechart", "linechart", "areachart", "stackedareachart", "columnchart", "barchart", "piechart", "scatterchart", "anomalychart"}

// ErrNoChart is returned when the result has no shape a chart fits (no
// numeric column, or no rows), or when render asks for "table".
var ErrNoChart = errors.New("chart: no chart fits this result")

// MaxSeries is the number of series drawn; further series (smallest totals
// first) are left out and the chart says how many.
const MaxSeries = 20

// MaxDefaultCategories is the most columns a default chart draws; a
// result with more categories gets no default chart.
const MaxDefaultCategories = 50

// MaxPanels is the most panels ysplit=panels draws, as in Kusto.
const MaxPanels = 5

// XType is the kind of values on the x axis.
type XType int

// The x-axis kinds: a time axis, a numeric axis, or categories in order.
const (
	XCategory XType = iota
	XTime
	XNumber
)

// Model is a chart ready to draw: what Build derives from a result and a
// render request.
type Model struct {
	Kind    string // one of Kinds
	Title   string
	XTitle  string
	YTitle  string
	XType   XType
	Stack   string   // "", "stacked" or "stacked100"
	Legend  bool     // draw the legend
	Labels  []string // category labels when XType is XCategory (x is the index)
	Panels  []Panel  // one, or one per y column with ysplit=panels
	Omitted int      // series left out beyond MaxSeries
	// SplitAxes draws one value axis per series (ysplit=axes) on line,
	// area and scatter charts (unstacked); column and bar charts keep one.
	SplitAxes bool
	// YLog and XLog are yaxis=log and xaxis=log (x only on a numeric
	// axis).
	YLog, XLog bool
	YMin       *float64
	YMax       *float64
	Default    bool // chosen by Default, not by a render operator
	XColumn    string
	YColumns   []string
	SeriesBy   []string
	// AnomalyColumns are anomalychart's anomalycolumns: flag columns
	// (series_decompose_anomalies' +1, -1, 0) drawn as marks, not lines.
	AnomalyColumns []string
}

// Panel is one plotting area with its series.
type Panel struct {
	Title  string
	Series []Series
	Marks  []Mark // anomalychart's anomalies, on their value series
}

// Mark is one anomaly of an anomalychart: a point of a value series where
// an anomaly column's flag is not zero. Up is a positive flag (a spike),
// else a dip.
type Mark struct {
	Series string // the value series the mark sits on
	Column string // the anomaly column that flagged it
	X, Y   float64
	Up     bool
}

// Series is one line, area, set of bars or pie.
type Series struct {
	Name   string
	Points []Point // sorted by X
}

// Point is one measurement. X is seconds since the Unix epoch on a time
// axis, the value on a numeric axis, or the category index.
type Point struct {
	X, Y float64
}

// Build derives a chart model from result columns and rows and a render
// request. A nil spec means the result had no render operator: Default
// chooses a chart, or returns ErrNoChart.
//
// Columns are chosen as the render operator's data model describes: the x
// column is the xcolumn property, or else the first datetime column for
// timechart, the first non-numeric column for piechart (its colour axis)
// and the first column for the other kinds. The y columns are the ycolumns
// property, or else every numeric column other than the x column. The
// series are the combined values of the series property's columns, or else
// of the first non-numeric column that is neither x nor y (as Sentinel's
// timechart does: "further string columns are ignored"). Rows sharing an x
// value and a series have their y values added, so a column that is
// neither x, y nor series is summed over.
func Build(cols []schema.Column, rows [][]any, spec *Spec) (*Model, error) {
	if spec == nil {
		return Default(cols, rows)
	}
	kind := strings.ToLower(spec.Kind)
	switch kind {
	case "table", "card", "":
		return nil, ErrNoChart
	case "stackedareachart":
		kind = "areachart"
		if spec.Props == nil || spec.Props["kind"] == "" {
			p := map[string]string{"kind": "stacked"}
			for k, v := range spec.Props {
				p[k] = v
			}
			spec = &Spec{Kind: spec.Kind, Props: p}
		}
	case "timechart", "linechart", "areachart", "columnchart", "barchart", "piechart", "scatterchart", "anomalychart":
	default:
		return nil, fmt.Errorf("chart: render %s is not supported (supported: %s)", spec.Kind, strings.Join(Kinds, ", "))
	}
	props := spec.Props
	if props == nil {
		props = map[string]string{}
	}
	return build(kind, cols, rows, props, false)
}

// Default chooses a chart for a result without a render operator, where one
// fits:
//
//   - a datetime column and a numeric column: a stacked column chart over
//     time (x: the first datetime column; y: the first numeric column;
//     series: the first string column), so "Mailflow by directionality"
//     shows daily volume per direction, stacked, summed over domains;
//   - else a non-numeric column and a numeric column: a column chart of the
//     numeric column by the first non-numeric column, when it has at most
//     MaxDefaultCategories distinct values;
//   - else (only numbers, too many categories, or no rows): ErrNoChart.
func Default(cols []schema.Column, rows [][]any) (*Model, error) {
	if len(rows) == 0 {
		return nil, ErrNoChart
	}
	timeCol, numCol, strCol := -1, -1, -1
	for i, c := range cols {
		switch {
		case c.Type == types.DateTime && timeCol < 0:
			timeCol = i
		case c.Type.IsNumeric() && numCol < 0:
			numCol = i
		case !c.Type.IsNumeric() && c.Type != types.DateTime && strCol < 0:
			strCol = i
		}
	}
	if numCol < 0 {
		return nil, ErrNoChart
	}
	props := map[string]string{"ycolumns": cols[numCol].Name}
	var kind string
	switch {
	case timeCol >= 0:
		kind = "columnchart"
		props["xcolumn"] = cols[timeCol].Name
		props["kind"] = "stacked"
		if strCol >= 0 {
			props["series"] = cols[strCol].Name
		}
	case strCol >= 0:
		seen := map[string]bool{}
		for _, r := range rows {
			if seen[cellText(r[strCol])] = true; len(seen) > MaxDefaultCategories {
				return nil, ErrNoChart
			}
		}
		kind = "columnchart"
		props["xcolumn"] = cols[strCol].Name
	default:
		return nil, ErrNoChart
	}
	return build(kind, cols, rows, props, true)
}

func colIndex(cols []schema.Column, name string) (int, error) {
	for i, c := range cols {
		if c.Name == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("chart: no column %q in the result", name)
}

func nameList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func build(kind string, cols []schema.Column, rows [][]any, props map[string]string, isDefault bool) (*Model, error) {
	if len(cols) == 0 {
		return nil, ErrNoChart
	}
	cols, rows, err := expandSeries(cols, rows)
	if err != nil {
		return nil, err
	}
	// x column
	x := -1
	if name := props["xcolumn"]; name != "" {
		i, err := colIndex(cols, name)
		if err != nil {
			return nil, err
		}
		x = i
	} else {
		switch kind {
		case "timechart", "anomalychart":
			for i, c := range cols {
				if c.Type == types.DateTime {
					x = i
					break
				}
			}
			if x < 0 && len(rows) == 0 {
				return nil, ErrNoChart // an empty mv-expand result has no typed axis
			}
			if x < 0 {
				return nil, fmt.Errorf("chart: %s needs a datetime column (or a series of datetimes) for its x axis", kind)
			}
		case "piechart":
			for i, c := range cols {
				if !c.Type.IsNumeric() {
					x = i
					break
				}
			}
			if x < 0 {
				x = 0
			}
		default:
			x = 0
		}
	}
	// series columns
	var series []int
	used := map[int]bool{x: true}
	if names := nameList(props["series"]); len(names) > 0 {
		for _, n := range names {
			i, err := colIndex(cols, n)
			if err != nil {
				return nil, err
			}
			series = append(series, i)
			used[i] = true
		}
	}
	// anomaly columns: flags, neither y nor series
	var anomalies []int
	if kind == "anomalychart" {
		for _, n := range nameList(props["anomalycolumns"]) {
			i, err := colIndex(cols, n)
			if err != nil {
				return nil, err
			}
			if !cols[i].Type.IsNumeric() && cols[i].Type != types.Bool {
				return nil, fmt.Errorf("chart: anomalycolumn %s is %s, not a numeric flag", n, cols[i].Type)
			}
			anomalies = append(anomalies, i)
			used[i] = true
		}
	}
	// y columns
	var ys []int
	if names := nameList(props["ycolumns"]); len(names) > 0 {
		for _, n := range names {
			i, err := colIndex(cols, n)
			if err != nil {
				return nil, err
			}
			if !cols[i].Type.IsNumeric() {
				return nil, fmt.Errorf("chart: ycolumn %s is %s, not numeric", n, cols[i].Type)
			}
			ys = append(ys, i)
			used[i] = true
		}
	} else {
		for i, c := range cols {
			if !used[i] && c.Type.IsNumeric() {
				ys = append(ys, i)
				used[i] = true
			}
		}
	}
	if len(ys) == 0 {
		return nil, ErrNoChart
	}
	if props["series"] == "" {
		for i, c := range cols {
			if !used[i] && !c.Type.IsNumeric() {
				series = append(series, i)
				break
			}
		}
	}

	m := &Model{
		Kind:    kind,
		Title:   props["title"],
		XTitle:  props["xtitle"],
		YTitle:  props["ytitle"],
		Legend:  props["legend"] != "hidden",
		Default: isDefault,
		XColumn: cols[x].Name,
	}
	for _, i := range ys {
		m.YColumns = append(m.YColumns, cols[i].Name)
	}
	for _, i := range series {
		m.SeriesBy = append(m.SeriesBy, cols[i].Name)
	}
	for _, i := range anomalies {
		m.AnomalyColumns = append(m.AnomalyColumns, cols[i].Name)
	}
	if m.XTitle == "" {
		m.XTitle = cols[x].Name
	}
	if m.YTitle == "" && len(ys) == 1 {
		m.YTitle = cols[ys[0]].Name
	}
	switch k := strings.ToLower(props["kind"]); k {
	case "stacked", "stacked100":
		if kind == "areachart" || kind == "columnchart" || kind == "barchart" {
			m.Stack = k
		}
	case "", "default", "unstacked":
	case "map":
		return nil, fmt.Errorf("chart: kind=map needs a map, which quarry does not draw")
	default:
		return nil, fmt.Errorf("chart: kind=%s is not one of default, unstacked, stacked, stacked100", props["kind"])
	}
	for _, key := range []string{"ymin", "ymax"} {
		if s := props[key]; s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("chart: %s=%s is not a number", key, s)
			}
			if key == "ymin" {
				m.YMin = &v
			} else {
				m.YMax = &v
			}
		}
	}

	// x axis type
	xt := cols[x].Type
	switch {
	case kind == "piechart" || kind == "columnchart" || kind == "barchart":
		m.XType = XCategory
	case xt == types.DateTime:
		m.XType = XTime
	case xt.IsNumeric():
		m.XType = XNumber
	default:
		m.XType = XCategory
	}

	// x values: categories keep their first-appearance order for text and
	// ascending order for times and numbers.
	var catIndex map[string]int
	if m.XType == XCategory {
		catIndex = map[string]int{}
		type cat struct {
			label string
			key   float64
			ok    bool
			t     time.Time
		}
		var cats []cat
		for _, r := range rows {
			label := cellText(r[x])
			if _, seen := catIndex[label]; seen {
				continue
			}
			catIndex[label] = len(cats)
			k, ok := numeric(r[x])
			t, _ := r[x].(time.Time)
			cats = append(cats, cat{label, k, ok, t})
		}
		if xt == types.DateTime || xt.IsNumeric() {
			sort.SliceStable(cats, func(i, j int) bool {
				if cats[i].ok != cats[j].ok {
					return cats[i].ok
				}
				return cats[i].key < cats[j].key
			})
		}
		for i, c := range cats {
			catIndex[c.label] = i
			label := c.label
			if xt == types.DateTime {
				label = timeLabel(c.t)
			}
			m.Labels = append(m.Labels, label)
		}
	}
	xOf := func(v any) (float64, bool) {
		if m.XType == XCategory {
			i, ok := catIndex[cellText(v)]
			return float64(i), ok
		}
		return numeric(v)
	}

	m.SplitAxes = strings.ToLower(props["ysplit"]) == "axes"
	m.YLog = strings.ToLower(props["yaxis"]) == "log"
	m.XLog = strings.ToLower(props["xaxis"]) == "log"
	split := strings.ToLower(props["ysplit"]) == "panels" && len(ys) > 1
	nPanels := 1
	if split {
		nPanels = min(len(ys), MaxPanels)
	}
	panels := make([]Panel, nPanels)
	type acc struct {
		name string
		pts  map[float64]float64
		sum  float64
		pos  int
	}
	type flagKey struct {
		column, series string
		x              float64
	}
	flags := map[flagKey]float64{}
	flagSeen := map[flagKey]int{}
	var flagOrder []flagKey
	accs := make([]map[string]*acc, nPanels)
	order := make([][]*acc, nPanels)
	for p := range accs {
		accs[p] = map[string]*acc{}
		if split {
			panels[p].Title = cols[ys[p]].Name
		}
	}
	for _, r := range rows {
		xv, ok := xOf(r[x])
		if !ok {
			continue // a null x has no place on the axis
		}
		var parts []string
		for _, s := range series {
			parts = append(parts, cellText(r[s]))
		}
		base := strings.Join(parts, ", ")
		if len(anomalies) > 0 {
			// the marks sit on the first y column's series, in panel 0
			name := base
			if !split && (len(ys) > 1 || base == "") {
				name = seriesName(base, cols[ys[0]].Name)
			}
			for _, a := range anomalies {
				fv, ok := numeric(r[a])
				if !ok || fv == 0 {
					continue
				}
				k := flagKey{cols[a].Name, name, xv}
				if flags[k] <= 0 {
					flags[k] = math.Copysign(1, fv) // a spike wins over a dip at the same point
				}
				if _, seen := flagSeen[k]; !seen {
					flagSeen[k] = len(flagOrder)
					flagOrder = append(flagOrder, k)
				}
			}
		}
		for yi, y := range ys {
			p := 0
			name := base
			if split {
				if yi >= nPanels {
					break
				}
				p = yi
			} else if len(ys) > 1 || base == "" {
				name = seriesName(base, cols[y].Name)
			}
			yv, ok := numeric(r[y])
			if !ok {
				continue
			}
			a := accs[p][name]
			if a == nil {
				a = &acc{name: name, pts: map[float64]float64{}, pos: len(order[p])}
				accs[p][name] = a
				order[p] = append(order[p], a)
			}
			a.pts[xv] += yv
			a.sum += math.Abs(yv)
		}
	}
	total := 0
	for p := range panels {
		list := order[p]
		if len(list) > MaxSeries {
			keep := append([]*acc(nil), list...)
			sort.SliceStable(keep, func(i, j int) bool { return keep[i].sum > keep[j].sum })
			m.Omitted += len(keep) - MaxSeries
			keep = keep[:MaxSeries]
			sort.Slice(keep, func(i, j int) bool { return keep[i].pos < keep[j].pos })
			list = keep
		}
		for _, a := range list {
			s := Series{Name: a.name}
			for xv, yv := range a.pts {
				s.Points = append(s.Points, Point{X: xv, Y: yv})
			}
			sort.Slice(s.Points, func(i, j int) bool { return s.Points[i].X < s.Points[j].X })
			if props["accumulate"] == "true" {
				run := 0.0
				for i := range s.Points {
					run += s.Points[i].Y
					s.Points[i].Y = run
				}
			}
			panels[p].Series = append(panels[p].Series, s)
			total += len(s.Points)
		}
	}
	if total == 0 {
		return nil, ErrNoChart
	}
	if len(flagOrder) > 0 {
		values := map[string]map[float64]float64{}
		for _, s := range panels[0].Series {
			values[s.Name] = pointMap(s)
		}
		for _, k := range flagOrder {
			y, ok := values[k.series][k.x]
			if !ok {
				continue // no value to sit on (a null, or a series left out)
			}
			panels[0].Marks = append(panels[0].Marks, Mark{Series: k.series, Column: k.column, X: k.x, Y: y, Up: flags[k] > 0})
		}
		sort.SliceStable(panels[0].Marks, func(i, j int) bool { return panels[0].Marks[i].X < panels[0].Marks[j].X })
	}
	m.Panels = panels
	return m, nil
}

// seriesName names the series of y column y in group base ("" when the
// result has no series column).
func seriesName(base, y string) string {
	if base == "" {
		return y
	}
	return base + ":" + y
}

func pointMap(s Series) map[float64]float64 {
	out := make(map[float64]float64, len(s.Points))
	for _, p := range s.Points {
		out[p.X] = p.Y
	}
	return out
}

// timeLabel prints a time as a date when it is midnight, else date and time.
func timeLabel(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	if t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("2006-01-02 15:04:05")
}

// numeric converts a cell to a float: numbers, times (Unix seconds),
// timespans (seconds) and numeric text.
func numeric(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		return v, true
	case float32:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case time.Time:
		return float64(v.UnixNano()) / 1e9, true
	case time.Duration:
		return v.Seconds(), true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// cellText is the label of a cell used as a category or series name.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case time.Duration:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		return v.String()
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return fmt.Sprint(v)
}
