package web

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/rules"
)

// RuleSource lists the rule catalog with what the pages show beyond the
// rule itself: runnability, tables, ATT&CK names and enrichment.
type RuleSource interface {
	Rules(ctx context.Context) ([]*RuleView, error)
}

// RuleView is one rule as the feed, the rule page and the API show it.
type RuleView struct {
	*rules.Rule
	// Runnable says whether the rule can run on this store; Reasons say
	// why not.
	Runnable bool     `json:"runnable"`
	Reasons  []string `json:"reasons,omitempty"`
	// Tables are the tables the query reads (from the bound query, else
	// the declared data types).
	Tables []string `json:"tables"`
	// Attack carries ATT&CK names and links for Rule.Techniques.
	Attack []Technique `json:"attack,omitempty"`
	// Enrichment is the Hunt Hypothesis and False Positive Guidance.
	Enrichment *Enrichment `json:"enrichment,omitempty"`
	// References are links shown under References.
	References []string `json:"references,omitempty"`
}

// Technique is an ATT&CK technique with its name and page.
type Technique struct {
	ID     string   `json:"id"`
	Name   string   `json:"name,omitempty"`
	URL    string   `json:"url"`
	Tactic []string `json:"tactics,omitempty"`
}

// Enrichment is the generated or AI-written text of a rule page.
type Enrichment struct {
	Hypothesis     string    `json:"hypothesis"`
	FalsePositives []string  `json:"falsePositives,omitempty"`
	AI             bool      `json:"ai"`     // written by a language model
	Notice         string    `json:"notice"` // "generated from ..." or "enriched with AI — validate before production"
	Confidence     string    `json:"confidence,omitempty"`
	GeneratedAt    time.Time `json:"generatedAt,omitzero"`
}

// CoverageSource gives the ATT&CK matrix of the catalog.
type CoverageSource interface {
	Coverage(ctx context.Context) (*Coverage, error)
}

// Coverage is the ATT&CK Enterprise matrix: tactics as columns, techniques
// as cells, with the rules claiming each.
type Coverage struct {
	Tactics []CoverageTactic `json:"tactics"`
}

// CoverageTactic is one column of the matrix.
type CoverageTactic struct {
	ID         string              `json:"id,omitempty"`
	Name       string              `json:"name"`
	Techniques []CoverageTechnique `json:"techniques"`
}

// CoverageTechnique is one cell: the rules that claim the technique and how
// many of them are runnable.
type CoverageTechnique struct {
	ID       string         `json:"id"`
	Name     string         `json:"name,omitempty"`
	URL      string         `json:"url,omitempty"`
	Rules    []CoverageRule `json:"rules"`
	Runnable int            `json:"runnable"`
}

// CoverageRule is a rule in a coverage cell.
type CoverageRule struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Runnable bool   `json:"runnable"`
}

// TechniqueURL is the ATT&CK page of a technique or sub-technique id
// (T1566.001 -> .../techniques/T1566/001/).
func TechniqueURL(id string) string {
	return "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"
}

// SourceName is the short source badge: "Azure-Sentinel" for
// Azure/Azure-Sentinel or its URL, the last path element otherwise.
func SourceName(repo string) string {
	repo = strings.TrimSuffix(strings.TrimSuffix(repo, "/"), ".git")
	if i := strings.LastIndexAny(repo, "/\\"); i >= 0 {
		repo = repo[i+1:]
	}
	return repo
}

// Badges are the tag badges after the rule's type: its type (hunting, analytic),
// "microsoft" and "official" for Microsoft's repositories, then its own tags.
func (v *RuleView) Badges() []string {
	out := []string{v.Type()}
	owner := strings.ToLower(v.Source.Repo)
	owner = strings.TrimPrefix(owner, "https://github.com/")
	if strings.HasPrefix(owner, "azure/") || strings.HasPrefix(owner, "microsoft/") || strings.HasPrefix(owner, "microsoftdocs/") {
		out = append(out, "microsoft", "official")
	}
	for _, t := range v.Rule.Tags {
		if !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// SeverityLabel is the upper-case severity badge, "UNRATED" when the rule
// has none.
func (v *RuleView) SeverityLabel() string {
	if v.Severity == "" {
		return "UNRATED"
	}
	return strings.ToUpper(v.Severity)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

var urlRE = regexp.MustCompile(`https?://[^\s"'<>)\]]+`)

// AllReferences are the rule's references, or else the links in its
// description, plus the ATT&CK pages of its techniques.
func (v *RuleView) AllReferences() []string {
	var out []string
	add := func(u string) {
		u = strings.TrimRight(u, ".,;")
		if !contains(out, u) {
			out = append(out, u)
		}
	}
	for _, r := range v.References {
		add(r)
	}
	if len(out) == 0 {
		for _, u := range urlRE.FindAllString(v.Description+"\n"+v.DescriptionDetailed, -1) {
			add(u)
		}
	}
	for _, t := range v.TechniqueList() {
		add(t.URL)
	}
	return out
}

// TechniqueList returns Techniques, or bare entries for Rule.Techniques
// when the source gave no ATT&CK names.
func (v *RuleView) TechniqueList() []Technique {
	if len(v.Attack) > 0 {
		return v.Attack
	}
	var out []Technique
	for _, id := range v.Techniques {
		out = append(out, Technique{ID: id, URL: TechniqueURL(id)})
	}
	return out
}

// Filter selects rules for the feed and GET /api/rules. Empty fields
// match everything; matching ignores case; a technique matches its
// sub-techniques (T1566 matches T1566.001).
type Filter struct {
	Table     string
	Tactic    string
	Technique string
	Severity  string
	Source    string
	Runnable  string // "", "yes" or "no"
	Text      string
	Sort      string // "name" (default), "severity", "source", "runnable"
}

var severityRank = map[string]int{"high": 0, "medium": 1, "low": 2, "informational": 3, "": 4}

// Match reports whether v passes f.
func (f Filter) Match(v *RuleView) bool {
	if f.Table != "" && !contains(v.Tables, f.Table) {
		return false
	}
	if f.Tactic != "" && !contains(v.Tactics, f.Tactic) {
		if c, ok := rules.CanonicalTactic(f.Tactic); !ok || !contains(v.Tactics, c) {
			return false
		}
	}
	if f.Technique != "" {
		want := strings.ToUpper(strings.TrimSpace(f.Technique))
		found := false
		for _, t := range v.Techniques {
			t = strings.ToUpper(t)
			if t == want || strings.HasPrefix(t, want+".") {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if f.Severity != "" && !strings.EqualFold(v.Severity, f.Severity) {
		return false
	}
	if f.Source != "" && !strings.EqualFold(SourceName(v.Source.Repo), f.Source) && !strings.EqualFold(v.Source.Repo, f.Source) {
		return false
	}
	switch f.Runnable {
	case "yes", "true":
		if !v.Runnable {
			return false
		}
	case "no", "false":
		if v.Runnable {
			return false
		}
	}
	if f.Text != "" {
		hay := strings.ToLower(v.Name + "\n" + v.Description + "\n" + v.Query + "\n" + v.ID)
		for _, w := range strings.Fields(strings.ToLower(f.Text)) {
			if !strings.Contains(hay, w) {
				return false
			}
		}
	}
	return true
}

// Apply returns the rules passing f, sorted as f.Sort asks.
func (f Filter) Apply(all []*RuleView) []*RuleView {
	var out []*RuleView
	for _, v := range all {
		if f.Match(v) {
			out = append(out, v)
		}
	}
	byName := func(i, j int) bool {
		if a, b := strings.ToLower(out[i].Name), strings.ToLower(out[j].Name); a != b {
			return a < b
		}
		return out[i].ID < out[j].ID
	}
	sort.SliceStable(out, func(i, j int) bool {
		switch f.Sort {
		case "severity":
			a, b := severityRank[strings.ToLower(out[i].Severity)], severityRank[strings.ToLower(out[j].Severity)]
			if a != b {
				return a < b
			}
		case "source":
			a, b := SourceName(out[i].Source.Repo), SourceName(out[j].Source.Repo)
			if a != b {
				return a < b
			}
		case "runnable":
			if out[i].Runnable != out[j].Runnable {
				return out[i].Runnable
			}
		}
		return byName(i, j)
	})
	return out
}

// CoverageFromRules builds a matrix from the rules' own tactics and
// techniques, without ATT&CK names: the fallback when no CoverageSource
// is wired. Tactics keep the order of Sentinel's tactic list.
func CoverageFromRules(all []*RuleView) *Coverage {
	type cell struct {
		t   CoverageTechnique
		pos int
	}
	cols := map[string]map[string]*cell{}
	for _, v := range all {
		for _, tac := range v.Tactics {
			if cols[tac] == nil {
				cols[tac] = map[string]*cell{}
			}
			for _, tech := range v.Techniques {
				c := cols[tac][tech]
				if c == nil {
					c = &cell{t: CoverageTechnique{ID: tech, URL: TechniqueURL(tech)}}
					cols[tac][tech] = c
				}
				c.t.Rules = append(c.t.Rules, CoverageRule{ID: v.ID, Name: v.Name, Runnable: v.Runnable})
				if v.Runnable {
					c.t.Runnable++
				}
			}
		}
	}
	var names []string
	for n := range cols {
		names = append(names, n)
	}
	order := func(n string) int {
		for i, t := range tacticOrder {
			if t == n {
				return i
			}
		}
		return len(tacticOrder)
	}
	sort.Slice(names, func(i, j int) bool {
		if a, b := order(names[i]), order(names[j]); a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	cov := &Coverage{}
	for _, n := range names {
		col := CoverageTactic{Name: n}
		for _, c := range cols[n] {
			col.Techniques = append(col.Techniques, c.t)
		}
		sort.Slice(col.Techniques, func(i, j int) bool { return col.Techniques[i].ID < col.Techniques[j].ID })
		cov.Tactics = append(cov.Tactics, col)
	}
	return cov
}

// tacticOrder is the Enterprise matrix's column order.
var tacticOrder = []string{
	"Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution",
	"Persistence", "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess",
	"Discovery", "LateralMovement", "Collection", "CommandAndControl",
	"Exfiltration", "Impact",
}
