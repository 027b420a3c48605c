package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var periodRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|hr|hrs|d)$`)

// ParsePeriod reads a Sentinel duration ("5m", "1h", "14d"), the form of
// queryFrequency and queryPeriod, and also the KQL timespan literals used
// with ago() ("30d", "4hr", "1.5h").
func ParsePeriod(s string) (time.Duration, error) {
	m := periodRE.FindStringSubmatch(strings.TrimSpace(strings.ToLower(s)))
	if m == nil {
		return 0, fmt.Errorf("not a duration (expected a number and a unit such as 5m, 1h, 14d)")
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, err
	}
	unit := map[string]time.Duration{
		"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "min": time.Minute,
		"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "d": 24 * time.Hour,
	}[m[2]]
	return time.Duration(n * float64(unit)), nil
}

var agoRE = regexp.MustCompile(`\bago\(\s*(\d+(?:\.\d+)?\s*(?:ms|s|m|min|h|hr|hrs|d))\s*\)`)

// Period is the time window the rule looks at: queryPeriod for analytic
// rules; for hunting queries, the longest ago(...) literal in the query. ok
// is false when the rule names no window (it then reads all data).
func (r *Rule) Period() (d time.Duration, ok bool) {
	if r.QueryPeriod != "" {
		if p, err := ParsePeriod(r.QueryPeriod); err == nil {
			return p, true
		}
	}
	for _, m := range agoRE.FindAllStringSubmatch(r.Query, -1) {
		if p, err := ParsePeriod(m[1]); err == nil && p > d {
			d, ok = p, true
		}
	}
	return d, ok
}
