package engine

import (
	"context"
	"errors"
	"time"

	"github.com/quarry-kql/quarry/store"
)

// compileFunc is the compiler's entry point (compile.Compile with the
// engine's catalog, the DuckDB dialect, now and the externaldata policy).
var compileFunc func(src string, cat *store.Catalog, now time.Time, allow func(string) error) (*Program, error)

// Catalog returns the tables a query may name: the store's tables and the
// built-in Defender XDR schemas.
func (e *Engine) Catalog() *store.Catalog {
	c, err := e.st.Catalog(context.Background())
	if err != nil {
		return store.NewCatalog(nil)
	}
	return c
}

// Compile compiles KQL for this engine's store. Errors in the query come
// back as the compiler's diagnostics (line:col: message); nothing reaches
// the database.
func (e *Engine) Compile(ctx context.Context, kql string, opt QueryOptions) (*Program, error) {
	if compileFunc == nil {
		return nil, errors.New("engine: the KQL compiler is not available in this build")
	}
	cat, err := e.st.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	return compileFunc(kql, cat, now.UTC(), opt.AllowExternal)
}

// Query compiles and runs a KQL query.
func (e *Engine) Query(ctx context.Context, kql string, opt QueryOptions) (*Result, error) {
	p, err := e.Compile(ctx, kql, opt)
	if err != nil {
		return nil, err
	}
	return e.Run(ctx, p, opt)
}

// Explain returns the SQL a query compiles to.
func (e *Engine) Explain(kql string, opt QueryOptions) (string, error) {
	p, err := e.Compile(context.Background(), kql, opt)
	if err != nil {
		return "", err
	}
	return p.SQL, nil
}
