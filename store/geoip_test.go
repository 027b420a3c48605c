package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/store"
	"github.com/quarry-kql/quarry/store/geoiptest"
)

func TestGeoIPLookup(t *testing.T) {
	g, err := store.OpenGeoIP(geoiptest.Write(t))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	tests := []struct {
		ip, bag string
		ok      bool
	}{
		{"64.1.2.3", `{"country":"Australia","state":"New South Wales","city":"Sydney","latitude":-33.8715,"longitude":151.2006}`, true},
		{" 127.255.255.255 ", `{"country":"Australia","state":"New South Wales","city":"Sydney","latitude":-33.8715,"longitude":151.2006}`, true},
		{"::ffff:64.0.0.1", `{"country":"Australia","state":"New South Wales","city":"Sydney","latitude":-33.8715,"longitude":151.2006}`, true},
		{"2001:db8:1::25de", `{"country":"United States","state":"Florida","city":"Boca Raton","latitude":26.3594,"longitude":-80.0771}`, true},
		{"2001:DB8::1", `{"country":"United States","state":"Florida","city":"Boca Raton","latitude":26.3594,"longitude":-80.0771}`, true},
		{"128.0.0.1", "", false},
		{"63.255.255.255", "", false},
		{"192.0.2.1", "", false},
		{"2001:db9::1", "", false},
		{"", "", false},
		{"not an address", "", false},
		{"64.1.2", "", false},
		{"fe80::1%eth0", "", false},
	}
	for _, tc := range tests {
		bag, ok, err := g.Lookup(tc.ip)
		if err != nil || ok != tc.ok || bag != tc.bag {
			t.Errorf("Lookup(%q) = %q, %v, %v; want %q, %v", tc.ip, bag, ok, err, tc.bag, tc.ok)
		}
	}
}

// The function is registered for the whole database: a second connection
// opened while the first is busy sees it, and it keeps working once
// Restrict has turned DuckDB's external access off (DuckDB never opens
// the .mmdb file; Go does).
func TestGeoIPFunctionEveryConnection(t *testing.T) {
	path := geoiptest.Write(t)
	st, err := store.Open(":memory:", store.Options{GeoIP: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.GeoIP() == nil || st.GeoIP().Path() != path {
		t.Fatalf("GeoIP() = %v, want the database at %s", st.GeoIP(), path)
	}
	ctx := context.Background()
	if err := st.Restrict(ctx, store.QueryLimits{}); err != nil {
		t.Fatal(err)
	}
	var conns []*sql.Conn
	for range 3 {
		c, err := st.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		var got sql.NullString
		q := "SELECT " + store.GeoIPFunc + "('2001:db8::1')"
		if err := c.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if !strings.Contains(got.String, `"city":"Boca Raton"`) {
			t.Errorf("connection %d: %q", i, got.String)
		}
		var null sql.NullString
		if err := c.QueryRowContext(ctx, "SELECT "+store.GeoIPFunc+"(NULL), "+store.GeoIPFunc+"('192.0.2.1')").Scan(&null, &got); err != nil {
			t.Fatal(err)
		}
		if null.Valid || got.Valid {
			t.Errorf("connection %d: null and unknown address gave %v, %v; want NULL, NULL", i, null, got)
		}
	}
}

func TestGeoIPConfig(t *testing.T) {
	path := geoiptest.Write(t)
	t.Setenv(store.EnvGeoIP, path)
	st, err := store.Open(":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.GeoIP() == nil {
		t.Errorf("%s=%s: no GeoIP database", store.EnvGeoIP, path)
	}
	st.Close()

	t.Setenv(store.EnvGeoIP, "")
	st, err = store.Open(":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.GeoIP() != nil {
		t.Errorf("nothing configured: GeoIP() = %v, want nil", st.GeoIP())
	}
	st.Close()

	bad := filepath.Join(t.TempDir(), "not.mmdb")
	if err := os.WriteFile(bad, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bad, filepath.Join(t.TempDir(), "missing.mmdb")} {
		_, err = store.Open(":memory:", store.Options{GeoIP: p})
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), store.EnvGeoIP) {
			t.Errorf("Open with GeoIP %s: error %v, want one naming the file and %s", p, err, store.EnvGeoIP)
		}
	}
}
