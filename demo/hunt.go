package demo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// MailflowHunt is the "Mailflow by directionality" hunt, run unmodified by
// `quarry demo`; examples/mailflow-by-directionality.kql holds the same text.
const MailflowHunt = `EmailEvents
| where Timestamp > ago(30d)
| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, "@")+1)
| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)
| order by Timestamp asc
`

// MailflowHuntSQL is the hunt written by hand in DuckDB SQL, the yardstick
// quarry's compiled SQL is measured against. now is the query's now(). It
// gives the same rows as the KQL for addresses in which '@' is an ASCII
// character (strpos counts characters, Kusto's indexof UTF-16 code units;
// the demo data is ASCII), with the columns EmailDirection, domain,
// Timestamp, total.
func MailflowHuntSQL(now time.Time) string {
	since := now.UTC().Add(-30 * 24 * time.Hour).Format("2006-01-02 15:04:05.999999")
	return `SELECT EmailDirection, substr(RecipientEmailAddress, strpos(RecipientEmailAddress, '@') + 1) AS domain, ` +
		`date_trunc('day', "Timestamp") AS "Timestamp", count(*) AS total ` +
		`FROM EmailEvents WHERE "Timestamp" > TIMESTAMP ` + store.QuoteString(since) + ` ` +
		`GROUP BY ALL ORDER BY "Timestamp" ASC`
}

// QueryHandwritten runs MailflowHuntSQL on st and returns its result as
// KQL columns and rows of Go values (string, string, time.Time in UTC,
// int64), the shape engine results have. It is the baseline for
// benchmarks and the check on quarry's answer in tests.
func QueryHandwritten(ctx context.Context, st *store.Store, now time.Time) ([]schema.Column, [][]any, error) {
	rs, err := st.DB.QueryContext(ctx, MailflowHuntSQL(now))
	if err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	defer rs.Close()
	cols := []schema.Column{{Name: "EmailDirection", Type: types.String}, {Name: "domain", Type: types.String},
		{Name: "Timestamp", Type: types.DateTime}, {Name: "total", Type: types.Long}}
	var rows [][]any
	for rs.Next() {
		var dir, dom string
		var ts time.Time
		var n int64
		if err := rs.Scan(&dir, &dom, &ts, &n); err != nil {
			return nil, nil, fmt.Errorf("demo: %w", err)
		}
		rows = append(rows, []any{dir, dom, ts.UTC(), n})
	}
	if err := rs.Err(); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	return cols, rows, nil
}

// Daily is the daily mail volume per direction, for the demo's chart.
type Daily struct {
	Days       []time.Time // ascending, one per day present
	Directions []string    // Inbound, Outbound, Intra-org first, then any other, sorted
	// Totals[d][i] is the volume of Directions[d] on Days[i].
	Totals [][]int64
}

// DailyVolume sums a result of the Mailflow hunt (or any result with the
// columns EmailDirection, Timestamp and total) into daily volume per
// direction. Timestamps are truncated to the UTC day.
func DailyVolume(cols []schema.Column, rows [][]any) (*Daily, error) {
	idx := func(name string) (int, error) {
		for i, c := range cols {
			if c.Name == name {
				return i, nil
			}
		}
		return -1, fmt.Errorf("demo: the result has no column %s", name)
	}
	di, err := idx("EmailDirection")
	if err != nil {
		return nil, err
	}
	ti, err := idx("Timestamp")
	if err != nil {
		return nil, err
	}
	ni, err := idx("total")
	if err != nil {
		return nil, err
	}
	if cols[ti].Type != types.DateTime {
		return nil, fmt.Errorf("demo: Timestamp is %s, want datetime", cols[ti].Type)
	}
	type key struct {
		dir string
		day time.Time
	}
	sums := map[key]int64{}
	days := map[time.Time]bool{}
	dirs := map[string]bool{}
	for _, r := range rows {
		dir, _ := r[di].(string)
		t, ok := r[ti].(time.Time)
		if !ok {
			continue // null timestamp: no day to put it on
		}
		day := t.UTC().Truncate(24 * time.Hour)
		var n int64
		switch v := r[ni].(type) {
		case int64:
			n = v
		case int32:
			n = int64(v)
		case int:
			n = int64(v)
		case float64:
			n = int64(v)
		default:
			return nil, fmt.Errorf("demo: total is %T, want a number", r[ni])
		}
		sums[key{dir, day}] += n
		days[day] = true
		dirs[dir] = true
	}
	d := &Daily{}
	for day := range days {
		d.Days = append(d.Days, day)
	}
	sort.Slice(d.Days, func(i, j int) bool { return d.Days[i].Before(d.Days[j]) })
	for _, known := range []string{"Inbound", "Outbound", "Intra-org"} {
		if dirs[known] {
			d.Directions = append(d.Directions, known)
			delete(dirs, known)
		}
	}
	var rest []string
	for dir := range dirs {
		rest = append(rest, dir)
	}
	sort.Strings(rest)
	d.Directions = append(d.Directions, rest...)
	for _, dir := range d.Directions {
		line := make([]int64, len(d.Days))
		for i, day := range d.Days {
			line[i] = sums[key{dir, day}]
		}
		d.Totals = append(d.Totals, line)
	}
	return d, nil
}
