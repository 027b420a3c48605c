package gofunc

// KQL scalar functions DuckDB has no counterpart for, written in Go and
// reached through the same SQL function as the series_* functions
// (sqlgen.GoFunc): the binder's catalog gives them the "@series" or
// "@gofn" template, the SQL passes the function's name and its arguments
// as JSON text, and seriesCall dispatches here by name. Each follows its
// page of the KQL reference; a nil result is SQL NULL.

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scalarFuncs maps a KQL function name to its Go implementation.
var scalarFuncs = map[string]func(args []arg) (any, error){
	"hash":                               kqlHash,
	"hash_xxhash64":                      kqlHash,
	"dynamic_to_json":                    dynamicToJSON,
	"treepath":                           treepath,
	"zlib_decompress_from_base64_string": func(a []arg) (any, error) { return decompress(a[0], false) },
	"gzip_decompress_from_base64_string": func(a []arg) (any, error) { return decompress(a[0], true) },
	"punycode_to_string":                 punyDecodeFunc,
	"punycode_from_string":               punyEncodeFunc,
	"punycode_domain_to_string":          punyDomainEncode,
	"punycode_domain_from_string":        punyDomainDecode,
	"ipv4_range_to_cidr_list":            ipv4RangeToCIDR,
	"geo_point_to_geohash":               geoPointToGeohash,
	"geo_geohash_to_central_point":       geohashCentralPoint,
	"geo_geohash_to_polygon":             geohashPolygon,
	"geo_geohash_neighbors":              geohashNeighbors,
	"geo_distance_2points":               geoDistance2Points,
	"geo_point_in_circle":                geoPointInCircle,
	"geo_azimuth":                        geoAzimuth,
	"geo_angle":                          geoAngle,
	"geo_point_to_h3cell":                geoPointToH3Cell,
	"geo_h3cell_to_central_point":        h3CentralPoint,
	"geo_h3cell_to_polygon":              h3Polygon,
	"geo_h3cell_level":                   h3Level,
	"geo_h3cell_parent":                  h3Parent,
	"geo_h3cell_children":                h3Children,
	"geo_h3cell_rings":                   h3Rings,
	"geo_h3cell_neighbors":               h3Neighbors,
	"geo_from_wkt":                       geoFromWKT,
	"geo_point_to_s2cell":                geoPointToS2Cell,
	"geo_s2cell_to_central_point":        s2CentralPoint,
	"geo_s2cell_to_polygon":              s2Polygon,
	"geo_s2cell_neighbors":               s2Neighbors,
	"beta_cdf":                           betaCDF,
	"beta_pdf":                           betaPDF,
	"beta_inv":                           betaInv,
	"geo_point_in_polygon":               geoPointInPolygon,
	"geo_polygon_area":                   geoPolygonArea,
	"geo_polygon_perimeter":              geoPolygonPerimeter,
	"geo_distance_point_to_line":         geoDistancePointToLine,
	"geo_line_centroid":                  geoLineCentroid,
	"geo_line_interpolate_point":         geoLineInterpolatePoint,
	"geo_line_locate_point":              geoLineLocatePoint,
	"geo_closest_point_on_line":          geoClosestPointOnLine,
	"geo_closest_point_on_polygon":       geoClosestPointOnPolygon,
	"geo_line_densify":                   geoLineDensify,
	"geo_polygon_densify":                geoPolygonDensify,
	"geo_intersects_2lines":              geoIntersects2Lines,
	"geo_intersects_line_with_polygon":   geoIntersectsLineWithPolygon,
	"geo_intersects_2polygons":           geoIntersects2Polygons,
	"geo_intersection_2lines":            geoIntersection2Lines,
	"geo_intersection_line_with_polygon": geoIntersectionLineWithPolygon,
	"__percentiles":                      weightedPercentiles,
	"geo_distance_point_to_polygon":      geoDistancePointToPolygon,
	"__tdigest":                          tdigestBuild,
	"__tdigest_merge":                    func(a []arg) (any, error) { return tdigestMerge(a, true) },
	"merge_tdigest":                      func(a []arg) (any, error) { return tdigestMerge(a, false) },
	"percentile_tdigest":                 percentileTdigest,
	"percentiles_array_tdigest":          percentilesArrayTdigest,
	"rank_tdigest":                       rankTdigest,
	"percentrank_tdigest":                percentrankTdigest,
	"__hll_intersect":                    hllIntersect,
	"__buildschema":                      buildSchema,
	"geo_union_lines_array":              geoUnionLinesArray,
	"parse_path":                         parsePath,
	"parse_version":                      parseVersion,
	"url_encode":                         func(a []arg) (any, error) { return urlEncode(a, false) },
	"url_encode_component":               func(a []arg) (any, error) { return urlEncode(a, true) },
}

// text returns a string argument's value; ok is false for null or a
// non-string.
func (a arg) text1() (string, bool) {
	if a.null || !strings.HasPrefix(a.text, `"`) {
		return "", false
	}
	return a.str, true
}

// ---- hash() and hash_xxhash64() ----

// kqlHash is xxhash64 (seed 0) of the value's bytes: a string's UTF-8, a
// datetime's ticks (100 ns since 0001-01-01) as a little-endian int64
// (the binder passes datetimes as microseconds since the Unix epoch).
// With mod, the unsigned hash modulo mod, so the value lies in
// [0, mod-1] as the reference says.
func kqlHash(args []arg) (any, error) {
	a := args[0]
	var b []byte
	switch {
	case a.null:
		return nil, nil
	case strings.HasPrefix(a.text, `"`):
		b = []byte(a.str)
	default:
		us, err := strconv.ParseInt(a.text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("hash: unexpected argument %s", a.text)
		}
		var t [8]byte
		binary.LittleEndian.PutUint64(t[:], uint64(us*10+unixEpochTicks))
		b = t[:]
	}
	h := xxh64(b, 0)
	if m := args[1]; !m.null && !math.IsNaN(m.num) {
		mod := int64(m.num)
		if mod <= 0 {
			return nil, nil
		}
		return strconv.FormatUint(h%uint64(mod), 10), nil
	}
	return strconv.FormatInt(int64(h), 10), nil
}

// unixEpochTicks is 1970-01-01 in .NET ticks.
const unixEpochTicks = 621355968000000000

const (
	xxP1 uint64 = 11400714785074694791
	xxP2 uint64 = 14029467366897019727
	xxP3 uint64 = 1609587929392839161
	xxP4 uint64 = 9650029242287828579
	xxP5 uint64 = 2870177450012600261
)

func xxRound(acc, in uint64) uint64 {
	acc += in * xxP2
	return bits.RotateLeft64(acc, 31) * xxP1
}

func xxMerge(acc, v uint64) uint64 {
	acc ^= xxRound(0, v)
	return acc*xxP1 + xxP4
}

// xxh64 is the XXH64 hash of b.
func xxh64(b []byte, seed uint64) uint64 {
	n := len(b)
	var h uint64
	if n >= 32 {
		v1, v2, v3, v4 := seed+xxP1+xxP2, seed+xxP2, seed, seed-xxP1
		for len(b) >= 32 {
			v1 = xxRound(v1, binary.LittleEndian.Uint64(b[0:]))
			v2 = xxRound(v2, binary.LittleEndian.Uint64(b[8:]))
			v3 = xxRound(v3, binary.LittleEndian.Uint64(b[16:]))
			v4 = xxRound(v4, binary.LittleEndian.Uint64(b[24:]))
			b = b[32:]
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		h = xxMerge(xxMerge(xxMerge(xxMerge(h, v1), v2), v3), v4)
	} else {
		h = seed + xxP5
	}
	h += uint64(n)
	for len(b) >= 8 {
		h ^= xxRound(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*xxP1 + xxP4
		b = b[8:]
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * xxP1
		h = bits.RotateLeft64(h, 23)*xxP2 + xxP3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * xxP5
		h = bits.RotateLeft64(h, 11) * xxP1
	}
	h ^= h >> 33
	h *= xxP2
	h ^= h >> 29
	h *= xxP3
	h ^= h >> 32
	return h
}

// ---- JSON walking with key order kept ----

// jnode is a parsed JSON value keeping the order of object keys.
type jnode struct {
	kind byte // 'o' object, 'a' array, 's' scalar (raw text)
	keys []string
	vals []*jnode
	raw  json.RawMessage
}

func parseJSON(text string) (*jnode, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return n, nil
}

func parseNode(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &jnode{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &jnode{kind: 'a'}
			for dec.More() {
				v, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		raw, err := json.Marshal(t)
		return &jnode{kind: 's', raw: raw}, err
	}
}

// writeSorted prints n as compact JSON with every object's keys in
// ordinal order.
func writeSorted(b *bytes.Buffer, n *jnode) {
	switch n.kind {
	case 'o':
		idx := make([]int, len(n.keys))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(i, j int) bool { return n.keys[idx[i]] < n.keys[idx[j]] })
		b.WriteByte('{')
		for i, k := range idx {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, n.keys[k])
			b.WriteByte(':')
			writeSorted(b, n.vals[k])
		}
		b.WriteByte('}')
	case 'a':
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			writeSorted(b, v)
		}
		b.WriteByte(']')
	default:
		if len(n.raw) > 0 && n.raw[0] == '"' {
			var s string
			_ = json.Unmarshal(n.raw, &s)
			writeJSONString(b, s)
			return
		}
		b.Write(n.raw)
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

// dynamicToJSON is dynamic_to_json: the canonical text of a dynamic
// value, property bags with their keys sorted, so that equal values give
// equal strings. Null gives "".
func dynamicToJSON(args []arg) (any, error) {
	a := args[0]
	if a.null {
		return "", nil
	}
	n, err := parseJSON(a.text)
	if err != nil {
		return "", nil
	}
	var b bytes.Buffer
	writeSorted(&b, n)
	return b.String(), nil
}

// treepath lists the paths of a dynamic value: every property of a bag
// as ['key'], every array as [0], the paths of all its elements merged
// under [0]; in depth-first order, each path once.
func treepath(args []arg) (any, error) {
	a := args[0]
	if a.null {
		return nil, nil
	}
	n, err := parseJSON(a.text)
	if err != nil {
		return nil, nil
	}
	var out []string
	seen := map[string]bool{}
	var walk func(prefix string, n *jnode)
	walk = func(prefix string, n *jnode) {
		emit := func(p string) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		switch n.kind {
		case 'o':
			for i, k := range n.keys {
				p := prefix + "['" + k + "']"
				emit(p)
				walk(p, n.vals[i])
			}
		case 'a':
			if len(n.vals) == 0 {
				return
			}
			p := prefix + "[0]"
			emit(p)
			for _, v := range n.vals {
				walk(p, v)
			}
		}
	}
	walk("", n)
	if out == nil {
		out = []string{}
	}
	j, err := json.Marshal(out)
	return string(j), err
}

// ---- compression ----

// decompress is zlib_decompress_from_base64_string and
// gzip_decompress_from_base64_string: base64, then zlib or gzip; input
// that is not valid in either way, or not UTF-8 once decompressed, gives
// "".
func decompress(a arg, gz bool) (any, error) {
	s, ok := a.text1()
	if !ok {
		return nil, nil
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", nil
	}
	var r io.ReadCloser
	if gz {
		r, err = gzip.NewReader(bytes.NewReader(raw))
	} else {
		r, err = zlib.NewReader(bytes.NewReader(raw))
	}
	if err != nil {
		return "", nil
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, 1<<28))
	if err != nil || !utf8.Valid(out) {
		return "", nil
	}
	return string(out), nil
}

// weightedPercentiles is the aggregate behind percentilew, percentilesw
// and the percentile array forms: args are the group's [value, weight]
// pairs, the percentiles, and whether the values are integers. Each
// percentile p is the smallest value whose cumulative weight reaches p%
// of the total (nearest rank); null weights, and weights below 1, count
// for nothing. The result is a JSON array, one element a percentile.
func weightedPercentiles(args []arg) (any, error) {
	var pairs [][2]float64
	if !args[0].null {
		if err := json.Unmarshal([]byte(args[0].text), &pairs); err != nil {
			// null weights arrive as null elements
			var raw [][2]*float64
			if err := json.Unmarshal([]byte(args[0].text), &raw); err != nil {
				return nil, fmt.Errorf("__percentiles: %v", err)
			}
			for _, r := range raw {
				if r[0] != nil && r[1] != nil {
					pairs = append(pairs, [2]float64{*r[0], *r[1]})
				}
			}
		}
	}
	var ps []float64
	if err := json.Unmarshal([]byte(args[1].text), &ps); err != nil {
		return nil, fmt.Errorf("__percentiles: %v", err)
	}
	asInt := args[2].text == "true"
	kept := pairs[:0]
	total := 0.0
	for _, p := range pairs {
		if p[1] >= 1 && !math.IsNaN(p[0]) {
			kept = append(kept, p)
			total += p[1]
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i][0] < kept[j][0] })
	out := make([]float64, len(ps))
	for k, p := range ps {
		if len(kept) == 0 {
			out[k] = math.NaN()
			continue
		}
		need := p / 100 * total
		out[k] = kept[len(kept)-1][0]
		cum := 0.0
		for _, v := range kept {
			cum += v[1]
			if cum >= need {
				out[k] = v[0]
				break
			}
		}
	}
	return jsonArray(out, asInt), nil
}
