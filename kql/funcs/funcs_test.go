package funcs

import (
	"testing"

	"github.com/quarry-kql/quarry/kql/types"
)

// Every entry has a DuckDB template and well-formed signatures.
func TestCatalogComplete(t *testing.T) {
	for name, f := range table {
		if f.SQL["duckdb"] == "" {
			t.Errorf("%s: no DuckDB template", name)
		}
		if len(f.Sigs) == 0 {
			t.Errorf("%s: no signature", name)
		}
		for _, s := range f.Sigs {
			for _, p := range s.Params {
				switch p {
				case anyT, numT, integral, toStr:
					continue
				}
				if _, ok := types.Lookup(p); !ok {
					t.Errorf("%s: unknown parameter kind %q", name, p)
				}
			}
			switch s.Result {
			case "T0", "T1", "T2", numT:
			default:
				if _, ok := types.Lookup(s.Result); !ok {
					t.Errorf("%s: unknown result %q", name, s.Result)
				}
			}
		}
		if f.Kind == Aggregate && f.Naming != NamePrefix {
			t.Errorf("%s: aggregates are named by prefix", name)
		}
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		fn   string
		args []types.Type
		want types.Type
		ok   bool
	}{
		{"+", []types.Type{types.Int, types.Long}, types.Long, true},
		{"+", []types.Type{types.Long, types.Real}, types.Real, true},
		{"+", []types.Type{types.DateTime, types.TimeSpan}, types.DateTime, true},
		{"-", []types.Type{types.DateTime, types.DateTime}, types.TimeSpan, true},
		{"/", []types.Type{types.TimeSpan, types.TimeSpan}, types.Real, true},
		{"+", []types.Type{types.String, types.Long}, types.Unknown, false},
		{"substring", []types.Type{types.String, types.Long}, types.String, true},
		{"substring", []types.Type{types.String, types.Long, types.Int}, types.String, true},
		{"substring", []types.Type{types.String}, types.Unknown, false},
		{"substring", []types.Type{types.DateTime, types.Long}, types.Unknown, false},
		{"strcat", []types.Type{types.String, types.Long, types.DateTime}, types.String, true},
		{"bin", []types.Type{types.DateTime, types.TimeSpan}, types.DateTime, true},
		{"bin", []types.Type{types.Real, types.Long}, types.Real, true},
		{"iff", []types.Type{types.Bool, types.String, types.String}, types.String, true},
		{"count", nil, types.Long, true},
		{"sum", []types.Type{types.Int}, types.Long, true},
		{"max", []types.Type{types.DateTime}, types.DateTime, true},
		{"tolower", []types.Type{types.Dynamic}, types.String, true},
	}
	for _, c := range cases {
		f, ok := Lookup(c.fn)
		if !ok {
			t.Fatalf("%s not in the catalog", c.fn)
		}
		_, got, ok := f.Match(c.args)
		if ok != c.ok || got != c.want {
			t.Errorf("%s%v = %v, %v; want %v, %v", c.fn, c.args, got, ok, c.want, c.ok)
		}
	}
}

func TestAliases(t *testing.T) {
	for alias, name := range map[string]string{"makeset": "make_set", "iif": "iff", "parse_json": "todynamic", "floor": "bin", "any": "take_any"} {
		f, ok := Lookup(alias)
		if !ok || f.Name != name {
			t.Errorf("%s → %v, want %s", alias, f, name)
		}
	}
}

// Defaults, where given, cover every optional parameter of the first
// signature; functions returning several values name their parts.
func TestDefaultsAndParts(t *testing.T) {
	for name, f := range table {
		if len(f.Defaults) > 0 && len(f.Defaults) != f.Sigs[0].Optional {
			t.Errorf("%s: %d defaults for %d optional parameters", name, len(f.Defaults), f.Sigs[0].Optional)
		}
		if (f.Naming == NameTuple) != (len(f.Parts) > 0) {
			t.Errorf("%s: NameTuple and Parts go together", name)
		}
	}
}
