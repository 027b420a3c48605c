package termchart

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

func TestStackedBarsExact(t *testing.T) {
	var b strings.Builder
	err := StackedBars(&b, []string{"Mon", "Tue", "Sat"}, []Series{
		{Name: "In", Values: []float64{10, 5, 0}},
		{Name: "Out", Values: []float64{10, 5, 2}},
	}, Options{Width: 30, ASCII: true})
	if err != nil {
		t.Fatal(err)
	}
	// bar area: 30 - 3 (label) - 3 - 2 (total "20") = 22 cells for 20.
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	wantBars := []string{
		"Mon |###########=========== 20",
		"Tue |######=====            10",
		"Sat |==                      2",
	}
	for i, w := range wantBars {
		if lines[i] != w {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], w)
		}
	}
	if !strings.HasPrefix(lines[3], "    # In ") || !strings.Contains(lines[3], " 15") {
		t.Errorf("legend line %q", lines[3])
	}
	if !strings.HasPrefix(lines[4], "    = Out") || !strings.Contains(lines[4], " 17") {
		t.Errorf("legend line %q", lines[4])
	}
}

func TestStackedBarsWidth(t *testing.T) {
	labels := []string{"2026-10-01 Thu", "2026-10-02 Fri", "2026-10-03 Sat"}
	series := []Series{
		{Name: "Inbound", Values: []float64{6000, 5800, 1500}},
		{Name: "Outbound", Values: []float64{2500, 2400, 200}},
		{Name: "Intra-org", Values: []float64{1500, 1400, 100}},
	}
	for _, width := range []int{40, 80, 120, 200} {
		for _, ascii := range []bool{false, true} {
			var b strings.Builder
			if err := StackedBars(&b, labels, series, Options{Width: width, ASCII: ascii}); err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("width %d ascii %v: line has %d columns: %q", width, ascii, n, line)
				}
				if ascii {
					for _, r := range line {
						if r > 127 {
							t.Fatalf("non-ASCII %q in ASCII chart: %q", r, line)
						}
					}
				}
			}
			// the largest bar fills the bar area exactly
			first := strings.Split(b.String(), "\n")[0]
			if !strings.HasSuffix(first, " 10,000") {
				t.Errorf("first line total: %q", first)
			}
			if width == 80 && !ascii && !strings.Contains(first, strings.Repeat("█", 20)) {
				t.Errorf("no long Inbound segment in %q", first)
			}
		}
	}
}

func TestStackedBarsProportions(t *testing.T) {
	var b strings.Builder
	// label "a", space, separator, 100 cells, space, "100"
	err := StackedBars(&b, []string{"a", "b"}, []Series{{Name: "x", Values: []float64{100, 50}}}, Options{Width: 1 + 1 + 1 + 100 + 1 + 3})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if got := strings.Count(lines[0], "█"); got != 100 {
		t.Errorf("full bar: %d cells, want 100", got)
	}
	if got := strings.Count(lines[1], "█"); got != 50 {
		t.Errorf("half bar: %d cells, want 50", got)
	}
}

func TestStackedBarsErrors(t *testing.T) {
	var b strings.Builder
	if err := StackedBars(&b, []string{"a"}, []Series{{Name: "x", Values: []float64{1, 2}}}, Options{}); err == nil {
		t.Error("mismatched lengths accepted")
	}
	if err := StackedBars(&b, []string{"a"}, nil, Options{}); err == nil {
		t.Error("no series accepted")
	}
	// all zero / NaN / negative: no bar, no panic
	b.Reset()
	if err := StackedBars(&b, []string{"a"}, []Series{{Name: "x", Values: []float64{math.NaN()}}, {Name: "y", Values: []float64{-3}}}, Options{Width: 40}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(strings.Split(b.String(), "\n")[0], "█▓") {
		t.Errorf("drew a bar for nothing: %q", b.String())
	}
}

func TestSparkline(t *testing.T) {
	tests := []struct {
		in    []float64
		width int
		ascii bool
		want  string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, 0, false, "▁▂▃▄▅▆▇█"},
		{[]float64{0, 7}, 0, true, "_@"},
		{[]float64{0, 0, 7, 7}, 2, false, "▁█"},
		{[]float64{0, 0, 0}, 0, false, "▁▁▁"},
		{nil, 5, false, ""},
	}
	for _, tc := range tests {
		if got := Sparkline(tc.in, tc.width, tc.ascii); got != tc.want {
			t.Errorf("Sparkline(%v, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := Thousands(in); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestWideLabels(t *testing.T) {
	var b strings.Builder
	err := StackedBars(&b, []string{"月曜日", "Tue"}, []Series{{Name: "受信", Values: []float64{4, 2}}, {Name: "Out", Values: []float64{0, 2}}},
		Options{Width: 30, ASCII: true})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	// "月曜日" is 6 columns wide: "Tue" is padded to 6 so the bars line up.
	if !strings.HasPrefix(lines[0], "月曜日 |") || !strings.HasPrefix(lines[1], "Tue    |") {
		t.Errorf("labels not aligned by display width:\n%s", b.String())
	}
	if i0, i1 := strings.Index(lines[0], "|"), strings.Index(lines[1], "|"); uniseg.StringWidth(lines[0][:i0]) != uniseg.StringWidth(lines[1][:i1]) {
		t.Errorf("separator columns differ:\n%s", b.String())
	}
}
