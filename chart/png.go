package chart

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

type pngCanvas struct {
	img *image.RGBA
	z   *vector.Rasterizer
}

func (p *pngCanvas) fill(pts []pt, c color.RGBA) {
	if len(pts) < 3 {
		return
	}
	p.z.Reset(Width, Height)
	p.z.DrawOp = draw.Over
	p.z.MoveTo(float32(pts[0].x), float32(pts[0].y))
	for _, q := range pts[1:] {
		p.z.LineTo(float32(q.x), float32(q.y))
	}
	p.z.ClosePath()
	p.z.Draw(p.img, p.img.Bounds(), image.NewUniform(c), image.Point{})
}

func (p *pngCanvas) rect(x, y, w, h float64, c color.RGBA) {
	p.fill([]pt{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}, c)
}

func (p *pngCanvas) polyline(pts []pt, c color.RGBA, width float64) {
	hw := width / 2
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		dx, dy := b.x-a.x, b.y-a.y
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		nx, ny := -dy/l*hw, dx/l*hw
		p.fill([]pt{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}}, c)
		if i > 1 && width > 1.5 {
			p.circle(a.x, a.y, hw, c)
		}
	}
}

func (p *pngCanvas) polygon(pts []pt, c color.RGBA) { p.fill(pts, c) }

func (p *pngCanvas) marker(x, y float64, up, _ bool) {
	p.fill(triangle(x, y, markR+1.5, up), white) // a white rim, as the SVG's stroke
	p.fill(triangle(x, y, markR, up), markColor(up))
}

func (p *pngCanvas) circle(cx, cy, r float64, c color.RGBA) {
	var pts []pt
	for k := 0; k < 24; k++ {
		t := float64(k) / 24 * 2 * math.Pi
		pts = append(pts, pt{cx + r*math.Cos(t), cy + r*math.Sin(t)})
	}
	p.fill(pts, c)
}

func (p *pngCanvas) text(x, y float64, s string, a anchor, c color.RGBA, bold, vertical bool) {
	w := textW(s)
	if vertical {
		// draw horizontally into a scratch image, then turn it a quarter
		tmp := image.NewRGBA(image.Rect(0, 0, int(w)+2, lineH+3))
		(&pngCanvas{img: tmp}).text(0, lineH-2, s, start, c, bold, false)
		ox := int(x) - lineH/2 - 1
		oy := int(y + w/2)
		b := tmp.Bounds()
		for ty := 0; ty < b.Dy(); ty++ {
			for tx := 0; tx < b.Dx(); tx++ {
				if px := tmp.RGBAAt(tx, ty); px.A > 0 {
					p.img.SetRGBA(ox+ty, oy-tx, px)
				}
			}
		}
		return
	}
	switch a {
	case middle:
		x -= w / 2
	case end:
		x -= w
	}
	d := font.Drawer{Dst: p.img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(int(math.Round(x)), int(math.Round(y)))}
	d.DrawString(s)
	if bold {
		d.Dot = fixed.P(int(math.Round(x))+1, int(math.Round(y)))
		d.DrawString(s)
	}
}

func writePNG(w io.Writer, m *Model) error {
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	pc := &pngCanvas{img: img, z: vector.NewRasterizer(Width, Height)}
	drawChart(pc, m)
	return png.Encode(w, img)
}
