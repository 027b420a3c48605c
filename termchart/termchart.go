// Package termchart draws small charts on a terminal with plain text: a
// horizontal stacked bar per row (one day, one group) and sparklines, in
// Unicode block characters or pure ASCII, fitted to a given width. It knows
// nothing about queries; callers hand it labels and numbers.
package termchart

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"
)

// Series is one named component of the stacked bars: Values[i] belongs to
// the i-th label. Negative and NaN values count as zero.
type Series struct {
	Name   string
	Values []float64
}

// Options tune a chart.
type Options struct {
	// Width is the number of terminal columns the chart may use; <= 0
	// means 80. Bars shrink to fit, down to MinBarWidth.
	Width int
	// ASCII draws with ASCII characters only, for terminals and logs that
	// cannot show Unicode block elements.
	ASCII bool
	// Title, if set, is printed above the chart.
	Title string
}

// MinBarWidth is the narrowest bar area a chart draws, whatever the width.
const MinBarWidth = 10

var (
	unicodeGlyphs = []rune{'█', '▓', '▒', '░', '▞', '▚'}
	asciiGlyphs   = []rune{'#', '=', '+', '.', ':', '~'}
	sparkUnicode  = []rune("▁▂▃▄▅▆▇█")
	sparkASCII    = []rune("_.-=+*#@")
)

// Glyph returns the character that draws series i.
func Glyph(i int, ascii bool) rune {
	g := unicodeGlyphs
	if ascii {
		g = asciiGlyphs
	}
	return g[i%len(g)]
}

// StackedBars writes one line per label: the label, a bar made of one
// segment per series (each in its own glyph, lengths proportional to the
// values, the longest bar filling the bar area) and the line's total. A
// legend naming each series' glyph and total follows.
func StackedBars(w io.Writer, labels []string, series []Series, opt Options) error {
	for _, s := range series {
		if len(s.Values) != len(labels) {
			return fmt.Errorf("termchart: series %q has %d values for %d labels", s.Name, len(s.Values), len(labels))
		}
	}
	if len(series) == 0 {
		return errors.New("termchart: no series")
	}
	width := opt.Width
	if width <= 0 {
		width = 80
	}
	totals := make([]float64, len(labels))
	var max float64
	for i := range labels {
		for _, s := range series {
			totals[i] += clean(s.Values[i])
		}
		max = math.Max(max, totals[i])
	}
	labelW := 0
	for _, l := range labels {
		labelW = maxInt(labelW, textWidth(l))
	}
	numW := 0
	for _, t := range totals {
		numW = maxInt(numW, len(Thousands(int64(math.Round(t)))))
	}
	sep := "│"
	if opt.ASCII {
		sep = "|"
	}
	barW := width - labelW - 1 - 1 - 1 - numW // "label │bar total"
	if barW < MinBarWidth {
		barW = MinBarWidth
	}

	var b strings.Builder
	if opt.Title != "" {
		b.WriteString(opt.Title)
		b.WriteByte('\n')
	}
	for i, l := range labels {
		b.WriteString(l)
		b.WriteString(strings.Repeat(" ", labelW-textWidth(l)+1))
		b.WriteString(sep)
		drawn := 0
		var cum float64
		for k, s := range series {
			cum += clean(s.Values[i])
			end := cells(cum, max, barW)
			if end > drawn {
				b.WriteString(strings.Repeat(string(Glyph(k, opt.ASCII)), end-drawn))
				drawn = end
			}
		}
		b.WriteString(strings.Repeat(" ", barW-drawn+1))
		n := Thousands(int64(math.Round(totals[i])))
		b.WriteString(strings.Repeat(" ", numW-len(n)))
		b.WriteString(n)
		b.WriteByte('\n')
	}
	// Legend: glyph, name, total, and a sparkline of the series.
	nameW := 0
	for _, s := range series {
		nameW = maxInt(nameW, textWidth(s.Name))
	}
	for k, s := range series {
		var sum float64
		for _, v := range s.Values {
			sum += clean(v)
		}
		b.WriteString(strings.Repeat(" ", labelW+1))
		b.WriteRune(Glyph(k, opt.ASCII))
		b.WriteByte(' ')
		b.WriteString(s.Name)
		b.WriteString(strings.Repeat(" ", nameW-textWidth(s.Name)+1))
		total := Thousands(int64(math.Round(sum)))
		b.WriteString(strings.Repeat(" ", maxInt(0, numW+2-len(total))))
		b.WriteString(total)
		room := width - (labelW + 1 + 2 + nameW + 1 + maxInt(numW+2, len(total)) + 1)
		if room >= 8 {
			b.WriteByte(' ')
			b.WriteString(Sparkline(s.Values, room, opt.ASCII))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cells is the number of cells a cumulative value v fills out of width when
// max fills all of them.
func cells(v, max float64, width int) int {
	if max <= 0 {
		return 0
	}
	n := int(math.Round(v / max * float64(width)))
	if n > width {
		n = width
	}
	return n
}

// Sparkline draws values as one character each, from lowest to highest of
// eight levels, scaled between zero and the largest value. When there are
// more values than width characters, neighbouring values are averaged into
// buckets.
func Sparkline(values []float64, width int, ascii bool) string {
	levels := sparkUnicode
	if ascii {
		levels = sparkASCII
	}
	if width <= 0 || width > len(values) {
		width = len(values)
	}
	if width == 0 {
		return ""
	}
	buckets := make([]float64, width)
	counts := make([]int, width)
	for i, v := range values {
		j := i * width / len(values)
		buckets[j] += clean(v)
		counts[j]++
	}
	for j := range buckets {
		buckets[j] /= float64(counts[j]) // every bucket holds at least one value
	}
	var max float64
	for _, v := range buckets {
		max = math.Max(max, v)
	}
	var b strings.Builder
	for _, v := range buckets {
		l := 0
		if max > 0 {
			l = int(math.Round(v / max * float64(len(levels)-1)))
		}
		b.WriteRune(levels[l])
	}
	return b.String()
}

// Thousands formats n with commas between groups of three digits.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func clean(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return v
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// width is the number of terminal columns s takes (East Asian wide
// characters take two).
func textWidth(s string) int { return uniseg.StringWidth(s) }
