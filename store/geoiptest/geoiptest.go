// Package geoiptest writes a tiny MaxMind-format GeoIP database for
// tests of geo_info_from_ip_address(): two made-up networks in the
// GeoLite2-City record layout, so no real (licensed, large) database is
// needed.
package geoiptest

import (
	"path/filepath"
	"testing"

	"github.com/quarry-kql/quarry/store"
)

// Network is one record of the fixture.
type Network = store.GeoNetwork

// Networks are the fixture's records. Addresses outside them (192.0.2.1,
// 10.0.0.1, 2001:db9::1) are not found. The IPv4 network is a quarter of
// the address space so that random public sender addresses (quarry demo)
// fall in it often.
var Networks = []Network{
	{CIDR: "64.0.0.0/2", Country: "Australia", State: "New South Wales", City: "Sydney", Latitude: -33.8715, Longitude: 151.2006},
	{CIDR: "2001:db8::/32", Country: "United States", State: "Florida", City: "Boca Raton", Latitude: 26.3594, Longitude: -80.0771},
}

// Write writes the fixture into t's temporary directory and returns its
// path.
func Write(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "geo.mmdb")
	if err := store.WriteGeoIP(path, "quarry test fixture", Networks); err != nil {
		t.Fatal(err)
	}
	return path
}
