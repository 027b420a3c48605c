// Package gofunc holds the KQL functions quarry computes in Go because
// DuckDB has no counterpart: the series_* family, geo_* on S2, H3 and
// geohash, hash and hash_xxhash64, beta_*, weighted percentiles, tdigest
// and hll sketches, and text and JSON helpers. The compiler reaches them
// through one DuckDB scalar function, sqlgen.GoFunc(name, arg1, arg2,
// ...), which takes the KQL function's name and its arguments as JSON
// text and returns the result as text (JSON for dynamic results, a number
// for real ones) or NULL; sqlgen.GoTupleFunc is the same for functions
// returning several values. Register installs both on a database when the
// store opens. Each function follows its page of the KQL reference.
package gofunc

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/sqlgen"
)

// elem is one element of a series: its value (NaN when missing: null or
// not a number) and whether it was written as an integer.
type elem struct {
	v      float64
	isInt  bool
	isNull bool // written as null
}

// arg is one argument as decoded from JSON.
type arg struct {
	null  bool
	isArr bool
	arr   []elem
	raw   []json.RawMessage // the array's elements as written
	num   float64           // a number (NaN when not a number)
	isInt bool
	str   string
	b     bool
	isB   bool
	text  string // the argument's JSON text, trimmed
}

func decodeArg(v driver.Value) arg {
	s, ok := v.(string)
	if !ok {
		return arg{null: true, num: math.NaN()}
	}
	s = strings.TrimSpace(s)
	a := arg{num: math.NaN(), text: s}
	switch {
	case s == "" || s == "null":
		a.null = true
	case s[0] == '[':
		if err := json.Unmarshal([]byte(s), &a.raw); err != nil {
			a.null = true
			return a
		}
		a.isArr = true
		a.arr = make([]elem, len(a.raw))
		for i, r := range a.raw {
			a.arr[i] = decodeElem(r)
		}
	case s[0] == '"':
		_ = json.Unmarshal([]byte(s), &a.str)
		// Numbers written as strings count (dynamic values from text).
		if f, err := strconv.ParseFloat(a.str, 64); err == nil {
			a.num = f
		}
	case s == "true" || s == "false":
		a.isB, a.b = true, s == "true"
	default:
		e := decodeElem(json.RawMessage(s))
		a.num, a.isInt = e.v, e.isInt
	}
	return a
}

func decodeElem(r json.RawMessage) elem {
	t := bytes.TrimSpace(r)
	if len(t) == 0 || t[0] == 'n' {
		return elem{v: math.NaN(), isNull: true}
	}
	if t[0] == '"' || t[0] == '{' || t[0] == '[' {
		return elem{v: math.NaN()}
	}
	switch string(t) {
	case "true":
		return elem{v: 1, isInt: true}
	case "false":
		return elem{v: 0, isInt: true}
	}
	f, err := strconv.ParseFloat(string(t), 64)
	if err != nil {
		return elem{v: math.NaN()}
	}
	isInt := !bytes.ContainsAny(t, ".eE")
	return elem{v: f, isInt: isInt}
}

func (a arg) floats() []float64 {
	out := make([]float64, len(a.arr))
	for i, e := range a.arr {
		out[i] = e.v
	}
	return out
}

func (a arg) allInt() bool {
	for _, e := range a.arr {
		if !missing(e.v) && !e.isInt {
			return false
		}
	}
	return true
}

// JSON output.

func fmtNum(b *strings.Builder, v float64, asInt bool) {
	switch {
	case missing(v) || math.IsInf(v, 0):
		// JSON has no NaN or infinity.
		b.WriteString("null")
	case asInt && v == math.Trunc(v) && math.Abs(v) < 1<<63:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	default:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		b.WriteString(s)
	}
}

func jsonArray(vs []float64, asInt bool) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmtNum(&b, v, asInt)
	}
	b.WriteByte(']')
	return b.String()
}

func jsonNum(v float64, asInt bool) string {
	var b strings.Builder
	fmtNum(&b, v, asInt)
	return b.String()
}

// tupleJSON carries a function's several values: the list of their JSON
// texts (sqlgen.GoTupleFunc's result).
func tupleJSON(parts ...string) []any {
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

// scalarText is a real result as SQL casts it: nil for null.
func scalarText(v float64) any {
	if missing(v) {
		return nil
	}
	if math.IsInf(v, 1) {
		return "inf"
	}
	if math.IsInf(v, -1) {
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// seriesCall evaluates one call; a nil result is SQL NULL.
func seriesCall(name string, args []arg) (any, error) {
	if f, ok := scalarFuncs[name]; ok {
		return f(args)
	}
	a0 := args[0]
	seriesOnly := strings.HasPrefix(name, "series_") && !binaryOps[strings.TrimPrefix(name, "series_")] && name != "series_dot_product"
	if seriesOnly && !a0.isArr {
		return nil, nil
	}
	switch name {
	case "series_decompose_anomalies":
		trend, method := strings.ToLower(args[3].str), strings.ToLower(args[5].str)
		flag, score, base, ok := decomposeAnomalies(a0.floats(), numOr(args[1], 1.5), int(numOr(args[2], -1)), trend, int(numOr(args[4], 0)), method, numOr(args[6], 0.6))
		if !ok {
			return nil, nil
		}
		return tupleJSON(jsonArray(flag, true), jsonArray(score, false), jsonArray(base, false)), nil
	case "series_decompose", "series_decompose_forecast":
		y := a0.floats()
		if name == "series_decompose_forecast" {
			// Points: the forecast is the baseline of the last points,
			// which are left out of the learning.
			d, ok := decompose(y, int(numOr(args[2], -1)), strings.ToLower(args[3].str), int(numOr(args[1], 0)), numOr(args[4], 0.6))
			if !ok {
				return nil, nil
			}
			return jsonArray(d.baseline, false), nil
		}
		d, ok := decompose(y, int(numOr(args[1], -1)), strings.ToLower(args[2].str), int(numOr(args[3], 0)), numOr(args[4], 0.6))
		if !ok {
			return nil, nil
		}
		return tupleJSON(jsonArray(d.baseline, false), jsonArray(d.seasonal, false), jsonArray(d.trend, false), jsonArray(d.residual, false)), nil
	case "series_outliers":
		lo, hi := numOr(args[3], 10), numOr(args[4], 90)
		switch strings.ToLower(args[1].str) {
		case "tukey":
			lo, hi = 25, 75
		case "ctukey":
			if lo < 2 || lo > 98 || hi < 2 || hi > 98 || lo >= hi {
				return nil, nil
			}
		default:
			return nil, nil
		}
		y := a0.floats()
		return jsonArray(outliers(y, args[2].num, lo, hi, len(y)), false), nil
	case "series_seasonal":
		// Period -1 detects it (series_periods_detect with a threshold
		// of 0.7, the reference page); other values below 1 give zeros.
		y := a0.floats()
		period := int(numOr(args[1], -1))
		if period == -1 {
			period = 0
			ps, ss := periodsDetect(y, 4, float64(len(y))/2, 1)
			if ps[0] > 0 && ss[0] >= 0.7 {
				period = int(ps[0])
			}
		}
		return jsonArray(seasonal(y, max(period, 0), len(y)), false), nil
	case "series_periods_detect":
		ps, ss := periodsDetect(a0.floats(), numOr(args[1], 0), numOr(args[2], 0), int(numOr(args[3], 1)))
		return tupleJSON(jsonArray(ps, false), jsonArray(ss, false)), nil
	case "series_periods_validate":
		var ps []float64
		for _, a := range args[1:] {
			if !a.null { // the padding after the last period
				ps = append(ps, a.num)
			}
		}
		return tupleJSON(jsonArray(ps, false), jsonArray(periodsValidate(a0.floats(), ps), false)), nil
	case "series_fit_line", "series_fit_line_dynamic":
		y := a0.floats()
		f := fitLine(y, len(y), len(y))
		if name == "series_fit_line" {
			return tupleJSON(jsonNum(f.rsquare, false), jsonNum(f.slope, false), jsonNum(f.variance, false),
				jsonNum(f.rvariance, false), jsonNum(f.interception, false), jsonArray(f.line, false)), nil
		}
		return fmt.Sprintf(`{"rsquare":%s,"slope":%s,"variance":%s,"rvariance":%s,"interception":%s,"line_fit":%s}`,
			jsonNum(f.rsquare, false), jsonNum(f.slope, false), jsonNum(f.variance, false),
			jsonNum(f.rvariance, false), jsonNum(f.interception, false), jsonArray(f.line, false)), nil
	case "series_fit_2lines", "series_fit_2lines_dynamic":
		f := fitTwoLines(a0.floats())
		num := func(v float64) string { return jsonNum(v, false) }
		split := math.NaN()
		if f.split >= 0 {
			split = float64(f.split)
		}
		side := func(l lineFit) []string {
			if f.split < 0 {
				nan := math.NaN()
				l = lineFit{rsquare: nan, slope: nan, interception: nan, variance: nan, rvariance: nan}
			}
			return []string{num(l.rsquare), num(l.slope), num(l.interception), num(l.variance), num(l.rvariance)}
		}
		r, l := side(f.right), side(f.left)
		if name == "series_fit_2lines" {
			return tupleJSON(append(append([]string{num(f.rsquare), jsonNum(split, true), num(f.variance), num(f.rvariance), jsonArray(f.line, false)}, r...), l...)...), nil
		}
		bag := func(v []string) string {
			return fmt.Sprintf(`{"rsquare":%s,"slope":%s,"interception":%s,"variance":%s,"rvariance":%s}`, v[0], v[1], v[2], v[3], v[4])
		}
		return fmt.Sprintf(`{"rsquare":%s,"split_idx":%s,"variance":%s,"rvariance":%s,"line_fit":%s,"right":%s,"left":%s}`,
			num(f.rsquare), jsonNum(split, true), num(f.variance), num(f.rvariance), jsonArray(f.line, false), bag(r), bag(l)), nil
	case "series_fft", "series_ifft":
		re := a0.floats()
		im := make([]float64, len(re))
		if args[1].isArr {
			im = args[1].floats()
			if len(im) != len(re) {
				return nil, nil
			}
		}
		for i := range re {
			if missing(re[i]) || missing(im[i]) {
				return nil, nil
			}
		}
		xr, xi := dft(re, im, name == "series_ifft")
		return tupleJSON(jsonArray(xr, false), jsonArray(xi, false)), nil
	case "series_fit_poly":
		y := a0.floats()
		x := make([]float64, len(y))
		for i := range x {
			x[i] = float64(i + 1)
		}
		if args[1].isArr {
			x = args[1].floats()
		}
		f, ok := fitPoly(y, x, int(numOr(args[2], 1)))
		if !ok {
			return nil, nil
		}
		return tupleJSON(jsonNum(f.rsquare, false), jsonArray(f.coefficients, false), jsonNum(f.variance, false),
			jsonNum(f.rvariance, false), jsonArray(f.fit, false)), nil
	case "series_stats", "series_stats_dynamic":
		st := seriesStats(a0.floats(), args[1].isB && args[1].b)
		if name == "series_stats" {
			return tupleJSON(jsonNum(st.min, false), jsonNum(st.minIdx, true), jsonNum(st.max, false), jsonNum(st.maxIdx, true),
				jsonNum(st.avg, false), jsonNum(st.stdev, false), jsonNum(st.variance, false)), nil
		}
		return fmt.Sprintf(`{"min":%s,"min_idx":%s,"max":%s,"max_idx":%s,"avg":%s,"stdev":%s,"variance":%s,"sum":%s,"len":%s}`,
			jsonNum(st.min, false), jsonNum(st.minIdx, true), jsonNum(st.max, false), jsonNum(st.maxIdx, true),
			jsonNum(st.avg, false), jsonNum(st.stdev, false), jsonNum(st.variance, false), jsonNum(st.sum, false), jsonNum(st.len, true)), nil
	case "series_sum", "series_magnitude":
		var s float64
		for _, e := range a0.arr {
			if !missing(e.v) {
				if name == "series_magnitude" {
					s += e.v * e.v
				} else {
					s += e.v
				}
			}
		}
		if name == "series_magnitude" {
			s = math.Sqrt(s)
		}
		return scalarText(s), nil
	case "series_dot_product":
		x, y, ok := pairwise(a0, args[1])
		if !ok {
			return nil, nil
		}
		var s float64
		for i := range x {
			if !missing(x[i]) && !missing(y[i]) {
				s += x[i] * y[i]
			}
		}
		return scalarText(s), nil
	case "series_cosine_similarity":
		if !args[1].isArr || len(a0.arr) != len(args[1].arr) {
			return nil, nil
		}
		x, y := a0.floats(), args[1].floats()
		var dot, mx, my float64
		for i := range x {
			if missing(x[i]) || missing(y[i]) {
				return nil, nil
			}
			dot += x[i] * y[i]
			mx += x[i] * x[i]
			my += y[i] * y[i]
		}
		mx, my = math.Sqrt(mx), math.Sqrt(my)
		if !args[2].null {
			mx = args[2].num
		}
		if !args[3].null {
			my = args[3].num
		}
		return scalarText(dot / (mx * my)), nil
	case "series_pearson_correlation":
		if !args[1].isArr || len(a0.arr) != len(args[1].arr) {
			return nil, nil
		}
		return scalarText(pearson(a0.floats(), args[1].floats())), nil
	case "series_fill_linear":
		return fillLinear(a0, args[1], !args[2].isB || args[2].b, args[3]), nil
	case "series_fill_forward", "series_fill_backward":
		return fillDirection(a0, args[1], name == "series_fill_backward"), nil
	case "series_fill_const":
		return fillConst(a0, args[1], args[2]), nil
	case "series_fir":
		if !args[1].isArr {
			return nil, nil
		}
		out, ok := fir(a0.floats(), args[1].floats(), args[2], args[3].isB && args[3].b)
		if !ok {
			return nil, nil
		}
		return jsonArray(out, false), nil
	case "series_iir":
		if !args[1].isArr || !args[2].isArr {
			return nil, nil
		}
		out, ok := iir(a0.floats(), args[1].floats(), args[2].floats())
		if !ok {
			return nil, nil
		}
		return jsonArray(out, false), nil
	}
	if op, ok := strings.CutPrefix(name, "series_"); ok {
		if binaryOps[op] {
			return elementWise(op, a0, args[1]), nil
		}
		if f, ok := unaryOps[op]; ok {
			out := make([]float64, len(a0.arr))
			keepInt := a0.allInt() && (op == "abs" || op == "sign" || op == "ceiling" || op == "floor")
			for i, e := range a0.arr {
				out[i] = math.NaN()
				if !missing(e.v) {
					out[i] = f(e.v)
				}
			}
			return jsonArray(out, keepInt), nil
		}
	}
	return nil, fmt.Errorf("%s: unknown series function %s", sqlgen.GoFunc, name)
}

// numOr is a's number, or def when a is null.
func numOr(a arg, def float64) float64 {
	if a.null || missing(a.num) {
		if a.isB {
			if a.b {
				return 1
			}
			return 0
		}
		return def
	}
	return a.num
}

type stats struct{ min, minIdx, max, maxIdx, avg, stdev, variance, sum, len float64 }

// seriesStats: with ignoreNonFinite false, any null or non-finite element
// makes every statistic null (the reference's series_stats page).
func seriesStats(y []float64, ignoreNonFinite bool) stats {
	nan := math.NaN()
	st := stats{min: nan, minIdx: nan, max: nan, maxIdx: nan, avg: nan, stdev: nan, variance: nan, sum: nan, len: nan}
	var vs []float64
	var idx []int
	for i, v := range y {
		if missing(v) || math.IsInf(v, 0) {
			if !ignoreNonFinite {
				return st
			}
			continue
		}
		vs = append(vs, v)
		idx = append(idx, i)
	}
	st.len = float64(len(vs))
	st.sum = 0
	if len(vs) == 0 {
		return st
	}
	st.min, st.max = vs[0], vs[0]
	st.minIdx, st.maxIdx = float64(idx[0]), float64(idx[0])
	for k, v := range vs {
		st.sum += v
		if v < st.min {
			st.min, st.minIdx = v, float64(idx[k])
		}
		if v > st.max {
			st.max, st.maxIdx = v, float64(idx[k])
		}
	}
	st.avg = st.sum / float64(len(vs))
	if len(vs) > 1 {
		var ss float64
		for _, v := range vs {
			ss += (v - st.avg) * (v - st.avg)
		}
		st.variance = ss / float64(len(vs)-1)
		st.stdev = math.Sqrt(st.variance)
	}
	return st
}

func pearson(x, y []float64) float64 {
	var sx, sy, k float64
	for i := range x {
		if missing(x[i]) || missing(y[i]) {
			return math.NaN()
		}
		sx += x[i]
		sy += y[i]
		k++
	}
	if k == 0 {
		return math.NaN()
	}
	mx, my := sx/k, sy/k
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// pairwise lines up two arguments, each a series or a number (broadcast),
// over the longer series; missing positions are NaN.
func pairwise(a, b arg) ([]float64, []float64, bool) {
	n := 0
	switch {
	case a.isArr && b.isArr:
		n = max(len(a.arr), len(b.arr))
	case a.isArr && !b.null && !b.isArr:
		n = len(a.arr)
	case b.isArr && !a.null && !a.isArr:
		n = len(b.arr)
	default:
		return nil, nil, false
	}
	get := func(x arg, i int) float64 {
		if !x.isArr {
			return x.num
		}
		if i < len(x.arr) {
			return x.arr[i].v
		}
		return math.NaN()
	}
	x, y := make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		x[i], y[i] = get(a, i), get(b, i)
	}
	return x, y, true
}

// elemInt tells whether element i of a (a number: itself) is an integer.
func elemInt(a arg, i int) bool {
	if !a.isArr {
		return a.isInt
	}
	return i < len(a.arr) && a.arr[i].isInt
}

var binaryOps = map[string]bool{"add": true, "subtract": true, "multiply": true, "divide": true, "pow": true,
	"greater": true, "greater_equals": true, "less": true, "less_equals": true, "equals": true, "not_equals": true}

// elementWise applies op element by element (a number stands for a
// series of itself). Non-numeric or absent elements (series of different
// lengths) give null, as the reference pages say. add, subtract and
// multiply keep integers when both elements are integers; divide and pow
// give reals.
func elementWise(op string, a, b arg) any {
	x, y, ok := pairwise(a, b)
	if !ok {
		return nil
	}
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range x {
		ints := elemInt(a, i) && elemInt(b, i)
		if i > 0 {
			sb.WriteByte(',')
		}
		if missing(x[i]) || missing(y[i]) {
			sb.WriteString("null")
			continue
		}
		var r float64
		cmp := ""
		switch op {
		case "add":
			r = x[i] + y[i]
		case "subtract":
			r = x[i] - y[i]
		case "multiply":
			r = x[i] * y[i]
		case "divide":
			r = x[i] / y[i]
		case "pow":
			r = math.Pow(x[i], y[i])
		case "greater":
			cmp = strconv.FormatBool(x[i] > y[i])
		case "greater_equals":
			cmp = strconv.FormatBool(x[i] >= y[i])
		case "less":
			cmp = strconv.FormatBool(x[i] < y[i])
		case "less_equals":
			cmp = strconv.FormatBool(x[i] <= y[i])
		case "equals":
			cmp = strconv.FormatBool(x[i] == y[i])
		case "not_equals":
			cmp = strconv.FormatBool(x[i] != y[i])
		}
		if cmp != "" {
			sb.WriteString(cmp)
			continue
		}
		fmtNum(&sb, r, ints && (op == "add" || op == "subtract" || op == "multiply"))
	}
	sb.WriteByte(']')
	return sb.String()
}

var unaryOps = map[string]func(float64) float64{
	"abs": math.Abs, "acos": math.Acos, "asin": math.Asin, "atan": math.Atan, "ceiling": math.Ceil,
	"cos": math.Cos, "exp": math.Exp, "floor": math.Floor, "log": math.Log, "sin": math.Sin,
	"tan": math.Tan,
	"sign": func(v float64) float64 {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0
	},
}

// isMissing tells whether element i of a is a missing value: null when
// the placeholder is null, else equal to the placeholder (then a null is
// a value like any other).
func isMissing(a arg, i int, placeholder arg) bool {
	if placeholder.null || missing(placeholder.num) {
		return a.arr[i].isNull
	}
	return a.arr[i].v == placeholder.num
}

// rawJoin prints an array from elements as written, replacing some.
func rawJoin(a arg, repl func(i int) (string, bool)) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range a.raw {
		if i > 0 {
			b.WriteByte(',')
		}
		if s, ok := repl(i); ok {
			b.WriteString(s)
		} else {
			b.Write(bytes.TrimSpace(a.raw[i]))
		}
	}
	b.WriteByte(']')
	return b.String()
}

func argText(a arg) string {
	switch {
	case a.null:
		return "null"
	case a.isB:
		return strconv.FormatBool(a.b)
	case !missing(a.num):
		return jsonNum(a.num, a.isInt)
	}
	s, _ := json.Marshal(a.str)
	return string(s)
}

// fillConst replaces missing elements with c.
func fillConst(a, c, placeholder arg) any {
	ct := argText(c)
	return rawJoin(a, func(i int) (string, bool) { return ct, isMissing(a, i, placeholder) })
}

// fillDirection carries the last present element forward (or the next one
// backward); leading (trailing) missing elements stay.
func fillDirection(a, placeholder arg, backward bool) any {
	src := make([]int, len(a.arr))
	last := -1
	for k := range a.arr {
		i := k
		if backward {
			i = len(a.arr) - 1 - k
		}
		if isMissing(a, i, placeholder) {
			src[i] = last
		} else {
			src[i] = i
			last = i
		}
	}
	return rawJoin(a, func(i int) (string, bool) {
		if src[i] == i {
			return "", false
		}
		if src[i] < 0 {
			return string(bytes.TrimSpace(a.raw[i])), true
		}
		return string(bytes.TrimSpace(a.raw[src[i]])), true
	})
}

// fillLinear interpolates missing elements linearly between their present
// neighbours; edges take the nearest present value when fillEdges; a
// series with no present value is filled with constant (kept null when
// constant is null). A series of integers stays integers: interpolated
// values are truncated toward zero, as the reference's example shows
// (73.5 → 73, 32.667 → 32).
func fillLinear(a, placeholder arg, fillEdges bool, constant arg) any {
	n := len(a.arr)
	var present []int
	for i := 0; i < n; i++ {
		if !isMissing(a, i, placeholder) {
			present = append(present, i)
		}
	}
	if len(present) == 0 {
		ct := argText(constant)
		return rawJoin(a, func(int) (string, bool) { return ct, true })
	}
	ints := true
	for _, i := range present {
		if !a.arr[i].isInt {
			ints = false
		}
	}
	out := make([]string, n)
	val := func(v float64) string {
		if ints {
			return strconv.FormatInt(int64(v), 10)
		}
		return jsonNum(v, false)
	}
	for k, i := range present {
		out[i] = string(bytes.TrimSpace(a.raw[i]))
		if k+1 < len(present) {
			j := present[k+1]
			for m := i + 1; m < j; m++ {
				t := float64(m-i) / float64(j-i)
				out[m] = val(a.arr[i].v + t*(a.arr[j].v-a.arr[i].v))
			}
		}
	}
	first, last := present[0], present[len(present)-1]
	for m := 0; m < first; m++ {
		out[m] = string(bytes.TrimSpace(a.raw[m]))
		if fillEdges {
			out[m] = string(bytes.TrimSpace(a.raw[first]))
		}
	}
	for m := last + 1; m < n; m++ {
		out[m] = string(bytes.TrimSpace(a.raw[m]))
		if fillEdges {
			out[m] = string(bytes.TrimSpace(a.raw[last]))
		}
	}
	return "[" + strings.Join(out, ",") + "]"
}

// fir applies a finite impulse response filter: y[i] = Σ f[j]·x[i-j]
// (center: shifted by (len(f)-1)/2 so the window is around i). Elements
// outside the series, and missing ones, count as 0 (inferred). normalize
// divides by the sum of the coefficients; when not given it is true unless
// a coefficient is negative, and asking for it with negative coefficients
// gives null (the reference page).
func fir(x, f []float64, normalize arg, center bool) ([]float64, bool) {
	neg := false
	var sum float64
	for _, c := range f {
		if missing(c) {
			return nil, false
		}
		if c < 0 {
			neg = true
		}
		sum += c
	}
	norm := !neg
	if normalize.isB {
		norm = normalize.b
		if norm && neg {
			return nil, false
		}
	}
	shift := 0
	if center {
		shift = (len(f) - 1) / 2
	}
	out := make([]float64, len(x))
	for i := range x {
		var s float64
		for j, c := range f {
			k := i + shift - j
			if k >= 0 && k < len(x) && !missing(x[k]) {
				s += c * x[k]
			}
		}
		if norm && sum != 0 {
			s /= sum
		}
		out[i] = s
	}
	return out, true
}

// iir applies Y[i] = (Σ b[k]·X[i-k] - Σ_{k≥1} a[k]·Y[i-k]) / a[0]
// (numerators b, denominators a); earlier values are 0.
func iir(x, b, a []float64) ([]float64, bool) {
	if len(a) == 0 || a[0] == 0 || missing(a[0]) {
		return nil, false
	}
	out := make([]float64, len(x))
	for i := range x {
		var s float64
		for k, c := range b {
			if i-k >= 0 && !missing(x[i-k]) {
				s += c * x[i-k]
			}
		}
		for k := 1; k < len(a); k++ {
			if i-k >= 0 {
				s -= a[k] * out[i-k]
			}
		}
		out[i] = s / a[0]
	}
	return out, true
}

// seriesUDF is the DuckDB scalar function wrapping seriesCall: returning
// text (sqlgen.GoFunc), or a list of texts (sqlgen.GoTupleFunc).
type seriesUDF struct{ tuple bool }

func (u seriesUDF) Config() duckdb.ScalarFuncConfig {
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		panic(err) // a built-in type always exists
	}
	res := varchar
	if u.tuple {
		if res, err = duckdb.NewListInfo(varchar); err != nil {
			panic(err)
		}
	}
	return duckdb.ScalarFuncConfig{
		InputTypeInfos:      []duckdb.TypeInfo{varchar},
		VariadicTypeInfo:    varchar,
		ResultTypeInfo:      res,
		SpecialNullHandling: true, // null arguments mean "use the default" or give null results
	}
}

func (u seriesUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		name, _ := values[0].(string)
		args := make([]arg, len(values)-1)
		for i, v := range values[1:] {
			args[i] = decodeArg(v)
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("%s: %s has no arguments", sqlgen.GoFunc, name)
		}
		// The binder supplies every parameter; absent ones read as null.
		for len(args) < 8 {
			args = append(args, arg{null: true, num: math.NaN()})
		}
		r, err := seriesCall(name, args)
		if _, isTuple := r.([]any); isTuple != u.tuple && r != nil {
			return nil, fmt.Errorf("%s: %s called through the wrong SQL function", sqlgen.GoFunc, name)
		}
		return r, err
	}}
}

// Register makes sqlgen.GoFunc and sqlgen.GoTupleFunc callable on every
// connection of db, a DuckDB database (DuckDB keeps scalar functions in
// the instance's catalog).
func Register(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := duckdb.RegisterScalarUDF(conn, sqlgen.GoFunc, seriesUDF{}); err != nil {
		return err
	}
	return duckdb.RegisterScalarUDF(conn, sqlgen.GoTupleFunc, seriesUDF{tuple: true})
}
