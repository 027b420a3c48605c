package demo

import (
	"fmt"

	"github.com/quarry-kql/quarry/store"
)

// GeoIPDescription marks the database WriteGeoIP writes.
const GeoIPDescription = "quarry demo: made-up locations for the demo's sender addresses, not real geolocation"

// geoPlaces are the places the demo's GeoIP database assigns to public
// address blocks: real cities, made-up assignments.
var geoPlaces = []store.GeoNetwork{
	{Country: "United States", State: "Virginia", City: "Ashburn", Latitude: 39.0438, Longitude: -77.4874},
	{Country: "Germany", State: "Hesse", City: "Frankfurt am Main", Latitude: 50.1109, Longitude: 8.6821},
	{Country: "United Kingdom", State: "England", City: "London", Latitude: 51.5072, Longitude: -0.1276},
	{Country: "France", State: "Île-de-France", City: "Paris", Latitude: 48.8566, Longitude: 2.3522},
	{Country: "Netherlands", State: "North Holland", City: "Amsterdam", Latitude: 52.3676, Longitude: 4.9041},
	{Country: "Russia", State: "Moscow", City: "Moscow", Latitude: 55.7558, Longitude: 37.6173},
	{Country: "China", State: "Beijing", City: "Beijing", Latitude: 39.9042, Longitude: 116.4074},
	{Country: "Brazil", State: "São Paulo", City: "São Paulo", Latitude: -23.5505, Longitude: -46.6333},
	{Country: "India", State: "Maharashtra", City: "Mumbai", Latitude: 19.0760, Longitude: 72.8777},
	{Country: "Nigeria", State: "Lagos", City: "Lagos", Latitude: 6.5244, Longitude: 3.3792},
	{Country: "Japan", State: "Tokyo", City: "Tokyo", Latitude: 35.6762, Longitude: 139.6503},
	{Country: "Singapore", State: "Singapore", City: "Singapore", Latitude: 1.3521, Longitude: 103.8198},
	{Country: "Canada", State: "Ontario", City: "Toronto", Latitude: 43.6532, Longitude: -79.3832},
	{Country: "Vietnam", State: "Hanoi", City: "Hanoi", Latitude: 21.0278, Longitude: 105.8342},
	{Country: "Ukraine", State: "Kyiv", City: "Kyiv", Latitude: 50.4501, Longitude: 30.5234},
}

// GeoNetworks are the demo GeoIP database's records: every public /8 of
// the IPv4 space (the demo's sender addresses are random public ones)
// assigned to one of a few places, always the same way.
func GeoNetworks() []store.GeoNetwork {
	var out []store.GeoNetwork
	for o := 1; o <= 223; o++ {
		if o == 10 || o == 127 {
			continue // private, loopback
		}
		n := geoPlaces[(o*7)%len(geoPlaces)]
		n.CIDR = fmt.Sprintf("%d.0.0.0/8", o)
		out = append(out, n)
	}
	return out
}

// WriteGeoIP writes the demo's GeoIP database to path, so that the rules
// that geolocate senders (geo_info_from_ip_address) run on demo data
// without a real database.
func WriteGeoIP(path string) error {
	return store.WriteGeoIP(path, GeoIPDescription, GeoNetworks())
}
