package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// checkFileResult checks what a rule file parser promises whatever the
// input: every diagnostic names the file, a line inside it and a message;
// a rule has a query; a file gives rules or errors, never both silently
// dropped.
func checkFileResult(t *testing.T, path string, data []byte, fr fileResult) {
	t.Helper()
	// Lines as YAML counts them: a lone CR, NEL, LS and PS break a line
	// too.
	norm := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	lines := 1
	for _, br := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
		lines += bytes.Count(norm, []byte(br))
	}
	for _, d := range append(append([]Diagnostic(nil), fr.warnings...), fr.errors...) {
		// (UTF-16 input, which YAML decodes, has other line breaks.)
		if d.File != path || d.Line < 0 || (d.Line > lines && utf8.Valid(data)) || d.Message == "" {
			t.Fatalf("diagnostic %+v (file has %d lines)", d, lines)
		}
	}
	for _, r := range fr.rules {
		if r.Query == "" {
			t.Fatalf("rule %q without a query", r.Name)
		}
	}
}

// FuzzParseYAML: Sentinel YAML of any shape parses without panicking and
// with well-formed diagnostics.
func FuzzParseYAML(f *testing.F) {
	if dir := os.Getenv("QUARRY_SHARED"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "corpus", "sentinel-email", "*.yaml"))
		for _, p := range files[:min(len(files), 10)] {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("id: 1\nname: n\nquery: |\n  EmailEvents\n  | take 1\ntactics: [InitialAccess]\nrelevantTechniques: T1566\nrequiredDataConnectors:\n- connectorId: x\n  datatypes: [EmailEvents]\n"))
	f.Add([]byte("name: [\n"))
	f.Add([]byte("query: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFileResult(t, "r.yaml", data, ParseYAML("r.yaml", data))
	})
}

// FuzzParseMarkdown: the same for Defender hunting-query Markdown.
func FuzzParseMarkdown(f *testing.F) {
	f.Add([]byte("# Title\n\nProse.\n\n```kql\nEmailEvents\n| take 1\n```\n"))
	f.Add([]byte("```kql\n```\n```KQL\nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFileResult(t, "r.md", data, ParseMarkdown("r.md", data))
	})
}
