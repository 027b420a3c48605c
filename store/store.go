// Package store owns quarry's embedded database: where it lives, how it is
// opened, and how tables are created from KQL schemas. Everything that
// writes data (load, ingest, demo) and everything that reads it (the engine,
// the rule catalog) opens the database through here.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/quarry-kql/quarry/gofunc"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/sqlgen"
)

// EnvDB is the environment variable that overrides the database location.
const EnvDB = "QUARRY_DB"

// DefaultPath returns the database file used when neither --db nor
// QUARRY_DB is given: $XDG_DATA_HOME/quarry/quarry.duckdb, falling back to
// ~/.local/share/quarry/quarry.duckdb.
func DefaultPath() string {
	if p := os.Getenv(EnvDB); p != "" {
		return p
	}
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "quarry", "quarry.duckdb")
}

// Store is an open quarry database.
type Store struct {
	DB        *sql.DB
	Path      string
	connector *duckdb.Connector
	// locked is set once Restrict has locked DuckDB's configuration; new
	// connections then skip their SET statements (they would be refused,
	// and the global values they set are already in place).
	locked *atomic.Bool
	// memoryLimit is Options.MemoryLimit, restored after a load.
	memoryLimit string
	// geoip backs geo_info_from_ip_address(); nil when not configured.
	geoip *GeoIP
}

// Options tune how a store is opened.
type Options struct {
	// ReadOnly opens the database file read-only.
	ReadOnly bool
	// MemoryLimit is DuckDB's memory_limit setting ("4GB"); empty keeps
	// DuckDB's default.
	MemoryLimit string
	// GeoIP is the MaxMind-format database (.mmdb) behind
	// geo_info_from_ip_address(); empty means $QUARRY_GEOIP_DB, and no
	// database at all when that is empty too.
	GeoIP string
	// LockWait is how long Open waits while another process holds the
	// database file (DuckDB lets one process write a file, and none read
	// it meanwhile): a `quarry serve` query or an ingest in another
	// terminal. Zero means DefaultLockWait, negative not at all.
	LockWait time.Duration
}

// ErrLocked is the error Open wraps when another process held the
// database file for longer than Options.LockWait.
var ErrLocked = errors.New("in use by another process")

// DefaultLockWait is Options.LockWait's default.
const DefaultLockWait = 30 * time.Second

// Open opens (creating if needed) the DuckDB database at path. The path
// ":memory:" or "" gives a private in-memory database, which tests use.
func Open(path string, opt Options) (*Store, error) {
	dsn := path
	if path == ":memory:" {
		dsn = ""
	}
	if dsn != "" {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		var params []string
		if opt.ReadOnly {
			params = append(params, "access_mode=READ_ONLY")
		}
		if len(params) > 0 {
			dsn += "?" + strings.Join(params, "&")
		}
	}
	locked := new(atomic.Bool)
	connector, err := openConnector(dsn, opt.LockWait, func(execer driver.ExecerContext) error {
		if locked.Load() {
			return nil
		}
		stmts := []string{"SET GLOBAL TimeZone='UTC'"}
		if opt.MemoryLimit != "" {
			stmts = append(stmts, "SET memory_limit="+QuoteString(opt.MemoryLimit))
		}
		for _, s := range stmts {
			if _, err := execer.ExecContext(context.Background(), s, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if isLockError(err) {
		return nil, fmt.Errorf("store: %s: %w (a quarry serve query, ingest or load?); try again when it is done: %v", path, ErrLocked, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	st := &Store{DB: db, Path: path, connector: connector, locked: locked, memoryLimit: opt.MemoryLimit}
	if err := gofunc.Register(context.Background(), st.DB); err != nil {
		return nil, errors.Join(fmt.Errorf("store: %w", err), st.Close())
	}
	if p := geoIPPath(opt); p != "" {
		g, err := OpenGeoIP(p)
		if err == nil {
			st.geoip = g
			err = st.registerGeoIP(context.Background())
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("store: %w (from --geoip or %s)", err, EnvGeoIP), st.Close())
		}
	}
	return st, nil
}

// openConnector opens dsn, retrying with backoff for up to wait while
// another process holds the file's lock.
func openConnector(dsn string, wait time.Duration, init func(driver.ExecerContext) error) (*duckdb.Connector, error) {
	if wait == 0 {
		wait = DefaultLockWait
	}
	deadline := time.Now().Add(wait)
	pause := 20 * time.Millisecond
	for {
		c, err := duckdb.NewConnector(dsn, init)
		if !isLockError(err) || time.Now().Add(pause).After(deadline) {
			return c, err
		}
		time.Sleep(pause)
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// isLockError reports whether err is DuckDB's refusal to open a file
// another process holds.
func isLockError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Could not set lock on file")
}

// Close closes the database (and the GeoIP database, if any).
func (s *Store) Close() error {
	err := errors.Join(s.DB.Close(), s.connector.Close())
	if s.geoip != nil {
		err = errors.Join(err, s.geoip.Close())
	}
	return err
}

// Connector returns the DuckDB connector, for code that needs a raw
// connection (appenders, Arrow).
func (s *Store) Connector() *duckdb.Connector { return s.connector }

// QuoteIdent quotes an SQL identifier for DuckDB.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteString quotes an SQL string literal for DuckDB.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// SQLType is the DuckDB column type that stores a KQL type: the DuckDB
// dialect's own choice, so tables and generated SQL always agree.
func SQLType(t types.Type) string { return sqlgen.DuckDB.TypeName(t) }

// CreateTableSQL returns the CREATE TABLE IF NOT EXISTS statement for t.
func CreateTableSQL(t *schema.Table) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS ")
	b.WriteString(QuoteIdent(t.Name))
	b.WriteString(" (")
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteIdent(c.Name))
		b.WriteByte(' ')
		b.WriteString(SQLType(c.Type))
	}
	b.WriteString(")")
	return b.String()
}

// EnsureTable creates table t if it does not exist yet.
func (s *Store) EnsureTable(ctx context.Context, t *schema.Table) error {
	if _, err := s.DB.ExecContext(ctx, CreateTableSQL(t)); err != nil {
		return fmt.Errorf("store: create %s: %w", t.Name, err)
	}
	return nil
}

// QueryLimits are the resource limits applied by Restrict.
type QueryLimits struct {
	// MemoryLimit is DuckDB's memory_limit ("2GB"); empty keeps the
	// current value.
	MemoryLimit string
	// Threads caps DuckDB's worker threads; 0 keeps the current value.
	Threads int
}

// Restrict puts the store into query mode: DuckDB's external access
// (reading or writing files, URLs, extensions) is disabled and the
// configuration is locked, so no SQL run afterwards can turn it back on.
// The settings are global to the database instance, so they hold on every
// connection, present and future. Loading files needs external access:
// load first, or load from another process. Restrict is idempotent.
func (s *Store) Restrict(ctx context.Context, lim QueryLimits) error {
	if s.locked.Load() {
		return nil
	}
	stmts := []string{}
	if lim.MemoryLimit != "" {
		stmts = append(stmts, "SET GLOBAL memory_limit="+QuoteString(lim.MemoryLimit))
	}
	if lim.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET GLOBAL threads=%d", lim.Threads))
	}
	stmts = append(stmts, "SET GLOBAL enable_external_access=false", "SET GLOBAL lock_configuration=true")
	for _, q := range stmts {
		if _, err := s.DB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: %s: %w", q, err)
		}
	}
	s.locked.Store(true)
	return nil
}

// Restricted reports whether Restrict has locked the store.
func (s *Store) Restricted() bool { return s.locked.Load() }
