package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/quarry-kql/quarry/schema"
)

func TestEnsureTableUsesSchemaTypes(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "q.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tbl, _ := schema.Builtin("EmailEvents")
	ctx := context.Background()
	if err := s.EnsureTable(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureTable(ctx, tbl); err != nil {
		t.Fatalf("second EnsureTable: %v", err)
	}
	var typ string
	err = s.DB.QueryRow(`SELECT data_type FROM information_schema.columns WHERE table_name='EmailEvents' AND column_name='EmailClusterId'`).Scan(&typ)
	if err != nil || typ != "BIGINT" {
		t.Fatalf("EmailClusterId type = %q, %v", typ, err)
	}
}

func TestQuote(t *testing.T) {
	if got := QuoteIdent(`a"b`); got != `"a""b"` {
		t.Errorf("QuoteIdent = %s", got)
	}
	if got := QuoteString(`it's`); got != `'it''s'` {
		t.Errorf("QuoteString = %s", got)
	}
}

func TestDefaultPathHonoursEnv(t *testing.T) {
	t.Setenv(EnvDB, "/tmp/x.duckdb")
	if got := DefaultPath(); got != "/tmp/x.duckdb" {
		t.Errorf("DefaultPath = %s", got)
	}
}
