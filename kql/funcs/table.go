package funcs

// The catalog. Signatures use KQL type names; "any" accepts every scalar,
// "num" every numeric type, "integer" int or long; [x] is optional and
// x... repeats. Templates are DuckDB SQL; '@name' names a generator in the
// dialect (sqlgen), used where the SQL depends on argument types.

func init() {
	// Arithmetic.
	op("+", "num, num -> num; datetime, timespan -> datetime; timespan, datetime -> datetime; timespan, timespan -> timespan", "({0} + {1})")
	op("-", "num, num -> num; datetime, datetime -> timespan; datetime, timespan -> datetime; timespan, timespan -> timespan", "({0} - {1})")
	op("*", "num, num -> num; timespan, num -> timespan; num, timespan -> timespan", "({0} * {1})")
	op("/", "num, num -> num; timespan, timespan -> real; timespan, num -> timespan", "@div")
	op("%", "num, num -> num", "@mod")
	op("neg", "num -> T0; timespan -> timespan", "(-{0})")

	// Comparison. == and != follow Kusto's null rules (two nulls give
	// null, one null gives false for == and true for !=).
	op("==", "any, any -> bool", "@eq")
	op("!=", "any, any -> bool", "@ne")
	op("<", "any, any -> bool", "({0} < {1})")
	op("<=", "any, any -> bool", "({0} <= {1})")
	op(">", "any, any -> bool", "({0} > {1})")
	op(">=", "any, any -> bool", "({0} >= {1})")
	op("=~", "string, string -> bool", "@ci")
	op("!~", "string, string -> bool", "@ci")
	op("and", "bool, bool -> bool", "({0} AND {1})")
	op("or", "bool, bool -> bool", "({0} OR {1})")

	// String operators. has and its relatives match whole terms (runs of
	// letters and digits); contains, startswith and endswith match
	// substrings. Without _cs they ignore case.
	for _, o := range []string{"has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs"} {
		op(o, "string, string -> bool", "@term")
		op("!"+o, "string, string -> bool", "@term")
	}
	op("contains", "string, string -> bool", "@ci")
	op("!contains", "string, string -> bool", "@ci")
	op("contains_cs", "string, string -> bool", "contains({0}, {1})")
	op("!contains_cs", "string, string -> bool", "(NOT contains({0}, {1}))")
	op("startswith", "string, string -> bool", "@ci")
	op("!startswith", "string, string -> bool", "@ci")
	op("startswith_cs", "string, string -> bool", "starts_with({0}, {1})")
	op("!startswith_cs", "string, string -> bool", "(NOT starts_with({0}, {1}))")
	op("endswith", "string, string -> bool", "@ci")
	op("!endswith", "string, string -> bool", "@ci")
	op("endswith_cs", "string, string -> bool", "suffix({0}, {1})")
	op("!endswith_cs", "string, string -> bool", "(NOT suffix({0}, {1}))")
	op("matches regex", "string, string -> bool", "regexp_matches({0}, {1})")
	// Set operators: the first argument is the value, the rest the list.
	op("in", "any, any... -> bool", "@in")
	op("!in", "any, any... -> bool", "@in")
	op("in~", "string, string... -> bool", "@in")
	op("!in~", "string, string... -> bool", "@in")
	op("has_any", "string, string... -> bool", "@hasany")
	op("has_all", "string, string... -> bool", "@hasany")

	// Logical and null tests.
	fn("not", NameNone, "bool -> bool", "(NOT {0})")
	fn("isnull", NameNone, "any -> bool", "({0} IS NULL)")
	fn("isnotnull", NameNone, "any -> bool", "({0} IS NOT NULL)", "notnull")
	fn("isempty", NameNone, "any -> bool", "@isempty")
	fn("isnotempty", NameNone, "any -> bool", "@isempty", "notempty")
	fn("iff", NameNone, "bool, any, any -> T1", "(CASE WHEN {0} THEN {1} ELSE {2} END)", "iif")
	fn("case", NameNone, "bool, any, any... -> T1", "@case")
	fn("coalesce", NameNone, "any, any... -> T0", "@coalesce")

	// Conversions: lowered by the binder to plan.Convert.
	fn("tostring", NameArg0, "any -> string", "@convert")
	fn("toint", NameArg0, "any -> int", "@convert")
	fn("tolong", NameArg0, "any -> long", "@convert")
	fn("todouble", NameArg0, "any -> real", "@convert", "toreal")
	fn("todecimal", NameArg0, "any -> decimal", "@convert")
	fn("tobool", NameArg0, "any -> bool", "@convert", "toboolean")
	fn("todatetime", NameArg0, "any -> datetime", "@convert")
	fn("totimespan", NameArg0, "any -> timespan", "@convert", "totime")
	fn("toguid", NameArg0, "any -> guid", "@convert")
	fn("todynamic", NameArg0, "any -> dynamic", "@convert", "parse_json", "parsejson", "toobject")

	// Time. now() and ago() are folded by the binder (Options.Now).
	fn("now", NameNone, "[timespan] -> datetime", "@now")
	fn("ago", NameNone, "timespan -> datetime", "@now")
	fn("bin", NameArg0, "num, num -> T0; datetime, timespan -> datetime; timespan, timespan -> timespan", "@bin", "floor")
	// bin_auto is bound as bin or bin_at with the query's
	// query_bin_auto_size and query_bin_auto_at (set statements).
	fn("bin_auto", NameArg0, "any -> T0", "@bin")
	fn("bin_at", NameArg0, "datetime, timespan, datetime -> datetime; num, num, num -> T0; timespan, timespan, timespan -> timespan", "@bin")
	for _, p := range []string{"day", "week", "month", "year"} {
		fn("startof"+p, NameNone, "datetime, [integer] -> datetime", "@startof")
		fn("endof"+p, NameNone, "datetime, [integer] -> datetime", "@startof")
	}
	fn("week_of_year", NameNone, "datetime -> int", "CAST(weekofyear({0}) AS INTEGER)")
	fn("dayofweek", NameNone, "datetime -> timespan", "to_days(CAST(dayofweek({0}) AS INTEGER))")
	fn("dayofmonth", NameNone, "datetime -> int", "CAST(day({0}) AS INTEGER)")
	fn("dayofyear", NameNone, "datetime -> int", "CAST(dayofyear({0}) AS INTEGER)")
	fn("hourofday", NameNone, "datetime -> int", "CAST(hour({0}) AS INTEGER)")
	fn("monthofyear", NameNone, "datetime -> int", "CAST(month({0}) AS INTEGER)", "getmonth")
	fn("getyear", NameNone, "datetime -> int", "CAST(year({0}) AS INTEGER)")
	fn("datetime_diff", NameNone, "string, datetime, datetime -> long", "@datetime_diff")
	fn("datetime_add", NameNone, "string, integer, datetime -> datetime", "@datetime_add")
	fn("datetime_part", NameNone, "string, datetime -> int", "@datetime_part", "datepart")
	fn("make_timespan", NameNone, "integer, integer, [num], [num] -> timespan", "@make_timespan")
	// Local to UTC subtracts the zone's offset at the instant ICU maps the
	// local time to: the same instant except in a spring-forward gap, where
	// Kusto (like the offset after the change) gives the earlier instant.
	fn("datetime_local_to_utc", NameNone, "datetime, string -> datetime", "({0} - (timezone({1}, timezone({1}, {0})) - CAST(timezone({1}, {0}) AS TIMESTAMP)))")
	fn("datetime_utc_to_local", NameNone, "datetime, string -> datetime", "timezone({1}, CAST({0} AS TIMESTAMPTZ))")
	fn("make_datetime", NameNone, "integer, integer, integer, [integer], [integer], [real] -> datetime", "@make_datetime")
	fn("unixtime_seconds_todatetime", NameNone, "num -> datetime", "make_timestamp(CAST(round({0} * 1000000) AS BIGINT))")
	fn("unixtime_milliseconds_todatetime", NameNone, "num -> datetime", "make_timestamp(CAST(round({0} * 1000) AS BIGINT))")
	fn("unixtime_microseconds_todatetime", NameNone, "num -> datetime", "make_timestamp(CAST(round({0}) AS BIGINT))")
	fn("unixtime_nanoseconds_todatetime", NameNone, "num -> datetime", "make_timestamp(CAST(round({0} / 1000) AS BIGINT))")

	// Strings. Positions and lengths count UTF-16 code units, as in
	// Kusto (.NET strings).
	fn("strlen", NameNone, "string -> long", "@strlen")
	fn("string_size", NameNone, "string -> long", "CAST(strlen({0}) AS BIGINT)")
	fn("substring", NameNone, "string, integer, [integer] -> string", "@substring")
	fn("indexof", NameNone, "string, string, [integer], [integer], [integer] -> long", "@indexof")
	fn("strcat", NameNone, "tostr, tostr... -> string", "concat({*})")
	fn("strcat_delim", NameNone, "tostr, tostr, tostr... -> string", "@strcat_delim")
	fn("tolower", NameNone, "string -> string", "lower({0})")
	fn("toupper", NameNone, "string -> string", "upper({0})")
	fn("trim", NameNone, "string, string -> string", "@trim")
	fn("trim_start", NameNone, "string, string -> string", "@trim")
	fn("trim_end", NameNone, "string, string -> string", "@trim")
	fn("reverse", NameNone, "tostr -> string", "reverse({0})")
	fn("replace_string", NameNone, "string, string, string -> string", "replace({0}, {1}, {2})")
	fn("replace_strings", NameNone, "string, dynamic, dynamic -> string", "@replace_strings")
	fn("replace_regex", NameNone, "string, string, string -> string", "regexp_replace({0}, {1}, {2}, 'g')")
	fn("replace", NameNone, "string, string, string -> string", "regexp_replace({2}, {0}, {1}, 'g')")
	fn("extract", NameNone, "string, integer, string, [any] -> string", "@extract")
	fn("extract_all", NameNone, "string, string -> dynamic", "@extract_all")
	fn("split", NameNone, "string, string, [integer] -> dynamic", "@split")
	fn("strcmp", NameNone, "string, string -> int", "(CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 ELSE 0 END)")
	fn("countof", NameNone, "string, string, [string] -> long", "@countof")
	fn("base64_encode_tostring", NameNone, "string -> string", "to_base64(encode({0}))", "base64_encodestring")
	// Byte arrays are dynamic arrays of ints 0-255; invalid base64 gives null.
	fn("base64_decode_toarray", NameNone, "string -> dynamic", "(CASE WHEN TRY(from_base64({0})) IS NOT NULL THEN to_json(list_transform(range(0, octet_length(coalesce(TRY(from_base64({0})), CAST('' AS BLOB)))), __b -> CAST(('0x' || substr(hex(coalesce(TRY(from_base64({0})), CAST('' AS BLOB))), 2 * __b + 1, 2)) AS INTEGER))) END)")
	fn("base64_encode_fromarray", NameNone, "dynamic -> string", "coalesce(to_base64(unhex(array_to_string(list_transform(CAST(json_extract({0}, '$[*]') AS JSON[]), __b -> lpad(to_hex(CAST(__b AS INTEGER)), 2, '0')), ''))), '')")
	fn("format_bytes", NameNone, "num, [integer], [string] -> string", "@format_bytes")
	fn("base64_decode_tostring", NameNone, "string -> string", "coalesce(TRY(decode(from_base64({0}))), '')", "base64_decodestring")
	// .NET's HttpUtility.UrlEncode (Go): lower-case hex, '+' for a space
	// in url_encode, %20 in url_encode_component.
	fn("url_encode", NameNone, "string -> string", GoTemplate)
	fn("url_encode_component", NameNone, "string -> string", GoTemplate)
	fn("url_decode", NameNone, "string -> string", "url_decode({0})")
	fn("hash_sha256", NameNone, "any -> string", "@hash_text")
	fn("hash_md5", NameNone, "any -> string", "@hash_text")
	fn("new_guid", NameNone, " -> guid", "uuid()").Volatile = true
	fn("strrep", NameNone, "tostr, integer, [string] -> string", "@strrep")
	fn("isascii", NameNone, "string -> bool", "(strlen({0}) = length({0}))")
	fn("isutf8", NameNone, "string -> bool", "TRUE")
	fn("unicode_codepoints_from_string", NameNone, "string -> dynamic", "to_json(list_transform(string_split({0}, ''), c -> unicode(c)))")
	fn("unicode_codepoints_to_string", NameNone, "any, any... -> string", "@codepoints")
	fn("translate", NameNone, "string, string, string -> string", "@translate")
	fn("regex_quote", NameNone, "string -> string", "regexp_escape({0})")
	fn("tohex", NameNone, "integer, [integer] -> string", "@tohex")
	fn("hash_sha1", NameNone, "any -> string", "@hash_text")
	fn("indexof_regex", NameNone, "string, string, [integer], [integer], [integer] -> long", "@indexof_regex")

	// Math.
	fn("abs", NameNone, "num -> T0; timespan -> timespan", "abs({0})")
	fn("round", NameNone, "num, [integer] -> T0", "@round")
	fn("ceiling", NameNone, "num -> T0", "ceil({0})")
	fn("sqrt", NameNone, "num -> real", "sqrt({0})")
	fn("exp", NameNone, "num -> real", "exp({0})")
	fn("log", NameNone, "num -> real", "ln({0})")
	fn("log10", NameNone, "num -> real", "log10({0})")
	fn("log2", NameNone, "num -> real", "log2({0})")
	fn("pow", NameNone, "num, num -> real", "pow({0}, {1})")
	fn("sign", NameNone, "num -> T0", "sign({0})")
	fn("rand", NameNone, "[num] -> real", "random()").Volatile = true
	fn("isnan", NameNone, "num -> bool", "isnan({0})")
	fn("isfinite", NameNone, "num -> bool", "isfinite({0})")
	fn("isinf", NameNone, "num -> bool", "isinf({0})")
	fn("exp2", NameNone, "num -> real", "pow(2, {0})")
	fn("exp10", NameNone, "num -> real", "pow(10, {0})")
	fn("degrees", NameNone, "num -> real", "degrees({0})")
	fn("radians", NameNone, "num -> real", "radians({0})")
	fn("pi", NameNone, " -> real", "pi()")
	fn("sin", NameNone, "num -> real", "sin({0})")
	fn("cos", NameNone, "num -> real", "cos({0})")
	fn("tan", NameNone, "num -> real", "tan({0})")
	fn("asin", NameNone, "num -> real", "asin({0})")
	fn("acos", NameNone, "num -> real", "acos({0})")
	fn("atan", NameNone, "num -> real", "atan({0})")
	fn("atan2", NameNone, "num, num -> real", "atan2({0}, {1})")
	fn("cot", NameNone, "num -> real", "cot({0})")
	fn("gamma", NameNone, "num -> real", "gamma({0})")
	fn("loggamma", NameNone, "num -> real", "lgamma({0})")
	fn("binary_and", NameNone, "integer, integer -> long", "(CAST({0} AS BIGINT) & CAST({1} AS BIGINT))")
	fn("binary_or", NameNone, "integer, integer -> long", "(CAST({0} AS BIGINT) | CAST({1} AS BIGINT))")
	fn("binary_xor", NameNone, "integer, integer -> long", "xor(CAST({0} AS BIGINT), CAST({1} AS BIGINT))")
	fn("binary_not", NameNone, "integer -> long", "(~CAST({0} AS BIGINT))")
	fn("binary_shift_left", NameNone, "integer, integer -> long", "(CAST({0} AS BIGINT) << CAST({1} AS INTEGER))")
	fn("binary_shift_right", NameNone, "integer, integer -> long", "(CAST({0} AS BIGINT) >> CAST({1} AS INTEGER))")
	fn("bitset_count_ones", NameNone, "integer -> long", "CAST(bit_count(CAST({0} AS BIGINT)) AS BIGINT)")
	fn("max_of", NameNone, "any, any... -> T0", "greatest({*})")
	fn("min_of", NameNone, "any, any... -> T0", "least({*})")

	// Geolocation from a MaxMind-format database the store registers as
	// the SQL function quarry_geo_info_from_ip_address (store.GeoIPFunc),
	// returning the bag's JSON text or NULL.
	fn("geo_info_from_ip_address", NameNone, "string -> dynamic", "CAST(quarry_geo_info_from_ip_address(CAST({0} AS VARCHAR)) AS JSON)").Requires = RequiresGeoIP

	// IPv4.
	fn("parse_ipv4", NameNone, "string -> long", "@ipv4")
	// IPv6: IPv4 addresses compare as IPv4-mapped IPv6 (::ffff:a.b.c.d).
	fn("parse_ipv6", NameNone, "string -> string", "@ipv6")
	fn("parse_ipv6_mask", NameNone, "string, integer -> string", "@ipv6")
	fn("ipv6_compare", NameNone, "string, string, [integer] -> long", "@ipv6")
	fn("ipv6_is_match", NameNone, "string, string, [integer] -> bool", "@ipv6")
	fn("ipv6_is_in_range", NameNone, "string, string -> bool", "@ipv6")
	fn("ipv6_is_in_any_range", NameNone, "string, any... -> bool", "@ipv6")
	fn("parse_ipv4_mask", NameNone, "string, integer -> long", "@ipv4")
	fn("ipv4_is_in_range", NameNone, "string, string -> bool", "@ipv4")
	fn("ipv4_is_in_any_range", NameNone, "string, any... -> bool", "@ipv4")
	fn("ipv4_is_private", NameNone, "string -> bool", "@ipv4")
	fn("ipv4_compare", NameNone, "string, string, [integer] -> long", "@ipv4")
	fn("ipv4_is_match", NameNone, "string, string, [integer] -> bool", "@ipv4")
	fn("format_ipv4", NameNone, "string, [integer] -> string", "@ipv4")
	fn("format_ipv4_mask", NameNone, "string, [integer] -> string", "@ipv4")
	fn("has_ipv4", NameNone, "string, string -> bool", "@ipv4")
	fn("has_any_ipv4", NameNone, "string, any... -> bool", "@ipv4")
	fn("has_ipv4_prefix", NameNone, "string, string -> bool", "@ipv4")
	fn("has_any_ipv4_prefix", NameNone, "string, any... -> bool", "@ipv4")

	// Dynamic.
	fn("array_length", NameNone, "dynamic -> long", "(CASE WHEN json_type({0}) = 'ARRAY' THEN CAST(json_array_length({0}) AS BIGINT) END)")
	fn("pack_array", NameNone, "any... -> dynamic", "@pack_array")
	fn("bag_pack", NameNone, "any... -> dynamic", "@bag_pack", "pack", "pack_dictionary")
	fn("strcat_array", NameNone, "dynamic, string -> string", "@strcat_array")
	fn("bag_keys", NameNone, "dynamic -> dynamic", "to_json(json_keys({0}))")
	fn("array_concat", NameNone, "dynamic, dynamic... -> dynamic", "@array_concat")
	fn("array_index_of", NameNone, "dynamic, any, [integer], [integer], [integer] -> long", "@array_index_of")
	fn("set_has_element", NameNone, "dynamic, any -> bool", "@set_has_element")
	// Canonical text: property bags with their keys sorted (Go).
	fn("dynamic_to_json", NameNone, "dynamic -> string", GoTemplate)
	fn("array_reverse", NameNone, "dynamic -> dynamic", "to_json(list_reverse(json_extract({0}, '$[*]')))")
	fn("array_slice", NameNone, "dynamic, integer, integer -> dynamic", "@array_slice")
	fn("array_sum", NameNone, "dynamic -> real", "list_sum(CAST(json_extract({0}, '$[*]') AS DOUBLE[]))")
	// A key starting with '$' is a JSONPath to a nested key.
	fn("bag_has_key", NameNone, "dynamic, string -> bool", "coalesce(CASE WHEN starts_with({1}, '$') THEN TRY(json_exists({0}, {1})) ELSE json_exists({0}, '$.\"' || replace(replace({1}, '\\', '\\\\'), '\"', '\\\"') || '\"') END, FALSE)")
	fn("bag_zip", NameNone, "dynamic, dynamic -> dynamic", "@bag_zip")
	fn("range", NameNone, "any, any, [any] -> dynamic", "@range")
	fn("pack_all", NameNone, "[bool] -> dynamic", "@pack_all")
	// Internal: bag_pack leaving out null and empty values (pack_all(true)).
	fn("__bag_pack_nonempty", NameNone, "any... -> dynamic", "@bag_pack")
	fn("jaccard_index", NameNone, "dynamic, dynamic -> real", "@setop")
	fn("set_union", NameNone, "dynamic, dynamic... -> dynamic", "@setop")
	fn("set_intersect", NameNone, "dynamic, dynamic... -> dynamic", "@setop")
	fn("set_difference", NameNone, "dynamic, dynamic... -> dynamic", "@setop")
	fn("array_rotate_left", NameNone, "dynamic, integer -> dynamic", "@rotate")
	fn("array_rotate_right", NameNone, "dynamic, integer -> dynamic", "@rotate")
	fn("array_split", NameNone, "dynamic, dynamic -> dynamic; dynamic, integer -> dynamic", "@array_split")
	fn("has_any_index", NameNone, "string, dynamic -> long", "@has_any_index")
	fn("bag_set_key", NameNone, "dynamic, string, any -> dynamic", "@bag_keys")
	fn("bag_remove_keys", NameNone, "dynamic, dynamic -> dynamic", "@bag_keys")
	fn("bag_merge", NameNone, "dynamic, dynamic... -> dynamic", "@bag_merge")
	for _, k := range []string{"length", "mass", "speed", "volume", "force", "energy", "angle", "area", "temperature"} {
		fn("convert_"+k, NameNone, "num, string, string -> real", "@convert_unit")
	}
	fn("extract_json", NameNone, "string, string -> string", "coalesce(CASE WHEN json_valid({1}) THEN json_extract_string(CAST({1} AS JSON), {0}) END, '')", "extractjson")
	fn("zip", NameNone, "dynamic, dynamic... -> dynamic", "@zip")
	fn("array_iff", NameNone, "dynamic, any, any -> dynamic", "@array_iff", "array_iif")
	fn("format_timespan", NameNone, "timespan, string -> string", "@format_timespan")
	fn("format_datetime", NameNone, "datetime, string -> string", "@format_datetime")
	// Window functions over serialized rows (extend and project only).
	fn("row_number", NameNone, "[integer], [bool] -> long", "@window")
	fn("prev", NameNone, "any, [integer], [any] -> T0", "@window")
	fn("next", NameNone, "any, [integer], [any] -> T0", "@window")
	fn("row_cumsum", NameNone, "num, [bool] -> T0", "@window")
	fn("parse_urlquery", NameNone, "string -> dynamic", "@parse_urlquery")
	fn("parse_url", NameNone, "string -> dynamic", "@parse_url")
	fn("gettype", NameNone, "any -> string", "@gettype")

	// Internal: capture group n of a regular expression, "" when no match
	// (parse).
	fn("__regex_group", NameNone, "string, string, long -> string", "@regex_group")

	// Tabular helpers lowered by the binder.
	fn("toscalar", NameNone, "any -> T0", "@toscalar")
	fn("materialize", NameNone, "any -> T0", "@materialize")
	fn("column_ifexists", NameNone, "string, any -> T1", "@column_ifexists")

	// Aggregates.
	agg("count", "count", " -> long; any -> long", "@count")
	agg("countif", "countif", "bool -> long", "coalesce(count_if({0}), 0)")
	agg("dcount", "dcount", "any, [integer] -> long", "count(DISTINCT {0})")
	agg("dcountif", "dcountif", "any, bool, [integer] -> long", "count(DISTINCT CASE WHEN {1} THEN {0} END)")
	agg("count_distinct", "count_distinct", "any -> long", "count(DISTINCT {0})")
	agg("sum", "sum", "integer -> long; real -> real; decimal -> decimal; timespan -> timespan", "@sum")
	agg("sumif", "sumif", "integer, bool -> long; real, bool -> real; decimal, bool -> decimal; timespan, bool -> timespan", "@sum")
	// avg over no rows at all is NaN (0/0), as the summarize page shows.
	agg("avg", "avg", "num -> real; timespan -> timespan; datetime -> datetime", "@avg")
	agg("avgif", "avgif", "num, bool -> real", "avg({0}) FILTER (WHERE {1})")
	agg("min", "min", "any -> T0", "min({0})")
	agg("max", "max", "any -> T0", "max({0})")
	agg("minif", "minif", "any, bool -> T0", "min({0}) FILTER (WHERE {1})")
	agg("maxif", "maxif", "any, bool -> T0", "max({0}) FILTER (WHERE {1})")
	// variance, stdev and their if forms (and sum, sumif) give 0 over no
	// rows at all: the summarize page's table of default values.
	agg("stdev", "stdev", "num -> real", "@zero_default")
	agg("stdevif", "stdevif", "num, bool -> real", "@zero_default")
	agg("varianceif", "varianceif", "num, bool -> real", "@zero_default")
	agg("covariance", "covariance", "num, num -> real", "covar_samp({0}, {1})")
	agg("covariancep", "covariancep", "num, num -> real", "covar_pop({0}, {1})")
	agg("covarianceif", "covarianceif", "num, num, bool -> real", "covar_samp({0}, {1}) FILTER (WHERE {2})")
	agg("stdevp", "stdevp", "num -> real", "stddev_pop({0})")
	agg("stdevpif", "stdevpif", "num, bool -> real", "stddev_pop({0}) FILTER (WHERE {1})")
	agg("variancepif", "variancepif", "num, bool -> real", "var_pop({0}) FILTER (WHERE {1})")
	agg("binary_all_and", "binary_all_and", "integer -> long", "CAST(bit_and({0}) AS BIGINT)")
	agg("binary_all_or", "binary_all_or", "integer -> long", "CAST(bit_or({0}) AS BIGINT)")
	agg("binary_all_xor", "binary_all_xor", "integer -> long", "CAST(bit_xor({0}) AS BIGINT)")
	agg("variance", "variance", "num -> real", "@zero_default")
	agg("variancep", "variancep", "num -> real", "var_pop({0})")
	agg("take_any", "any", "any, any... -> T0", "any_value({0})", "any")
	agg("make_set", "set", "any, [integer] -> dynamic", "@make_set", "makeset")
	agg("make_set_if", "set", "any, bool, [integer] -> dynamic", "@make_set")
	agg("make_list", "list", "any, [integer] -> dynamic", "@make_list", "makelist")
	agg("make_list_with_nulls", "list", "any -> dynamic", "coalesce(to_json(list({0})), CAST('[]' AS JSON))")
	agg("make_list_if", "list", "any, bool, [integer] -> dynamic", "@make_list")
	agg("make_bag", "bag", "dynamic, [integer] -> dynamic", "@make_bag")
	agg("make_bag_if", "bag", "dynamic, bool, [integer] -> dynamic", "@make_bag")
	agg("arg_max", "max", "any, any... -> T0", "@arg", "argmax")
	agg("arg_min", "min", "any, any... -> T0", "@arg", "argmin")
	agg("percentile", "percentile", "any, num -> T0", "@percentile")
	agg("percentiles", "percentile", "any, num... -> T0", "@percentile")
	// Weighted percentiles (nearest rank over the weights) and the array
	// forms; computed in Go over the group's values (store).
	agg("percentilew", "percentile", "num, integer, num -> T0", "@percentilew")
	agg("percentilesw", "percentile", "num, integer, num... -> T0", "@percentilew")
	agg("percentilesw_array", "percentile", "num, integer, any... -> dynamic", "@percentilew")
	agg("percentiles_array", "percentile", "num, any... -> dynamic", "@percentilew")
	// Sketches, kept exact: tdigest holds the group's distinct values and
	// their weights (percentiles and ranks read from it are exact nearest
	// ranks), hll the group's distinct values (dcount_hll is exact).
	agg("tdigest", "tdigest", "num, [integer] -> dynamic", "@tdigest")
	agg("tdigest_merge", "tdigest_merge", "dynamic -> dynamic", "@tdigest", "merge_tdigests")
	agg("hll", "hll", "any, [integer] -> dynamic", "@hll")
	agg("hll_if", "hll_if", "any, bool, [integer] -> dynamic", "@hll")
	agg("hll_merge", "hll_merge", "dynamic -> dynamic", "@hll")
	agg("buildschema", "schema", "dynamic -> dynamic", "@buildschema")
}
