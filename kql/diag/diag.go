// Package diag holds the diagnostics every stage of the KQL front end and
// the binder report: a position, a message, and a list type that is an
// error.
package diag

import (
	"fmt"
	"sort"
	"strings"

	"github.com/quarry-kql/quarry/kql/token"
)

// Diagnostic is one problem found in a query. Messages name what was found
// and what was expected: "expected ')', found 'by'".
type Diagnostic struct {
	Pos token.Position
	Msg string
}

func (d Diagnostic) Error() string { return d.Pos.String() + ": " + d.Msg }

// List is a list of diagnostics; a non-empty List is an error.
type List []Diagnostic

// Add appends a diagnostic at p in f.
func (l *List) Add(f *token.File, p token.Pos, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: f.Position(p), Msg: fmt.Sprintf(format, args...)})
}

// Sort orders the list by position.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.Offset < l[j].Pos.Offset })
}

// Err returns the list as an error, or nil when it is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Error joins the diagnostics, one a line.
func (l List) Error() string {
	var b strings.Builder
	for i, d := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}
