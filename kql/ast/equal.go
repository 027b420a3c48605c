package ast

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/quarry-kql/quarry/kql/token"
)

// Equal reports whether a and b are the same tree, ignoring positions: two
// nodes are equal when they have the same type and their fields other than
// Span and token.Pos values are equal, recursively. A nil slice equals an
// empty one. It is what "the formatter round-trips" means:
// Equal(parse(q), parse(format(parse(q)))).
func Equal(a, b Node) bool {
	return Diff(a, b) == ""
}

// Diff returns "" when Equal(a, b), else a description of the first
// difference found, with the path to it from the roots, for test messages:
// "Script.Stmts[0].X(*ast.Pipeline).Ops[1](*ast.WhereOp).Pred: Op "==" != "!="".
func Diff(a, b Node) string {
	var path []string
	if d := diffValue(reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem(), &path); d != "" {
		return strings.Join(path, "") + ": " + d
	}
	return ""
}

var (
	spanType = reflect.TypeOf(Span{})
	posType  = reflect.TypeOf(token.NoPos)
)

// diffValue compares two values of the same static type. On a difference
// it returns a description and leaves path pointing at it.
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
		*path = append(*path, "("+ea.Type().String()+")")
		if d := diffValue(ea, eb, path); d != "" {
			return d
		}
		*path = (*path)[:len(*path)-1]
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
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Type == spanType || f.Type == posType {
				continue
			}
			*path = append(*path, "."+f.Name)
			if d := diffValue(a.Field(i), b.Field(i), path); d != "" {
				return d
			}
			*path = (*path)[:len(*path)-1]
		}
		return ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("length %d != %d", a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			*path = append(*path, fmt.Sprintf("[%d]", i))
			if d := diffValue(a.Index(i), b.Index(i), path); d != "" {
				return d
			}
			*path = (*path)[:len(*path)-1]
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
			*path = append(*path, fmt.Sprintf("[%v]", k))
			if d := diffValue(a.MapIndex(k), vb, path); d != "" {
				return d
			}
			*path = (*path)[:len(*path)-1]
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
