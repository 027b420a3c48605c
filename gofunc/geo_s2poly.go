package gofunc

// Polygon and line measures of the KQL reference on the sphere (polygon
// edges are geodesics, as the reference says), written in Go on the S2
// library (see funcs.go): geo_point_in_polygon,
// geo_polygon_area, geo_polygon_perimeter, geo_distance_point_to_line.

import (
	"encoding/json"
	"errors"
	"math"

	"github.com/golang/geo/s2"
)

var errGeo = errors.New("invalid geometry")

type geoJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

func geoPoint(c []float64) (s2.Point, error) {
	if len(c) != 2 || math.IsNaN(c[0]) || math.IsNaN(c[1]) || c[0] < -180 || c[0] > 180 || c[1] < -90 || c[1] > 90 {
		return s2.Point{}, errGeo
	}
	return s2.PointFromLatLng(s2.LatLngFromDegrees(c[1], c[0])), nil
}

// ringLoop makes a loop of a GeoJSON linear ring: at least four
// positions, the last equal to the first, the others distinct; the loop
// encloses the smaller of the two regions the ring divides the sphere
// into.
func ringLoop(ring [][]float64) (*s2.Loop, error) {
	if len(ring) < 4 {
		return nil, errGeo
	}
	first, last := ring[0], ring[len(ring)-1]
	if len(first) != 2 || len(last) != 2 || first[0] != last[0] || first[1] != last[1] {
		return nil, errGeo
	}
	pts := make([]s2.Point, 0, len(ring)-1)
	seen := map[[2]float64]bool{}
	for _, c := range ring[:len(ring)-1] {
		p, err := geoPoint(c)
		if err != nil {
			return nil, err
		}
		k := [2]float64{c[0], c[1]}
		if seen[k] {
			return nil, errGeo
		}
		seen[k] = true
		pts = append(pts, p)
	}
	l := s2.LoopFromPoints(pts)
	if err := l.Validate(); err != nil {
		return nil, errGeo
	}
	l.Normalize()
	return l, nil
}

// polygons parses a GeoJSON Polygon or MultiPolygon.
func polygons(text string) ([]*s2.Polygon, error) {
	var g geoJSON
	if err := json.Unmarshal([]byte(text), &g); err != nil {
		return nil, errGeo
	}
	var rings [][][][]float64
	switch g.Type {
	case "Polygon":
		var p [][][]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, errGeo
		}
		rings = [][][][]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &rings); err != nil {
			return nil, errGeo
		}
	default:
		return nil, errGeo
	}
	if len(rings) == 0 {
		return nil, errGeo
	}
	out := make([]*s2.Polygon, 0, len(rings))
	for _, p := range rings {
		if len(p) == 0 {
			return nil, errGeo
		}
		loops := make([]*s2.Loop, 0, len(p))
		for _, r := range p {
			l, err := ringLoop(r)
			if err != nil {
				return nil, err
			}
			loops = append(loops, l)
		}
		out = append(out, s2.PolygonFromLoops(loops))
	}
	return out, nil
}

// disjoint reports whether no two of the polygons overlap, so that the
// measure of their union is the sum of theirs.
func disjoint(ps []*s2.Polygon) bool {
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if ps[i].Intersects(ps[j]) {
				return false
			}
		}
	}
	return true
}

// geoPointInPolygon is geo_point_in_polygon(longitude, latitude,
// polygon): S2's containment, under which every point of a subdivided
// sphere lies in exactly one polygon; null for invalid input.
func geoPointInPolygon(args []arg) (any, error) {
	lon, lat, ok := lonLat(args[0], args[1])
	if !ok || args[2].null {
		return nil, nil
	}
	ps, err := polygons(args[2].text)
	if err != nil {
		return nil, nil
	}
	pt := s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon))
	for _, p := range ps {
		if p.ContainsPoint(pt) {
			return "true", nil
		}
	}
	return "false", nil
}

// disjointPolygons parses a polygon or MultiPolygon argument whose
// polygons do not overlap (fn's area and perimeter would need their
// union); nil, nil for null or invalid input.
func disjointPolygons(a arg, fn string) ([]*s2.Polygon, error) {
	if a.null {
		return nil, nil
	}
	ps, err := polygons(a.text)
	if err != nil {
		return nil, nil
	}
	if !disjoint(ps) {
		return nil, errors.New("not supported yet: " + fn + " of a MultiPolygon whose polygons overlap")
	}
	return ps, nil
}

// geoPolygonArea is geo_polygon_area: square meters on the sphere;
// null for an invalid polygon. The polygons of a MultiPolygon must not
// overlap (their union's area needs polygon union, not implemented).
func geoPolygonArea(args []arg) (any, error) {
	ps, err := disjointPolygons(args[0], "geo_polygon_area")
	if ps == nil {
		return nil, err
	}
	a := 0.0
	for _, p := range ps {
		a += p.Area()
	}
	return scalarText(a * earthRadius * earthRadius), nil
}

// geoPolygonPerimeter is geo_polygon_perimeter: the length in meters of
// every ring; null for an invalid polygon. As for the area, the polygons
// of a MultiPolygon must not overlap.
func geoPolygonPerimeter(args []arg) (any, error) {
	ps, err := disjointPolygons(args[0], "geo_polygon_perimeter")
	if ps == nil {
		return nil, err
	}
	per := 0.0
	for _, p := range ps {
		for _, l := range p.Loops() {
			for i := 0; i < l.NumEdges(); i++ {
				e := l.Edge(i)
				per += e.V0.Distance(e.V1).Radians()
			}
		}
	}
	return scalarText(per * earthRadius), nil
}

// polylines parses a GeoJSON LineString or MultiLineString: each line
// has at least two valid positions.
func polylines(text string) ([]s2.Polyline, error) {
	var g geoJSON
	if err := json.Unmarshal([]byte(text), &g); err != nil {
		return nil, errGeo
	}
	var lines [][][]float64
	switch g.Type {
	case "LineString":
		var l [][]float64
		if err := json.Unmarshal(g.Coordinates, &l); err != nil {
			return nil, errGeo
		}
		lines = [][][]float64{l}
	case "MultiLineString":
		if err := json.Unmarshal(g.Coordinates, &lines); err != nil {
			return nil, errGeo
		}
	default:
		return nil, errGeo
	}
	if len(lines) == 0 {
		return nil, errGeo
	}
	out := make([]s2.Polyline, 0, len(lines))
	for _, l := range lines {
		if len(l) < 2 {
			return nil, errGeo
		}
		pl := make(s2.Polyline, 0, len(l))
		for _, c := range l {
			p, err := geoPoint(c)
			if err != nil {
				return nil, err
			}
			pl = append(pl, p)
		}
		out = append(out, pl)
	}
	return out, nil
}

// geoDistancePointToLine is geo_distance_point_to_line(longitude,
// latitude, line): the shortest distance in meters from the point to the
// line or multiline; null for invalid input.
func geoDistancePointToLine(args []arg) (any, error) {
	lon, lat, ok := lonLat(args[0], args[1])
	if !ok || args[2].null {
		return nil, nil
	}
	ls, err := polylines(args[2].text)
	if err != nil {
		return nil, nil
	}
	pt := s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon))
	best := math.Inf(1)
	for _, l := range ls {
		q, _ := l.Project(pt)
		best = math.Min(best, pt.Distance(q).Radians())
	}
	return scalarText(best * earthRadius), nil
}

func pointJSON(p s2.Point) string {
	return `{"type":"Point","coordinates":` + pos(p) + "}"
}

// geoLineCentroid is geo_line_centroid: the centroid of the line's (or
// multiline's) geodesic edges, weighted by length; null for an invalid
// line.
func geoLineCentroid(args []arg) (any, error) {
	if args[0].null {
		return nil, nil
	}
	ls, err := polylines(args[0].text)
	if err != nil {
		return nil, nil
	}
	var c s2.Point
	for _, l := range ls {
		c = s2.Point{Vector: c.Add(l.Centroid().Vector)}
	}
	if c.Norm() == 0 {
		return nil, nil
	}
	return pointJSON(s2.Point{Vector: c.Normalize()}), nil
}

// singleLine parses a LineString for the functions that take one.
func singleLine(a arg) (s2.Polyline, bool) {
	if a.null {
		return nil, false
	}
	ls, err := polylines(a.text)
	if err != nil || len(ls) != 1 || !jsonTypeIs(a.text, "LineString") {
		return nil, false
	}
	return ls[0], true
}

func jsonTypeIs(text, typ string) bool {
	var g geoJSON
	return json.Unmarshal([]byte(text), &g) == nil && g.Type == typ
}

// geoLineInterpolatePoint is geo_line_interpolate_point(line, fraction):
// the point at that fraction of the line's length; null for an invalid
// line or a fraction outside [0, 1].
func geoLineInterpolatePoint(args []arg) (any, error) {
	l, ok := singleLine(args[0])
	f := args[1].num
	if !ok || args[1].null || math.IsNaN(f) || f < 0 || f > 1 {
		return nil, nil
	}
	p, _ := l.Interpolate(f)
	return pointJSON(p), nil
}

// geoLineLocatePoint is geo_line_locate_point(line, longitude,
// latitude): the fraction of the line's length at the point of the line
// closest to the given one; null for invalid input.
func geoLineLocatePoint(args []arg) (any, error) {
	l, ok := singleLine(args[0])
	lon, lat, pok := lonLat(args[1], args[2])
	if !ok || !pok {
		return nil, nil
	}
	q, next := l.Project(s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon)))
	return scalarText(l.Uninterpolate(q, next)), nil
}

// geoClosestPointOnLine is geo_closest_point_on_line(longitude,
// latitude, line): the point of the line (or multiline) closest to the
// given one; null for invalid input.
func geoClosestPointOnLine(args []arg) (any, error) {
	lon, lat, ok := lonLat(args[0], args[1])
	if !ok || args[2].null {
		return nil, nil
	}
	ls, err := polylines(args[2].text)
	if err != nil {
		return nil, nil
	}
	pt := s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon))
	var best s2.Point
	bestD := math.Inf(1)
	for _, l := range ls {
		q, _ := l.Project(pt)
		if d := pt.Distance(q).Radians(); d < bestD {
			best, bestD = q, d
		}
	}
	return pointJSON(best), nil
}

// geoClosestPointOnPolygon is geo_closest_point_on_polygon(longitude,
// latitude, polygon): the point itself when the polygon contains it,
// else the closest point of the polygon's boundary; null for invalid
// input.
func geoClosestPointOnPolygon(args []arg) (any, error) {
	lon, lat, ok := lonLat(args[0], args[1])
	if !ok || args[2].null {
		return nil, nil
	}
	ps, err := polygons(args[2].text)
	if err != nil {
		return nil, nil
	}
	pt := s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon))
	var best s2.Point
	bestD := math.Inf(1)
	for _, p := range ps {
		if p.ContainsPoint(pt) {
			return pointJSON(pt), nil
		}
		for _, l := range p.Loops() {
			for i := 0; i < l.NumEdges(); i++ {
				e := l.Edge(i)
				q := s2.Project(pt, e.V0, e.V1)
				if d := pt.Distance(q).Radians(); d < bestD {
					best, bestD = q, d
				}
			}
		}
	}
	return pointJSON(best), nil
}

// edgesMeet reports whether segments ab and cd share a point.
func edgesMeet(a, b, c, d s2.Point) bool {
	return s2.CrossingSign(a, b, c, d) != s2.DoNotCross || a == c || a == d || b == c || b == d ||
		s2.DistanceFromSegment(a, c, d).Radians() == 0 || s2.DistanceFromSegment(c, a, b).Radians() == 0
}

func linesMeet(x, y s2.Polyline) bool {
	for i := 0; i+1 < len(x); i++ {
		for j := 0; j+1 < len(y); j++ {
			if edgesMeet(x[i], x[i+1], y[j], y[j+1]) {
				return true
			}
		}
	}
	return false
}

func lineMeetsPolygon(l s2.Polyline, p *s2.Polygon) bool {
	for _, v := range l {
		if p.ContainsPoint(v) {
			return true
		}
	}
	for _, lp := range p.Loops() {
		for i := 0; i+1 < len(l); i++ {
			for k := 0; k < lp.NumEdges(); k++ {
				e := lp.Edge(k)
				if edgesMeet(l[i], l[i+1], e.V0, e.V1) {
					return true
				}
			}
		}
	}
	return false
}

// geoIntersects2Lines is geo_intersects_2lines: whether two lines (or
// multilines) share a point; null when either is invalid.
func geoIntersects2Lines(args []arg) (any, error) {
	return anyMeet(args, polylines, polylines, linesMeet)
}

// geoIntersectsLineWithPolygon is geo_intersects_line_with_polygon.
func geoIntersectsLineWithPolygon(args []arg) (any, error) {
	return anyMeet(args, polylines, polygons, lineMeetsPolygon)
}

// geoIntersects2Polygons is geo_intersects_2polygons.
func geoIntersects2Polygons(args []arg) (any, error) {
	return anyMeet(args, polygons, polygons, (*s2.Polygon).Intersects)
}

// anyMeet parses the first two arguments into shapes and reports whether
// some shape of the first meets some shape of the second; null when
// either argument is null or invalid.
func anyMeet[A, B any](args []arg, parseA func(string) ([]A, error), parseB func(string) ([]B, error), meet func(A, B) bool) (any, error) {
	if args[0].null || args[1].null {
		return nil, nil
	}
	as, err1 := parseA(args[0].text)
	bs, err2 := parseB(args[1].text)
	if err1 != nil || err2 != nil {
		return nil, nil
	}
	for _, x := range as {
		for _, y := range bs {
			if meet(x, y) {
				return "true", nil
			}
		}
	}
	return "false", nil
}

// geoDistancePointToPolygon is geo_distance_point_to_polygon(longitude,
// latitude, polygon): 0 inside the polygon, else the distance in meters
// to its boundary; null for invalid input.
func geoDistancePointToPolygon(args []arg) (any, error) {
	lon, lat, ok := lonLat(args[0], args[1])
	if !ok || args[2].null {
		return nil, nil
	}
	ps, err := polygons(args[2].text)
	if err != nil {
		return nil, nil
	}
	pt := s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon))
	best := math.Inf(1)
	for _, p := range ps {
		if p.ContainsPoint(pt) {
			return "0", nil
		}
		for _, l := range p.Loops() {
			for i := 0; i < l.NumEdges(); i++ {
				e := l.Edge(i)
				best = math.Min(best, s2.DistanceFromSegment(pt, e.V0, e.V1).Radians())
			}
		}
	}
	return scalarText(best * earthRadius), nil
}
