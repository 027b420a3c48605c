package engine

import (
	"context"
	"time"

	"github.com/quarry-kql/quarry/compile"
	"github.com/quarry-kql/quarry/kql/check"
	"github.com/quarry-kql/quarry/sqlgen"
	"github.com/quarry-kql/quarry/store"
)

// compileFunc is the compiler's entry point; tests may replace it.
var compileFunc = func(src string, cat check.Catalog, now time.Time, allow func(string) error, geoip bool) (*Program, error) {
	return compile.Compile(src, compile.Options{Catalog: cat, Dialect: sqlgen.DuckDB, Now: now, AllowExternal: allow, GeoIP: geoip})
}

// Catalog returns the tables a query may name: the store's tables and the
// built-in Defender XDR schemas.
func (e *Engine) Catalog() check.Catalog {
	c, err := e.st.Catalog(context.Background())
	if err != nil {
		return store.NewCatalog(nil)
	}
	return c
}

// Compile compiles KQL for this engine's store, with now() pinned to
// opt.Now (the current time when zero). Errors in the query come back as
// the compiler's diagnostics (line:col: message); nothing reaches the
// database.
func (e *Engine) Compile(ctx context.Context, kql string, opt QueryOptions) (*Program, error) {
	p, _, err := e.compile(ctx, kql, opt)
	return p, err
}

func (e *Engine) compile(ctx context.Context, kql string, opt QueryOptions) (*Program, *store.Catalog, error) {
	cat, err := e.st.Catalog(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	// geo_info_from_ip_address() compiles only when the store has a GeoIP
	// database to answer it.
	p, err := compileFunc(kql, cat, now.UTC(), opt.AllowExternal, e.st.GeoIP() != nil)
	return p, cat, err
}

// Query compiles and runs a KQL query.
func (e *Engine) Query(ctx context.Context, kql string, opt QueryOptions) (*Result, error) {
	p, cat, err := e.compile(ctx, kql, opt)
	if err != nil {
		return nil, err
	}
	return e.runWith(ctx, p, opt, cat)
}

// Explain returns the SQL a query compiles to.
func (e *Engine) Explain(kql string, opt QueryOptions) (string, error) {
	p, err := e.Compile(context.Background(), kql, opt)
	if err != nil {
		return "", err
	}
	return p.SQL, nil
}
