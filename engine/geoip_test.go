package engine_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/quarry-kql/quarry/demo"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/store"
	"github.com/quarry-kql/quarry/store/geoiptest"
)

func geoEngine(t *testing.T, geoip string) *engine.Engine {
	t.Helper()
	t.Setenv(store.EnvGeoIP, "")
	st, err := store.Open(":memory:", store.Options{GeoIP: geoip})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return engine.New(st)
}

// geo_info_from_ip_address returns the bag the reference page documents
// (country, state, city, latitude, longitude) from the configured
// database, for IPv4 and IPv6, and null for an address the database does
// not hold, an invalid or empty string, and null.
func TestGeoInfoFromIPAddress(t *testing.T) {
	e := geoEngine(t, geoiptest.Write(t))
	ctx := context.Background()
	sydney := `{"city":"Sydney","country":"Australia","latitude":-33.8715,"longitude":151.2006,"state":"New South Wales"}`
	boca := `{"city":"Boca Raton","country":"United States","latitude":26.3594,"longitude":-80.0771,"state":"Florida"}`
	tests := []struct{ arg, want string }{
		{`'64.53.203.50'`, sydney},
		{`'2001:db8:f12c:83:face:b00c::25de'`, boca},
		{`'::ffff:64.53.203.50'`, sydney},
		{`'192.0.2.1'`, ""},
		{`'2001:db9::1'`, ""},
		{`''`, ""},
		{`'nonsense'`, ""},
		{`tostring(dynamic(null))`, ""},
	}
	for _, tc := range tests {
		q := "print ip_location=geo_info_from_ip_address(" + tc.arg + ")"
		res, err := e.Query(ctx, q, engine.QueryOptions{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(res.Columns) != 1 || res.Columns[0].Name != "ip_location" || res.Columns[0].Type != types.Dynamic {
			t.Fatalf("%s: columns %v, want ip_location:dynamic", q, res.Columns)
		}
		if got := engine.FormatValue(types.Dynamic, res.Rows[0][0]); got != tc.want {
			t.Errorf("%s = %s, want %s", q, got, tc.want)
		}
	}

	// Fields by name and type, as the Sentinel rules read them.
	q := `print g=geo_info_from_ip_address('64.0.0.1')
| extend Country=tostring(g.country), State=tostring(g.state), City=tostring(g.city), Lat=toreal(g.latitude), Lon=todouble(g.longitude), Missing=isnull(g.zip)`
	res, err := e.Query(ctx, q, engine.QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"Australia", "New South Wales", "Sydney", -33.8715, 151.2006, true}
	for i, w := range want {
		if got := res.Rows[0][i+1]; got != w {
			t.Errorf("%s: %v = %#v, want %#v", q, res.Columns[i+1].Name, got, w)
		}
	}

	// Per row, over a column, with nulls and repeats.
	q = `datatable(ip:string)['64.1.1.1', '', '2001:db8::7', '10.0.0.1', '64.1.1.1']
| extend c = tostring(geo_info_from_ip_address(ip).country)
| summarize n=count() by c | order by c asc`
	res, err = e.Query(ctx, q, engine.QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, r[0].(string)+"="+engine.FormatValue(types.Long, r[1]))
	}
	if g := strings.Join(got, " "); g != "=2 Australia=2 United States=1" {
		t.Errorf("per-row countries: %s", g)
	}
}

// Without a GeoIP database the call is a compile error naming
// QUARRY_GEOIP_DB, with its position, not a column of empty bags.
func TestGeoInfoNeedsDatabase(t *testing.T) {
	e := geoEngine(t, "")
	_, err := e.Query(context.Background(), "print x=1\n| extend g=geo_info_from_ip_address('64.0.0.1')", engine.QueryOptions{})
	if err == nil {
		t.Fatal("geo_info_from_ip_address without a GeoIP database ran")
	}
	for _, w := range []string{"2:12", "geo_info_from_ip_address", "QUARRY_GEOIP_DB"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

// The Sentinel rules that use geo_info_from_ip_address run on demo data
// through a read-only, restricted store, and their numbers agree with a
// lookup done in Go on the same rows.
func TestGeoSentinelRulesOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: loads demo data")
	}
	dir := testenv.Shared(t, "corpus", "sentinel-email")
	geo := geoiptest.Write(t)
	t.Setenv(store.EnvGeoIP, "")
	path := filepath.Join(t.TempDir(), "demo.duckdb")
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := demo.Load(ctx, st, demo.Options{Seed: 1, Rows: 5000, Now: now}, []string{"EmailEvents"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = store.Open(path, store.Options{ReadOnly: true, GeoIP: geo})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := engine.New(st)
	if err := st.Restrict(ctx, store.QueryLimits{}); err != nil {
		t.Fatal(err)
	}
	rule := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Query string `yaml:"query"`
		}
		if err := yaml.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r.Query
	}
	opt := engine.QueryOptions{Now: now}

	// All four rules that call it run.
	for _, name := range []string{"Phish Detection IP and Geo Position.yaml", "Spam Detections by Sender Country.yaml",
		"Phish Detections by Sender Country.yaml", "Malware Detections by Sender Country.yaml"} {
		res, err := e.Query(ctx, rule(name), opt)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		t.Logf("%s: %d rows", name, len(res.Rows))
	}

	// Phish Detection IP and Geo Position: every row's coordinates are
	// the fixture's for the address.
	res, err := e.Query(ctx, rule("Phish Detection IP and Geo Position.yaml"), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) == 0 {
		t.Fatal("Phish Detection IP and Geo Position: no rows on demo data")
	}
	located := 0
	for _, r := range res.Rows {
		ip, lat, lon := r[0].(string), r[1].(string), r[2].(string)
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			t.Fatalf("sender %q: %v", ip, err)
		}
		if netip.MustParsePrefix(geoiptest.Networks[0].CIDR).Contains(addr) {
			located++
			if lat != "-33.8715" || lon != "151.2006" {
				t.Errorf("%s: latitude %q longitude %q, want the fixture's -33.8715, 151.2006", ip, lat, lon)
			}
		} else if lat != "" || lon != "" {
			t.Errorf("%s is outside the fixture but got %q, %q", ip, lat, lon)
		}
	}
	if located == 0 {
		t.Errorf("no phish sender of %d falls in the fixture's 64.0.0.0/2", len(res.Rows))
	}

	// Spam Detections by Sender Country: only the fixture's IPv4 country
	// can appear (demo senders are IPv4), and its count matches the
	// de-duplicated spam rows whose sender is in 64.0.0.0/2.
	res, err = e.Query(ctx, rule("Spam Detections by Sender Country.yaml"), opt)
	if err != nil {
		t.Fatal(err)
	}
	check, err := e.Query(ctx, `EmailEvents
| where Timestamp > ago(30d)
| where OrgLevelPolicy != "Phishing simulation" and OrgLevelPolicy != "SecOps Mailbox"
| where ThreatTypes has "Spam" and isnotempty(SenderIPv4)
| extend Key = strcat(NetworkMessageId, '-', RecipientEmailAddress)
| summarize arg_max(Timestamp, *) by Key
| where ipv4_is_in_range(SenderIPv4, "64.0.0.0/2")
| summarize n=count(), d=dcount(SenderIPv4)`, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.Rows)
	t.Logf("Spam Detections by Sender Country on demo: %s; expected %v", b, check.Rows)
	if len(res.Rows) != 1 || res.Rows[0][0] != "Australia" || res.Rows[0][1] != check.Rows[0][0] || res.Rows[0][2] != check.Rows[0][1] {
		t.Errorf("Spam Detections by Sender Country = %s, want one row Australia with %v emails from %v addresses", b, check.Rows[0][0], check.Rows[0][1])
	}
}
