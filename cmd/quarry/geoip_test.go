package main

import (
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/store"
	"github.com/quarry-kql/quarry/store/geoiptest"
)

// resetGeoIPFlags empties --geoip on every command that has it (cobra
// keeps flag values between Execute calls, and the fixture file goes away
// with the test).
func resetGeoIPFlags(t *testing.T) {
	t.Cleanup(func() {
		for _, path := range [][]string{{"query"}, {"explain"}, {"run"}, {"serve"}} {
			c, _, err := root.Find(path)
			if err != nil || c.Flags().Lookup("geoip") == nil {
				t.Errorf("%v has no --geoip flag", path)
				continue
			}
			c.Flags().Set("geoip", "")
		}
	})
}

// --geoip (or QUARRY_GEOIP_DB) gives geo_info_from_ip_address its
// database in query and run; without one the query fails naming
// QUARRY_GEOIP_DB, and the rule catalog's runnable check says so.
func TestGeoIPCommands(t *testing.T) {
	corpus := testenv.Shared(t, "corpus", "sentinel-email")
	t.Setenv(store.EnvGeoIP, "") // restored after useGeoIP's override
	resetGeoIPFlags(t)
	geo := geoiptest.Write(t)
	db := demoStore(t, 3000)
	// -q=false: cobra keeps flag values for the tests that follow.
	if _, errOut, err := runRulesCmd(t, db, "rules", "sync", "-q=false", corpus); err != nil {
		t.Fatal(err, errOut)
	}
	const now = "2026-11-01T00:00:00Z"
	query := func(geoip, q string) (string, error) {
		out, _, err := runCmd(t, "", "query", "--db", db, "--now", now, "--allow-external=", "--chart", "",
			"--max-rows", "0", "--timeout", "0", "--memory-limit", "", "--format", "csv", "--geoip", geoip, q)
		return out, err
	}

	// No database: a compile error naming the variable, and the runnable
	// check gives it as the reason.
	if _, err := query("", "print g=geo_info_from_ip_address('2001:db8::1')"); err == nil || !strings.Contains(err.Error(), "1:9") || !strings.Contains(err.Error(), "QUARRY_GEOIP_DB") {
		t.Errorf("query without a GeoIP database: %v", err)
	}
	out, _, err := runRulesCmd(t, db, "rules", "show", "Spam Detections by Sender Country", "--now", now)
	if err != nil || !strings.Contains(out, "Runnable on this store: no") || !strings.Contains(out, "QUARRY_GEOIP_DB") {
		t.Errorf("rules show without a GeoIP database (%v):\n%s", err, out)
	}

	// --geoip.
	out, err = query(geo, "print g=geo_info_from_ip_address('2001:db8::1'), u=geo_info_from_ip_address('192.0.2.1')")
	if want := "g,u\n" + `"{""city"":""Boca Raton"",""country"":""United States"",""latitude"":26.3594,""longitude"":-80.0771,""state"":""Florida""}",` + "\n"; err != nil || out != want {
		t.Errorf("query --geoip: %v\n%q\nwant %q", err, out, want)
	}
	if _, err := query(geo+".missing", "print 1"); err == nil || !strings.Contains(err.Error(), "--geoip") {
		t.Errorf("query --geoip with a missing file: %v", err)
	}
	out, errOut, err := runRulesCmd(t, db, "run", "Spam Detections by Sender Country", "--now", now, "--allow-external=",
		"--chart", "", "--max-rows", "0", "--timeout", "0", "--memory-limit", "", "--format", "csv", "--geoip", geo)
	if err != nil || !strings.HasPrefix(out, "Country,SpamEmails,SenderIPs\nAustralia,") || strings.Count(out, "\n") != 2 || strings.Contains(errOut, "QUARRY_GEOIP_DB") {
		t.Errorf("run --geoip: %v\n%s\n%s", err, out, errOut)
	}

	// QUARRY_GEOIP_DB: the runnable check passes.
	t.Setenv(store.EnvGeoIP, geo)
	out, _, err = runRulesCmd(t, db, "rules", "show", "Spam Detections by Sender Country", "--now", now)
	if err != nil || !strings.Contains(out, "Runnable on this store: yes") {
		t.Errorf("rules show with %s set (%v):\n%s", store.EnvGeoIP, err, out)
	}
}
