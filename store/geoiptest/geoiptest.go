// Package geoiptest writes a tiny MaxMind-format GeoIP database for
// tests of geo_info_from_ip_address(): two made-up networks in the
// GeoLite2-City record layout, so no real (licensed, large) database is
// needed.
package geoiptest

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Network is one record of the fixture.
type Network struct {
	CIDR                 string
	Country, State, City string
	Latitude, Longitude  float64
}

// Networks are the fixture's records. Addresses outside them (192.0.2.1,
// 10.0.0.1, 2001:db9::1) are not found. The IPv4 network is a quarter of
// the address space so that random public sender addresses (quarry demo)
// fall in it often.
var Networks = []Network{
	{CIDR: "64.0.0.0/2", Country: "Australia", State: "New South Wales", City: "Sydney", Latitude: -33.8715, Longitude: 151.2006},
	{CIDR: "2001:db8::/32", Country: "United States", State: "Florida", City: "Boca Raton", Latitude: 26.3594, Longitude: -80.0771},
}

func names(s string) mmdbtype.Map {
	return mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(s), "de": mmdbtype.String(s + " (de)")}}
}

// Write writes the fixture into t's temporary directory and returns its
// path.
func Write(t testing.TB) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            "GeoLite2-City",
		RecordSize:              28,
		IncludeReservedNetworks: true, // the fixture uses documentation ranges
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range Networks {
		_, ipnet, err := net.ParseCIDR(n.CIDR)
		if err != nil {
			t.Fatal(err)
		}
		rec := mmdbtype.Map{
			"country":      names(n.Country),
			"subdivisions": mmdbtype.Slice{names(n.State)},
			"city":         names(n.City),
			"location": mmdbtype.Map{
				"latitude":  mmdbtype.Float64(n.Latitude),
				"longitude": mmdbtype.Float64(n.Longitude),
			},
		}
		if err := tree.Insert(ipnet, rec); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "geo.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
