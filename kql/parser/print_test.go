package parser

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/token"
)

// sexpr prints a syntax tree compactly for test expectations: names and
// literals as written (strings quoted), binary operators as (op x y),
// other nodes as (Type field...) with empty fields left out.
func sexpr(n any) string {
	var b strings.Builder
	writeS(&b, reflect.ValueOf(n))
	return b.String()
}

var (
	spanT = reflect.TypeOf(ast.Span{})
	posT  = reflect.TypeOf(token.NoPos)
)

func writeS(b *strings.Builder, v reflect.Value) {
	if !v.IsValid() {
		b.WriteString("nil")
		return
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		switch n := v.Interface().(type) {
		case *ast.Ident:
			b.WriteString(n.Name)
			return
		case *ast.BasicLit:
			if n.Kind == ast.StringLit {
				fmt.Fprintf(b, "%q", n.Value)
			} else {
				b.WriteString(n.Value)
			}
			return
		case *ast.BinaryExpr:
			fmt.Fprintf(b, "(%s ", n.Op)
			writeS(b, reflect.ValueOf(n.X))
			b.WriteByte(' ')
			writeS(b, reflect.ValueOf(n.Y))
			b.WriteByte(')')
			return
		case *ast.UnaryExpr:
			fmt.Fprintf(b, "(%s", n.Op)
			writeS(b, reflect.ValueOf(n.X))
			b.WriteByte(')')
			return
		case *ast.Star:
			b.WriteByte('*')
			return
		case *ast.Wildcard:
			b.WriteString(n.Pattern)
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		b.WriteString("(" + v.Type().Name())
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if v.Type().Field(i).Type == spanT || f.Type() == posT || f.IsZero() {
				continue
			}
			if f.Kind() == reflect.Slice && f.Len() == 0 {
				continue
			}
			b.WriteByte(' ')
			writeS(b, f)
		}
		b.WriteByte(')')
	case reflect.Slice:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeS(b, v.Index(i))
		}
		b.WriteByte(']')
	case reflect.String:
		b.WriteString(v.String())
	default:
		fmt.Fprint(b, v.Interface())
	}
}
