package source

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestSplitCSV(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{`a,b,c`, []string{"a", "b", "c"}, true},
		{`a,,c,`, []string{"a", "", "c", ""}, true},
		{`"x, y","say ""hi""",z`, []string{"x, y", `say "hi"`, "z"}, true},
		{`"open,b`, nil, false},
		{``, []string{""}, true},
	} {
		got, ok := SplitCSV(nil, c.in)
		if ok != c.ok || (c.ok && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("SplitCSV(%q) = %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestLines(t *testing.T) {
	in := "\xef\xbb\xbfone\r\ntwo\n\nthree"
	l := NewLines(strings.NewReader(in), 0, 1)
	var got []string
	for l.Next() {
		got = append(got, string(l.Bytes())+"|"+map[bool]string{true: "T", false: "-"}[l.Truncated()])
	}
	want := []string{"one|-", "two|-", "|-", "three|T"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	if l.No() != 4 || l.Offset() != int64(len(in)) {
		t.Fatalf("no %d offset %d", l.No(), l.Offset())
	}
	// Over-long lines are reported, not kept.
	l = NewLines(strings.NewReader("short\n"+strings.Repeat("x", 5000)+"\nafter\n"), 0, 1)
	l.SetMaxLine(100)
	var long []bool
	for l.Next() {
		long = append(long, l.TooLong())
	}
	if !reflect.DeepEqual(long, []bool{false, true, false}) {
		t.Fatalf("too long flags %v", long)
	}
}

func TestCSVRecordsMultiline(t *testing.T) {
	l := NewLines(strings.NewReader("h1,h2\n\"multi\nline\",x\nlast,\"unclosed\n"), 0, 1)
	c := &CSVRecords{In: l}
	var got []string
	for {
		f, line, ok, more := c.Next(nil)
		if !more {
			break
		}
		got = append(got, strings.Join(f, "|")+"@"+string(rune('0'+line))+map[bool]string{true: "", false: "!"}[ok])
	}
	want := []string{"h1|h2@1", "multi\nline|x@2", "last@4!"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestFields(t *testing.T) {
	var f Fields
	f.Str("b", "x\"y\n\x01caf\xe9")
	f.Int("a", 42)
	f.Str("empty", "")
	got := f.String()
	want := `{"a":42,"b":"x\"y\n\u0001caf` + "\ufffd" + `"}`
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
}

func TestUTF16Reader(t *testing.T) {
	text := "héllo,😀\r\nline 2\r\n"
	enc := func(be bool) []byte {
		var b []byte
		if be {
			b = append(b, 0xFE, 0xFF)
		} else {
			b = append(b, 0xFF, 0xFE)
		}
		for _, u := range utf16.Encode([]rune(text)) {
			if be {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
		return b
	}
	for _, be := range []bool{false, true} {
		data := enc(be)
		if ok, gotBE := IsUTF16(data); !ok || gotBE != be {
			t.Fatalf("IsUTF16 = %v %v", ok, gotBE)
		}
		got, err := io.ReadAll(NewUTF16Reader(bytes.NewReader(data)))
		if err != nil || string(got) != text {
			t.Errorf("be=%v: %q %v", be, got, err)
		}
	}
}
