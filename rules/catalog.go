package rules

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/store"
)

// MetaSchema is the DuckDB schema holding quarry's bookkeeping tables.
const MetaSchema = "quarry_meta"

// Catalog is the rule catalog kept in a store, next to the data the rules
// run on: table quarry_meta.rules (one row per rule, the rule as JSON) and
// quarry_meta.rule_sources (one row per synced source, with the loader's
// errors).
type Catalog struct {
	st       *store.Store
	readOnly bool
}

// ReadCatalog returns the catalog of st for reading only: it creates
// nothing, so it works on a read-only handle; a store that never had rules
// synced holds none.
func ReadCatalog(st *store.Store) *Catalog { return &Catalog{st: st, readOnly: true} }

// HasMetaTable reports whether quarry's bookkeeping schema holds table
// name.
func HasMetaTable(ctx context.Context, st *store.Store, name string) (bool, error) {
	var n int
	err := st.DB.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", MetaSchema, name).Scan(&n)
	return n > 0, err
}

// OpenCatalog returns the catalog of st, creating its tables if needed.
func OpenCatalog(ctx context.Context, st *store.Store) (*Catalog, error) {
	stmts := []string{
		"CREATE SCHEMA IF NOT EXISTS " + MetaSchema,
		`CREATE TABLE IF NOT EXISTS ` + MetaSchema + `.rules (
			source VARCHAR NOT NULL, path VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
			name VARCHAR NOT NULL, version VARCHAR, doc VARCHAR NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ` + MetaSchema + `.rule_sources (
			source VARCHAR PRIMARY KEY, commit_id VARCHAR, retrieved_at TIMESTAMP,
			files INTEGER, rules INTEGER, warnings INTEGER, errors VARCHAR)`,
	}
	for _, s := range stmts {
		if _, err := st.DB.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("rules: catalog: %w", err)
		}
	}
	return &Catalog{st: st}, nil
}

// SourceInfo describes one synced rule source.
type SourceInfo struct {
	Source      string       `json:"source"`
	Commit      string       `json:"commit,omitempty"`
	RetrievedAt time.Time    `json:"retrievedAt"`
	Files       int          `json:"files"`
	Rules       int          `json:"rules"`
	Warnings    int          `json:"warnings"`
	Errors      []Diagnostic `json:"errors"`
}

// Replace stores the rules of res as the whole content of source: rules
// previously synced from the same source are removed, in one transaction.
func (c *Catalog) Replace(ctx context.Context, source string, res *LoadResult) error {
	tx, err := c.st.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rules: catalog: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+MetaSchema+".rules WHERE source = ?", source); err != nil {
		return fmt.Errorf("rules: catalog: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+MetaSchema+".rule_sources WHERE source = ?", source); err != nil {
		return fmt.Errorf("rules: catalog: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+MetaSchema+".rules VALUES (?, ?, ?, ?, ?, ?)")
	if err != nil {
		return fmt.Errorf("rules: catalog: %w", err)
	}
	defer stmt.Close()
	var commit string
	var retrieved time.Time
	for _, r := range res.Rules {
		doc, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("rules: catalog: %s: %w", r.Source.Path, err)
		}
		if _, err := stmt.ExecContext(ctx, source, r.Source.Path, r.ID, r.Name, r.Version, string(doc)); err != nil {
			return fmt.Errorf("rules: catalog: %s: %w", r.Source.Path, err)
		}
		commit, retrieved = r.Source.Commit, r.Source.RetrievedAt
	}
	if retrieved.IsZero() {
		retrieved = time.Now().UTC()
	}
	errs, _ := json.Marshal(nonNil(res.Errors))
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+MetaSchema+".rule_sources VALUES (?, ?, ?, ?, ?, ?, ?)",
		source, commit, retrieved, res.Files, len(res.Rules), len(res.Warnings), string(errs)); err != nil {
		return fmt.Errorf("rules: catalog: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rules: catalog: %w", err)
	}
	return nil
}

func nonNil(d []Diagnostic) []Diagnostic {
	if d == nil {
		return []Diagnostic{}
	}
	return d
}

// Rules returns every rule of the catalog, sorted by name, then source
// and path.
func (c *Catalog) Rules(ctx context.Context) ([]*Rule, error) {
	if c.readOnly {
		if ok, err := HasMetaTable(ctx, c.st, "rules"); err != nil || !ok {
			return nil, err
		}
	}
	rows, err := c.st.DB.QueryContext(ctx, "SELECT doc FROM "+MetaSchema+".rules")
	if err != nil {
		return nil, fmt.Errorf("rules: catalog: %w", err)
	}
	defer rows.Close()
	var out []*Rule
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("rules: catalog: %w", err)
		}
		r := &Rule{}
		if err := json.Unmarshal([]byte(doc), r); err != nil {
			return nil, fmt.Errorf("rules: catalog: corrupt rule row: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rules: catalog: %w", err)
	}
	SortRules(out)
	return out, nil
}

// SortRules orders rules by name (case-insensitive), then source and path.
func SortRules(rs []*Rule) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := strings.ToLower(rs[i].Name), strings.ToLower(rs[j].Name)
		if a != b {
			return a < b
		}
		if rs[i].Source.Repo != rs[j].Source.Repo {
			return rs[i].Source.Repo < rs[j].Source.Repo
		}
		return rs[i].Source.Path < rs[j].Source.Path
	})
}

// Sources lists the synced sources.
func (c *Catalog) Sources(ctx context.Context) ([]SourceInfo, error) {
	rows, err := c.st.DB.QueryContext(ctx, "SELECT source, commit_id, retrieved_at, files, rules, warnings, errors FROM "+MetaSchema+".rule_sources ORDER BY source")
	if err != nil {
		return nil, fmt.Errorf("rules: catalog: %w", err)
	}
	defer rows.Close()
	var out []SourceInfo
	for rows.Next() {
		var s SourceInfo
		var commit, errs sql.NullString
		if err := rows.Scan(&s.Source, &commit, &s.RetrievedAt, &s.Files, &s.Rules, &s.Warnings, &errs); err != nil {
			return nil, fmt.Errorf("rules: catalog: %w", err)
		}
		s.Commit = commit.String
		if errs.Valid {
			json.Unmarshal([]byte(errs.String), &s.Errors)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Find returns the rule named by ref: its id (or an unambiguous id prefix
// of at least 8 characters), or its name (case-insensitive; a substring
// when it matches one rule only). Several matches are an error listing
// them.
func Find(rs []*Rule, ref string) (*Rule, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, fmt.Errorf("no rule id or name given")
	}
	lref := strings.ToLower(ref)
	try := func(match func(r *Rule) bool) ([]*Rule, bool) {
		var out []*Rule
		for _, r := range rs {
			if match(r) {
				out = append(out, r)
			}
		}
		return out, len(out) > 0
	}
	steps := []func(r *Rule) bool{
		func(r *Rule) bool { return strings.EqualFold(r.ID, ref) },
		func(r *Rule) bool { return strings.EqualFold(r.Name, ref) },
		func(r *Rule) bool { return len(ref) >= 8 && strings.HasPrefix(strings.ToLower(r.ID), lref) },
		func(r *Rule) bool { return strings.Contains(strings.ToLower(r.Name), lref) },
	}
	for _, step := range steps {
		if m, ok := try(step); ok {
			if len(m) == 1 {
				return m[0], nil
			}
			var names []string
			for _, r := range m {
				names = append(names, fmt.Sprintf("%s (%s, %s)", r.Name, r.ID, r.Source.Path))
			}
			if len(names) > 10 {
				names = append(names[:10], fmt.Sprintf("and %d more", len(m)-10))
			}
			return nil, fmt.Errorf("%q matches %d rules: %s; give the rule id", ref, len(m), strings.Join(names, "; "))
		}
	}
	return nil, fmt.Errorf("no rule with id or name %q (see `quarry rules list`)", ref)
}
