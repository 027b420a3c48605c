package source

import (
	"encoding/json"
	"time"

	"github.com/quarry-kql/quarry/kql/types"
	"github.com/quarry-kql/quarry/store"
)

// ParseTime parses a datetime as written in exports (ISO 8601, or the
// Defender portal's "Nov 1, 2026 8:15:02 AM" and "11/1/2026 8:15:02 AM",
// UTC) and returns it in UTC. It is store's export-input datetime parser.
func ParseTime(s string) (time.Time, error) { return store.ExportInput.ParseTime(s) }

// Clip shortens text quoted in a reject reason to 80 bytes.
func Clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// Convert turns a decoded JSON value (from encoding/json with UseNumber)
// or a CSV text into the Go value stored for a column of type t. Empty text
// is null for non-string types and "" for strings. It is store.Convert
// with ExportInput (see there for what export input means), except that a
// dynamic value comes back as json.RawMessage, which the ingest writer
// stores as JSON, instead of text for DuckDB to cast.
func Convert(t types.Type, v any) (any, error) {
	x, err := store.Convert(t, v, store.ExportInput)
	if s, ok := x.(string); ok && err == nil && t == types.Dynamic {
		return json.RawMessage(s), nil
	}
	return x, err
}
