package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/kql/types"
)

// Ticks per unit: Kusto's datetimes and timespans count 100 ns ticks.
const (
	tick        = 100 * time.Nanosecond
	ticksPerSec = int64(time.Second / tick)
	ticksPerDay = 86400 * ticksPerSec
)

// FormatValue returns Kusto's text for one cell of type t, as CSV output
// prints it:
//
//   - null is the empty string; bool is true or false;
//   - datetime is ISO 8601 UTC with Z, with the fraction (up to 7 digits,
//     trailing zeros dropped) only when it is not zero: 2026-10-02T00:00:00Z;
//   - timespan is [-][d.]hh:mm:ss[.fffffff]: 1.02:03:04, -00:00:00.5000000;
//   - real is the shortest text that round-trips, in .NET's style (1E+15,
//     1E-05, NaN, Infinity, -Infinity);
//   - dynamic is compact JSON; guid is lower-case 8-4-4-4-12.
func FormatValue(t types.Type, v any) string {
	if v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		if t == types.TimeSpan {
			return formatTimespan(time.Duration(x) * tick)
		}
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		if t == types.Dynamic {
			b, _ := marshalCompact(x)
			return string(b)
		}
		return formatReal(x)
	case float32:
		return formatReal(float64(x))
	case time.Time:
		return formatDateTime(x)
	case time.Duration:
		return formatTimespan(x)
	case duckdb.Interval:
		return formatTimespan(intervalDuration(x))
	case json.Number:
		if t == types.Dynamic {
			return x.String()
		}
		return x.String()
	case duckdb.UUID:
		return formatGUID(x[:])
	case []byte:
		if t == types.GUID && len(x) == 16 {
			return formatGUID(x)
		}
		return string(x)
	case duckdb.Decimal:
		return formatDecimal(x)
	case *big.Int:
		return x.String()
	}
	b, err := marshalCompact(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// marshalCompact writes v as compact JSON without HTML escaping, numbers
// as they came (json.Number) and reals in round-trip form.
func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonSafe(v)); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// jsonSafe replaces values encoding/json cannot write (NaN, infinities,
// times, durations) with their Kusto text.
func jsonSafe(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return formatReal(x)
		}
		return json.Number(formatRealJSON(x))
	case time.Time:
		return formatDateTime(x)
	case time.Duration:
		return formatTimespan(x)
	case duckdb.Interval:
		return formatTimespan(intervalDuration(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonSafe(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonSafe(e)
		}
		return out
	}
	return v
}

func formatDateTime(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if ns := t.Nanosecond(); ns != 0 {
		f := fmt.Sprintf("%07d", ns/100)
		if ns%100 != 0 { // finer than a tick: keep it rather than lose it
			f = fmt.Sprintf("%09d", ns)
		}
		s += "." + strings.TrimRight(f, "0")
	}
	return s + "Z"
}

func formatTimespan(d time.Duration) string {
	var b strings.Builder
	ticks := int64(d / tick)
	rem := int64(d % tick)
	neg := d < 0
	if neg {
		b.WriteByte('-')
		ticks, rem = -ticks, -rem
	}
	days := ticks / ticksPerDay
	ticks %= ticksPerDay
	if days != 0 {
		fmt.Fprintf(&b, "%d.", days)
	}
	secs := ticks / ticksPerSec
	frac := ticks % ticksPerSec
	fmt.Fprintf(&b, "%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if frac != 0 || rem != 0 {
		fmt.Fprintf(&b, ".%07d", frac)
		if rem != 0 {
			fmt.Fprintf(&b, "%02d", rem)
		}
	}
	return b.String()
}

// formatReal prints a real as .NET's default double formatting does: the
// shortest round-trip digits, in scientific notation when the decimal
// exponent is below -4 or at least 15.
func formatReal(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x == 0:
		return "0"
	}
	exp := int(math.Floor(math.Log10(math.Abs(x))))
	// Log10 can be off by one near powers of ten; take the exponent from
	// the shortest scientific form instead.
	e := strconv.FormatFloat(x, 'E', -1, 64)
	if i := strings.IndexByte(e, 'E'); i >= 0 {
		if n, err := strconv.Atoi(e[i+1:]); err == nil {
			exp = n
		}
	}
	if exp >= -4 && exp < 15 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return e
}

// formatRealJSON prints a finite real for JSON: round-trip digits with a
// lower-case exponent, which JSON accepts.
func formatRealJSON(x float64) string {
	return strings.ToLower(formatReal(x))
}

func formatGUID(b []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&15])
	}
	return string(out)
}

func formatDecimal(d duckdb.Decimal) string {
	if d.Value == nil {
		return ""
	}
	s := d.Value.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	scale := int(d.Scale)
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// intervalDuration converts a DuckDB interval to a duration; a month counts
// 30 days, as DuckDB's own interval arithmetic does.
func intervalDuration(i duckdb.Interval) time.Duration {
	return time.Duration(i.Months)*30*24*time.Hour + time.Duration(i.Days)*24*time.Hour + time.Duration(i.Micros)*time.Microsecond
}
