package format

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/scanner"
	"github.com/quarry-kql/quarry/kql/token"
)

// keywords are the names that are not written plain where a column or
// variable name is expected, because Kusto or quarry's parser would read
// them as syntax: a literal, a type, a word operator, a clause word (by,
// of, to, ...), an operator that can start a query (print, union, range,
// ...), or an operator parameter name that would be taken for `name=value`
// (kind, withsource, ...). Kusto keywords are case-sensitive, so only these
// spellings are reserved.
var keywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(
		// Names Microsoft's parser (Kusto.Language 12.4.1) rejects as
		// plain column names: checked with tools/kql-check on
		// "T | extend W = 1 | project W, b = W + 1" for each of its keywords.
		`
		accumulate and anomalychart areachart as asc bagexpansion barchart between
		boolean by byte cachingpolicy callout cancel card char columnchart contains
		containscs cycles dataexport datascope datatable date datetime decimal
		decodeblocks desc double dynamic earliest encodingpolicy endswith endswith_cs
		expandoutput extent_tags_retention externaldata find first flags float
		force_remote harddelete hardretention has has_all has_any has_cs hasprefix
		hasprefix_cs hassuffix hassuffix_cs hotcache in int invoke isfuzzy journal kind
		ladderchart last latest like likecs linechart long materialize mdm missing
		nooptimization notcontains notcontainscs notlike notlikecs of or others
		pathformat piechart pivotchart print project queries query_results real relaxed
		restricted_view_access row_level_security rowstore rowstore_references
		rowstore_sealinfo rowstorepolicy rowstores sample scatterchart seal seals search
		set shards simple softdelete softretention sql stackedareachart startswith
		startswith_cs statistics storedqueryresultcontainers string tablepurge time
		timechart timeline timepivot timespan title to toscalar totable treemap uint
		ulong union uniqueid unrestrictedviewers verbose viewers views where
		with_itemindex with_match_id with_step_name withsource writeaheadlog
		` +
			// Names quarry's parser reads as syntax in a name position.
			`
		true false null let typeof int32 int64 bool guid uuid
		not matches regex with on from step limit default range evaluate
		view declare bin_legacy contains_cs external_data filter
		render serialize getschema consume facet partition`) {
		keywords[w] = true
	}
}

// isPlain reports whether name can be written without brackets as far as
// its characters go: a letter or _ followed by letters, digits and _, or
// such a word after a $ ($left, $right).
func isPlain(name string) bool {
	s := strings.TrimPrefix(name, "$")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// isWordChars reports whether name is made of letters, digits and _ only,
// after an optional $ (1st, 00A, $).
func isWordChars(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '$' && i == 0) {
			return false
		}
	}
	return name != ""
}

// isPlainDotted is isPlain for dotted names such as hint.strategy.
func isPlainDotted(name string) bool {
	for _, part := range strings.Split(name, ".") {
		if !isPlain(part) {
			return false
		}
	}
	return true
}

// scansAsWord reports whether name, written as it is, is one identifier
// token for the scanner (inner, 00A, $left), not a number, timespan or
// several tokens.
func scansAsWord(name string) bool {
	if name == "" || strings.HasPrefix(name, "!") {
		return false
	}
	var s scanner.Scanner
	s.Init(token.NewFile("", name), 0)
	_, kind, lit := s.Scan()
	return kind == token.IDENT && lit == name && len(s.Errors) == 0
}

// ident prints a column, table or variable name: as it is when it is a
// word that is not a keyword, else as ['name'].
func (p *printer) ident(id *ast.Ident) {
	if id == nil {
		return
	}
	p.flushBefore(id)
	if !keywords[id.Name] && (isPlain(id.Name) || isWordChars(id.Name) && scansAsWord(id.Name)) {
		// A plain word, or another word the scanner reads as one name
		// (1st, $): written as it is, which also keeps it from being read
		// as an index of what precedes it (join kind=0 $).
		p.write(id.Name)
		return
	}
	p.bracketed(id.Name)
}

// name prints a name in a position where keywords are allowed: operator
// parameter names and values (kind=inner, hint.strategy=shuffle), chart
// types, request properties.
func (p *printer) name(id *ast.Ident) {
	if id == nil {
		return
	}
	if isPlainDotted(id.Name) {
		p.write(id.Name)
		return
	}
	p.bracketed(id.Name)
}

// bracketed prints ['name'].
func (p *printer) bracketed(name string) {
	p.write("[")
	p.write(quoteIn(name, '\'', false))
	p.write("]")
}

// quote returns a string literal whose value is exactly v: "…" normally,
// '…' when v holds double quotes but no single quotes, a verbatim @"…" when
// v holds backslashes (and verbatim is allowed), and escapes for control
// characters, which no verbatim form can hold.
func quote(v string, verbatim bool) string {
	return quoteIn(v, '"', verbatim)
}

// needsEscape reports whether r must be written as an escape sequence:
// control characters (a raw line break would end the literal) and
// invisible format and separator characters that a reader would not see.
func needsEscape(r rune) bool {
	return r < 0x20 || r == 0x7f || unicode.IsControl(r) ||
		unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
}

func quoteIn(v string, prefer byte, verbatim bool) string {
	other := byte('\'')
	if prefer == '\'' {
		other = '"'
	}
	escapes := false
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		if !(r == utf8.RuneError && n == 1) && needsEscape(r) {
			escapes = true
			break
		}
		i += n
	}
	hasPrefer := strings.IndexByte(v, prefer) >= 0
	hasOther := strings.IndexByte(v, other) >= 0
	hasBackslash := strings.IndexByte(v, '\\') >= 0
	q := prefer
	if hasPrefer && !hasOther {
		q = other
	}
	if !escapes {
		if !hasBackslash {
			if !(hasPrefer && hasOther) {
				return string(q) + v + string(q)
			}
		} else if verbatim {
			return "@" + string(q) + strings.ReplaceAll(v, string(q), string(q)+string(q)) + string(q)
		}
	}
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte(q)
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && n == 1 {
			// An invalid UTF-8 byte: no escape produces it, so it is kept
			// raw, as it came in.
			b.WriteByte(v[i])
			i++
			continue
		}
		i += n
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case needsEscape(r):
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
