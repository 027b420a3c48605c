package defender

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The fast path's string decoding must agree with encoding/json.
func TestUnescapeMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`plain`, `a\"b\\c\/d`, `\b\f\n\r\t`, `\u003cm@x\u003e`, `\u00e9t\u00E9`, `\ud83d\ude00 smile`,
		`lone \ud83d surrogate`, `lone low \ude00`, "caf\xe9 latin1", "ok \xc3\xa9", `\u0000nul`,
	} {
		var want string
		if err := json.Unmarshal([]byte(`"`+in+`"`), &want); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		raw, esc, _, err := scanString([]byte(`"`+in+`"`), 0)
		if err != nil {
			t.Fatalf("%q: scan: %v", in, err)
		}
		got, _ := jv{kind: 's', raw: raw, esc: esc}.str()
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// The scanner must reject what encoding/json rejects.
func TestScannerValidates(t *testing.T) {
	for _, in := range []string{
		`{"a":1}`, `{"a":[1,2,{"b":null}],"c":"x"}`, `{"a":1,}`, `{"a":01}`, `{"a":1.}`, `{"a":tru}`,
		`{"a":"\x"}`, `{"a":"` + "\x01" + `"}`, `{"a" 1}`, `{"a":[1,]}`, `{"a":-}`, `{"a":1e}`, `{"a":{}}`, `{}`, `{"a":"\u12"}`,
	} {
		_, err := eachMember([]byte(in), 0, 0, nil)
		if (err == nil) != json.Valid([]byte(in)) {
			t.Errorf("%s: scanner error %v, json.Valid %v", in, err, json.Valid([]byte(in)))
		}
	}
}

func TestFastISO(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-01T08:00:00.1234567Z": "2026-11-01T08:00:00.1234567Z",
		"2026-11-01T08:00:00Z":         "2026-11-01T08:00:00Z",
		"2026-11-01 08:00:00":          "2026-11-01T08:00:00Z",
	} {
		tm, ok := fastISO([]byte(in))
		if !ok || tm.Format(time.RFC3339Nano) != want {
			t.Errorf("%s: %v %v", in, tm, ok)
		}
	}
	for _, bad := range []string{"2026-02-30T00:00:00Z", "2026-11-01T24:00:00Z", "2026-11-01T08:00:00+01:00", "2026-11-01"} {
		if _, ok := fastISO([]byte(bad)); ok {
			t.Errorf("%s accepted", bad)
		}
	}
}

// stops8 must flag every word holding a byte that stops scanString's loop,
// and no word of plain bytes.
func TestStops8(t *testing.T) {
	plain := []byte("abcdefgh")
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			w := append([]byte(nil), plain...)
			w[pos] = byte(c)
			if got := stops8(binary.LittleEndian.Uint64(w)); got != strStop[c] {
				t.Errorf("byte %#x at %d: stops8 %v, want %v", c, pos, got, strStop[c])
			}
		}
	}
	for _, s := range []string{"        ", "~~~~~~~~", "!#$%&'()", "0123[]{}", "zzzz!!!!"} {
		if stops8(binary.LittleEndian.Uint64([]byte(s))) {
			t.Errorf("%q flagged", s)
		}
	}
	// Scanning finds the right end whatever the alignment.
	for n := 0; n < 40; n++ {
		for _, stop := range []string{`"`, `\n"`, "\xc3\xa9\"", `\u0041"`} {
			in := `"` + strings.Repeat("x", n) + stop + `tail`
			raw, _, next, err := scanString([]byte(in), 0)
			if err != nil || next != len(in)-len("tail") || string(raw) != in[1:next-1] {
				t.Errorf("%q: raw %q next %d err %v", in, raw, next, err)
			}
		}
	}
}
