package funcs

// Functions DuckDB has no counterpart for, implemented in Go (package
// gofunc) and called through the same SQL function as the series_*
// functions. Their template "@gofn" passes
// the function's name and every argument as JSON text, datetimes and
// timespans as microseconds (since the Unix epoch for datetimes).

// GoTemplate is the template of the functions implemented in Go.
const GoTemplate = "@gofn"

func gofn(name, s string, defaults ...any) *Func {
	f := fn(name, NameNone, s, GoTemplate)
	f.Defaults = defaults
	return f
}

func init() {
	// hash() is xxhash64 of the value's bytes; only the types whose bytes
	// are known to agree with Kusto (strings as UTF-8, datetimes as
	// ticks) are accepted.
	gofn("hash", "string, [integer] -> long; datetime, [integer] -> long")
	gofn("hash_xxhash64", "string, [integer] -> long; datetime, [integer] -> long")
	gofn("treepath", "dynamic -> dynamic")
	gofn("parse_path", "string -> dynamic")
	// Up to 32 digits: the SQL casts it to a decimal of scale 0.
	gofn("parse_version", "string -> decimal")
	// Reading the exact sketches (package gofunc).
	gofn("percentile_tdigest", "dynamic, num -> real")
	gofn("percentiles_array_tdigest", "dynamic, any... -> dynamic")
	gofn("rank_tdigest", "dynamic, num -> long")
	gofn("percentrank_tdigest", "dynamic, num -> real")
	gofn("merge_tdigest", "dynamic, dynamic... -> dynamic")
	gofn("__hll_intersect", "dynamic... -> long")
	fn("dcount_hll", NameNone, "dynamic -> long", "coalesce(CAST(json_array_length({0}) AS BIGINT), 0)")
	gofn("zlib_decompress_from_base64_string", "string -> string")
	gofn("gzip_decompress_from_base64_string", "string -> string")
	gofn("punycode_from_string", "string -> string")
	gofn("punycode_to_string", "string -> string")
	gofn("punycode_domain_to_string", "string -> string")
	gofn("punycode_domain_from_string", "string -> string")
	gofn("ipv4_range_to_cidr_list", "string, string -> dynamic")
	gofn("geo_point_to_geohash", "real, real, [integer] -> string", int64(5))
	gofn("geo_geohash_to_central_point", "string -> dynamic")
	gofn("geo_geohash_to_polygon", "string -> dynamic")
	gofn("geo_geohash_neighbors", "string -> dynamic")
	// On a sphere of radius 6,371,010 m.
	gofn("geo_distance_2points", "real, real, real, real -> real")
	gofn("geo_point_in_circle", "real, real, real, real, real -> bool")
	gofn("geo_azimuth", "real, real, real, real -> real")
	gofn("geo_angle", "real, real, real, real, real, real -> real")
	gofn("beta_cdf", "real, real, real -> real")
	gofn("beta_pdf", "real, real, real -> real")
	gofn("beta_inv", "real, real, real -> real")
	gofn("geo_from_wkt", "string -> dynamic")
	// S2 (the Go port of the S2 geometry library).
	gofn("geo_point_to_s2cell", "real, real, [integer] -> string", int64(11))
	gofn("geo_s2cell_to_central_point", "string -> dynamic")
	gofn("geo_s2cell_to_polygon", "string -> dynamic")
	gofn("geo_s2cell_neighbors", "string -> dynamic")
	gofn("geo_point_in_polygon", "real, real, dynamic -> bool")
	gofn("geo_polygon_area", "dynamic -> real")
	gofn("geo_polygon_perimeter", "dynamic -> real")
	gofn("geo_distance_point_to_line", "real, real, dynamic -> real")
	gofn("geo_distance_point_to_polygon", "real, real, dynamic -> real")
	gofn("geo_line_centroid", "dynamic -> dynamic")
	gofn("geo_line_interpolate_point", "dynamic, real -> dynamic")
	gofn("geo_line_locate_point", "dynamic, real, real -> real")
	gofn("geo_closest_point_on_line", "real, real, dynamic -> dynamic")
	gofn("geo_closest_point_on_polygon", "real, real, dynamic -> dynamic")
	gofn("geo_line_densify", "dynamic, [real], [bool] -> dynamic")
	gofn("geo_polygon_densify", "dynamic, [real], [bool] -> dynamic")
	gofn("geo_intersects_2lines", "dynamic, dynamic -> bool")
	gofn("geo_intersects_line_with_polygon", "dynamic, dynamic -> bool")
	gofn("geo_intersects_2polygons", "dynamic, dynamic -> bool")
	gofn("geo_intersection_2lines", "dynamic, dynamic -> dynamic")
	gofn("geo_union_lines_array", "dynamic -> dynamic")
	gofn("geo_intersection_line_with_polygon", "dynamic, dynamic -> dynamic")
	// H3 (Uber's library).
	gofn("geo_point_to_h3cell", "real, real, [integer] -> string", int64(6))
	gofn("geo_h3cell_to_central_point", "string -> dynamic")
	gofn("geo_h3cell_to_polygon", "string -> dynamic")
	gofn("geo_h3cell_level", "string -> int")
	gofn("geo_h3cell_parent", "string, [integer] -> string")
	gofn("geo_h3cell_children", "string, [integer] -> dynamic")
	gofn("geo_h3cell_rings", "string, integer -> dynamic")
	gofn("geo_h3cell_neighbors", "string -> dynamic")
}
