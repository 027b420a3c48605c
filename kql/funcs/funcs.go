// Package funcs is quarry's catalog of KQL scalar functions, operators and
// aggregate functions, kept as data: one table giving for each function its
// name, its signatures, its result type, how Kusto names the column it
// produces, and an SQL template per dialect. The binder reads names,
// signatures and naming rules; the SQL generators read the templates of
// their dialect, so adding a dialect is adding a column to the table.
package funcs

import (
	"strings"

	"github.com/quarry-kql/quarry/kql/types"
)

// Kind tells scalar functions, operators and aggregates apart.
type Kind uint8

// Function kinds.
const (
	Scalar Kind = iota
	Operator
	Aggregate
)

// Naming is the rule giving the name of the column an unnamed call
// produces.
type Naming uint8

// Naming rules.
const (
	// NameNone: an unnamed call gets ColumnN (or print_N).
	NameNone Naming = iota
	// NameArg0: the name of the first argument if it names a column
	// (bin(Timestamp, 1d) → Timestamp, tostring(d.a) → d_a).
	NameArg0
	// NamePrefix: Prefix + "_" + the name of the first argument, or
	// Prefix + "_" when there is none (count() → count_, dcount(x) →
	// dcount_x, make_set(x) → set_x).
	NamePrefix
	// NameTuple: a function returning several values (Parts); unnamed,
	// each value is named Name + "_" + the first argument's name + "_" +
	// the part's name (series_fit_line(y) → series_fit_line_y_slope, ...),
	// or Name + "_" + the part's name when the argument has no name.
	NameTuple
)

// Part is one of the values of a function returning several
// (series_fit_line's rsquare, slope, ...): its name suffix and KQL type.
type Part struct {
	Name string
	Type types.Type
}

// Param kinds beyond concrete types, used in signatures.
const (
	anyT     = "any"     // any scalar
	toStr    = "tostr"   // any scalar, converted to string
	numT     = "num"     // int, long, real or decimal
	integral = "integer" // int or long
)

// Sig is one signature: parameter kinds, whether the last one repeats,
// how many trailing parameters are optional, and the result.
type Sig struct {
	Params   []string // type names, or "any", "num", "integer"
	Variadic bool     // the last parameter may repeat (and may be absent)
	Optional int      // number of trailing optional parameters
	// Result is a type name, "T0"/"T1" (the type of that argument),
	// "num" (numeric promotion of the arguments).
	Result string
}

// Func is one catalog entry.
type Func struct {
	Name   string
	Kind   Kind
	Sigs   []Sig
	Naming Naming
	Prefix string // for NamePrefix
	// SQL holds a template per dialect name ("duckdb"). {0}, {1}, ...
	// are the arguments' SQL, {*} all of them joined by ", ". A template
	// starting with '@' names a generator the dialect implements in code
	// (for functions whose SQL depends on argument types or counts).
	SQL map[string]string
	// Const marks arguments (by index) that must be constants (the
	// percentile of percentile(), the step of bin()).
	Const []int
	// Pure functions can be folded; volatile ones (rand) cannot.
	Volatile bool
	// Parts are the values of a function returning several, in order
	// (NameTuple); empty for functions returning one value. The SQL of
	// such a call is a dynamic array holding one element per part.
	Parts []Part
	// Defaults are the values of omitted trailing optional parameters,
	// one per optional parameter of the first signature (nil: a null of
	// the parameter's type). The binder fills them in, so templates can
	// rely on every argument being present. Empty: omitted arguments are
	// left out.
	Defaults []any
	// Requires names a resource the query engine must provide for the
	// function to run (RequiresGeoIP); empty for most functions. The
	// binder refuses a call when the resource is not configured.
	Requires string
}

// RequiresGeoIP marks functions reading a GeoIP database
// (geo_info_from_ip_address).
const RequiresGeoIP = "geoip"

// sig parses "string, long, [long] -> string"; a trailing "..." marks a
// variadic last parameter; [x] marks optional parameters.
func sig(s string) Sig {
	params, res, ok := strings.Cut(s, "->")
	if !ok {
		panic("funcs: bad signature " + s)
	}
	var g Sig
	g.Result = strings.TrimSpace(res)
	for _, p := range strings.Split(params, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.HasSuffix(p, "...") {
			g.Variadic = true
			p = strings.TrimSuffix(p, "...")
		}
		if strings.HasPrefix(p, "[") {
			g.Optional++
			p = strings.Trim(p, "[]")
		}
		g.Params = append(g.Params, p)
	}
	return g
}

func sigs(ss ...string) []Sig {
	out := make([]Sig, len(ss))
	for i, s := range ss {
		out[i] = sig(s)
	}
	return out
}

// Accepts reports whether an argument of type t may be passed to a
// parameter of kind p (with implicit conversions: int → long → real,
// null to anything, dynamic to anything, unknown after an error).
func Accepts(p string, t types.Type) bool {
	if t == types.Unknown || t == types.Null || t == types.Dynamic {
		return true
	}
	switch p {
	case anyT, toStr:
		return true
	case numT:
		return t.IsNumeric()
	case integral:
		return t.IsIntegral()
	}
	pt, ok := types.Lookup(p)
	if !ok {
		return false
	}
	if pt == t {
		return true
	}
	switch pt {
	case types.Long:
		return t == types.Int
	case types.Real:
		return t.IsNumeric()
	case types.Decimal:
		return t.IsNumeric()
	case types.Int:
		return t == types.Long
	}
	return false
}

// Match finds the first signature accepting args and returns it with its
// result type; ok is false when none does.
func (f *Func) Match(args []types.Type) (Sig, types.Type, bool) {
	for _, s := range f.Sigs {
		n := len(s.Params)
		min := n - s.Optional
		if s.Variadic {
			min = n - 1
			if s.Optional > 0 {
				min = n - s.Optional
			}
		}
		if len(args) < min || (!s.Variadic && len(args) > n) {
			continue
		}
		good := true
		for i, a := range args {
			p := s.Params[len(s.Params)-1]
			if i < n {
				p = s.Params[i]
			}
			if !Accepts(p, a) {
				good = false
				break
			}
		}
		if !good {
			continue
		}
		return s, Result(s, args), true
	}
	return Sig{}, types.Unknown, false
}

// Result computes the result type of a matched signature.
func Result(s Sig, args []types.Type) types.Type {
	switch s.Result {
	case "T0", "T1", "T2":
		i := int(s.Result[1] - '0')
		if i < len(args) {
			if args[i] == types.Null {
				return types.Unknown
			}
			return args[i]
		}
		return types.Unknown
	case numT:
		return Promote(args...)
	}
	t, _ := types.Lookup(s.Result)
	return t
}

// Promote returns the numeric type of an arithmetic result: real if any
// argument is real, decimal if any is decimal, long if any is long, else
// int. Non-numeric arguments (null, dynamic) are skipped.
func Promote(args ...types.Type) types.Type {
	r := types.Unknown
	rank := map[types.Type]int{types.Int: 1, types.Long: 2, types.Decimal: 3, types.Real: 4}
	for _, a := range args {
		if rank[a] > rank[r] {
			r = a
		}
	}
	if r == types.Unknown {
		for _, a := range args {
			if a == types.Dynamic {
				return types.Real
			}
		}
		return types.Long
	}
	return r
}

// ParamType returns the concrete type an argument should be converted to
// for parameter kind p, or Unknown when no conversion is called for.
func ParamType(p string) types.Type {
	switch p {
	case anyT, numT, integral:
		return types.Unknown
	case toStr:
		return types.String
	}
	t, _ := types.Lookup(p)
	return t
}

var table = map[string]*Func{}

// Lookup returns the function or operator with the given name (KQL names
// are case-sensitive; aliases such as makeset resolve to their function).
func Lookup(name string) (*Func, bool) {
	f, ok := table[name]
	return f, ok
}

// Names returns every function name in the catalog, for "did you mean".
func Names() []string {
	out := make([]string, 0, len(table))
	for n, f := range table {
		if f.Kind != Operator {
			out = append(out, n)
		}
	}
	return out
}

func add(f *Func, aliases ...string) *Func {
	if _, dup := table[f.Name]; dup {
		panic("funcs: duplicate " + f.Name)
	}
	table[f.Name] = f
	for _, a := range aliases {
		table[a] = f
	}
	return f
}

func duck(s string) map[string]string { return map[string]string{"duckdb": s} }

func op(name, s string, sql string) {
	add(&Func{Name: name, Kind: Operator, Sigs: sigs(strings.Split(s, ";")...), SQL: duck(sql)})
}

func fn(name string, naming Naming, s string, sql string, aliases ...string) *Func {
	return add(&Func{Name: name, Kind: Scalar, Sigs: sigs(strings.Split(s, ";")...), Naming: naming, SQL: duck(sql)}, aliases...)
}

func agg(name, prefix string, s string, sql string, aliases ...string) *Func {
	return add(&Func{Name: name, Kind: Aggregate, Sigs: sigs(strings.Split(s, ";")...), Naming: NamePrefix, Prefix: prefix, SQL: duck(sql)}, aliases...)
}
