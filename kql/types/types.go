// Package types defines Kusto's scalar types, shared by the binder, the
// schemas of stored tables, the SQL generators and the result printers.
package types

import "strings"

// Type is a Kusto scalar type.
type Type uint8

// The scalar types of KQL. Unknown marks an expression whose type could not
// be inferred (after an error); Null is the type of a bare null literal, which
// converts to any other type.
const (
	Unknown Type = iota
	Null
	Bool
	Int
	Long
	Real
	Decimal
	String
	DateTime
	TimeSpan
	Dynamic
	GUID
)

var names = [...]string{
	Unknown:  "unknown",
	Null:     "null",
	Bool:     "bool",
	Int:      "int",
	Long:     "long",
	Real:     "real",
	Decimal:  "decimal",
	String:   "string",
	DateTime: "datetime",
	TimeSpan: "timespan",
	Dynamic:  "dynamic",
	GUID:     "guid",
}

// String returns the KQL name of the type ("long", "datetime", ...).
func (t Type) String() string {
	if int(t) < len(names) {
		return names[t]
	}
	return "unknown"
}

// aliases maps every spelling KQL accepts in a type position to its type.
var aliases = map[string]Type{
	"bool": Bool, "boolean": Bool,
	"int": Int, "int32": Int,
	"long": Long, "int64": Long,
	"real": Real, "double": Real,
	"decimal":  Decimal,
	"string":   String,
	"datetime": DateTime, "date": DateTime,
	"timespan": TimeSpan, "time": TimeSpan,
	"dynamic": Dynamic,
	"guid":    GUID, "uniqueid": GUID,
}

// Lookup returns the type named by a KQL type keyword, such as "long" or its
// alias "int64". Names are case-sensitive in KQL, but tolerate the
// capitalised forms exported by some tools ("String", "DateTime").
func Lookup(name string) (Type, bool) {
	if t, ok := aliases[name]; ok {
		return t, true
	}
	t, ok := aliases[strings.ToLower(name)]
	return t, ok
}

// IsNumeric reports whether t is int, long, real or decimal.
func (t Type) IsNumeric() bool {
	return t == Int || t == Long || t == Real || t == Decimal
}

// IsIntegral reports whether t is int or long.
func (t Type) IsIntegral() bool { return t == Int || t == Long }
