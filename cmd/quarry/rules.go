package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/engine"
	"github.com/quarry-kql/quarry/enrich"
	"github.com/quarry-kql/quarry/rules"
	"github.com/quarry-kql/quarry/store"
)

// rulesAttackCache is where `quarry attack update` keeps the ATT&CK
// snapshot: next to the database, so --db / QUARRY_DB select it too.
func rulesAttackCache() string {
	p := databasePath()
	if p == ":memory:" || p == "" {
		p = store.DefaultPath()
	}
	return filepath.Join(filepath.Dir(p), "attack-enterprise.json.gz")
}

// rulesAttack loads the ATT&CK data and warns on stderr when it is the
// fixture-sized snapshot.
func rulesAttack(stderr io.Writer) (*attack.Data, error) {
	d, err := attack.Default(rulesAttackCache())
	if err != nil {
		return nil, err
	}
	if n := d.Notice(); n != "" {
		fmt.Fprintln(stderr, "quarry: note:", n)
	}
	return d, nil
}

// rulesEnv is an open store with its rule catalog and runnable checker.
type rulesEnv struct {
	st      *store.Store
	eng     *engine.Engine
	catalog *rules.Catalog
	check   *rules.Runnability
}

func rulesOpen(ctx context.Context, now time.Time) (*rulesEnv, error) {
	st, err := store.Open(databasePath(), store.Options{})
	if err != nil {
		return nil, err
	}
	cat, err := rules.OpenCatalog(ctx, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	eng := engine.New(st)
	checker := rules.CheckerFunc(func(q string) ([]string, error) {
		p, err := eng.Compile(ctx, q, engine.QueryOptions{Now: now, AllowExternal: engine.AllowPrefixes()})
		if err != nil {
			return nil, err
		}
		return p.Tables, nil
	})
	return &rulesEnv{st: st, eng: eng, catalog: cat, check: rules.NewRunnability(st, checker, now)}, nil
}

func (e *rulesEnv) Close() { e.st.Close() }

// statuses checks every rule.
func (e *rulesEnv) statuses(ctx context.Context, rs []*rules.Rule) ([]*rules.Status, error) {
	out := make([]*rules.Status, len(rs))
	for i, r := range rs {
		s, err := e.check.Check(ctx, r)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// rulesNow reads --now or QUARRY_NOW; zero means the current time.
func rulesNow(flag string) (time.Time, error) {
	if flag == "" {
		flag = os.Getenv(EnvNow)
	}
	if flag == "" {
		return time.Now().UTC(), nil
	}
	t, err := store.ParseDateTime(flag)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now / %s: %v", EnvNow, err)
	}
	return t.UTC(), nil
}

// rulesOpenAll opens the catalog with now taken from nowFlag (see
// rulesNow) and reads every rule in it.
func rulesOpenAll(ctx context.Context, nowFlag string) (*rulesEnv, []*rules.Rule, error) {
	now, err := rulesNow(nowFlag)
	if err != nil {
		return nil, nil, err
	}
	env, err := rulesOpen(ctx, now)
	if err != nil {
		return nil, nil, err
	}
	rs, err := env.catalog.Rules(ctx)
	if err != nil {
		env.Close()
		return nil, nil, err
	}
	return env, rs, nil
}

func rulesFind(ctx context.Context, env *rulesEnv, ref string) (*rules.Rule, error) {
	rs, err := env.catalog.Rules(ctx)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errors.New("the rule catalog is empty: run `quarry rules sync DIR|URL` first")
	}
	return rules.Find(rs, ref)
}

func init() {
	rulesCmd := &cobra.Command{
		Use:   "rules",
		Short: "The rule feed: sync, list and show Sentinel and Defender hunting rules",
	}

	var (
		syncPaths  []string
		syncRef    string
		syncKeep   string
		syncStrict bool
		syncQuiet  bool
	)
	syncCmd := &cobra.Command{
		Use:   "sync SOURCE",
		Short: "Load rules from a directory or a git URL into the catalog",
		Long: `Load Sentinel rule YAML (hunting queries and analytic rules) and Defender
hunting-query Markdown from SOURCE into the rule catalog of the store.

SOURCE is a local directory (for example a clone of Azure-Sentinel, or one of
its folders) or a git URL. A URL is cloned with the git binary, shallowly and
with a sparse checkout of only the rule folders (--path, by default
"Hunting Queries", "Detections" and the Hunting Queries / Analytic Rules
folders of each solution). Each rule records its repository, path, commit and
retrieved-at time. Syncing a source again replaces its rules.

Files that are not valid rules (invalid YAML, no query) are reported with
file:line and skipped; the others are loaded. Sloppy but readable files load
with warnings. With --strict the exit status is 1 when a file had an error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			res, name, err := rules.Sync(ctx, args[0], rules.SyncOptions{Folders: syncPaths, Ref: syncRef, KeepDir: syncKeep})
			if err != nil {
				return err
			}
			st, err := store.Open(databasePath(), store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			cat, err := rules.OpenCatalog(ctx, st)
			if err != nil {
				return err
			}
			if err := cat.Replace(ctx, name, res); err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			for _, d := range res.Errors {
				fmt.Fprintln(stderr, d)
			}
			if !syncQuiet {
				for _, d := range res.Warnings {
					fmt.Fprintln(stderr, d)
				}
			}
			// The commit, when every rule was read at the same one.
			commit := ""
			for i, r := range res.Rules {
				if i == 0 {
					commit = r.Source.Commit
				} else if r.Source.Commit != commit {
					commit = ""
					break
				}
			}
			if commit != "" {
				commit = " at " + commit
			}
			fmt.Fprintf(cmd.OutOrStdout(), "synced %d rules from %s%s: %d files, %d not rules, %d warnings, %d errors\n",
				len(res.Rules), name, commit, res.Files, res.Skipped, len(res.Warnings), len(res.Errors))
			if syncStrict && len(res.Errors) > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	syncCmd.Flags().StringArrayVar(&syncPaths, "path", nil, "folder of the repository to check out (repeatable; git URLs only)")
	syncCmd.Flags().StringVar(&syncRef, "ref", "", "branch or tag to clone (git URLs only; default: the remote's default branch)")
	syncCmd.Flags().StringVar(&syncKeep, "keep", "", "clone into this new directory and keep it (git URLs only)")
	syncCmd.Flags().BoolVar(&syncStrict, "strict", false, "exit with status 1 when a file could not be loaded")
	syncCmd.Flags().BoolVarP(&syncQuiet, "quiet", "q", false, "do not print warnings (errors are always printed)")

	var (
		lf       rules.Filter
		lRun     string
		lNow     string
		lFormat  string
		lNoCheck bool
		lReasons bool
	)
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List the rules of the catalog, with filters",
		Long: `List the rules of the catalog with the tables they read, their ATT&CK
techniques and whether they can run on this store (the query compiles, its
tables exist and hold rows in the rule's window ending at --now).

--table matches the tables of the bound query; --technique T1566 also matches
its sub-techniques; --tactic accepts any spelling (InitialAccess, "initial
access"); --text searches id, name, descriptions and query.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch lRun {
			case "", "true", "false", "yes", "no":
			default:
				return fmt.Errorf("--runnable %q: want true or false", lRun)
			}
			if lRun != "" {
				v := lRun == "true" || lRun == "yes"
				lf.Runnable = &v
			}
			switch lFormat {
			case "table", "json", "csv":
			default:
				return fmt.Errorf("--format %q: want table, json or csv", lFormat)
			}
			ctx := cmd.Context()
			env, rs, err := rulesOpenAll(ctx, lNow)
			if err != nil {
				return err
			}
			defer env.Close()
			var sts []*rules.Status
			if !lNoCheck || lf.Runnable != nil || lf.Table != "" {
				if sts, err = env.statuses(ctx, rs); err != nil {
					return err
				}
			}
			var keep []*rules.Rule
			var keepSt []*rules.Status
			for i, r := range rs {
				var s *rules.Status
				if sts != nil {
					s = sts[i]
				}
				if lf.Match(r, s) {
					keep = append(keep, r)
					keepSt = append(keepSt, s)
				}
			}
			return rulesWriteList(cmd.OutOrStdout(), lFormat, keep, keepSt, lReasons)
		},
	}
	listCmd.Flags().StringVar(&lf.Table, "table", "", "only rules reading this table")
	listCmd.Flags().StringVar(&lf.Tactic, "tactic", "", "only rules claiming this tactic")
	listCmd.Flags().StringVar(&lf.Technique, "technique", "", "only rules claiming this technique (or one of its sub-techniques)")
	listCmd.Flags().StringVar(&lf.Severity, "severity", "", "only rules of this severity")
	listCmd.Flags().StringVar(&lf.Source, "source", "", "only rules whose source repository or directory contains this text")
	listCmd.Flags().StringVar(&lf.Text, "text", "", "only rules whose id, name, description or query contains this text")
	listCmd.Flags().StringVar(&lRun, "runnable", "", "only runnable rules (--runnable) or only the others (--runnable=false)")
	listCmd.Flags().Lookup("runnable").NoOptDefVal = "true"
	listCmd.Flags().StringVar(&lNow, "now", "", "end of the rules' windows for the data check (default $"+EnvNow+" or the current time)")
	listCmd.Flags().StringVar(&lFormat, "format", "table", "output format: table, json or csv")
	listCmd.Flags().BoolVarP(&lReasons, "reasons", "r", false, "table: print under each rule that cannot run the reasons why")
	listCmd.Flags().BoolVar(&lNoCheck, "no-check", false, "do not check whether rules can run (faster; RUNNABLE is left empty)")

	var (
		sNow  string
		sLLM  bool
		sJSON bool
	)
	showCmd := &cobra.Command{
		Use:   "show ID|NAME",
		Short: "Show a rule's page: hypothesis, query, definition, data sources, ATT&CK, references, false positives",
		Long: `Show the page of a rule, named by its id, an id prefix or its name (a
unique part of it is enough): badges, retrieved time, runnable status, Hunt
Hypothesis, KQL query, Analytic Rule Definition, Required Data Sources, MITRE
ATT&CK context, References, False Positive Guidance and the link to the
original file.

The Hunt Hypothesis and False Positive Guidance are generated from the rule
and the ATT&CK data. With --llm they are written by an OpenAI-compatible chat
API instead, configured by ` + enrich.EnvEndpoint + `, ` + enrich.EnvModel + ` and ` + enrich.EnvAPIKey + `,
cached in the store per rule id, version and model, and marked "` + enrich.AINotice + `".`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			now, err := rulesNow(sNow)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			env, err := rulesOpen(ctx, now)
			if err != nil {
				return err
			}
			defer env.Close()
			r, err := rulesFind(ctx, env, args[0])
			if err != nil {
				return err
			}
			data, err := rulesAttack(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			status, err := env.check.Check(ctx, r)
			if err != nil {
				return err
			}
			var enricher enrich.Enricher = &enrich.Deterministic{Attack: data}
			if sLLM {
				cache, err := enrich.NewStoreCache(ctx, env.st)
				if err != nil {
					return err
				}
				cfg, err := llmConfig()
				if err != nil {
					return err
				}
				llm, err := enrich.NewLLM(cfg, data, cache)
				if err != nil {
					return err
				}
				enricher = llm
			}
			e, err := enricher.Enrich(ctx, r)
			if err != nil {
				return err
			}
			page := &enrich.Page{Rule: r, Status: status, Enrichment: e, Attack: data}
			if sJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{
					"rule": r, "status": status, "enrichment": e, "badges": page.Badges(),
					"references": enrich.References(r, data),
				})
			}
			return page.WriteText(cmd.OutOrStdout())
		},
	}
	showCmd.Flags().StringVar(&sNow, "now", "", "end of the rule's window for the data check (default $"+EnvNow+" or the current time)")
	showCmd.Flags().BoolVar(&sLLM, "llm", false, "enrich with the configured LLM instead of the deterministic enricher")
	showCmd.Flags().BoolVar(&sJSON, "json", false, "print the page's data as JSON")

	rulesCmd.AddCommand(syncCmd, listCmd, showCmd)

	var rf queryFlags
	runCmd := &cobra.Command{
		Use:   "run ID|NAME",
		Short: "Run a rule's query on the store",
		Long: `Run the query of a rule from the catalog (named by id, id prefix or name) on
the store and print the result, with the output options of quarry query.
If the rule cannot run on this store, the reasons are printed on stderr
first; the query runs anyway.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := chartFormat(rf.chart); err != nil {
				return err
			}
			switch rf.format {
			case "table", "csv", "json", "jsonl":
			default:
				return fmt.Errorf("--format %q: want table, csv, json or jsonl", rf.format)
			}
			opt, err := rf.options()
			if err != nil {
				return err
			}
			now := opt.Now
			if now.IsZero() {
				now = time.Now().UTC()
				opt.Now = now
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			env, err := rulesOpen(ctx, now)
			if err != nil {
				return err
			}
			defer env.Close()
			env.eng.Limits.MemoryLimit = rf.memoryLimit
			r, err := rulesFind(ctx, env, args[0])
			if err != nil {
				return err
			}
			status, err := env.check.Check(ctx, r)
			if err != nil {
				return err
			}
			if !status.Compiles {
				return fmt.Errorf("rule %q does not compile: %s", r.Name, status.CompileError)
			}
			for _, reason := range status.Reasons {
				fmt.Fprintf(cmd.ErrOrStderr(), "quarry: warning: %s\n", reason)
			}
			res, err := env.eng.Query(ctx, r.Query, opt)
			if err != nil {
				return fmt.Errorf("rule %q: %w", r.Name, err)
			}
			if err := engine.Write(cmd.OutOrStdout(), rf.format, res); err != nil {
				return err
			}
			if res.Truncated && rf.format != "table" {
				fmt.Fprintf(cmd.ErrOrStderr(), "quarry: result truncated at %d rows (--max-rows)\n", len(res.Rows))
			}
			if rf.chart != "" {
				return writeChart(rf.chart, res)
			}
			return nil
		},
	}
	rf.register(runCmd, true)

	var (
		cFormat string
		cAll    bool
		cWidth  int
		cOut    string
		cNow    string
		cName   string
	)
	coverageCmd := &cobra.Command{
		Use:   "coverage",
		Short: "ATT&CK Enterprise coverage of the rule catalog (matrix, Navigator layer, JSON, CSV)",
		Long: `Show the MITRE ATT&CK Enterprise matrix of the rule catalog: tactics as
columns, techniques as cells, each with "runnable/claiming" rule counts.

--format navigator writes an ATT&CK Navigator layer (format 4.5) where the
score of a technique is the number of runnable rules claiming it and the
comment lists the rules; json and csv give the same data for scripts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch cFormat {
			case "matrix", "navigator", "json", "csv":
			default:
				return fmt.Errorf("--format %q: want matrix, navigator, json or csv", cFormat)
			}
			ctx := cmd.Context()
			env, rs, err := rulesOpenAll(ctx, cNow)
			if err != nil {
				return err
			}
			defer env.Close()
			sts, err := env.statuses(ctx, rs)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			var data *attack.Data
			if cFormat == "matrix" {
				data, err = attack.Default(rulesAttackCache()) // the matrix prints the notice itself
			} else {
				data, err = rulesAttack(stderr)
			}
			if err != nil {
				return err
			}
			refs := make([]attack.RuleRef, len(rs))
			for i, r := range rs {
				refs[i] = attack.RuleRef{ID: r.ID, Name: r.Name, Techniques: r.Techniques, Tactics: r.Tactics, Runnable: sts[i].Runnable}
			}
			cov := attack.Compute(data, refs)
			w := cmd.OutOrStdout()
			var outFile *os.File
			if cOut != "" {
				if outFile, err = os.Create(cOut); err != nil {
					return err
				}
				defer outFile.Close()
				w = outFile
			}
			switch cFormat {
			case "navigator":
				err = cov.WriteNavigator(w, cName)
			case "json":
				err = cov.WriteJSON(w)
			case "csv":
				err = cov.WriteCSV(w)
			default:
				err = cov.WriteMatrix(w, cAll, cWidth)
			}
			if err != nil {
				return err
			}
			if outFile != nil {
				return outFile.Close()
			}
			return nil
		},
	}
	coverageCmd.Flags().StringVar(&cFormat, "format", "matrix", "output: matrix, navigator (ATT&CK Navigator layer 4.5), json or csv")
	coverageCmd.Flags().BoolVar(&cAll, "all", false, "matrix: show every tactic, also those no rule covers")
	coverageCmd.Flags().IntVar(&cWidth, "width", 28, "matrix: width of a column")
	coverageCmd.Flags().StringVarP(&cOut, "output", "o", "", "write to this file instead of stdout")
	coverageCmd.Flags().StringVar(&cNow, "now", "", "end of the rules' windows for the runnable check (default $"+EnvNow+" or the current time)")
	coverageCmd.Flags().StringVar(&cName, "name", "quarry rule coverage", "navigator: the layer's name")

	attackCmd := &cobra.Command{
		Use:   "attack",
		Short: "MITRE ATT&CK Enterprise data: update, compact, info",
	}
	var (
		uURL  string
		uOut  string
		uKeep string
	)
	updateCmd := &cobra.Command{
		Use:   "update",
		Short: "Download enterprise-attack.json from MITRE and store its compact snapshot next to the database",
		Long: `Download MITRE's Enterprise ATT&CK STIX bundle (enterprise-attack.json, from
the mitre-attack/attack-stix-data repository), compact it (tactics, techniques,
sub-technique parents, names, first paragraph of descriptions, URLs) and store
it next to the database, where every command finds it before the snapshot
built into quarry.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := uOut
			if out == "" {
				out = rulesAttackCache()
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			d, err := attack.Update(ctx, nil, uURL, out, uKeep)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ATT&CK %s: %d tactics, %d techniques and sub-techniques written to %s\n",
				firstNonEmptyStr(d.Version, "?"), len(d.Tactics), len(d.Techniques), out)
			if n := d.Notice(); n != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "quarry: note:", n)
			}
			return nil
		},
	}
	updateCmd.Flags().StringVar(&uURL, "url", attack.EnterpriseURL, "where to download the STIX bundle from")
	updateCmd.Flags().StringVarP(&uOut, "output", "o", "", "snapshot file to write (default: attack-enterprise.json.gz next to the database)")
	updateCmd.Flags().StringVar(&uKeep, "keep-json", "", "also keep the downloaded enterprise-attack.json at this path")

	var cpOut, cpVersion string
	compactCmd := &cobra.Command{
		Use:   "compact enterprise-attack.json|DIR",
		Short: "Write the compact snapshot of a STIX bundle (how attack/enterprise.json.gz is built)",
		Long: `Write the compact ATT&CK snapshot (gzipped JSON) of a STIX bundle to stdout or
-o FILE. The input is MITRE's enterprise-attack.json (attack-stix-data) or the
enterprise-attack directory of a mitre/cti checkout, one STIX file per object.
The snapshot built into quarry is made this way (see attack/README.md):

    quarry attack compact --version 18.1 -o attack/enterprise.json.gz cti/enterprise-attack`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cpOut
			if out == "" {
				out = "-"
			}
			return attack.CompactFile(args[0], out, cpVersion)
		},
	}
	compactCmd.Flags().StringVarP(&cpOut, "output", "o", "", "write to this file instead of stdout")
	compactCmd.Flags().StringVar(&cpVersion, "version", "", "ATT&CK release to record when the input names none (a mitre/cti tree does not)")

	infoCmd := &cobra.Command{
		Use:   "info",
		Short: "Say which ATT&CK data quarry uses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := attack.Default(rulesAttackCache())
			if err != nil {
				return err
			}
			subs := 0
			for _, t := range d.Techniques {
				if t.SubTechnique() {
					subs++
				}
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "source:     %s (%s)\n", d.Origin, firstNonEmptyStr(d.Source, "?"))
			fmt.Fprintf(w, "version:    %s (modified %s)\n", firstNonEmptyStr(d.Version, "?"), firstNonEmptyStr(d.Modified, "?"))
			fmt.Fprintf(w, "tactics:    %d\n", len(d.Tactics))
			fmt.Fprintf(w, "techniques: %d (%d sub-techniques)\n", len(d.Techniques)-subs, subs)
			if n := d.Notice(); n != "" {
				fmt.Fprintln(w, "note:      ", n)
			}
			return nil
		},
	}
	attackCmd.AddCommand(updateCmd, compactCmd, infoCmd)

	root.AddCommand(rulesCmd, runCmd, coverageCmd, attackCmd)
}

func firstNonEmptyStr(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// rulesWriteList prints rules as a table, JSON or CSV.
func rulesWriteList(w io.Writer, format string, rs []*rules.Rule, sts []*rules.Status, reasons bool) error {
	tables := func(i int) []string {
		if sts[i] != nil {
			return sts[i].Tables
		}
		return rs[i].DeclaredTables()
	}
	runnable := func(i int) string {
		switch {
		case sts[i] == nil:
			return ""
		case sts[i].Runnable:
			return "yes"
		}
		return "no"
	}
	switch format {
	case "json":
		type item struct {
			ID         string        `json:"id"`
			Name       string        `json:"name"`
			Type       string        `json:"type"`
			Severity   string        `json:"severity,omitempty"`
			Tactics    []string      `json:"tactics"`
			Techniques []string      `json:"techniques"`
			Tables     []string      `json:"tables"`
			Source     rules.Source  `json:"source"`
			Status     *rules.Status `json:"status,omitempty"`
		}
		out := []item{}
		for i, r := range rs {
			out = append(out, item{r.ID, r.Name, r.Type(), r.Severity, nonNilStrs(r.Tactics), nonNilStrs(r.Techniques), nonNilStrs(tables(i)), r.Source, sts[i]})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"id", "name", "type", "severity", "tactics", "techniques", "tables", "runnable", "reasons", "source", "path"})
		for i, r := range rs {
			var reasons string
			if sts[i] != nil {
				reasons = strings.Join(sts[i].Reasons, "; ")
			}
			cw.Write([]string{r.ID, r.Name, r.Type(), r.Severity, strings.Join(r.Tactics, " "), strings.Join(r.Techniques, " "),
				strings.Join(tables(i), " "), runnable(i), reasons, r.Source.Repo, r.Source.Path})
		}
		cw.Flush()
		return cw.Error()
	}
	rows := [][]string{{"ID", "NAME", "TABLES", "TECHNIQUES", "RUNNABLE"}}
	runnableCount := 0
	for i, r := range rs {
		id := r.ID
		if len(id) > 8 {
			id = id[:8]
		}
		name := r.Name
		if len([]rune(name)) > 60 {
			name = string([]rune(name)[:59]) + "…"
		}
		if runnable(i) == "yes" {
			runnableCount++
		}
		rows = append(rows, []string{id, name, strings.Join(tables(i), ","), strings.Join(r.Techniques, ","), runnable(i)})
	}
	width := make([]int, 5)
	for _, row := range rows {
		for j, c := range row {
			width[j] = max(width[j], len([]rune(c)))
		}
	}
	bw := bufio.NewWriter(w)
	for k, row := range rows {
		var line strings.Builder
		for j, c := range row {
			line.WriteString(c)
			if j < len(row)-1 {
				line.WriteString(strings.Repeat(" ", width[j]-len([]rune(c))+2))
			}
		}
		fmt.Fprintln(bw, strings.TrimRight(line.String(), " "))
		if i := k - 1; reasons && k > 0 && sts[i] != nil {
			for _, reason := range sts[i].Reasons {
				fmt.Fprintf(bw, "          - %s\n", strings.SplitN(reason, "\n", 2)[0])
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if len(sts) > 0 && sts[0] != nil {
		fmt.Fprintf(w, "%d rules, %d runnable\n", len(rs), runnableCount)
	} else {
		fmt.Fprintf(w, "%d rules\n", len(rs))
	}
	return nil
}

func nonNilStrs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
