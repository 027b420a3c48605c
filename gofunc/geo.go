package gofunc

// The geohash functions of the KQL reference written in Go (see
// funcs.go): geo_point_to_geohash, geo_geohash_to_central_point,
// geo_geohash_to_polygon and geo_geohash_neighbors. A geohash interleaves
// longitude and latitude bisections (longitude first), five bits a
// character of the alphabet below.

import (
	"math"
	"strconv"
	"strings"
)

const geohashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geohashMaxLen is the largest accuracy the reference allows.
const geohashMaxLen = 18

func geohashEncode(lon, lat float64, n int) string {
	loLon, hiLon, loLat, hiLat := -180.0, 180.0, -90.0, 90.0
	var b strings.Builder
	bit, ch, even := 0, 0, true
	for b.Len() < n {
		if even {
			mid := (loLon + hiLon) / 2
			if lon >= mid {
				ch = ch<<1 | 1
				loLon = mid
			} else {
				ch <<= 1
				hiLon = mid
			}
		} else {
			mid := (loLat + hiLat) / 2
			if lat >= mid {
				ch = ch<<1 | 1
				loLat = mid
			} else {
				ch <<= 1
				hiLat = mid
			}
		}
		even = !even
		if bit++; bit == 5 {
			b.WriteByte(geohashAlphabet[ch])
			bit, ch = 0, 0
		}
	}
	return b.String()
}

// geohashBox returns the cell's bounds; ok is false for an invalid
// geohash (empty, too long, or a character outside the alphabet).
func geohashBox(h string) (loLon, hiLon, loLat, hiLat float64, ok bool) {
	if h == "" || len(h) > geohashMaxLen {
		return 0, 0, 0, 0, false
	}
	loLon, hiLon, loLat, hiLat = -180, 180, -90, 90
	even := true
	for i := 0; i < len(h); i++ {
		v := strings.IndexByte(geohashAlphabet, lowerASCII(h[i]))
		if v < 0 {
			return 0, 0, 0, 0, false
		}
		for m := 16; m > 0; m >>= 1 {
			if even {
				mid := (loLon + hiLon) / 2
				if v&m != 0 {
					loLon = mid
				} else {
					hiLon = mid
				}
			} else {
				mid := (loLat + hiLat) / 2
				if v&m != 0 {
					loLat = mid
				} else {
					hiLat = mid
				}
			}
			even = !even
		}
	}
	return loLon, hiLon, loLat, hiLat, true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func geoNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// geoPointToGeohash is geo_point_to_geohash(longitude, latitude,
// [accuracy = 5]): "" for coordinates out of range or an accuracy that is
// null or outside [1, 18].
func geoPointToGeohash(args []arg) (any, error) {
	lon, lat, acc := args[0].num, args[1].num, args[2]
	if args[0].null || args[1].null || acc.null || math.IsNaN(lon) || math.IsNaN(lat) || math.IsNaN(acc.num) {
		return "", nil
	}
	n := int(acc.num)
	if lon < -180 || lon > 180 || lat < -90 || lat > 90 || n < 1 || n > geohashMaxLen || float64(n) != acc.num {
		return "", nil
	}
	return geohashEncode(lon, lat, n), nil
}

// geohashCentralPoint is geo_geohash_to_central_point: the GeoJSON point
// at the cell's centre, or null for an invalid geohash.
func geohashCentralPoint(args []arg) (any, error) {
	h, ok := args[0].text1()
	if !ok {
		return nil, nil
	}
	loLon, hiLon, loLat, hiLat, ok := geohashBox(h)
	if !ok {
		return nil, nil
	}
	return `{"type":"Point","coordinates":[` + geoNum((loLon+hiLon)/2) + "," + geoNum((loLat+hiLat)/2) + "]}", nil
}

func boxPolygon(loLon, hiLon, loLat, hiLat float64) string {
	pt := func(x, y float64) string { return "[" + geoNum(x) + "," + geoNum(y) + "]" }
	return `{"type":"Polygon","coordinates":[[` + pt(loLon, loLat) + "," + pt(hiLon, loLat) + "," +
		pt(hiLon, hiLat) + "," + pt(loLon, hiLat) + "," + pt(loLon, loLat) + "]]}"
}

// geohashPolygon is geo_geohash_to_polygon: the cell as a GeoJSON
// polygon (counterclockwise from its south-west corner), or null for an
// invalid geohash.
func geohashPolygon(args []arg) (any, error) {
	h, ok := args[0].text1()
	if !ok {
		return nil, nil
	}
	loLon, hiLon, loLat, hiLat, ok := geohashBox(h)
	if !ok {
		return nil, nil
	}
	return boxPolygon(loLon, hiLon, loLat, hiLat), nil
}

// geohashNeighbors is geo_geohash_neighbors: the cells of the same
// accuracy around the cell, in the order the reference's example prints
// them (south-west, north-west, south-east, north, west, north-east,
// east, south); longitudes wrap at the antimeridian, and there are no
// cells beyond a pole. Null for an invalid geohash.
func geohashNeighbors(args []arg) (any, error) {
	h, ok := args[0].text1()
	if !ok {
		return nil, nil
	}
	loLon, hiLon, loLat, hiLat, ok := geohashBox(h)
	if !ok {
		return nil, nil
	}
	w, hgt := hiLon-loLon, hiLat-loLat
	cLon, cLat := (loLon+hiLon)/2, (loLat+hiLat)/2
	var out []string
	seen := map[string]bool{strings.ToLower(h): true}
	for _, d := range [][2]float64{{-1, -1}, {-1, 1}, {1, -1}, {0, 1}, {-1, 0}, {1, 1}, {1, 0}, {0, -1}} {
		lat := cLat + d[1]*hgt
		if lat < -90 || lat > 90 {
			continue
		}
		lon := cLon + d[0]*w
		if lon > 180 {
			lon -= 360
		} else if lon < -180 {
			lon += 360
		}
		n := geohashEncode(lon, lat, len(h))
		if !seen[n] {
			seen[n] = true
			out = append(out, strconv.Quote(n))
		}
	}
	return "[" + strings.Join(out, ",") + "]", nil
}

// earthRadius is the sphere radius Kusto's geospatial functions use
// (geo_distance_2points' example gives it to 10 significant digits).
const earthRadius = 6371010.0

// lonLat reads a longitude and a latitude; ok is false when either is
// null or out of range.
func lonLat(a, b arg) (lon, lat float64, ok bool) {
	lon, lat = a.num, b.num
	if a.null || b.null || math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return 0, 0, false
	}
	return lon, lat, true
}

func rad(d float64) float64 { return d * math.Pi / 180 }

// sphereAngle is the central angle between two points (haversine).
func sphereAngle(lon1, lat1, lon2, lat2 float64) float64 {
	p1, p2, dl := rad(lat1), rad(lat2), rad(lon2-lon1)
	h := math.Pow(math.Sin((p2-p1)/2), 2) + math.Cos(p1)*math.Cos(p2)*math.Pow(math.Sin(dl/2), 2)
	return 2 * math.Asin(math.Min(1, math.Sqrt(h)))
}

// azimuth is the initial bearing from point 1 to point 2, clockwise from
// north, in [0, 2π); ok is false when the points coincide.
func azimuth(lon1, lat1, lon2, lat2 float64) (float64, bool) {
	if lon1 == lon2 && lat1 == lat2 {
		return 0, false
	}
	p1, p2, dl := rad(lat1), rad(lat2), rad(lon2-lon1)
	y := math.Sin(dl) * math.Cos(p2)
	x := math.Cos(p1)*math.Sin(p2) - math.Sin(p1)*math.Cos(p2)*math.Cos(dl)
	a := math.Atan2(y, x)
	if a < 0 {
		a += 2 * math.Pi
	}
	return a, true
}

// geoDistance2Points is geo_distance_2points: the great-circle distance
// in meters; null for invalid coordinates.
func geoDistance2Points(args []arg) (any, error) {
	lon1, lat1, ok1 := lonLat(args[0], args[1])
	lon2, lat2, ok2 := lonLat(args[2], args[3])
	if !ok1 || !ok2 {
		return nil, nil
	}
	return scalarText(earthRadius * sphereAngle(lon1, lat1, lon2, lat2)), nil
}

// geoPointInCircle is geo_point_in_circle(p_lon, p_lat, c_lon, c_lat,
// radius): whether the point's distance to the centre is at most radius
// meters; null for invalid coordinates or a radius that is not positive.
func geoPointInCircle(args []arg) (any, error) {
	lon1, lat1, ok1 := lonLat(args[0], args[1])
	lon2, lat2, ok2 := lonLat(args[2], args[3])
	r := args[4].num
	if !ok1 || !ok2 || args[4].null || math.IsNaN(r) || r <= 0 {
		return nil, nil
	}
	if earthRadius*sphereAngle(lon1, lat1, lon2, lat2) <= r {
		return "true", nil
	}
	return "false", nil
}

// geoAzimuth is geo_azimuth: the bearing from point 1 to point 2 in
// radians; null for invalid or equal points.
func geoAzimuth(args []arg) (any, error) {
	lon1, lat1, ok1 := lonLat(args[0], args[1])
	lon2, lat2, ok2 := lonLat(args[2], args[3])
	if !ok1 || !ok2 {
		return nil, nil
	}
	a, ok := azimuth(lon1, lat1, lon2, lat2)
	if !ok {
		return nil, nil
	}
	return scalarText(a), nil
}

// geoAngle is geo_angle(p1, p2, p3): the clockwise angle at p2 from the
// line to p1 to the line to p3, in radians in [0, 2π); null for invalid
// points or when p2 equals p1 or p3.
func geoAngle(args []arg) (any, error) {
	lon1, lat1, ok1 := lonLat(args[0], args[1])
	lon2, lat2, ok2 := lonLat(args[2], args[3])
	lon3, lat3, ok3 := lonLat(args[4], args[5])
	if !ok1 || !ok2 || !ok3 {
		return nil, nil
	}
	a1, okA := azimuth(lon2, lat2, lon1, lat1)
	a3, okB := azimuth(lon2, lat2, lon3, lat3)
	if !okA || !okB {
		return nil, nil
	}
	d := a3 - a1
	if d < 0 {
		d += 2 * math.Pi
	}
	return scalarText(d), nil
}
