package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
	maxminddb "github.com/oschwald/maxminddb-golang/v2"
)

// EnvGeoIP is the environment variable naming the MaxMind-format GeoIP
// database (.mmdb, GeoLite2-City or DB-IP City Lite layout) that
// geo_info_from_ip_address() reads.
const EnvGeoIP = "QUARRY_GEOIP_DB"

// GeoIPFunc is the SQL name of the scalar function the store registers
// when a GeoIP database is configured: it takes an address (VARCHAR) and
// returns the JSON text of geo_info_from_ip_address's bag, or NULL.
const GeoIPFunc = "quarry_geo_info_from_ip_address"

// GeoIP answers geolocation lookups from a MaxMind-format database held
// in memory (or mapped) by Go; DuckDB never opens the file, so lookups
// work with DuckDB's external access disabled.
type GeoIP struct {
	path   string
	reader *maxminddb.Reader
}

// OpenGeoIP opens the .mmdb file at path.
func OpenGeoIP(path string) (*GeoIP, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("GeoIP database %s: %w", path, err)
	}
	return &GeoIP{path: path, reader: r}, nil
}

// Path is the file the database was read from.
func (g *GeoIP) Path() string { return g.path }

// Close releases the database.
func (g *GeoIP) Close() error { return g.reader.Close() }

// geoRecord is the part of a GeoLite2-City / DB-IP City Lite record that
// geo_info_from_ip_address reports.
type geoRecord struct {
	Country struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
}

// Lookup returns geo_info_from_ip_address's bag for ip as JSON text, in
// the order Kusto's reference prints it: country, state (the first
// subdivision), city (English names), latitude, longitude. Fields the
// database does not hold for the address are left out. ok is false (the
// function's result is null) when ip is not an IPv4 or IPv6 address or the
// database has no network holding it.
func (g *GeoIP) Lookup(ip string) (bag string, ok bool, err error) {
	addr, perr := netip.ParseAddr(strings.TrimSpace(ip))
	if perr != nil || addr.Zone() != "" {
		return "", false, nil
	}
	res := g.reader.Lookup(addr.Unmap())
	if err := res.Err(); err != nil {
		return "", false, fmt.Errorf("GeoIP database %s: %w", g.path, err)
	}
	if !res.Found() {
		return "", false, nil
	}
	var rec geoRecord
	if err := res.Decode(&rec); err != nil {
		return "", false, fmt.Errorf("GeoIP database %s: %s: %w", g.path, ip, err)
	}
	var b strings.Builder
	b.WriteByte('{')
	field := func(name, value string) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		b.WriteString(value)
	}
	str := func(name string, names map[string]string) {
		if s, ok := names["en"]; ok && s != "" {
			v, _ := json.Marshal(s)
			field(name, string(v))
		}
	}
	str("country", rec.Country.Names)
	if len(rec.Subdivisions) > 0 {
		str("state", rec.Subdivisions[0].Names)
	}
	str("city", rec.City.Names)
	if p := rec.Location.Latitude; p != nil {
		field("latitude", strconv.FormatFloat(*p, 'g', -1, 64))
	}
	if p := rec.Location.Longitude; p != nil {
		field("longitude", strconv.FormatFloat(*p, 'g', -1, 64))
	}
	b.WriteByte('}')
	return b.String(), true, nil
}

// geoUDF is the DuckDB scalar function wrapping GeoIP.Lookup.
type geoUDF struct{ g *GeoIP }

func (u *geoUDF) Config() duckdb.ScalarFuncConfig {
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		panic(err) // a built-in type always exists
	}
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar}, ResultTypeInfo: varchar}
}

func (u *geoUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		s, _ := values[0].(string)
		bag, ok, err := u.g.Lookup(s)
		if err != nil || !ok {
			return nil, err
		}
		return bag, nil
	}}
}

// registerGeoIP makes GeoIPFunc callable. DuckDB adds scalar functions to
// the database instance's system catalog, so registering through one
// connection makes the function visible on every connection of the store,
// present and future (store_test checks it on a second connection).
func (s *Store) registerGeoIP(ctx context.Context) error {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return duckdb.RegisterScalarUDF(conn, GeoIPFunc, &geoUDF{g: s.geoip})
}

// GeoIP returns the store's GeoIP database, or nil when none is
// configured (Options.GeoIP and QUARRY_GEOIP_DB both empty).
func (s *Store) GeoIP() *GeoIP { return s.geoip }

// geoIPPath is the database Open should read: Options.GeoIP, else
// QUARRY_GEOIP_DB.
func geoIPPath(opt Options) string {
	if opt.GeoIP != "" {
		return opt.GeoIP
	}
	return os.Getenv(EnvGeoIP)
}
