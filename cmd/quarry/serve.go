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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/chart"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/enrich"
	"github.com/quarry-kql/quarry/rules"
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
	// idleClose and catalogCheck override dbIdleClose and
	// catalogCheckEvery (tests).
	idleClose    time.Duration
	catalogCheck time.Duration
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

The rule pages (runnable check and enrichment) are computed at start and
again when the store changes: after ` + "`quarry rules sync`" + `, load or ingest in
another terminal, the next page shows the new catalog. The server holds the
database only while it answers a request (and ` + dbIdleClose.String() + ` after), because
DuckDB lets another process write a database only when no process has it
open: such a command fails if it starts while a query runs, and a query waits
for it to finish. Queries run on the database opened read-only, with
DuckDB's file and network access disabled, under --timeout and --max-rows
per query and --memory-limit overall.`,
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
	llm, err := llmConfig()
	if err != nil {
		return err
	}
	// quarry's own tables are created once, on a writable handle closed
	// before the server opens the database read-only
	if err := ensureMeta(ctx, llm.Enabled()); err != nil {
		return err
	}
	data, err := rulesAttack(stderr)
	if err != nil {
		return err
	}

	path := databasePath()
	idle := o.idleClose
	if idle == 0 {
		idle = dbIdleClose
	}
	if path == ":memory:" {
		idle = -1 // an in-memory database lives as long as its handle
	}
	db := &dbLease{path: path, limits: store.QueryLimits{MemoryLimit: o.memoryLimit}, idle: idle}
	defer db.Close()
	src := &rulePages{db: db, now: pinned, data: data, checkEvery: o.catalogCheck, stdout: stdout, stderr: stderr}
	if llm.Enabled() {
		src.llmModel = llm.Model
	}
	if src.checkEvery == 0 {
		src.checkEvery = catalogCheckEvery
	}
	if err := src.load(ctx); err != nil {
		return err
	}

	cfg := web.Config{MaxRows: o.maxRows, QueryTimeout: o.timeout, MaxConcurrent: o.concurrent}
	if !web.IsLoopback(o.addr) {
		cfg.Token = web.NewToken()
	}
	handler := web.New(&engineRunner{db: db, now: pinned}, src, cfg)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      o.timeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}

	snap := src.snapshot()
	url := "http://" + displayAddr(o.addr, ln.Addr()) + "/"
	fmt.Fprintf(stdout, "quarry: %d rules (%d runnable) from %s\n", len(snap.pages), snap.runnable(), path)
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
	src.wait()
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

// engineRunner adapts the engine to web.QueryRunner, each call on the
// shared read-only handle.
type engineRunner struct {
	db  *dbLease
	now time.Time // zero: each query's own current time
}

func (e *engineRunner) Query(ctx context.Context, kql string, opt web.QueryOptions) (*web.Result, error) {
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.Timeout)
		defer cancel()
	}
	eng, release, err := e.db.acquire(ctx, true)
	if err != nil {
		return nil, err
	}
	defer release()
	res, err := eng.Query(ctx, kql, engine.QueryOptions{Now: e.now, MaxRows: opt.MaxRows, Timeout: opt.Timeout})
	if err != nil {
		return nil, err
	}
	return &web.Result{Columns: res.Columns, Rows: res.Rows, Render: (*chart.Spec)(res.Render), Truncated: res.Truncated}, nil
}

func (e *engineRunner) Explain(kql string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dbBusyWait)
	defer cancel()
	eng, release, err := e.db.acquire(ctx, true)
	if err != nil {
		return "", err
	}
	defer release()
	return eng.Explain(kql, engine.QueryOptions{Now: e.now})
}

// Catalog waits at most a second for a writer: the rule pages and the
// console's completion do without it.
func (e *engineRunner) Catalog(ctx context.Context) (*store.Catalog, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	eng, release, err := e.db.acquire(ctx, true)
	if err != nil {
		return nil, err
	}
	defer release()
	return eng.Store().Catalog(ctx)
}

// How the server shares the database with other quarry commands.
const (
	// dbIdleClose is how long the read-only handle stays open after its
	// last use. DuckDB lets one process write a database file only when no
	// other process has it open, so the server lets go between requests
	// for `quarry rules sync`, `load` or `ingest` in another terminal.
	dbIdleClose = 2 * time.Second
	// dbBusyWait bounds how long a request waits for such a writer to
	// finish (a query waits up to its own timeout).
	dbBusyWait = 10 * time.Second
	// catalogCheckEvery is the least time between two looks at the
	// catalog's stamp.
	catalogCheckEvery = time.Second
	// reloadWait is how long a request waits for a reload it triggered
	// before it is answered from the previous catalog.
	reloadWait = 2 * time.Second
)

// dbLease shares one read-only handle on the database, restricted for
// queries (store.Restrict), among the server's requests. It opens the
// handle on first use and closes it once it has been unused for idle
// (never when idle < 0), so other processes can write in between.
type dbLease struct {
	path   string
	limits store.QueryLimits
	idle   time.Duration

	mu      sync.Mutex
	eng     *engine.Engine // nil when closed
	users   int
	gen     int           // counts releases, so a stale idle timer does nothing
	opening chan struct{} // closed when an open in progress ends
	closed  bool
}

// errDBBusy says that another process holds the database's write lock.
var errDBBusy = errors.New("the database is busy: another quarry command (rules sync, load, ingest) is writing it; try again when it has finished")

// acquire returns the engine on the shared handle and a release function
// to call when done. A writer in another process makes the open fail;
// with wait the open is retried until ctx ends, else errDBBusy comes back
// at once.
func (l *dbLease) acquire(ctx context.Context, wait bool) (*engine.Engine, func(), error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, nil, errors.New("the server is shutting down")
		}
		if l.eng != nil {
			l.users++
			eng := l.eng
			l.mu.Unlock()
			return eng, l.release, nil
		}
		if ch := l.opening; ch != nil {
			l.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, nil, errDBBusy
			}
		}
		ch := make(chan struct{})
		l.opening = ch
		l.mu.Unlock()

		eng, err := l.open(ctx)
		l.mu.Lock()
		l.opening = nil
		close(ch)
		if err == nil {
			if l.closed {
				l.mu.Unlock()
				eng.Store().Close()
				return nil, nil, errors.New("the server is shutting down")
			}
			l.eng = eng
			l.users++
			l.mu.Unlock()
			return eng, l.release, nil
		}
		l.mu.Unlock()
		if !errors.Is(err, errDBBusy) || !wait {
			return nil, nil, err
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return nil, nil, errDBBusy
		}
	}
}

// open opens the database read-only (":memory:" writable, as there is no
// file to share) and locks it down for queries.
func (l *dbLease) open(ctx context.Context) (*engine.Engine, error) {
	// No waiting in Open: acquire decides whether to wait.
	st, err := store.Open(l.path, store.Options{ReadOnly: l.path != ":memory:", LockWait: -1})
	if err != nil {
		// another process writing; or, within this process (tests), a
		// writable handle on the same file
		if errors.Is(err, store.ErrLocked) || strings.Contains(err.Error(), "different configuration than existing connections") {
			return nil, errDBBusy
		}
		return nil, err
	}
	if err := st.Restrict(ctx, l.limits); err != nil {
		st.Close()
		return nil, err
	}
	eng := engine.New(st)
	eng.Limits = l.limits
	return eng, nil
}

func (l *dbLease) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.users--
	l.gen++
	if l.users > 0 || l.idle < 0 || l.eng == nil {
		return
	}
	gen := l.gen
	time.AfterFunc(l.idle, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.users == 0 && l.gen == gen && l.eng != nil {
			l.eng.Store().Close()
			l.eng = nil
		}
	})
}

// Close closes the handle for good; requests after it fail.
func (l *dbLease) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.eng != nil {
		l.eng.Store().Close()
		l.eng = nil
	}
}

// ensureMeta creates quarry's tables the server reads (the rule catalog,
// and the enrichment cache when a language model is configured) on a
// writable handle, and closes it: a read-only handle cannot create them.
func ensureMeta(ctx context.Context, llm bool) error {
	env, err := rulesOpen(ctx, time.Now().UTC())
	if err != nil {
		return err
	}
	defer env.Close()
	if llm {
		if _, err := enrich.NewStoreCache(ctx, env.st); err != nil {
			return err
		}
	}
	return nil
}

// catalogSnapshot is the rule pages computed from one state of the store,
// and that state's stamp.
type catalogSnapshot struct {
	pages  []*enrich.Page
	stamp  string
	loaded time.Time
}

func (c *catalogSnapshot) runnable() int {
	n := 0
	for _, p := range c.pages {
		if p.Status != nil && p.Status.Runnable {
			n++
		}
	}
	return n
}

// rulePages is the rule catalog as the web pages show it (web.RuleSource):
// each rule checked for runnability and enriched. It is computed at start
// and again whenever the store's stamp changes (the synced rule sources,
// the tables' sizes, the cached enrichments), so that `quarry rules sync`,
// `load` or `ingest` in another terminal show up without a restart. A
// request looks at the stamp at most every checkEvery, in the background:
// it waits for a reload at most reloadWait, and a database held by a
// writer leaves the previous pages in place.
type rulePages struct {
	db         *dbLease
	now        time.Time // pinned now for the runnable check; zero: the current time
	data       *attack.Data
	llmModel   string // the configured model whose cached enrichments are shown; "" for none
	checkEvery time.Duration
	stdout     io.Writer
	stderr     io.Writer

	cur atomic.Pointer[catalogSnapshot]

	mu        sync.Mutex
	lastCheck time.Time
	running   chan struct{} // closed when the check in progress ends
	wg        sync.WaitGroup
}

func (r *rulePages) snapshot() *catalogSnapshot { return r.cur.Load() }

// Rules returns the current pages, after a look at the stamp when the last
// look is older than checkEvery.
func (r *rulePages) Rules(ctx context.Context) ([]*enrich.Page, error) {
	if done := r.refresh(); done != nil {
		t := time.NewTimer(reloadWait)
		select {
		case <-done:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	return r.snapshot().pages, nil
}

// Attack returns the ATT&CK data.
func (r *rulePages) Attack() *attack.Data { return r.data }

// refresh starts a look at the stamp (and a reload when it changed) unless
// one ran within checkEvery; it returns a channel closed when the look in
// progress ends, or nil.
func (r *rulePages) refresh() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running != nil {
		return r.running
	}
	if time.Since(r.lastCheck) < r.checkEvery {
		return nil
	}
	r.lastCheck = time.Now()
	done := make(chan struct{})
	r.running = done
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			r.mu.Lock()
			r.running = nil
			r.lastCheck = time.Now()
			r.mu.Unlock()
			close(done)
		}()
		// the reload does not belong to the request that started it
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		changed, err := r.check(ctx)
		if err != nil {
			if !errors.Is(err, errDBBusy) {
				fmt.Fprintf(r.stderr, "quarry: rule catalog: %v\n", err)
			}
			return
		}
		if changed {
			s := r.snapshot()
			fmt.Fprintf(r.stdout, "quarry: the store changed; reloaded %d rules (%d runnable) in %v\n", len(s.pages), s.runnable(), time.Since(s.loaded).Round(time.Millisecond))
		}
	}()
	return done
}

// wait waits for a check in progress (at shutdown).
func (r *rulePages) wait() { r.wg.Wait() }

// check reloads the pages when the stamp differs from the current
// snapshot's; it does not wait for a writer.
func (r *rulePages) check(ctx context.Context) (bool, error) {
	eng, release, err := r.db.acquire(ctx, false)
	if err != nil {
		return false, err
	}
	defer release()
	stamp, err := storeStamp(ctx, eng.Store(), r.llmModel != "")
	if err != nil {
		return false, err
	}
	if cur := r.snapshot(); cur != nil && cur.stamp == stamp {
		return false, nil
	}
	snap, err := r.build(ctx, eng, stamp)
	if err != nil {
		return false, err
	}
	r.cur.Store(snap)
	return true, nil
}

// load computes the first snapshot, waiting for a writer if need be.
func (r *rulePages) load(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, dbBusyWait)
	defer cancel()
	eng, release, err := r.db.acquire(ctx, true)
	if err != nil {
		return err
	}
	defer release()
	stamp, err := storeStamp(ctx, eng.Store(), r.llmModel != "")
	if err != nil {
		return err
	}
	snap, err := r.build(context.Background(), eng, stamp)
	if err != nil {
		return err
	}
	r.cur.Store(snap)
	r.mu.Lock()
	r.lastCheck = time.Now()
	r.mu.Unlock()
	return nil
}

// build reads the catalog, checks every rule against the store at now
// (zero: the current time) and enriches it: the language model's
// enrichment when one is configured and cached, else the deterministic one.
func (r *rulePages) build(ctx context.Context, eng *engine.Engine, stamp string) (*catalogSnapshot, error) {
	snap := &catalogSnapshot{stamp: stamp, loaded: time.Now()}
	now := r.now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	st := eng.Store()
	rs, err := rules.ReadCatalog(st).Rules(ctx)
	if err != nil {
		return nil, err
	}
	checker := rules.CheckerFunc(func(q string) ([]string, error) {
		p, err := eng.Compile(ctx, q, engine.QueryOptions{Now: now, AllowExternal: engine.AllowPrefixes()})
		if err != nil {
			return nil, err
		}
		return p.Tables, nil
	})
	rc := rules.NewRunnability(st, checker, now)
	det := &enrich.Deterministic{Attack: r.data, Now: now}
	var cache *enrich.StoreCache
	if r.llmModel != "" {
		if cache, err = enrich.ReadStoreCache(ctx, st); err != nil {
			return nil, err
		}
	}
	for _, rule := range rs {
		status, err := rc.Check(ctx, rule)
		if err != nil {
			return nil, err
		}
		var e *enrich.Enrichment
		if cache != nil {
			if e, _, err = cache.Get(ctx, rule.ID, rule.Version, r.llmModel); err != nil {
				return nil, err
			}
		}
		if e == nil {
			if e, err = det.Enrich(ctx, rule); err != nil {
				return nil, err
			}
		}
		snap.pages = append(snap.pages, &enrich.Page{Rule: rule, Status: status, Enrichment: e, Attack: r.data})
	}
	return snap, nil
}

// storeStamp sums up what the rule pages depend on, cheaply (a few
// milliseconds): the synced rule sources (each sync rewrites its source's
// row with the time it read the files), the stored tables with their row
// counts (the runnable check), and the number of cached enrichments.
func storeStamp(ctx context.Context, st *store.Store, llm bool) (string, error) {
	var b strings.Builder
	scan := func(q string) error {
		rows, err := st.DB.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			fmt.Fprintln(&b, vals...)
		}
		return rows.Err()
	}
	if ok, err := rules.HasMetaTable(ctx, st, "rule_sources"); err != nil {
		return "", err
	} else if ok {
		if err := scan("SELECT source, commit_id, retrieved_at, files, rules, warnings FROM " + rules.MetaSchema + ".rule_sources ORDER BY source"); err != nil {
			return "", fmt.Errorf("rule catalog: %w", err)
		}
	}
	b.WriteString("--\n")
	if err := scan("SELECT table_name, estimated_size, column_count FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"); err != nil {
		return "", err
	}
	if llm {
		if ok, err := rules.HasMetaTable(ctx, st, "enrichments"); err != nil {
			return "", err
		} else if ok {
			if err := scan("SELECT count(*) FROM " + rules.MetaSchema + ".enrichments"); err != nil {
				return "", err
			}
		}
	}
	return b.String(), nil
}
