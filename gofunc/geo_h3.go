package gofunc

// The H3 functions of the KQL reference (geo_point_to_h3cell,
// geo_h3cell_*), written in Go on Uber's H3 library (see
// funcs.go). Cells are written as H3's hexadecimal token; GeoJSON
// coordinates are [longitude, latitude] in degrees.

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/uber/h3-go/v4"
)

// h3Cell parses a token; ok is false for null or an invalid cell.
func h3Cell(a arg) (h3.Cell, bool) {
	s, ok := cellToken(a)
	if !ok {
		return 0, false
	}
	c := h3.Cell(h3.IndexFromString(s))
	return c, c.IsValid()
}

// intArg returns an integral argument; ok is false for null, NaN or a
// fraction.
func intArg(a arg) (int, bool) {
	if a.null || math.IsNaN(a.num) || a.num != math.Trunc(a.num) || math.Abs(a.num) > 1<<31 {
		return 0, false
	}
	return int(a.num), true
}

// geoPointToH3Cell is geo_point_to_h3cell(longitude, latitude,
// [resolution = 6]): "" for coordinates out of range or a resolution
// outside [0, 15].
func geoPointToH3Cell(args []arg) (any, error) {
	lon, lat := args[0].num, args[1].num
	res, ok := intArg(args[2])
	if args[0].null || args[1].null || !ok || math.IsNaN(lon) || math.IsNaN(lat) ||
		lon < -180 || lon > 180 || lat < -90 || lat > 90 || res < 0 || res > 15 {
		return "", nil
	}
	return h3.LatLngToCell(h3.NewLatLng(lat, lon), res).String(), nil
}

// h3CentralPoint is geo_h3cell_to_central_point.
func h3CentralPoint(args []arg) (any, error) {
	c, ok := h3Cell(args[0])
	if !ok {
		return nil, nil
	}
	ll := c.LatLng()
	return `{"type":"Point","coordinates":[` + geoNum(ll.Lng) + "," + geoNum(ll.Lat) + "]}", nil
}

// h3Polygon is geo_h3cell_to_polygon: the cell's boundary in H3's
// (counterclockwise) order, closed.
func h3Polygon(args []arg) (any, error) {
	c, ok := h3Cell(args[0])
	if !ok {
		return nil, nil
	}
	b := c.Boundary()
	var sb strings.Builder
	sb.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i <= len(b); i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		v := b[i%len(b)]
		sb.WriteString("[" + geoNum(v.Lng) + "," + geoNum(v.Lat) + "]")
	}
	sb.WriteString("]]}")
	return sb.String(), nil
}

// h3Level is geo_h3cell_level: the cell's resolution, null when invalid.
func h3Level(args []arg) (any, error) {
	c, ok := h3Cell(args[0])
	if !ok {
		return nil, nil
	}
	return jsonNum(float64(c.Resolution()), true), nil
}

// h3Parent is geo_h3cell_parent(cell, [resolution]): "" for an invalid
// cell or a resolution outside [0, the cell's own).
func h3Parent(args []arg) (any, error) {
	c, ok := h3Cell(args[0])
	if !ok {
		return "", nil
	}
	res := c.Resolution() - 1
	if !args[1].null {
		if res, ok = intArg(args[1]); !ok {
			return "", nil
		}
	}
	if res < 0 || res >= c.Resolution() {
		return "", nil
	}
	return c.Parent(res).String(), nil
}

// h3Children is geo_h3cell_children(cell, [resolution]): null for an
// invalid cell, a resolution not below the cell's or above 15, or more
// than 5 levels below it (the reference's limit).
func h3Children(args []arg) (any, error) {
	c, ok := h3Cell(args[0])
	if !ok {
		return nil, nil
	}
	res := c.Resolution() + 1
	if !args[1].null {
		if res, ok = intArg(args[1]); !ok {
			return nil, nil
		}
	}
	if res <= c.Resolution() || res > 15 || res-c.Resolution() > 5 {
		return nil, nil
	}
	return cellsJSON(c.Children(res)), nil
}

func cellsJSON(cs []h3.Cell) string {
	out := make([]string, 0, len(cs))
	for _, x := range cs {
		if x != 0 {
			out = append(out, x.String())
		}
	}
	j, _ := json.Marshal(out)
	return string(j)
}

// h3Rings is geo_h3cell_rings(cell, distance): the rings of cells at
// distance 0..distance, in H3's order; null for an invalid cell or a
// distance outside [0, 142].
func h3Rings(args []arg) (any, error) {
	c, ok := h3Cell(args[0])
	k, kok := intArg(args[1])
	if !ok || !kok || k < 0 || k > 142 {
		return nil, nil
	}
	rings := c.GridDiskDistances(k)
	parts := make([]string, len(rings))
	for i, r := range rings {
		parts[i] = cellsJSON(r)
	}
	return "[" + strings.Join(parts, ",") + "]", nil
}

// h3Neighbors is geo_h3cell_neighbors: the cells at distance 1.
func h3Neighbors(args []arg) (any, error) {
	c, ok := h3Cell(args[0])
	if !ok {
		return nil, nil
	}
	rings := c.GridDiskDistances(1)
	if len(rings) < 2 {
		return "[]", nil
	}
	return cellsJSON(rings[1]), nil
}
