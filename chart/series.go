package chart

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// MaxPoints bounds the rows a result's series columns expand to (one row
// per array element); a larger result is refused rather than drawn slowly.
const MaxPoints = 2_000_000

// expandSeries applies the render operator's rule for series columns
// ("if this column is of type dynamic and it holds an array, the
// individual values in the array are treated as the values of the x-axis
// ... the values of each y-axis should also be an array of a similar
// length"): every dynamic column whose values are arrays (make-series,
// make_list) is expanded element by element, one row per index, the other
// columns repeated; a shorter array gives nulls. Then each dynamic column
// whose values are all numbers becomes real and each whose values are all
// datetime texts becomes datetime (a make-series axis or an mv-expand
// without typeof), so timechart finds its axis and its values. The
// caller's rows are not modified.
func expandSeries(cols []schema.Column, rows [][]any) ([]schema.Column, [][]any, error) {
	var arrays []int
	for i, c := range cols {
		if c.Type == types.Dynamic && allValues(rows, i, func(v any) bool { _, ok := v.([]any); return ok }) {
			arrays = append(arrays, i)
		}
	}
	if len(arrays) > 0 {
		total := 0
		for _, r := range rows {
			n := 0
			for _, i := range arrays {
				a, _ := r[i].([]any)
				n = max(n, len(a))
			}
			if total += n; total > MaxPoints {
				return nil, nil, fmt.Errorf("chart: the series columns hold more than %d points", MaxPoints)
			}
		}
		out := make([][]any, 0, total)
		for _, r := range rows {
			n := 0
			for _, i := range arrays {
				a, _ := r[i].([]any)
				n = max(n, len(a))
			}
			for k := 0; k < n; k++ {
				nr := append([]any(nil), r...)
				for _, i := range arrays {
					a, _ := r[i].([]any)
					if k < len(a) {
						nr[i] = a[k]
					} else {
						nr[i] = nil
					}
				}
				out = append(out, nr)
			}
		}
		rows = out
	}
	// retype dynamic columns by their values
	var newCols []schema.Column
	copied := len(arrays) > 0 // rows are already ours
	for i, c := range cols {
		if c.Type != types.Dynamic {
			continue
		}
		var to types.Type
		switch {
		case allValues(rows, i, isNumber):
			to = types.Real
		case allValues(rows, i, func(v any) bool { _, ok := dynTime(v); return ok }):
			to = types.DateTime
		default:
			continue
		}
		if newCols == nil {
			newCols = append([]schema.Column(nil), cols...)
		}
		newCols[i].Type = to
		if !copied {
			out := make([][]any, len(rows))
			for j, r := range rows {
				out[j] = append([]any(nil), r...)
			}
			rows, copied = out, true
		}
		for _, r := range rows {
			if r[i] == nil {
				continue
			}
			if to == types.Real {
				r[i], _ = numeric(r[i])
			} else {
				r[i], _ = dynTime(r[i])
			}
		}
	}
	if newCols != nil {
		cols = newCols
	}
	return cols, rows, nil
}

// allValues reports whether column i has a non-null value and every
// non-null value passes ok.
func allValues(rows [][]any, i int, ok func(any) bool) bool {
	seen := false
	for _, r := range rows {
		if r[i] == nil {
			continue
		}
		if !ok(r[i]) {
			return false
		}
		seen = true
	}
	return seen
}

func isNumber(v any) bool {
	switch v.(type) {
	case json.Number, float64, float32, int, int32, int64:
		return true
	}
	return false
}

// dynTime reads a datetime held as text in a dynamic value: Kusto's
// 2026-10-23T00:00:00.0000000Z, or DuckDB's 2026-10-23 00:00:00.
func dynTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	s = strings.TrimSuffix(strings.Replace(s, "T", " ", 1), "Z")
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
