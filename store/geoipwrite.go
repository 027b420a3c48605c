package store

import (
	"fmt"
	"net"
	"os"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// GeoNetwork is one network of a GeoIP database written by WriteGeoIP.
type GeoNetwork struct {
	CIDR                 string
	Country, State, City string
	Latitude, Longitude  float64
}

// WriteGeoIP writes a MaxMind-format database in the GeoLite2-City record
// layout holding nets (English names, and German ones marked "(de)"), for
// test fixtures and quarry demo's made-up locations. description goes
// into the file's metadata.
func WriteGeoIP(path, description string, nets []GeoNetwork) error {
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            "GeoLite2-City",
		Description:             map[string]string{"en": description},
		RecordSize:              28,
		IncludeReservedNetworks: true, // fixtures use documentation ranges
	})
	if err != nil {
		return fmt.Errorf("GeoIP database: %w", err)
	}
	names := func(s string) mmdbtype.Map {
		return mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(s), "de": mmdbtype.String(s + " (de)")}}
	}
	for _, n := range nets {
		_, ipnet, err := net.ParseCIDR(n.CIDR)
		if err != nil {
			return fmt.Errorf("GeoIP database: %w", err)
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
			return fmt.Errorf("GeoIP database: %s: %w", n.CIDR, err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("GeoIP database: %w", err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("GeoIP database %s: %w", path, err)
	}
	return f.Close()
}
