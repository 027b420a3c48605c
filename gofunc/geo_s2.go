package gofunc

// The S2 functions of the KQL reference (geo_point_to_s2cell,
// geo_s2cell_*), written in Go on the Go port of the S2 geometry library
// (see funcs.go). Cells are written as S2 tokens.

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/golang/geo/s2"
)

// s2Cell parses a token; ok is false for null or an invalid cell.
func s2Cell(a arg) (s2.CellID, bool) {
	s, ok := cellToken(a)
	if !ok {
		return 0, false
	}
	c := s2.CellIDFromToken(strings.ToLower(s))
	return c, c.IsValid()
}

// geoPointToS2Cell is geo_point_to_s2cell(longitude, latitude, [level =
// 11]): "" for coordinates out of range or a level outside [0, 30].
func geoPointToS2Cell(args []arg) (any, error) {
	lon, lat, ok := lonLat(args[0], args[1])
	lvl, lok := intArg(args[2])
	if !ok || !lok || lvl < 0 || lvl > 30 || math.IsNaN(lon) {
		return "", nil
	}
	return s2.CellIDFromLatLng(s2.LatLngFromDegrees(lat, lon)).Parent(lvl).ToToken(), nil
}

// s2CentralPoint is geo_s2cell_to_central_point.
func s2CentralPoint(args []arg) (any, error) {
	c, ok := s2Cell(args[0])
	if !ok {
		return nil, nil
	}
	ll := s2.LatLngFromPoint(c.Point())
	return `{"type":"Point","coordinates":[` + geoNum(ll.Lng.Degrees()) + "," + geoNum(ll.Lat.Degrees()) + "]}", nil
}

// s2Polygon is geo_s2cell_to_polygon: the cell's four vertices in S2's
// (counterclockwise) order, closed.
func s2Polygon(args []arg) (any, error) {
	c, ok := s2Cell(args[0])
	if !ok {
		return nil, nil
	}
	cell := s2.CellFromCellID(c)
	var sb strings.Builder
	sb.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i <= 4; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		ll := s2.LatLngFromPoint(cell.Vertex(i % 4))
		sb.WriteString("[" + geoNum(ll.Lng.Degrees()) + "," + geoNum(ll.Lat.Degrees()) + "]")
	}
	sb.WriteString("]]}")
	return sb.String(), nil
}

// s2Neighbors is geo_s2cell_neighbors: the cells of the same level
// sharing an edge or a vertex with the cell, in S2's AllNeighbors order
// (Kusto's example lists the same eight cells in another order).
func s2Neighbors(args []arg) (any, error) {
	c, ok := s2Cell(args[0])
	if !ok {
		return nil, nil
	}
	seen := map[s2.CellID]bool{c: true}
	out := []string{}
	for _, n := range c.AllNeighbors(c.Level()) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n.ToToken())
		}
	}
	j, err := json.Marshal(out)
	return string(j), err
}

// cellToken is a cell token argument (S2 or H3): 1 to 16 hexadecimal
// digits; ok is false for null or anything else.
func cellToken(a arg) (string, bool) {
	s, ok := a.text1()
	if !ok || s == "" || len(s) > 16 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return "", false
		}
	}
	return s, true
}
