package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/chart"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/store"
)

// EnvNow is the environment variable that pins now() like --now.
const EnvNow = "QUARRY_NOW"

// queryFlags are the flags shared by query and explain.
type queryFlags struct {
	format        string
	now           string
	allowExternal string
	chart         string
	maxRows       int
	timeout       time.Duration
	memoryLimit   string
	geoip         string
}

func (f *queryFlags) register(c *cobra.Command, full bool) {
	c.Flags().StringVar(&f.now, "now", "", "pin now() (and ago()) to this UTC time, e.g. 2026-11-01T00:00:00Z (default $"+EnvNow+" or the current time)")
	c.Flags().StringVar(&f.allowExternal, "allow-external", "", "let externaldata read URLs and files: all of them, or only those under the given comma-separated prefixes or directories")
	c.Flags().Lookup("allow-external").NoOptDefVal = "*"
	geoIPFlag(c, &f.geoip)
	if !full {
		return
	}
	c.Flags().StringVar(&f.format, "format", "table", "output format: table, csv, json or jsonl")
	c.Flags().StringVar(&f.chart, "chart", "", "also draw the result as a chart into this .svg or .png file (the query's render operator, or a default chart)")
	c.Flags().IntVar(&f.maxRows, "max-rows", 0, "stop after this many rows (0: no limit)")
	c.Flags().DurationVar(&f.timeout, "timeout", 0, "cancel the query after this long, e.g. 30s (0: no limit)")
	c.Flags().StringVar(&f.memoryLimit, "memory-limit", "", "cap DuckDB's memory for the query, e.g. 2GB")
}

// options turns the flags into engine options.
func (f *queryFlags) options() (engine.QueryOptions, error) {
	var opt engine.QueryOptions
	if err := useGeoIP(f.geoip); err != nil {
		return opt, err
	}
	now := f.now
	if now == "" {
		now = os.Getenv(EnvNow)
	}
	if now != "" {
		t, err := store.ParseDateTime(now)
		if err != nil {
			return opt, fmt.Errorf("--now / %s: %v", EnvNow, err)
		}
		opt.Now = t
	}
	switch f.allowExternal {
	case "":
	case "*":
		opt.AllowExternal = engine.AllowPrefixes()
	default:
		var pre []string
		for _, p := range strings.Split(f.allowExternal, ",") {
			if p = strings.TrimSpace(p); p != "" {
				pre = append(pre, p)
			}
		}
		opt.AllowExternal = engine.AllowPrefixes(pre...)
	}
	opt.MaxRows = f.maxRows
	opt.Timeout = f.timeout
	return opt, nil
}

// geoIPFlag adds --geoip to c.
func geoIPFlag(c *cobra.Command, p *string) {
	c.Flags().StringVar(p, "geoip", "", "MaxMind-format GeoIP database (.mmdb, GeoLite2-City or DB-IP City Lite) for geo_info_from_ip_address() (default $"+store.EnvGeoIP+")")
}

// useGeoIP makes a --geoip file the database every store this process
// opens reads (the query's, and the rule catalog's for its runnable
// check), by overriding QUARRY_GEOIP_DB, which store.Open reads. The file
// must exist; its format is checked when the store opens it.
func useGeoIP(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("--geoip: %w", err)
	}
	return os.Setenv(store.EnvGeoIP, path)
}

// queryText returns the query from the argument, or stdin for "-" or no
// argument.
func queryText(args []string, stdin io.Reader) (string, error) {
	if len(args) > 1 {
		return "", errors.New("give the query as one argument (quote it), or - to read it from stdin")
	}
	if len(args) == 1 && args[0] != "-" {
		return args[0], nil
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", errors.New("empty query")
	}
	return string(b), nil
}

// openReadOnly opens the database for commands that only read it: the
// file read-only (so several can run at once), or an empty in-memory
// database when the file does not exist yet (the built-in tables then read
// as empty), rather than creating it.
func openReadOnly() (*store.Store, error) {
	path := databasePath()
	if _, err := os.Stat(path); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return store.Open(":memory:", store.Options{})
	}
	return store.Open(path, store.Options{ReadOnly: true})
}

func openForQuery(memoryLimit string) (*engine.Engine, func(), error) {
	st, err := openReadOnly()
	if err != nil {
		return nil, nil, err
	}
	e := engine.New(st)
	e.Limits.MemoryLimit = memoryLimit
	return e, func() { st.Close() }, nil
}

func init() {
	var qf queryFlags
	query := &cobra.Command{
		Use:   "query [QUERY | -]",
		Short: "Run a KQL query on the store and print the result",
		Long: `Run a KQL query on the store and print its result.

The query is the argument, or stdin with - (or no argument). Queries run with
DuckDB's file and network access switched off; externaldata works only with
--allow-external. CSV output follows Kusto's text for each type: datetimes in
ISO 8601 UTC with Z, timespans as [-][d.]hh:mm:ss[.fffffff], dynamic as
compact JSON, null as an empty field.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := chartFormat(qf.chart); err != nil {
				return err
			}
			switch qf.format {
			case "table", "csv", "json", "jsonl":
			default:
				return fmt.Errorf("--format %q: want table, csv, json or jsonl", qf.format)
			}
			src, err := queryText(args, cmd.InOrStdin())
			if err != nil {
				return err
			}
			opt, err := qf.options()
			if err != nil {
				return err
			}
			e, closeStore, err := openForQuery(qf.memoryLimit)
			if err != nil {
				return err
			}
			defer closeStore()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			res, err := e.Query(ctx, src, opt)
			if err != nil {
				return err
			}
			if err := engine.Write(cmd.OutOrStdout(), qf.format, res); err != nil {
				return err
			}
			if res.Truncated && qf.format != "table" {
				fmt.Fprintf(cmd.ErrOrStderr(), "quarry: result truncated at %d rows (--max-rows)\n", len(res.Rows))
			}
			if qf.chart != "" {
				return writeChart(qf.chart, res)
			}
			return nil
		},
	}
	qf.register(query, true)

	var ef queryFlags
	explain := &cobra.Command{
		Use:   "explain [QUERY | -]",
		Short: "Print the SQL a KQL query compiles to",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := queryText(args, cmd.InOrStdin())
			if err != nil {
				return err
			}
			opt, err := ef.options()
			if err != nil {
				return err
			}
			if opt.AllowExternal == nil {
				// Explaining reads nothing: show the SQL of externaldata
				// queries too.
				opt.AllowExternal = engine.AllowPrefixes()
			}
			e, closeStore, err := openForQuery("")
			if err != nil {
				return err
			}
			defer closeStore()
			sql, err := e.Explain(src, opt)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), sql)
			return nil
		},
	}
	ef.register(explain, false)

	tables := &cobra.Command{
		Use:   "tables",
		Short: "List the tables queries can use, with their schemas",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openReadOnly()
			if err != nil {
				return err
			}
			defer st.Close()
			return listTables(cmd.Context(), cmd.OutOrStdout(), st)
		},
	}

	var table, memLimit string
	load := &cobra.Command{
		Use:   "load --table T FILE...",
		Short: "Load JSON Lines (optionally gzip), CSV with a header, or Parquet files into a table",
		Long: `Load JSON Lines (.jsonl, .ndjson, .json, optionally .gz; a .json file may
also hold one JSON array of objects), CSV with a header
row (.csv, optionally .gz) or Parquet (.parquet) files into table T.

A table that exists keeps its schema. A new table takes its built-in schema
when it is one of the Defender XDR email tables (EmailEvents, ...), and
otherwise a schema inferred from the first file. Columns are matched by name.
Rows whose values do not fit the schema are rejected and reported with
file:line; the other rows are loaded. The exit status is 2 when rows were
rejected.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if table == "" {
				return errors.New("load needs --table")
			}
			st, err := store.Open(databasePath(), store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			stderr := cmd.ErrOrStderr()
			tty := isTerminal(os.Stderr)
			start := time.Now()
			stats, err := st.Load(ctx, table, files, store.LoadOptions{
				MemoryLimit: memLimit,
				Progress: func(file string, rows int64) {
					if tty {
						fmt.Fprintf(stderr, "\r\033[Kloading %s: %d rows", file, rows)
					}
				},
			})
			if tty {
				fmt.Fprint(stderr, "\r\033[K")
			}
			if stats != nil {
				for _, e := range stats.Errors {
					fmt.Fprintln(stderr, e)
				}
			}
			if err != nil {
				return err
			}
			how := ""
			switch {
			case stats.Inferred:
				how = " (new table, schema inferred)"
			case stats.Created:
				how = " (new table, built-in schema)"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "loaded %d rows into %s%s in %.1fs\n", stats.Rows, table, how, time.Since(start).Seconds())
			if stats.Rejected > 0 {
				fmt.Fprintf(stderr, "quarry: %d rows rejected", stats.Rejected)
				if int64(len(stats.Errors)) < stats.Rejected {
					fmt.Fprintf(stderr, " (the first %d are listed above)", len(stats.Errors))
				}
				fmt.Fprintln(stderr)
				return exitError{code: 2}
			}
			return nil
		},
	}
	load.Flags().StringVar(&table, "table", "", "table to load into (required)")
	load.Flags().StringVar(&memLimit, "memory-limit", "3GB", "cap DuckDB's memory while loading")

	root.AddCommand(query, explain, tables, load)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func chartFormat(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	return chart.FormatFromPath(path)
}

func writeChart(path string, res *engine.Result) error {
	format, err := chartFormat(path)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = chart.Render(f, format, res.Columns, res.Rows, (*chart.Spec)(res.Render))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("--chart %s: %w", path, err)
	}
	return nil
}

// listTables prints every table a query can name, stored or built-in,
// with its columns and KQL types.
func listTables(ctx context.Context, w io.Writer, st *store.Store) error {
	cat, err := st.Catalog(ctx)
	if err != nil {
		return err
	}
	for i, t := range cat.Tables() {
		if i > 0 {
			fmt.Fprintln(w)
		}
		what := "built-in schema, no rows stored"
		if cat.Stored(t.Name) {
			var n int64
			if err := st.DB.QueryRowContext(ctx, "SELECT count(*) FROM main."+store.QuoteIdent(t.Name)).Scan(&n); err != nil {
				return err
			}
			what = fmt.Sprintf("%d rows", n)
		}
		fmt.Fprintf(w, "%s (%s)", t.Name, what)
		if t.Doc != "" {
			fmt.Fprintf(w, ": %s", t.Doc)
		}
		fmt.Fprintln(w)
		width := 0
		for _, c := range t.Columns {
			width = max(width, len(c.Name))
		}
		for _, c := range t.Columns {
			fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name, c.Type)
		}
	}
	return nil
}
