package funcs

import "github.com/quarry-kql/quarry/kql/types"

// The series_* functions. Their template "@series" makes the dialect call
// their Go implementation (package gofunc, registered on every DuckDB
// connection as quarry_fn) with the function's name and every
// argument as JSON text; the result comes back as JSON text (dynamic) or
// a number. Omitted optional arguments take the documented defaults
// (Defaults), so the implementation always sees every argument.

// SeriesTemplate is the template of every series_* function.
const SeriesTemplate = "@series"

func series(name, s string, defaults ...any) *Func {
	return add(&Func{Name: name, Kind: Scalar, Sigs: sigs(s), SQL: duck(SeriesTemplate), Defaults: defaults})
}

func tuple(name, s string, parts []Part, defaults ...any) *Func {
	f := series(name, s, defaults...)
	f.Naming = NameTuple
	f.Parts = parts
	return f
}

func dyn(names ...string) []Part {
	out := make([]Part, len(names))
	for i, n := range names {
		out[i] = Part{Name: n, Type: types.Dynamic}
	}
	return out
}

func init() {
	// Anomaly detection and decomposition (series_decompose_anomalies(),
	// series_decompose(), series_decompose_forecast(), series_outliers(),
	// series_periods_detect(), series_periods_validate()).
	tuple("series_decompose_anomalies", "dynamic, [real], [integer], [string], [integer], [string], [real] -> dynamic",
		dyn("ad_flag", "ad_score", "baseline"), 1.5, int64(-1), "avg", int64(0), "ctukey", 0.6)
	tuple("series_decompose", "dynamic, [integer], [string], [integer], [real] -> dynamic",
		dyn("baseline", "seasonal", "trend", "residual"), int64(-1), "avg", int64(0), 0.6)
	series("series_decompose_forecast", "dynamic, integer, [integer], [string], [real] -> dynamic", int64(-1), "linefit", 0.6)
	series("series_outliers", "dynamic, [string], [real], [real], [real] -> dynamic", "ctukey", nil, 10.0, 90.0)
	tuple("series_periods_detect", "dynamic, real, real, integer -> dynamic", dyn("periods", "scores"))
	series("series_seasonal", "dynamic, [integer] -> dynamic", int64(-1))
	tuple("series_periods_validate", "dynamic, real, real... -> dynamic", dyn("periods", "scores"))

	// Regression and statistics.
	tuple("series_fit_line", "dynamic -> dynamic", []Part{
		{"rsquare", types.Real}, {"slope", types.Real}, {"variance", types.Real},
		{"rvariance", types.Real}, {"interception", types.Real}, {"line_fit", types.Dynamic}})
	series("series_fit_line_dynamic", "dynamic -> dynamic")
	parts := []Part{{"rsquare", types.Real}, {"split_idx", types.Long}, {"variance", types.Real},
		{"rvariance", types.Real}, {"line_fit", types.Dynamic}}
	for _, side := range []string{"right", "left"} {
		for _, p := range []string{"rsquare", "slope", "interception", "variance", "rvariance"} {
			parts = append(parts, Part{side + "_" + p, types.Real})
		}
	}
	tuple("series_fit_2lines", "dynamic -> dynamic", parts)
	series("series_fit_2lines_dynamic", "dynamic -> dynamic")
	tuple("series_fit_poly", "dynamic, [dynamic], [integer] -> dynamic", []Part{
		{"rsquare", types.Real}, {"coefficients", types.Dynamic}, {"variance", types.Real},
		{"rvariance", types.Real}, {"poly_fit", types.Dynamic}}, nil, int64(1))

	// Fourier transforms. Inferred: the values' names when unnamed
	// (series_fft_x_real, series_fft_x_imag); the pages only show them
	// assigned, as in extend (fft_y_real, fft_y_imag) = series_fft(...).
	tuple("series_fft", "dynamic, [dynamic] -> dynamic", dyn("real", "imag"), nil)
	tuple("series_ifft", "dynamic, [dynamic] -> dynamic", dyn("real", "imag"), nil)
	tuple("series_stats", "dynamic, [bool] -> dynamic", []Part{
		{"min", types.Real}, {"min_idx", types.Long}, {"max", types.Real}, {"max_idx", types.Long},
		{"avg", types.Real}, {"stdev", types.Real}, {"variance", types.Real}}, false)
	series("series_stats_dynamic", "dynamic, [bool] -> dynamic", false)
	series("series_sum", "dynamic -> real")
	series("series_magnitude", "dynamic -> real")
	series("series_dot_product", "any, any -> real")
	series("series_cosine_similarity", "dynamic, dynamic, [real], [real] -> real", nil, nil)
	series("series_pearson_correlation", "dynamic, dynamic -> real")

	// Filling missing values.
	series("series_fill_linear", "dynamic, [any], [bool], [any] -> dynamic", nil, true, int64(0))
	series("series_fill_forward", "dynamic, [any] -> dynamic", nil)
	series("series_fill_backward", "dynamic, [any] -> dynamic", nil)
	series("series_fill_const", "dynamic, any, [any] -> dynamic", nil)

	// Filters.
	series("series_fir", "dynamic, dynamic, [bool], [bool] -> dynamic", nil, false)
	series("series_iir", "dynamic, dynamic, dynamic -> dynamic")

	// Element-wise arithmetic and comparison of two series (or a series
	// and a number).
	for _, op := range []string{"add", "subtract", "multiply", "divide", "pow",
		"greater", "greater_equals", "less", "less_equals", "equals", "not_equals"} {
		series("series_"+op, "any, any -> dynamic")
	}
	// Element-wise math of one series.
	for _, op := range []string{"abs", "acos", "asin", "atan", "ceiling", "cos", "exp", "floor",
		"log", "sign", "sin", "tan"} {
		series("series_"+op, "dynamic -> dynamic")
	}
}
