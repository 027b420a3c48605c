package engine

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// Any string cell survives WriteCSV and an RFC 4180 reader unchanged.
func FuzzCSVStringRoundTrip(f *testing.F) {
	for _, s := range []string{"", "a,b", `"q"`, "line\nbreak", "\r\n", " lead", "é😀", `'); COPY x TO 'y'; --`} {
		f.Add(s, s+"2")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		r := &Result{Columns: []schema.Column{{Name: "a", Type: types.String}, {Name: "b", Type: types.String}}, Rows: [][]any{{a, b}}}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, r); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("%q: %v", buf.String(), err)
		}
		// encoding/csv's reader drops \r before \n inside quoted fields
		// (the writer keeps it); compare without carriage returns.
		norm := func(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte("\r"), nil)) }
		if len(recs) != 2 || norm(recs[1][0]) != norm(a) || norm(recs[1][1]) != norm(b) {
			t.Errorf("%q,%q came back as %q", a, b, recs)
		}
	})
}

// Every finite real prints as text that parses back to the same float.
func FuzzRealRoundTrip(f *testing.F) {
	for _, x := range []float64{0, 0.1, 1e15, 1e-5, -2.5e-300, math.MaxFloat64, 5e-324} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		s := FormatValue(types.Real, x)
		y, err := strconv.ParseFloat(s, 64)
		if err != nil || y != x {
			t.Errorf("%v printed %q, parsed back %v %v", x, s, y, err)
		}
	})
}

// Timespans print in Kusto's format and parse back to the same tick count.
func FuzzTimespanRoundTrip(f *testing.F) {
	for _, n := range []int64{0, 1, -1, 864000000000, -864000000001, 1<<62 - 1} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, ticks int64) {
		if ticks > math.MaxInt64/100 || ticks < -math.MaxInt64/100 {
			return
		}
		d := time.Duration(ticks) * tick
		s := FormatValue(types.TimeSpan, d)
		got, err := store.ParseTimespan(s)
		if err != nil || got != d {
			t.Errorf("%d ticks printed %q, parsed back %v %v", ticks, s, got, err)
		}
		if tk, ok := parseTimespanTicks(s); !ok || tk != ticks {
			t.Errorf("%d ticks printed %q: conformance parser reads %d", ticks, s, tk)
		}
	})
}
