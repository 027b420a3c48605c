package source

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
)

// timeLayouts are the datetime spellings accepted in exports: ISO 8601 /
// RFC 3339 with up to 7 fractional digits (Kusto), with or without a zone
// (no zone means UTC), a space instead of the T, and the Defender portal's
// CSV export format ("Nov 1, 2026 8:15:02 AM", always UTC) and its numeric
// US form ("11/1/2026 8:15:02 AM").
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
	"Jan 2, 2006 3:04:05.999999999 PM",
	"Jan 2, 2006 3:04:05 PM",
	"1/2/2006 3:04:05.999999999 PM",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
}

// ParseTime parses a datetime as written in exports and returns it in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty datetime")
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid datetime %q", clip(s))
}

// clip shortens a value quoted in a reject reason.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Clip shortens text quoted in a reject reason to 80 bytes.
func Clip(s string) string { return clip(s) }

// Convert turns a decoded JSON value (from encoding/json with UseNumber)
// or a CSV text into the Go value stored for a column of type t. Empty text
// is null for non-string types and "" for strings.
func Convert(t types.Type, v any) (any, error) {
	if v == nil {
		if t == types.String {
			return "", nil
		}
		return nil, nil
	}
	switch t {
	case types.String:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		default:
			b, err := json.Marshal(x)
			return string(b), err
		}
	case types.Dynamic:
		if s, ok := v.(string); ok {
			if s == "" {
				return nil, nil
			}
			if json.Valid([]byte(s)) && (s[0] == '{' || s[0] == '[') {
				return json.RawMessage(s), nil
			}
		}
		b, err := json.Marshal(v)
		return json.RawMessage(b), err
	}
	s, isStr := v.(string)
	if isStr {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, nil
		}
	}
	switch t {
	case types.DateTime:
		if !isStr {
			return nil, fmt.Errorf("datetime expected, found %v", v)
		}
		return ParseTime(s)
	case types.Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case json.Number:
			s = x.String()
		}
		switch strings.ToLower(s) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, fmt.Errorf("bool expected, found %q", clip(fmt.Sprint(v)))
	case types.Int, types.Long:
		if n, ok := v.(json.Number); ok {
			s = n.String()
		} else if !isStr {
			return nil, fmt.Errorf("number expected, found %v", v)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
				return nil, fmt.Errorf("integer expected, found %q", clip(s))
			}
			n = int64(f)
		}
		if t == types.Int {
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("int out of range: %d", n)
			}
			return int32(n), nil
		}
		return n, nil
	case types.Real, types.Decimal:
		if n, ok := v.(json.Number); ok {
			s = n.String()
		} else if !isStr {
			return nil, fmt.Errorf("number expected, found %v", v)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("real expected, found %q", clip(s))
		}
		if t == types.Decimal {
			return s, nil
		}
		return f, nil
	case types.TimeSpan:
		return nil, fmt.Errorf("timespan columns are not supported in ingest")
	case types.GUID:
		return s, nil
	}
	return nil, fmt.Errorf("unsupported type %s", t)
}
