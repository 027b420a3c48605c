package gofunc

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"testing"

	"github.com/quarry-kql/quarry/kql/funcs"
	"github.com/quarry-kql/quarry/sqlgen"
)

// callSeries runs quarry_fn (or quarry_fn_tuple) through DuckDB,
// arguments as JSON text (nil: SQL NULL).
func callSeries(t *testing.T, db *sql.DB, tuple bool, name string, args ...any) []sql.NullString {
	t.Helper()
	fn := sqlgen.GoFunc
	if tuple {
		fn = sqlgen.GoTupleFunc
	}
	q := "SELECT " + fn + "(?"
	params := []any{name}
	for _, a := range args {
		q += ", CAST(? AS VARCHAR)"
		params = append(params, a)
	}
	q += ")"
	if tuple {
		q = "SELECT unnest(" + q[len("SELECT "):] + ")"
	}
	rows, err := db.QueryContext(context.Background(), q, params...)
	if err != nil {
		t.Fatalf("%s(%v): %v", name, args, err)
	}
	defer rows.Close()
	var out []sql.NullString
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// openSeries opens an in-memory DuckDB database with the functions
// registered, as the store does.
func openSeries(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Register(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// The series functions' documented null, default and type rules, through
// the SQL function the generated queries call.
func TestGoFunctions(t *testing.T) {
	st := openSeries(t)
	null := any(nil)
	for _, tc := range []struct {
		name string
		args []any
		want string // "NULL" for SQL NULL
	}{
		// series_outliers: Tukey (25/75): P25 3.25, P75 7.75, range 4.5;
		// 100 is (100-7.75)/4.5 above, 1 is (1-3.25)/4.5 below.
		{"series_outliers", []any{"[1,2,3,4,5,6,7,8,9,100]", `"tukey"`, null, "10", "90"},
			"[-0.5,-0.2777777777777778,-0.05555555555555555,0.0,0.0,0.0,0.0,0.05555555555555555,0.2777777777777778,20.5]"},
		// Nulls and ignore values score 0 and do not count.
		{"series_outliers", []any{"[1,null,-1,2,3,4,5,6,7,8,9,100]", `"tukey"`, "-1", "10", "90"},
			"[-0.5,0.0,0.0,-0.2777777777777778,-0.05555555555555555,0.0,0.0,0.0,0.0,0.05555555555555555,0.2777777777777778,20.5]"},
		// Percentiles outside [2, 98] are refused (null).
		{"series_outliers", []any{"[1,2,3]", `"ctukey"`, null, "1", "90"}, "NULL"},
		{"series_outliers", []any{"[1,2,3]", `"other"`, null, "10", "90"}, "NULL"},

		// Fills keep the elements as written; the placeholder marks the
		// missing ones.
		{"series_fill_forward", []any{"[null,1.5,null,-1,3]", null}, "[null,1.5,1.5,-1,3]"},
		// With a placeholder, null is a value like others.
		{"series_fill_forward", []any{"[null,1.5,null,-1,3]", "-1"}, "[null,1.5,null,null,3]"},
		{"series_fill_forward", []any{"[2,-1,-1]", "-1"}, "[2,2,2]"},
		{"series_fill_backward", []any{"[null,1,null,3,null]", null}, "[1,1,3,3,null]"},
		{"series_fill_const", []any{`[null,"a",2]`, "0.0", null}, `[0.0,"a",2]`},
		{"series_fill_linear", []any{"[null,null]", null, "true", null}, "[null,null]"},
		{"series_fill_linear", []any{"[1,null,null,4.0]", null, "false", "0"}, "[1,2.0,3.0,4.0]"},
		{"series_fill_linear", []any{"[10,null,21]", null, "true", "0"}, "[10,15,21]"},

		// Element-wise: a number stands for a series, absent and
		// non-numeric elements give null, integers stay integers.
		{"series_add", []any{"[1,2,3]", "[10,20]"}, "[11,22,null]"},
		{"series_subtract", []any{"[1,2,3]", "1"}, "[0,1,2]"},
		{"series_multiply", []any{"10", `[1,"x",1.5]`}, "[10,null,15.0]"},
		{"series_divide", []any{"[1,2]", "[2,0]"}, "[0.5,null]"},
		{"series_greater", []any{"[1,2,null]", "[2,1,1]"}, "[false,true,null]"},
		{"series_equals", []any{"[1,2]", "[1.0,3]"}, "[true,false]"},
		{"series_add", []any{"1", "2"}, "NULL"},
		{"series_abs", []any{"[-1,2,null]"}, "[1,2,null]"},
		{"series_sign", []any{"[-3.5,0,2]"}, "[-1.0,0.0,1.0]"},

		// Aggregates of one series.
		{"series_sum", []any{"[1,2,null,4]"}, "7"},
		{"series_dot_product", []any{"[1,2,4]", "[4,2,1]"}, "12"},
		{"series_cosine_similarity", []any{"[1,0]", "[0,1]", null, null}, "0"},
		{"series_pearson_correlation", []any{"[1,2,3]", "[3,2,1]"}, "-1"},
		{"series_pearson_correlation", []any{"[1,2,3]", "[3,2]"}, "NULL"},
		// series_stats_dynamic: non-finite values make every statistic
		// null unless ignore_nonfinite.
		{"series_stats_dynamic", []any{"[1,null,3]", "false"}, `{"min":null,"min_idx":null,"max":null,"max_idx":null,"avg":null,"stdev":null,"variance":null,"sum":null,"len":null}`},
		{"series_stats_dynamic", []any{"[1,null,3]", "true"}, `{"min":1.0,"min_idx":0,"max":3.0,"max_idx":2,"avg":2.0,"stdev":1.4142135623730951,"variance":2.0,"sum":4.0,"len":2}`},

		// Filters.
		{"series_fir", []any{"[0,0,9,0,0]", "[1,1,1]", null, "true"}, "[0.0,3.0,3.0,3.0,0.0]"},
		{"series_fir", []any{"[0,0,9,0,0]", "[1,1,1]", null, "false"}, "[0.0,0.0,3.0,3.0,3.0]"},
		{"series_fir", []any{"[1,2]", "[1,-1]", "true", "false"}, "NULL"},
		{"series_iir", []any{"[1,2,3]", "[1]", "[1,-1]"}, "[1.0,3.0,6.0]"},
		{"series_iir", []any{"[1,2,3]", "[1]", "[0]"}, "NULL"},

		// Forecast: the line fitted to the learning points goes on over
		// the last Points elements.
		{"series_decompose_forecast", []any{"[1,2,3,4,5,6,0,0]", "2", "0", `"linefit"`, "0.6"}, "[1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0]"},
		{"series_decompose_forecast", []any{"[1,2,3]", "1", "0", `"bogus"`, "0.6"}, "NULL"},
		// Not a series.
		{"series_sum", []any{`"abc"`}, "NULL"},
		{"series_fill_linear", []any{null, null, "true", "0"}, "NULL"},
	} {
		got := callSeries(t, st, false, tc.name, tc.args...)
		s := "NULL"
		if len(got) == 1 && got[0].Valid {
			s = got[0].String
		}
		if s != tc.want {
			t.Errorf("%s(%v) = %s, want %s", tc.name, tc.args, s, tc.want)
		}
	}
}

// Functions returning several values give one JSON text per value.
func TestGoTupleFunctions(t *testing.T) {
	st := openSeries(t)
	for _, tc := range []struct {
		name string
		args []any
		want []string
	}{
		{"series_stats", []any{"[4,1,7]", "false"}, []string{"1.0", "1", "7.0", "2", "4.0", "3.0", "9.0"}},
		// Two lines meeting at index 4: each fits exactly (x counted
		// from 1 over the whole series: the right line is 15 - x).
		{"series_fit_2lines", []any{"[1,2,3,4,10,9,8,7]"}, []string{"1.0", "4", "11.714285714285714", "0.0",
			"[1.0,2.0,3.0,4.0,10.0,9.0,8.0,7.0]", "1.0", "-1.0", "15.0", "1.6666666666666667", "0.0", "1.0", "1.0", "0.0", "1.6666666666666667", "0.0"}},
		{"series_decompose", []any{"[1,2,3,4]", "0", `"none"`, "0", "0.6"}, []string{"[0.0,0.0,0.0,0.0]", "[0.0,0.0,0.0,0.0]", "[0.0,0.0,0.0,0.0]", "[1.0,2.0,3.0,4.0]"}},
		{"series_decompose", []any{"[1,3,1,3]", "2", `"avg"`, "0", "0.6"}, []string{"[1.0,3.0,1.0,3.0]", "[1.0,3.0,1.0,3.0]", "[0.0,0.0,0.0,0.0]", "[0.0,0.0,0.0,0.0]"}},
	} {
		got := callSeries(t, st, true, tc.name, tc.args...)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d values, want %d", tc.name, len(got), len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if got[i].String != w {
				t.Errorf("%s value %d = %s, want %s", tc.name, i, got[i].String, w)
			}
		}
	}
}

// The Fourier transforms (radix-2 and direct) invert each other, and
// series_fit_poly fits an exact polynomial.
func TestSeriesFFTAndPoly(t *testing.T) {
	for _, n := range []int{4, 6} {
		re, im := make([]float64, n), make([]float64, n)
		for i := range re {
			re[i] = float64(i + 1)
		}
		fr, fi := dft(re, im, false)
		if n == 4 {
			want := [][]float64{{10, -2, -2, -2}, {0, 2, 0, -2}}
			for i := range fr {
				if math.Abs(fr[i]-want[0][i]) > 1e-9 || math.Abs(fi[i]-want[1][i]) > 1e-9 {
					t.Errorf("fft([1,2,3,4]) = %v %v, want %v", fr, fi, want)
					break
				}
			}
		}
		br, bi := dft(fr, fi, true)
		for i := range br {
			if math.Abs(br[i]-re[i]) > 1e-9 || math.Abs(bi[i]) > 1e-9 {
				t.Errorf("n=%d: ifft(fft(x)) = %v %v", n, br, bi)
				break
			}
		}
	}
	y := []float64{6, 11, 18, 27, math.NaN(), 51} // x² + 2x + 3 at x = 1..6
	x := []float64{1, 2, 3, 4, 5, 6}
	f, ok := fitPoly(y, x, 2)
	if !ok || math.Abs(f.rsquare-1) > 1e-9 || math.Abs(f.coefficients[0]-1) > 1e-9 || math.Abs(f.coefficients[1]-2) > 1e-9 || math.Abs(f.coefficients[2]-3) > 1e-9 || math.Abs(f.fit[4]-38) > 1e-9 {
		t.Errorf("fitPoly = %+v %v", f, ok)
	}
	if _, ok := fitPoly([]float64{1, 2}, []float64{1, 2}, 2); ok {
		t.Error("fitPoly fitted 3 coefficients to 2 points")
	}
}

// periodsDetect finds the period of a clean periodic signal, not its
// multiples, and nothing in noise-free constant data.
func TestPeriodsDetect(t *testing.T) {
	y := make([]float64, 96)
	for i := range y {
		y[i] = math.Sin(2*math.Pi*float64(i)/8) + 0.5*math.Sin(2*math.Pi*float64(i)/24)
	}
	ps, ss := periodsDetect(y, 4, 48, 2)
	if ps[0] != 8 && ps[0] != 24 {
		t.Errorf("periods %v scores %v: want 8 or 24 first", ps, ss)
	}
	for _, p := range ps {
		if p == 16 || p == 32 || p == 48 {
			t.Errorf("periods %v: a multiple of 8 is reported", ps)
		}
	}
	flat := make([]float64, 40)
	ps, ss = periodsDetect(flat, 4, 20, 1)
	if ps[0] != 0 || ss[0] != 0 {
		t.Errorf("constant series: periods %v scores %v", ps, ss)
	}
}

// Every catalog function with the series template is implemented here,
// and through the SQL function its results have the catalog's shape: a
// list of values for functions returning several, one value otherwise.
func TestSeriesCatalogImplemented(t *testing.T) {
	n := 0
	for _, name := range funcs.Names() {
		f, _ := funcs.Lookup(name)
		if f.SQL["duckdb"] != funcs.SeriesTemplate || f.Name != name {
			continue
		}
		n++
		// Required arguments by kind, then the documented defaults, as
		// the binder passes them.
		sig := f.Sigs[0]
		var args []arg
		for i, p := range sig.Params {
			if i >= len(sig.Params)-sig.Optional {
				break
			}
			text := map[string]string{"dynamic": "[1,2,3,4,5,6,7,8,9,10]", "real": "4", "integer": "1", "bool": "true"}[p]
			if text == "" {
				text = "2"
			}
			args = append(args, decodeArg(text))
		}
		for _, d := range f.Defaults {
			b, _ := json.Marshal(d)
			args = append(args, decodeArg(string(b)))
		}
		for len(args) < 8 {
			args = append(args, arg{null: true, num: math.NaN()})
		}
		r, err := seriesCall(name, args)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if list, ok := r.([]any); ok != (len(f.Parts) > 0) || (ok && len(list) != len(f.Parts)) {
			t.Errorf("%s: result %#v for %d parts", name, r, len(f.Parts))
		}
	}
	if n < 50 {
		t.Errorf("only %d series functions in the catalog", n)
	}
}
