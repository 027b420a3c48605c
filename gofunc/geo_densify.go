package gofunc

// geo_line_densify and geo_polygon_densify (see funcs.go): a
// GeoJSON edge is a straight line in longitude/latitude, Kusto's is a
// geodesic; densifying halves an edge in longitude/latitude while its
// midpoint lies farther than the tolerance from the geodesic's midpoint,
// which reproduces the reference's examples (an edge of ~130 km becomes
// 8 edges at the default 10 m).

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/golang/geo/s2"
)

// densifyTolerance reads the tolerance argument: meters in [0.1, 10000],
// 10 when null (omitted).
func densifyTolerance(a arg) (float64, bool) {
	if a.null {
		return 10, true
	}
	t := a.num
	return t, !math.IsNaN(t) && t >= 0.1 && t <= 10000
}

const maxDensifiedPoints = 10485760

// densifyRing densifies a list of positions edge by edge.
func densifyRing(c [][]float64, tol float64, preserveCrossing bool, budget *int) ([][2]float64, bool) {
	out := [][2]float64{{c[0][0], c[0][1]}}
	var split func(a, b [2]float64, depth int)
	ok := true
	split = func(a, b [2]float64, depth int) {
		m := [2]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
		pa := s2.PointFromLatLng(s2.LatLngFromDegrees(a[1], a[0]))
		pb := s2.PointFromLatLng(s2.LatLngFromDegrees(b[1], b[0]))
		g := s2.Point{Vector: pa.Add(pb.Vector).Normalize()}
		pm := s2.PointFromLatLng(s2.LatLngFromDegrees(m[1], m[0]))
		if depth < 60 && pm.Distance(g).Radians()*earthRadius > tol {
			split(a, m, depth+1)
			split(m, b, depth+1)
			return
		}
		if *budget--; *budget < 0 {
			ok = false
		}
		out = append(out, b)
	}
	for i := 1; i < len(c) && ok; i++ {
		a := out[len(out)-1]
		b := [2]float64{c[i][0], c[i][1]}
		// The shorter way round: an edge over the antimeridian.
		bb := b
		if bb[0]-a[0] > 180 {
			bb[0] -= 360
		} else if bb[0]-a[0] < -180 {
			bb[0] += 360
		}
		start := len(out)
		split(a, bb, 0)
		if !preserveCrossing {
			for j := start; j < len(out); j++ {
				if out[j][0] > 180 {
					out[j][0] -= 360
				} else if out[j][0] < -180 {
					out[j][0] += 360
				}
			}
		}
		out[len(out)-1] = b
	}
	return out, ok
}

func positionsJSON(ps [][2]float64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("[" + geoNum(p[0]) + "," + geoNum(p[1]) + "]")
	}
	b.WriteByte(']')
	return b.String()
}

// geoLineDensify is geo_line_densify(line, [tolerance], [preserve_crossing]).
func geoLineDensify(args []arg) (any, error) {
	if args[0].null {
		return nil, nil
	}
	tol, ok := densifyTolerance(args[1])
	if !ok {
		return nil, nil
	}
	if _, err := polylines(args[0].text); err != nil {
		return nil, nil
	}
	var g geoJSON
	_ = json.Unmarshal([]byte(args[0].text), &g)
	var lines [][][]float64
	if g.Type == "LineString" {
		var l [][]float64
		_ = json.Unmarshal(g.Coordinates, &l)
		lines = [][][]float64{l}
	} else {
		_ = json.Unmarshal(g.Coordinates, &lines)
	}
	budget := maxDensifiedPoints
	parts := make([]string, len(lines))
	for i, l := range lines {
		d, ok := densifyRing(l, tol, args[2].isB && args[2].b, &budget)
		if !ok {
			return nil, nil
		}
		parts[i] = positionsJSON(d)
	}
	if g.Type == "LineString" {
		return `{"type":"LineString","coordinates":` + parts[0] + "}", nil
	}
	return `{"type":"MultiLineString","coordinates":[` + strings.Join(parts, ",") + "]}", nil
}

// geoPolygonDensify is geo_polygon_densify(polygon, [tolerance],
// [preserve_crossing]).
func geoPolygonDensify(args []arg) (any, error) {
	if args[0].null {
		return nil, nil
	}
	tol, ok := densifyTolerance(args[1])
	if !ok {
		return nil, nil
	}
	if _, err := polygons(args[0].text); err != nil {
		return nil, nil
	}
	var g geoJSON
	_ = json.Unmarshal([]byte(args[0].text), &g)
	var polys [][][][]float64
	if g.Type == "Polygon" {
		var p [][][]float64
		_ = json.Unmarshal(g.Coordinates, &p)
		polys = [][][][]float64{p}
	} else {
		_ = json.Unmarshal(g.Coordinates, &polys)
	}
	budget := maxDensifiedPoints
	ps := make([]string, len(polys))
	for i, p := range polys {
		rings := make([]string, len(p))
		for j, r := range p {
			d, ok := densifyRing(r, tol, args[2].isB && args[2].b, &budget)
			if !ok {
				return nil, nil
			}
			rings[j] = positionsJSON(d)
		}
		ps[i] = "[" + strings.Join(rings, ",") + "]"
	}
	if g.Type == "Polygon" {
		return `{"type":"Polygon","coordinates":` + ps[0] + "}", nil
	}
	return `{"type":"MultiPolygon","coordinates":[` + strings.Join(ps, ",") + "]}", nil
}
