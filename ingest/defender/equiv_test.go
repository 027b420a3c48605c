package defender

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/schema"
)

// memSink records everything a parser tells it, in order.
type memSink struct{ log []string }

func (m *memSink) Emit(t *schema.Table, vals []any) error {
	m.log = append(m.log, fmt.Sprintf("emit %s %#v", t.Name, vals))
	return nil
}
func (m *memSink) Record() { m.log = append(m.log, "record") }
func (m *memSink) Reject(line int64, reason string) error {
	m.log = append(m.log, fmt.Sprintf("reject %d %s", line, reason))
	return nil
}
func (m *memSink) Skip()                { m.log = append(m.log, "skip") }
func (m *memSink) Safe(off, line int64) { m.log = append(m.log, fmt.Sprintf("safe %d %d", off, line)) }
func (m *memSink) Flushing()            {}

// The fast path must give exactly what the encoding/json path gives.
func TestFastPathMatchesSlowPath(t *testing.T) {
	inputs := map[string]string{}
	for _, f := range []string{"../testdata/defender/eventhub.json", "../testdata/defender/storage.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = string(b)
	}
	inputs["odd"] = strings.Join([]string{
		`{"properties":{"Timestamp":"2026-11-01T00:00:00Z","Subject":"props before category"},"category":"AdvancedHunting-EmailEvents"}`,
		`{"category":"AdvancedHunting-EmailEvents","properties":{"timestamp":"2026-11-01T00:00:00Z","subject":"lower-case keys"}}`,
		`{"category":"AdvancedHunting-EmailEvents","time":"2026-11-02T00:00:00Z","properties":{"Subject":"time from the envelope"}}`,
		`{"category":"AdvancedHunting-EmailEvents","time":"2026-11-02T00:00:00Z","properties":{"Timestamp":null}}`,
		`{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00.5+01:00","Subject":"\u00e9\ud83d\ude00 caf` + "\xe9" + `","AttachmentCount":"3","UrlCount":2.0,"EmailClusterId":1e3}}`,
		`{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00Z","AttachmentCount":2147483648}}`,
		`{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00Z","AdditionalFields":{"a":[1,2]},"Subject":42}} `,
		`{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00Z"}} trailing`,
		`{"records":[{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00Z"}},{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2026-11-01T00:00:00Z","DeviceName":"d"}},7]}`,
		`{"records":[{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00Z","Subject":"x"}},{"category":"AdvancedHunting-EmailUrlInfo","properties":{"Timestamp":"bad"}}]}`,
		`   `,
		`{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00Z","Subject":"a\"b"}}`,
	}, "\n")
	for name, text := range inputs {
		sameBothWays(t, name, text)
	}
}

// sameBothWays parses text with the fast path and with the encoding/json
// path and reports the first difference in what the sink was told.
func sameBothWays(t *testing.T, name, text string) {
	t.Helper()
	run := func(slow bool) []string {
		noFastPath = slow
		defer func() { noFastPath = false }()
		m := &memSink{}
		if err := (Stream{}).Parse(context.Background(), source.NewLines(strings.NewReader(text), 0, 1), m, source.Config{}); err != nil {
			t.Fatal(err)
		}
		return m.log
	}
	fast, slow := run(false), run(true)
	if reflect.DeepEqual(fast, slow) {
		return
	}
	for i := range max(len(fast), len(slow)) {
		var f, s string
		if i < len(fast) {
			f = fast[i]
		}
		if i < len(slow) {
			s = slow[i]
		}
		if f != s {
			t.Errorf("%s: first difference at %d:\nfast: %s\nslow: %s", name, i, f, s)
			return
		}
	}
}

// FuzzFastPath: on any input the fast path tells the sink exactly what
// the encoding/json path does (rows, rejects and their reasons).
func FuzzFastPath(f *testing.F) {
	for _, p := range []string{"../testdata/defender/eventhub.json", "../testdata/defender/storage.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`{"category":"AdvancedHunting-EmailEvents","properties":{"Timestamp":"2026-11-01T00:00:00.1234567Z","Subject":"a\u00e9\"","AttachmentCount":1e0,"To":["x"]}}`)
	f.Add(`{"records":[{"category":"AdvancedHunting-EmailUrlInfo","time":"2026-11-01T00:00:00+01:00","properties":{"UrlChainPosition":"2"}},{}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			sameBothWays(t, "input", text)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("no result after 10 s on %q", text)
		}
	})
}
