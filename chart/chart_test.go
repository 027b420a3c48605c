package chart

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// mailflow is the shape of "Mailflow by directionality": EmailDirection,
// domain, Timestamp, total.
var mailflowCols = []schema.Column{
	{Name: "EmailDirection", Type: types.String},
	{Name: "domain", Type: types.String},
	{Name: "Timestamp", Type: types.DateTime},
	{Name: "total", Type: types.Long},
}

func day(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }

var mailflowRows = [][]any{
	{"Inbound", "contoso.com", day(2), int64(10)},
	{"Inbound", "fabrikam.example", day(2), int64(5)},
	{"Outbound", "gmail.com", day(2), int64(4)},
	{"Intra-org", "contoso.com", day(2), int64(2)},
	{"Inbound", "contoso.com", day(3), int64(7)},
	{"Outbound", "gmail.com", day(3), int64(3)},
	{"Outbound", "example.org", day(3), int64(1)},
}

func seriesPoints(s Series) map[float64]float64 {
	m := map[float64]float64{}
	for _, p := range s.Points {
		m[p.X] = p.Y
	}
	return m
}

func TestDefaultMailflowIsDailyVolumePerDirectionStacked(t *testing.T) {
	m, err := Build(mailflowCols, mailflowRows, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != "columnchart" || m.Stack != "stacked" || !m.Default {
		t.Fatalf("kind %q stack %q default %v, want a stacked default columnchart", m.Kind, m.Stack, m.Default)
	}
	if got := strings.Join(m.Labels, " "); got != "2026-10-02 2026-10-03" {
		t.Errorf("x labels %q, want the two days", got)
	}
	want := map[string]map[float64]float64{
		"Inbound":   {0: 15, 1: 7}, // summed over domains
		"Outbound":  {0: 4, 1: 4},
		"Intra-org": {0: 2},
	}
	s := m.Panels[0].Series
	if len(s) != 3 {
		t.Fatalf("%d series, want 3 (one per direction): %+v", len(s), s)
	}
	for _, ser := range s {
		got := seriesPoints(ser)
		if len(got) != len(want[ser.Name]) {
			t.Errorf("series %q: %v, want %v", ser.Name, got, want[ser.Name])
		}
		for x, y := range want[ser.Name] {
			if got[x] != y {
				t.Errorf("series %q at day %v: %v, want %v", ser.Name, x, got[x], y)
			}
		}
	}
	if m.XColumn != "Timestamp" || strings.Join(m.YColumns, ",") != "total" || strings.Join(m.SeriesBy, ",") != "EmailDirection" {
		t.Errorf("columns x=%s y=%v series=%v", m.XColumn, m.YColumns, m.SeriesBy)
	}
}

func TestBuildRender(t *testing.T) {
	cases := []struct {
		name   string
		spec   Spec
		kind   string
		xtype  XType
		series []string
		stack  string
		panels int
	}{
		{"timechart series by first string column", Spec{Kind: "timechart"}, "timechart", XTime, []string{"Inbound", "Outbound", "Intra-org"}, "", 1},
		{"explicit series", Spec{Kind: "timechart", Props: map[string]string{"series": "domain"}}, "timechart", XTime, []string{"contoso.com", "fabrikam.example", "gmail.com", "example.org"}, "", 1},
		{"areachart stacked", Spec{Kind: "areachart", Props: map[string]string{"xcolumn": "Timestamp", "kind": "stacked"}}, "areachart", XTime, []string{"Inbound", "Outbound", "Intra-org"}, "stacked", 1},
		{"stackedareachart", Spec{Kind: "stackedareachart", Props: map[string]string{"xcolumn": "Timestamp"}}, "areachart", XTime, []string{"Inbound", "Outbound", "Intra-org"}, "stacked", 1},
		{"columnchart by direction", Spec{Kind: "columnchart", Props: map[string]string{"xcolumn": "EmailDirection", "series": "domain", "kind": "stacked100"}}, "columnchart", XCategory, []string{"contoso.com", "fabrikam.example", "gmail.com", "example.org"}, "stacked100", 1},
		{"barchart unstacked", Spec{Kind: "barchart", Props: map[string]string{"kind": "unstacked"}}, "barchart", XCategory, []string{"contoso.com", "fabrikam.example", "gmail.com", "example.org"}, "", 1},
		{"piechart", Spec{Kind: "piechart"}, "piechart", XCategory, []string{"contoso.com", "fabrikam.example", "gmail.com", "example.org"}, "", 1},
		{"scatterchart", Spec{Kind: "scatterchart", Props: map[string]string{"xcolumn": "Timestamp"}}, "scatterchart", XTime, []string{"Inbound", "Outbound", "Intra-org"}, "", 1},
		{"linechart", Spec{Kind: "linechart", Props: map[string]string{"xcolumn": "Timestamp", "series": "EmailDirection", "title": "Mail"}}, "linechart", XTime, []string{"Inbound", "Outbound", "Intra-org"}, "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := c.spec
			m, err := Build(mailflowCols, mailflowRows, &spec)
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != c.kind || m.XType != c.xtype || m.Stack != c.stack || len(m.Panels) != c.panels {
				t.Fatalf("got kind %s xtype %d stack %q panels %d", m.Kind, m.XType, m.Stack, len(m.Panels))
			}
			var names []string
			for _, s := range m.Panels[0].Series {
				names = append(names, s.Name)
			}
			if strings.Join(names, "|") != strings.Join(c.series, "|") {
				t.Errorf("series %q, want %q", names, c.series)
			}
			for _, format := range []string{"svg", "png"} {
				var buf bytes.Buffer
				if err := Draw(&buf, format, m); err != nil || buf.Len() < 100 {
					t.Errorf("%s: %v (%d bytes)", format, err, buf.Len())
				}
			}
		})
	}
}

func TestTimechartPointsAreSummedPerDay(t *testing.T) {
	m, err := Build(mailflowCols, mailflowRows, &Spec{Kind: "timechart"})
	if err != nil {
		t.Fatal(err)
	}
	in := seriesPoints(m.Panels[0].Series[0])
	if in[float64(day(2).Unix())] != 15 || in[float64(day(3).Unix())] != 7 {
		t.Errorf("Inbound points %v, want 15 on Oct 2 and 7 on Oct 3", in)
	}
}

func TestYSplitPanelsAndSeriesPerYColumn(t *testing.T) {
	cols := []schema.Column{{Name: "t", Type: types.DateTime}, {Name: "a", Type: types.Long}, {Name: "b", Type: types.Real}}
	rows := [][]any{{day(1), int64(1), 2.5}, {day(2), int64(3), 4.5}}
	m, err := Build(cols, rows, &Spec{Kind: "timechart", Props: map[string]string{"ysplit": "panels"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Panels) != 2 || m.Panels[0].Title != "a" || m.Panels[1].Title != "b" {
		t.Fatalf("panels %+v, want one per y column", m.Panels)
	}
	m, err = Build(cols, rows, &Spec{Kind: "timechart"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Panels) != 1 || len(m.Panels[0].Series) != 2 || m.Panels[0].Series[1].Name != "b" {
		t.Fatalf("want series a and b in one panel: %+v", m.Panels)
	}
	if got := seriesPoints(m.Panels[0].Series[1])[float64(day(2).Unix())]; got != 4.5 {
		t.Errorf("b on day 2 = %v, want 4.5", got)
	}
	m, err = Build(cols, rows, &Spec{Kind: "linechart", Props: map[string]string{"accumulate": "true", "ycolumns": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := seriesPoints(m.Panels[0].Series[0])[float64(day(2).Unix())]; got != 4 {
		t.Errorf("accumulated a on day 2 = %v, want 1+3", got)
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		spec *Spec
		want string
	}{
		{&Spec{Kind: "table"}, ErrNoChart.Error()},
		{&Spec{Kind: "treemap"}, "render treemap is not supported"},
		{&Spec{Kind: "timechart", Props: map[string]string{"xcolumn": "nope"}}, `no column "nope"`},
		{&Spec{Kind: "timechart", Props: map[string]string{"ycolumns": "domain"}}, "ycolumn domain is string, not numeric"},
		{&Spec{Kind: "columnchart", Props: map[string]string{"kind": "sideways"}}, "kind=sideways"},
		{&Spec{Kind: "columnchart", Props: map[string]string{"ymax": "lots"}}, "ymax=lots is not a number"},
	}
	for _, c := range cases {
		_, err := Build(mailflowCols, mailflowRows, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.spec, err, c.want)
		}
	}
	// no numeric column, or no rows: no default chart
	if _, err := Default(mailflowCols[:2], [][]any{{"a", "b"}}); !errors.Is(err, ErrNoChart) {
		t.Errorf("strings only: %v, want ErrNoChart", err)
	}
	if _, err := Default(mailflowCols, nil); !errors.Is(err, ErrNoChart) {
		t.Errorf("no rows: %v, want ErrNoChart", err)
	}
	var many [][]any
	for i := 0; i <= MaxDefaultCategories; i++ {
		many = append(many, []any{fmt.Sprint("d", i), "x", int64(i)})
	}
	cats := []schema.Column{mailflowCols[0], mailflowCols[1], mailflowCols[3]}
	if _, err := Default(cats, many); !errors.Is(err, ErrNoChart) {
		t.Errorf("%d categories: %v, want ErrNoChart", len(many), err)
	}
	if m, err := Default(cats, many[:MaxDefaultCategories]); err != nil || m.Kind != "columnchart" || len(m.Labels) != MaxDefaultCategories {
		t.Errorf("%d categories: %v", MaxDefaultCategories, err)
	}
	if _, err := Default(mailflowCols[3:], [][]any{{int64(1)}}); !errors.Is(err, ErrNoChart) {
		t.Errorf("one number: %v, want ErrNoChart", err)
	}
}

func TestMaxSeries(t *testing.T) {
	cols := []schema.Column{{Name: "k", Type: types.String}, {Name: "n", Type: types.Long}, {Name: "s", Type: types.String}}
	var rows [][]any
	for i := 0; i < MaxSeries+5; i++ {
		rows = append(rows, []any{"x", int64(i + 1), string(rune('A' + i))})
	}
	m, err := Build(cols, rows, &Spec{Kind: "columnchart"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Panels[0].Series) != MaxSeries || m.Omitted != 5 {
		t.Fatalf("%d series, %d omitted; want %d and 5", len(m.Panels[0].Series), m.Omitted, MaxSeries)
	}
	if m.Panels[0].Series[0].Name != "F" { // A..E have the smallest totals
		t.Errorf("first kept series %q, want F", m.Panels[0].Series[0].Name)
	}
	var buf bytes.Buffer
	Draw(&buf, "svg", m)
	if !strings.Contains(buf.String(), "5 more series not shown") {
		t.Error("the SVG does not say that series were left out")
	}
}

func TestSVGEscapesLabels(t *testing.T) {
	cols := []schema.Column{{Name: "k", Type: types.String}, {Name: "n", Type: types.Long}}
	rows := [][]any{{`<script>alert("x")</script>`, int64(3)}, {"a&b", int64(1)}}
	var buf bytes.Buffer
	if err := Render(&buf, "svg", cols, rows, &Spec{Kind: "piechart", Props: map[string]string{"title": "<b>t</b>"}}); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	if strings.Contains(s, "<script") || strings.Contains(s, "<b>") {
		t.Fatalf("markup from the data reached the SVG:\n%s", s)
	}
	if !strings.Contains(s, "&lt;script&gt;") || !strings.Contains(s, "a&amp;b") || !strings.Contains(s, "75.0%") {
		t.Errorf("escaped labels or the 75%% slice are missing:\n%s", s)
	}
}

func TestPNG(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, "png", mailflowCols, mailflowRows, nil); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
		t.Fatalf("size %v", b)
	}
	// the Inbound colour must be drawn somewhere
	found := false
	for y := 0; y < Height && !found; y += 2 {
		for x := 0; x < Width; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 == 0x4e && g>>8 == 0x79 && b>>8 == 0xa7 {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no pixel of the first series' colour in the PNG")
	}
	if err := Render(&buf, "gif", mailflowCols, mailflowRows, nil); err == nil {
		t.Error("gif accepted")
	}
}

func TestFormatFromPath(t *testing.T) {
	for in, want := range map[string]string{"a.svg": "svg", "B.PNG": "png", "c.gif": ""} {
		got, err := FormatFromPath(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%s: %q %v", in, got, err)
		}
	}
}

// TestGoldenSVG keeps the default Mailflow chart stable; run with -update
// after a deliberate change and look at testdata/mailflow-default.svg.
func TestGoldenSVG(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, "svg", mailflowCols, mailflowRows, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "mailflow-default.svg")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./chart -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("SVG differs from %s; rerun with -update if the change is intended", path)
	}
}

// TestCategoryLabelsDoNotOverlap: 30 daily columns get every few days
// labelled, each label with room for its width.
func TestCategoryLabelsDoNotOverlap(t *testing.T) {
	var rows [][]any
	for d := 1; d <= 30; d++ {
		rows = append(rows, []any{"Inbound", "contoso.com", day(d), int64(d)})
	}
	var buf bytes.Buffer
	if err := Render(&buf, "svg", mailflowCols, rows, nil); err != nil {
		t.Fatal(err)
	}
	labels := strings.Count(buf.String(), ">2026-10-")
	plot := float64(Width - legendW - axisLeftW)
	if max := int(plot / (textW("2026-10-01") + 10)); labels > max || labels < max/2 {
		t.Errorf("%d date labels on a %v px axis, want at most %d and at least %d", labels, plot, max, max/2)
	}
}

// TestYSplitAxes: with ysplit=axes each series gets its own value axis in
// its colour, so a small series is not flattened by a large one.
func TestYSplitAxes(t *testing.T) {
	cols := []schema.Column{{Name: "t", Type: types.DateTime}, {Name: "small", Type: types.Long}, {Name: "large", Type: types.Long}}
	rows := [][]any{{day(1), int64(1), int64(1000)}, {day(2), int64(3), int64(3000)}}
	svgOf := func(props map[string]string) string {
		var buf bytes.Buffer
		if err := Render(&buf, "svg", cols, rows, &Spec{Kind: "linechart", Props: props}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	axes := svgOf(map[string]string{"ysplit": "axes"})
	one := svgOf(nil)
	// each series' colour labels its own axis: 0..3 on the left, 0..3000
	// on the right
	if !strings.Contains(axes, `fill="#f28e2b">3000<`) || !strings.Contains(axes, `fill="#4e79a7" text-anchor="end">3<`) {
		t.Errorf("ysplit=axes: no axis per series:\n%s", axes)
	}
	if strings.Contains(one, `fill="#4e79a7" text-anchor="end">3<`) || !strings.Contains(one, `fill="#777777" text-anchor="end">3000<`) {
		t.Error("without ysplit the series share one grey axis up to 3000")
	}
}

// TestLogAxes: yaxis=log and xaxis=log put the ticks at powers of ten and
// place 10 a third of the way from 1 to 1000.
func TestLogAxes(t *testing.T) {
	cols := []schema.Column{{Name: "x", Type: types.Long}, {Name: "y", Type: types.Long}}
	rows := [][]any{{int64(1), int64(1)}, {int64(10), int64(10)}, {int64(1000), int64(1000)}}
	m, err := Build(cols, rows, &Spec{Kind: "linechart", Props: map[string]string{"yaxis": "log", "xaxis": "log"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	Draw(&buf, "svg", m)
	svg := buf.String()
	for _, want := range []string{`text-anchor="end">1<`, `text-anchor="end">10<`, `text-anchor="end">100<`, `text-anchor="end">1000<`, `text-anchor="middle">100<`} {
		if !strings.Contains(svg, want) {
			t.Errorf("log axes lack the tick %s", want)
		}
	}
	if strings.Contains(svg, ">500<") {
		t.Error("a linear tick on a log axis")
	}
	// the polyline's points: x and y of 1, 10, 1000 are evenly spaced
	// in log terms (0, 1/3, 1)
	i := strings.Index(svg, `<polyline points="`)
	j := strings.LastIndex(svg, `<polyline points="`)
	var x [3]float64
	var y [3]float64
	fmt.Sscanf(svg[j+len(`<polyline points="`):], "%g,%g %g,%g %g,%g", &x[0], &y[0], &x[1], &y[1], &x[2], &y[2])
	if i < 0 || math.Abs((x[1]-x[0])/(x[2]-x[0])-1.0/3) > 0.01 || math.Abs((y[1]-y[0])/(y[2]-y[0])-1.0/3) > 0.01 {
		t.Errorf("points %v %v are not log-spaced", x, y)
	}
}
