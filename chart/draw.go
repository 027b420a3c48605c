package chart

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// Size of a drawn chart in pixels (SVG user units).
const (
	Width       = 900
	Height      = 440
	charW       = 7  // text advance, as basicfont.Face7x13 in PNGs
	lineH       = 13 // text height
	legendW     = 170
	titleH      = 30
	axisBottomH = 56
	axisLeftW   = 78
)

type pt struct{ x, y float64 }

type anchor int

const (
	start anchor = iota
	middle
	end
)

// canvas is what the SVG and PNG back ends implement; draw lays a chart
// out once for both.
type canvas interface {
	rect(x, y, w, h float64, fill color.RGBA)
	polyline(pts []pt, stroke color.RGBA, width float64)
	polygon(pts []pt, fill color.RGBA)
	circle(cx, cy, r float64, fill color.RGBA)
	// marker draws an anomaly mark centred on (x, y): a triangle pointing
	// up (a spike) or down (a dip); legend tells the legend's sample from
	// a mark on the plot.
	marker(x, y float64, up, legend bool)
	text(x, y float64, s string, a anchor, c color.RGBA, bold, vertical bool)
}

var (
	black = color.RGBA{0x22, 0x22, 0x22, 0xff}
	grey  = color.RGBA{0x77, 0x77, 0x77, 0xff}
	grid  = color.RGBA{0xe3, 0xe3, 0xe3, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// palette is Tableau 10, readable on white.
var palette = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff},
	{0x76, 0xb7, 0xb2, 0xff}, {0x59, 0xa1, 0x4f, 0xff}, {0xed, 0xc9, 0x48, 0xff},
	{0xb0, 0x7a, 0xa1, 0xff}, {0xff, 0x9d, 0xa7, 0xff}, {0x9c, 0x75, 0x5f, 0xff},
	{0xba, 0xb0, 0xac, 0xff},
}

func seriesColor(i int) color.RGBA { return palette[i%len(palette)] }

// Anomaly marks: red triangles up for spikes, purple triangles down for
// dips, apart from the palette's lines.
var (
	markUp   = color.RGBA{0xd0, 0x10, 0x1a, 0xff}
	markDown = color.RGBA{0x6a, 0x1b, 0x9a, 0xff}
)

// markR is the distance from a mark's centre to its corners.
const markR = 6.0

func markColor(up bool) color.RGBA {
	if up {
		return markUp
	}
	return markDown
}

// triangle returns the corners of an equilateral triangle centred on
// (x, y) pointing up or down.
func triangle(x, y, r float64, up bool) []pt {
	d := 1.0
	if !up {
		d = -1
	}
	return []pt{{x, y - d*r}, {x + r*0.866, y + d*r/2}, {x - r*0.866, y + d*r/2}}
}

func fade(c color.RGBA, a uint8) color.RGBA {
	// premultiplied alpha, as image/color expects
	f := float64(a) / 255
	return color.RGBA{uint8(float64(c.R) * f), uint8(float64(c.G) * f), uint8(float64(c.B) * f), a}
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// truncateMiddle shortens s to n characters by cutting its middle, so a
// legend keeps both a long series value's start and the y column after it
// ("2c05e13d-…Emailcount").
func truncateMiddle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 1) / 2
	tail := n - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

func textW(s string) float64 { return float64(utf8.RuneCountInString(s) * charW) }

// drawChart lays out m on a Width×Height canvas.
func drawChart(c canvas, m *Model) {
	c.rect(0, 0, Width, Height, white)
	top := 12.0
	if m.Title != "" {
		c.text(Width/2, 22, truncate(m.Title, 110), middle, black, true, false)
		top = titleH + 4
	}
	right := float64(Width - 16)
	names := legendNames(m)
	marks := markLegend(m)
	if m.Legend && len(names)+len(marks) > 0 {
		right = Width - legendW
		drawLegend(c, names, marks, right+12, top)
	}
	bottom := float64(Height - axisBottomH)
	if m.Omitted > 0 {
		c.text(right, Height-6, fmt.Sprintf("%d more series not shown", m.Omitted), end, grey, false, false)
	}
	if m.Kind == "piechart" {
		drawPie(c, m, axisLeftW/2, top, right, bottom+axisBottomH-16)
		return
	}
	n := len(m.Panels)
	gap := 24.0
	ph := (bottom - top - gap*float64(n-1)) / float64(n)
	for i := range m.Panels {
		y0 := top + float64(i)*(ph+gap)
		drawPanel(c, m, &m.Panels[i], axisLeftW, y0, right, y0+ph, i == n-1)
	}
	if m.XTitle != "" {
		c.text((axisLeftW+right)/2, Height-8, truncate(m.XTitle, 100), middle, black, false, false)
	}
	if m.YTitle != "" && n == 1 {
		c.text(14, (top+bottom)/2, truncate(m.YTitle, 40), middle, black, false, true)
	}
}

func legendNames(m *Model) []string {
	if m.Kind == "piechart" {
		if len(m.Panels) == 0 || len(m.Panels[0].Series) == 0 {
			return nil
		}
		var out []string
		for _, p := range m.Panels[0].Series[0].Points {
			out = append(out, m.Labels[int(p.X)])
		}
		return out
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range m.Panels {
		for _, s := range p.Series {
			if !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, s.Name)
			}
		}
	}
	if len(out) == 1 && out[0] == m.YTitle && len(m.AnomalyColumns) == 0 {
		return nil // one unnamed series: the y title says it
	}
	return out
}

// markEntry is a legend line for anomaly marks.
type markEntry struct {
	label string
	up    bool
}

// markLegend lists the anomaly legend's lines: a spike and a dip line per
// anomaly column.
func markLegend(m *Model) []markEntry {
	var out []markEntry
	for _, col := range m.AnomalyColumns {
		out = append(out, markEntry{col + " +1 (up)", true}, markEntry{col + " -1 (down)", false})
	}
	return out
}

func drawLegend(c canvas, names []string, marks []markEntry, x, y float64) {
	maxRows := int((Height - y - 20) / 18)
	if len(marks) > 0 {
		// the anomaly lines come first so many series cannot crowd them out
		for i, e := range marks {
			yy := y + float64(i)*18
			c.marker(x+6, yy+6, e.up, true)
			c.text(x+18, yy+10, truncate(e.label, 20), start, black, false, false)
		}
		y += float64(len(marks))*18 + 6
		maxRows -= len(marks)
	}
	for i, n := range names {
		if i >= maxRows {
			c.text(x, y+float64(i)*18+10, fmt.Sprintf("… %d more", len(names)-i), start, grey, false, false)
			return
		}
		yy := y + float64(i)*18
		c.rect(x, yy, 12, 12, seriesColor(i))
		label := n
		if label == "" {
			label = "(empty)"
		}
		c.text(x+18, yy+10, truncateMiddle(label, 20), start, black, false, false)
	}
}

// seriesIndex gives each series name its legend colour across panels.
func seriesIndex(m *Model) map[string]int {
	idx := map[string]int{}
	for _, p := range m.Panels {
		for _, s := range p.Series {
			if _, ok := idx[s.Name]; !ok {
				idx[s.Name] = len(idx)
			}
		}
	}
	return idx
}

// stacked returns, for each series, the base and top of each point when
// series are stacked (positive values upwards, negative downwards), keyed
// by x. stacked100 scales every x to 100.
func stacked(p *Panel, mode string) (base, topv []map[float64]float64) {
	posSum := map[float64]float64{}
	negSum := map[float64]float64{}
	total := map[float64]float64{}
	for _, s := range p.Series {
		for _, q := range s.Points {
			total[q.X] += math.Abs(q.Y)
		}
	}
	for _, s := range p.Series {
		b := map[float64]float64{}
		t := map[float64]float64{}
		for _, q := range s.Points {
			y := q.Y
			if mode == "stacked100" {
				if total[q.X] == 0 {
					y = 0
				} else {
					y = y / total[q.X] * 100
				}
			}
			if y >= 0 {
				b[q.X] = posSum[q.X]
				posSum[q.X] += y
				t[q.X] = posSum[q.X]
			} else {
				b[q.X] = negSum[q.X]
				negSum[q.X] += y
				t[q.X] = negSum[q.X]
			}
		}
		base = append(base, b)
		topv = append(topv, t)
	}
	return base, topv
}

func drawPanel(c canvas, m *Model, p *Panel, x0, y0, x1, y1 float64, last bool) {
	horizontal := m.Kind == "barchart"
	stack := m.Stack
	var base, tops []map[float64]float64
	var ys, xv span
	if stack != "" {
		base, tops = stacked(p, stack)
		for i := range tops {
			for x, v := range tops[i] {
				ys.add(v)
				ys.add(base[i][x])
			}
		}
	}
	for _, s := range p.Series {
		for _, q := range s.Points {
			if stack == "" {
				ys.add(q.Y)
			}
			xv.add(q.X)
		}
	}
	sc := valueScale(m, ys)

	if p.Title != "" {
		c.text(x0, y0-6, p.Title, start, black, true, false)
	}
	colors := seriesIndex(m)

	// ysplit=axes: one value axis per series, the first on the left, the
	// others on the right
	var axes []func(float64) float64
	if m.SplitAxes && m.Kind != "columnchart" && !horizontal && stack == "" && len(p.Series) > 1 {
		n := min(len(p.Series), 5)
		x1 -= 52 * float64(n-1)
		for si, s := range p.Series {
			if si >= n {
				axes = append(axes, axes[0])
				continue
			}
			var sv span
			for _, q := range s.Points {
				sv.add(q.Y)
			}
			ssc := valueScale(m, sv)
			pos := func(v float64) float64 { return y1 - ssc.frac(v)*(y1-y0) }
			axes = append(axes, pos)
			ax, a, dx := x0, end, -6.0
			if si > 0 {
				ax, a, dx = x1+52*float64(si-1), start, 6
			}
			col := seriesColor(colors[s.Name])
			c.polyline([]pt{{ax, y0}, {ax, y1}}, col, 1)
			for _, t := range ssc.ticks {
				if t < ssc.lo || t > ssc.hi {
					continue
				}
				if si == 0 {
					c.polyline([]pt{{x0, pos(t)}, {x1, pos(t)}}, grid, 1)
				}
				c.text(ax+dx, pos(t)+4, numLabel(t), a, col, false, false)
			}
		}
		c.polyline([]pt{{x0, y1}, {x1, y1}}, grey, 1)
	}

	// value axis
	valPos := func(v float64) float64 { // screen coordinate of a value
		f := sc.frac(v)
		if horizontal {
			return x0 + f*(x1-x0)
		}
		return y1 - f*(y1-y0)
	}
	ysOf := func(si int) func(float64) float64 {
		if axes != nil {
			return axes[si]
		}
		return valPos
	}
	if axes == nil {
		for _, t := range sc.ticks {
			if t < sc.lo || t > sc.hi {
				continue
			}
			label := numLabel(t)
			if stack == "stacked100" {
				label += "%"
			}
			if horizontal {
				x := valPos(t)
				c.polyline([]pt{{x, y0}, {x, y1}}, grid, 1)
				if last {
					c.text(x, y1+16, label, middle, grey, false, false)
				}
			} else {
				y := valPos(t)
				c.polyline([]pt{{x0, y}, {x1, y}}, grid, 1)
				c.text(x0-6, y+4, label, end, grey, false, false)
			}
		}
		c.polyline([]pt{{x0, y1}, {x1, y1}}, grey, 1)
		c.polyline([]pt{{x0, y0}, {x0, y1}}, grey, 1)
	}

	if m.XType == XCategory {
		n := len(m.Labels)
		if n == 0 {
			return
		}
		length := x1 - x0
		if horizontal {
			length = y1 - y0
		}
		band := length / float64(n)
		catPos := func(i float64) float64 {
			if horizontal {
				return y0 + i*band
			}
			return x0 + i*band
		}
		// category labels, thinned to fit
		every := 1
		room := lineH + 3.0
		if !horizontal {
			widest := 0.0
			for _, l := range m.Labels {
				widest = math.Max(widest, textW(truncate(l, 12)))
			}
			room = widest + 10
		}
		for band*float64(every) < room {
			every++
		}
		for i := 0; i < n; i += every {
			label := truncate(m.Labels[i], 12)
			if horizontal {
				c.text(x0-6, catPos(float64(i))+band/2+4, label, end, grey, false, false)
			} else if last {
				c.text(catPos(float64(i))+band/2, y1+16, label, middle, grey, false, false)
			}
		}
		if m.Kind == "columnchart" || m.Kind == "barchart" {
			ns := len(p.Series)
			for si, s := range p.Series {
				col := seriesColor(colors[s.Name])
				for _, q := range s.Points {
					var a, b, off, w float64
					if stack != "" {
						a, b = base[si][q.X], tops[si][q.X]
						off, w = band*0.1, band*0.8
					} else {
						a, b = 0, q.Y
						w = band * 0.8 / float64(ns)
						off = band*0.1 + float64(si)*w
					}
					pa, pb := valPos(a), valPos(b)
					cp := catPos(q.X) + off
					if horizontal {
						c.rect(math.Min(pa, pb), cp, math.Abs(pb-pa), math.Max(w, 1), col)
					} else {
						c.rect(cp, math.Min(pa, pb), math.Max(w, 1), math.Abs(pb-pa), col)
					}
				}
			}
			return
		}
		// lines, areas or points over categories
		xs := func(x float64) float64 { return catPos(x) + band/2 }
		plotXY(c, m, p, xs, ysOf, colors, base, tops)
		return
	}

	// continuous x axis
	xsc := scale{lo: xv.lo, hi: xv.hi}
	if m.XLog && m.XType == XNumber {
		xsc = logScale(xv, nil, nil)
	} else if xsc.hi <= xsc.lo {
		xsc.lo, xsc.hi = xsc.lo-1, xsc.hi+1
	}
	xs := func(x float64) float64 { return x0 + xsc.frac(x)*(x1-x0) }
	if last {
		for _, t := range xTicks(m.XType, xsc) {
			c.polyline([]pt{{xs(t.v), y1}, {xs(t.v), y1 + 4}}, grey, 1)
			c.text(xs(t.v), y1+16, t.label, middle, grey, false, false)
		}
	}
	plotXY(c, m, p, xs, ysOf, colors, base, tops)
}

func plotXY(c canvas, m *Model, p *Panel, xs func(float64) float64, ysOf func(int) func(float64) float64, colors map[string]int, base, tops []map[float64]float64) {
	for si, s := range p.Series {
		ys := ysOf(si)
		zero := ys(0)
		col := seriesColor(colors[s.Name])
		var line []pt
		for _, q := range s.Points {
			y := q.Y
			if tops != nil {
				y = tops[si][q.X]
			}
			line = append(line, pt{xs(q.X), ys(y)})
		}
		switch m.Kind {
		case "scatterchart":
			for _, q := range line {
				c.circle(q.x, q.y, 3, col)
			}
			continue
		case "areachart":
			var poly []pt
			poly = append(poly, line...)
			for i := len(s.Points) - 1; i >= 0; i-- {
				b := zero
				if base != nil {
					b = ys(base[si][s.Points[i].X])
				}
				poly = append(poly, pt{line[i].x, b})
			}
			a := uint8(90)
			if m.Stack != "" {
				a = 200
			}
			c.polygon(poly, fade(col, a))
		}
		if len(line) == 1 {
			c.circle(line[0].x, line[0].y, 3, col)
		} else {
			c.polyline(line, col, 2)
		}
	}
	// anomaly marks on top of every line
	idx := map[string]int{}
	for si, s := range p.Series {
		idx[s.Name] = si
	}
	for _, mk := range p.Marks {
		c.marker(xs(mk.X), ysOf(idx[mk.Series])(mk.Y), mk.Up, false)
	}
}

// span is the range of a set of values, and its smallest positive value
// (for log axes).
type span struct {
	lo, hi, minPos float64
	n              int
}

func (s *span) add(v float64) {
	if s.n == 0 {
		s.lo, s.hi, s.minPos = v, v, math.Inf(1)
	}
	s.n++
	s.lo, s.hi = math.Min(s.lo, v), math.Max(s.hi, v)
	if v > 0 {
		s.minPos = math.Min(s.minPos, v)
	}
}

// scale maps values to [0, 1] along an axis, linearly or by log10.
type scale struct {
	lo, hi float64
	log    bool
	ticks  []float64
}

func (s scale) frac(v float64) float64 {
	if s.log {
		if v <= s.lo {
			return 0
		}
		return (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
	}
	return (v - s.lo) / (s.hi - s.lo)
}

// valueScale widens a value range to round ticks, including zero except
// on scatter charts; ymin and ymax override the ends. With yaxis=log the
// axis runs between powers of ten around the positive values.
func valueScale(m *Model, v span) scale {
	if m.YLog {
		return logScale(v, m.YMin, m.YMax)
	}
	lo, hi := v.lo, v.hi
	if v.n == 0 {
		lo, hi = 0, 1
	}
	if m.Kind != "scatterchart" {
		lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	}
	if m.YMin != nil {
		lo = *m.YMin
	}
	if m.YMax != nil {
		hi = *m.YMax
	}
	if hi <= lo {
		hi = lo + 1
	}
	ticks := niceTicks(lo, hi, 5)
	return scale{lo: math.Min(lo, ticks[0]), hi: math.Max(hi, ticks[len(ticks)-1]), ticks: ticks}
}

// logScale spans the powers of ten around the positive values; values at
// or below zero sit at the bottom of the axis.
func logScale(v span, min, max *float64) scale {
	lo, hi := 1.0, 10.0
	if v.n > 0 && !math.IsInf(v.minPos, 1) {
		lo = math.Pow(10, math.Floor(math.Log10(v.minPos)))
		hi = math.Pow(10, math.Ceil(math.Log10(v.hi)))
	}
	if min != nil && *min > 0 {
		lo = *min
	}
	if max != nil && *max > lo {
		hi = *max
	}
	if hi <= lo {
		hi = lo * 10
	}
	sc := scale{lo: lo, hi: hi, log: true}
	for t := math.Pow(10, math.Ceil(math.Log10(lo)-1e-9)); t <= hi*(1+1e-9); t *= 10 {
		sc.ticks = append(sc.ticks, t)
	}
	return sc
}

type tick struct {
	v     float64
	label string
}

// xTicks chooses about six ticks for a time or numeric axis.
func xTicks(t XType, sc scale) []tick {
	var out []tick
	lo, hi := sc.lo, sc.hi
	if sc.log {
		for _, v := range sc.ticks {
			out = append(out, tick{v, numLabel(v)})
		}
		return out
	}
	if t == XTime {
		span := hi - lo
		steps := []float64{1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 365 * 86400}
		step := steps[len(steps)-1]
		for _, s := range steps {
			if span/s <= 7 {
				step = s
				break
			}
		}
		layout := "2006-01-02"
		if step < 86400 {
			layout = "01-02 15:04"
		}
		if step < 60 {
			layout = "15:04:05"
		}
		for v := math.Ceil(lo/step) * step; v <= hi; v += step {
			sec, frac := math.Modf(v)
			out = append(out, tick{v, time.Unix(int64(sec), int64(frac*1e9)).UTC().Format(layout)})
		}
		return out
	}
	for _, v := range niceTicks(lo, hi, 6) {
		if v >= lo && v <= hi {
			out = append(out, tick{v, numLabel(v)})
		}
	}
	return out
}

// niceTicks returns round tick values covering [lo, hi] in about n steps.
func niceTicks(lo, hi float64, n int) []float64 {
	span := hi - lo
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*mag >= raw {
			step = f * mag
			break
		}
	}
	var out []float64
	for v := math.Floor(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	if len(out) < 2 {
		out = append(out, out[len(out)-1]+step)
	}
	if out[len(out)-1] < hi {
		out = append(out, out[len(out)-1]+step)
	}
	return out
}

// numLabel prints an axis number compactly (12k, 3.5M).
func numLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'g', 4, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func drawPie(c canvas, m *Model, x0, y0, x1, y1 float64) {
	if len(m.Panels) == 0 || len(m.Panels[0].Series) == 0 {
		return
	}
	pts := append([]Point(nil), m.Panels[0].Series[0].Points...)
	sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
	total := 0.0
	for _, p := range pts {
		if p.Y > 0 {
			total += p.Y
		}
	}
	if total == 0 {
		return
	}
	cx, cy := (x0+x1)/2, (y0+y1)/2
	r := math.Min(x1-x0, y1-y0)/2 - 8
	a := -math.Pi / 2
	for i, p := range pts {
		if p.Y <= 0 {
			continue
		}
		sweep := p.Y / total * 2 * math.Pi
		poly := []pt{{cx, cy}}
		steps := int(math.Max(2, sweep/(math.Pi/90)))
		for k := 0; k <= steps; k++ {
			t := a + sweep*float64(k)/float64(steps)
			poly = append(poly, pt{cx + r*math.Cos(t), cy + r*math.Sin(t)})
		}
		c.polygon(poly, seriesColor(i))
		if sweep > 0.25 {
			mid := a + sweep/2
			pct := strconv.FormatFloat(p.Y/total*100, 'f', 1, 64) + "%"
			c.text(cx+r*0.65*math.Cos(mid), cy+r*0.65*math.Sin(mid)+4, pct, middle, white, true, false)
		}
		a += sweep
	}
}
