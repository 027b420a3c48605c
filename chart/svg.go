package chart

import (
	"bufio"
	"fmt"
	"image/color"
	"io"
	"strconv"
	"strings"
)

type svgCanvas struct {
	w *bufio.Writer
}

func hex(c color.RGBA) string {
	if c.A == 0xff || c.A == 0 {
		return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
	}
	// un-premultiply
	f := 255 / float64(c.A)
	return fmt.Sprintf("#%02x%02x%02x", uint8(float64(c.R)*f), uint8(float64(c.G)*f), uint8(float64(c.B)*f))
}

func opacity(c color.RGBA) string {
	if c.A == 0xff {
		return ""
	}
	return ` fill-opacity="` + strconv.FormatFloat(float64(c.A)/255, 'f', 2, 64) + `"`
}

func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// xmlEscape escapes text for an SVG text node or attribute: the chart's
// labels come from query results and must not become markup.
func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		default:
			if r < 0x20 && r != '\t' || r == 0xFFFE || r == 0xFFFF {
				b.WriteRune(0xFFFD) // not allowed in XML
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (s *svgCanvas) rect(x, y, w, h float64, fill color.RGBA) {
	fmt.Fprintf(s.w, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"%s/>`+"\n", f(x), f(y), f(w), f(h), hex(fill), opacity(fill))
}

func points(pts []pt) string {
	var b strings.Builder
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f(p.x) + "," + f(p.y))
	}
	return b.String()
}

func (s *svgCanvas) polyline(pts []pt, stroke color.RGBA, width float64) {
	fmt.Fprintf(s.w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round"/>`+"\n", points(pts), hex(stroke), f(width))
}

func (s *svgCanvas) polygon(pts []pt, fill color.RGBA) {
	fmt.Fprintf(s.w, `<polygon points="%s" fill="%s"%s/>`+"\n", points(pts), hex(fill), opacity(fill))
}

// marker draws an anomaly mark; class "anomaly" (with "up" or "down")
// on the plot, "legend-mark" in the legend, so the marks can be counted.
func (s *svgCanvas) marker(x, y float64, up, legend bool) {
	class, dir := "anomaly", "down"
	if legend {
		class = "legend-mark"
	}
	if up {
		dir = "up"
	}
	fmt.Fprintf(s.w, `<polygon class="%s %s" points="%s" fill="%s" stroke="#ffffff" stroke-width="1"/>`+"\n", class, dir, points(triangle(x, y, markR, up)), hex(markColor(up)))
}

func (s *svgCanvas) circle(cx, cy, r float64, fill color.RGBA) {
	fmt.Fprintf(s.w, `<circle cx="%s" cy="%s" r="%s" fill="%s"/>`+"\n", f(cx), f(cy), f(r), hex(fill))
}

func (s *svgCanvas) text(x, y float64, str string, a anchor, c color.RGBA, bold, vertical bool) {
	attrs := ""
	switch a {
	case middle:
		attrs += ` text-anchor="middle"`
	case end:
		attrs += ` text-anchor="end"`
	}
	if bold {
		attrs += ` font-weight="bold"`
	}
	if vertical {
		attrs += fmt.Sprintf(` transform="rotate(-90 %s %s)"`, f(x), f(y))
	}
	fmt.Fprintf(s.w, `<text x="%s" y="%s" fill="%s"%s>%s</text>`+"\n", f(x), f(y), hex(c), attrs, xmlEscape(str))
}

func writeSVG(w io.Writer, m *Model) error {
	bw := bufio.NewWriter(w)
	kind := m.Kind
	if m.Stack != "" {
		kind += " " + m.Stack
	}
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" class="quarry-chart" data-kind="%s" width="%d" height="%d" viewBox="0 0 %d %d" font-family="monospace" font-size="12">`+"\n",
		xmlEscape(kind), Width, Height, Width, Height)
	if m.Title != "" {
		fmt.Fprintf(bw, "<title>%s</title>\n", xmlEscape(m.Title))
	}
	drawChart(&svgCanvas{w: bw}, m)
	bw.WriteString("</svg>\n")
	return bw.Flush()
}
