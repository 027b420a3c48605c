package types

import "testing"

func TestLookup(t *testing.T) {
	tests := []struct {
		in   string
		want Type
		ok   bool
	}{
		{"long", Long, true},
		{"int64", Long, true},
		{"double", Real, true},
		{"date", DateTime, true},
		{"time", TimeSpan, true},
		{"uniqueid", GUID, true},
		{"String", String, true},
		{"blob", Unknown, false},
	}
	for _, tt := range tests {
		got, ok := Lookup(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && got.String() == "unknown" {
			t.Errorf("%v has no name", got)
		}
	}
}
