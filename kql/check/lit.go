package check

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/scanner"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
)

// literal binds a BasicLit.
func (c *checker) basicLit(l *ast.BasicLit) plan.Expr {
	switch l.Kind {
	case ast.IntLit:
		v, err := parseInt(l.Value)
		if err != nil {
			c.errorf(l, "invalid integer literal %s", l.Value)
			return &plan.Lit{T: types.Long}
		}
		return &plan.Lit{V: v, T: types.Long}
	case ast.RealLit:
		v, err := strconv.ParseFloat(l.Value, 64)
		if err != nil {
			c.errorf(l, "invalid real literal %s", l.Value)
		}
		return &plan.Lit{V: v, T: types.Real}
	case ast.StringLit:
		return &plan.Lit{V: l.Value, T: types.String}
	case ast.BoolLit:
		return &plan.Lit{V: strings.EqualFold(l.Value, "true"), T: types.Bool}
	case ast.TimeSpanLit:
		d, ok := parseTimespanLit(l.Value)
		if !ok {
			c.errorf(l, "invalid timespan literal %s", l.Value)
		}
		return &plan.Lit{V: d, T: types.TimeSpan}
	case ast.NullLit:
		return &plan.Lit{T: types.Null}
	}
	c.errorf(l, "unknown literal %s", l.Value)
	return &plan.Lit{T: types.Unknown}
}

func parseInt(s string) (int64, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		u, err := strconv.ParseUint(s[2:], 16, 64)
		return int64(u), err
	}
	return strconv.ParseInt(s, 10, 64)
}

// parseTimespanLit parses 1d, 1.5h, 100ms, 10microsecond, 1tick.
func parseTimespanLit(s string) (time.Duration, bool) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], s[i:]
	ticks, ok := scanner.TimespanUnits[unit]
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	if unit == "nanosec" || unit == "nanosecond" || unit == "nanoseconds" {
		return time.Duration(math.Round(f/100) * 100), true
	}
	return time.Duration(math.Round(f*float64(ticks))) * 100, true
}

// parseTimespanText parses the text of timespan(...): a literal such as
// 1d, or [-][d.]hh:mm[:ss[.fffffff]].
func parseTimespanText(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if d, ok := parseTimespanLit(s); ok {
		return d, true
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	days := int64(0)
	if i := strings.IndexByte(s, '.'); i >= 0 && i < strings.IndexByte(s+":", ':') {
		d, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, false
		}
		days, s = d, s[i+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		if len(parts) == 1 && days == 0 {
			// A bare number of days: timespan(2) is 2 days.
			d, err := strconv.ParseInt(parts[0], 10, 64)
			if err == nil {
				return time.Duration(d) * 24 * time.Hour, true
			}
		}
		return 0, false
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	var sec float64
	if len(parts) == 3 {
		var err error
		if sec, err = strconv.ParseFloat(parts[2], 64); err != nil {
			return 0, false
		}
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(math.Round(sec*1e7))*100
	if neg {
		d = -d
	}
	return d, true
}

var datetimeLayouts = []string{
	"2006-01-02T15:04:05.9999999Z07:00",
	"2006-01-02T15:04:05.9999999Z",
	"2006-01-02T15:04:05.9999999",
	"2006-01-02 15:04:05.9999999Z07:00",
	"2006-01-02 15:04:05.9999999Z",
	"2006-01-02 15:04:05.9999999",
	"2006-01-02T15:04Z",
	"2006-01-02T15:04",
	"2006-01-02 15:04Z",
	"2006-01-02 15:04",
	"2006-01-02T15Z",
	"2006-01-02",
	"2006-01",
	"2006",
	"2006/01/02 15:04:05.9999999",
	"2006/01/02 15:04",
	"2006/01/02",
	"01/02/2006 15:04:05",
	"01/02/2006",
	"01-02-2006",
	"Mon, 02 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 2006 15:04:05 GMT",
	"02 Jan 2006 15:04:05",
	"2 Jan 2006",
	time.RFC1123Z,
}

var (
	spacedDash = regexp.MustCompile(`(\d)\s+-\s+(\d)`)
	shortDate  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(.*)$`)
	commaDate  = regexp.MustCompile(`^(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})$`)
)

// ParseDatetime parses the datetime formats KQL accepts (ISO 8601 and
// RFC 822 variants), as UTC.
func ParseDatetime(s string) (time.Time, bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	s = spacedDash.ReplaceAllString(s, "$1-$2")
	if m := shortDate.FindStringSubmatch(s); m != nil {
		pad := func(x string) string {
			if len(x) == 1 {
				return "0" + x
			}
			return x
		}
		s = m[1] + "-" + pad(m[2]) + "-" + pad(m[3]) + m[4]
	}
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// typedLit binds type(text).
func (c *checker) typedLit(l *ast.TypedLit) plan.Expr {
	t, ok := types.Lookup(l.Type)
	if !ok {
		c.errorf(l, "unknown type '%s'", l.Type)
		return &plan.Lit{T: types.Unknown}
	}
	text := strings.TrimSpace(l.Text)
	if text == "null" {
		return &plan.Lit{T: t}
	}
	bad := func() plan.Expr {
		c.errorf(l, "invalid %s literal: %s(%s)", t, l.Type, l.Text)
		return &plan.Lit{T: t}
	}
	switch t {
	case types.Bool:
		switch strings.ToLower(text) {
		case "true", "1":
			return &plan.Lit{V: true, T: t}
		case "false", "0":
			return &plan.Lit{V: false, T: t}
		}
		return bad()
	case types.Int, types.Long:
		v, err := parseInt(text)
		if err != nil {
			if f, ferr := strconv.ParseFloat(text, 64); ferr == nil {
				v = int64(f)
			} else {
				return bad()
			}
		}
		if t == types.Int {
			v = int64(int32(v))
		}
		return &plan.Lit{V: v, T: t}
	case types.Real:
		switch strings.ToLower(text) {
		case "nan":
			return &plan.Lit{V: math.NaN(), T: t}
		case "inf", "+inf":
			return &plan.Lit{V: math.Inf(1), T: t}
		case "-inf":
			return &plan.Lit{V: math.Inf(-1), T: t}
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return bad()
		}
		return &plan.Lit{V: f, T: t}
	case types.Decimal:
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return bad()
		}
		return &plan.Lit{V: text, T: t}
	case types.String:
		return &plan.Lit{V: text, T: t}
	case types.DateTime:
		v, ok := ParseDatetime(text)
		if !ok {
			// datetime(2025, 6, 14): the comma-separated date the
			// startofweek() reference page uses in a datatable.
			m := commaDate.FindStringSubmatch(text)
			if m == nil {
				return bad()
			}
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			v = time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
			if v.Year() != y || int(v.Month()) != mo || v.Day() != d {
				return bad()
			}
		}
		return &plan.Lit{V: v, T: t}
	case types.TimeSpan:
		d, ok := parseTimespanText(text)
		if !ok {
			return bad()
		}
		return &plan.Lit{V: d, T: t}
	case types.GUID:
		if len(strings.ReplaceAll(text, "-", "")) != 32 {
			return bad()
		}
		return &plan.Lit{V: strings.ToLower(text), T: t}
	case types.Dynamic:
		return c.dynamicJSON(l, text)
	}
	return bad()
}

func (c *checker) dynamicJSON(n ast.Node, text string) plan.Expr {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		c.errorf(n, "invalid dynamic literal: %v", err)
		return &plan.Lit{T: types.Dynamic}
	}
	b, _ := json.Marshal(v)
	return &plan.Lit{V: string(b), T: types.Dynamic}
}

// dynamicLit turns dynamic(...) into compact JSON text.
func (c *checker) dynamicLit(l *ast.DynamicLit) plan.Expr {
	if b, ok := l.X.(*ast.BasicLit); ok && b.Kind == ast.NullLit {
		return &plan.Lit{T: types.Dynamic}
	}
	v, ok := c.jsonValue(l.X)
	if !ok {
		return &plan.Lit{T: types.Dynamic}
	}
	b, err := marshalCompact(v)
	if err != nil {
		c.errorf(l, "invalid dynamic literal: %v", err)
	}
	return &plan.Lit{V: string(b), T: types.Dynamic}
}

// orderedBag keeps the properties of a bag literal in source order.
type orderedBag struct {
	keys []string
	vals []any
}

func (o orderedBag) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := marshalCompact(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshalCompact(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func marshalCompact(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

func (c *checker) jsonValue(e ast.Expr) (any, bool) {
	switch e := e.(type) {
	case *ast.ArrayLit:
		out := make([]any, 0, len(e.Elems))
		for _, x := range e.Elems {
			v, ok := c.jsonValue(x)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case *ast.BagLit:
		var o orderedBag
		for _, f := range e.Fields {
			v, ok := c.jsonValue(f.Value)
			if !ok {
				return nil, false
			}
			o.keys = append(o.keys, f.Key)
			o.vals = append(o.vals, v)
		}
		return o, true
	case *ast.DynamicLit:
		return c.jsonValue(e.X)
	case *ast.UnaryExpr:
		v, ok := c.jsonValue(e.X)
		if !ok {
			return nil, false
		}
		if e.Op == "-" {
			switch n := v.(type) {
			case int64:
				return -n, true
			case float64:
				return -n, true
			case jsonReal:
				return -n, true
			}
		}
		return v, true
	}
	x, ok := e.(ast.Expr)
	if !ok {
		return nil, false
	}
	var lit plan.Expr
	switch x := x.(type) {
	case *ast.BasicLit:
		lit = c.basicLit(x)
	case *ast.TypedLit:
		lit = c.typedLit(x)
	default:
		c.errorf(e, "expected a constant inside dynamic(...), found %s", describeExpr(e))
		return nil, false
	}
	l := lit.(*plan.Lit)
	switch v := l.V.(type) {
	case time.Time:
		return FormatDatetime(v), true
	case time.Duration:
		return FormatTimespan(v), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprint(v), true
		}
		return jsonReal(v), true
	}
	return l.V, true
}

// jsonReal is a real inside a dynamic literal: it keeps a fraction when
// whole (dynamic([111.0]) is [111.0], as in Kusto), so that functions
// telling integers from reals (series_fill_linear) see the literal's type.
type jsonReal float64

func (r jsonReal) MarshalJSON() ([]byte, error) {
	s := strconv.FormatFloat(float64(r), 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}

// FormatDatetime prints a datetime as Kusto does: ISO 8601 UTC with Z and
// a 7-digit fraction only when it is not zero.
func FormatDatetime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.0000000Z")
}

// FormatTimespan prints a timespan as Kusto does: [-][d.]hh:mm:ss[.fffffff].
func FormatTimespan(d time.Duration) string {
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	ticks := int64(d / 100)
	days := ticks / 864e9
	ticks -= days * 864e9
	if days > 0 {
		fmt.Fprintf(&b, "%d.", days)
	}
	h := ticks / 36e9
	ticks -= h * 36e9
	m := ticks / 6e8
	ticks -= m * 6e8
	s := ticks / 1e7
	ticks -= s * 1e7
	fmt.Fprintf(&b, "%02d:%02d:%02d", h, m, s)
	if ticks > 0 {
		fmt.Fprintf(&b, ".%07d", ticks)
	}
	return b.String()
}

func describeExpr(e ast.Node) string {
	switch e := e.(type) {
	case *ast.Ident:
		return "'" + e.Name + "'"
	case *ast.CallExpr:
		return "a function call"
	case *ast.BasicLit:
		return "literal " + e.Value
	case *ast.Pipeline:
		return "a query"
	}
	return "an expression"
}
