package engine

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// This file implements the comparison rules of
// shared/conformance/README.md ("Comparison rules"), in order: text, null,
// boolean, number, datetime, timespan, guid, dynamic, JSON string literal.

func normText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", " "))
}

func isNullText(s string) bool { return s == "" || s == "null" || s == "(null)" }

// cellMatch reports whether actual cell a matches expected cell e.
func cellMatch(e, a string) bool {
	if scalarMatch(e, a) {
		return true
	}
	e, a = normText(e), normText(a)
	// 8. Dynamic.
	if strings.HasPrefix(e, "[") || strings.HasPrefix(e, "{") || strings.HasPrefix(a, "[") || strings.HasPrefix(a, "{") {
		ev, ok1 := parseLenientJSON(e)
		av, ok2 := parseLenientJSON(a)
		return ok1 && ok2 && jsonMatch(ev, av)
	}
	// 9. JSON string literal.
	if len(a) >= 2 && a[0] == '"' && a[len(a)-1] == '"' {
		if v, ok := parseLenientJSON(a); ok && v.kind == jStr {
			return scalarMatch(e, v.s)
		}
	}
	return false
}

// scalarMatch applies rules 1 to 7; the first rule that applies decides.
func scalarMatch(e, a string) bool {
	e, a = normText(e), normText(a)
	if e == a { // 1
		return true
	}
	if isNullText(e) || isNullText(a) { // 2
		return isNullText(e) && isNullText(a)
	}
	if b, ok := boolText(a); ok { // 3
		if eb, ok := boolText(e); ok {
			return eb == b
		}
		switch e {
		case "1":
			return b
		case "0":
			return !b
		}
	}
	en, eok := parseNumber(e, true) // 4
	an, aok := parseNumber(a, false)
	if eok && aok {
		return numberMatch(en, an)
	}
	if et, ok := parseDateTimeTicks(e); ok { // 5
		if at, ok := parseDateTimeTicks(a); ok {
			return et == at
		}
	}
	if et, ok := parseTimespanTicks(e); ok { // 6
		if at, ok := parseTimespanTicks(a); ok {
			return et == at
		}
	}
	if guidRe.MatchString(e) && guidRe.MatchString(a) { // 7
		return strings.EqualFold(e, a)
	}
	return false
}

func boolText(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

type number struct {
	f       float64
	isInt   bool
	i       *big.Int
	fracDig int
}

var (
	numRe       = regexp.MustCompile(`^[+-]?(\d+|\d{1,3}(,\d{3})+)?(\.\d*)?([eE][+-]?\d+)?$`)
	guidRe      = regexp.MustCompile(`^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$`)
	dateTimeRe  = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:\d{2})?$`)
	timespanRe  = regexp.MustCompile(`^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$`)
	timespan4Re = regexp.MustCompile(`^(-)?(\d+):(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$`)
)

// parseNumber parses integers, decimals, exponents, NaN, ∞, Infinity;
// thousands separators only in expected cells.
func parseNumber(s string, expected bool) (number, bool) {
	switch s {
	case "NaN", "nan":
		return number{f: math.NaN()}, true
	case "∞", "+∞", "Infinity", "+Infinity", "inf":
		return number{f: math.Inf(1)}, true
	case "-∞", "-Infinity", "-inf":
		return number{f: math.Inf(-1)}, true
	}
	if !numRe.MatchString(s) || !strings.ContainsAny(s, "0123456789") {
		return number{}, false
	}
	if strings.Contains(s, ",") {
		if !expected {
			return number{}, false
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	mant := s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
	}
	n := number{}
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		n.fracDig = len(mant) - i - 1
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return number{}, false
	}
	n.f = f
	if !strings.ContainsAny(s, ".eE") {
		n.isInt = true
		n.i, _ = new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10)
	}
	return n, true
}

func numberMatch(e, a number) bool {
	if e.isInt && a.isInt {
		return e.i.Cmp(a.i) == 0
	}
	if math.IsNaN(e.f) || math.IsNaN(a.f) {
		return math.IsNaN(e.f) && math.IsNaN(a.f)
	}
	if math.IsInf(e.f, 0) || math.IsInf(a.f, 0) {
		return e.f == a.f
	}
	d := math.Abs(a.f - e.f)
	if d <= math.Max(1e-9*math.Max(math.Abs(a.f), math.Abs(e.f)), 1e-12) {
		return true
	}
	if e.fracDig >= 1 && d <= 0.5*math.Pow10(-e.fracDig)*(1+1e-9) {
		return true
	}
	return false
}

func fracTicks(f string) int64 {
	if f == "" {
		return 0
	}
	f = (f + "0000000")[:7]
	n, _ := strconv.ParseInt(f, 10, 64)
	return n
}

func parseDateTimeTicks(s string) (int64, bool) {
	m := dateTimeRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	atoi := func(x string) int64 { n, _ := strconv.ParseInt(x, 10, 64); return n }
	y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return 0, false
	}
	days := daysFromCivil(y, mo, d)
	secs := days*86400 + atoi(m[4])*3600 + atoi(m[5])*60 + atoi(m[6])
	if z := m[8]; z != "" && z != "Z" {
		off := atoi(z[1:3])*3600 + atoi(z[4:6])*60
		if z[0] == '+' {
			secs -= off
		} else {
			secs += off
		}
	}
	return secs*ticksPerSec + fracTicks(m[7]), true
}

// daysFromCivil counts days since 1970-01-01 (proleptic Gregorian).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func parseTimespanTicks(s string) (int64, bool) {
	atoi := func(x string) int64 { n, _ := strconv.ParseInt(x, 10, 64); return n }
	var neg bool
	var d, h, mi, sec int64
	var frac string
	if m := timespanRe.FindStringSubmatch(s); m != nil {
		neg, d, h, mi, sec, frac = m[1] == "-", atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5]), m[6]
	} else if m := timespan4Re.FindStringSubmatch(s); m != nil {
		neg, d, h, mi, sec, frac = m[1] == "-", atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5]), m[6]
	} else {
		return 0, false
	}
	t := ((d*24+h)*3600+mi*60+sec)*ticksPerSec + fracTicks(frac)
	if neg {
		t = -t
	}
	return t, true
}

// A lenient JSON value: single-quoted strings, unquoted words, trailing
// commas and NaN are accepted.
type jkind int

const (
	jNull jkind = iota
	jBool
	jNum
	jStr
	jWord
	jArr
	jObj
)

type jval struct {
	kind jkind
	s    string // text of a number, string, word or bool
	arr  []jval
	obj  map[string]jval
}

type jparser struct {
	s   []rune
	pos int
}

func parseLenientJSON(s string) (jval, bool) {
	p := &jparser{s: []rune(s)}
	v, ok := p.value()
	p.ws()
	return v, ok && p.pos == len(p.s)
}

func (p *jparser) ws() {
	for p.pos < len(p.s) && unicode.IsSpace(p.s[p.pos]) {
		p.pos++
	}
}

func (p *jparser) value() (jval, bool) {
	p.ws()
	if p.pos >= len(p.s) {
		return jval{}, false
	}
	switch c := p.s[p.pos]; c {
	case '{':
		p.pos++
		obj := map[string]jval{}
		for {
			p.ws()
			if p.pos < len(p.s) && p.s[p.pos] == '}' {
				p.pos++
				return jval{kind: jObj, obj: obj}, true
			}
			k, ok := p.value()
			if !ok || (k.kind != jStr && k.kind != jWord && k.kind != jNum) {
				return jval{}, false
			}
			p.ws()
			if p.pos >= len(p.s) || p.s[p.pos] != ':' {
				return jval{}, false
			}
			p.pos++
			v, ok := p.value()
			if !ok {
				return jval{}, false
			}
			obj[k.s] = v
			p.ws()
			if p.pos < len(p.s) && p.s[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(p.s) && p.s[p.pos] == '}' {
				continue
			}
			return jval{}, false
		}
	case '[':
		p.pos++
		var arr []jval
		for {
			p.ws()
			if p.pos < len(p.s) && p.s[p.pos] == ']' {
				p.pos++
				return jval{kind: jArr, arr: arr}, true
			}
			v, ok := p.value()
			if !ok {
				return jval{}, false
			}
			arr = append(arr, v)
			p.ws()
			if p.pos < len(p.s) && p.s[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(p.s) && p.s[p.pos] == ']' {
				continue
			}
			return jval{}, false
		}
	case '"', '\'':
		p.pos++
		var b strings.Builder
		for p.pos < len(p.s) {
			r := p.s[p.pos]
			p.pos++
			if r == c {
				return jval{kind: jStr, s: b.String()}, true
			}
			if r == '\\' && p.pos < len(p.s) {
				e := p.s[p.pos]
				p.pos++
				switch e {
				case 'n':
					b.WriteRune('\n')
				case 't':
					b.WriteRune('\t')
				case 'r':
					b.WriteRune('\r')
				case 'b':
					b.WriteRune('\b')
				case 'f':
					b.WriteRune('\f')
				case 'u':
					if p.pos+4 <= len(p.s) {
						if n, err := strconv.ParseUint(string(p.s[p.pos:p.pos+4]), 16, 32); err == nil {
							p.pos += 4
							r := rune(n)
							// Surrogate pairs.
							if r >= 0xD800 && r < 0xDC00 && p.pos+6 <= len(p.s) && p.s[p.pos] == '\\' && p.s[p.pos+1] == 'u' {
								if n2, err := strconv.ParseUint(string(p.s[p.pos+2:p.pos+6]), 16, 32); err == nil && n2 >= 0xDC00 && n2 < 0xE000 {
									r = (r-0xD800)<<10 + (rune(n2) - 0xDC00) + 0x10000
									p.pos += 6
								}
							}
							b.WriteRune(r)
							continue
						}
					}
					b.WriteRune('u')
				default:
					b.WriteRune(e)
				}
				continue
			}
			b.WriteRune(r)
		}
		return jval{}, false
	default:
		start := p.pos
		for p.pos < len(p.s) && !strings.ContainsRune(",]}:", p.s[p.pos]) {
			p.pos++
		}
		w := strings.TrimSpace(string(p.s[start:p.pos]))
		if w == "" {
			return jval{}, false
		}
		switch w {
		case "null":
			return jval{kind: jNull, s: w}, true
		case "true", "false":
			return jval{kind: jBool, s: w}, true
		}
		if _, ok := parseNumber(w, false); ok {
			return jval{kind: jNum, s: w}, true
		}
		return jval{kind: jWord, s: w}, true
	}
}

func jsonMatch(e, a jval) bool {
	switch {
	case e.kind == jObj && a.kind == jObj:
		if len(e.obj) != len(a.obj) {
			return false
		}
		for k, ev := range e.obj {
			av, ok := a.obj[k]
			if !ok || !jsonMatch(ev, av) {
				return false
			}
		}
		return true
	case e.kind == jArr && a.kind == jArr:
		if len(e.arr) != len(a.arr) {
			return false
		}
		for i := range e.arr {
			if !jsonMatch(e.arr[i], a.arr[i]) {
				return false
			}
		}
		return true
	case e.kind == jObj || e.kind == jArr || a.kind == jObj || a.kind == jArr:
		return false
	case e.kind == jNum && a.kind == jNum:
		en, _ := parseNumber(e.s, true)
		an, _ := parseNumber(a.s, false)
		return numberMatch(en, an)
	case (e.kind == jNum && a.kind == jStr) || (e.kind == jStr && a.kind == jNum):
		return false
	case e.kind == jNull || a.kind == jNull:
		return e.kind == a.kind
	}
	return scalarMatch(e.s, a.s)
}
