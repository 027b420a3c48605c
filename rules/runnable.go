package rules

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/parser"
	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// Checker binds and compiles a rule's query. Tables returns the stored
// tables the bound query reads, or the compile error (line:col: message,
// relative to the query text). cmd/quarry wires compile.Compile here.
type Checker interface {
	Tables(query string) ([]string, error)
}

// CheckerFunc adapts a function to Checker.
type CheckerFunc func(query string) ([]string, error)

// Tables calls f.
func (f CheckerFunc) Tables(query string) ([]string, error) { return f(query) }

// Status says whether a rule can run on a store, and why not.
type Status struct {
	Runnable bool `json:"runnable"`
	// Compiles is false when the checker rejected the query.
	Compiles bool `json:"compiles"`
	// CompileError is the checker's error, positions made relative to the
	// rule file (file:line:col when the error has line:col).
	CompileError string `json:"compileError,omitempty"`
	// Tables are the tables the rule reads: from the bound query when it
	// compiles, else from its syntax tree, else the known table names found
	// in the query text plus requiredDataConnectors (TablesFrom says which).
	Tables     []string `json:"tables"`
	TablesFrom string   `json:"tablesFrom"` // "query", "syntax" or "text"
	// Period is the window checked for data ("30d"), empty when the rule
	// reads all data.
	Period string `json:"period,omitempty"`
	// Rows counts the rows of each stored table in the window (or in all,
	// when the rule has no window).
	Rows map[string]int64 `json:"rows,omitempty"`
	// Reasons explain why the rule is not runnable; empty when it is.
	Reasons []string `json:"reasons,omitempty"`
	// Notes are remarks that do not stop the rule, such as
	// requiredDataConnectors naming other tables than the query reads.
	Notes []string `json:"notes,omitempty"`
}

// Runnability checks rules against one store at one time. It caches the
// per-table counts, so checking a whole catalog costs one count query per
// (table, window).
type Runnability struct {
	st      *store.Store
	checker Checker
	now     time.Time
	tables  map[string]tableInfo
	probes  map[string]int64
	loaded  bool
}

type tableInfo struct {
	timeColumn string // Timestamp, else TimeGenerated, else ""
}

// NewRunnability returns a checker of rules on st. now is the time the
// rules' windows end at (the --now of the command); checker may be nil, in
// which case every rule is reported as not compiling.
func NewRunnability(st *store.Store, checker Checker, now time.Time) *Runnability {
	if now.IsZero() {
		now = time.Now().UTC()
	}
	return &Runnability{st: st, checker: checker, now: now, probes: map[string]int64{}}
}

// Checker returns the compiler the checks use.
func (rc *Runnability) Checker() Checker { return rc.checker }

func (rc *Runnability) loadTables(ctx context.Context) error {
	if rc.loaded {
		return nil
	}
	ts, err := rc.st.Tables(ctx)
	if err != nil {
		return err
	}
	rc.tables = map[string]tableInfo{}
	for _, t := range ts {
		info := tableInfo{}
		for _, name := range []string{"Timestamp", schema.TimeGenerated} {
			if c, ok := t.Column(name); ok && c.Type == types.DateTime {
				info.timeColumn = name
				break
			}
		}
		rc.tables[t.Name] = info
	}
	rc.loaded = true
	return nil
}

var lineColRE = regexp.MustCompile(`^(\d+):(\d+):`)

// Check decides whether r can run: its query compiles, every table it
// reads exists in the store, and each holds rows in the rule's window
// (Rule.Period, ending at now).
func (rc *Runnability) Check(ctx context.Context, r *Rule) (*Status, error) {
	if err := rc.loadTables(ctx); err != nil {
		return nil, err
	}
	s := &Status{Compiles: true, TablesFrom: "query"}
	var tables []string
	var err error
	if rc.checker == nil {
		err = fmt.Errorf("no KQL compiler available")
	} else {
		tables, err = rc.checker.Tables(r.Query)
	}
	if err != nil {
		s.Compiles = false
		s.CompileError = rc.positionError(r, err)
		s.Reasons = append(s.Reasons, "does not compile: "+s.CompileError)
		tables, s.TablesFrom = textTables(r, rc.tables)
	}
	s.Tables = tables
	if declared := r.DeclaredTables(); len(declared) > 0 && s.TablesFrom != "text" {
		var missing []string
		for _, t := range tables {
			if !contains(declared, t) {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("the query reads %s, not listed in requiredDataConnectors (%s)",
				strings.Join(missing, ", "), strings.Join(declared, ", ")))
		}
	}
	period, hasPeriod := r.Period()
	since := time.Time{}
	if hasPeriod {
		s.Period = FormatPeriod(period)
		since = rc.now.Add(-period)
	}
	for _, t := range tables {
		info, ok := rc.tables[t]
		if !ok {
			s.Reasons = append(s.Reasons, fmt.Sprintf("table %s is not in the store", t))
			continue
		}
		n, err := rc.countRows(ctx, t, info, since)
		if err != nil {
			return nil, err
		}
		if s.Rows == nil {
			s.Rows = map[string]int64{}
		}
		s.Rows[t] = n
		if n == 0 {
			switch {
			case since.IsZero() || info.timeColumn == "":
				s.Reasons = append(s.Reasons, fmt.Sprintf("table %s has no rows", t))
			default:
				s.Reasons = append(s.Reasons, fmt.Sprintf("table %s has no rows in the rule's window (%s = %s, since %s)",
					t, info.timeColumn, s.Period, since.UTC().Format(time.RFC3339)))
			}
		}
	}
	if externalRE.MatchString(stripComments(r.Query)) {
		s.Notes = append(s.Notes, "the query reads external data (externaldata): run it with --allow-external")
	}
	if len(tables) == 0 && s.Compiles {
		s.Notes = append(s.Notes, "the query reads no stored table")
	}
	s.Runnable = len(s.Reasons) == 0
	return s, nil
}

// positionError rewrites the "line:col:" at the start of each line of a
// compile error (a diagnostic list prints one per line) to the rule
// file's coordinates: path:line:col.
func (rc *Runnability) positionError(r *Rule, err error) string {
	msg := strings.TrimRight(err.Error(), "\n")
	if r.QueryLine == 0 {
		return msg
	}
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		m := lineColRE.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		var line, col int
		fmt.Sscan(m[1], &line)
		fmt.Sscan(m[2], &col)
		lines[i] = fmt.Sprintf("%s:%d:%d:%s", r.Source.Path, r.QueryLine+line-1, col, strings.TrimSpace(l)[len(m[0]):])
	}
	return strings.Join(lines, "\n")
}

// countRows counts the rows of table in the window (since, now], or all
// its rows when the rule has no window or the table no time column.
func (rc *Runnability) countRows(ctx context.Context, table string, info tableInfo, since time.Time) (int64, error) {
	key := table
	q := "SELECT count(*) FROM " + store.QuoteIdent(table)
	var args []any
	if !since.IsZero() && info.timeColumn != "" {
		key += "\x00" + since.Format(time.RFC3339Nano)
		col := store.QuoteIdent(info.timeColumn)
		q += " WHERE " + col + " > ? AND " + col + " <= ?"
		args = []any{since.UTC(), rc.now.UTC()}
	}
	if v, ok := rc.probes[key]; ok {
		return v, nil
	}
	var n int64
	if err := rc.st.DB.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("rules: count rows of %s: %w", table, err)
	}
	rc.probes[key] = n
	return n, nil
}

var externalRE = regexp.MustCompile(`\bexternaldata\b`)

var wordRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// textTables is the fallback when the query does not compile: the names
// used where a table is expected (start of a pipeline, join or lookup
// right side, union operand), minus names the query declares with let,
// read from the syntax tree; when even parsing fails, the names of
// built-in and stored tables that occur as words in the query, plus the
// rule's requiredDataConnectors. In order of first appearance. from is
// "syntax" or "text".
func textTables(r *Rule, stored map[string]tableInfo) (out []string, from string) {
	if out, ok := syntaxTables(r.Query); ok {
		return out, "syntax"
	}
	for _, w := range wordRE.FindAllString(stripComments(r.Query), -1) {
		_, isStored := stored[w]
		_, isBuiltin := schema.Builtin(w)
		if isStored || isBuiltin {
			out = appendUnique(out, w)
		}
	}
	for _, t := range r.DeclaredTables() {
		out = appendUnique(out, t)
	}
	return out, "text"
}

// syntaxTables reads table names from the parsed query; ok is false when
// the query does not parse.
func syntaxTables(q string) (tables []string, ok bool) {
	script, errs := parser.Parse(q)
	if len(errs) > 0 || script == nil {
		return nil, false
	}
	declared := map[string]bool{}
	ast.Inspect(script, func(n ast.Node) bool {
		if l, ok := n.(*ast.LetStmt); ok && l.Name != nil {
			declared[l.Name.Name] = true
		}
		return true
	})
	add := func(e ast.Expr) {
		for {
			p, ok := e.(*ast.ParenExpr)
			if !ok {
				break
			}
			e = p.X
		}
		if id, ok := e.(*ast.Ident); ok && !declared[id.Name] {
			tables = appendUnique(tables, id.Name)
		}
	}
	ast.Inspect(script, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ExprStmt:
			add(x.X)
		case *ast.Pipeline:
			if x.Source != nil {
				add(x.Source)
			}
		case *ast.JoinOp:
			add(x.Right)
		case *ast.LookupOp:
			add(x.Right)
		case *ast.UnionOp:
			for _, t := range x.Tables {
				add(t)
			}
		}
		return true
	})
	return tables, true
}

func stripComments(q string) string {
	var b strings.Builder
	for _, l := range strings.Split(q, "\n") {
		if i := strings.Index(l, "//"); i >= 0 {
			l = l[:i]
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FormatPeriod writes a duration the way rules do: "30d", "4h", "90m".
func FormatPeriod(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// Filter selects rules for `quarry rules list`. Empty fields match every
// rule.
type Filter struct {
	Table     string // a table the rule reads (bound query, else declared)
	Tactic    string // any spelling: InitialAccess, "Initial Access"
	Technique string // T1566 also matches its sub-techniques T1566.001...
	Severity  string
	Source    string // substring of the source repository or directory
	Text      string // substring of id, name, description or query
	// Runnable, when not nil, keeps only rules whose Status.Runnable
	// equals it.
	Runnable *bool
}

// Match reports whether r (with its status, which may be nil when
// runnability was not computed) passes f.
func (f *Filter) Match(r *Rule, st *Status) bool {
	if f.Table != "" {
		tables := r.DeclaredTables()
		if st != nil {
			tables = st.Tables
		}
		found := false
		for _, t := range tables {
			if strings.EqualFold(t, f.Table) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if f.Tactic != "" {
		want := foldName(f.Tactic)
		found := false
		for _, t := range r.Tactics {
			if foldName(t) == want {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if f.Technique != "" {
		want := strings.ToUpper(strings.TrimSpace(f.Technique))
		found := false
		for _, t := range r.Techniques {
			if t == want || strings.HasPrefix(t, want+".") {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if f.Severity != "" && !strings.EqualFold(r.Severity, f.Severity) {
		return false
	}
	if f.Source != "" && !strings.Contains(strings.ToLower(r.Source.Repo), strings.ToLower(f.Source)) {
		return false
	}
	if f.Text != "" {
		t := strings.ToLower(f.Text)
		hay := strings.ToLower(strings.Join([]string{r.ID, r.Name, r.Description, r.DescriptionDetailed, r.Query}, "\n"))
		if !strings.Contains(hay, t) {
			return false
		}
	}
	if f.Runnable != nil && (st == nil || st.Runnable != *f.Runnable) {
		return false
	}
	return true
}

// SortedTables returns the distinct tables of a set of statuses, sorted.
func SortedTables(sts []*Status) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range sts {
		for _, t := range s.Tables {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}
