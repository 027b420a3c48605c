package enrich

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/rules"
)

// Page is a rule page: the seed SOC-feed page's sections for one rule.
// The CLI prints it with WriteText; the web console renders the same
// fields.
type Page struct {
	Rule       *rules.Rule
	Status     *rules.Status // nil when runnability was not checked
	Enrichment *Enrichment   // nil when not enriched
	Attack     *attack.Data
}

// Badge is one badge of the page header.
type Badge struct {
	Kind  string `json:"kind"` // language, severity, source, technique, table, tag
	Label string `json:"label"`
}

// Badges returns the header badges: language, severity, source,
// techniques, tables and tags, as on the seed page.
func (p *Page) Badges() []Badge {
	r := p.Rule
	out := []Badge{{"language", "kql"}}
	if r.Severity != "" {
		out = append(out, Badge{"severity", strings.ToUpper(r.Severity)})
	}
	out = append(out, Badge{"source", SourceLabel(r.Source.Repo)})
	for _, t := range r.Techniques {
		out = append(out, Badge{"technique", t})
	}
	for _, t := range p.Tables() {
		out = append(out, Badge{"table", t})
	}
	for _, t := range Tags(r) {
		out = append(out, Badge{"tag", t})
	}
	return out
}

// Tables are the tables the rule reads: from the runnable check when
// available, else requiredDataConnectors.
func (p *Page) Tables() []string {
	if p.Status != nil && len(p.Status.Tables) > 0 {
		return p.Status.Tables
	}
	return p.Rule.DeclaredTables()
}

// SourceLabel is the short name of a rule source: the repository name of
// "owner/name", the last element of a path or URL.
func SourceLabel(repo string) string {
	repo = strings.TrimSuffix(strings.TrimRight(repo, "/"), ".git")
	if i := strings.LastIndexAny(repo, "/:"); i >= 0 {
		return repo[i+1:]
	}
	return repo
}

// Tags are the rule's own tags plus its type (hunting or analytic) and,
// for rules from Microsoft's repositories, "microsoft" and "official".
func Tags(r *rules.Rule) []string {
	out := []string{r.Type()}
	owner, _, _ := strings.Cut(rules.GitHubRepo(r.Source.Repo), "/")
	switch strings.ToLower(owner) {
	case "azure", "microsoft", "microsoftdocs":
		out = append(out, "microsoft", "official")
	}
	for _, t := range r.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		dup := false
		for _, x := range out {
			if x == t {
				dup = true
			}
		}
		if !dup && t != "" {
			out = append(out, t)
		}
	}
	return out
}

// WriteText prints the page for a terminal.
func (p *Page) WriteText(w io.Writer) error {
	r := p.Rule
	var b strings.Builder
	b.WriteString(r.Name + "\n")
	b.WriteString(strings.Repeat("=", min(len([]rune(r.Name)), 80)) + "\n")
	var badges []string
	for _, bd := range p.Badges() {
		badges = append(badges, "["+bd.Label+"]")
	}
	b.WriteString(strings.Join(badges, " ") + "\n")
	fmt.Fprintf(&b, "ID: %s", r.ID)
	if r.Version != "" {
		fmt.Fprintf(&b, " · version %s", r.Version)
	}
	b.WriteString("\n")
	if !r.Source.RetrievedAt.IsZero() {
		fmt.Fprintf(&b, "Retrieved: %s", r.Source.RetrievedAt.UTC().Format(time.RFC3339))
		if r.Source.Commit != "" {
			fmt.Fprintf(&b, " · commit %s", shortCommit(r.Source.Commit))
		}
		b.WriteString("\n")
	}
	if e := p.Enrichment; e != nil {
		if e.AI() {
			fmt.Fprintf(&b, "! This rule was %s.\n", AINotice)
		}
		if e.Confidence != "" {
			fmt.Fprintf(&b, "Confidence: %s\n", e.Confidence)
		}
	}
	if s := p.Status; s != nil {
		if s.Runnable {
			b.WriteString("Runnable on this store: yes")
			if s.Period != "" {
				fmt.Fprintf(&b, " (data in the last %s)", s.Period)
			}
			b.WriteString("\n")
		} else {
			b.WriteString("Runnable on this store: no\n")
			for _, reason := range s.Reasons {
				fmt.Fprintf(&b, "  - %s\n", reason)
			}
		}
	}
	if d := strings.TrimSpace(firstNonEmpty(r.DescriptionDetailed, r.Description)); d != "" {
		b.WriteString("\n" + d + "\n")
	}

	section := func(title string) { fmt.Fprintf(&b, "\n## %s\n\n", title) }
	section("Hunt Hypothesis")
	if e := p.Enrichment; e != nil {
		b.WriteString(e.Hypothesis + "\n")
		fmt.Fprintf(&b, "(%s)\n", e.Notice)
	} else {
		b.WriteString("(not enriched)\n")
	}

	section("KQL Query")
	b.WriteString(indent(strings.TrimRight(r.Query, "\n")) + "\n")

	if r.Format == rules.FormatSentinelYAML {
		section("Analytic Rule Definition")
	} else {
		section("Rule Definition (Markdown)")
	}
	b.WriteString(indent(strings.TrimRight(strings.ReplaceAll(r.Definition, "\r\n", "\n"), "\n")) + "\n")

	section("Required Data Sources")
	declared := r.DeclaredTables()
	for _, t := range p.Tables() {
		var notes []string
		if contains(declared, t) {
			for _, dc := range r.RequiredDataConnectors {
				if contains(dc.DataTypes, t) && dc.ConnectorID != "" {
					notes = append(notes, "connector "+dc.ConnectorID)
				}
			}
		} else if len(declared) > 0 {
			notes = append(notes, "read by the query, not listed in requiredDataConnectors")
		}
		if p.Status != nil {
			if n, ok := p.Status.Rows[t]; ok && n > 0 {
				if p.Status.Period != "" {
					notes = append(notes, fmt.Sprintf("%d rows in the last %s", n, p.Status.Period))
				} else {
					notes = append(notes, fmt.Sprintf("%d rows", n))
				}
			}
			for _, reason := range p.Status.Reasons {
				if strings.Contains(reason, "table "+t+" ") {
					notes = append(notes, strings.TrimPrefix(reason, "table "+t+" "))
				}
			}
		}
		line := "- " + t
		if len(notes) > 0 {
			line += " — " + strings.Join(notes, "; ")
		}
		b.WriteString(line + "\n")
	}
	for _, t := range declared {
		if !contains(p.Tables(), t) {
			fmt.Fprintf(&b, "- %s — listed in requiredDataConnectors, not read by the query\n", t)
		}
	}
	if p.Status != nil {
		for _, n := range p.Status.Notes {
			fmt.Fprintf(&b, "Note: %s\n", n)
		}
	}

	section("MITRE ATT&CK")
	if len(r.Tactics) == 0 && len(r.Techniques) == 0 {
		b.WriteString("The rule claims no tactic or technique.\n")
	}
	for _, name := range r.Tactics {
		if p.Attack != nil {
			if t, ok := p.Attack.Tactic(name); ok {
				fmt.Fprintf(&b, "- Tactic %s %s — %s %s\n", t.ID, t.Name, t.Description, t.URL)
				continue
			}
		}
		fmt.Fprintf(&b, "- Tactic %s (not in the ATT&CK data)\n", name)
	}
	for _, id := range r.Techniques {
		if p.Attack != nil {
			if t, ok := p.Attack.Technique(id); ok {
				fmt.Fprintf(&b, "- Technique %s %s", t.ID, t.Name)
				if t.Parent != "" {
					if parent, ok := p.Attack.Technique(t.Parent); ok {
						fmt.Fprintf(&b, " (sub-technique of %s %s)", parent.ID, parent.Name)
					}
				}
				fmt.Fprintf(&b, " — %s %s\n", firstSentence(t.Description), t.URL)
				continue
			}
		}
		fmt.Fprintf(&b, "- Technique %s (not in the ATT&CK data)\n", id)
	}
	if p.Attack != nil && p.Attack.Fixture() {
		fmt.Fprintf(&b, "Note: %s\n", p.Attack.Notice())
	}

	section("References")
	refs := References(r, p.Attack)
	if len(refs) == 0 {
		b.WriteString("(none)\n")
	}
	for _, u := range refs {
		b.WriteString("- " + u + "\n")
	}

	section("False Positive Guidance")
	if e := p.Enrichment; e != nil {
		b.WriteString(e.FalsePositives + "\n")
		fmt.Fprintf(&b, "(%s)\n", e.Notice)
	} else {
		b.WriteString("(not enriched)\n")
	}

	if len(r.Warnings) > 0 {
		section("Loader Warnings")
		for _, d := range r.Warnings {
			b.WriteString("- " + d.String() + "\n")
		}
	}

	b.WriteString("\n")
	if r.Source.URL != "" {
		fmt.Fprintf(&b, "View original rule: %s\n", r.Source.URL)
	} else {
		fmt.Fprintf(&b, "Original rule: %s (%s)\n", r.Source.Path, r.Source.Repo)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
