package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/quarry-kql/quarry/demo"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/store"
	"github.com/quarry-kql/quarry/termchart"
)

// demoFlags are the flags of `quarry demo`.
type demoFlags struct {
	rows       int
	days       int
	seed       uint64
	now        string
	show       int
	width      int
	ascii      bool
	replace    bool
	regenerate bool
	eventsOnly bool
}

func init() {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate demo email data, load it and run the Mailflow by directionality hunt",
		Long: `Generate a month of realistic Defender for Office 365 email telemetry for a
fictitious organisation (EmailEvents, EmailAttachmentInfo, EmailUrlInfo,
EmailPostDeliveryEvents, UrlClickEvents: a few thousand users, several
accepted domains, external domains with Zipf popularity, daily and weekly
rhythm, spam, phishing and malware campaigns with zapped messages and
clicks), load it into the database, run the "Mailflow by directionality"
hunt (examples/mailflow-by-directionality.kql) and show the result as a
table and a chart of daily volume per direction.

The data is deterministic: the same --seed, --rows, --days and --now give
the same rows. The window ends at --now (default $QUARRY_NOW, else the
current hour).

Re-running never doubles the data. The demo replaces its own tables: it
drops and recreates the five tables above and records what it wrote in
quarry_meta.demo. When that record matches the requested data set, the data
is reused as it is (--regenerate rebuilds it). If those tables hold rows the
demo did not write (your own data, loaded with quarry load or quarry ingest),
the demo refuses to touch them unless --replace is given; use --db to run the
demo in another database instead.`,
		Example: `  quarry demo
  quarry demo --rows 1000000 --db /tmp/demo.duckdb
  quarry demo --now 2026-11-01T00:00:00Z --ascii`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.rows, "rows", demo.DefaultRows, "number of EmailEvents rows to generate")
	fl.IntVar(&f.days, "days", demo.DefaultDays, "days of mail before --now")
	fl.Uint64Var(&f.seed, "seed", demo.DefaultSeed, "random seed of the data set")
	fl.StringVar(&f.now, "now", "", "end of the data window and now() of the hunt, e.g. 2026-11-01T00:00:00Z (default $"+EnvNow+" or the current hour)")
	fl.IntVar(&f.show, "show", 20, "result rows to print (0: all)")
	fl.IntVar(&f.width, "width", 0, "chart width in columns (default: the terminal's width, else $COLUMNS, else 80)")
	fl.BoolVar(&f.ascii, "ascii", false, "draw the chart with ASCII characters only")
	fl.BoolVar(&f.replace, "replace", false, "replace EmailEvents and the other demo tables even if they hold data the demo did not write")
	fl.BoolVar(&f.regenerate, "regenerate", false, "generate and load the data again even if the database already holds the same demo data")
	fl.BoolVar(&f.eventsOnly, "events-only", false, "write only EmailEvents (much faster for millions of rows); the other demo tables are dropped")
	root.AddCommand(cmd)
}

func runDemo(cmd *cobra.Command, f demoFlags) error {
	if f.rows <= 0 {
		return fmt.Errorf("--rows %d: want a positive number", f.rows)
	}
	if f.days <= 0 {
		return fmt.Errorf("--days %d: want a positive number", f.days)
	}
	now := time.Now().UTC().Truncate(time.Hour)
	nowText := f.now
	if nowText == "" {
		nowText = os.Getenv(EnvNow)
	}
	if nowText != "" {
		t, err := store.ParseDateTime(nowText)
		if err != nil {
			return fmt.Errorf("--now / %s: %v", EnvNow, err)
		}
		now = t
	}
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()

	path := databasePath()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()

	opt := demo.Options{Seed: f.seed, Rows: f.rows, Days: f.days, Now: now}
	if err := ensureDemoData(ctx, st, opt, f, out, errw); err != nil {
		return err
	}

	start := time.Now()
	spin := startProgress(errw, -1, "running the hunt")
	res, fallback, err := runMailflowHunt(ctx, st, now)
	spin.finish()
	if err != nil {
		return fmt.Errorf("the Mailflow by directionality hunt: %w", err)
	}
	took := time.Since(start)

	fmt.Fprintf(out, "\nMailflow by directionality (examples/mailflow-by-directionality.kql), now = %s:\n\n",
		engine.FormatValue(types.DateTime, now))
	for _, line := range strings.Split(strings.TrimSpace(demo.MailflowHunt), "\n") {
		fmt.Fprintf(out, "    %s\n", line)
	}
	fmt.Fprintln(out)
	shown := res
	if f.show > 0 && len(res.Rows) > f.show {
		shown = &engine.Result{Columns: res.Columns, Rows: res.Rows[:f.show], Render: res.Render, Truncated: true}
	}
	if err := engine.WriteTable(out, shown); err != nil {
		return err
	}
	how := "quarry"
	if fallback {
		how = "hand-written SQL"
	}
	fmt.Fprintf(out, "%s rows in %s (%s)", termchart.Thousands(int64(len(res.Rows))), took.Round(time.Millisecond), how)
	if shown != res {
		fmt.Fprintf(out, "; the first %d shown (--show 0 for all)", f.show)
	}
	fmt.Fprintln(out)

	daily, err := demo.DailyVolume(res.Columns, res.Rows)
	if err != nil {
		return err
	}
	if len(daily.Days) > 0 {
		fmt.Fprintln(out)
		if err := writeDailyChart(out, daily, chartWidth(f.width), f.ascii); err != nil {
			return err
		}
	}
	if camps := demo.Campaigns(opt); len(camps) > 0 {
		fmt.Fprintf(out, "\nPlanted in the data, for you to hunt:\n")
		for _, c := range camps {
			from := "from " + c.Sender
			if c.Sender == "" {
				from = "from many senders"
			}
			fmt.Fprintf(out, "  %-34s %-7s %s, %s to %s UTC, %s rows\n", c.Name, c.Threat, from,
				c.Start.Format("Mon 2006-01-02 15:04"), c.End.Format("15:04"), termchart.Thousands(int64(c.Rows)))
		}
	}
	fmt.Fprintf(out, "\nThe data is in %s. Try:\n", path)
	db := ""
	if dbPath != "" {
		db = " --db " + shellQuote(dbPath)
	}
	fmt.Fprintf(out, "  quarry query%s 'EmailEvents | where ThreatTypes has \"Phish\" | summarize count() by SenderFromDomain | top 5 by count_'\n", db)
	if f.eventsOnly {
		fmt.Fprintf(out, "  quarry query%s 'EmailEvents | summarize count() by DeliveryAction, LatestDeliveryAction'\n", db)
	} else {
		fmt.Fprintf(out, "  quarry query%s 'EmailPostDeliveryEvents | summarize count() by ActionType, bin(Timestamp, 1d)'\n", db)
	}
	fmt.Fprintf(out, "  quarry tables%s\n", db)
	if path != ":memory:" {
		geo := filepath.Join(filepath.Dir(path), demoGeoIPFile)
		if err := demo.WriteGeoIP(geo); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nThe rules that geolocate senders need a GeoIP database. %s holds made-up\nlocations for the demo's addresses (not real geolocation); to use it:\n", geo)
		fmt.Fprintf(out, "  %s=%s quarry rules list%s --runnable\n", store.EnvGeoIP, shellQuote(geo), db)
	}
	return nil
}

// demoGeoIPFile is the demo's GeoIP database, next to the database file.
const demoGeoIPFile = "demo-geoip.mmdb"

// ensureDemoData loads the demo data set unless the store already holds
// exactly that one.
func ensureDemoData(ctx context.Context, st *store.Store, opt demo.Options, f demoFlags, out, errw io.Writer) error {
	m, err := demo.ReadMarker(ctx, st)
	if err != nil {
		return err
	}
	foreign, err := demo.ForeignTables(ctx, st)
	if err != nil {
		return err
	}
	tables := demo.TableNames
	if f.eventsOnly {
		tables = []string{"EmailEvents"}
	}
	if m != nil && !f.regenerate && len(foreign) == 0 && m.Matches(opt, tables) {
		fmt.Fprintf(out, "Reusing the demo data in %s: %s EmailEvents rows, seed %d, %d days up to %s (--regenerate to rebuild).\n",
			st.Path, termchart.Thousands(int64(m.Rows)), m.Seed, m.Days, m.Now.Format(time.RFC3339))
		return nil
	}
	if len(foreign) > 0 && !f.replace {
		return fmt.Errorf("the database %s already holds rows in %s that quarry demo did not write; "+
			"run the demo in another database with --db, or give --replace to drop those tables",
			st.Path, strings.Join(foreign, ", "))
	}
	fmt.Fprintf(out, "Generating %s demo EmailEvents rows (seed %d, %d days up to %s) into %s ...\n",
		termchart.Thousands(int64(opt.Rows)), opt.Seed, opt.Days, opt.Now.Format(time.RFC3339), st.Path)
	bar := startProgress(errw, int64(opt.Rows), "generating and loading")
	opt.Progress = bar.set
	start := time.Now()
	stats, err := demo.Load(ctx, st, opt, tables)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Loaded %s messages in %s: EmailEvents %s, EmailAttachmentInfo %s, EmailUrlInfo %s, EmailPostDeliveryEvents %s, UrlClickEvents %s rows.\n",
		termchart.Thousands(stats.Messages), time.Since(start).Round(100*time.Millisecond),
		termchart.Thousands(stats.EmailEvents), termchart.Thousands(stats.EmailAttachmentInfo), termchart.Thousands(stats.EmailUrlInfo),
		termchart.Thousands(stats.EmailPostDeliveryEvents), termchart.Thousands(stats.UrlClickEvents))
	return nil
}

// runMailflowHunt runs the hunt through quarry's engine. If this build has
// no KQL compiler yet, it runs the hand-written SQL of the same hunt and
// says so (fallback true).
func runMailflowHunt(ctx context.Context, st *store.Store, now time.Time) (res *engine.Result, fallback bool, err error) {
	res, err = engine.New(st).Query(ctx, demo.MailflowHunt, engine.QueryOptions{Now: now})
	if err != nil && strings.Contains(err.Error(), "compiler is not available") {
		cols, rows, herr := demo.QueryHandwritten(ctx, st, now)
		if herr != nil {
			return nil, false, errors.Join(err, herr)
		}
		return &engine.Result{Columns: cols, Rows: rows}, true, nil
	}
	return res, false, err
}

// writeDailyChart draws the daily volume per direction as stacked bars.
func writeDailyChart(w io.Writer, d *demo.Daily, width int, ascii bool) error {
	labels := make([]string, len(d.Days))
	for i, day := range d.Days {
		labels[i] = day.Format("2006-01-02 Mon")
	}
	series := make([]termchart.Series, len(d.Directions))
	for k, dir := range d.Directions {
		vals := make([]float64, len(d.Days))
		for i, n := range d.Totals[k] {
			vals[i] = float64(n)
		}
		name := dir
		if name == "" {
			name = `""`
		}
		series[k] = termchart.Series{Name: name, Values: vals}
	}
	return termchart.StackedBars(w, labels, series, termchart.Options{
		Width: width, ASCII: ascii, Title: "Daily mail volume per direction (EmailEvents, last 30 days)",
	})
}

// chartWidth is the width to draw in: the flag, the terminal's width, the
// COLUMNS variable, or 80.
func chartWidth(flag int) int {
	if flag > 0 {
		return flag
	}
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
		return w
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// progress shows a progress bar (max > 0) or a spinner (max < 0) on w once
// the work has taken more than a second, and only when w is a terminal.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	max     int64
	desc    string
	start   time.Time
	bar     *progressbar.ProgressBar
	last    int64
	enabled bool
	done    chan struct{}
	wg      sync.WaitGroup
}

func startProgress(w io.Writer, max int64, desc string) *progress {
	p := &progress{w: w, max: max, desc: desc, start: time.Now(), done: make(chan struct{})}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.enabled = true
	}
	if !p.enabled {
		return p
	}
	// A ticker keeps the bar (or spinner) moving and brings it up after a
	// second even when no progress is reported.
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.mu.Lock()
				p.render()
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// set reports progress: n of max done.
func (p *progress) set(n int64) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	p.last = n
	if p.max > 0 && n >= p.max && p.desc != "writing to disk" {
		// All rows are generated; DuckDB now compresses and commits them.
		p.desc = "writing to disk"
		if p.bar != nil {
			p.bar.Describe(p.desc)
		}
	}
	p.render()
	p.mu.Unlock()
}

// render draws the bar; the caller holds p.mu.
func (p *progress) render() {
	if p.bar == nil {
		if time.Since(p.start) < time.Second {
			return
		}
		p.bar = progressbar.NewOptions64(p.max,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.desc),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(p.max > 0),
		)
	}
	if p.max > 0 {
		p.bar.Set64(p.last)
	} else {
		p.bar.Add(1)
	}
}

// finish removes the bar.
func (p *progress) finish() {
	if !p.enabled {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
		fmt.Fprint(p.w, "\r\033[K")
	}
}
