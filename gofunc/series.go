package gofunc

// The numeric algorithms behind the series_* functions, on series of
// float64 where NaN marks a missing element (null or non-numeric in the
// dynamic array). Where Microsoft's reference pages leave a detail open,
// the comment says "Inferred" and what was chosen.

import (
	"math"
	"sort"
)

func missing(v float64) bool { return math.IsNaN(v) }

// percentile is the p-th percentile (0-100) of the present values of xs,
// with linear interpolation between closest ranks. Inferred: the pages of
// series_outliers() name the percentiles (10/90, 25/75) but not the
// interpolation; this is the common definition (NumPy's default, R's
// type 7).
func percentile(xs []float64, p float64) float64 {
	var v []float64
	for _, x := range xs {
		if !missing(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	pos := p / 100 * float64(len(v)-1)
	lo := int(math.Floor(pos))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[lo] + (pos-float64(lo))*(v[lo+1]-v[lo])
}

func median(v []float64) float64 { return percentile(v, 50) }

// outliers scores every element with Tukey's fences between the
// percentiles lo and hi (series_outliers). Missing elements, and elements
// equal to ignore (when ignore is not NaN), score 0 and are left out of
// the percentiles; learn limits the percentiles to the first learn
// elements (series_decompose_anomalies' Test_points).
//
// Inferred: the reference gives the meaning of the score (above 1.5 a rise
// anomaly, below -1.5 a decline, as Tukey's k) but not its formula. A
// value above the high percentile scores (x - P_hi) / (P_hi - P_lo), below
// the low one (x - P_lo) / (P_hi - P_lo), between them 0: the k for which
// x lies on Tukey's fence. When the range is 0 (a flat series) the
// distance itself is the score, so that a burst in a series of zeros
// still stands out.
func outliers(xs []float64, ignore float64, lo, hi float64, learn int) []float64 {
	use := make([]float64, 0, len(xs))
	for i, x := range xs {
		if i >= learn {
			break
		}
		if !missing(ignore) && x == ignore {
			continue
		}
		use = append(use, x)
	}
	plo, phi := percentile(use, lo), percentile(use, hi)
	iqr := phi - plo
	if iqr <= 0 || missing(iqr) {
		iqr = 1
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		switch {
		case missing(x) || (!missing(ignore) && x == ignore) || missing(plo):
			out[i] = 0
		case x > phi:
			out[i] = (x - phi) / iqr
		case x < plo:
			out[i] = (x - plo) / iqr
		}
	}
	return out
}

// lineFit is series_fit_line's result.
type lineFit struct {
	rsquare, slope, variance, rvariance, interception float64
	line                                              []float64
}

// fitLine fits y = slope*x + interception by least squares over the
// present elements, with x = 1, 2, ... the element's position (the
// reference's example: interception -1.666 and a first fitted value of
// 1.064 = 2.730 - 1.666). variance is the sample variance of y, rvariance
// that of the residuals. The line covers all n positions.
func fitLine(y []float64, learn, n int) lineFit { return fitRange(y, 0, learn, n) }

// fitRange fits the present elements of y[from:to] (x still the position
// in the whole series) and extends the line over n positions.
func fitRange(y []float64, from, to, n int) lineFit {
	var sx, sy, k float64
	for i := from; i < to && i < len(y); i++ {
		if !missing(y[i]) {
			sx += float64(i + 1)
			sy += y[i]
			k++
		}
	}
	nan := math.NaN()
	if k == 0 {
		line := make([]float64, n)
		for i := range line {
			line[i] = nan
		}
		return lineFit{nan, nan, nan, nan, nan, line}
	}
	mx, my := sx/k, sy/k
	var sxx, sxy, syy float64
	for i := from; i < to && i < len(y); i++ {
		if !missing(y[i]) {
			dx, dy := float64(i+1)-mx, y[i]-my
			sxx += dx * dx
			sxy += dx * dy
			syy += dy * dy
		}
	}
	slope := 0.0
	if sxx > 0 {
		slope = sxy / sxx
	}
	icpt := my - slope*mx
	line := make([]float64, n)
	for i := range line {
		line[i] = slope*float64(i+1) + icpt
	}
	var sres float64
	for i := from; i < to && i < len(y); i++ {
		if !missing(y[i]) {
			r := y[i] - line[i]
			sres += r * r
		}
	}
	f := lineFit{slope: slope, interception: icpt, line: line, variance: nan, rvariance: nan, rsquare: 1}
	if k > 1 {
		f.variance = syy / (k - 1)
		f.rvariance = sres / (k - 1)
	}
	if syy > 0 {
		f.rsquare = 1 - sres/syy
	}
	return f
}

// twoLines is series_fit_2lines' result.
type twoLines struct {
	rsquare, variance, rvariance float64
	split                        int
	line                         []float64
	left, right                  lineFit
}

// fitTwoLines tries every split of y into a left part y[:s] and a right
// part y[s:] (each of at least two points), fits a line to each, and keeps
// the split with the best total r-square, 1 - (residual sum of squares of
// both lines) / (total sum of squares). Inferred: the reference does not
// say on which side the split index falls (here: the first point of the
// right part) nor the lines' x origin (here, as for series_fit_line, the
// position in the whole series, from 1).
func fitTwoLines(y []float64) twoLines {
	n := len(y)
	nan := math.NaN()
	best := twoLines{rsquare: nan, variance: nan, rvariance: nan, split: -1, line: make([]float64, n)}
	for i := range best.line {
		best.line[i] = nan
	}
	var sy, k float64
	for _, v := range y {
		if !missing(v) {
			sy += v
			k++
		}
	}
	if k < 4 {
		return best
	}
	m := sy / k
	var sst float64
	for _, v := range y {
		if !missing(v) {
			sst += (v - m) * (v - m)
		}
	}
	best.variance = sst / (k - 1)
	bestSS := math.Inf(1)
	for s := 2; s <= n-2; s++ {
		l, r := fitRange(y, 0, s, n), fitRange(y, s, n, n)
		ss := residualSS(y, l.line, 0, s) + residualSS(y, r.line, s, n)
		if ss < bestSS {
			bestSS = ss
			best.split, best.left, best.right = s, l, r
		}
	}
	if best.split < 0 {
		return best
	}
	for i := range best.line {
		if i < best.split {
			best.line[i] = best.left.line[i]
		} else {
			best.line[i] = best.right.line[i]
		}
	}
	best.rvariance = bestSS / (k - 1)
	best.rsquare = 1
	if sst > 0 {
		best.rsquare = 1 - bestSS/sst
	}
	return best
}

func residualSS(y, line []float64, from, to int) float64 {
	var ss float64
	for i := from; i < to; i++ {
		if !missing(y[i]) && !missing(line[i]) {
			r := y[i] - line[i]
			ss += r * r
		}
	}
	return ss
}

// dft transforms (re, im) with the discrete Fourier transform
// X[k] = Σ x[t]·e^(∓2πikt/n) (inverse: the + sign and a factor 1/n), by
// radix-2 FFT when n is a power of two and directly otherwise.
func dft(re, im []float64, inverse bool) ([]float64, []float64) {
	n := len(re)
	sign := -1.0
	if inverse {
		sign = 1
	}
	xr, xi := append([]float64(nil), re...), append([]float64(nil), im...)
	if n > 0 && n&(n-1) == 0 {
		// Bit-reversal permutation, then butterflies.
		for i, j := 1, 0; i < n; i++ {
			bit := n >> 1
			for ; j&bit != 0; bit >>= 1 {
				j ^= bit
			}
			j ^= bit
			if i < j {
				xr[i], xr[j] = xr[j], xr[i]
				xi[i], xi[j] = xi[j], xi[i]
			}
		}
		for size := 2; size <= n; size <<= 1 {
			ang := sign * 2 * math.Pi / float64(size)
			for k := 0; k < size/2; k++ {
				wr, wi := math.Cos(ang*float64(k)), math.Sin(ang*float64(k))
				for start := 0; start < n; start += size {
					a, b := start+k, start+k+size/2
					tr := wr*xr[b] - wi*xi[b]
					ti := wr*xi[b] + wi*xr[b]
					xr[b], xi[b] = xr[a]-tr, xi[a]-ti
					xr[a], xi[a] = xr[a]+tr, xi[a]+ti
				}
			}
		}
	} else {
		or, oi := make([]float64, n), make([]float64, n)
		for k := 0; k < n; k++ {
			for t := 0; t < n; t++ {
				ang := sign * 2 * math.Pi * float64((k*t)%n) / float64(n)
				c, s := math.Cos(ang), math.Sin(ang)
				or[k] += re[t]*c - im[t]*s
				oi[k] += re[t]*s + im[t]*c
			}
		}
		xr, xi = or, oi
	}
	if inverse && n > 0 {
		for i := range xr {
			xr[i] /= float64(n)
			xi[i] /= float64(n)
		}
	}
	return xr, xi
}

// polyFit is series_fit_poly's result.
type polyFit struct {
	rsquare, variance, rvariance float64
	coefficients, fit            []float64
}

// fitPoly fits a polynomial of the given degree to the points (x[i], y[i])
// whose coordinates are both present, by least squares (a QR
// factorisation of the Vandermonde matrix, by modified Gram-Schmidt). The
// coefficients go from the highest power down; variance and rvariance
// are as in fitLine, so degree 1 gives series_fit_line's numbers.
func fitPoly(y, x []float64, degree int) (polyFit, bool) {
	nan := math.NaN()
	var px, py []float64
	for i := range y {
		if i < len(x) && !missing(y[i]) && !missing(x[i]) {
			px = append(px, x[i])
			py = append(py, y[i])
		}
	}
	m, p := len(px), degree+1
	if degree < 0 || m < p {
		return polyFit{}, false
	}
	// Columns: x^0 .. x^degree.
	q := make([][]float64, p)
	for j := range q {
		q[j] = make([]float64, m)
		for i := range px {
			q[j][i] = math.Pow(px[i], float64(j))
		}
	}
	r := make([][]float64, p)
	for j := range r {
		r[j] = make([]float64, p)
	}
	for j := 0; j < p; j++ {
		for k := 0; k < j; k++ {
			var d float64
			for i := 0; i < m; i++ {
				d += q[k][i] * q[j][i]
			}
			r[k][j] = d
			for i := 0; i < m; i++ {
				q[j][i] -= d * q[k][i]
			}
		}
		var norm float64
		for i := 0; i < m; i++ {
			norm += q[j][i] * q[j][i]
		}
		norm = math.Sqrt(norm)
		r[j][j] = norm
		if norm == 0 {
			return polyFit{}, false
		}
		for i := 0; i < m; i++ {
			q[j][i] /= norm
		}
	}
	// Solve R·c = Qᵀ·y.
	c := make([]float64, p)
	for j := p - 1; j >= 0; j-- {
		var v float64
		for i := 0; i < m; i++ {
			v += q[j][i] * py[i]
		}
		for k := j + 1; k < p; k++ {
			v -= r[j][k] * c[k]
		}
		c[j] = v / r[j][j]
	}
	eval := func(xv float64) float64 {
		var v float64
		for j := p - 1; j >= 0; j-- {
			v = v*xv + c[j]
		}
		return v
	}
	f := polyFit{variance: nan, rvariance: nan, rsquare: 1, fit: make([]float64, len(y))}
	for i := range y {
		f.fit[i] = nan
		if i < len(x) && !missing(x[i]) {
			f.fit[i] = eval(x[i])
		}
	}
	var my float64
	for _, v := range py {
		my += v
	}
	my /= float64(m)
	var sst, sres float64
	for i := range py {
		sst += (py[i] - my) * (py[i] - my)
		d := py[i] - eval(px[i])
		sres += d * d
	}
	if m > 1 {
		f.variance = sst / float64(m-1)
		f.rvariance = sres / float64(m-1)
	}
	if sst > 0 {
		f.rsquare = 1 - sres/sst
	}
	f.coefficients = make([]float64, p)
	for j := range c {
		f.coefficients[p-1-j] = c[j]
	}
	return f, true
}

// autocorr is the autocorrelation of a series at lags 0..max, each lag's
// products averaged over its own count of pairs (the unbiased estimate)
// and divided by the variance; missing elements count as the mean. The
// lag products come from one FFT of the zero-padded deviations (the
// Wiener-Khinchin theorem), O(n log n) for all lags.
type autocorr struct {
	c   []float64 // Σ d[i]·d[i+lag]
	n   int
	v0  float64 // variance (0: constant series, every lag 0)
	max int
}

func acf(y []float64, maxLag int) *autocorr {
	n := len(y)
	r := &autocorr{n: n, max: min(maxLag, n-1)}
	var s, k float64
	for _, v := range y {
		if !missing(v) {
			s += v
			k++
		}
	}
	if k == 0 {
		return r
	}
	mean := s / k
	size := 1
	for size < 2*n {
		size <<= 1
	}
	re, im := make([]float64, size), make([]float64, size)
	for i, v := range y {
		if !missing(v) {
			re[i] = v - mean
		}
		r.v0 += re[i] * re[i]
	}
	r.v0 /= float64(n)
	if r.v0 == 0 {
		return r
	}
	fr, fi := dft(re, im, false)
	for i := range fr {
		fr[i], fi[i] = fr[i]*fr[i]+fi[i]*fi[i], 0
	}
	r.c, _ = dft(fr, fi, true)
	return r
}

// at is the autocorrelation at lag (0 outside 0..max).
func (r *autocorr) at(lag int) float64 {
	if r.v0 == 0 || lag < 0 || lag > r.max {
		return 0
	}
	return r.c[lag] / float64(r.n-lag) / r.v0
}

// periodScore scores period p: the smallest autocorrelation at p and its
// multiples within the lags, at least 0.
func periodScore(r *autocorr, p int) float64 {
	if p <= 0 || p > r.max {
		return 0
	}
	s := math.Inf(1)
	for q := p; q <= r.max; q += p {
		s = math.Min(s, r.at(q))
	}
	return math.Max(s, 0)
}

// periodsDetect finds the most significant periods of y between minP and
// maxP bins (series_periods_detect): the periods, best first, and their
// scores in [0, 1], padded with zeros to num.
//
// Inferred: the reference says only that periods are found between the
// bounds, contain at least 4 points and at most half the series, and are
// scored between 0 and 1. The algorithm here reproduces the reference's
// example (period 14, score 0.84, and nothing else, for its 60-point
// series): candidate frequencies are the local maxima of the periodogram;
// each is refined to the whole period, among those its neighbouring
// frequencies bracket, with the highest autocorrelation; a period scores
// the smallest autocorrelation at itself and its multiples up to half
// the series (a true period repeats); periods scoring 0 are dropped, and
// so are multiples of a period scoring at least 90% as well.
func periodsDetect(y []float64, minP, maxP float64, num int) ([]float64, []float64) {
	n := len(y)
	periods := make([]float64, max(num, 0))
	scores := make([]float64, max(num, 0))
	// Periods (and the lags scoring them) stay below half the series, so
	// that two whole cycles and more fit: the reference's series_seasonal
	// example finds no period in 12 points repeating every 6.
	half := (n - 1) / 2
	lo := math.Max(minP, 4)
	hi := math.Min(maxP, float64(half))
	if n < 8 || lo > hi || num <= 0 {
		return periods, scores
	}
	r := acf(y, half)
	power := periodogram(y, int(math.Floor(float64(n)/lo))+1)
	type cand struct {
		p int
		s float64
	}
	var cands []cand
	seen := map[int]bool{}
	// A frequency of one cycle in the series is no period: at least two
	// cycles must fit (the reference's "at most half of the series").
	for k := 2; k < len(power)-1; k++ {
		if !(power[k] > power[k-1] && power[k] >= power[k+1]) {
			continue
		}
		from := float64(n) / float64(k+1)
		to := float64(hi)
		if k > 1 {
			to = float64(n) / float64(k-1)
		}
		from, to = math.Max(from, lo), math.Min(to, hi)
		best, bestR := 0, math.Inf(-1)
		for p := int(math.Ceil(from)); float64(p) <= to; p++ {
			if v := r.at(p); v > bestR {
				best, bestR = p, v
			}
		}
		if best == 0 || seen[best] {
			continue
		}
		seen[best] = true
		if s := periodScore(r, best); s > 0 {
			cands = append(cands, cand{best, s})
		}
	}
	// A multiple of a period repeats too: keep the fundamental unless the
	// multiple scores clearly better (inferred: within 10%).
	sort.Slice(cands, func(i, j int) bool { return cands[i].p < cands[j].p })
	var kept []cand
	for _, c := range cands {
		harmonic := false
		for _, k := range kept {
			if c.p%k.p == 0 && k.s >= 0.9*c.s {
				harmonic = true
				break
			}
		}
		if !harmonic {
			kept = append(kept, c)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].s > kept[j].s })
	for i := 0; i < num && i < len(kept); i++ {
		periods[i], scores[i] = float64(kept[i].p), kept[i].s
	}
	return periods, scores
}

// periodogram returns |DFT(y - mean)|² at frequencies 0..kmax-1 (missing
// elements count as the mean).
func periodogram(y []float64, kmax int) []float64 {
	n := len(y)
	var s, cnt float64
	for _, v := range y {
		if !missing(v) {
			s += v
			cnt++
		}
	}
	m := 0.0
	if cnt > 0 {
		m = s / cnt
	}
	kmax = min(kmax, n/2+1)
	d := make([]float64, n)
	for t, v := range y {
		if !missing(v) {
			d[t] = v - m
		}
	}
	cos, sin := make([]float64, n), make([]float64, n)
	for j := range cos {
		cos[j] = math.Cos(2 * math.Pi * float64(j) / float64(n))
		sin[j] = math.Sin(2 * math.Pi * float64(j) / float64(n))
	}
	out := make([]float64, kmax+1)
	for k := 0; k <= kmax && k <= n/2; k++ {
		var re, im float64
		j := 0
		for _, v := range d {
			re += v * cos[j]
			im -= v * sin[j]
			if j += k; j >= n {
				j -= n
			}
		}
		out[k] = re*re + im*im
	}
	return out
}

// periodsValidate scores the given periods of y (series_periods_validate)
// as periodsDetect scores its candidates (periods rounded to whole bins).
func periodsValidate(y []float64, ps []float64) []float64 {
	half := (len(y) - 1) / 2
	r := acf(y, half)
	out := make([]float64, len(ps))
	for i, p := range ps {
		q := int(math.Round(p))
		if q < 4 || q > half {
			continue
		}
		out[i] = periodScore(r, q)
	}
	return out
}

// seasonal is the seasonal component of y for a period (0: none): for
// each phase, the median of the first learn elements in that phase.
func seasonal(y []float64, period, learn int) []float64 {
	out := make([]float64, len(y))
	if period <= 0 {
		return out
	}
	phase := make([][]float64, period)
	for i := 0; i < learn && i < len(y); i++ {
		if !missing(y[i]) {
			phase[i%period] = append(phase[i%period], y[i])
		}
	}
	med := make([]float64, period)
	for k := range phase {
		if len(phase[k]) > 0 {
			med[k] = median(phase[k])
		}
	}
	for i := range out {
		out[i] = med[i%period]
	}
	return out
}

// decomposition is series_decompose's result.
type decomposition struct {
	baseline, seasonal, trend, residual []float64
}

// decompose splits y into seasonal, trend and residual components in the
// order the reference gives: the seasonal component (the median of the
// learning points in the same phase of the period; period -1 detects it
// with periodsDetect between 4 bins and half the learning points, kept
// when its score reaches seasonalityThreshold; 0 none), then the trend of
// the deseasonalised learning points ("avg": their average, "linefit": a
// least-squares line extended over the test points, "none": 0), then
// baseline = seasonal + trend and residual = y - baseline. The last
// testPoints elements are left out of the learning. ok is false for an
// unknown trend.
func decompose(y []float64, period int, trend string, testPoints int, seasonalityThreshold float64) (decomposition, bool) {
	n := len(y)
	learn := n - testPoints
	if testPoints < 0 || learn < 0 {
		learn = n
	}
	d := decomposition{
		baseline: make([]float64, n), seasonal: make([]float64, n),
		trend: make([]float64, n), residual: make([]float64, n),
	}
	if period < 0 {
		// Inferred: the period is detected on the learning points less
		// their least-squares line. The reference's examples detect the
		// weekly period of a series with a trend (t/72 over five weeks),
		// whose autocorrelation the trend would otherwise swamp.
		f := fitLine(y, learn, learn)
		detrended := make([]float64, learn)
		for i := range detrended {
			detrended[i] = y[i] - f.line[i]
		}
		ps, ss := periodsDetect(detrended, 4, float64(learn)/2, 1)
		period = 0
		if len(ps) > 0 && ps[0] > 0 && ss[0] >= seasonalityThreshold {
			period = int(ps[0])
		}
	}
	d.seasonal = seasonal(y, period, learn)
	des := make([]float64, n)
	for i := range y {
		des[i] = y[i] - d.seasonal[i]
	}
	switch trend {
	case "avg":
		var s, k float64
		for i := 0; i < learn; i++ {
			if !missing(des[i]) {
				s += des[i]
				k++
			}
		}
		if k > 0 {
			for i := range d.trend {
				d.trend[i] = s / k
			}
		}
	case "linefit":
		f := fitLine(des, learn, n)
		for i := range d.trend {
			if !missing(f.line[i]) {
				d.trend[i] = f.line[i]
			}
		}
	case "none":
	default:
		return d, false
	}
	for i := range y {
		d.baseline[i] = d.seasonal[i] + d.trend[i]
		d.residual[i] = y[i] - d.baseline[i]
	}
	return d, true
}

// decomposeAnomalies is series_decompose_anomalies: decompose, score the
// residuals with outliers (ctukey: percentiles 10/90, tukey: 25/75), and
// flag scores beyond the threshold (+1 above threshold, -1 below
// -threshold, else 0; inferred: strictly beyond, as a point on Tukey's
// fence is not outside it). ok is false for an unknown trend or method.
func decomposeAnomalies(y []float64, threshold float64, period int, trend string, testPoints int, method string, seasonalityThreshold float64) (flag, score, baseline []float64, ok bool) {
	lo, hi := 10.0, 90.0
	switch method {
	case "ctukey":
	case "tukey":
		lo, hi = 25, 75
	default:
		return nil, nil, nil, false
	}
	d, ok := decompose(y, period, trend, testPoints, seasonalityThreshold)
	if !ok {
		return nil, nil, nil, false
	}
	learn := len(y) - testPoints
	if testPoints < 0 || learn < 0 {
		learn = len(y)
	}
	score = outliers(d.residual, math.NaN(), lo, hi, learn)
	flag = make([]float64, len(y))
	for i, s := range score {
		switch {
		case s > threshold:
			flag[i] = 1
		case s < -threshold:
			flag[i] = -1
		}
	}
	return flag, score, d.baseline, true
}
