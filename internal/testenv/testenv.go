// Package testenv finds the test data that lives outside the repository:
// the read-only ../shared folder next to the clone (corpus, conformance
// suite, golden data, the KQL syntax oracle).
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot returns the directory holding go.mod, found by walking up from
// the working directory (a package directory when run by go test).
func RepoRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Shared returns the path of ../shared/<elem...> next to the repository.
// QUARRY_SHARED overrides the location of shared/. When it is absent, the
// test is skipped with a message saying what is missing; CI always has it.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	base := os.Getenv("QUARRY_SHARED")
	if base == "" {
		root, ok := RepoRoot()
		if !ok {
			t.Skip("skipping: cannot find the repository root (go.mod)")
		}
		base = filepath.Join(filepath.Dir(root), "shared")
	}
	p := filepath.Join(append([]string{base}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("skipping: %s is absent (the shared test data lives in ../shared next to the clone; set QUARRY_SHARED to point elsewhere)", p)
	}
	return p
}
