package gofunc

// geo_intersection_2lines and geo_intersection_line_with_polygon (see
// funcs.go): the shared part of two lines (crossing points and
// overlapping stretches), and the part of a line inside a polygon, with
// geodesic edges on S2.

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/golang/geo/s2"
)

// along is the signed angle from a to x (a point of the great circle
// through a and b), positive towards b.
func along(a, b, x s2.Point) float64 {
	n := a.Cross(b.Vector).Normalize()
	return math.Atan2(x.Dot(n.Cross(a.Vector)), x.Dot(a.Vector))
}

type seg struct{ a, b s2.Point }

// mergeSegs joins segments in order where one starts at the previous
// one's end.
func mergeSegs(ss []seg) [][]s2.Point {
	var out [][]s2.Point
	for _, s := range ss {
		if n := len(out); n > 0 && out[n-1][len(out[n-1])-1] == s.a {
			out[n-1] = append(out[n-1], s.b)
			continue
		}
		out = append(out, []s2.Point{s.a, s.b})
	}
	return out
}

// pos prints a point as a GeoJSON position, rounded to 15 significant
// digits: a vertex of the input comes back as written, not with the
// last-bit error of its trip through S2's unit vectors.
func pos(p s2.Point) string {
	ll := s2.LatLngFromPoint(p)
	return "[" + geoNum15(ll.Lng.Degrees()) + "," + geoNum15(ll.Lat.Degrees()) + "]"
}

func geoNum15(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	return geoNum(r)
}

func linesJSON(ls [][]s2.Point) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		ps := make([]string, len(l))
		for j, p := range l {
			ps[j] = pos(p)
		}
		parts[i] = "[" + strings.Join(ps, ",") + "]"
	}
	if len(ls) == 1 {
		return `{"type":"LineString","coordinates":` + parts[0] + "}"
	}
	return `{"type":"MultiLineString","coordinates":[` + strings.Join(parts, ",") + "]}"
}

func pointsJSON(ps []s2.Point) string {
	if len(ps) == 1 {
		return `{"type":"Point","coordinates":` + pos(ps[0]) + "}"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = pos(p)
	}
	return `{"type":"MultiPoint","coordinates":[` + strings.Join(parts, ",") + "]}"
}

const emptyCollection = `{"type":"GeometryCollection","geometries":[]}`

func onSeg(x s2.Point, s seg) bool {
	return x == s.a || x == s.b || s2.DistanceFromSegment(x, s.a, s.b).Radians() < 1e-15
}

// geoIntersection2Lines is geo_intersection_2lines: a Point or
// MultiPoint where the lines cross, a LineString or MultiLineString
// where they overlap, a GeometryCollection of both kinds, or an empty
// GeometryCollection; null when either line is invalid.
func geoIntersection2Lines(args []arg) (any, error) {
	if args[0].null || args[1].null {
		return nil, nil
	}
	x, err1 := polylines(args[0].text)
	y, err2 := polylines(args[1].text)
	if err1 != nil || err2 != nil {
		return nil, nil
	}
	var pts []s2.Point
	var overlaps []seg
	for _, l1 := range x {
		for i := 0; i+1 < len(l1); i++ {
			a, b := l1[i], l1[i+1]
			for _, l2 := range y {
				for j := 0; j+1 < len(l2); j++ {
					c, d := l2[j], l2[j+1]
					if s2.RobustSign(a, b, c) == s2.Indeterminate && s2.RobustSign(a, b, d) == s2.Indeterminate {
						// Same great circle: the overlap's ends are two of
						// the four vertices.
						var in []s2.Point
						for _, p := range []s2.Point{a, b, c, d} {
							if onSeg(p, seg{a, b}) && onSeg(p, seg{c, d}) {
								in = append(in, p)
							}
						}
						sort.Slice(in, func(i, j int) bool { return along(a, b, in[i]) < along(a, b, in[j]) })
						if len(in) > 0 && in[0] != in[len(in)-1] {
							overlaps = append(overlaps, seg{in[0], in[len(in)-1]})
						} else if len(in) > 0 {
							pts = append(pts, in[0])
						}
						continue
					}
					switch s2.CrossingSign(a, b, c, d) {
					case s2.Cross:
						pts = append(pts, s2.Intersection(a, b, c, d))
					case s2.MaybeCross:
						for _, p := range []s2.Point{a, b} {
							if p == c || p == d {
								pts = append(pts, p)
							}
						}
					}
				}
			}
		}
	}
	lines := mergeSegs(overlaps)
	var lone []s2.Point
	seen := map[s2.Point]bool{}
	for _, p := range pts {
		if seen[p] {
			continue
		}
		seen[p] = true
		covered := false
		for _, s := range overlaps {
			if onSeg(p, s) {
				covered = true
				break
			}
		}
		if !covered {
			lone = append(lone, p)
		}
	}
	switch {
	case len(lines) == 0 && len(lone) == 0:
		return emptyCollection, nil
	case len(lines) == 0:
		return pointsJSON(lone), nil
	case len(lone) == 0:
		return linesJSON(lines), nil
	}
	return `{"type":"GeometryCollection","geometries":[` + pointsJSON(lone) + "," + linesJSON(lines) + "]}", nil
}

// geoIntersectionLineWithPolygon is geo_intersection_line_with_polygon:
// the stretches of the line inside the polygon, as a LineString or
// MultiLineString, or an empty GeometryCollection; null for invalid
// input.
func geoIntersectionLineWithPolygon(args []arg) (any, error) {
	if args[0].null || args[1].null {
		return nil, nil
	}
	ls, err1 := polylines(args[0].text)
	ps, err2 := polygons(args[1].text)
	if err1 != nil || err2 != nil {
		return nil, nil
	}
	var inside []seg
	for _, l := range ls {
		for i := 0; i+1 < len(l); i++ {
			a, b := l[i], l[i+1]
			length := a.Distance(b).Radians()
			type cut struct {
				t float64
				p s2.Point
			}
			cuts := []cut{{0, a}, {1, b}}
			for _, p := range ps {
				for _, lp := range p.Loops() {
					for k := 0; k < lp.NumEdges(); k++ {
						e := lp.Edge(k)
						if s2.CrossingSign(a, b, e.V0, e.V1) == s2.Cross {
							x := s2.Intersection(a, b, e.V0, e.V1)
							cuts = append(cuts, cut{a.Distance(x).Radians() / length, x})
						}
					}
				}
			}
			sort.Slice(cuts, func(i, j int) bool { return cuts[i].t < cuts[j].t })
			for k := 0; k+1 < len(cuts); k++ {
				if cuts[k+1].t-cuts[k].t <= 0 {
					continue
				}
				mid := s2.Interpolate((cuts[k].t+cuts[k+1].t)/2, a, b)
				for _, p := range ps {
					if p.ContainsPoint(mid) {
						inside = append(inside, seg{cuts[k].p, cuts[k+1].p})
						break
					}
				}
			}
		}
	}
	if len(inside) == 0 {
		return emptyCollection, nil
	}
	return linesJSON(mergeSegs(inside)), nil
}

// geoUnionLinesArray is geo_union_lines_array(lines): the union of an
// array of lines and multilines: their edges, each once (an edge and its
// reverse are one), chained where a vertex joins exactly two edges, as a
// LineString, or a MultiLineString of several chains; null when any
// element is not a valid line. Crossing edges are not split.
func geoUnionLinesArray(args []arg) (any, error) {
	a := args[0]
	if a.null || !a.isArr {
		return nil, nil
	}
	type edge struct{ u, v s2.Point }
	var edges []edge
	seen := map[[2]s2.Point]bool{}
	for _, raw := range a.raw {
		ls, err := polylines(string(raw))
		if err != nil {
			return nil, nil
		}
		for _, l := range ls {
			for i := 0; i+1 < len(l); i++ {
				u, v := l[i], l[i+1]
				if u == v || seen[[2]s2.Point{u, v}] || seen[[2]s2.Point{v, u}] {
					continue
				}
				seen[[2]s2.Point{u, v}] = true
				edges = append(edges, edge{u, v})
			}
		}
	}
	if len(edges) == 0 {
		return emptyCollection, nil
	}
	out := map[s2.Point][]int{}
	indeg := map[s2.Point]int{}
	for i, e := range edges {
		out[e.u] = append(out[e.u], i)
		indeg[e.v]++
	}
	used := make([]bool, len(edges))
	through := func(p s2.Point) bool { return indeg[p] == 1 && len(out[p]) == 1 }
	var chains [][]s2.Point
	walk := func(i int) {
		chain := []s2.Point{edges[i].u}
		for !used[i] {
			used[i] = true
			chain = append(chain, edges[i].v)
			p := edges[i].v
			if !through(p) {
				break
			}
			i = out[p][0]
		}
		chains = append(chains, chain)
	}
	// Chains start where a vertex does not just pass a line through, then
	// what is left are cycles.
	for i, e := range edges {
		if !used[i] && !through(e.u) {
			walk(i)
		}
	}
	for i := range edges {
		if !used[i] {
			walk(i)
		}
	}
	return linesJSON(chains), nil
}
