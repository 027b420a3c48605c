package ast

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/quarry-kql/quarry/kql/token"
)

// Equal reports whether a and b are the same tree, ignoring positions: two
// nodes are equal when they have the same type and their fields other than
// Span and token.Pos values are equal, recursively. A nil slice equals an
// empty one. It is what "the formatter round-trips" means:
// Equal(parse(q), parse(format(parse(q)))).
func Equal(a, b Node) bool {
	// An explicit work list instead of recursion: trees of 100,000
	// chained operators are compared without a deep stack.
	work := [][2]reflect.Value{{reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem()}}
	for len(work) > 0 {
		pair := work[len(work)-1]
		work = work[:len(work)-1]
		x, y := pair[0], pair[1]
		if x.Type() != y.Type() {
			return false
		}
		switch x.Kind() {
		case reflect.Interface:
			if nilish(x) || nilish(y) {
				if nilish(x) != nilish(y) {
					return false
				}
				continue
			}
			work = append(work, [2]reflect.Value{x.Elem(), y.Elem()})
		case reflect.Pointer:
			if x.IsNil() || y.IsNil() {
				if x.IsNil() != y.IsNil() {
					return false
				}
				continue
			}
			if x.Pointer() != y.Pointer() {
				work = append(work, [2]reflect.Value{x.Elem(), y.Elem()})
			}
		case reflect.Struct:
			for _, i := range comparedFields(x.Type()) {
				work = append(work, [2]reflect.Value{x.Field(i), y.Field(i)})
			}
		case reflect.Slice:
			if x.Len() != y.Len() {
				return false
			}
			for i := x.Len() - 1; i >= 0; i-- {
				work = append(work, [2]reflect.Value{x.Index(i), y.Index(i)})
			}
		case reflect.String:
			if x.String() != y.String() {
				return false
			}
		case reflect.Bool:
			if x.Bool() != y.Bool() {
				return false
			}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if x.Int() != y.Int() {
				return false
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if x.Uint() != y.Uint() {
				return false
			}
		default:
			// Kinds the tree does not use today (floats, maps): the
			// recursive comparison handles them.
			var path []string
			if diffValue(x, y, &path) != "" {
				return false
			}
		}
	}
	return true
}

// fieldCache maps a struct type to the indices of its fields that Equal
// compares (all but Span and token.Pos fields).
var fieldCache sync.Map // reflect.Type -> []int

func comparedFields(t reflect.Type) []int {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]int)
	}
	var idx []int
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Type != spanType && f.Type != posType {
			idx = append(idx, i)
		}
	}
	fieldCache.Store(t, idx)
	return idx
}

// Diff returns "" when Equal(a, b), else a description of the first
// difference found, with the path to it from the roots, for test messages:
// "Script.Stmts[0].X(*ast.Pipeline).Ops[1](*ast.WhereOp).Pred: Op "==" != "!="".
func Diff(a, b Node) string {
	if Equal(a, b) {
		return ""
	}
	var path []string // built in reverse while unwinding from a difference
	if d := diffValue(reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem(), &path); d != "" {
		for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
			path[i], path[j] = path[j], path[i]
		}
		return strings.Join(path, "") + ": " + d
	}
	return "trees differ"
}

var (
	spanType = reflect.TypeOf(Span{})
	posType  = reflect.TypeOf(token.NoPos)
)

// diffValue compares two values of the same static type. On a difference
// it returns a description, and each level adds its step to path (in
// reverse order) as the recursion unwinds, so equal trees cost no strings.
func diffValue(a, b reflect.Value, path *[]string) string {
	if a.Type() != b.Type() {
		return fmt.Sprintf("type %v != %v", a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Interface:
		if nilish(a) || nilish(b) {
			if nilish(a) && nilish(b) {
				return ""
			}
			return fmt.Sprintf("%s != %s", describe(a), describe(b))
		}
		ea, eb := a.Elem(), b.Elem()
		if ea.Type() != eb.Type() {
			return fmt.Sprintf("%s != %s", describe(a), describe(b))
		}
		if d := diffValue(ea, eb, path); d != "" {
			*path = append(*path, "("+ea.Type().String()+")")
			return d
		}
		return ""
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() && b.IsNil() {
				return ""
			}
			return fmt.Sprintf("%s != %s", describe(a), describe(b))
		}
		if a.Pointer() == b.Pointer() {
			return ""
		}
		return diffValue(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		t := a.Type()
		for _, i := range comparedFields(t) {
			if d := diffValue(a.Field(i), b.Field(i), path); d != "" {
				*path = append(*path, "."+t.Field(i).Name)
				return d
			}
		}
		return ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("length %d != %d", a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValue(a.Index(i), b.Index(i), path); d != "" {
				*path = append(*path, fmt.Sprintf("[%d]", i))
				return d
			}
		}
		return ""
	case reflect.String:
		if a.String() != b.String() {
			return fmt.Sprintf("%q != %q", a.String(), b.String())
		}
		return ""
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return fmt.Sprintf("%v != %v", a.Bool(), b.Bool())
		}
		return ""
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			return fmt.Sprintf("%d != %d", a.Int(), b.Int())
		}
		return ""
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() != b.Uint() {
			return fmt.Sprintf("%d != %d", a.Uint(), b.Uint())
		}
		return ""
	case reflect.Float32, reflect.Float64:
		if a.Float() != b.Float() {
			return fmt.Sprintf("%v != %v", a.Float(), b.Float())
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("map length %d != %d", a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			vb := b.MapIndex(k)
			if !vb.IsValid() {
				return fmt.Sprintf("key %v missing", k)
			}
			if d := diffValue(a.MapIndex(k), vb, path); d != "" {
				*path = append(*path, fmt.Sprintf("[%v]", k))
				return d
			}
		}
		return ""
	}
	if !a.CanInterface() || !b.CanInterface() {
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%v != %v", a, b)
	}
	return ""
}

// describe names a value for a difference message: nil, or its dynamic type.
func describe(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	if v.Kind() == reflect.Interface {
		v = v.Elem()
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return "nil " + v.Type().String()
		}
	}
	return v.Type().String()
}

// nilish reports whether an interface value is nil or holds a nil pointer
// (an optional *T field stored into an Expr): both mean "absent".
func nilish(v reflect.Value) bool {
	if v.IsNil() {
		return true
	}
	e := v.Elem()
	return e.Kind() == reflect.Pointer && e.IsNil()
}
