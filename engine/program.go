package engine

import "github.com/quarry-kql/quarry/compile"

// Program is what the compiler hands the engine: one SELECT statement
// and the KQL shape of its result.
type Program = compile.Program

// Render is a trailing render operator.
type Render = compile.Render

// External is an externaldata source to materialise as a temp table
// before the SQL runs.
type External = compile.External
