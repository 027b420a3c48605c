package source

import (
	"strings"
	"testing"
)

func TestAddresses(t *testing.T) {
	for _, c := range []struct {
		in   string
		cut  bool
		want string
	}{
		{`Alice <Alice@Contoso.com>, "Doe, Carol" <carol@sales.contoso.com>`, false, "alice@contoso.com carol@sales.contoso.com"},
		{`bob@example.net`, false, "bob@example.net"},
		{`undisclosed-recipients:;`, false, ""},
		// Not RFC 5322 (unquoted comma in a display name): addr-specs still found.
		{`Doe, J <j@x.org>, k@y.org`, false, "j@x.org k@y.org"},
		// Cut short by the logger: the last, possibly partial, address is left out.
		{`a@x.org, b@x.org, c@x.o`, true, "a@x.org b@x.org"},
		{`a@x.org`, true, ""},
	} {
		got := Addresses(c.in, c.cut)
		if got == nil {
			t.Errorf("Addresses(%q) = nil, want a non-nil slice", c.in)
		}
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("Addresses(%q, %v) = %q, want %q", c.in, c.cut, s, c.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"": -1, "0": 0, "5000": 5000} {
		if n, ok := ParseSize(in); !ok || n != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, n, ok)
		}
	}
	for _, in := range []string{"-1", "5 KB", "1.5"} {
		if _, ok := ParseSize(in); ok {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}
