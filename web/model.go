package web

import (
	"context"
	"sort"
	"strings"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/enrich"
	"github.com/quarry-kql/quarry/rules"
)

// RuleSource is the rule catalog as the pages show it: one enrich.Page per
// rule (the rule, its runnable status, its enrichment and the ATT&CK
// data), and the ATT&CK data for the coverage matrix.
type RuleSource interface {
	Rules(ctx context.Context) ([]*enrich.Page, error)
	Attack() *attack.Data
}

// runnable is the rule's runnable status; a rule never checked is not
// runnable (and the runnable filter, yes or no, leaves it out).
func runnable(p *enrich.Page) bool { return p.Status != nil && p.Status.Runnable }

// Filter selects and orders rules for the feed and GET /api/rules: the
// filters of `quarry rules list`, plus a sort order.
type Filter struct {
	rules.Filter
	Runnable string // "", "yes" or "no", as the form sends it
	Sort     string // "name" (default), "severity", "source", "runnable"
}

var severityRank = map[string]int{"high": 0, "medium": 1, "low": 2, "informational": 3}

func sevRank(s string) int {
	if r, ok := severityRank[strings.ToLower(s)]; ok {
		return r
	}
	return len(severityRank)
}

// Apply returns the pages passing f, sorted as f.Sort asks (ties by name).
func (f Filter) Apply(all []*enrich.Page) []*enrich.Page {
	rf := f.Filter
	switch f.Runnable {
	case "yes", "true":
		yes := true
		rf.Runnable = &yes
	case "no", "false":
		no := false
		rf.Runnable = &no
	}
	var out []*enrich.Page
	for _, p := range all {
		if rf.Match(p.Rule, p.Status) {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch f.Sort {
		case "severity":
			if x, y := sevRank(a.Rule.Severity), sevRank(b.Rule.Severity); x != y {
				return x < y
			}
		case "source":
			if x, y := enrich.SourceLabel(a.Rule.Source.Repo), enrich.SourceLabel(b.Rule.Source.Repo); x != y {
				return x < y
			}
		case "runnable":
			if x, y := runnable(a), runnable(b); x != y {
				return x
			}
		}
		if x, y := strings.ToLower(a.Rule.Name), strings.ToLower(b.Rule.Name); x != y {
			return x < y
		}
		return a.Rule.ID < b.Rule.ID
	})
	return out
}

// coverageOf lays the rules over the ATT&CK matrix, as `quarry coverage`.
func coverageOf(d *attack.Data, pages []*enrich.Page) *attack.Coverage {
	refs := make([]attack.RuleRef, 0, len(pages))
	for _, p := range pages {
		refs = append(refs, attack.RuleRef{ID: p.Rule.ID, Name: p.Rule.Name, Techniques: p.Rule.Techniques, Tactics: p.Rule.Tactics, Runnable: runnable(p)})
	}
	return attack.Compute(d, refs)
}

// attackItem is a tactic or technique line of the rule page.
type attackItem struct {
	Kind, ID, Name, Description, URL string
	Parent                           string // "T1566 Phishing" for a sub-technique
	Known                            bool   // found in the ATT&CK data
}

// attackItems resolves the rule's tactics and techniques against the
// ATT&CK data.
func attackItems(p *enrich.Page) []attackItem {
	var out []attackItem
	for _, name := range p.Rule.Tactics {
		it := attackItem{Kind: "Tactic", ID: name}
		if p.Attack != nil {
			if t, ok := p.Attack.Tactic(name); ok {
				it = attackItem{Kind: "Tactic", ID: t.ID, Name: t.Name, Description: t.Description, URL: t.URL, Known: true}
			}
		}
		out = append(out, it)
	}
	for _, id := range p.Rule.Techniques {
		it := attackItem{Kind: "Technique", ID: id, URL: "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"}
		if p.Attack != nil {
			if t, ok := p.Attack.Technique(id); ok {
				it = attackItem{Kind: "Technique", ID: t.ID, Name: t.Name, Description: t.Description, URL: t.URL, Known: true}
				if t.Parent != "" {
					it.Parent = t.Parent
					if parent, ok := p.Attack.Technique(t.Parent); ok {
						it.Parent += " " + parent.Name
					}
				}
			}
		}
		out = append(out, it)
	}
	return out
}

// dataSource is a row of the rule page's Required Data Sources.
type dataSource struct {
	Table    string
	Present  bool
	Declared bool // listed in requiredDataConnectors
	Read     bool // read by the query
	Rows     int64
	HasRows  bool // Rows is known (the runnable check counted them)
	Notes    []string
}

func dataSources(p *enrich.Page, present map[string]bool) []dataSource {
	declared := p.Rule.DeclaredTables()
	read := p.Tables()
	var out []dataSource
	add := func(t string, isRead bool) {
		ds := dataSource{Table: t, Present: present[t], Read: isRead, Declared: contains(declared, t)}
		if p.Status != nil {
			ds.Rows, ds.HasRows = p.Status.Rows[t]
		}
		for _, dc := range p.Rule.RequiredDataConnectors {
			if contains(dc.DataTypes, t) && dc.ConnectorID != "" {
				ds.Notes = append(ds.Notes, "connector "+dc.ConnectorID)
			}
		}
		if isRead && !ds.Declared && len(declared) > 0 {
			ds.Notes = append(ds.Notes, "read by the query, not listed in requiredDataConnectors")
		}
		if !isRead {
			ds.Notes = append(ds.Notes, "listed in requiredDataConnectors, not read by the query")
		}
		if p.Status != nil {
			for _, reason := range p.Status.Reasons {
				if strings.Contains(reason, "table "+t+" ") {
					ds.Notes = append(ds.Notes, strings.TrimPrefix(reason, "table "+t+" "))
				}
			}
		}
		out = append(out, ds)
	}
	for _, t := range read {
		add(t, true)
	}
	for _, t := range declared {
		if !contains(read, t) {
			add(t, false)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
