package format

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/kql/parser"
)

// TestKustoAgreesWithFormat asks Microsoft's parser (Kusto.Language, via
// the shared kql-check tool) about every accepted corpus query and its
// canonical form with comments: the formatted text must be accepted, and
// its syntax tree must have the same shape as the original's. It needs
// Node.js and takes about half a minute, so it runs only with
// QUARRY_KUSTO_ORACLE=1.
func TestKustoAgreesWithFormat(t *testing.T) {
	if os.Getenv("QUARRY_KUSTO_ORACLE") == "" {
		t.Skip("set QUARRY_KUSTO_ORACLE=1 to compare with Kusto.Language (needs node and ../shared/tools/kql-check)")
	}
	tool := testenv.Shared(t, "tools", "kql-check")
	if _, err := os.Stat(filepath.Join(tool, "node_modules")); err != nil {
		t.Skipf("skipping: %s has no node_modules (run kql-check once to install it)", tool)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping: node is not installed")
	}
	orig, formatted := t.TempDir(), t.TempDir()
	n := 0
	for i, q := range acceptedCorpus(t) {
		s, errs := parser.Parse(q.text)
		if len(errs) > 0 {
			continue
		}
		name := fmt.Sprintf("%04d.kql", i)
		if err := os.WriteFile(filepath.Join(orig, name), []byte(q.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(formatted, name), []byte(ScriptWithComments(s, Comments(q.text))), 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}
	script, err := filepath.Abs(filepath.Join("testdata", "kusto-shape.js"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, script, filepath.Join(tool, "lib", "kusto.js"), orig, formatted).Output()
	if err != nil {
		t.Fatalf("kusto-shape.js: %v", err)
	}
	var r struct {
		Same, Different, Rejected int
		Examples                  []string
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("kusto-shape.js output %q: %v", out, err)
	}
	t.Logf("Kusto.Language on %d formatted queries: %d same tree shape, %d different, %d rejected", n, r.Same, r.Different, r.Rejected)
	if r.Same != n || r.Rejected != 0 {
		t.Errorf("Kusto.Language disagrees: %d of %d differ, %d rejected; %v", r.Different, n, r.Rejected, r.Examples)
	}
}
