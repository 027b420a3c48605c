package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/schema"
)

// KQLType maps a DuckDB column type, as information_schema or DESCRIBE
// spells it, back to the KQL type that reads it. Nested types (lists,
// structs, maps) and JSON are dynamic. ok is false for types KQL has no
// equivalent for (BLOB, BIT, ...).
func KQLType(duck string) (t types.Type, ok bool) {
	u := strings.ToUpper(strings.TrimSpace(duck))
	switch {
	case strings.HasSuffix(u, "]") || strings.HasPrefix(u, "STRUCT") || strings.HasPrefix(u, "MAP") ||
		strings.HasPrefix(u, "UNION") || u == "JSON":
		return types.Dynamic, true
	case strings.HasPrefix(u, "DECIMAL") || strings.HasPrefix(u, "NUMERIC"):
		return types.Decimal, true
	case strings.HasPrefix(u, "TIMESTAMP") || u == "DATE" || u == "DATETIME":
		return types.DateTime, true
	}
	switch u {
	case "BOOLEAN", "BOOL":
		return types.Bool, true
	case "TINYINT", "SMALLINT", "INTEGER", "INT", "UTINYINT", "USMALLINT":
		return types.Int, true
	case "BIGINT", "UINTEGER", "HUGEINT", "UBIGINT", "UHUGEINT":
		return types.Long, true
	case "DOUBLE", "FLOAT", "REAL":
		return types.Real, true
	case "VARCHAR", "TEXT", "STRING", "ENUM":
		return types.String, true
	case "INTERVAL", "TIME":
		return types.TimeSpan, true
	case "UUID":
		return types.GUID, true
	}
	if strings.HasPrefix(u, "VARCHAR") || strings.HasPrefix(u, "ENUM") {
		return types.String, true
	}
	return types.Unknown, false
}

// Tables returns the user tables and views of the store (schema main),
// sorted by name, with KQL column types. Columns of a type KQL cannot read are left
// out. Bookkeeping tables in schema quarry_meta are not listed.
func (s *Store) Tables(ctx context.Context) ([]*schema.Table, error) {
	// duckdb_columns() is cheaper than the information_schema view over
	// it; the engine reads the catalog for every query.
	rows, err := s.DB.QueryContext(ctx, `SELECT table_name, column_name, data_type
		FROM duckdb_columns()
		WHERE schema_name = 'main' AND database_name = current_database() AND NOT internal
		ORDER BY table_name, column_index`)
	if err != nil {
		return nil, fmt.Errorf("store: list tables: %w", err)
	}
	defer rows.Close()
	var out []*schema.Table
	byName := map[string]*schema.Table{}
	for rows.Next() {
		var tn, cn, dt string
		if err := rows.Scan(&tn, &cn, &dt); err != nil {
			return nil, fmt.Errorf("store: list tables: %w", err)
		}
		t := byName[tn]
		if t == nil {
			t = &schema.Table{Name: tn}
			if b, ok := schema.Builtin(tn); ok {
				t.Doc = b.Doc
			}
			byName[tn] = t
			out = append(out, t)
		}
		if kt, ok := KQLType(dt); ok {
			t.Columns = append(t.Columns, schema.Column{Name: cn, Type: kt})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list tables: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Catalog is the set of tables a query may name: the store's tables plus
// the built-in Defender XDR schemas that are not stored yet (they read as
// empty tables). A stored table shadows the built-in schema of the same
// name. It satisfies check.Catalog.
type Catalog struct {
	tables []*schema.Table
	byName map[string]*schema.Table
	stored map[string]bool
}

// NewCatalog merges stored tables with the built-in schemas.
func NewCatalog(stored []*schema.Table) *Catalog {
	c := &Catalog{byName: map[string]*schema.Table{}, stored: map[string]bool{}}
	for _, t := range stored {
		c.byName[t.Name] = t
		c.stored[t.Name] = true
	}
	for _, t := range schema.BuiltinTables() {
		if _, ok := c.byName[t.Name]; !ok {
			c.byName[t.Name] = t
		}
	}
	for _, t := range c.byName {
		c.tables = append(c.tables, t)
	}
	sort.Slice(c.tables, func(i, j int) bool { return c.tables[i].Name < c.tables[j].Name })
	return c
}

// Catalog reads the store's tables and merges them with the built-ins.
func (s *Store) Catalog(ctx context.Context) (*Catalog, error) {
	ts, err := s.Tables(ctx)
	if err != nil {
		return nil, err
	}
	return NewCatalog(ts), nil
}

// Table returns the table with the given name (case-sensitive, as in KQL).
func (c *Catalog) Table(name string) (*schema.Table, bool) {
	t, ok := c.byName[name]
	return t, ok
}

// Tables returns every table, sorted by name.
func (c *Catalog) Tables() []*schema.Table { return c.tables }

// Stored reports whether the table exists in the store (rather than only
// as a built-in schema).
func (c *Catalog) Stored(name string) bool { return c.stored[name] }
