package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/kql/types"
)

func openMem(t *testing.T) *Store {
	t.Helper()
	s, err := Open(":memory:", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadGoldenJSONLAndParquetAgree(t *testing.T) {
	dir := testenv.Shared(t, "golden")
	ctx := context.Background()
	s := openMem(t)
	st, err := s.Load(ctx, "EmailEvents", []string{filepath.Join(dir, "EmailEvents-10k-seed1.jsonl.gz")}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 10000 || st.Rejected != 0 || st.Inferred || !st.Created {
		t.Fatalf("jsonl: %+v", st)
	}
	p := openMem(t)
	st, err = p.Load(ctx, "EmailEvents", []string{filepath.Join(dir, "EmailEvents-10k-seed1.parquet")}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 10000 {
		t.Fatalf("parquet: %+v", st)
	}
	// The two loads hold the same rows: compare an order-independent digest.
	digest := func(s *Store) (n int64, h string, tg int64) {
		err := s.DB.QueryRow(`SELECT count(*), sum(hash(Timestamp, RecipientEmailAddress, EmailDirection, EmailClusterId, BulkComplaintLevel))::VARCHAR,
			count(*) FILTER (WHERE TimeGenerated IS NOT NULL) FROM EmailEvents`).Scan(&n, &h, &tg)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	n1, h1, tg1 := digest(s)
	n2, h2, tg2 := digest(p)
	if n1 != n2 || h1 != h2 {
		t.Errorf("jsonl digest %d/%s, parquet %d/%s", n1, h1, n2, h2)
	}
	if tg1 != 10000 || tg2 != 10000 {
		t.Errorf("TimeGenerated filled on %d (jsonl), %d (parquet) rows, want 10000", tg1, tg2)
	}
	var nulls int64
	if err := s.DB.QueryRow(`SELECT count(*) FROM EmailEvents WHERE RecipientEmailAddress IS NULL OR Subject IS NULL`).Scan(&nulls); err != nil || nulls != 0 {
		t.Errorf("null strings: %d, %v", nulls, err)
	}
}

func TestLoadRejectsBadRowsWithLine(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	f := writeFile(t, "e.jsonl", `{"Timestamp":"2026-10-02T13:45:12.3456789Z","RecipientEmailAddress":"a@b.c","BulkComplaintLevel":3}
{"Timestamp":"yesterday","RecipientEmailAddress":"x"}
not json

{"Timestamp":"2026-10-02T00:00:00Z","BulkComplaintLevel":"4","EmailClusterId":12345678901234}
{"Timestamp":"2026-10-02T00:00:00Z","BulkComplaintLevel":99999999999}
`)
	st, err := s.Load(ctx, "EmailEvents", []string{f}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 2 || st.Rejected != 3 {
		t.Fatalf("rows %d rejected %d, errors %q", st.Rows, st.Rejected, st.Errors)
	}
	want := []string{f + ":2: column Timestamp", f + ":3: invalid JSON", f + ":6: column BulkComplaintLevel"}
	for i, w := range want {
		if !strings.HasPrefix(st.Errors[i], w) {
			t.Errorf("error %d = %q, want prefix %q", i, st.Errors[i], w)
		}
	}
	var ts time.Time
	var rcpt, subj string
	var cluster int64
	err = s.DB.QueryRow(`SELECT Timestamp, RecipientEmailAddress, Subject FROM EmailEvents WHERE BulkComplaintLevel=3`).Scan(&ts, &rcpt, &subj)
	if err != nil || rcpt != "a@b.c" || subj != "" || !ts.Equal(time.Date(2026, 10, 2, 13, 45, 12, 345678000, time.UTC)) {
		t.Errorf("row 1: %v %q %q %v", ts, rcpt, subj, err)
	}
	if err := s.DB.QueryRow(`SELECT EmailClusterId FROM EmailEvents WHERE BulkComplaintLevel=4`).Scan(&cluster); err != nil || cluster != 12345678901234 {
		t.Errorf("cluster %d %v", cluster, err)
	}
}

func TestLoadCSVKnownAndInferred(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	f := writeFile(t, "u.csv", "Timestamp,Url,IsClickedThrough,Extra\n2026-10-02T01:00:00Z,\"http://x/?a=1,2\",true,z\n2026-10-02T02:00:00Z,,0,z\n")
	st, err := s.Load(ctx, "UrlClickEvents", []string{f}, LoadOptions{})
	if err != nil || st.Rows != 2 || st.Rejected != 0 {
		t.Fatalf("%+v %v", st, err)
	}
	var url string
	var clicked bool
	if err := s.DB.QueryRow(`SELECT Url, IsClickedThrough FROM UrlClickEvents ORDER BY Timestamp LIMIT 1`).Scan(&url, &clicked); err != nil || url != "http://x/?a=1,2" || !clicked {
		t.Errorf("%q %v %v", url, clicked, err)
	}
	g := writeFile(t, "mine.csv", "name,n,score,when,tags\nalice,1,0.5,2026-01-01 00:00:00,\"[1,2]\"\nbob,2,1.5,2026-01-02 00:00:00,\"[]\"\n")
	st, err = s.Load(ctx, "Mine", []string{g}, LoadOptions{})
	if err != nil || !st.Inferred || st.Rows != 2 {
		t.Fatalf("%+v %v", st, err)
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tb, ok := cat.Table("Mine")
	if !ok {
		t.Fatal("Mine not in catalog")
	}
	want := map[string]types.Type{"name": types.String, "n": types.Long, "score": types.Real, "when": types.DateTime}
	for n, ty := range want {
		if c, ok := tb.Column(n); !ok || c.Type != ty {
			t.Errorf("column %s = %v, want %v", n, c.Type, ty)
		}
	}
}

func TestLoadDynamicGUIDDecimalTimespan(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	if _, err := s.DB.Exec(`CREATE TABLE T (d JSON, g UUID, m DECIMAL(38,18), ts INTERVAL, s VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	f := writeFile(t, "t.jsonl", `{"d":{"a":[1,"x"]},"g":"0f8fad5b-d9cb-469f-a165-70867728950e","m":"1.25","ts":"-1.02:03:04.5","s":5}
{"d":null,"g":"nope"}
`)
	st, err := s.Load(ctx, "T", []string{f}, LoadOptions{})
	if err != nil || st.Rows != 1 || st.Rejected != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	var d, g, m, ts, str string
	if err := s.DB.QueryRow(`SELECT d::VARCHAR, g::VARCHAR, m::VARCHAR, ts::VARCHAR, s FROM T`).Scan(&d, &g, &m, &ts, &str); err != nil {
		t.Fatal(err)
	}
	if d != `{"a":[1,"x"]}` || g != "0f8fad5b-d9cb-469f-a165-70867728950e" || !strings.HasPrefix(m, "1.25") || str != "5" {
		t.Errorf("got %s %s %s %s %s", d, g, m, ts, str)
	}
	if ts != "-26:03:04.5" {
		t.Errorf("timespan stored as %s", ts)
	}
}

func TestRestrictDisablesFilesForever(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	if err := s.Restrict(ctx, QueryLimits{MemoryLimit: "1GB"}); err != nil {
		t.Fatal(err)
	}
	secret := writeFile(t, "secret.csv", "a\n1\n")
	for _, q := range []string{
		"SELECT * FROM read_csv(" + QuoteString(secret) + ")",
		"SET enable_external_access=true",
		"SET GLOBAL lock_configuration=false",
		"COPY (SELECT 1) TO " + QuoteString(filepath.Join(t.TempDir(), "out.csv")),
		"ATTACH " + QuoteString(filepath.Join(t.TempDir(), "x.duckdb")),
		"INSTALL httpfs",
	} {
		// Try on several pooled connections, including fresh ones.
		for i := 0; i < 3; i++ {
			c, err := s.DB.Conn(ctx)
			if err != nil {
				t.Fatalf("new connection after Restrict: %v", err)
			}
			if _, err := c.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: succeeded in query mode", q)
			}
			defer c.Close()
		}
	}
	var tz string
	c, _ := s.DB.Conn(ctx)
	defer c.Close()
	if err := c.QueryRowContext(ctx, "SELECT current_setting('TimeZone')").Scan(&tz); err != nil || tz != "UTC" {
		t.Errorf("TimeZone on a new connection = %q, %v", tz, err)
	}
	if _, err := s.Load(ctx, "X", []string{secret}, LoadOptions{}); err == nil {
		t.Error("Load succeeded in query mode")
	}
}

func TestKQLType(t *testing.T) {
	for duck, want := range map[string]types.Type{
		"BOOLEAN": types.Bool, "INTEGER": types.Int, "BIGINT": types.Long, "DOUBLE": types.Real,
		"DECIMAL(38,18)": types.Decimal, "VARCHAR": types.String, "TIMESTAMP": types.DateTime,
		"TIMESTAMP WITH TIME ZONE": types.DateTime, "TIMESTAMP_NS": types.DateTime, "INTERVAL": types.TimeSpan,
		"JSON": types.Dynamic, "INTEGER[]": types.Dynamic, `STRUCT(a INTEGER)`: types.Dynamic,
		"MAP(VARCHAR, INTEGER)": types.Dynamic, "UUID": types.GUID,
	} {
		if got, ok := KQLType(duck); !ok || got != want {
			t.Errorf("KQLType(%s) = %v, %v; want %v", duck, got, ok, want)
		}
	}
	if _, ok := KQLType("BLOB"); ok {
		t.Error("BLOB mapped")
	}
}

func TestParseTimespan(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"00:00:01":          time.Second,
		"1.02:03:04":        26*time.Hour + 3*time.Minute + 4*time.Second,
		"-00:00:00.0000001": -100,
		"10:00:00.5":        10*time.Hour + 500*time.Millisecond,
	} {
		if got, err := ParseTimespan(s); err != nil || got != want {
			t.Errorf("ParseTimespan(%s) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "1:2", "x.00:00:00", "00:61:00"} {
		if _, err := ParseTimespan(s); err == nil {
			t.Errorf("ParseTimespan(%q) succeeded", s)
		}
	}
}

func TestLoadJSONArray(t *testing.T) {
	ctx := context.Background()
	s := openMem(t)
	f := writeFile(t, "e.json", `[
  {"Timestamp":"2026-10-02T00:00:00Z","Url":"http://a"},
  {"Timestamp":"later","Url":"http://b"},
  7
]`)
	st, err := s.Load(ctx, "UrlClickEvents", []string{f}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 1 || st.Rejected != 2 || !strings.HasPrefix(st.Errors[0], f+":3: column Timestamp") || !strings.HasPrefix(st.Errors[1], f+":4: not a JSON object") {
		t.Errorf("%+v", st)
	}
}

// TestConvertInputs pins where the three input kinds differ (and that
// they agree elsewhere): JSON Lines values, CSV text, Defender exports.
// "error" means the value is rejected; values print with %v.
func TestConvertInputs(t *testing.T) {
	const bad = "error"
	for _, c := range []struct {
		t                types.Type
		v                any
		json, text, expo string
	}{
		// Empty and blank text.
		{types.Long, "", bad, "<nil>", "<nil>"},
		{types.Long, "  ", bad, bad, "<nil>"},
		{types.String, "", "", "", ""},
		{types.String, nil, "", "", ""},
		{types.Long, nil, "<nil>", "<nil>", "<nil>"},
		{types.Dynamic, "", `""`, "<nil>", "<nil>"},
		{types.DateTime, "", bad, "<nil>", "<nil>"},
		// Integers written as integral reals: exports only.
		{types.Long, "2.0", bad, bad, "2"},
		{types.Long, json.Number("1e3"), bad, bad, "1000"},
		{types.Long, "2.5", bad, bad, bad},
		{types.Int, "2147483648", bad, bad, bad},
		{types.Long, json.Number("-7"), "-7", "-7", "-7"},
		// The same everywhere.
		{types.Bool, " TRUE ", "true", "true", "true"},
		{types.Bool, json.Number("0"), "false", "false", "false"},
		{types.Bool, "yes", bad, bad, bad},
		{types.Real, "-Infinity", "-Inf", "-Inf", "-Inf"},
		{types.Decimal, " 1.50 ", "1.50", "1.50", "1.50"},
		{types.String, json.Number("12"), "12", "12", "12"},
		{types.GUID, "{C0000001-0000-0000-0000-000000000001}", "{C0000001-0000-0000-0000-000000000001}", "{C0000001-0000-0000-0000-000000000001}", "{C0000001-0000-0000-0000-000000000001}"},
		{types.GUID, "not-a-guid", bad, bad, bad},
		// Datetimes: ISO 8601 everywhere, the portal's forms in exports.
		{types.DateTime, "2026-10-02T13:45:12.3456789Z", "2026-10-02 13:45:12.3456789 +0000 UTC", "2026-10-02 13:45:12.3456789 +0000 UTC", "2026-10-02 13:45:12.3456789 +0000 UTC"},
		{types.DateTime, "2026-10-02 15:45+02:00", bad, bad, bad},
		{types.DateTime, "Nov 1, 2026 8:15:02 AM", bad, bad, "2026-11-01 08:15:02 +0000 UTC"},
		{types.DateTime, json.Number("1"), bad, bad, bad},
		// Timespans: not in exports.
		{types.TimeSpan, "1.02:03:04", "{0 0 93784000000}", "{0 0 93784000000}", bad},
		// Dynamic: CSV text that is JSON is JSON; an export string only
		// when it holds an object or array; a JSON string stays a string.
		{types.Dynamic, "123", `"123"`, "123", `"123"`},
		{types.Dynamic, `{"a":1}`, `"{\"a\":1}"`, `{"a":1}`, `{"a":1}`},
		{types.Dynamic, "abc", `"abc"`, `"abc"`, `"abc"`},
		{types.Dynamic, map[string]any{"a": json.Number("1")}, `{"a":1}`, `{"a":1}`, `{"a":1}`},
	} {
		for _, in := range []struct {
			in   Input
			want string
		}{{JSONInput, c.json}, {TextInput, c.text}, {ExportInput, c.expo}} {
			v, err := Convert(c.t, c.v, in.in)
			got := fmt.Sprint(v)
			if err != nil {
				got = bad
				if v != nil {
					t.Errorf("Convert(%s, %#v, %d) = %v with error %v", c.t, c.v, in.in, v, err)
				}
			}
			if got != in.want {
				t.Errorf("Convert(%s, %#v, input %d) = %s (%v), want %s", c.t, c.v, in.in, got, err, in.want)
			}
		}
	}
	// ConvertValue is Convert with TextInput or JSONInput.
	if v, err := ConvertValue(types.Long, "", true); v != nil || err != nil {
		t.Errorf("ConvertValue(long, \"\", text) = %v, %v", v, err)
	}
	if _, err := ConvertValue(types.Long, "", false); err == nil {
		t.Error("ConvertValue(long, \"\", JSON) accepted")
	}
}
