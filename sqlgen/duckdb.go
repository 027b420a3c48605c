package sqlgen

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/plan"
)

// GoFunc is the SQL scalar function implementing the KQL functions
// written in Go (package gofunc; the store registers it on every
// connection): its first argument is the KQL function's name, the others
// the KQL arguments as JSON text; it returns the result as text (JSON for
// dynamic results), or NULL.
const GoFunc = "quarry_fn"

// GoTupleFunc is GoFunc for the functions returning several
// values: it returns a list of texts, one per value (TupleField).
const GoTupleFunc = "quarry_fn_tuple"

// DuckDB is the DuckDB dialect. Datetimes are TIMESTAMP (UTC, microsecond
// precision), timespans INTERVAL, dynamic values JSON, guids UUID.
var DuckDB Dialect = duckdb{}

type duckdb struct{}

func (duckdb) Name() string { return "duckdb" }

// QuoteIdent quotes an identifier with double quotes.
func (duckdb) QuoteIdent(name string) string {
	name = strings.ReplaceAll(name, "\x00", "_")
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// quoteString prints a string literal. Single quotes are doubled; NUL
// characters, which cannot appear in SQL text, are spliced in with chr(0).
func quoteString(s string) string {
	if !strings.ContainsRune(s, 0) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	parts := strings.Split(s, "\x00")
	for i, p := range parts {
		parts[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	return "(" + strings.Join(parts, " || chr(0) || ") + ")"
}

func (d duckdb) TypeName(t types.Type) string {
	switch t {
	case types.Bool:
		return "BOOLEAN"
	case types.Int:
		return "INTEGER"
	case types.Long:
		return "BIGINT"
	case types.Real:
		return "DOUBLE"
	case types.Decimal:
		return "DECIMAL(38,18)"
	case types.DateTime:
		return "TIMESTAMP"
	case types.TimeSpan:
		return "INTERVAL"
	case types.Dynamic:
		return "JSON"
	case types.GUID:
		return "UUID"
	}
	return "VARCHAR"
}

func (d duckdb) Literal(l *plan.Lit) string {
	if l.V == nil {
		if l.T == types.Null || l.T == types.Unknown {
			return "NULL"
		}
		if l.T == types.String {
			return "''"
		}
		return "CAST(NULL AS " + d.TypeName(l.T) + ")"
	}
	switch v := l.V.(type) {
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case int64:
		if l.T == types.Int {
			return "CAST(" + strconv.FormatInt(v, 10) + " AS INTEGER)"
		}
		if l.T == types.Real {
			return "CAST(" + strconv.FormatInt(v, 10) + " AS DOUBLE)"
		}
		return "CAST(" + strconv.FormatInt(v, 10) + " AS BIGINT)"
	case float64:
		switch {
		case math.IsNaN(v):
			return "CAST('nan' AS DOUBLE)"
		case math.IsInf(v, 1):
			return "CAST('inf' AS DOUBLE)"
		case math.IsInf(v, -1):
			return "CAST('-inf' AS DOUBLE)"
		}
		return "CAST(" + strconv.FormatFloat(v, 'g', -1, 64) + " AS DOUBLE)"
	case time.Time:
		return "TIMESTAMP " + quoteString(v.UTC().Format("2006-01-02 15:04:05.999999"))
	case time.Duration:
		// Whole days print as a day interval: DuckDB's time_bucket is
		// much faster with one than with the same length in microseconds.
		if day := 24 * time.Hour; v%day == 0 && v/day < 1<<31 && v/day > -(1<<31) {
			return "INTERVAL (" + strconv.FormatInt(int64(v/day), 10) + ") DAY"
		}
		return "to_microseconds(CAST(" + strconv.FormatInt(v.Microseconds(), 10) + " AS BIGINT))"
	case string:
		switch l.T {
		case types.Dynamic:
			return "CAST(" + quoteString(v) + " AS JSON)"
		case types.GUID:
			return "CAST(" + quoteString(v) + " AS UUID)"
		case types.Decimal:
			return "CAST(" + quoteString(v) + " AS DECIMAL(38,18))"
		}
		return quoteString(v)
	}
	return "NULL"
}

// ticksOffset is the number of 100 ns ticks from 0001-01-01 to 1970-01-01.
const ticksOffset = "621355968000000000"

func (d duckdb) Convert(x string, from, to types.Type) string {
	if from == types.Null || from == types.Unknown {
		return d.Literal(&plan.Lit{T: to})
	}
	switch to {
	case types.String:
		switch from {
		case types.String:
			return x
		case types.Bool:
			return "(CASE " + x + " WHEN TRUE THEN 'true' WHEN FALSE THEN 'false' ELSE '' END)"
		case types.Int, types.Long, types.GUID, types.Decimal:
			return "coalesce(CAST(" + x + " AS VARCHAR), '')"
		case types.Real:
			return "coalesce(CASE WHEN isnan(" + x + ") THEN 'NaN' WHEN isinf(" + x + ") AND " + x + " > 0 THEN 'Infinity' WHEN isinf(" + x + ") THEN '-Infinity' WHEN " + x + " = trunc(" + x + ") AND abs(" + x + ") < 1e15 THEN CAST(CAST(" + x + " AS BIGINT) AS VARCHAR) ELSE CAST(" + x + " AS VARCHAR) END, '')"
		case types.DateTime:
			return "coalesce(strftime(" + x + ", '%Y-%m-%dT%H:%M:%S.%f0Z'), '')"
		case types.TimeSpan:
			return "coalesce(" + timespanText(x) + ", '')"
		case types.Dynamic:
			return "coalesce(CASE WHEN json_type(" + x + ") = 'VARCHAR' THEN json_extract_string(" + x + ", '$') WHEN json_type(" + x + ") = 'NULL' THEN '' ELSE CAST(" + x + " AS VARCHAR) END, '')"
		}
	case types.Long, types.Int:
		tn := d.TypeName(to)
		switch from {
		case types.Int, types.Long, types.Bool:
			return "CAST(" + x + " AS " + tn + ")"
		case types.Real, types.Decimal:
			return "TRY_CAST(trunc(" + x + ") AS " + tn + ")"
		case types.String:
			return "coalesce(TRY_CAST(" + x + " AS " + tn + "), TRY_CAST(trunc(TRY_CAST(" + x + " AS DOUBLE)) AS " + tn + "))"
		case types.Dynamic:
			s := "json_extract_string(" + x + ", '$')"
			return "(CASE WHEN json_type(" + x + ") = 'BOOLEAN' THEN CAST(CAST(" + x + " AS BOOLEAN) AS " + tn + ") ELSE coalesce(TRY_CAST(" + s + " AS " + tn + "), TRY_CAST(trunc(TRY_CAST(" + s + " AS DOUBLE)) AS " + tn + ")) END)"
		case types.DateTime:
			return "CAST(epoch_us(" + x + ") * 10 + " + ticksOffset + " AS " + tn + ")"
		case types.TimeSpan:
			return "CAST(epoch_us(" + x + ") * 10 AS " + tn + ")"
		}
	case types.Real:
		switch from {
		case types.Int, types.Long, types.Decimal, types.Bool:
			return "CAST(" + x + " AS DOUBLE)"
		case types.String:
			return "TRY_CAST(" + x + " AS DOUBLE)"
		case types.Dynamic:
			return "TRY_CAST(json_extract_string(" + x + ", '$') AS DOUBLE)"
		case types.DateTime:
			return "CAST(epoch_us(" + x + ") * 10 + " + ticksOffset + " AS DOUBLE)"
		case types.TimeSpan:
			return "CAST(epoch_us(" + x + ") * 10 AS DOUBLE)"
		}
	case types.Decimal:
		switch from {
		case types.Dynamic:
			return "TRY_CAST(json_extract_string(" + x + ", '$') AS DECIMAL(38,18))"
		}
		return "TRY_CAST(" + x + " AS DECIMAL(38,18))"
	case types.Bool:
		switch from {
		case types.Int, types.Long, types.Real, types.Decimal:
			return "(" + x + " <> 0)"
		case types.String:
			return "(CASE lower(" + x + ") WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE TRY_CAST(TRY_CAST(" + x + " AS BIGINT) <> 0 AS BOOLEAN) END)"
		case types.Dynamic:
			s := "json_extract_string(" + x + ", '$')"
			return "(CASE lower(" + s + ") WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE TRY_CAST(TRY_CAST(" + s + " AS DOUBLE) <> 0 AS BOOLEAN) END)"
		}
	case types.DateTime:
		switch from {
		case types.String:
			return datetimeParse(x)
		case types.Dynamic:
			return datetimeParse("json_extract_string(" + x + ", '$')")
		case types.Long, types.Int:
			return "make_timestamp((CAST(" + x + " AS BIGINT) - " + ticksOffset + ") // 10)"
		}
	case types.TimeSpan:
		switch from {
		case types.Long, types.Int:
			return "to_microseconds(CAST(" + x + " AS BIGINT) // 10)"
		case types.Real:
			return "to_microseconds(CAST(trunc(" + x + " / 10) AS BIGINT))"
		case types.String:
			return timespanParse(x)
		case types.Dynamic:
			return timespanParse("json_extract_string(" + x + ", '$')")
		}
	case types.Dynamic:
		switch from {
		case types.String:
			return "(CASE WHEN " + x + " = '' THEN NULL WHEN json_valid(" + x + ") THEN CAST(" + x + " AS JSON) ELSE to_json(" + x + ") END)"
		case types.DateTime, types.TimeSpan:
			return "to_json(" + d.Convert(x, from, types.String) + ")"
		default:
			return "to_json(" + x + ")"
		}
	case types.GUID:
		switch from {
		case types.Dynamic:
			return "TRY_CAST(json_extract_string(" + x + ", '$') AS UUID)"
		}
		return "TRY_CAST(" + x + " AS UUID)"
	}
	return "CAST(" + x + " AS " + d.TypeName(to) + ")"
}

// timespanText prints an INTERVAL as [-][d.]hh:mm:ss[.fffffff].
func timespanText(x string) string {
	us := "epoch_us(" + x + ")"
	a := "abs(" + us + ")"
	return "(CASE WHEN " + us + " < 0 THEN '-' ELSE '' END || " +
		"CASE WHEN " + a + " >= 86400000000 THEN CAST(" + a + " // 86400000000 AS VARCHAR) || '.' ELSE '' END || " +
		"lpad(CAST((" + a + " // 3600000000) % 24 AS VARCHAR), 2, '0') || ':' || " +
		"lpad(CAST((" + a + " // 60000000) % 60 AS VARCHAR), 2, '0') || ':' || " +
		"lpad(CAST((" + a + " // 1000000) % 60 AS VARCHAR), 2, '0') || " +
		"CASE WHEN " + a + " % 1000000 <> 0 THEN '.' || lpad(CAST((" + a + " % 1000000) * 10 AS VARCHAR), 7, '0') ELSE '' END)"
}

// timespanParse parses [-][d.]hh:mm[:ss[.f]] text into an INTERVAL.
func timespanParse(x string) string {
	re := `'^(-)?(?:(\d+)\.)?(\d+):(\d+)(?::(\d+(?:\.\d+)?))?$'`
	g := func(i int) string { return "regexp_extract(" + x + ", " + re + ", " + strconv.Itoa(i) + ")" }
	return "(CASE WHEN regexp_matches(" + x + ", " + re + ") THEN (CASE WHEN " + g(1) + " = '-' THEN -1 ELSE 1 END) * to_microseconds(CAST(" +
		"coalesce(TRY_CAST(" + g(2) + " AS BIGINT), 0) * 86400000000 + CAST(" + g(3) + " AS BIGINT) * 3600000000 + CAST(" + g(4) +
		" AS BIGINT) * 60000000 + CAST(round(coalesce(TRY_CAST(" + g(5) + " AS DOUBLE), 0) * 1000000) AS BIGINT) AS BIGINT)) END)"
}

// pathString builds a JSON path for constant steps.
func pathString(steps []any) (string, bool) {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			b.WriteString(`."`)
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`))
			b.WriteString(`"`)
		case int64:
			if s < 0 {
				fmt.Fprintf(&b, "[#%d]", s)
			} else {
				fmt.Fprintf(&b, "[%d]", s)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// TupleField takes value i out of the list of JSON texts that
// GoTupleFunc returns (a list rather than one JSON array, so that
// taking a value out does not parse all the others).
func (d duckdb) TupleField(x string, i int) string {
	return "CAST((" + x + ")[" + strconv.Itoa(i+1) + "] AS JSON)"
}

func (d duckdb) Path(g *Gen, x string, steps []any, in []string) (string, error) {
	if p, ok := pathString(steps); ok {
		return "json_extract(" + x + ", " + quoteString(p) + ")", nil
	}
	cur := x
	for _, s := range steps {
		switch s := s.(type) {
		case string, int64:
			p, _ := pathString([]any{s})
			cur = "json_extract(" + cur + ", " + quoteString(p) + ")"
		case plan.Expr:
			e, err := g.Expr(s, in, false)
			if err != nil {
				return "", err
			}
			if s.Type() == types.String {
				cur = "json_extract(" + cur + ", '$.\"' || replace(replace(" + e + ", '\\', '\\\\'), '\"', '\\\"') || '\"')"
			} else {
				cur = "json_extract(" + cur + ", CASE WHEN " + e + " < 0 THEN '$[#' || CAST(" + e + " AS VARCHAR) || ']' ELSE '$[' || CAST(" + e + " AS VARCHAR) || ']' END)"
			}
		}
	}
	return cur, nil
}

// Regular-expression pieces for Kusto terms: runs of letters and digits.
const (
	termChar    = `[\pL\pN]`
	nonTermChar = `[^\pL\pN]`
)

func isTermRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// termPattern is the regular expression matching needle as a term (has),
// a term prefix (hasprefix) or a term suffix (hassuffix).
func termPattern(needle string, cs, prefix, suffix bool) string {
	var b strings.Builder
	if !cs {
		b.WriteString("(?i)")
	}
	rs := []rune(needle)
	if len(rs) > 0 && isTermRune(rs[0]) && !suffix {
		b.WriteString("(?:^|" + nonTermChar + ")")
	}
	b.WriteString(regexp.QuoteMeta(needle))
	if len(rs) > 0 && isTermRune(rs[len(rs)-1]) && !prefix {
		b.WriteString("(?:$|" + nonTermChar + ")")
	}
	return b.String()
}

func litString(e plan.Expr) (string, bool) {
	l, ok := e.(*plan.Lit)
	if !ok {
		return "", false
	}
	s, ok := l.V.(string)
	return s, ok && l.T == types.String
}

func (d duckdb) term(call *plan.Call, x, needle string) string {
	name := strings.TrimPrefix(call.F.Name, "!")
	neg := strings.HasPrefix(call.F.Name, "!")
	cs := strings.HasSuffix(name, "_cs")
	name = strings.TrimSuffix(name, "_cs")
	prefix := name == "hasprefix"
	suffix := name == "hassuffix"
	var s string
	if lit, ok := litString(call.Args[1]); ok {
		s = "regexp_matches(" + x + ", " + quoteString(termPattern(lit, cs, prefix, suffix)) + ")"
		// A cheap substring test first: the regular expression only
		// runs on the rows that contain the needle.
		if likeSafe(lit) && lit != "" {
			if cs {
				s = "(contains(" + x + ", " + quoteString(lit) + ") AND " + s + ")"
			} else {
				s = "(" + x + " ILIKE " + quoteString("%"+lit+"%") + " AND " + s + ")"
			}
		}
	} else {
		pre, post := "'(?:^|"+nonTermChar+")' || ", " || '(?:$|"+nonTermChar+")'"
		if prefix {
			post = ""
		}
		if suffix {
			pre = ""
		}
		flags := "'(?i)' || "
		if cs {
			flags = ""
		}
		s = "regexp_matches(" + x + ", " + flags + pre + "regexp_escape(" + needle + ")" + post + ")"
	}
	if neg {
		return "(NOT " + s + ")"
	}
	return s
}

func (d duckdb) nonBMP(s string) string {
	return "(length(" + s + ") - length(regexp_replace(" + s + ", '[\\x{10000}-\\x{10FFFF}]', '', 'g')))"
}

func (d duckdb) Generator(g *Gen, name string, call *plan.Call, args []string, pred bool) (string, error) {
	ts := make([]types.Type, len(call.Args))
	for i, a := range call.Args {
		ts[i] = a.Type()
	}
	switch name {
	case "div":
		a, b := ts[0], ts[1]
		switch {
		case a == types.TimeSpan && b == types.TimeSpan:
			return "(CAST(epoch_us(" + args[0] + ") AS DOUBLE) / epoch_us(" + args[1] + "))", nil
		case a == types.TimeSpan:
			return "to_microseconds(CAST(trunc(epoch_us(" + args[0] + ") / " + args[1] + ") AS BIGINT))", nil
		case call.T == types.Real || call.T == types.Decimal:
			return "(CAST(" + args[0] + " AS DOUBLE) / " + args[1] + ")", nil
		}
		return "(" + args[0] + " // " + args[1] + ")", nil
	case "mod":
		// Kusto's modulo is never negative: -14 % 12 is 10.
		if call.T == types.Real {
			return "fmod(fmod(" + args[0] + ", " + args[1] + ") + abs(" + args[1] + "), abs(" + args[1] + "))", nil
		}
		return "(((" + args[0] + " % " + args[1] + ") + abs(" + args[1] + ")) % abs(" + args[1] + "))", nil
	case "eq", "ne":
		a, b := args[0], args[1]
		nn := func(i int) bool {
			if l, ok := call.Args[i].(*plan.Lit); ok {
				return l.V != nil
			}
			return ts[i] == types.String
		}
		if name == "eq" {
			if pred || (nn(0) && nn(1)) {
				return "(" + a + " = " + b + ")", nil
			}
			if nn(0) || nn(1) {
				return "coalesce(" + a + " = " + b + ", FALSE)", nil
			}
			return "(CASE WHEN " + a + " IS NULL AND " + b + " IS NULL THEN NULL ELSE (" + a + " IS NOT DISTINCT FROM " + b + ") END)", nil
		}
		if nn(0) && nn(1) {
			return "(" + a + " <> " + b + ")", nil
		}
		if pred || nn(0) || nn(1) {
			return "(" + a + " IS DISTINCT FROM " + b + ")", nil
		}
		return "(CASE WHEN " + a + " IS NULL AND " + b + " IS NULL THEN NULL ELSE (" + a + " IS DISTINCT FROM " + b + ") END)", nil
	case "term":
		return d.term(call, args[0], args[1]), nil
	case "ci":
		return d.caseInsensitive(call, args), nil
	case "in":
		neg := strings.HasPrefix(call.F.Name, "!")
		ci := strings.HasSuffix(call.F.Name, "~")
		x := args[0]
		var s string
		if len(call.Args) == 2 && ts[1] == types.Dynamic {
			if _, sub := call.Args[1].(*plan.Scalar); !sub {
				elems := "json_extract_string(" + args[1] + ", '$[*]')"
				xs := d.Convert(x, ts[0], types.String)
				if ci {
					s = "list_contains(list_transform(" + elems + ", e -> lower(e)), lower(" + xs + "))"
				} else {
					s = "list_contains(" + elems + ", " + xs + ")"
				}
				s = "coalesce(" + s + ", FALSE)"
				if neg {
					return "(NOT " + s + ")", nil
				}
				return s, nil
			}
		}
		var list []string
		for i, a := range args[1:] {
			if _, sub := call.Args[i+1].(*plan.Scalar); sub {
				if ci {
					a = strings.Replace(a, "SELECT ", "SELECT lower(", 1)
					a = strings.Replace(a, " FROM ", ") FROM ", 1)
				}
				list = append(list, a)
				continue
			}
			if ci {
				a = "lower(" + a + ")"
			}
			list = append(list, a)
		}
		if ci {
			x = "lower(" + x + ")"
		}
		if len(list) == 1 && strings.HasPrefix(list[0], "SELECT ") {
			s = "(" + x + " IN (" + list[0] + "))"
		} else {
			var parts []string
			var plain []string
			for _, l := range list {
				if strings.HasPrefix(l, "SELECT ") {
					parts = append(parts, "("+x+" IN ("+l+"))")
				} else {
					plain = append(plain, l)
				}
			}
			if len(plain) > 0 {
				parts = append(parts, "("+x+" IN ("+strings.Join(plain, ", ")+"))")
			}
			s = "(" + strings.Join(parts, " OR ") + ")"
		}
		if neg {
			return "(NOT coalesce(" + s + ", FALSE))", nil
		}
		return s, nil
	case "hasany":
		all := call.F.Name == "has_all"
		x := args[0]
		var parts []string
		for i, a := range call.Args[1:] {
			if a.Type() == types.Dynamic {
				fn := "list_bool_or"
				if all {
					fn = "list_bool_and"
				}
				parts = append(parts, "coalesce("+fn+"(list_transform(json_extract_string("+args[i+1]+", '$[*]'), t -> regexp_matches("+x+", '(?i)(?:^|"+nonTermChar+")' || regexp_escape(t) || '(?:$|"+nonTermChar+")'))), FALSE)")
				continue
			}
			if _, sub := a.(*plan.Scalar); sub {
				return "", fmt.Errorf("not supported yet: %s with a table", call.F.Name)
			}
			if lit, ok := litString(a); ok {
				parts = append(parts, "regexp_matches("+x+", "+quoteString(termPattern(lit, false, false, false))+")")
				continue
			}
			parts = append(parts, "regexp_matches("+x+", '(?i)(?:^|"+nonTermChar+")' || regexp_escape("+args[i+1]+") || '(?:$|"+nonTermChar+")')")
		}
		if len(parts) == 0 {
			return "FALSE", nil
		}
		op := " OR "
		if all {
			op = " AND "
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case "isempty":
		neg := call.F.Name == "isnotempty"
		var s string
		switch ts[0] {
		case types.String:
			s = "(" + args[0] + " IS NULL OR " + args[0] + " = '')"
			if neg {
				return "(" + args[0] + " IS NOT NULL AND " + args[0] + " <> '')", nil
			}
		case types.Dynamic:
			s = "(" + args[0] + " IS NULL OR json_type(" + args[0] + ") = 'NULL' OR CAST(" + args[0] + " AS VARCHAR) = '\"\"')"
		default:
			s = "(" + args[0] + " IS NULL)"
		}
		if neg {
			return "(NOT " + s + ")", nil
		}
		return s, nil
	case "case":
		var b strings.Builder
		b.WriteString("(CASE")
		for i := 0; i+1 < len(args); i += 2 {
			b.WriteString(" WHEN " + args[i] + " THEN " + args[i+1])
		}
		b.WriteString(" ELSE " + args[len(args)-1] + " END)")
		return b.String(), nil
	case "coalesce":
		if call.T == types.String {
			parts := make([]string, len(args))
			for i, a := range args {
				parts[i] = "nullif(" + a + ", '')"
			}
			return "coalesce(" + strings.Join(parts, ", ") + ", '')", nil
		}
		return "coalesce(" + strings.Join(args, ", ") + ")", nil
	case "bin":
		return d.bin(call, args, ts)
	case "strlen":
		s := args[0]
		if g.ASCII[s] {
			return "strlen(" + s + ")", nil
		}
		return "(CASE WHEN strlen(" + s + ") = length(" + s + ") THEN strlen(" + s + ") ELSE length(" + s + ") + " + d.nonBMP(s) + " END)", nil
	case "substring":
		return d.substring(g, call, args)
	case "indexof":
		return d.indexof(g, call, args)
	case "startof":
		name := call.F.Name
		end := strings.HasPrefix(name, "endof")
		unit := strings.TrimPrefix(strings.TrimPrefix(name, "startof"), "endof")
		x := args[0]
		var start string
		switch unit {
		case "day":
			start = "date_trunc('day', " + x + ")"
		case "week":
			start = "(date_trunc('day', " + x + ") - to_days(CAST(dayofweek(" + x + ") AS INTEGER)))"
		case "month":
			start = "CAST(date_trunc('month', " + x + ") AS TIMESTAMP)"
		case "year":
			start = "CAST(date_trunc('year', " + x + ") AS TIMESTAMP)"
		}
		step := map[string]string{"day": "to_days", "week": "to_weeks", "month": "to_months", "year": "to_years"}[unit]
		if len(args) > 1 {
			start = "(" + start + " + " + step + "(CAST(" + args[1] + " AS INTEGER)))"
		}
		if end {
			return "(" + start + " + " + step + "(1) - INTERVAL 1 MICROSECOND)", nil
		}
		return start, nil
	case "tohex":
		s := "lower(to_hex(CAST(" + args[0] + " AS BIGINT)))"
		if len(args) > 1 {
			s = "lpad(" + s + ", CAST(" + args[1] + " AS INTEGER), '0')"
		}
		return s, nil
	case "indexof_regex":
		if len(args) > 2 {
			// start, length (-1: to the end), occurrence: the matches do
			// not overlap; the nth starts after the text before it and
			// the n-1 matches. Null for start < 0, length < -1 or
			// occurrence < 1.
			length, occ := "-1", "1"
			if len(args) > 3 {
				length = args[3]
			}
			if len(args) > 4 {
				occ = args[4]
			}
			sub := "CASE WHEN __ln = -1 THEN substring(" + args[0] + ", __st + 1) ELSE substring(" + args[0] + ", __st + 1, __ln) END"
			pos := "__st + coalesce(list_sum(list_transform(list_slice(regexp_split_to_array(__sub, " + args[1] + "), 1, __oc), __x -> length(__x))), 0) + coalesce(list_sum(list_transform(list_slice(__m, 1, __oc - 1), __x -> length(__x))), 0)"
			body := "CASE WHEN __st < 0 OR __ln < -1 OR __oc < 1 THEN NULL ELSE " + sqlLet(sub, "__sub", sqlLet("regexp_extract_all(__sub, "+args[1]+")", "__m", "CASE WHEN len(__m) < __oc THEN CAST(-1 AS BIGINT) ELSE CAST("+pos+" AS BIGINT) END")) + " END"
			return sqlLet("CAST("+args[2]+" AS BIGINT)", "__st", sqlLet("CAST("+length+" AS BIGINT)", "__ln", sqlLet("CAST("+occ+" AS BIGINT)", "__oc", body))), nil
		}
		m := "regexp_extract(" + args[0] + ", " + args[1] + ")"
		return "(CASE WHEN regexp_matches(" + args[0] + ", " + args[1] + ") THEN CAST(strpos(" + args[0] + ", " + m + ") - 1 AS BIGINT) ELSE -1 END)", nil
	case "array_slice":
		l := "json_extract(" + args[0] + ", '$[*]')"
		st := "(CASE WHEN " + args[1] + " < 0 THEN len(" + l + ") + " + args[1] + " ELSE " + args[1] + " END)"
		en := "(CASE WHEN " + args[2] + " < 0 THEN len(" + l + ") + " + args[2] + " ELSE " + args[2] + " END)"
		return "to_json(coalesce(list_slice(" + l + ", " + st + " + 1, " + en + " + 1), []))", nil
	case "bag_zip":
		k := "json_extract_string(" + args[0] + ", '$[*]')"
		kt := "json_extract(" + args[0] + ", '$[*]')"
		v := "json_extract(" + args[1] + ", '$[*]')"
		return "(CASE WHEN json_type(" + args[0] + ") = 'ARRAY' THEN CAST(to_json(map_from_entries(list_filter(list_transform(range(1, len(" + k + ") + 1), i -> struct_pack(k := " + k + "[i], v := " + v + "[i], t := json_type(" + kt + "[i]))), e -> e.t = 'VARCHAR').list_transform(e -> struct_pack(k := e.k, v := e.v)))) AS JSON) END)", nil
	case "range":
		step := "1"
		if len(args) > 2 {
			step = args[2]
		}
		// Kusto caps the array at 1,048,576 elements.
		stop := args[1]
		if call.Args[0].Type().IsNumeric() {
			stop = "least(" + args[1] + ", " + args[0] + " + " + step + " * 1048575)"
		}
		for _, a := range call.Args {
			if t := a.Type(); t == types.Real || t == types.Decimal {
				// DuckDB's generate_series has no real form: count
				// the steps (at most Kusto's cap) and scale them.
				start := "CAST(" + args[0] + " AS DOUBLE)"
				n := "CAST(least(greatest(floor((" + args[1] + " - " + start + ") / " + step + ") + 1, 0), 1048576) AS BIGINT)"
				return "to_json(list_transform(range(0, " + n + "), __i -> " + start + " + __i * " + step + "))", nil
			}
		}
		return "to_json(generate_series(" + args[0] + ", " + stop + ", " + step + "))", nil
	case "codepoints":
		var parts []string
		for i, a := range call.Args {
			if a.Type() == types.Dynamic {
				parts = append(parts, "CAST(json_extract("+args[i]+", '$[*]') AS BIGINT[])")
			} else {
				parts = append(parts, "[CAST("+args[i]+" AS BIGINT)]")
			}
		}
		return "coalesce(array_to_string(list_transform(flatten([" + strings.Join(parts, ", ") + "]), c -> chr(CAST(c AS INTEGER))), ''), '')", nil
	case "translate":
		from, to := args[0], args[1]
		if f, ok := litString(call.Args[0]); ok {
			if t, ok := litString(call.Args[1]); ok {
				fr, tr := []rune(f), []rune(t)
				if len(tr) > 0 && len(tr) < len(fr) {
					for len(tr) < len(fr) {
						tr = append(tr, tr[len(tr)-1])
					}
					to = quoteString(string(tr))
				}
			}
		}
		return "translate(" + args[2] + ", " + from + ", " + to + ")", nil
	case "ipv4":
		return d.ipv4(g, call, args)
	case "regex_group":
		n := call.Args[2].(*plan.Lit).V.(int64)
		return "regexp_extract(" + args[0] + ", " + args[1] + ", " + strconv.FormatInt(n, 10) + ")", nil
	case "setop":
		lists := make([]string, len(args))
		for i, a := range args {
			lists[i] = "coalesce(json_extract(" + a + ", '$[*]'), [])"
		}
		distinct := func(l string) string {
			return "list_filter(" + l + ", (x, i) -> list_position(" + l + ", x) = i)"
		}
		var s string
		switch call.F.Name {
		case "jaccard_index":
			// |A ∩ B| / |A ∪ B| over distinct elements.
			a := distinct(lists[0])
			inter := "list_filter(" + a + ", x -> list_contains(" + lists[1] + ", x))"
			union := distinct("flatten([" + lists[0] + ", " + lists[1] + "])")
			return "(CAST(len(" + inter + ") AS DOUBLE) / len(" + union + "))", nil
		case "set_union":
			s = distinct("flatten([" + strings.Join(lists, ", ") + "])")
		case "set_intersect":
			s = distinct(lists[0])
			for _, o := range lists[1:] {
				s = "list_filter(" + s + ", x -> list_contains(" + o + ", x))"
			}
		case "set_difference":
			s = distinct(lists[0])
			for _, o := range lists[1:] {
				s = "list_filter(" + s + ", x -> NOT list_contains(" + o + ", x))"
			}
		}
		return "CAST(to_json(" + s + ") AS JSON)", nil
	case "rotate":
		l := "coalesce(json_extract(" + args[0] + ", '$[*]'), [])"
		n := args[1]
		if call.F.Name == "array_rotate_right" {
			n = "(-" + n + ")"
		}
		k := "(((" + n + ") % greatest(len(" + l + "), 1) + greatest(len(" + l + "), 1)) % greatest(len(" + l + "), 1))"
		return "CAST(to_json(list_concat(list_slice(" + l + ", " + k + " + 1, len(" + l + ")), list_slice(" + l + ", 1, " + k + "))) AS JSON)", nil
	case "array_split":
		l := "coalesce(json_extract(" + args[0] + ", '$[*]'), [])"
		if ts[1] == types.Dynamic {
			// Split at each index (negative ones count from the end).
			idx := "list_transform(coalesce(CAST(json_extract(" + args[1] + ", '$[*]') AS BIGINT[]), []), __i -> CASE WHEN __i < 0 THEN len(" + l + ") + __i ELSE __i END)"
			bounds := "list_concat([0], " + idx + ", [len(" + l + ")])"
			return "CAST(to_json(list_transform(range(1, len(" + bounds + ")), __j -> list_slice(" + l + ", " + bounds + "[__j] + 1, " + bounds + "[__j + 1]))) AS JSON)", nil
		}
		k := "(CASE WHEN " + args[1] + " < 0 THEN len(" + l + ") + " + args[1] + " ELSE " + args[1] + " END)"
		return "CAST(to_json([list_slice(" + l + ", 1, " + k + "), list_slice(" + l + ", " + k + " + 1, len(" + l + "))]) AS JSON)", nil
	case "has_any_index":
		terms := "json_extract_string(" + args[1] + ", '$[*]')"
		test := "list_transform(" + terms + ", t -> t <> '' AND regexp_matches(" + args[0] + ", '(?i)(?:^|" + nonTermChar + ")' || regexp_escape(t) || '(?:$|" + nonTermChar + ")'))"
		return "coalesce(CAST(list_position(" + test + ", TRUE) AS BIGINT) - 1, -1)", nil
	case "bag_keys":
		return d.bagKeys(call, args)
	case "bag_merge":
		// The first bag wins on duplicate keys.
		s := args[len(args)-1]
		for i := len(args) - 2; i >= 0; i-- {
			s = "json_merge_patch(" + s + ", " + args[i] + ")"
		}
		return s, nil
	case "parse_urlquery":
		q := "regexp_replace(" + args[0] + ", '^\\?', '')"
		pairs := "list_filter(string_split(" + q + ", '&'), p -> p <> '')"
		params := "CAST(to_json(map_from_entries(list_transform(" + pairs + ", p -> struct_pack(k := split_part(p, '=', 1), v := url_decode(substring(p, strlen(split_part(p, '=', 1)) + 2)))))) AS JSON)"
		return "json_object('Query Parameters', (CASE WHEN len(" + pairs + ") = 0 THEN CAST('{}' AS JSON) ELSE " + params + " END))", nil
	case "parse_url":
		re := quoteString(`^(?:([A-Za-z][A-Za-z0-9+.-]*)://)?(?:([^:@/?#]*)(?::([^@/?#]*))?@)?([^:/?#]*)(?::(\d+))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$`)
		g := func(i int) string { return "regexp_extract(" + args[0] + ", " + re + ", " + strconv.Itoa(i) + ")" }
		pairs := "list_filter(string_split(" + g(7) + ", '&'), p -> p <> '')"
		params := "CAST(to_json(map_from_entries(list_transform(" + pairs + ", p -> struct_pack(k := split_part(p, '=', 1), v := url_decode(substring(p, strlen(split_part(p, '=', 1)) + 2)))))) AS JSON)"
		params = "(CASE WHEN len(" + pairs + ") = 0 THEN CAST('{}' AS JSON) ELSE " + params + " END)"
		return "(CASE WHEN regexp_matches(" + args[0] + ", '^[A-Za-z][A-Za-z0-9+.-]*://') THEN json_object('Scheme', " + g(1) + ", 'Host', " + g(4) + ", 'Port', " + g(5) + ", 'Path', " + g(6) + ", 'Username', " + g(2) + ", 'Password', " + g(3) + ", 'Query Parameters', " + params + ", 'Fragment', " + g(8) + ") END)", nil
	case "zip":
		lists := make([]string, len(args))
		var lens []string
		for i, a := range args {
			lists[i] = "coalesce(json_extract(" + a + ", '$[*]'), [])"
			lens = append(lens, "len("+lists[i]+")")
		}
		n := lens[0]
		if len(lens) > 1 {
			n = "greatest(" + strings.Join(lens, ", ") + ")"
		}
		var elems []string
		for _, l := range lists {
			elems = append(elems, "coalesce("+l+"[i], CAST('null' AS JSON))")
		}
		return "CAST(to_json(list_transform(range(1, " + n + " + 1), i -> json_array(" + strings.Join(elems, ", ") + "))) AS JSON)", nil
	case "array_iff":
		cond := "coalesce(json_extract(" + args[0] + ", '$[*]'), [])"
		pick := func(i int) string {
			if call.Args[i].Type() == types.Dynamic {
				return "coalesce(json_extract(" + args[i] + ", '$[*]')[j], CAST('null' AS JSON))"
			}
			return "to_json(" + args[i] + ")"
		}
		test := "(CASE json_type(" + cond + "[j]) WHEN 'BOOLEAN' THEN CAST(" + cond + "[j] AS BOOLEAN) WHEN 'NULL' THEN NULL ELSE TRY_CAST(json_extract_string(" + cond + "[j], '$') AS DOUBLE) <> 0 END)"
		return "CAST(to_json(list_transform(range(1, len(" + cond + ") + 1), j -> CASE WHEN " + test + " THEN " + pick(1) + " WHEN NOT " + test + " THEN " + pick(2) + " ELSE CAST('null' AS JSON) END)) AS JSON)", nil
	case "format_timespan":
		f, ok := litString(call.Args[1])
		if !ok {
			return "", fmt.Errorf("not supported yet: format_timespan with a computed format")
		}
		return sqlLet("epoch_us("+args[0]+")", "__us", formatTimespan("__us", f)), nil
	case "format_datetime":
		f, ok := litString(call.Args[1])
		if !ok {
			return "", fmt.Errorf("not supported yet: format_datetime with a computed format")
		}
		return formatDatetime(args[0], f), nil
	case "window":
		switch call.F.Name {
		case "row_number":
			if len(args) > 1 {
				return "", fmt.Errorf("not supported yet: row_number with restart")
			}
			if len(args) == 1 {
				return "(row_number() OVER () + " + args[0] + " - 1)", nil
			}
			return "row_number() OVER ()", nil
		case "prev", "next":
			fn := "lag"
			if call.F.Name == "next" {
				fn = "lead"
			}
			off := "1"
			if len(args) > 1 {
				off = args[1]
			}
			s := fn + "(" + args[0] + ", CAST(" + off + " AS BIGINT)) OVER ()"
			if len(args) > 2 {
				s = "coalesce(" + s + ", " + args[2] + ")"
			}
			if call.T == types.String {
				s = "coalesce(" + s + ", '')"
			}
			return s, nil
		case "row_cumsum":
			if len(args) > 1 {
				return "", fmt.Errorf("not supported yet: row_cumsum with restart")
			}
			return "sum(" + args[0] + ") OVER (ROWS UNBOUNDED PRECEDING)", nil
		}
	case "convert_unit":
		return d.convertUnit(call, args)
	case "strcat_delim":
		return "concat_ws(" + strings.Join(args, ", ") + ")", nil
	case "trim":
		re := args[0]
		s := args[1]
		switch call.F.Name {
		case "trim_start":
			return "regexp_replace(" + s + ", '^(?:' || " + re + " || ')+', '')", nil
		case "trim_end":
			return "regexp_replace(" + s + ", '(?:' || " + re + " || ')+$', '')", nil
		}
		return "regexp_replace(regexp_replace(" + s + ", '^(?:' || " + re + " || ')+', ''), '(?:' || " + re + " || ')+$', '')", nil
	case "extract":
		if len(args) > 3 {
			return "", fmt.Errorf("not supported yet: extract with a type argument")
		}
		if _, ok := call.Args[1].(*plan.Lit); !ok {
			return "", fmt.Errorf("not supported yet: extract with a computed capture group")
		}
		grp := args[1]
		if l, ok := call.Args[1].(*plan.Lit); ok {
			if v, ok := l.V.(int64); ok {
				grp = strconv.FormatInt(v, 10)
			}
		}
		return "coalesce(regexp_extract(" + args[2] + ", " + args[0] + ", " + grp + "), '')", nil
	case "extract_all":
		grp := "0"
		if lit, ok := litString(call.Args[0]); ok {
			if re, err := regexp.Compile(lit); err == nil && re.NumSubexp() > 0 {
				grp = "1"
			}
		}
		return "to_json(regexp_extract_all(" + args[1] + ", " + args[0] + ", " + grp + "))", nil
	case "split":
		l := "string_split(" + args[0] + ", " + args[1] + ")"
		if len(args) == 3 {
			return "(CASE WHEN " + args[2] + " >= 0 AND " + args[2] + " < len(" + l + ") THEN to_json([" + l + "[" + args[2] + " + 1]]) ELSE CAST('[]' AS JSON) END)", nil
		}
		return "to_json(" + l + ")", nil
	case "countof":
		if len(args) == 3 {
			if lit, ok := litString(call.Args[2]); ok && lit == "regex" {
				return "CAST(len(regexp_extract_all(" + args[0] + ", " + args[1] + ")) AS BIGINT)", nil
			}
		}
		return "CAST(len(list_filter(range(0, length(" + args[0] + ")), i -> substring(" + args[0] + ", i + 1, length(" + args[1] + ")) = " + args[1] + ")) AS BIGINT)", nil
	case "strrep":
		if len(args) == 3 {
			return "array_to_string(list_transform(range(" + args[1] + "), i -> " + args[0] + "), " + args[2] + ")", nil
		}
		return "repeat(" + args[0] + ", CAST(" + args[1] + " AS BIGINT))", nil
	case "round":
		if len(args) == 1 {
			return "round(" + args[0] + ")", nil
		}
		return "round(" + args[0] + ", CAST(" + args[1] + " AS INTEGER))", nil
	case "pack_array":
		if len(args) == 0 {
			return "CAST('[]' AS JSON)", nil
		}
		return "json_array(" + strings.Join(d.jsonArgs(call, args), ", ") + ")", nil
	case "bag_pack":
		if len(args)%2 != 0 {
			return "", fmt.Errorf("bag_pack expects key/value pairs")
		}
		if len(args) == 0 {
			return "CAST('{}' AS JSON)", nil
		}
		if call.F.Name == "__bag_pack_nonempty" {
			// Entries whose value is null or "" are left out.
			ja := d.jsonArgs(call, args)
			var entries []string
			for i := 0; i+1 < len(ja); i += 2 {
				entries = append(entries, "struct_pack(k := CAST("+ja[i]+" AS VARCHAR), v := CAST(to_json("+ja[i+1]+") AS JSON))")
			}
			return "CAST(to_json(map_from_entries(list_filter([" + strings.Join(entries, ", ") + "], __e -> __e.v IS NOT NULL AND CAST(__e.v AS VARCHAR) NOT IN ('null', '\"\"')))) AS JSON)", nil
		}
		return "json_object(" + strings.Join(d.jsonArgs(call, args), ", ") + ")", nil
	case "strcat_array":
		return "coalesce(array_to_string(json_extract_string(" + args[0] + ", '$[*]'), " + args[1] + "), '')", nil
	case "array_concat":
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = "coalesce(json_extract(" + a + ", '$[*]'), [])"
		}
		return "to_json(list_concat(" + strings.Join(parts, ", ") + "))", nil
	case "replace_strings":
		return d.replaceStrings(call, args)
	case "format_bytes":
		// Units of 1024; without units the largest one the size reaches.
		// The value is rounded half away from zero to the precision.
		x := "CAST(" + args[0] + " AS DOUBLE)"
		prec := "0"
		if len(args) > 1 {
			prec = "greatest(CAST(" + args[1] + " AS BIGINT), 0)"
		}
		auto := "(CASE WHEN abs(" + x + ") >= 1024 THEN 1 ELSE 0 END"
		for k := 2; k <= 6; k++ {
			auto += " + CASE WHEN abs(" + x + ") >= " + strconv.FormatFloat(math.Pow(1024, float64(k)), 'f', -1, 64) + " THEN 1 ELSE 0 END"
		}
		auto += ")"
		e := auto
		if len(args) > 2 {
			e = "(CASE WHEN " + args[2] + " = '' THEN " + auto + " ELSE coalesce(list_position(['BYTES', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'], upper(" + args[2] + ")) - 1, -1) END)"
		}
		return "(CASE WHEN " + e + " < 0 OR " + x + " IS NULL THEN '' ELSE printf('%.' || " + prec + " || 'f', round(" + x + " / pow(1024, " + e + "), CAST(" + prec + " AS INTEGER))) || ' ' || ['Bytes', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'][" + e + " + 1] END)", nil
	case "ipv6":
		return d.ipv6(call, args)
	case "hash_text":
		// hash_md5/sha1/sha256 hash the value's Kusto text (tostring):
		// a datetime hashes as 2020-01-01T00:00:00.0000000Z.
		fn := map[string]string{"hash_md5": "md5", "hash_sha1": "sha1", "hash_sha256": "sha256"}[call.F.Name]
		return fn + "(" + d.Convert(args[0], ts[0], types.String) + ")", nil
	case "array_index_of":
		v := d.Convert(args[1], ts[1], types.String)
		if len(args) == 2 {
			return "coalesce(CAST(list_position(json_extract_string(" + args[0] + ", '$[*]'), " + v + ") AS BIGINT) - 1, -1)", nil
		}
		// start (negative: from the end), length (-1: to the end) and
		// occurrence; null for occurrence < 0 or length < -1.
		start, length, occ := args[2], "-1", "1"
		if len(args) > 3 {
			length = args[3]
		}
		if len(args) > 4 {
			occ = args[4]
		}
		body := "CASE WHEN __oc < 0 OR __ln < -1 THEN NULL ELSE " + sqlLet("CASE WHEN __st < 0 THEN greatest(len(__l) + __st, 0) ELSE __st END", "__s",
			"coalesce(CAST(list_filter(range(__s, CASE WHEN __ln = -1 THEN len(__l) ELSE least(len(__l), __s + __ln) END), __i -> __l[__i + 1] = "+v+")[greatest(__oc, 1)] AS BIGINT), -1)") + " END"
		return sqlLet("coalesce(json_extract_string("+args[0]+", '$[*]'), [])", "__l", sqlLet("CAST("+start+" AS BIGINT)", "__st", sqlLet("CAST("+length+" AS BIGINT)", "__ln", sqlLet("CAST("+occ+" AS BIGINT)", "__oc", body)))), nil
	case "set_has_element":
		return "coalesce(list_contains(json_extract_string(" + args[0] + ", '$[*]'), " + d.Convert(args[1], ts[1], types.String) + "), FALSE)", nil
	case "gettype":
		if ts[0] != types.Dynamic {
			t := ts[0].String()
			return quoteString(t), nil
		}
		x := args[0]
		return "(CASE WHEN " + x + " IS NULL THEN 'null' WHEN json_type(" + x + ") IN ('BIGINT', 'UBIGINT') AND TRY_CAST(" + x + " AS INTEGER) IS NOT NULL THEN 'int' ELSE CASE json_type(" + x + ") WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'long' WHEN 'UBIGINT' THEN 'long' WHEN 'DOUBLE' THEN 'real' WHEN 'BOOLEAN' THEN 'bool' WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' ELSE 'null' END END)", nil
	case "datetime_diff":
		part, ok := litString(call.Args[0])
		if !ok {
			return "", fmt.Errorf("not supported yet: datetime_diff with a computed part")
		}
		part = strings.ToLower(part)
		switch part {
		case "week":
			sow := func(x string) string {
				return "(date_trunc('day', " + x + ") - to_days(CAST(dayofweek(" + x + ") AS INTEGER)))"
			}
			return "(date_diff('day', " + sow(args[2]) + ", " + sow(args[1]) + ") // 7)", nil
		case "year", "quarter", "month", "day", "hour", "minute", "second", "millisecond", "microsecond":
			return "date_diff(" + quoteString(part) + ", " + args[2] + ", " + args[1] + ")", nil
		case "nanosecond":
			return "(date_diff('microsecond', " + args[2] + ", " + args[1] + ") * 1000)", nil
		}
		return "", fmt.Errorf("datetime_diff: unknown part %q", part)
	case "datetime_add":
		part, ok := litString(call.Args[0])
		if !ok {
			return "", fmt.Errorf("not supported yet: datetime_add with a computed part")
		}
		n := "CAST(" + args[1] + " AS BIGINT)"
		var iv string
		switch strings.ToLower(part) {
		case "year":
			iv = "to_years(CAST(" + args[1] + " AS INTEGER))"
		case "quarter":
			iv = "to_months(CAST(3 * " + args[1] + " AS INTEGER))"
		case "month":
			iv = "to_months(CAST(" + args[1] + " AS INTEGER))"
		case "week":
			iv = "to_days(CAST(7 * " + args[1] + " AS INTEGER))"
		case "day":
			iv = "to_days(CAST(" + args[1] + " AS INTEGER))"
		case "hour":
			iv = "to_hours(" + n + ")"
		case "minute":
			iv = "to_minutes(" + n + ")"
		case "second":
			iv = "to_seconds(" + n + ")"
		case "millisecond":
			iv = "to_milliseconds(" + n + ")"
		case "microsecond":
			iv = "to_microseconds(" + n + ")"
		case "nanosecond":
			iv = "to_microseconds(" + n + " // 1000)"
		default:
			return "", fmt.Errorf("datetime_add: unknown part %q", part)
		}
		return "(" + args[2] + " + " + iv + ")", nil
	case "datetime_part":
		part, ok := litString(call.Args[0])
		if !ok {
			return "", fmt.Errorf("not supported yet: datetime_part with a computed part")
		}
		x := args[1]
		var s string
		switch strings.ToLower(part) {
		case "year":
			s = "year(" + x + ")"
		case "quarter":
			s = "quarter(" + x + ")"
		case "month":
			s = "month(" + x + ")"
		case "week_of_year", "weekofyear":
			s = "week(" + x + ")"
		case "day":
			s = "day(" + x + ")"
		case "dayofyear":
			s = "dayofyear(" + x + ")"
		case "hour":
			s = "hour(" + x + ")"
		case "minute":
			s = "minute(" + x + ")"
		case "second":
			s = "second(" + x + ")"
		case "millisecond":
			s = "(millisecond(" + x + ") % 1000)"
		case "microsecond":
			s = "(microsecond(" + x + ") % 1000000)"
		case "nanosecond":
			s = "((microsecond(" + x + ") % 1000000) * 1000)"
		default:
			return "", fmt.Errorf("datetime_part: unknown part %q", part)
		}
		return "CAST(" + s + " AS INTEGER)", nil
	case "make_timespan":
		// (hour, minute), (hour, minute, second) or (day, hour, minute, second).
		var d, h, m, sec string = "0", args[0], args[1], "0"
		switch len(args) {
		case 3:
			sec = args[2]
		case 4:
			d, h, m, sec = args[0], args[1], args[2], args[3]
		}
		return "to_microseconds(CAST(" + d + " AS BIGINT) * 86400000000 + CAST(" + h + " AS BIGINT) * 3600000000 + CAST(" + m + " AS BIGINT) * 60000000 + CAST(round(CAST(" + sec + " AS DOUBLE) * 1000000) AS BIGINT))", nil
	case "make_datetime":
		for len(args) < 6 {
			args = append(args, "0")
		}
		return "make_timestamp(CAST(" + args[0] + " AS BIGINT), CAST(" + args[1] + " AS BIGINT), CAST(" + args[2] + " AS BIGINT), CAST(" + args[3] + " AS BIGINT), CAST(" + args[4] + " AS BIGINT), CAST(" + args[5] + " AS DOUBLE))", nil
	case "series", "gofn":
		// GoFunc(name, arguments as JSON text...) returns JSON text
		// or a number as text, or NULL. The functions written in Go
		// ("@gofn") get datetimes and timespans as microseconds.
		parts := []string{quoteString(call.F.Name)}
		for i, a := range args {
			if name == "gofn" && (ts[i] == types.DateTime || ts[i] == types.TimeSpan) {
				a = "epoch_us(" + a + ")"
			}
			if name == "gofn" && (call.F.Name == "hash" || call.F.Name == "hash_xxhash64") && i == 0 {
				// Only strings and datetimes are known to hash as in
				// Kusto; a dynamic value converted to string is not one.
				from := ts[i]
				if c, ok := call.Args[i].(*plan.Convert); ok {
					from = c.X.Type()
				}
				if from != types.String && from != types.DateTime {
					return "", fmt.Errorf("not supported yet: %s of a %s value", call.F.Name, from)
				}
			}
			parts = append(parts, "CAST(to_json("+a+") AS VARCHAR)")
		}
		if len(call.F.Parts) > 0 {
			return GoTupleFunc + "(" + strings.Join(parts, ", ") + ")", nil
		}
		if call.F.Name == "parse_version" {
			// 32 integer digits do not fit the usual DECIMAL(38,18).
			return "CAST(" + GoFunc + "(" + strings.Join(parts, ", ") + ") AS DECIMAL(38,0))", nil
		}
		return "CAST(" + GoFunc + "(" + strings.Join(parts, ", ") + ") AS " + d.TypeName(call.T) + ")", nil
	}
	return "", fmt.Errorf("not supported yet: %s", call.F.Name)
}

// jsonArgs converts arguments for json_array/json_object: datetimes and
// timespans become Kusto-formatted strings.
func (d duckdb) jsonArgs(call *plan.Call, args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		switch t := call.Args[i].Type(); t {
		case types.DateTime, types.TimeSpan, types.GUID:
			out[i] = d.Convert(a, t, types.String)
		default:
			out[i] = a
		}
	}
	return out
}

// bin floors x to a multiple of size. Datetime bins are aligned on
// 0001-01-01 (Kusto's tick 0), which for sizes dividing a week coincides
// with DuckDB's default time_bucket origin (2000-01-03, a Monday).
func (d duckdb) bin(call *plan.Call, args []string, ts []types.Type) (string, error) {
	x, size := args[0], args[1]
	at := ""
	if len(args) == 3 {
		at = args[2]
	}
	switch ts[0] {
	case types.DateTime:
		if at == "" {
			if l, ok := call.Args[1].(*plan.Lit); ok {
				if dur, ok := l.V.(time.Duration); ok && dur > 0 {
					us := dur.Microseconds()
					// Units of the calendar: date_trunc, the fastest.
					unit := map[time.Duration]string{24 * time.Hour: "day", time.Hour: "hour", time.Minute: "minute", time.Second: "second", time.Millisecond: "millisecond"}[dur]
					if unit != "" {
						return "date_trunc('" + unit + "', " + x + ")", nil
					}
					if us > 0 && (7*86400*1000000)%us == 0 {
						return "time_bucket(" + size + ", " + x + ")", nil
					}
					if us > 0 {
						return "time_bucket(" + size + ", " + x + ", TIMESTAMP '0001-01-01 00:00:00')", nil
					}
				}
			}
			at = "TIMESTAMP '0001-01-01 00:00:00'"
		}
		s := "epoch_us(" + size + ")"
		o := "epoch_us(" + at + ")"
		v := "(epoch_us(" + x + ") - " + o + ")"
		return "make_timestamp(" + v + " - ((" + v + " % " + s + ") + " + s + ") % " + s + " + " + o + ")", nil
	case types.TimeSpan:
		s := "epoch_us(" + size + ")"
		o := "0"
		if at != "" {
			o = "epoch_us(" + at + ")"
		}
		v := "(epoch_us(" + x + ") - " + o + ")"
		return "to_microseconds(" + v + " - ((" + v + " % " + s + ") + " + s + ") % " + s + " + " + o + ")", nil
	}
	if call.T == types.Real || ts[1] == types.Real || call.T == types.Decimal {
		if at != "" {
			return "(floor((" + x + " - " + at + ") / " + size + ") * " + size + " + " + at + ")", nil
		}
		if call.T.IsIntegral() {
			return "CAST(floor(" + x + " / " + size + ") * " + size + " AS " + d.TypeName(call.T) + ")", nil
		}
		return "(floor(" + x + " / " + size + ") * " + size + ")", nil
	}
	if at != "" {
		v := "(" + x + " - " + at + ")"
		return "(" + v + " - ((" + v + " % " + size + ") + " + size + ") % " + size + " + " + at + ")", nil
	}
	return "(" + x + " - ((" + x + " % " + size + ") + " + size + ") % " + size + ")", nil
}

// nonNegative reports whether e is statically known to be >= 0.
func nonNegative(e plan.Expr) bool {
	switch e := e.(type) {
	case *plan.Lit:
		v, ok := e.V.(int64)
		return ok && v >= 0
	case *plan.Convert:
		return nonNegative(e.X)
	case *plan.Call:
		switch e.F.Name {
		case "strlen", "string_size", "array_length", "countof":
			return true
		case "+":
			return nonNegative(e.Args[0]) && nonNegative(e.Args[1]) ||
				atLeastMinusOne(e.Args[0]) && positive(e.Args[1]) ||
				positive(e.Args[0]) && atLeastMinusOne(e.Args[1])
		}
	}
	return false
}

func positive(e plan.Expr) bool {
	if l, ok := e.(*plan.Lit); ok {
		v, ok := l.V.(int64)
		return ok && v > 0
	}
	return false
}

func atLeastMinusOne(e plan.Expr) bool {
	// (array_index_of with an occurrence can also be null.)
	if c, ok := e.(*plan.Call); ok && (c.F.Name == "indexof" || c.F.Name == "array_index_of" && len(c.Args) == 2) {
		return true
	}
	return nonNegative(e)
}

// reprint prints the arguments of call again with s known to be ASCII.
func (d duckdb) reprint(g *Gen, call *plan.Call, s string) ([]string, error) {
	in := g.In
	was := g.ASCII[s]
	g.ASCII[s] = true
	defer func() {
		if !was {
			delete(g.ASCII, s)
		}
		g.In = in
	}()
	out := make([]string, len(call.Args))
	for i, a := range call.Args {
		var err error
		if out[i], err = g.Expr(a, in, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// substring with 0-based start (negative: from the end) and length, in
// UTF-16 code units. Text without characters outside the Basic
// Multilingual Plane takes the native path, where code points are UTF-16
// units.
func (d duckdb) substring(g *Gen, call *plan.Call, args []string) (string, error) {
	s := args[0]
	if st, ok := d.afterMatch(g, call, s); ok && len(args) == 2 {
		// substring(s, indexof(s, "lit") + k): cutting inside a match of
		// a BMP literal is the same in code points and UTF-16 units (a
		// length would not be: it may count characters outside the BMP).
		return "substring(" + s + ", " + st + ")", nil
	}
	start := func(args []string, n string) string {
		if nonNegative(call.Args[1]) {
			return args[1]
		}
		return "(CASE WHEN " + args[1] + " < 0 THEN greatest(" + n + " + " + args[1] + ", 0) ELSE " + args[1] + " END)"
	}
	fastArgs, err := d.reprint(g, call, s)
	if err != nil {
		return "", err
	}
	st := start(fastArgs, "length("+s+")")
	fast := "substring(" + s + ", " + st + " + 1)"
	if len(args) > 2 {
		fast = "substring(" + s + ", " + st + " + 1, greatest(" + fastArgs[2] + ", 0))"
	}
	if g.ASCII[s] {
		return fast, nil
	}
	// Otherwise select the characters whose UTF-16 offset is in range.
	chars := "string_split(" + s + ", '')"
	n16 := "(length(" + s + ") + " + d.nonBMP(s) + ")"
	st16 := start(args, n16)
	pos := "(i - 1 + len(list_filter(" + chars + "[1:i - 1], c2 -> unicode(c2) > 65535)))"
	cond := pos + " >= " + st16
	if len(args) > 2 {
		cond += " AND " + pos + " < " + st16 + " + greatest(" + args[2] + ", 0)"
	}
	slow := "array_to_string(list_filter(" + chars + ", (c, i) -> " + cond + "), '')"
	return "(CASE WHEN strlen(" + s + ") = length(" + s + ") THEN " + fast + " ELSE " + slow + " END)", nil
}

// afterMatch recognises a start of the form indexof(s, lit) + k with
// 1 <= k <= len(lit) and lit inside the Basic Multilingual Plane, and
// returns the native 1-based start (strpos(s, lit) + k): the cut lies
// inside the matched literal, so counting code points or UTF-16 units
// gives the same text, and when lit is absent both start at offset k-1.
func (d duckdb) afterMatch(g *Gen, call *plan.Call, s string) (string, bool) {
	plus, ok := call.Args[1].(*plan.Call)
	if !ok || plus.F.Name != "+" {
		return "", false
	}
	idx, ok := plus.Args[0].(*plan.Call)
	if !ok || idx.F.Name != "indexof" || len(idx.Args) != 2 {
		return "", false
	}
	k, ok := plus.Args[1].(*plan.Lit)
	if !ok {
		return "", false
	}
	kv, ok := k.V.(int64)
	if !ok {
		return "", false
	}
	lit, ok := litString(idx.Args[1])
	if !ok || kv < 1 || kv > int64(len([]rune(lit))) {
		return "", false
	}
	for _, r := range lit {
		if r > 0xFFFF {
			return "", false
		}
	}
	hay, err := g.Expr(idx.Args[0], g.In, false)
	if err != nil || hay != s {
		return "", false
	}
	return "(strpos(" + s + ", " + quoteString(lit) + ") + " + strconv.FormatInt(kv, 10) + ")", true
}

// indexof returns the 0-based UTF-16 offset of the first match, or -1.
func (d duckdb) indexof(g *Gen, call *plan.Call, args []string) (string, error) {
	s, t := args[0], args[1]
	if len(args) > 3 {
		return "", fmt.Errorf("not supported yet: indexof with length or occurrence")
	}
	if len(args) == 3 {
		// Search from a start offset (code points).
		st := args[2]
		p := "strpos(substring(" + s + ", " + st + " + 1), " + t + ")"
		return "(CASE WHEN " + st + " < 0 OR " + st + " > length(" + s + ") THEN -1 WHEN " + p + " = 0 THEN -1 ELSE " + p + " - 1 + " + st + " END)", nil
	}
	p := "strpos(" + s + ", " + t + ")"
	fast := "(" + p + " - 1)"
	if g.ASCII[s] {
		return fast, nil
	}
	slow := "(CASE WHEN " + p + " = 0 THEN -1 ELSE " + p + " - 1 + " + d.nonBMP("substring("+s+", 1, "+p+" - 1)") + " END)"
	return "(CASE WHEN strlen(" + s + ") = length(" + s + ") THEN " + fast + " ELSE " + slow + " END)", nil
}

func (d duckdb) AggGenerator(g *Gen, name string, a *plan.Agg, args []string) (string, error) {
	switch name {
	case "count":
		// count(x) counts rows, like count(), whatever x is.
		return "count(*)", nil
	case "sum":
		s := "sum(" + args[0] + ")"
		if a.Args[0].Type() == types.TimeSpan {
			// DuckDB has no sum of intervals: sum the microseconds.
			s = "to_microseconds(CAST(sum(epoch_us(" + args[0] + ")) AS BIGINT))"
		}
		rows := "count(*)"
		if len(args) > 1 {
			if a.Args[0].Type() == types.TimeSpan {
				s = "to_microseconds(CAST(sum(epoch_us(" + args[0] + ")) FILTER (WHERE " + args[1] + ") AS BIGINT))"
			} else {
				s += " FILTER (WHERE " + args[1] + ")"
			}
			rows += " FILTER (WHERE " + args[1] + ")"
		}
		t := a.Args[0].Type()
		if t.IsIntegral() {
			s = "CAST(" + s + " AS BIGINT)"
		}
		// Over no rows at all sum and sumif give their default value, 0
		// (the summarize page's table of defaults).
		zero := "0"
		switch t {
		case types.TimeSpan:
			zero = "INTERVAL 0 SECOND"
		case types.Real:
			zero = "CAST(0 AS DOUBLE)"
		}
		return "(CASE WHEN " + rows + " = 0 THEN " + zero + " ELSE " + s + " END)", nil
	case "avg":
		if a.Args[0].Type().IsNumeric() {
			return "(CASE WHEN count(*) = 0 THEN CAST('NaN' AS DOUBLE) ELSE avg(" + args[0] + ") END)", nil
		}
		return "avg(" + args[0] + ")", nil
	case "tdigest":
		if a.F.Name == "tdigest_merge" {
			l := "CAST(to_json(list(" + args[0] + ") FILTER (WHERE " + args[0] + " IS NOT NULL)) AS VARCHAR)"
			return "CAST(" + GoFunc + "('__tdigest_merge', " + l + ") AS JSON)", nil
		}
		w := "1"
		if len(args) > 1 {
			w = "CAST(" + args[1] + " AS BIGINT)"
		}
		pairs := "CAST(to_json(list([CAST(" + args[0] + " AS DOUBLE), " + w + "]) FILTER (WHERE " + args[0] + " IS NOT NULL)) AS VARCHAR)"
		return "CAST(" + GoFunc + "('__tdigest', " + pairs + ") AS JSON)", nil
	case "hll":
		x := args[0]
		filter := x + " IS NOT NULL"
		if a.F.Name == "hll_if" && len(args) > 1 {
			filter += " AND " + args[1]
		}
		// No value gives null, the aggregate's default.
		if a.F.Name == "hll_merge" {
			// The union of the sketches' distinct values.
			return "to_json(list_distinct(flatten(list(CAST(json_extract(" + x + ", '$[*]') AS JSON[])) FILTER (WHERE " + filter + "))))", nil
		}
		return "to_json(list(DISTINCT " + x + ") FILTER (WHERE " + filter + "))", nil
	case "buildschema":
		l := "CAST(to_json(list(" + args[0] + ") FILTER (WHERE " + args[0] + " IS NOT NULL)) AS VARCHAR)"
		return "CAST(" + GoFunc + "('__buildschema', " + l + ") AS JSON)", nil
	case "zero_default":
		// variance, stdev and their if forms: 0 over no rows at all.
		rows := "count(*)"
		if strings.HasSuffix(a.F.Name, "if") && len(args) > 1 {
			rows += " FILTER (WHERE " + args[1] + ")"
		}
		fn := map[string]string{"variance": "var_samp", "varianceif": "var_samp", "stdev": "stddev_samp", "stdevif": "stddev_samp"}[a.F.Name]
		if fn == "" {
			return "", fmt.Errorf("sqlgen: no default for %s", a.F.Name)
		}
		x := fn + "(" + args[0] + ")"
		if len(args) > 1 {
			x += " FILTER (WHERE " + args[1] + ")"
		}
		return "(CASE WHEN " + rows + " = 0 THEN CAST(0 AS DOUBLE) ELSE " + x + " END)", nil
	case "make_set", "make_list":
		x := args[0]
		filter := x + " IS NOT NULL"
		if strings.HasSuffix(a.F.Name, "_if") && len(args) > 1 {
			filter += " AND " + args[1]
		}
		distinct := ""
		if name == "make_set" {
			distinct = "DISTINCT "
		}
		s := "list(" + distinct + x + ") FILTER (WHERE " + filter + ")"
		if a.Args[0].Type() == types.Dynamic {
			// Arrays are flattened into the set or list.
			s = "flatten(list(CASE WHEN json_type(" + x + ") = 'ARRAY' THEN json_extract(" + x + ", '$[*]') ELSE [" + x + "] END) FILTER (WHERE " + filter + "))"
			if name == "make_set" {
				s = "list_distinct(" + s + ")"
			}
		}
		if name == "make_set" {
			s = "list_sort(" + s + ")"
		}
		limitArg := 1
		if strings.HasSuffix(a.F.Name, "_if") {
			limitArg = 2
		}
		if len(args) > limitArg {
			s = "list_slice(" + s + ", 1, " + args[limitArg] + ")"
		}
		return "coalesce(to_json(" + s + "), CAST('[]' AS JSON))", nil
	case "make_bag":
		filter := args[0] + " IS NOT NULL AND json_type(" + args[0] + ") = 'OBJECT'"
		if a.F.Name == "make_bag_if" {
			filter += " AND " + args[1]
		}
		return "coalesce(list_reduce(list(" + args[0] + ") FILTER (WHERE " + filter + "), (a, b) -> json_merge_patch(b, a)), CAST('{}' AS JSON))", nil
	case "percentile":
		p := a.Extra[0].(*plan.Lit)
		var f float64
		switch v := p.V.(type) {
		case int64:
			f = float64(v)
		case float64:
			f = v
		}
		return "quantile_disc(" + args[0] + ", " + strconv.FormatFloat(f/100, 'g', -1, 64) + ")", nil
	case "percentilew":
		// GoFunc("__percentiles", [[value, weight], ...], [p, ...])
		// gives the nearest-rank percentiles over the weights, as a JSON
		// array; unweighted forms weigh every value 1.
		w := "1"
		if len(args) > 1 {
			w = "CAST(" + args[1] + " AS BIGINT)"
		}
		var ps []string
		for _, x := range a.Extra {
			var f float64
			switch v := x.(*plan.Lit).V.(type) {
			case int64:
				f = float64(v)
			case float64:
				f = v
			}
			ps = append(ps, strconv.FormatFloat(f, 'g', -1, 64))
		}
		pairs := "CAST(to_json(list([CAST(" + args[0] + " AS DOUBLE), " + w + "]) FILTER (WHERE " + args[0] + " IS NOT NULL)) AS VARCHAR)"
		call := GoFunc + "('__percentiles', " + pairs + ", " + quoteString("["+strings.Join(ps, ",")+"]") + ", " + quoteString(strconv.FormatBool(a.Args[0].Type().IsIntegral())) + ")"
		if strings.HasSuffix(a.F.Name, "_array") {
			return "CAST(" + call + " AS JSON)", nil
		}
		return "CAST(json_extract(" + call + ", '$[0]') AS " + d.TypeName(a.Args[0].Type()) + ")", nil
	}
	return "", fmt.Errorf("not supported yet: aggregate %s", a.F.Name)
}

// MvExpand unnests arrays (or the properties of bags) in parallel; null
// gives one row, an empty array none.
func (d duckdb) MvExpand(g *Gen, n *plan.MvExpand, from string, in []string, out []string) (string, error) {
	expanded := map[int]int{}
	for k, i := range n.Exprs {
		expanded[i] = k
	}
	bagEntry := "json_object"
	if n.BagArray {
		bagEntry = "json_array"
	}
	lists := make([]string, len(n.Exprs))
	for k, i := range n.Exprs {
		x := in[i]
		l := "(CASE WHEN " + x + " IS NULL THEN [CAST(NULL AS JSON)] WHEN json_type(" + x + ") = 'ARRAY' THEN json_extract(" + x + ", '$[*]') " +
			"WHEN json_type(" + x + ") = 'OBJECT' THEN list_transform(json_keys(" + x + "), k -> " + bagEntry + "(k, json_extract(" + x + ", '$.\"' || replace(replace(k, '\\', '\\\\'), '\"', '\\\"') || '\"'))) " +
			"ELSE [" + x + "] END)"
		if n.Limit >= 0 {
			l = "list_slice(" + l + ", 1, " + strconv.FormatInt(n.Limit, 10) + ")"
		}
		lists[k] = l
	}
	var sel []string
	inner := make([]string, len(in))
	for i := range in {
		if k, ok := expanded[i]; ok {
			name := d.QuoteIdent(fmt.Sprintf("__mv%d", k))
			sel = append(sel, "unnest("+lists[k]+") AS "+name)
			inner[i] = name
		} else {
			sel = append(sel, in[i])
			inner[i] = in[i]
		}
	}
	if n.Index {
		var lens []string
		for _, l := range lists {
			lens = append(lens, "len("+l+")")
		}
		mx := lens[0]
		if len(lens) > 1 {
			mx = "greatest(" + strings.Join(lens, ", ") + ")"
		}
		sel = append(sel, "unnest(range(0, "+mx+")) AS \"__mvidx\"")
	}
	body := "SELECT " + strings.Join(sel, ", ") + " FROM " + from
	var outer []string
	for i := range in {
		e := inner[i]
		if k, ok := expanded[i]; ok && n.To[k] != types.Dynamic {
			e = d.Convert(e, types.Dynamic, n.To[k])
		}
		if e == out[i] {
			outer = append(outer, e)
		} else {
			outer = append(outer, e+" AS "+out[i])
		}
	}
	if n.Index {
		outer = append(outer, "CAST(\"__mvidx\" AS BIGINT) AS "+out[len(out)-1])
	}
	return "SELECT " + strings.Join(outer, ", ") + " FROM (" + body + ")", nil
}

func (d duckdb) Range(g *Gen, n *plan.Range, out string) (string, error) {
	from, err := g.Expr(n.From, nil, false)
	if err != nil {
		return "", err
	}
	to, err := g.Expr(n.To, nil, false)
	if err != nil {
		return "", err
	}
	step, err := g.Expr(n.Step, nil, false)
	if err != nil {
		return "", err
	}
	if n.Column.Type.IsNumeric() && n.Column.Type != types.Real {
		from, to, step = "CAST("+from+" AS BIGINT)", "CAST("+to+" AS BIGINT)", "CAST("+step+" AS BIGINT)"
	}
	return "SELECT generate_series AS " + out + " FROM generate_series(" + from + ", " + to + ", " + step + ")", nil
}

// MakeSeries aggregates per group and bin, keeps each group's bins as a
// map from bin index to value, and lays the values out over all the bins
// of the axis (absent bins take the default). Only bins holding data are
// ever rows, so memory grows with the data, not with groups × bins.
func (d duckdb) MakeSeries(g *Gen, n *plan.MakeSeries, from string, in []string, out []string) (string, error) {
	on, err := g.Expr(n.On, in, false)
	if err != nil {
		return "", err
	}
	step, err := g.Expr(n.Step, nil, false)
	if err != nil {
		return "", err
	}
	isTime := n.On.Type() == types.DateTime
	lo, hi := "(SELECT min("+on+") FROM "+from+")", ""
	if n.From != nil {
		if lo, err = g.Expr(n.From, nil, false); err != nil {
			return "", err
		}
	} else if isTime {
		// Without from, bins start at the first value's bin.
		lo = "(SELECT time_bucket(" + step + ", min(" + on + "), TIMESTAMP '0001-01-01 00:00:00') FROM " + from + ")"
	}
	if n.To != nil {
		if hi, err = g.Expr(n.To, nil, false); err != nil {
			return "", err
		}
	} else {
		hi = "(SELECT max(" + on + ") + " + step + " FROM " + from + ")"
	}
	var index, fmtBin string
	if isTime {
		index = "((epoch_us(" + on + ") - epoch_us(__r.__lo)) // epoch_us(" + step + "))"
		fmtBin = "strftime(__b, '%Y-%m-%dT%H:%M:%S.%f') || '0Z'"
	} else {
		index = "CAST(floor((" + on + " - __r.__lo) / " + step + ") AS BIGINT)"
		fmtBin = "__b"
	}
	bins, count := "range(__lo, __hi, "+step+")", ""
	if !isTime {
		// DuckDB's range has no real form: count the bins and scale.
		count = "CAST(greatest(ceil((__hi - __lo) / " + step + "), 0) AS BIGINT)"
		bins = "list_transform(range(0, " + count + "), __j -> __lo + __j * " + step + ")"
	} else {
		count = "len(" + bins + ")"
	}
	var keys, keyNames []string
	for i, k := range n.Keys {
		s, err := g.Expr(k, in, false)
		if err != nil {
			return "", err
		}
		keys = append(keys, s)
		keyNames = append(keyNames, d.QuoteIdent(fmt.Sprintf("__k%d", i)))
	}
	var aggs, aggNames []string
	for i, a := range n.Aggs {
		args := make([]string, len(a.Args))
		for j, x := range a.Args {
			if args[j], err = g.Expr(x, in, false); err != nil {
				return "", err
			}
		}
		tmpl := a.F.SQL[d.Name()]
		var s string
		if strings.HasPrefix(tmpl, "@") {
			if s, err = d.AggGenerator(g, tmpl[1:], a, args); err != nil {
				return "", err
			}
		} else {
			s = fill(tmpl, args)
		}
		aggs = append(aggs, s)
		aggNames = append(aggNames, d.QuoteIdent(fmt.Sprintf("__a%d", i)))
	}
	// The axis: its bounds, number of bins and the bins as JSON, once.
	axis := g.add("SELECT __lo, __hi, "+count+" AS __n, to_json(list_transform("+bins+", __b -> "+fmtBin+")) AS __ax FROM (SELECT "+lo+" AS __lo, "+hi+" AS __hi)", nil, false)
	// Per group and bin.
	var sel []string
	for i := range keys {
		sel = append(sel, keys[i]+" AS "+keyNames[i])
	}
	sel = append(sel, index+" AS __i")
	for i := range aggs {
		sel = append(sel, aggs[i]+" AS "+aggNames[i])
	}
	agg := g.add("SELECT "+strings.Join(sel, ", ")+" FROM "+from+", "+axis.name+" AS __r"+
		" WHERE "+on+" >= __r.__lo AND "+on+" < __r.__hi GROUP BY ALL", nil, false)
	// Per group: each aggregate's array as JSON text, written from the
	// bins holding data in bin order, with the default in the gaps
	// (repeat) — no row per empty bin, and no list of all bins per group.
	var defs, defJSON []string
	for i := range aggs {
		def, err := g.Expr(n.Defaults[i], nil, false)
		if err != nil {
			return "", err
		}
		defs = append(defs, def)
		defJSON = append(defJSON, "coalesce(CAST(to_json("+def+") AS VARCHAR), 'null')")
	}
	var wsel []string
	wsel = append(wsel, keyNames...)
	wsel = append(wsel, "__i")
	for i := range aggs {
		wsel = append(wsel, "coalesce(CAST(to_json(coalesce("+aggNames[i]+", "+defs[i]+")) AS VARCHAR), 'null') AS "+aggNames[i])
	}
	part := ""
	if len(keyNames) > 0 {
		part = "PARTITION BY " + strings.Join(keyNames, ", ") + " "
	}
	wsel = append(wsel, "lag(__i, 1, -1) OVER ("+part+"ORDER BY __i) AS __p")
	prev := g.add("SELECT "+strings.Join(wsel, ", ")+" FROM "+agg.name, nil, false)
	var gsel []string
	gsel = append(gsel, keyNames...)
	gsel = append(gsel, "max(__i) AS __last")
	for i := range aggs {
		gsel = append(gsel, "string_agg(repeat("+defJSON[i]+" || ',', CAST(__i - __p - 1 AS BIGINT)) || "+aggNames[i]+", ',' ORDER BY __i) AS "+aggNames[i])
	}
	groups := "SELECT " + strings.Join(gsel, ", ") + " FROM " + prev.name
	switch {
	case len(keys) > 0:
		groups += " GROUP BY " + strings.Join(keyNames, ", ")
	case !n.NonEmpty:
		// Without by, one series, but none at all for an empty input
		// (unlike summarize) unless kind=nonempty.
		groups += " HAVING count(*) > 0"
	}
	var outer []string
	for i := range keys {
		outer = append(outer, "__g."+keyNames[i]+" AS "+out[i])
	}
	for i := range aggs {
		a := "__g." + aggNames[i]
		// A group without data (kind=nonempty on an empty input) is all
		// defaults.
		outer = append(outer, "CAST(CASE WHEN "+a+" IS NULL THEN '[' || CASE WHEN __x.__n > 0 THEN repeat("+defJSON[i]+" || ',', CAST(__x.__n - 1 AS BIGINT)) || "+defJSON[i]+" ELSE '' END || ']' "+
			"ELSE '[' || "+a+" || repeat(',' || "+defJSON[i]+", CAST(__x.__n - __g.__last - 1 AS BIGINT)) || ']' END AS JSON) AS "+out[len(keys)+i])
	}
	outer = append(outer, "__x.__ax AS "+out[len(out)-1])
	return "SELECT " + strings.Join(outer, ", ") + " FROM (" + groups + ") AS __g, " + axis.name + " AS __x", nil
}

// IPv4 helpers: an address a.b.c.d[/n] as a number, its prefix length,
// and the mask of a prefix length.
func ipv4Valid(s string) string {
	return "regexp_matches(" + s + ", '^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}(/(3[0-2]|[12]?\\d))?$')"
}

func ipv4Num(s string) string {
	l := "string_split(split_part(" + s + ", '/', 1), '.')"
	return "(CASE WHEN " + ipv4Valid(s) + " THEN CAST(" + l + "[1] AS BIGINT) * 16777216 + CAST(" + l + "[2] AS BIGINT) * 65536 + CAST(" + l + "[3] AS BIGINT) * 256 + CAST(" + l + "[4] AS BIGINT) END)"
}

func ipv4Prefix(s string) string {
	return "(CASE WHEN contains(" + s + ", '/') THEN CAST(split_part(" + s + ", '/', 2) AS BIGINT) ELSE 32 END)"
}

func ipv4Mask(n string) string {
	return "((4294967295 << (32 - least(greatest(" + n + ", 0), 32))) & 4294967295)"
}

func ipv4Text(n string) string {
	return "(CAST((" + n + " >> 24) & 255 AS VARCHAR) || '.' || CAST((" + n + " >> 16) & 255 AS VARCHAR) || '.' || CAST((" + n + " >> 8) & 255 AS VARCHAR) || '.' || CAST(" + n + " & 255 AS VARCHAR))"
}

// ipv4InRange: ip (with its own optional prefix) lies in rng.
func ipv4InRange(ip, rng string) string {
	p := "least(" + ipv4Prefix(ip) + ", " + ipv4Prefix(rng) + ")"
	return "((" + ipv4Num(ip) + " & " + ipv4Mask(p) + ") = (" + ipv4Num(rng) + " & " + ipv4Mask(p) + "))"
}

// listArgs expands the arguments from index i: dynamic arrays into their
// string elements, scalars as themselves; fn builds one test per element
// (e is the element's SQL) and the tests are joined by op.
func (d duckdb) anyOf(call *plan.Call, args []string, from int, op string, fn func(e string) string) string {
	var parts []string
	for i := from; i < len(args); i++ {
		if call.Args[i].Type() == types.Dynamic {
			agg := "list_bool_or"
			if op == " AND " {
				agg = "list_bool_and"
			}
			parts = append(parts, "coalesce("+agg+"(list_transform(json_extract_string("+args[i]+", '$[*]'), e -> "+fn("e")+")), FALSE)")
			continue
		}
		parts = append(parts, fn(args[i]))
	}
	if len(parts) == 0 {
		return "FALSE"
	}
	return "(" + strings.Join(parts, op) + ")"
}

func (d duckdb) ipv4(g *Gen, call *plan.Call, args []string) (string, error) {
	switch call.F.Name {
	case "parse_ipv4":
		return ipv4Num(args[0]), nil
	case "parse_ipv4_mask":
		return "(" + ipv4Num(args[0]) + " & " + ipv4Mask("least("+ipv4Prefix(args[0])+", "+args[1]+")") + ")", nil
	case "ipv4_is_in_range":
		return ipv4InRange(args[0], args[1]), nil
	case "ipv4_is_in_any_range":
		return d.anyOf(call, args, 1, " OR ", func(e string) string { return "coalesce(" + ipv4InRange(args[0], e) + ", FALSE)" }), nil
	case "ipv4_is_private":
		var parts []string
		for _, r := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} {
			parts = append(parts, ipv4InRange(args[0], quoteString(r)))
		}
		return "(" + strings.Join(parts, " OR ") + ")", nil
	case "ipv4_compare", "ipv4_is_match":
		p := "least(" + ipv4Prefix(args[0]) + ", " + ipv4Prefix(args[1]) + ")"
		if len(args) > 2 {
			p = "least(" + p + ", " + args[2] + ")"
		}
		a := "(" + ipv4Num(args[0]) + " & " + ipv4Mask(p) + ")"
		b := "(" + ipv4Num(args[1]) + " & " + ipv4Mask(p) + ")"
		if call.F.Name == "ipv4_is_match" {
			return "(" + a + " = " + b + ")", nil
		}
		return "CAST(sign(" + a + " - " + b + ") AS BIGINT)", nil
	case "format_ipv4", "format_ipv4_mask":
		p := ipv4Prefix(args[0])
		if len(args) > 1 {
			p = "least(" + p + ", " + args[1] + ")"
		}
		n := "(" + ipv4Num(args[0]) + " & " + ipv4Mask(p) + ")"
		s := ipv4Text(n)
		if call.F.Name == "format_ipv4_mask" {
			s = "(" + s + " || '/' || CAST(" + p + " AS VARCHAR))"
		}
		cond := ipv4Valid(args[0])
		if len(args) > 1 {
			cond += " AND " + args[1] + " >= 0 AND " + args[1] + " <= 32"
		}
		return "(CASE WHEN " + cond + " THEN " + s + " ELSE '' END)", nil
	case "has_ipv4", "has_any_ipv4":
		from := 1
		return d.anyOf(call, args, from, " OR ", func(e string) string {
			return "(" + ipv4Valid(e) + " AND regexp_matches(" + args[0] + ", '(?:^|[^\\w.])' || regexp_escape(" + e + ") || '(?:$|[^\\w.])'))"
		}), nil
	case "has_ipv4_prefix", "has_any_ipv4_prefix":
		return d.anyOf(call, args, 1, " OR ", func(e string) string {
			// A prefix is whole octets: it ends with '.', or is a
			// complete address.
			ok := "(regexp_matches(" + e + ", '^(\\d{1,3}\\.){1,3}$') OR " + ipv4Valid(e) + ")"
			return "(" + ok + " AND regexp_matches(" + args[0] + ", '(?:^|[^\\w.])' || regexp_escape(" + e + ") || CASE WHEN suffix(" + e + ", '.') THEN '\\d' ELSE '(?:$|[^\\w.])' END))"
		}), nil
	}
	return "", fmt.Errorf("not supported yet: %s", call.F.Name)
}

// datetimeParse parses text as a datetime: ISO 8601, then the US and
// RFC 822 forms Kusto also accepts.
func datetimeParse(x string) string {
	return "coalesce(TRY_CAST(" + x + " AS TIMESTAMP), CAST(try_strptime(" + x + ", ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y', '%m-%d-%Y', '%a, %d %b %Y %H:%M:%S GMT', '%a, %d %b %Y %H:%M:%S %Z', '%d %b %Y %H:%M:%S', '%Y%m%d']) AS TIMESTAMP))"
}

// bagPatch builds the JSON merge patch setting path (a key, or a JSON
// path $.a.b) to value (SQL JSON).
func bagPatch(path, value string) string {
	keys := []string{path}
	if strings.HasPrefix(path, "$.") {
		keys = strings.Split(path[2:], ".")
	}
	s := value
	for i := len(keys) - 1; i >= 0; i-- {
		s = "json_object(" + quoteString(keys[i]) + ", " + s + ")"
	}
	return s
}

// bagKeys prints bag_set_key and bag_remove_keys with constant keys as
// JSON merge patches.
func (d duckdb) bagKeys(call *plan.Call, args []string) (string, error) {
	if call.F.Name == "bag_set_key" {
		key, ok := litString(call.Args[1])
		if !ok {
			return "", fmt.Errorf("not supported yet: bag_set_key with a computed key")
		}
		v := args[2]
		switch t := call.Args[2].Type(); t {
		case types.Dynamic:
		case types.DateTime, types.TimeSpan, types.GUID:
			v = "to_json(" + d.Convert(v, t, types.String) + ")"
		default:
			v = "to_json(" + v + ")"
		}
		return "json_merge_patch(" + args[0] + ", " + bagPatch(key, v) + ")", nil
	}
	l, ok := call.Args[1].(*plan.Lit)
	txt, isStr := l.V.(string)
	if !ok || !isStr {
		return "", fmt.Errorf("not supported yet: bag_remove_keys with computed keys")
	}
	var keys []string
	if err := json.Unmarshal([]byte(txt), &keys); err != nil {
		return "", fmt.Errorf("bag_remove_keys expects an array of strings")
	}
	s := args[0]
	for _, k := range keys {
		s = "json_merge_patch(" + s + ", " + bagPatch(k, "CAST('null' AS JSON)") + ")"
	}
	return s, nil
}

// units maps unit names to their size in the SI unit of their quantity.
var units = map[string]float64{
	// length (meter)
	"Meter": 1, "Kilometer": 1000, "Centimeter": 0.01, "Millimeter": 0.001, "Micrometer": 1e-6, "Nanometer": 1e-9,
	"Decimeter": 0.1, "Foot": 0.3048, "Inch": 0.0254, "Yard": 0.9144, "Mile": 1609.344, "NauticalMile": 1852,
	// mass (kilogram)
	"Kilogram": 1, "Gram": 0.001, "Milligram": 1e-6, "Microgram": 1e-9, "Tonne": 1000, "Pound": 0.45359237, "Ounce": 0.028349523125,
	"Stone": 6.35029318, "ShortTon": 907.18474, "LongTon": 1016.0469088,
	// speed (meter per second)
	"MeterPerSecond": 1, "KilometerPerHour": 1 / 3.6, "MilePerHour": 0.44704, "FootPerSecond": 0.3048, "Knot": 1852.0 / 3600,
	"CentimeterPerHour": 0.01 / 3600, "CentimeterPerSecond": 0.01, "MeterPerHour": 1.0 / 3600, "MeterPerMinute": 1.0 / 60,
	"KilometerPerSecond": 1000, "KilometerPerMinute": 1000.0 / 60, "MillimeterPerSecond": 0.001,
	// volume (cubic meter)
	"CubicMeter": 1, "Liter": 0.001, "Milliliter": 1e-6, "CubicCentimeter": 1e-6, "CubicFoot": 0.028316846592, "CubicInch": 1.6387064e-5,
	"UsGallon": 0.003785411784, "ImperialGallon": 0.00454609, "AcreFoot": 1233.48183754752, "CubicKilometer": 1e9,
	// force (newton)
	"Newton": 1, "Decanewton": 10, "Kilonewton": 1000, "Meganewton": 1e6, "Dyn": 1e-5, "KilogramForce": 9.80665, "PoundForce": 4.4482216152605,
	// energy (joule)
	"Joule": 1, "Kilojoule": 1000, "Megajoule": 1e6, "Calorie": 4.184, "Kilocalorie": 4184, "WattHour": 3600, "KilowattHour": 3.6e6,
	// angle (radian)
	"Radian": 1, "Degree": 3.141592653589793 / 180,
	// area (square meter)
	"SquareMeter": 1, "SquareKilometer": 1e6, "SquareFoot": 0.09290304, "Acre": 4046.8564224, "Hectare": 10000,
}

// convertUnit converts between units with constant names.
func (d duckdb) convertUnit(call *plan.Call, args []string) (string, error) {
	from, ok1 := litString(call.Args[1])
	to, ok2 := litString(call.Args[2])
	if !ok1 || !ok2 {
		return "", fmt.Errorf("not supported yet: %s with computed units", call.F.Name)
	}
	x := "CAST(" + args[0] + " AS DOUBLE)"
	if call.F.Name == "convert_temperature" {
		toK := map[string]string{"Kelvin": x, "DegreeCelsius": "(" + x + " + 273.15)", "DegreeFahrenheit": "((" + x + " - 32) * 5 / 9 + 273.15)"}
		k, ok := toK[from]
		if !ok {
			return "", fmt.Errorf("%s: unknown unit %q", call.F.Name, from)
		}
		switch to {
		case "Kelvin":
			return k, nil
		case "DegreeCelsius":
			return "(" + k + " - 273.15)", nil
		case "DegreeFahrenheit":
			return "((" + k + " - 273.15) * 9 / 5 + 32)", nil
		}
		return "", fmt.Errorf("%s: unknown unit %q", call.F.Name, to)
	}
	f, ok1 := units[from]
	t, ok2 := units[to]
	if !ok1 || !ok2 {
		return "", fmt.Errorf("not supported yet: %s from %s to %s", call.F.Name, from, to)
	}
	return "(" + x + " * " + strconv.FormatFloat(f/t, 'g', -1, 64) + ")", nil
}

// likeSafe reports whether s can be put in an ILIKE pattern as written:
// ASCII (so ILIKE's case folding is the same as lower()'s) without the
// pattern characters % _ and \.
func likeSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == '%' || c == '_' || c == '\\' {
			return false
		}
	}
	return true
}

// caseInsensitive prints =~, !~, contains, startswith, endswith and their
// negations: ILIKE for ASCII literal operands (fast, no copies), lower()
// otherwise.
func (d duckdb) caseInsensitive(call *plan.Call, args []string) string {
	name := call.F.Name
	neg := strings.HasPrefix(name, "!")
	name = strings.TrimPrefix(name, "!")
	if name == "~" {
		name = "=~"
	}
	x, y := args[0], args[1]
	var s string
	if lit, ok := litString(call.Args[1]); ok && likeSafe(lit) {
		pat := map[string]string{"=~": lit, "contains": "%" + lit + "%", "startswith": lit + "%", "endswith": "%" + lit}[name]
		s = "(" + x + " ILIKE " + quoteString(pat) + ")"
	} else {
		switch name {
		case "=~":
			s = "(lower(" + x + ") = lower(" + y + "))"
		case "contains":
			s = "contains(lower(" + x + "), lower(" + y + "))"
		case "startswith":
			s = "starts_with(lower(" + x + "), lower(" + y + "))"
		case "endswith":
			s = "suffix(lower(" + x + "), lower(" + y + "))"
		}
	}
	if neg {
		return "(NOT " + s + ")"
	}
	return s
}

// formatDatetime translates a .NET-style datetime format (yyyy-MM-dd
// HH:mm:ss.fff, ...) into strftime pieces; fractions of a second take
// their digits from the microseconds (the 7th digit is 0).
func formatDatetime(x, f string) string {
	var parts []string
	var fmtb strings.Builder
	flush := func() {
		if fmtb.Len() > 0 {
			parts = append(parts, "strftime("+x+", "+quoteString(fmtb.String())+")")
			fmtb.Reset()
		}
	}
	spec := map[string]string{"yyyy": "%Y", "yy": "%y", "MM": "%m", "M": "%-m", "dd": "%d", "d": "%-d", "HH": "%H", "H": "%-H",
		"hh": "%I", "h": "%-I", "mm": "%M", "m": "%-M", "ss": "%S", "s": "%-S", "tt": "%p"}
	rs := []rune(f)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		run := string(rs[i:j])
		switch {
		case rs[i] == 'f' || rs[i] == 'F':
			flush()
			parts = append(parts, "substring(strftime("+x+", '%f') || '0', 1, "+strconv.Itoa(min(j-i, 7))+")")
		case spec[run] != "":
			fmtb.WriteString(spec[run])
		case rs[i] == 'y' && j-i >= 3:
			fmtb.WriteString("%Y")
		default:
			fmtb.WriteString(strings.ReplaceAll(run, "%", "%%"))
		}
		i = j
	}
	flush()
	if len(parts) == 0 {
		return "''"
	}
	return "coalesce(" + strings.Join(parts, " || ") + ", '')"
}

// formatTimespan prints the microseconds us with a .NET-style timespan
// format: d.. (days, zero-padded to the run's length), h/hh, m/mm, s/ss,
// f.. (fraction digits), F.. (fraction digits without trailing zeros);
// other characters are copied. A negative timespan gets a leading '-'.
func formatTimespan(us, f string) string {
	a := "abs(" + us + ")"
	num := func(v string, width int) string {
		return "lpad(CAST(" + v + " AS VARCHAR), " + strconv.Itoa(width) + ", '0')"
	}
	frac := "lpad(CAST((" + a + " % 1000000) * 10 AS VARCHAR), 7, '0')"
	parts := []string{"CASE WHEN " + us + " < 0 THEN '-' ELSE '' END"}
	rs := []rune(f)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		n := j - i
		switch rs[i] {
		case 'd':
			parts = append(parts, num(a+" // 86400000000", n))
		case 'h':
			parts = append(parts, num("("+a+" // 3600000000) % 24", min(n, 2)))
		case 'm':
			parts = append(parts, num("("+a+" // 60000000) % 60", min(n, 2)))
		case 's':
			parts = append(parts, num("("+a+" // 1000000) % 60", min(n, 2)))
		case 'f':
			parts = append(parts, "substring("+frac+", 1, "+strconv.Itoa(min(n, 7))+")")
		case 'F':
			parts = append(parts, "rtrim(substring("+frac+", 1, "+strconv.Itoa(min(n, 7))+"), '0')")
		default:
			parts = append(parts, quoteString(string(rs[i:j])))
		}
		i = j
	}
	return "coalesce(" + strings.Join(parts, " || ") + ", '')"
}

// replaceStrings prints replace_strings(text, lookups, rewrites) for
// literal lookup and rewrite arrays. Kusto replaces all lookups at once,
// an earlier lookup winning where matches overlap; so the text is split on
// the first lookup, each piece is processed with the remaining lookups,
// and the pieces are joined with the first rewrite. Lookups that are not
// strings (or are empty) are ignored; a rewrite that is not a string, or
// is missing, leaves its lookup's matches as they are (still consumed, so
// later lookups do not apply inside them).
func (d duckdb) replaceStrings(call *plan.Call, args []string) (string, error) {
	lits := func(e plan.Expr) ([]any, bool) {
		l, ok := e.(*plan.Lit)
		if !ok || l.T != types.Dynamic {
			return nil, false
		}
		s, ok := l.V.(string)
		if !ok {
			return nil, false
		}
		var v []any
		if json.Unmarshal([]byte(s), &v) != nil {
			return nil, false
		}
		return v, true
	}
	lookups, ok1 := lits(call.Args[1])
	rewrites, ok2 := lits(call.Args[2])
	if !ok1 || !ok2 {
		return "", fmt.Errorf("not supported yet: replace_strings with lookups or rewrites that are not dynamic([...]) literals")
	}
	type pair struct{ from, to string }
	var pairs []pair
	for i, l := range lookups {
		from, ok := l.(string)
		if !ok || from == "" {
			continue
		}
		to := from
		if i < len(rewrites) {
			if r, ok := rewrites[i].(string); ok {
				to = r
			}
		}
		pairs = append(pairs, pair{from, to})
	}
	var rec func(x string, i int) string
	rec = func(x string, i int) string {
		if i == len(pairs) {
			return x
		}
		v := fmt.Sprintf("__rs%d", i)
		return "array_to_string(list_transform(string_split(" + x + ", " + quoteString(pairs[i].from) + "), " + v + " -> " + rec(v, i+1) + "), " + quoteString(pairs[i].to) + ")"
	}
	return rec(args[0], 0), nil
}

// sqlLet binds val to the lambda parameter name inside body, so that a
// value used many times is written (and computed) once.
func sqlLet(val, name, body string) string {
	return "(list_transform([" + val + "], " + name + " -> " + body + ")[1])"
}

// ipv6Parts parses an IPv6 or IPv4 address with an optional /prefix into
// a BIGINT list of its eight 16-bit groups followed by the prefix length
// (0-128), or NULL when it is not an address. IPv4 addresses, and
// ::a.b.c.d, are IPv4-mapped (::ffff:a.b.c.d) with prefix 96 + n.
func ipv6Parts(s string) string {
	v4re := `(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}`
	v4 := func(a string) string {
		return sqlLet("string_split("+a+", '.')", "__o", "[0, 0, 0, 0, 0, 65535, CAST(__o[1] AS BIGINT) * 256 + CAST(__o[2] AS BIGINT), CAST(__o[3] AS BIGINT) * 256 + CAST(__o[4] AS BIGINT)]")
	}
	// __six: the IPv6 text with a dotted IPv4 tail rewritten as two groups.
	six := sqlLet("regexp_extract(__a, '^(.*:)("+v4re+")$', 2)", "__t",
		"CASE WHEN __t <> '' THEN regexp_extract(__a, '^(.*:)("+v4re+")$', 1) || "+sqlLet(v4("__t"), "__w", "printf('%x:%x', __w[7], __w[8])")+" ELSE __a END")
	side := func(i string) string {
		return sqlLet("split_part(__six, '::', "+i+")", "__p", "CASE WHEN __p = '' THEN [] ELSE string_split(__p, ':') END")
	}
	has2 := "contains(__six, '::')"
	left := "(CASE WHEN " + has2 + " THEN " + side("1") + " ELSE string_split(__six, ':') END)"
	right := "(CASE WHEN " + has2 + " THEN " + side("2") + " ELSE [] END)"
	nums := "list_transform(list_concat(__l, list_transform(range(greatest(0, 8 - len(__l) - len(__r))), __z -> '0'), __r), __g -> CASE WHEN regexp_matches(__g, '^[0-9A-Fa-f]{1,4}$') THEN CAST(('0x' || __g) AS BIGINT) END)"
	valid6 := "regexp_matches(__six, '^[0-9A-Fa-f:]+$') AND length(__six) - length(replace(__six, '::', '')) <= 2 AND (" + has2 + " OR len(__l) = 8) AND len(__l) + len(__r) <= 8"
	parse6 := sqlLet(six, "__six", sqlLet(left, "__l", sqlLet(right, "__r",
		"CASE WHEN "+valid6+" THEN "+sqlLet(nums, "__n", "CASE WHEN list_bool_and(list_transform(__n, __v -> __v IS NOT NULL)) THEN __n END")+" END")))
	p4 := "(CASE WHEN __hp THEN 96 + least(greatest(__pf, 0), 32) ELSE 128 END)"
	p6 := "(CASE WHEN __hp THEN least(greatest(__pf, 0), 128) ELSE 128 END)"
	body := "CASE WHEN __hp AND __pf IS NULL THEN NULL" +
		" WHEN regexp_matches(__a, '^" + v4re + "$') THEN list_concat(" + v4("__a") + ", [" + p4 + "])" +
		" WHEN regexp_matches(__a, '^::" + v4re + "$') THEN list_concat(" + v4("substr(__a, 3)") + ", [" + p4 + "])" +
		" ELSE " + sqlLet(parse6, "__g6", "CASE WHEN __g6 IS NOT NULL THEN list_concat(__g6, ["+p6+"]) END") + " END"
	return sqlLet(s, "__ip", sqlLet("trim(split_part(__ip, '/', 1))", "__a", sqlLet("contains(__ip, '/')", "__hp",
		sqlLet("TRY_CAST(trim(split_part(__ip, '/', 2)) AS BIGINT)", "__pf", body))))
}

// ipv6Masked keeps the first p bits of the eight groups of parts.
func ipv6Masked(parts, p string) string {
	return "list_transform(range(8), __i -> " + parts + "[__i + 1] & ((CAST(65535 AS BIGINT) << (16 - least(16, greatest(0, " + p + " - 16 * __i)))) & 65535))"
}

func (d duckdb) ipv6(call *plan.Call, args []string) (string, error) {
	// Each address is parsed once (__pa, __pb); a NULL parse (not an
	// address) gives a NULL result.
	withA := func(body string) string {
		return sqlLet(ipv6Parts(args[0]), "__pa", "CASE WHEN __pa IS NOT NULL THEN "+body+" END")
	}
	switch call.F.Name {
	case "parse_ipv6", "parse_ipv6_mask":
		p := "__pa[9]"
		if len(args) > 1 {
			p = "least(__pa[9], " + args[1] + ")"
		}
		return "coalesce(" + withA("array_to_string(list_transform("+ipv6Masked("__pa", p)+", __h -> lpad(lower(to_hex(__h)), 4, '0')), ':')") + ", '')", nil
	case "ipv6_compare", "ipv6_is_match":
		p := "least(__pa[9], __pb[9])"
		if len(args) > 2 {
			p = "least(" + p + ", " + args[2] + ")"
		}
		cmp := "(CASE WHEN __ma < __mb THEN CAST(-1 AS BIGINT) WHEN __ma > __mb THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END)"
		if call.F.Name == "ipv6_is_match" {
			cmp = "(__ma = __mb)"
		}
		return withA(sqlLet(ipv6Parts(args[1]), "__pb", "CASE WHEN __pb IS NOT NULL THEN "+
			sqlLet(ipv6Masked("__pa", p), "__ma", sqlLet(ipv6Masked("__pb", p), "__mb", cmp))+" END")), nil
	case "ipv6_is_in_range":
		return withA(ipv6InRange("__pa", args[1])), nil
	case "ipv6_is_in_any_range":
		return "coalesce(" + withA(d.anyOf(call, args, 1, " OR ", func(e string) string { return "coalesce(" + ipv6InRange("__pa", e) + ", FALSE)" })) + ", FALSE)", nil
	}
	return "", fmt.Errorf("not supported yet: %s", call.F.Name)
}

// ipv6InRange: the address (parsed parts a, a lambda parameter) lies in
// the range text rng.
func ipv6InRange(a, rng string) string {
	p := "least(" + a + "[9], __pr[9])"
	return sqlLet(ipv6Parts(rng), "__pr", "CASE WHEN __pr IS NOT NULL THEN ("+ipv6Masked(a, p)+" = "+ipv6Masked("__pr", p)+") END")
}
