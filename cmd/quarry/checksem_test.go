package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// quarry check reports semantic errors through the compiler's hook.
func TestSemanticCheck(t *testing.T) {
	dbPath = filepath.Join(t.TempDir(), "absent.duckdb")
	defer func() { dbPath = "" }()
	if semanticCheck == nil {
		t.Fatal("semanticCheck is not set")
	}
	errs := semanticCheck("EmailEvents\n| where Timestamp > ago(1d)\n| project Subjct")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "3:11: unknown column 'Subjct'; did you mean 'Subject'?") {
		t.Errorf("errors %v", errs)
	}
	if errs := semanticCheck("EmailEvents | summarize count() by EmailDirection"); len(errs) != 0 {
		t.Errorf("valid query: %v", errs)
	}
}
