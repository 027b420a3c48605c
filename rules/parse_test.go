package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseYAMLDiagnostics(t *testing.T) {
	tests := []struct {
		name, src string
		errors    []string
		warnings  []string
	}{
		{
			name: "datatypes typo is a warning",
			src: `id: 6b478186-da3b-4d71-beaa-aa5b42908499
name: x
requiredDataConnectors:
  - connectorId: MicrosoftThreatProtection
    datatypes:
      - EmailEvents
tactics: [InitialAccess]
relevantTechniques: [t1566]
query: EmailEvents | take 1
version: 1.0.0
`,
			warnings: []string{
				`r.yaml:5: warning: key "datatypes" should be spelled "dataTypes"; accepted`,
				`r.yaml:8: warning: technique "t1566" should be written "T1566"; accepted`,
			},
		},
		{
			name:   "no query is an error with the key's line",
			src:    "id: 6b478186-da3b-4d71-beaa-aa5b42908499\nname: Empty\nquery: \"\"\n",
			errors: []string{`r.yaml:3: error: rule "Empty" has no query`},
		},
		{
			name:   "missing query key: error at the mapping",
			src:    "id: 6b478186-da3b-4d71-beaa-aa5b42908499\nname: NoQuery\n",
			errors: []string{`r.yaml:1: error: rule "NoQuery" has no query`},
		},
		{
			name:   "invalid YAML names the line",
			src:    "id: 1\nname: x: y\nquery: T\n",
			errors: []string{`r.yaml:2: error: invalid YAML: mapping values are not allowed in this context`},
		},
		{
			name: "unknown key, bad tactic, scalar tactics, non-GUID id",
			src:  "id: abc\nname: x\nqueryy: 1\ntactics: Persistance\nrelevantTechniques:\n  - TA0001\nquery: T\nversion: 1\n",
			warnings: []string{
				`r.yaml:3: warning: unknown key "queryy" ignored`,
				`r.yaml:4: warning: tactics should be a list; read "Persistance" as a list of one`,
				`r.yaml:4: warning: unknown tactic "Persistance" (Sentinel tactics are Reconnaissance, ResourceDevelopment, InitialAccess, Execution, Persistence, PrivilegeEscalation, DefenseEvasion, CredentialAccess, Discovery, LateralMovement, Collection, CommandAndControl, Exfiltration, Impact)`,
				`r.yaml:6: warning: "TA0001" is not an ATT&CK technique id (T1234 or T1234.001)`,
				`r.yaml:1: warning: id "abc" is not a GUID`,
			},
		},
		{
			name: "analytic rule without queryPeriod or severity",
			src:  "id: 6b478186-da3b-4d71-beaa-aa5b42908499\nname: a\nkind: Scheduled\nqueryFrequency: 1h\nrelevantTechniques: [T1566]\nquery: T\nversion: 1.0.0\n",
			warnings: []string{
				`r.yaml:1: warning: analytic rule has no queryPeriod`,
				`r.yaml:1: warning: analytic rule has no severity`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fr := ParseYAML("r.yaml", []byte(tc.src))
			check := func(what string, got []Diagnostic, want []string) {
				var g []string
				for _, d := range got {
					g = append(g, d.String())
				}
				if strings.Join(g, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s:\n%s\nwant\n%s", what, strings.Join(g, "\n"), strings.Join(want, "\n"))
				}
			}
			check("errors", fr.errors, tc.errors)
			check("warnings", fr.warnings, tc.warnings)
			if len(tc.errors) > 0 && len(fr.rules) != 0 {
				t.Errorf("a file with an error gave %d rules", len(fr.rules))
			}
			if len(tc.errors) == 0 && len(fr.rules) != 1 {
				t.Errorf("got %d rules, want 1", len(fr.rules))
			}
		})
	}
}

func TestAnalyticRuleFields(t *testing.T) {
	src := `id: 0b1c2d3e-aaaa-bbbb-cccc-0123456789ab
name: Phish delivered then clicked
description: |
  Detects a clicked phish.
severity: High
kind: Scheduled
requiredDataConnectors:
  - connectorId: MicrosoftThreatProtection
    dataTypes:
      - EmailEvents
      - UrlClickEvents
queryFrequency: 1h
queryPeriod: 14d
triggerOperator: gt
triggerThreshold: 0
tactics:
  - InitialAccess
relevantTechniques:
  - T1566.002
query: |
  EmailEvents | where Timestamp > ago(1d)
entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: RecipientEmailAddress
customDetails:
  Sender: SenderFromAddress
incidentConfiguration:
  createIncident: true
eventGroupingSettings:
  aggregationKind: SingleAlert
alertDetailsOverride:
  alertDisplayNameFormat: "Phish to {{RecipientEmailAddress}}"
version: 1.0.2
status: Available
tags: [Email, Phish]
metadata:
  source:
    kind: Community
`
	fr := ParseYAML("a.yaml", []byte(src))
	if len(fr.errors) != 0 || len(fr.warnings) != 0 || len(fr.rules) != 1 {
		t.Fatalf("errors %v warnings %v", fr.errors, fr.warnings)
	}
	r := fr.rules[0]
	if !r.Analytic() || r.Type() != "analytic" || r.Severity != "High" || r.QueryPeriod != "14d" ||
		r.TriggerThreshold == nil || *r.TriggerThreshold != 0 || r.TriggerOperator != "gt" ||
		strings.Join(r.DeclaredTables(), ",") != "EmailEvents,UrlClickEvents" ||
		strings.Join(r.Tags, ",") != "Email,Phish" || r.Status != "Available" || r.Version != "1.0.2" {
		t.Errorf("fields: %+v", r)
	}
	if d, ok := r.Period(); !ok || d != 14*24*time.Hour {
		t.Errorf("period %v %v: queryPeriod wins over ago()", d, ok)
	}
	if r.EntityMappings == nil || r.CustomDetails == nil || r.IncidentConfiguration == nil || r.EventGroupingSettings == nil || r.AlertDetailsOverride == nil || r.Metadata == nil {
		t.Errorf("structured fields lost: %+v", r)
	}
}

func TestParseMarkdown(t *testing.T) {
	src := "# Phish links clicked\n\nFinds users who clicked a phishing link (T1566.002).\n\n```kql\nUrlClickEvents\n| where ActionType == \"ClickAllowed\"\n```\n\nSentinel version:\n\n```KQL\nUrlClickEvents | take 10\n```\n\n```powershell\nGet-Thing\n```\n"
	fr := ParseMarkdown("Email/phish.md", []byte(src))
	if len(fr.rules) != 2 || len(fr.errors) != 0 || len(fr.warnings) != 0 {
		t.Fatalf("rules %d errors %v warnings %v", len(fr.rules), fr.errors, fr.warnings)
	}
	a, b := fr.rules[0], fr.rules[1]
	if a.Name != "Phish links clicked (1)" || b.Name != "Phish links clicked (2)" || a.ID == b.ID {
		t.Errorf("names/ids: %q %q %q %q", a.Name, b.Name, a.ID, b.ID)
	}
	if a.Query != "UrlClickEvents\n| where ActionType == \"ClickAllowed\"\n" || a.QueryLine != 6 || b.QueryLine != 13 {
		t.Errorf("query %q line %d / %d", a.Query, a.QueryLine, b.QueryLine)
	}
	if strings.Join(a.Techniques, ",") != "T1566.002" || !strings.Contains(a.Description, "clicked a phishing link") || a.Format != FormatDefenderMD {
		t.Errorf("technique/description: %+v", a)
	}
	if again := ParseMarkdown("Email/phish.md", []byte(src)); again.rules[0].ID != a.ID {
		t.Error("markdown rule ids are not stable")
	}
	if fr := ParseMarkdown("README.md", []byte("# Readme\n\n```sh\nls\n```\n")); !fr.skipped || len(fr.rules) != 0 {
		t.Error("markdown without kql blocks should be skipped")
	}
}

func TestLoadDirContinuesAfterErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/good.yaml", "id: 6b478186-da3b-4d71-beaa-aa5b42908499\nname: good\nrelevantTechniques: [T1566]\nquery: EmailEvents\nversion: 1\n")
	write("a/broken.yml", "id: [\n")
	write("b/noquery.YAML", "id: 6b478186-da3b-4d71-beaa-aa5b42908490\nname: nq\n")
	write("b/hunt.md", "# Hunt\n```kusto\nEmailEvents | take 1\n```\n")
	write("b/notes.txt", "ignored")
	write(".git/x.yaml", "query: nope")
	write("c/other.yaml", "foo: bar\n")
	res, err := LoadDir(dir, LoadOptions{Source: Source{Repo: "Azure/Azure-Sentinel", Commit: "abc123"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range res.Rules {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "good,Hunt" || res.Files != 5 || res.Skipped != 1 || len(res.Errors) != 2 {
		t.Fatalf("rules %v files %d skipped %d errors %v", names, res.Files, res.Skipped, res.Errors)
	}
	if res.Errors[0].File != "a/broken.yml" || res.Errors[0].Line != 1 || res.Errors[1].String() != `b/noquery.YAML:1: error: rule "nq" has no query` {
		t.Errorf("errors %v", res.Errors)
	}
	if u := res.Rules[0].Source.URL; u != "https://github.com/Azure/Azure-Sentinel/blob/abc123/a/good.yaml" {
		t.Errorf("url %s", u)
	}
}

func TestGitHubRepo(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/Azure/Azure-Sentinel.git": "Azure/Azure-Sentinel",
		"https://github.com/Azure/Azure-Sentinel":     "Azure/Azure-Sentinel",
		"git@github.com:Azure/Azure-Sentinel.git":     "Azure/Azure-Sentinel",
		"Azure/Azure-Sentinel":                        "Azure/Azure-Sentinel",
		"file:///tmp/x.git":                           "",
		"/home/me/Azure-Sentinel":                     "",
		"https://gitlab.com/a/b.git":                  "",
	} {
		if got := GitHubRepo(in); got != want {
			t.Errorf("GitHubRepo(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseDefenderRepoMarkdown: the layout of the
// Microsoft-365-Defender-Hunting-Queries repository: an unlabelled fence
// holding the query and a "Covered? (v=yes)" table of tactics.
func TestParseDefenderRepoMarkdown(t *testing.T) {
	src := "## JNLP File Attachments\nJNLP files are an uncommon attachment type.\n\n## Query\nLooks for attachments ending in .jnlp.\n```\nEmailAttachmentInfo\n| where FileName endswith \".jnlp\"\n```\n\n## Category\n| Technique, tactic, or state | Covered? (v=yes) | Notes |\n|------------------------|----------|-------|\n| Initial access | v |  |\n| Execution |  |  |\n| Lateral movement | v |  |\n| Vulnerability | v |  |\n\n```\nC:\\\\Windows\\\\System32\n```\n"
	fr := ParseMarkdown("Email Queries/JNLP.md", []byte(src))
	if len(fr.rules) != 1 || len(fr.warnings) != 0 {
		t.Fatalf("rules %d warnings %v", len(fr.rules), fr.warnings)
	}
	r := fr.rules[0]
	if r.Name != "JNLP File Attachments" || strings.Join(r.Tactics, ",") != "InitialAccess,LateralMovement" ||
		r.Query != "EmailAttachmentInfo\n| where FileName endswith \".jnlp\"\n" || r.QueryLine != 7 {
		t.Errorf("rule: name %q tactics %v query %q line %d", r.Name, r.Tactics, r.Query, r.QueryLine)
	}
	if strings.Contains(r.Description, "Covered?") || strings.Contains(r.Description, "##") || !strings.Contains(r.Description, "uncommon attachment type") {
		t.Errorf("description: %q", r.Description)
	}
	for _, q := range []string{"let x = 1;\nx", "// c\nunion A, B", "T\n| take 1"} {
		if !looksLikeKQL(q) {
			t.Errorf("looksLikeKQL(%q) = false", q)
		}
	}
	for _, q := range []string{"C:\\Windows", "Get-Mailbox | Select Name", "https://example.com/x"} {
		if looksLikeKQL(q) {
			t.Errorf("looksLikeKQL(%q) = true", q)
		}
	}
}

func TestLoadDirManifest(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("id: 6b478186-da3b-4d71-beaa-aa5b42908499\nname: a\nquery: T\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("id: 6b478186-da3b-4d71-beaa-aa5b42908490\nname: b\nquery: T\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"file": "a.yaml", "source_repo": "Azure/Azure-Sentinel", "path": "Hunting Queries/a.yaml", "source_commit": "c0ffee"}`+"\n"), 0o644)
	res, err := LoadDir(dir, LoadOptions{Source: Source{Repo: dir}})
	if err != nil || len(res.Rules) != 2 {
		t.Fatalf("%v %v", err, res)
	}
	a, b := res.Rules[0], res.Rules[1]
	if a.Source.Repo != "Azure/Azure-Sentinel" || a.Source.Path != "Hunting Queries/a.yaml" || a.Source.Commit != "c0ffee" ||
		a.Source.URL != "https://github.com/Azure/Azure-Sentinel/blob/c0ffee/Hunting%20Queries/a.yaml" {
		t.Errorf("a: %+v", a.Source)
	}
	if b.Source.Repo != dir || b.Source.Path != "b.yaml" || b.Source.URL != "" {
		t.Errorf("b (not in the manifest): %+v", b.Source)
	}
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte("{}\nnot json\n"), 0o644)
	if _, err := LoadDir(dir, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "index.jsonl:2:") {
		t.Errorf("bad manifest: %v", err)
	}
}
