package compile

import (
	"strings"
	"testing"
)

// Each test quotes the KQL reference where it can; the reference is the
// spec, not intuition.

// "The string data type doesn't support null values." (null-values.md)
func TestStringsNeverNull(t *testing.T) {
	expect(t, `print a = tostring(int(null)), b = strcat("x", tostring(long(null))), c = isempty(""), d = isnull(""), e = extract("z(.)", 1, "abc")`,
		"a,b,c,d,e\n,x,true,false,")
}

// "Equality (==): Applying the equality operator to two null values yields
// bool(null). Applying the equality operator to a null value and a
// non-null value yields bool(false). Inequality (!=): ... two null values
// yields bool(null) ... a null value and a non-null value yields
// bool(true)." (null-values.md, with its example)
func TestNullComparisons(t *testing.T) {
	expect(t, `datatable(val:int)[5, int(null)]
| extend IsBiggerThan3 = val > 3
| extend IsBiggerThan3OrNull = val > 3 or isnull(val)
| extend IsEqualToNull = val == int(null)
| extend IsNotEqualToNull = val != int(null)`, `
val,IsBiggerThan3,IsBiggerThan3OrNull,IsEqualToNull,IsNotEqualToNull
5,true,true,false,true
,,true,,`)
	// "The where operator ... treats null values as bool(false)": the
	// row with a null ival passes `ival != 5` (null != 5 is true).
	expect(t, `datatable(ival:int, sval:string)[5, "a", int(null), "b"] | where ival != 5`, "ival,sval\n,b")
	expect(t, `datatable(ival:int, sval:string)[5, "a", int(null), "b"] | where ival == 5`, "ival,sval\n5,a")
}

// substring(): "startingIndex: The zero-based starting character position
// ... If a negative number, the substring will be retrieved from the end
// of the source string." Examples: substring("123456", 1) // 23456,
// substring("123456", 2, 2) // 34, substring("ABCD", 0, 2) // AB,
// substring("123456", -2, 2) // 56.
func TestSubstring(t *testing.T) {
	expect(t, `print a = substring("123456", 1), b = substring("123456", 2, 2), c = substring("ABCD", 0, 2), d = substring("123456", -2, 2), e = substring("abc", 10), f = substring("abc", -10, 2)`,
		"a,b,c,d,e,f\n23456,34,AB,56,,ab")
}

// indexof(): "Returns: The zero-based index position of lookup ... Returns
// -1 if the string isn't found in the input." Positions and lengths count
// UTF-16 code units, as .NET strings do: 😀 (U+1F600) is two units.
func TestIndexofAndUTF16(t *testing.T) {
	expect(t, `print a = indexof("abcdefg", "cde"), b = indexof("abcdefg", "xyz"), c = indexof("a😀b@c", "@"), d = strlen("😀"), e = substring("a😀b@c", 3), f = substring("a😀b@c", indexof("a😀b@c", "@") + 1), g = strlen("héllo")`,
		"a,b,c,d,e,f,g\n2,-1,4,2,b@c,c,5")
	// The hunt's form substring(s, indexof(s, "@") + 1) is printed as a
	// native cut after the match; the text is the same with characters
	// outside the BMP before the match, and without a match.
	expect(t, `datatable(s:string)["😀x@y😀z", "nomatch", "", "@", "a@"] | extend d = substring(s, indexof(s, "@") + 1), e = substring(s, indexof(s, "@") + 1, 3)`,
		"s,d,e\n😀x@y😀z,y😀z,y😀\nnomatch,nomatch,nom\n,,\n@,,\na@,,")
}

// "long/long" keeps integer arithmetic, truncating toward zero. Modulo is
// never negative: numerical-operators.md prints 14 % 12 = 2, -14 % 12 =
// 10, 14 % -12 = 2, -14 % -12 = 10.
func TestLongDivisionTruncates(t *testing.T) {
	expect(t, `print a = 7 / 2, b = -7 / 2, c = 7 % 3, d = -7 % 3, e = 7.0 / 2, f = 1 / 4`,
		"a,b,c,d,e,f\n3,-3,1,2,3.5,0")
	expect(t, `print plusPlus = 14 % 12, minusPlus = -14 % 12, plusMinus = 14 % -12, minusMinus = -14 % -12`,
		"plusPlus,minusPlus,plusMinus,minusMinus\n2,10,2,10")
}

// bin(): "Rounds values down to an integer multiple of a given bin size."
// Examples: bin(4.5, 1) → 4; bin(time(16d), 7d) → 14.00:00:00;
// bin(datetime(1970-05-11 13:45:07), 1d) → 1970-05-11T00:00:00Z. Datetime
// bins are aligned on 0001-01-01, a Monday, so 7d bins start on Mondays.
func TestBin(t *testing.T) {
	expect(t, `print a = bin(4.5, 1), b = bin(time(16d), 7d), c = bin(datetime(1970-05-11 13:45:07), 1d), d = bin(-1.5, 1), e = bin(-7, 5), f = bin(datetime(2024-01-03 10:00), 7d), g = bin(datetime(2024-01-03 10:00), 5d), h = floor(7, 5)`,
		"a,b,c,d,e,f,g,h\n4,14.00:00:00,1970-05-11T00:00:00Z,-2,-10,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,5")
	// 2024-01-01 is 738885 days after 0001-01-01, a multiple of 5.
	expect(t, `print a = bin(datetime(2024-01-05 23:59), 5d), b = bin(datetime(2024-01-06), 5d), c = bin(datetime(2024-01-03 10:17:00), 1h)`,
		"a,b,c\n2024-01-01T00:00:00Z,2024-01-06T00:00:00Z,2024-01-03T10:00:00Z")
}

// sort: "asc sorts into ascending order, low to high. Default is desc";
// "nulls first will place the null values at the beginning and nulls last
// will place the null values at the end. Default for asc is nulls first.
// Default for desc is nulls last."
func TestSortDefaults(t *testing.T) {
	q := `datatable(x:int)[1, int(null), 3]`
	expect(t, q+`| sort by x`, "x\n3\n1\n")
	expect(t, q+`| order by x asc`, "x\n\n1\n3")
	expect(t, q+`| sort by x desc nulls first`, "x\n\n3\n1")
	expect(t, q+`| top 2 by x`, "x\n3\n1")
}

// String operators: "has: Right-hand-side (RHS) is a whole term in
// left-hand-side (LHS)", case-insensitive; "contains: RHS occurs as a
// subsequence of LHS"; _cs variants are case-sensitive; == and in are
// case-sensitive, =~ and in~ are not; matches regex is case-sensitive.
func TestStringOperators(t *testing.T) {
	expect(t, `print a = "the quick brown" has "QUICK", b = "the quick brown" has "uic", c = "the quick brown" contains "UIC", d = "the quick brown" has_cs "QUICK", e = "the quick brown" contains_cs "UIC", f = "North America" has "america", g = "a.b-c" has "b"`,
		"a,b,c,d,e,f,g\ntrue,false,true,false,false,true,true")
	expect(t, `print a = "abc" == "ABC", b = "abc" =~ "ABC", c = "abc" !~ "ABC", d = "abc" in ("ABC"), e = "abc" in~ ("ABC"), f = "abc" !in ("x", "y"), g = "Abc" matches regex "a", h = "abc" startswith "AB", i = "abc" endswith_cs "C"`,
		"a,b,c,d,e,f,g,h,i\nfalse,true,false,false,true,true,false,true,false")
	// Literal needles with pattern characters, non-ASCII text and
	// computed needles take the general paths.
	expect(t, `print a = "a_b%c" contains "_b%", b = "axbyc" contains "_b%", c = "ÉTÉ" =~ "été", d = "ÉTÉ" contains "tÉ", e = "x" startswith "", f = "a_b" has "a_b", g = "Straße" endswith "SSE", h = "abc" !contains "B", i = "abc" !~ "ABC"`,
		"a,b,c,d,e,f,g,h,i\ntrue,false,true,true,true,true,false,false,false")
	expect(t, `print a = "hello world" hasprefix "wor", b = "hello world" hassuffix "llo", c = "hello world" hasprefix "orl", d = "alpha beta" has_any ("gamma", "BETA"), e = "alpha beta" has_all ("alpha", "gamma")`,
		"a,b,c,d,e\ntrue,true,false,true,false")
}

// join: "innerunique: ... Only one row from the left side is matched for
// each value of the on key"; the output keeps both key columns, the right
// one renamed Key1. Example from join-operator.md.
func TestJoinInnerUnique(t *testing.T) {
	r := run(t, `let X = datatable(Key:string, Value1:long) ['a',1, 'b',2, 'b',3, 'c',4];
let Y = datatable(Key:string, Value2:long) ['b',10, 'c',20, 'c',30, 'd',40];
X | join Y on Key | order by Value2 asc`)
	if got := strings.Join(r.cols, ","); got != "Key,Value1,Key1,Value2" {
		t.Errorf("columns %s", got)
	}
	if len(r.rows) != 3 {
		t.Fatalf("%d rows, want 3 (left side deduplicated by key): %v", len(r.rows), r.rows)
	}
	if r.rows[0][0] != "b" || r.rows[1][0] != "c" || r.rows[1][3] != "20" || r.rows[2][3] != "30" {
		t.Errorf("rows %v", r.rows)
	}
	expect(t, `let X = datatable(Key:string, Value1:long) ['a',1, 'b',2, 'b',3, 'c',4];
let Y = datatable(Key:string, Value2:long) ['b',10, 'c',20, 'c',30, 'd',40];
X | join kind=inner Y on Key | order by Value1 asc, Value2 asc`, `
Key,Value1,Key1,Value2
b,2,b,10
b,3,b,10
c,4,c,20
c,4,c,30`)
	expect(t, `let X = datatable(Key:string, Value1:long) ['a',1, 'b',2, 'b',3, 'c',4];
let Y = datatable(Key:string, Value2:long) ['b',10, 'c',20, 'c',30, 'd',40];
X | join kind=leftanti Y on Key`, "Key,Value1\na,1")
	expect(t, `let X = datatable(Key:string, Value1:long) ['a',1, 'b',2, 'b',3, 'c',4];
let Y = datatable(Key:string, Value2:long) ['b',10, 'c',20, 'c',30, 'd',40];
X | join kind=leftouter Y on $left.Key == $right.Key | where Key == "a"`, "Key,Value1,Key1,Value2\na,1,,")
}

// summarize: "If the input table is empty, the output depends on whether
// group-by columns are used: with none, the output is a single row" (count
// 0); with group-by columns, no rows.
func TestSummarizeEmpty(t *testing.T) {
	expect(t, `datatable(x:int, k:string)[] | summarize count(), dcount(x)`, "count_,dcount_x\n0,0")
	expect(t, `datatable(x:int, k:string)[] | summarize count() by k`, "k,count_")
	expect(t, `EmailEvents | count`, "Count\n0")
}

// Result naming: count() → count_, count(x)... dcount(x) → dcount_x, by
// bin(T, 1d) keeps T, unnamed expressions Column1..., print → print_0,
// duplicates get a numeric suffix.
func TestNaming(t *testing.T) {
	expect(t, `datatable(T:datetime, x:long)[datetime(2024-01-01 10:00), 5] | summarize count(), dcount(x), sum(x), make_set(x), make_list(x) by bin(T, 1d)`,
		"T,count_,dcount_x,sum_x,set_x,list_x\n2024-01-01T00:00:00Z,1,1,5,[5],[5]")
	expect(t, `print 1, 2, x = 3`, "print_0,print_1,x\n1,2,3")
	expect(t, `datatable(x:long)[5] | extend x * 2, strlen("ab") | project-away x`, "Column1,Column2\n10,2")
	expect(t, `datatable(x:long)[5] | summarize count(), count()`, "count_,count_1\n1,1")
	expect(t, `datatable(d:dynamic)[dynamic({"a":1})] | project d.a, tostring(d.a)`, "d_a,d_a1\n1,1")
}

// arg_max(ExprToMaximize, *): "Returns all columns of the row"; the by
// columns come first, then the maximised expression, then the others.
func TestArgMax(t *testing.T) {
	q := `datatable(k:string, t:long, v:string)["a", 1, "x", "a", 3, "y", "b", 2, "z"]`
	expect(t, q+`| summarize arg_max(t, *) by k | order by k asc`, "k,t,v\na,3,y\nb,2,z")
	expect(t, q+`| summarize arg_min(t, v) by k | order by k asc`, "k,t,v\na,1,x\nb,2,z")
	expect(t, q+`| summarize arg_max(t, v)`, "t,v\n3,y")
}

// percentile(x, 95) is named percentile_x_95; percentiles(x, 50, 95)
// gives one column per percentile. dcount counts distinct values.
func TestAggregates(t *testing.T) {
	expect(t, `range x from 1 to 100 step 1 | summarize percentile(x, 95), percentiles(x, 50, 99.5), dcount(x % 7), avg(x), min(x), max(x), countif(x > 90)`,
		"percentile_x_95,percentile_x_50,percentile_x_99_5,dcount_,avg_x,min_x,max_x,countif_\n95,50,100,7,50.5,1,100,10")
	expect(t, `datatable(x:string)["a", "b", "a"] | summarize s = make_set(x) | mv-expand s to typeof(string) | order by s asc`, "s\na\nb")
}

// Timespan arithmetic: datetime - datetime is a timespan, timespan /
// timespan a real, timespan * number a timespan.
func TestTimespanArithmetic(t *testing.T) {
	expect(t, `print a = datetime(2024-01-02) - datetime(2024-01-01 01:30), b = 1d / 1h, c = 2h * 3, d = datetime(2024-01-01) + 36h, e = -90m, f = 1d + 1ms, g = totimespan("1.02:03:04.5")`,
		"a,b,c,d,e,f,g\n22:30:00,24,06:00:00,2024-01-02T12:00:00Z,-01:30:00,1.00:00:00.0010000,1.02:03:04.5000000")
	expect(t, `print a = tostring(1d + 2h), b = tostring(datetime(2024-01-01 10:00:00.5)), c = tostring(datetime(2024-01-01))`,
		"a,b,c\n1.02:00:00,2024-01-01T10:00:00.5000000Z,2024-01-01T00:00:00.0000000Z")
}

// Dynamic values: property and index access, parse_json/todynamic,
// mv-expand ("null gives one row, an empty array gives no row").
func TestDynamic(t *testing.T) {
	expect(t, `print d = parse_json('{"a":{"b":[1,2,3]}, "s":"x"}') | project a = d.a.b[1], b = d["a"]["b"][-1], c = tostring(d.s), e = d.s, f = todynamic("[1]")[0], g = array_length(d.a.b), h = d.missing`,
		"a,b,c,e,f,g,h\n2,3,x,\"x\",1,3,")
	expect(t, `datatable(k:string, d:dynamic)["a", dynamic([1,2]), "b", dynamic(null), "c", dynamic([])] | mv-expand d | order by k asc`,
		"k,d\na,1\na,2\nb,")
	expect(t, `datatable(d:dynamic)[dynamic(["x","y"])] | mv-expand with_itemindex=i d to typeof(string)`,
		"d,i\nx,0\ny,1")
	expect(t, `print x = pack_array(1, "a"), y = bag_pack("k", 1), z = split("a,b,c", ",")[1]`, `x,y,z
[1,"a"],{"k":1},"b"`)
}

// let, materialize, toscalar, user-defined functions (scalar and tabular
// parameters), union withsource and isfuzzy.
func TestLetAndFunctions(t *testing.T) {
	expect(t, `let n = 2; let T = materialize(range x from 1 to 5 step 1); T | where x > n | summarize c = count()`, "c\n3")
	expect(t, `let m = toscalar(range x from 1 to 5 step 1 | summarize max(x)); print m * 2`, "print_0\n10")
	expect(t, `let f = (a:long, b:long = 10) { a + b }; print f(1), f(1, 2)`, "print_0,print_1\n11,3")
	expect(t, `let g = (T:(x:long), lim:long) { T | where x > lim }; g((range x from 1 to 5 step 1), 3) | count`, "Count\n2")
	expect(t, `let A = datatable(x:long)[1]; let B = datatable(x:long, y:string)[2, "b"]; union withsource=src A, B | order by x asc`, "src,x,y\nA,1,\nB,2,b")
	expect(t, `union isfuzzy=true (datatable(x:long)[1]), NoSuchTable | count`, "Count\n1")
	expect(t, `let big = (T:(*)) { T | where x > 1 }; datatable(x:long)[1, 2] | invoke big()`, "x\n2")
}

// now() and ago() are fixed per query by Options.Now.
func TestNowFixed(t *testing.T) {
	expect(t, `print a = now(), b = ago(1d), c = now() - ago(1h)`, "a,b,c\n2026-11-01T00:00:00Z,2026-10-31T00:00:00Z,01:00:00")
}

// make-series: "default: ... the corresponding element of the array will
// be assigned a DefaultValue"; bins run from `from` (inclusive) to `to`
// (exclusive) in steps; output is the by columns, the series, the axis.
func TestMakeSeries(t *testing.T) {
	expect(t, `datatable(T:datetime, k:string, v:long)[datetime(2024-01-01 01:00), "a", 1, datetime(2024-01-01 02:00), "a", 2, datetime(2024-01-03), "b", 5, datetime(2024-01-09), "b", 7]
| make-series s = sum(v) default = -1, count() on T from datetime(2024-01-01) to datetime(2024-01-04) step 1d by k
| order by k asc`, `k,s,count_,T
a,[3,-1,-1],[2,0,0],["2024-01-01T00:00:00.0000000Z","2024-01-02T00:00:00.0000000Z","2024-01-03T00:00:00.0000000Z"]
b,[-1,-1,5],[0,0,1],["2024-01-01T00:00:00.0000000Z","2024-01-02T00:00:00.0000000Z","2024-01-03T00:00:00.0000000Z"]`)
	expect(t, `range x from 1 to 5 step 1 | make-series c = count() on x from 0 to 6 step 2`, "c,x\n[1,2,2],[0,2,4]")
	// A real axis.
	expect(t, `range x from 1 to 20 step 1 | extend v = x * 0.5 | make-series c = count() on v from 0.0 to 10.0 step 2.5`,
		"c,v\n[4,5,5,5],[0.0,2.5,5.0,7.5]")
	// A null default (and a bin whose aggregate is null) is null in the
	// array, in its place.
	expect(t, `datatable(k:string, t:datetime, v:real)["a", datetime(2024-01-01), 1.0, "a", datetime(2024-01-01 05:00), real(null), "a", datetime(2024-01-01 13:00), 2.5]
| make-series sum(v) default=real(null), l = make_list(v) on t step 6h by k | project sum_v, l`, "sum_v,l\n[1.0,null,2.5,null],[[1.0],null,[2.5],null]")
}

// parse: the example of parse-operator.md (simple mode: "*" skips,
// columns capture up to the next literal, typed columns convert).
func TestParse(t *testing.T) {
	expect(t, `print s = "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)"
| parse s with * "resourceName=" resourceName ", totalSlices=" totalSlices:long * "sliceNumber=" sliceNumber:long * "lockTime=" lockTime ", releaseTime=" releaseTime:date "," * "previousLockTime=" previousLockTime:date ")" *
| project-away s`, `resourceName,totalSlices,sliceNumber,lockTime,releaseTime,previousLockTime
PipelineScheduler,27,23,02/17/2016 08:40:01,2016-02-17T08:40:01Z,2016-02-17T08:39:01Z`)
	expect(t, `datatable(s:string)["a=1", "b", "a=x"] | parse-where s with "a=" v:long`, "s,v\na=1,1")
	expect(t, `datatable(s:string)["a=1", "b"] | parse s with "a=" v`, "s,v\na=1,1\nb,")
}

// search: a bare string is a term looked up in every column; "*x*" is a
// substring. parse_url splits a URL (parse-url-function.md example
// fields). pack_all packs the row.
func TestSearchParseURLPackAll(t *testing.T) {
	q := `datatable(a:string, b:string, n:long)["alpha beta", "x", 1, "gamma", "delta-epsilon", 2, "zeta", "eta", 3]`
	expect(t, q+` | search "beta" or "EPSILON"`, "a,b,n\nalpha beta,x,1\ngamma,delta-epsilon,2")
	expect(t, q+` | search "*et*" and n > 1`, "a,b,n\nzeta,eta,3")
	expect(t, `print u = parse_url("https://user:pw@bing.com:8080/search/x?q=1&r=a%20b#frag")`,
		`u
{"Scheme":"https","Host":"bing.com","Port":"8080","Path":"/search/x","Username":"user","Password":"pw","Query Parameters":{"q":"1","r":"a b"},"Fragment":"frag"}`)
	expect(t, `print a = extractjson("$.hosts[1].name", '{"hosts":[{"name":"a"},{"name":"b"}]}'), b = extract_json("$.x", "not json")`, "a,b\nb,")
	expect(t, `datatable(a:string, n:long)["x", 1] | project b = pack_all()`, `b
{"a":"x","n":1}`)
}

// bag_unpack on data: the properties a query goes on to use are read from
// the bag; a query whose result would hold the unknown columns is not
// supported (Kusto finds them in the data).
func TestBagUnpackOnData(t *testing.T) {
	q := `datatable(s:string)['{"Phish":"URL detonation","Spam":"x"}', '{"Spam":"y"}'] | extend d = parse_json(s)`
	expect(t, q+` | evaluate bag_unpack(d) | summarize count() by Phish = tostring(column_ifexists('Phish', '')) | order by Phish asc`,
		"Phish,count_\n,1\nURL detonation,1")
	expect(t, q+` | evaluate bag_unpack(d) | where Spam has 'y' | project s`, `s
{"Spam":"y"}`)
	_, err := Compile(q+` | evaluate bag_unpack(d)`, Options{Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "not supported yet: evaluate bag_unpack on data") {
		t.Errorf("error %v", err)
	}
}

// Strings are never null, also where SQL would produce nulls: columns
// missing from one side of a union, unmatched rows of outer joins.
func TestStringsNeverNullInUnionAndJoin(t *testing.T) {
	expect(t, `union (datatable(a:long)[1]), (datatable(a:long, s:string)[2, "x"]) | where s == "" | project a`, "a\n1")
	expect(t, `datatable(k:long)[1, 2] | join kind=leftouter (datatable(k:long, s:string)[2, "x"]) on k | where isempty(s) | project k`, "k\n1")
	expect(t, `datatable(k:long)[1, 2] | join kind=leftouter (datatable(k:long, s:string)[2, "x"]) on k | where s != "x" | project k, k1`, "k,k1\n1,")
}

// Operators: lookup (one copy of the keys), distinct, project-rename,
// project-keep, union kind=inner, getschema, range, take, toscalar on an
// empty table (a string is "").
func TestOperators(t *testing.T) {
	expect(t, `datatable(k:string, v:long)["a", 1, "b", 2] | lookup (datatable(k:string, w:string)["a", "x"]) on k | order by k asc`, "k,v,w\na,1,x\nb,2,")
	expect(t, `datatable(k:string, v:long)["a", 1, "a", 1, "b", 2] | distinct k | order by k asc`, "k\na\nb")
	expect(t, `datatable(k:string, v:long)["a", 1] | project-rename key = k | project-keep v, key`, "key,v\na,1")
	expect(t, `union kind=inner (datatable(a:long, b:long)[1, 2]), (datatable(a:long, c:long)[3, 4]) | order by a asc`, "a\n1\n3")
	expect(t, `datatable(a:long, b:string)[] | getschema | project ColumnName, ColumnType`, "ColumnName,ColumnType\na,long\nb,string")
	expect(t, `range x from 1 to 10 step 3 | take 3`, "x\n1\n4\n7")
	expect(t, `range d from datetime(2024-01-01) to datetime(2024-01-02) step 12h`, "d\n2024-01-01T00:00:00Z\n2024-01-01T12:00:00Z\n2024-01-02T00:00:00Z")
	expect(t, `let e = toscalar(datatable(s:string)[] | project s); print x = e, y = isempty(e)`, "x,y\n,true")
	expect(t, `datatable(a:long, b:long)[1, 5, 2, 3, 3, 9] | top 2 by b asc`, "a,b\n2,3\n1,5")
}

// mv-apply with a row-by-row subquery (the form hunting queries use).
func TestMvApply(t *testing.T) {
	expect(t, `datatable(id:long, props:dynamic)[1, dynamic([{"Name":"IssuerUri","NewValue":"a"},{"Name":"X","NewValue":"b"}]), 2, dynamic([{"Name":"Y"}])]
| mv-apply mp = props on (where mp.Name == "IssuerUri" | extend Issuer = tostring(mp.NewValue))
| project id, Issuer`, "id,Issuer\n1,a")
	expect(t, `let tables = dynamic(["EmailEvents", "UrlClickEvents"]); datatable(Query:string)["EmailEvents | take 1", "print 1"]
| mv-apply t = tables to typeof(string) on (where Query contains t) | project t`, "t\nEmailEvents")
	// Aggregating and ordering subqueries run on each row's values apart
	// (mv-apply-operator.md's examples); the row's other columns come
	// first unless the subquery keeps them.
	data := `let _data = range x from 1 to 8 step 1 | summarize l=make_list(x) by xMod2 = x % 2;
_data `
	expect(t, data+`| mv-apply element=l to typeof(long) on (top 1 by element) | order by xMod2 asc`,
		"xMod2,l,element\n0,[2,4,6,8],8\n1,[1,3,5,7],7")
	expect(t, data+`| mv-apply l to typeof(long) on (top 2 by l | summarize SumOfTop2=sum(l)) | order by xMod2 asc`,
		"xMod2,SumOfTop2\n0,14\n1,12")
	expect(t, `datatable(id:long, a:dynamic)[1, dynamic([3,1,2]), 2, dynamic([5])] | mv-apply a to typeof(long) on (sort by a asc | take 2 | summarize s=make_list(a)) | order by id asc`,
		"id,s\n1,[1,2]\n2,[5]")
	_, err := Compile(`datatable(a:dynamic)[dynamic([1,2])] | mv-apply a on (distinct a)`, Options{Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "not supported yet: mv-apply whose subquery aggregates") {
		t.Errorf("error %v", err)
	}
}

// Stored tables named like the generated CTEs are read, not shadowed.
func TestTableNamedLikeCTE(t *testing.T) {
	st := mem(t)
	if _, err := st.DB.Exec(`CREATE OR REPLACE TABLE "q1" (x BIGINT); INSERT INTO "q1" VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	cat := catalogOf(map[string][]string{"q1": {"x:long"}})
	r, err := runKQL(st, `datatable(y:long)[1] | extend z = toscalar(q1 | project x)`, cat)
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != "y,z\n1,7" {
		t.Errorf("got %s", r)
	}
}

// format_datetime: examples of format-datetime-function.md.
func TestFormatDatetime(t *testing.T) {
	expect(t, `let dt = datetime(2017-01-29 09:00:05.123456);
print v1 = format_datetime(dt, 'yy-MM-dd [HH:mm:ss]'), v2 = format_datetime(dt, 'yyyy-M-dd [H:mm:ss]'), v3 = format_datetime(dt, 'yy-MM-dd [hh:mm:ss tt]'), v4 = format_datetime(dt, 'yyyy-MM-dd HH:mm:ss.fff'), v5 = format_datetime(dt, '100%')`,
		"v1,v2,v3,v4,v5\n17-01-29 [09:00:05],2017-1-29 [9:00:05],17-01-29 [09:00:05 AM],2017-01-29 09:00:05.123,100%")
}

// Window functions on serialized rows: row_number, prev, next, row_cumsum
// follow the order of the rows (after sort).
func TestWindowFunctions(t *testing.T) {
	expect(t, `datatable(x:long)[3, 1, 2] | sort by x asc | extend rn = row_number(), p = prev(x), n = next(x, 1, -1), c = row_cumsum(x)`,
		"x,rn,p,n,c\n1,1,,2,1\n2,2,1,3,3\n3,3,2,-1,6")
	_, err := Compile(`datatable(x:long)[1] | where prev(x) > 0`, Options{Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "not supported yet: prev() in where") {
		t.Errorf("error %v", err)
	}
}

// Datetimes keep microseconds, not Kusto's 100 ns ticks (see the package
// doc): the 7th fractional digit is truncated (make_datetime rounds its
// seconds to microseconds). If the store ever gains
// tick precision, this test fails and the package doc must change.
func TestDatetimeMicrosecondPrecision(t *testing.T) {
	expect(t, `print a = datetime(2017-10-30 01:02:03.7654321), b = datetime_part("nanosecond", datetime(2017-10-30 01:02:03.7654321)), c = make_datetime(2017,10,1,12,11,0.1234567), d = endofyear(datetime(2017-01-01))`,
		"a,b,c,d\n2017-10-30T01:02:03.7654320Z,765432000,2017-10-01T12:11:00.1234570Z,2017-12-31T23:59:59.9999990Z")
}

// Functions from the reference docs: replace_strings replaces all lookups
// at once (an earlier lookup wins an overlap; a non-string rewrite keeps
// the match, as does a missing one), make_timespan's three forms,
// jaccard_index over distinct elements, time-zone conversion both ways
// (a spring-forward gap maps to the earlier instant), make_list_with_nulls.
func TestDocFunctions(t *testing.T) {
	expect(t, `print a = replace_strings("cat dog", dynamic(["cat","dog"]), dynamic(["dog","pigeon"])), b = replace_strings("This is", dynamic(["This","is"]), dynamic(["X"])), c = replace_strings("This is", dynamic(["This","is"]), dynamic([1,"was"]))`,
		"a,b,c\ndog pigeon,X is,This was")
	expect(t, `print a = make_timespan(1, 30), b = make_timespan(1, 30, 15.5), c = make_timespan(2, 1, 30, 15)`,
		"a,b,c\n01:30:00,01:30:15.5000000,2.01:30:15")
	expect(t, `print a = jaccard_index(dynamic([1,1,2,3]), dynamic([3,4])), b = jaccard_index(dynamic(["a"]), dynamic(["a"]))`,
		"a,b\n0.25,1")
	expect(t, `print a = datetime_local_to_utc(datetime(2020-07-01 12:00), "Europe/Paris"), b = datetime_utc_to_local(datetime(2020-07-01 10:00), "America/New_York"), c = datetime_local_to_utc(datetime(2022-03-27 02:30), "Europe/Brussels")`,
		"a,b,c\n2020-07-01T10:00:00Z,2020-07-01T06:00:00Z,2022-03-27T00:30:00Z")
	expect(t, `datatable(x:long)[1, long(null), 3] | summarize l = make_list_with_nulls(x)`,
		"l\n[1,null,3]")
}

// make-series over an empty input: no row without by (unlike summarize),
// one series of defaults with kind=nonempty; base64 byte arrays.
func TestMakeSeriesEmptyAndByteArrays(t *testing.T) {
	expect(t, `datatable(t:datetime, v:long)[datetime(2017-01-01), 1] | take 0 | make-series sum(v) default=7 on t from datetime(2017-01-01) to datetime(2017-01-03) step 1d | count`,
		"Count\n0")
	expect(t, `datatable(t:datetime, v:long)[datetime(2017-01-01), 1] | take 0 | make-series kind=nonempty sum(v) default=7 on t from datetime(2017-01-01) to datetime(2017-01-03) step 1d | project sum_v`,
		"sum_v\n[7,7]")
	expect(t, `print a = base64_decode_toarray("S3VzdG8="), b = base64_encode_fromarray(dynamic([75,117,115,116,111,255])), c = base64_encode_fromarray(base64_decode_toarray("not base64!"))`,
		"a,b,c\n[75,117,115,116,111],S3VzdG//,")
}

// hash_md5 of a non-string hashes its Kusto text; format_bytes picks the
// largest unit of 1024 the size reaches, rounds half away from zero, and
// gives an empty string for unknown units.
func TestHashTextAndFormatBytes(t *testing.T) {
	expect(t, `print h = hash_md5(datetime(2020-01-01)), s = hash_sha1(42) == hash_sha1("42")`,
		"h,s\n786c530672d1f8db31fee25ea8a9390b,true")
	expect(t, `print a = format_bytes(0), b = format_bytes(1023), c = format_bytes(1024), d = format_bytes(2560), e = format_bytes(1536, 2, "kb"), f = format_bytes(1536, 0, "parsecs"), g = format_bytes(1048576)`,
		"a,b,c,d,e,f,g\n0 Bytes,1023 Bytes,1 KB,3 KB,1.50 KB,,1 MB")
}

// array_split at one index or at several; parse_urlquery's bag of
// decoded query parameters.
func TestArraySplitAndURLQuery(t *testing.T) {
	expect(t, `print a = array_split(dynamic([1,2,3,4,5]), 2), b = array_split(dynamic([1,2,3,4,5]), dynamic([1,3])), c = array_split(dynamic([1,2,3,4,5]), dynamic([1,-1]))`,
		"a,b,c\n[[1,2],[3,4,5]],[[1],[2,3],[4,5]],[[1],[2,3,4],[5]]")
	expect(t, `print p = parse_urlquery("?a=1&b=x%20y&c=")`,
		`p
{"Query Parameters":{"a":"1","b":"x y","c":""}}`)
}

// IPv6: '::' expansion, IPv4 and ::a.b.c.d as IPv4-mapped, prefixes
// (an IPv4 /n is 96+n), ordering, and invalid text (empty or null).
func TestIPv6(t *testing.T) {
	expect(t, `print a = parse_ipv6("::1"), b = parse_ipv6("10.0.0.1/8"), c = parse_ipv6_mask("2001:db8::ff00:42:8329", 64), d = parse_ipv6("::ffff:10.0.0.1"), e = parse_ipv6("1::2::3"), f = parse_ipv6("12345::"), g = parse_ipv6("fe80::1/200")`,
		"a,b,c,d,e,f,g\n0000:0000:0000:0000:0000:0000:0000:0001,0000:0000:0000:0000:0000:ffff:0a00:0000,2001:0db8:0000:0000:0000:0000:0000:0000,0000:0000:0000:0000:0000:ffff:0a00:0001,,,fe80:0000:0000:0000:0000:0000:0000:0001")
	expect(t, `print a = ipv6_compare("::1", "::2"), b = ipv6_compare("::2", "::1"), c = ipv6_compare("::1", "::2", 126), d = ipv6_is_match("10.1.2.3", "::ffff:a01:203"), e = ipv6_is_in_range("2001:db8::1", "2001:db8::/32"), f = ipv6_is_in_range("2001:db9::1", "2001:db8::/32"), g = ipv6_compare("nope", "::1")`,
		"a,b,c,d,e,f,g\n-1,1,0,true,true,false,")
}

// array_index_of with start (negative from the end), length and
// occurrence; null for occurrence < 0 or length < -1.
func TestArrayIndexOfRange(t *testing.T) {
	expect(t, `let arr = dynamic(["a","b","a","c","a"]); print a = array_index_of(arr, "a", 1), b = array_index_of(arr, "a", 0, -1, 3), c = array_index_of(arr, "a", -2), d = array_index_of(arr, "c", 0, 3), e = array_index_of(arr, "a", 0, -1, -1), f = array_index_of(arr, "a", 0, -2), g = array_index_of(arr, "a", -10)`,
		"a,b,c,d,e,f,g\n2,4,4,-1,,,0")
}

// indexof_regex with start, length and occurrence: matches do not
// overlap; a negative start gives null.
func TestIndexofRegexRange(t *testing.T) {
	expect(t, `print a = indexof_regex("xabcabc", "a.c", 0, -1, 2), b = indexof_regex("abcabc", "a.c", 1), c = indexof_regex("ababaa", "a.a", 0, -1, 2), d = indexof_regex("abcabc", "b", -1), e = indexof_regex("abcabc", "c", 0, 2)`,
		"a,b,c,d,e\n4,3,-1,,-1")
}

// datetime(2025, 6, 14), as the startofweek() page writes it; an
// impossible date is an error.
func TestCommaDatetimeLiteral(t *testing.T) {
	expect(t, `print d = datetime(2025, 6, 14)`, "d\n2025-06-14T00:00:00Z")
	if _, err := Compile(`print d = datetime(2025, 2, 30)`, Options{Now: testNow}); err == nil || !strings.Contains(err.Error(), "invalid datetime literal") {
		t.Errorf("datetime(2025, 2, 30): %v", err)
	}
}

// format_timespan with .NET-style parts: padded days, hours, minutes,
// seconds, fixed (f) and trimmed (F) fractions, literal text, sign.
func TestFormatTimespan(t *testing.T) {
	expect(t, `let t = time(2.03:04:05.1200000); print a = format_timespan(t, "d.hh:mm:ss"), b = format_timespan(t, "dd h:m:s [ffff] FFFF"), c = format_timespan(-t, "hh:mm"), d = format_timespan(time(null), "hh")`,
		"a,b,c,d\n2.03:04:05,02 3:4:5 [1200] 12,-03:04,")
}

// make-series takes a constant as an aggregation: the constant in bins
// with rows, the default elsewhere; a column is still refused.
func TestMakeSeriesConstant(t *testing.T) {
	expect(t, `datatable(t:datetime, v:long)[datetime(2025-01-01), 1, datetime(2025-01-03), 2] | make-series s=sum(v), other=-1 default=-2 on t from datetime(2025-01-01) to datetime(2025-01-04) step 1d | project s, other`,
		"s,other\n[1,0,2],[-1,-2,-1]")
	if _, err := Compile(`datatable(t:datetime, v:long)[] | make-series v on t step 1d`, Options{Now: testNow}); err == nil || !strings.Contains(err.Error(), "make-series expects an aggregate") {
		t.Errorf("make-series v: %v", err)
	}
}
