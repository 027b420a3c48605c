package check

import (
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/kql/parser"
	"github.com/quarry-kql/quarry/kql/token"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
)

func resultCols(t *testing.T, src string) []plan.Column {
	t.Helper()
	info, _ := bind(t, src)
	return info.Result.Cols()
}

func colString(cols []plan.Column) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, c.Name+":"+c.Type.String())
	}
	return strings.Join(parts, " ")
}

// Tuple assignment: the names and types of the columns a function
// returning several values gives, by Kusto's naming rules.
func TestTupleNames(t *testing.T) {
	const y = `print y = dynamic([1, 2, 3, 40, 5, 6, 7, 8]) `
	for _, tc := range []struct{ src, want string }{
		// series_decompose_anomalies' reference page: unnamed, the values
		// are named function_argument_part.
		{y + `| extend series_decompose_anomalies(y)`,
			"y:dynamic series_decompose_anomalies_y_ad_flag:dynamic series_decompose_anomalies_y_ad_score:dynamic series_decompose_anomalies_y_baseline:dynamic"},
		// The email bombing rule's form.
		{y + `| extend (Anomalies, AnomalyScore, ExpectedEmails) = series_decompose_anomalies(y)`,
			"y:dynamic Anomalies:dynamic AnomalyScore:dynamic ExpectedEmails:dynamic"},
		// series_fit_line's reference page: six names, scalar types.
		{y + `| extend (RSquare, Slope, Variance, RVariance, Interception, LineFit) = series_fit_line(y)`,
			"y:dynamic RSquare:real Slope:real Variance:real RVariance:real Interception:real LineFit:dynamic"},
		// series_stats' reference page: project series_stats(x).
		{y + `| project series_stats(y)`,
			"series_stats_y_min:real series_stats_y_min_idx:long series_stats_y_max:real series_stats_y_max_idx:long series_stats_y_avg:real series_stats_y_stdev:real series_stats_y_variance:real"},
		// series_stats' page: "If you provide a limited number of names,
		// the table will show only those columns" (in extend); in
		// project the others follow under their names (series_fit_2lines'
		// page).
		{y + `| extend (mn, mi) = series_stats(y)`, "y:dynamic mn:real mi:long"},
		{y + `| project (mn, mi) = series_stats(y)`,
			"mn:real mi:long series_stats_y_max:real series_stats_y_max_idx:long series_stats_y_avg:real series_stats_y_stdev:real series_stats_y_variance:real"},
		// x = f(...): the first value is x, the others keep their names
		// (Kusto.Language's binder). The corpus' `extend outliers =
		// series_decompose_anomalies(...) ... where outliers == 1` relies on it.
		{y + `| extend outliers = series_decompose_anomalies(y)`,
			"y:dynamic outliers:dynamic series_decompose_anomalies_y_ad_score:dynamic series_decompose_anomalies_y_baseline:dynamic"},
		// A name that exists is replaced in extend; generated names that
		// exist are made unique.
		{y + `| extend (y, s) = series_periods_detect(y, 4.0, 4.0, 1)`, "y:dynamic s:dynamic"},
		{y + `| extend series_periods_detect(y, 4.0, 4.0, 1) | extend series_periods_detect(y, 4.0, 4.0, 1)`,
			"y:dynamic series_periods_detect_y_periods:dynamic series_periods_detect_y_scores:dynamic series_periods_detect_y_periods1:dynamic series_periods_detect_y_scores1:dynamic"},
		// Later items of the same extend see the new columns.
		{y + `| extend (f, s) = series_periods_detect(y, 4.0, 4.0, 1), n = array_length(f)`, "y:dynamic f:dynamic s:dynamic n:long"},
		// print: unnamed, every value; x = f(...), only the first (the
		// series_periods_detect page prints periods_detected = 14).
		{`print series_stats(dynamic([1]))`, "series_stats_min:real series_stats_min_idx:long series_stats_max:real series_stats_max_idx:long series_stats_avg:real series_stats_stdev:real series_stats_variance:real"},
		{`print p = series_periods_detect(dynamic([1]), 0.0, 50.0, 1)`, "p:dynamic"},
		// Project with a tuple among other items.
		{y + `| project a = 1, (r2, slope) = series_fit_line(y), y`, "a:long r2:real slope:real series_fit_line_y_variance:real series_fit_line_y_rvariance:real series_fit_line_y_interception:real series_fit_line_y_line_fit:dynamic y:dynamic"},
	} {
		if got := colString(resultCols(t, tc.src)); got != tc.want {
			t.Errorf("%s:\n got  %s\n want %s", tc.src, got, tc.want)
		}
	}
	// An argument without a name: function_part.
	got := colString(resultCols(t, `datatable(v: dynamic) [dynamic([1,2,3])] | extend series_fit_line(pack_array(1, 2))`))
	if !strings.Contains(got, "series_fit_line_rsquare:real") {
		t.Errorf("unnamed argument: %s", got)
	}
}

// Wrong counts of names, and calls returning several values where one
// value is expected, are errors at the right place.
func TestTupleErrors(t *testing.T) {
	const y = `print y = dynamic([1, 2, 3])`
	for _, tc := range []struct{ src, want string }{
		{y + ` | extend (a, b, c, d) = series_decompose_anomalies(y)`,
			"1:49: the name 'd' has no value: series_decompose_anomalies returns 3 values (ad_flag, ad_score, baseline)"},
		{y + ` | extend (a, b) = strlen("x")`,
			"1:43: the expression does not have multiple values: strlen() gives one value, so only one name can be assigned"},
		{y + ` | project (a, b) = y`,
			"1:44: the expression does not have multiple values: 'y' gives one value"},
		{y + ` | where series_fit_line(y) > 1`,
			"1:38: series_fit_line returns several values (rsquare, slope, variance, rvariance, interception, line_fit): use it alone in extend or project"},
		{y + ` | extend x = array_length(series_decompose(y))`,
			"1:56: series_decompose returns several values (baseline, seasonal, trend, residual)"},
	} {
		f := token.NewFile("", tc.src)
		s, errs := parser.ParseFile(f)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", tc.src, errs)
		}
		_, errs = Check(f, s, builtin{}, Options{Now: time.Now()})
		if len(errs) == 0 || !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%s:\n got  %v\n want %s", tc.src, errs, tc.want)
		}
	}
}

// Omitted optional arguments take the documented defaults, so the SQL
// always passes every argument.
func TestSeriesDefaults(t *testing.T) {
	info, _ := bind(t, `print y = dynamic([1]) | extend (a, b, c) = series_decompose_anomalies(y)`)
	var call *plan.Call
	var find func(n plan.Node)
	find = func(n plan.Node) {
		if m, ok := n.(*plan.Materialize); ok {
			n = m.In
		}
		p, ok := n.(*plan.Project)
		if !ok {
			return
		}
		for _, e := range p.Exprs {
			if c, ok := e.(*plan.Call); ok && c.F.Name == "series_decompose_anomalies" {
				call = c
			}
		}
		find(p.In)
	}
	find(info.Result)
	if call == nil {
		t.Fatal("no call of series_decompose_anomalies in the plan")
	}
	want := []any{nil, 1.5, int64(-1), "avg", int64(0), "ctukey", 0.6}
	if len(call.Args) != len(want) {
		t.Fatalf("%d arguments, want %d", len(call.Args), len(want))
	}
	for i, w := range want[1:] {
		l, ok := call.Args[i+1].(*plan.Lit)
		if !ok || l.V != w {
			t.Errorf("argument %d = %#v, want %v", i+1, call.Args[i+1], w)
		}
	}
	if call.Args[1].Type() != types.Real || call.Args[2].Type() != types.Long {
		t.Errorf("default types %v %v", call.Args[1].Type(), call.Args[2].Type())
	}
}
