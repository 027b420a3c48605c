package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/chart"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/enrich"
	"github.com/quarry-kql/quarry/store"
	"github.com/quarry-kql/quarry/web"
)

// serveOptions are the flags of `quarry serve`.
type serveOptions struct {
	addr        string
	now         string
	maxRows     int
	timeout     time.Duration
	memoryLimit string
	concurrent  int
	geoip       string
}

func init() {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the SOC feed, rule pages, query console and coverage as a local web application",
		Long: `Serve quarry in the browser: the SOC feed of the rule catalog, a page per rule
with a Run button, the KQL query console with results grid and charts, the
ATT&CK coverage matrix, and a JSON API (described at /api/openapi.json).

The server binds to 127.0.0.1:8080 by default and then answers only loopback
host names. Binding to any other address needs a token: quarry generates one
at start and prints a link carrying it; API clients send it as
Authorization: Bearer <token>.

The rule pages are computed once at start (runnable check and enrichment);
restart the server after ` + "`quarry rules sync`" + ` or loading data. Queries run on the
database opened read-only, with DuckDB's file and network access disabled,
under --timeout and --max-rows per query and --memory-limit overall.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			ln, err := net.Listen("tcp", o.addr)
			if err != nil {
				return err
			}
			return runServe(ctx, o, ln, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on, HOST:PORT; any non-loopback host requires the printed token")
	f.StringVar(&o.now, "now", "", "pin now() for queries and the runnable check, e.g. 2026-11-01T00:00:00Z (default $"+EnvNow+" or the current time)")
	f.IntVar(&o.maxRows, "max-rows", 10000, "most rows a query returns")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "longest a query may run")
	f.StringVar(&o.memoryLimit, "memory-limit", "2GB", "DuckDB memory cap for the queries")
	f.IntVar(&o.concurrent, "concurrent", 4, "queries that run at once; others wait their turn")
	geoIPFlag(cmd, &o.geoip)
	root.AddCommand(cmd)
}

// runServe serves on ln until ctx ends.
func runServe(ctx context.Context, o serveOptions, ln net.Listener, stdout, stderr io.Writer) error {
	defer ln.Close()
	if err := useGeoIP(o.geoip); err != nil {
		return err
	}
	var pinned time.Time
	if o.now != "" || os.Getenv(EnvNow) != "" {
		t, err := rulesNow(o.now)
		if err != nil {
			return err
		}
		pinned = t
	}
	src, err := loadRulePages(ctx, pinned, stderr)
	if err != nil {
		return err
	}

	// queries get their own handle on the database: read-only, locked down
	path := databasePath()
	st, err := store.Open(path, store.Options{ReadOnly: path != ":memory:"})
	if err != nil {
		return err
	}
	defer st.Close()
	limits := store.QueryLimits{MemoryLimit: o.memoryLimit}
	if err := st.Restrict(ctx, limits); err != nil {
		return err
	}
	eng := engine.New(st)
	eng.Limits = limits

	cfg := web.Config{MaxRows: o.maxRows, QueryTimeout: o.timeout, MaxConcurrent: o.concurrent}
	if !web.IsLoopback(o.addr) {
		cfg.Token = web.NewToken()
	}
	handler := web.New(&engineRunner{eng: eng, now: pinned}, src, cfg)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      o.timeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}

	runnable := 0
	for _, p := range src.pages {
		if p.Status != nil && p.Status.Runnable {
			runnable++
		}
	}
	url := "http://" + displayAddr(o.addr, ln.Addr()) + "/"
	fmt.Fprintf(stdout, "quarry: %d rules (%d runnable) from %s\n", len(src.pages), runnable, path)
	if cfg.Token != "" {
		fmt.Fprintf(stdout, "quarry: serving %s on a non-loopback address; every request needs the token:\n  %s?token=%s\n  (API: Authorization: Bearer %s)\n", url, url, cfg.Token, cfg.Token)
	} else {
		fmt.Fprintf(stdout, "quarry: serving %s (loopback only)\n", url)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// displayAddr is the address to print: the requested host with the port
// actually bound (for :0).
func displayAddr(requested string, bound net.Addr) string {
	host, _, err := net.SplitHostPort(requested)
	_, port, err2 := net.SplitHostPort(bound.String())
	if err != nil || err2 != nil {
		return bound.String()
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	return net.JoinHostPort(host, port)
}

// rulePages is the rule catalog as computed at start: web.RuleSource.
type rulePages struct {
	pages []*enrich.Page
	data  *attack.Data
}

func (r *rulePages) Rules(context.Context) ([]*enrich.Page, error) { return r.pages, nil }
func (r *rulePages) Attack() *attack.Data                          { return r.data }

// loadRulePages reads the catalog, checks every rule against the store at
// now (zero: the current time) and enriches it: the language model's
// enrichment when one is configured and cached, else the deterministic one.
// The writable handle it needs (the catalog creates its tables) is closed
// before the server opens the database read-only.
func loadRulePages(ctx context.Context, now time.Time, stderr io.Writer) (*rulePages, error) {
	checkNow := now
	if checkNow.IsZero() {
		checkNow = time.Now().UTC()
	}
	env, err := rulesOpen(ctx, checkNow)
	if err != nil {
		return nil, err
	}
	defer env.Close()
	data, err := rulesAttack(stderr)
	if err != nil {
		return nil, err
	}
	rs, err := env.catalog.Rules(ctx)
	if err != nil {
		return nil, err
	}
	sts, err := env.statuses(ctx, rs)
	if err != nil {
		return nil, err
	}
	det := &enrich.Deterministic{Attack: data, Now: checkNow}
	var cache *enrich.StoreCache
	llm, err := llmConfig()
	if err != nil {
		return nil, err
	}
	if llm.Enabled() {
		if cache, err = enrich.NewStoreCache(ctx, env.st); err != nil {
			return nil, err
		}
	}
	out := &rulePages{data: data}
	for i, r := range rs {
		var e *enrich.Enrichment
		if cache != nil {
			if e, _, err = cache.Get(ctx, r.ID, r.Version, llm.Model); err != nil {
				return nil, err
			}
		}
		if e == nil {
			if e, err = det.Enrich(ctx, r); err != nil {
				return nil, err
			}
		}
		out.pages = append(out.pages, &enrich.Page{Rule: r, Status: sts[i], Enrichment: e, Attack: data})
	}
	return out, nil
}

// engineRunner adapts the engine to web.QueryRunner.
type engineRunner struct {
	eng *engine.Engine
	now time.Time // zero: each query's own current time
}

func (e *engineRunner) Query(ctx context.Context, kql string, opt web.QueryOptions) (*web.Result, error) {
	res, err := e.eng.Query(ctx, kql, engine.QueryOptions{Now: e.now, MaxRows: opt.MaxRows, Timeout: opt.Timeout})
	if err != nil {
		return nil, err
	}
	return &web.Result{Columns: res.Columns, Rows: res.Rows, Render: (*chart.Spec)(res.Render), Truncated: res.Truncated}, nil
}

func (e *engineRunner) Explain(kql string) (string, error) {
	return e.eng.Explain(kql, engine.QueryOptions{Now: e.now})
}

func (e *engineRunner) Catalog(ctx context.Context) (*store.Catalog, error) {
	return e.eng.Store().Catalog(ctx)
}
