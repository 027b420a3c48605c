package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/engine"
)

// TestDocExamples runs reference-page examples whose whole result is
// checked: each row printed as its cells joined by " | ".
func TestDocExamples(t *testing.T) {
	e := seriesEngine(t)
	for _, tc := range []struct {
		doc, q string
		want   []string
	}{
		{"pack-all-function.md", `datatable(Source:string,Target:string,CharsCount:long)
['555-1234','555-1212',46, '555-1313','',42, '','555-3456',74]
| extend Packed=pack_all(), PackedIgnoreNullEmpty=pack_all(true)`, []string{
			`555-1234 | 555-1212 | 46 | {"CharsCount":46,"Source":"555-1234","Target":"555-1212"} | {"CharsCount":46,"Source":"555-1234","Target":"555-1212"}`,
			`555-1313 |  | 42 | {"CharsCount":42,"Source":"555-1313","Target":""} | {"CharsCount":42,"Source":"555-1313"}`,
			` | 555-3456 | 74 | {"CharsCount":74,"Source":"","Target":"555-3456"} | {"CharsCount":74,"Target":"555-3456"}`,
		}},
		{"bag-has-key-function.md", `datatable(input: dynamic)
[dynamic({'key1': 123, 'key2': {'prop1' : 'abc', 'prop2': 'xyz'}, 'key3': [100, 200]})]
| project result = bag_has_key(input, '$.key2.prop1'), nested_missing = bag_has_key(input, '$.key2.nope'), top = bag_has_key(input, 'key3')`, []string{
			`true | false | true`,
		}},
		{"percentiles-aggregation-function.md (percentilesw)", `datatable (ReqCount:long, LatencyBucket:long) [8, 10, 6, 20, 3, 30, 1, 40]
| summarize percentilesw(LatencyBucket, ReqCount, 50, 75, 99.9), percentilesw_array(LatencyBucket, ReqCount, dynamic([50, 75, 99.9])), percentilew(LatencyBucket, ReqCount, 0)`, []string{
			`20 | 20 | 40 | [20,20,40] | 10`,
		}},
		{"percentiles-aggregation-function.md (nearest rank)", `range x from 1 to 10 step 1 | summarize percentiles_array(x, 99, 50, 14, 31), percentiles(x, 99, 14)`, []string{
			`[10,5,2,4] | 10 | 2`,
		}},
		{"bin-auto-function.md", `set query_bin_auto_size=1h;
set query_bin_auto_at=datetime(2017-01-01 00:05);
range Timestamp from datetime(2017-01-01 00:05) to datetime(2017-01-01 02:00) step 1m
| summarize count() by bin_auto(Timestamp) | order by Timestamp asc`, []string{
			`2017-01-01T00:05:00Z | 60`,
			`2017-01-01T01:05:00Z | 56`,
		}},
		{"bin-auto-function.md (no starting point)", `set query_bin_auto_size=1h;
range Timestamp from datetime(2017-01-01 00:05) to datetime(2017-01-01 02:00) step 1m
| summarize count() by bin_auto(Timestamp) | order by Timestamp asc`, []string{
			`2017-01-01T00:00:00Z | 55`,
			`2017-01-01T01:00:00Z | 60`,
			`2017-01-01T02:00:00Z | 1`,
		}},
		{"ipv4-lookup-plugin.md", `let IP_Data = datatable(network:string, continent_code:string, country_name:string)
["111.68.128.0/17","AS","Japan", "5.8.0.0/19","EU","Russia", "46.36.200.51","OC","Cook Islands", "2.20.183.0/24","EU","United Kingdom"];
datatable(ip:string) ['2.20.183.12', '5.8.1.2', '192.165.12.17', '46.36.200.51']
| evaluate ipv4_lookup(IP_Data, ip, network)
| order by ip asc`, []string{
			`2.20.183.12 | 2.20.183.0/24 | EU | United Kingdom`,
			`46.36.200.51 | 46.36.200.51 | OC | Cook Islands`,
			`5.8.1.2 | 5.8.0.0/19 | EU | Russia`,
		}},
		{"ipv4-lookup-plugin.md (return_unmatched)", `let IP_Data = datatable(network:string, country_name:string) ["5.8.0.0/19","Russia", "2.20.183.0/24","United Kingdom"];
datatable(ip:string) ['2.20.183.12', '192.165.12.17']
| evaluate ipv4_lookup(IP_Data, ip, network, return_unmatched = true)
| order by ip asc`, []string{
			`192.165.12.17 |  | `,
			`2.20.183.12 | 2.20.183.0/24 | United Kingdom`,
		}},
		{"geo-polygon-lookup-plugin.md", `let polygons = datatable(polygon_name:string, polygon:dynamic)
["New York", dynamic({"type":"Polygon", "coordinates":[[[-73.97375470114766,40.74300078124614],[-73.98653921014294,40.75486501361894],[-73.99910622331991,40.74112695466084],[-73.97375470114766,40.74300078124614]]]}),
 "Paris", dynamic({"type":"Polygon","coordinates":[[[2.57564669886321,48.769567764921334],[2.420098611499384,49.05163394896812],[2.1016783119165723,48.80113794475062],[2.57564669886321,48.769567764921334]]]})];
let locations = datatable(location_name:string, longitude:real, latitude:real)
["Empire State Building", -73.98567337898565, 40.74842629977377, "Eiffel Tower", 2.294489426068907, 48.858263476169185,
 "London", -0.13245599272019604, 51.49879464208368, "Statue of Liberty", -74.04462223203123, 40.689195627512674];
union
  (locations | evaluate geo_polygon_lookup(polygons, longitude, latitude, polygon) | extend form = "current"),
  (locations | evaluate geo_polygon_lookup(polygons, polygon, longitude, latitude) | extend form = "first"),
  (locations | evaluate geo_polygon_lookup(polygons, longitude, latitude, polygon, radius = 7000, return_unmatched = true) | extend form = "radius")
| project form, location_name, polygon_name, has_polygon = isnotnull(column_ifexists("polygon", dynamic(null)))
| order by form asc, location_name asc`, []string{
			`current | Eiffel Tower | Paris | true`,
			`current | Empire State Building | New York | true`,
			`first | Eiffel Tower | Paris | false`,
			`first | Empire State Building | New York | false`,
			`radius | Eiffel Tower | Paris | true`,
			`radius | Empire State Building | New York | true`,
			`radius | London |  | false`,
			`radius | Statue of Liberty | New York | true`,
		}},
		{"summarize-operator.md (default values)", `datatable(x:long)[]
| summarize any_x=take_any(x), arg_max_x=arg_max(x, *), avg(x), max(x), percentile(x, 55), stdev(x), sum(x), sumif(x, x > 0), variance(x), count(x), countif(x > 0), dcount(x), make_set(x), make_list(x)`, []string{
			` |  | NaN |  |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 | [] | []`,
		}},
		{"summarize-operator.md (sumif over no matching row)", `datatable(x:long, t:timespan)[1, 1h, 2, 2h] | summarize sumif(x, x > 5), sumif(t, x > 5), sum(t), stdevif(x, x > 5)`, []string{
			`0 | 00:00:00 | 03:00:00 | 0`,
		}},
		{"tdigest-aggregation-function.md", `datatable(V:real, W:long) [1.0, 1, 2.0, 2]
| summarize TD=tdigest(V, W)
| project P50=percentile_tdigest(TD, 50), P50L=percentile_tdigest(TD, 50, typeof(long)), arr=percentiles_array_tdigest(TD, 10, 90)`, []string{
			`2 | 2 | [1.0,2.0]`,
		}},
		{"rank-tdigest-function.md", `range x from 1 to 1000 step 1
| summarize t_x=tdigest(x)
| project rank_of_685=rank_tdigest(t_x, 685), pr=percentrank_tdigest(t_x, 250)`, []string{
			`685 | 25`,
		}},
		{"tdigest-merge-aggregation-function.md", `range x from 1 to 10 step 1
| summarize d=tdigest(x) by even = x % 2 == 0
| summarize m=tdigest_merge(d)
| project percentile_tdigest(m, 50), percentile_tdigest(merge_tdigest(m, m), 100)`, []string{
			`5 | 10`,
		}},
		{"dcount-intersect-plugin.md", `range x from 1 to 100 step 1
| extend isEven = (x % 2 == 0), isMod3 = (x % 3 == 0), isMod5 = (x % 5 == 0)
| summarize hll_even = hll(iif(isEven, x, 0), 2), hll_mod3 = hll(iif(isMod3, x, 0), 2), hll_mod5 = hll(iif(isMod5, x, 0), 2)
| evaluate dcount_intersect(hll_even, hll_mod3, hll_mod5)
| project evenNumbers = s0 - 1, even_and_mod3 = s1 - 1, even_and_mod3_and_mod5 = s2 - 1, dcount_hll(hll_mod3)`, []string{
			`50 | 16 | 3 | 34`,
		}},
		{"hll-merge-aggregation-function.md", `range x from 1 to 10 step 1
| summarize h=hll(x) by x % 3 == 0
| summarize m=hll_merge(h)
| project dcount_hll(m)`, []string{
			`10`,
		}},
		{"buildschema-aggregation-function.md", `datatable(value: dynamic) [
    dynamic({"x":1, "y":3.5}),
    dynamic({"x":"somevalue", "z":[1, 2, 3]}),
    dynamic({"y":{"w":"zzz"}, "t":["aa", "bb"], "z":["foo"]})
]
| summarize buildschema(value)`, []string{
			"{\"t\":{\"`indexer`\":\"string\"},\"x\":[\"long\",\"string\"],\"y\":[\"double\",{\"w\":\"string\"}],\"z\":{\"`indexer`\":[\"long\",\"string\"]}}",
		}},
		{"summarize-operator.md (sketches over no rows are null)", `datatable(x:long)[] | summarize buildschema(todynamic(tostring(x))), hll(x), tdigest(x) | project isnull(schema_x), isnull(hll_x), isnull(tdigest_x)`, []string{
			`true | true | true`,
		}},
		{"top-nested-operator.md", `datatable(id: string, timestamp: datetime, otherInformation: string)
["Barak", datetime(2015-01-01), "1", "Barak", datetime(2016-01-01), "2", "Barak", datetime(2017-01-20), "3",
 "Donald", datetime(2017-01-20), "4", "Donald", datetime(2017-01-18), "5", "Donald", datetime(2017-01-19), "6"]
| top-nested of id by Ignore0=max(1),
  top-nested 2 of timestamp by Ignore1=max(timestamp),
  top-nested of otherInformation by Ignore2=max(1)
| project-away Ignore0, Ignore1, Ignore2
| order by id asc, timestamp asc`, []string{
			`Barak | 2016-01-01T00:00:00Z | 2`,
			`Barak | 2017-01-20T00:00:00Z | 3`,
			`Donald | 2017-01-19T00:00:00Z | 6`,
			`Donald | 2017-01-20T00:00:00Z | 4`,
		}},
		{"top-nested-operator.md (counts, asc, default names)", `datatable(State:string, Source:string, Damage:long)
["TX","a",10, "TX","b",30, "TX","a",5, "CA","c",50, "CA","d",1, "NY","e",20, "NY","e",22]
| top-nested 2 of State by sum(Damage), top-nested 1 of Source by max(Damage) asc
| project State, aggregated_State, Source, aggregated_Source
| order by State asc`, []string{
			`CA | 51 | d | 1`,
			`TX | 45 | a | 10`,
		}},
		{"rows-near-plugin.md", `datatable (Timestamp:datetime, Value:long, State:string)
[datetime(2021-06-01), 1, "Success", datetime(2021-06-02), 4, "Success", datetime(2021-06-03), 3, "Success",
 datetime(2021-06-04), 11, "Success", datetime(2021-06-05), 15, "Success", datetime(2021-06-06), 2, "Success",
 datetime(2021-06-07), 19, "Error", datetime(2021-06-08), 12, "Success", datetime(2021-06-09), 7, "Success",
 datetime(2021-06-10), 9, "Success", datetime(2021-06-11), 4, "Success", datetime(2021-06-12), 1, "Success"]
| sort by Timestamp asc
| evaluate rows_near(State == "Error", 2)
| project Value`, []string{`15`, `2`, `19`, `12`, `7`}},
		{"rows-near-plugin.md (rows after, overlapping windows, the edges)", `range x from 1 to 10 step 1
| evaluate rows_near(x == 1 or x == 4 or x == 10, 1, 0)`, []string{`1`, `3`, `4`, `9`, `10`}},
		{"rolling-percentile-plugin.md", `range idx from 0 to 24 * 10 - 1 step 1
| project Timestamp = datetime(2018-01-01) + 1h * idx, val=idx + 1
| extend EvenOrOdd = iff(val % 2 == 0, "Even", "Odd")
| evaluate rolling_percentile(val, 50, Timestamp, 1d, 3, EvenOrOdd)
| where Timestamp <= datetime(2018-01-04)
| order by EvenOrOdd asc, Timestamp asc`, []string{
			`2018-01-01T00:00:00Z | Even | 12`, `2018-01-02T00:00:00Z | Even | 24`, `2018-01-03T00:00:00Z | Even | 36`, `2018-01-04T00:00:00Z | Even | 60`,
			`2018-01-01T00:00:00Z | Odd | 11`, `2018-01-02T00:00:00Z | Odd | 23`, `2018-01-03T00:00:00Z | Odd | 35`, `2018-01-04T00:00:00Z | Odd | 59`,
		}},
		{"sliding-window-counts-plugin.md", `let start = datetime(2017-08-01);
let end = datetime(2017-08-07);
datatable(UserId: string, Timestamp: datetime)
['Bob', datetime(2017-08-01), 'David', datetime(2017-08-01), 'David', datetime(2017-08-01), 'John', datetime(2017-08-01),
 'Bob', datetime(2017-08-01), 'Ananda', datetime(2017-08-02), 'Atul', datetime(2017-08-02), 'John', datetime(2017-08-02),
 'Ananda', datetime(2017-08-03), 'Atul', datetime(2017-08-03), 'Atul', datetime(2017-08-03), 'John', datetime(2017-08-03),
 'Bob', datetime(2017-08-03), 'Betsy', datetime(2017-08-04), 'Bob', datetime(2017-08-05)]
| evaluate sliding_window_counts(UserId, Timestamp, start, end, 3d, 1d)
| order by Timestamp asc`, []string{
			`2017-08-01T00:00:00Z | 5 | 3`, `2017-08-02T00:00:00Z | 8 | 5`, `2017-08-03T00:00:00Z | 13 | 5`, `2017-08-04T00:00:00Z | 9 | 5`,
			`2017-08-05T00:00:00Z | 7 | 5`, `2017-08-06T00:00:00Z | 2 | 2`, `2017-08-07T00:00:00Z | 1 | 1`,
		}},
		{"activity-counts-metrics-plugin.md", `let start=datetime(2017-08-01);
let end=datetime(2017-08-04);
datatable(UserId:string, Timestamp:datetime)
['A', datetime(2017-08-01), 'D', datetime(2017-08-01), 'J', datetime(2017-08-01), 'B', datetime(2017-08-01),
 'C', datetime(2017-08-02), 'T', datetime(2017-08-02), 'J', datetime(2017-08-02), 'H', datetime(2017-08-03),
 'T', datetime(2017-08-03), 'T', datetime(2017-08-03), 'J', datetime(2017-08-03), 'B', datetime(2017-08-03),
 'S', datetime(2017-08-03), 'S', datetime(2017-08-04)]
| evaluate activity_counts_metrics(UserId, Timestamp, start, end, 1d)
| order by Timestamp asc`, []string{
			`2017-08-01T00:00:00Z | 4 | 4 | 4 | 4`, `2017-08-02T00:00:00Z | 3 | 3 | 2 | 6`,
			`2017-08-03T00:00:00Z | 6 | 5 | 2 | 8`, `2017-08-04T00:00:00Z | 1 | 1 | 0 | 8`,
		}},
		{"activity-counts-metrics-plugin.md (by a dimension)", `datatable(UserId:string, Timestamp:datetime, Team:string)
['A', datetime(2017-08-01), "x", 'A', datetime(2017-08-02), "y", 'B', datetime(2017-08-02), "x", 'A', datetime(2017-08-03), "x"]
| evaluate activity_counts_metrics(UserId, Timestamp, datetime(2017-08-01), datetime(2017-08-03), 1d, Team)
| order by Team asc, Timestamp asc`, []string{
			`2017-08-01T00:00:00Z | x | 1 | 1 | 1 | 1`, `2017-08-02T00:00:00Z | x | 1 | 1 | 1 | 2`, `2017-08-03T00:00:00Z | x | 1 | 1 | 0 | 2`,
			`2017-08-02T00:00:00Z | y | 1 | 1 | 1 | 1`,
		}},
	} {
		res, err := e.Query(context.Background(), tc.q, engine.QueryOptions{Timeout: 10 * time.Second})
		if err != nil {
			t.Errorf("%s: %v", tc.doc, err)
			continue
		}
		var got []string
		for _, r := range res.Rows {
			cells := make([]string, len(r))
			for j, v := range r {
				cells[j] = engine.FormatValue(res.Columns[j].Type, v)
			}
			got = append(got, strings.Join(cells, " | "))
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.doc, got, tc.want)
		}
	}
}
