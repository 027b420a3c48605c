package gofunc

// geo_from_wkt: Well-Known Text to GeoJSON (see funcs.go).

import (
	"strconv"
	"strings"
	"unicode"
)

type wktParser struct {
	s   string
	pos int
	bad bool
}

func (p *wktParser) skip() {
	for p.pos < len(p.s) && unicode.IsSpace(rune(p.s[p.pos])) {
		p.pos++
	}
}

func (p *wktParser) peek() byte {
	p.skip()
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *wktParser) expect(c byte) {
	if p.peek() != c {
		p.bad = true
		return
	}
	p.pos++
}

func (p *wktParser) word() string {
	p.skip()
	start := p.pos
	for p.pos < len(p.s) && (unicode.IsLetter(rune(p.s[p.pos]))) {
		p.pos++
	}
	return strings.ToUpper(p.s[start:p.pos])
}

func (p *wktParser) number() float64 {
	p.skip()
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[p.pos]) >= 0 {
		p.pos++
	}
	f, err := strconv.ParseFloat(p.s[start:p.pos], 64)
	if err != nil {
		p.bad = true
	}
	return f
}

// point reads "x y" (longitude latitude) as a GeoJSON position.
func (p *wktParser) point() string {
	x, y := p.number(), p.number()
	if p.bad || x < -180 || x > 180 || y < -90 || y > 90 {
		p.bad = true
		return ""
	}
	return "[" + geoNum(x) + "," + geoNum(y) + "]"
}

// points reads "(x y, x y, ...)"; parenthesised points are accepted too
// (MULTIPOINT ((1 1), (2 2))).
func (p *wktParser) points() []string {
	p.expect('(')
	var out []string
	for !p.bad {
		if p.peek() == '(' {
			p.pos++
			out = append(out, p.point())
			p.expect(')')
		} else {
			out = append(out, p.point())
		}
		if p.peek() != ',' {
			break
		}
		p.pos++
	}
	p.expect(')')
	return out
}

func (p *wktParser) line(min int) string {
	pts := p.points()
	if len(pts) < min {
		p.bad = true
	}
	return "[" + strings.Join(pts, ",") + "]"
}

func (p *wktParser) polygon() string {
	p.expect('(')
	var rings []string
	for !p.bad {
		pts := p.points()
		if len(pts) < 4 || pts[0] != pts[len(pts)-1] {
			p.bad = true
		}
		rings = append(rings, "["+strings.Join(pts, ",")+"]")
		if p.peek() != ',' {
			break
		}
		p.pos++
	}
	p.expect(')')
	return "[" + strings.Join(rings, ",") + "]"
}

func (p *wktParser) list(item func() string) string {
	p.expect('(')
	var out []string
	for !p.bad {
		out = append(out, item())
		if p.peek() != ',' {
			break
		}
		p.pos++
	}
	p.expect(')')
	return "[" + strings.Join(out, ",") + "]"
}

func (p *wktParser) geometry() string {
	kind := p.word()
	var typ, coords string
	switch kind {
	case "POINT":
		typ = "Point"
		p.expect('(')
		coords = p.point()
		p.expect(')')
	case "LINESTRING":
		typ, coords = "LineString", p.line(2)
	case "POLYGON":
		typ, coords = "Polygon", p.polygon()
	case "MULTIPOINT":
		typ, coords = "MultiPoint", p.line(1)
	case "MULTILINESTRING":
		typ, coords = "MultiLineString", p.list(func() string { return p.line(2) })
	case "MULTIPOLYGON":
		typ, coords = "MultiPolygon", p.list(p.polygon)
	case "GEOMETRYCOLLECTION":
		return `{"type":"GeometryCollection","geometries":` + p.list(p.geometry) + "}"
	default:
		p.bad = true
		return ""
	}
	return `{"type":"` + typ + `","coordinates":` + coords + "}"
}

// geoFromWKT is geo_from_wkt: the GeoJSON geometry of a WKT text (2-D
// coordinates, longitude first); null when the text is not valid WKT or a
// coordinate is out of range.
func geoFromWKT(args []arg) (any, error) {
	s, ok := args[0].text1()
	if !ok {
		return nil, nil
	}
	p := &wktParser{s: s}
	g := p.geometry()
	if p.bad || p.peek() != 0 {
		return nil, nil
	}
	return g, nil
}
