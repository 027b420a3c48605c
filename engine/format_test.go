package engine

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

func TestFormatValue(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name string
		t    types.Type
		v    any
		want string
	}{
		{"null long", types.Long, nil, ""},
		{"null datetime", types.DateTime, nil, ""},
		{"null dynamic", types.Dynamic, nil, ""},
		{"empty string", types.String, "", ""},
		{"true", types.Bool, true, "true"},
		{"false", types.Bool, false, "false"},
		{"int", types.Int, int32(-7), "-7"},
		{"long max", types.Long, int64(math.MaxInt64), "9223372036854775807"},
		{"datetime no fraction", types.DateTime, time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC), "2026-10-02T00:00:00Z"},
		{"datetime micros", types.DateTime, time.Date(2026, 10, 2, 13, 45, 12, 345678000, time.UTC), "2026-10-02T13:45:12.345678Z"},
		{"datetime one tick", types.DateTime, time.Date(2026, 10, 2, 0, 0, 0, 100, time.UTC), "2026-10-02T00:00:00.0000001Z"},
		{"datetime half second", types.DateTime, time.Date(2026, 10, 2, 0, 0, 0, 500000000, time.UTC), "2026-10-02T00:00:00.5Z"},
		{"datetime non-UTC input", types.DateTime, time.Date(2026, 10, 2, 2, 0, 0, 0, time.FixedZone("CEST", 7200)), "2026-10-02T00:00:00Z"},
		{"datetime year 1", types.DateTime, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "0001-01-01T00:00:00Z"},
		{"timespan zero", types.TimeSpan, time.Duration(0), "00:00:00"},
		{"timespan hours", types.TimeSpan, 3*time.Hour + 4*time.Minute + 5*time.Second, "03:04:05"},
		{"timespan days", types.TimeSpan, 2*day + time.Hour, "2.01:00:00"},
		{"timespan one day", types.TimeSpan, day, "1.00:00:00"},
		{"timespan 30 days", types.TimeSpan, 30 * day, "30.00:00:00"},
		{"timespan negative", types.TimeSpan, -90 * time.Minute, "-01:30:00"},
		{"timespan negative days fraction", types.TimeSpan, -(day + 500*time.Millisecond), "-1.00:00:00.5000000"},
		{"timespan one tick", types.TimeSpan, 100 * time.Nanosecond, "00:00:00.0000001"},
		{"timespan minus one tick", types.TimeSpan, -100 * time.Nanosecond, "-00:00:00.0000001"},
		{"timespan millis", types.TimeSpan, 1500 * time.Millisecond, "00:00:01.5000000"},
		{"timespan as ticks", types.TimeSpan, int64(10_000_000), "00:00:01"},
		{"timespan interval", types.TimeSpan, duckdb.Interval{Days: 1, Micros: 1}, "1.00:00:00.0000010"},
		{"real tenth", types.Real, 0.1, "0.1"},
		{"real pi", types.Real, math.Pi, "3.141592653589793"},
		{"real integral", types.Real, 1.0, "1"},
		{"real negative", types.Real, -2.5, "-2.5"},
		{"real million", types.Real, 1e6, "1000000"},
		{"real 1e14", types.Real, 1e14, "100000000000000"},
		{"real 1e15", types.Real, 1e15, "1E+15"},
		{"real large", types.Real, 1.2345678901234568e17, "1.2345678901234568E+17"},
		{"real 1e-4", types.Real, 0.0001, "0.0001"},
		{"real 1e-5", types.Real, 0.00001, "1E-05"},
		{"real third", types.Real, 1.0 / 3, "0.3333333333333333"},
		{"real NaN", types.Real, math.NaN(), "NaN"},
		{"real +inf", types.Real, math.Inf(1), "Infinity"},
		{"real -inf", types.Real, math.Inf(-1), "-Infinity"},
		{"dynamic object", types.Dynamic, map[string]any{"b": []any{json.Number("1"), "x<y>&"}, "a": nil}, `{"a":null,"b":[1,"x<y>&"]}`},
		{"dynamic big number", types.Dynamic, []any{json.Number("12345678901234567890")}, `[12345678901234567890]`},
		{"dynamic string", types.Dynamic, "abc", "abc"},
		{"dynamic empty array", types.Dynamic, []any{}, `[]`},
		{"dynamic unicode", types.Dynamic, map[string]any{"k": "é😀"}, `{"k":"é😀"}`},
		{"guid bytes", types.GUID, []byte{0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1, 0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0e}, "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{"decimal", types.Decimal, duckdb.Decimal{Width: 38, Scale: 3, Value: big.NewInt(-1250)}, "-1.25"},
		{"decimal small", types.Decimal, duckdb.Decimal{Width: 38, Scale: 3, Value: big.NewInt(5)}, "0.005"},
	}
	for _, tc := range tests {
		if got := FormatValue(tc.t, tc.v); got != tc.want {
			t.Errorf("%s: FormatValue(%s, %#v) = %q, want %q", tc.name, tc.t, tc.v, got, tc.want)
		}
	}
}

// Reals must round-trip: parsing the printed text gives the same float.
func TestFormatRealRoundTrips(t *testing.T) {
	for _, x := range []float64{0.1, 0.2 + 0.1, 1e300, -1e-300, 5e-324, math.MaxFloat64, 123456.789, 1 << 53, 2.5e-5, 7.389056098930650} {
		s := FormatValue(types.Real, x)
		y, err := strconv.ParseFloat(s, 64)
		if err != nil || y != x {
			t.Errorf("%v printed as %q parses back as %v (%v)", x, s, y, err)
		}
	}
}

func TestConvert(t *testing.T) {
	tests := []struct {
		t    types.Type
		in   any
		want any
	}{
		{types.String, nil, ""},
		{types.Long, nil, nil},
		{types.Int, int64(5), int32(5)},
		{types.Long, int32(5), int64(5)},
		{types.Real, int64(2), float64(2)},
		{types.Bool, true, true},
		{types.TimeSpan, duckdb.Interval{Days: 1, Micros: 2}, 24*time.Hour + 2*time.Microsecond},
		{types.TimeSpan, int64(-1), -100 * time.Nanosecond},
		{types.DateTime, time.Date(2026, 1, 1, 1, 0, 0, 0, time.FixedZone("X", 3600)), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{types.Decimal, duckdb.Decimal{Scale: 2, Value: big.NewInt(150)}, "1.5"},
		{types.Long, big.NewInt(-42), int64(-42)},
		{types.Real, new(big.Int).Lsh(big.NewInt(1), 70), math.Ldexp(1, 70)},
		{types.GUID, "0F8FAD5B-D9CB-469F-A165-70867728950E", "0f8fad5b-d9cb-469f-a165-70867728950e"},
	}
	for _, tc := range tests {
		got, err := Convert(tc.t, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Convert(%s, %#v) = %#v, %v; want %#v", tc.t, tc.in, got, err, tc.want)
		}
	}
	got, err := Convert(types.Dynamic, `{"n":12345678901234567890,"f":1.5}`)
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if m["n"] != json.Number("12345678901234567890") || m["f"] != json.Number("1.5") {
		t.Errorf("dynamic decoded as %#v", m)
	}
	if _, err := Convert(types.DateTime, "2026-01-01"); err == nil {
		t.Error("Convert(datetime, string) succeeded")
	}
}

func sampleResult() *Result {
	return &Result{
		Columns: []schema.Column{
			{Name: "s", Type: types.String}, {Name: "n", Type: types.Long}, {Name: "t", Type: types.DateTime},
			{Name: "d", Type: types.Dynamic}, {Name: "x", Type: types.Real}, {Name: "span", Type: types.TimeSpan},
		},
		Rows: [][]any{
			{"a,b \"q\"", int64(1), time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC), map[string]any{"k": []any{json.Number("1")}}, 0.5, -time.Second},
			{"", nil, nil, nil, nil, nil},
		},
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, sampleResult()); err != nil {
		t.Fatal(err)
	}
	want := "s,n,t,d,x,span\n\"a,b \"\"q\"\"\",1,2026-10-02T00:00:00Z,\"{\"\"k\"\":[1]}\",0.5,-00:00:01\n,,,,,\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteJSONAndJSONL(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSONL(&b, sampleResult()); err != nil {
		t.Fatal(err)
	}
	want := `{"s":"a,b \"q\"","n":1,"t":"2026-10-02T00:00:00Z","d":{"k":[1]},"x":0.5,"span":"-00:00:01"}` + "\n" +
		`{"s":"","n":null,"t":null,"d":null,"x":null,"span":null}` + "\n"
	if b.String() != want {
		t.Errorf("JSONL:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	r := sampleResult()
	r.Truncated = true
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Columns []struct{ Name, Type string }
		Rows    []map[string]any
		Trunc   bool `json:"truncated"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(doc.Columns) != 6 || doc.Columns[2].Type != "datetime" || len(doc.Rows) != 2 || !doc.Trunc || doc.Rows[0]["n"] != 1.0 {
		t.Errorf("JSON: %+v", doc)
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	r := &Result{Columns: []schema.Column{{Name: "name", Type: types.String}, {Name: "n", Type: types.Long}},
		Rows: [][]any{{"alpha", int64(5)}, {"b\nc", int64(123)}}}
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	want := "name     n\n-----  ---\nalpha    5\nb\\nc   123\n(2 rows)\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}
