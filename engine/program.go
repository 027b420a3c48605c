package engine

import "github.com/quarry-kql/quarry/schema"

// Program is what the compiler hands the engine (compile.Program): one
// SELECT statement and the KQL shape of its result.
type Program struct {
	SQL      string
	Columns  []schema.Column
	Tables   []string
	Render   *Render
	External []External
}

// Render is a trailing render operator (compile.Render).
type Render struct {
	Kind  string
	Props map[string]string
}

// External is an externaldata source to materialise as a temp table
// before the SQL runs (compile.External).
type External struct {
	Table   string
	URLs    []string
	Format  string
	Columns []schema.Column
}
