package gofunc

// The beta distribution functions of the KQL reference (beta_cdf,
// beta_pdf, beta_inv), written in Go (see funcs.go).

import "math"

// nanText is NaN as the SQL cast of the result reads it.
const nanText = "nan"

// betaArgs reads x, alpha and beta; ok is false when any is null.
func betaArgs(args []arg) (x, a, b float64, ok bool) {
	for _, v := range args[:3] {
		if v.null || math.IsNaN(v.num) {
			return 0, 0, 0, false
		}
	}
	return args[0].num, args[1].num, args[2].num, true
}

// lbeta is ln B(a, b).
func lbeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// betaCF is the continued fraction of the incomplete beta function
// (modified Lentz).
func betaCF(x, a, b float64) float64 {
	const eps, tiny = 1e-16, 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 10000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// regIncBeta is the regularized incomplete beta function I_x(a, b).
func regIncBeta(x, a, b float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	front := math.Exp(a*math.Log(x) + b*math.Log1p(-x) - lbeta(a, b))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(x, a, b) / a
	}
	return 1 - front*betaCF(1-x, b, a)/b
}

// betaCDF is beta_cdf(x, alpha, beta): NaN unless 0 <= x <= 1 and both
// shapes are positive.
func betaCDF(args []arg) (any, error) {
	x, a, b, ok := betaArgs(args)
	if !ok {
		return nil, nil
	}
	if x < 0 || x > 1 || a <= 0 || b <= 0 {
		return nanText, nil
	}
	return scalarText(regIncBeta(x, a, b)), nil
}

// betaPDF is beta_pdf(x, alpha, beta): NaN unless 0 <= x <= 1 and both
// shapes are positive.
func betaPDF(args []arg) (any, error) {
	x, a, b, ok := betaArgs(args)
	if !ok {
		return nil, nil
	}
	if x < 0 || x > 1 || a <= 0 || b <= 0 {
		return nanText, nil
	}
	if (x == 0 && a < 1) || (x == 1 && b < 1) {
		return "inf", nil
	}
	return scalarText(math.Exp((a-1)*math.Log(x) + (b-1)*math.Log1p(-x) - lbeta(a, b))), nil
}

// betaInv is beta_inv(p, alpha, beta), the inverse of beta_cdf: null
// when p is outside [0, 1] (as the reference's example shows), NaN when
// a shape is not positive.
func betaInv(args []arg) (any, error) {
	p, a, b, ok := betaArgs(args)
	if !ok || p < 0 || p > 1 {
		return nil, nil
	}
	if a <= 0 || b <= 0 {
		return nanText, nil
	}
	lo, hi := 0.0, 1.0
	for i := 0; i < 200 && hi-lo > 1e-17; i++ {
		mid := (lo + hi) / 2
		if regIncBeta(mid, a, b) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return scalarText((lo + hi) / 2), nil
}
