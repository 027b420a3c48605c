package store

// The geohash functions of the KQL reference written in Go (see
// series_funcs.go): geo_point_to_geohash, geo_geohash_to_central_point,
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
