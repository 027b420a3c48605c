package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/internal/testenv"
)

func loadCorpus(t testing.TB) *LoadResult {
	t.Helper()
	dir := testenv.Shared(t, "corpus", "sentinel-email")
	res, err := LoadDir(dir, LoadOptions{Source: Source{Repo: "Azure/Azure-Sentinel"}, PathPrefix: "Hunting Queries/Microsoft 365 Defender/Email and Collaboration Queries", Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestLoadCorpus(t *testing.T) {
	res := loadCorpus(t)
	if len(res.Rules) != 67 || len(res.Errors) != 0 || res.Files != 67 {
		t.Fatalf("loaded %d rules from %d files, errors %v; want 67 rules, no errors", len(res.Rules), res.Files, res.Errors)
	}
	for _, w := range res.Warnings {
		t.Log(w)
	}
	byName := map[string]*Rule{}
	for _, r := range res.Rules {
		byName[r.Name] = r
		if r.Query == "" || r.ID == "" {
			t.Errorf("%s: empty query or id", r.Source.Path)
		}
		if strings.Contains(r.Query, "\r") {
			t.Errorf("%s: query keeps CR characters", r.Source.Path)
		}
	}
	m := byName["Mailflow by directionality"]
	if m == nil {
		t.Fatal("Mailflow by directionality not loaded")
	}
	if m.ID != "6b478186-da3b-4d71-beaa-aa5b42908499" || m.Version != "1.0.0" ||
		strings.Join(m.Tactics, ",") != "InitialAccess" || strings.Join(m.Techniques, ",") != "T1566" ||
		strings.Join(m.DeclaredTables(), ",") != "EmailEvents" || !strings.HasPrefix(m.Query, "EmailEvents \n| where Timestamp > ago(30d)") {
		t.Errorf("Mailflow rule fields wrong: %+v", m)
	}
	if m.QueryLine != 16 {
		t.Errorf("Mailflow query line = %d, want 16", m.QueryLine)
	}
	if d, ok := m.Period(); !ok || d != 30*24*time.Hour {
		t.Errorf("Mailflow period = %v %v, want 720h", d, ok)
	}
	// Provenance comes from the pack's index.jsonl manifest.
	want := "https://github.com/Azure/Azure-Sentinel/blob/fe2521b0d95eaeba390140228667a9220fea23a7/Hunting%20Queries/Microsoft%20365%20Defender/Email%20and%20Collaboration%20Queries/Mailflow/Mailflow%20by%20directionality.yaml"
	if m.Source.Repo != "Azure/Azure-Sentinel" || m.Source.Commit != "fe2521b0d95eaeba390140228667a9220fea23a7" {
		t.Errorf("source %+v", m.Source)
	}
	if m.Source.URL != want {
		t.Errorf("URL = %s\nwant %s", m.Source.URL, want)
	}
	// "Email bombing.yaml" spells its tactic "Initial access" and has no
	// relevantTechniques: two warnings with lines.
	eb := byName["Email bombing attacks"]
	if eb == nil || strings.Join(eb.Tactics, ",") != "InitialAccess" {
		t.Fatalf("Email bombing tactics: %+v", eb)
	}
	var got []string
	for _, w := range eb.Warnings {
		got = append(got, w.String())
	}
	wantW := []string{
		`Hunting Queries/Microsoft 365 Defender/Email and Collaboration Queries/Email bombing.yaml:10: warning: tactic "Initial access" should be spelled "InitialAccess"; accepted`,
		`Hunting Queries/Microsoft 365 Defender/Email and Collaboration Queries/Email bombing.yaml:1: warning: rule has no relevantTechniques; it will not count towards ATT&CK coverage`,
		`Hunting Queries/Microsoft 365 Defender/Email and Collaboration Queries/Email bombing.yaml:1: warning: rule has no version`,
	}
	if strings.Join(got, "\n") != strings.Join(wantW, "\n") {
		t.Errorf("Email bombing warnings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantW, "\n"))
	}
}

// TestCorpusAttackIDsResolve: every tactic and technique the 67 rules
// claim resolves in the ATT&CK data built into quarry.
func TestCorpusAttackIDsResolve(t *testing.T) {
	res := loadCorpus(t)
	data, err := attack.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	techniques, tactics := 0, 0
	for _, r := range res.Rules {
		for _, id := range r.Techniques {
			techniques++
			if _, ok := data.Technique(id); !ok {
				t.Errorf("%s: technique %s does not resolve", r.Source.Path, id)
			}
		}
		for _, name := range r.Tactics {
			tactics++
			if _, ok := data.Tactic(name); !ok {
				t.Errorf("%s: tactic %s does not resolve", r.Source.Path, name)
			}
		}
	}
	if techniques != 75 || tactics != 76 {
		t.Errorf("checked %d technique and %d tactic claims, want 75 and 76 (from index.jsonl)", techniques, tactics)
	}
}
