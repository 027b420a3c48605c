package attack

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// RuleRef is what coverage needs to know about a rule.
type RuleRef struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Techniques []string `json:"techniques"`
	// Tactics are the rule's declared tactics (any spelling); a technique
	// that belongs to several tactics is counted under the ones the rule
	// declares, or under all of them when the rule declares none of its
	// tactics.
	Tactics  []string `json:"tactics,omitempty"`
	Runnable bool     `json:"runnable"`
}

// Cell is one technique under one tactic, with the rules claiming it.
type Cell struct {
	Technique *Technique `json:"-"`
	Tactic    string     `json:"tactic"` // tactic short name
	Rules     []RuleRef  `json:"-"`
	// Runnable is how many of Rules can run on the store.
	Runnable int `json:"runnable"`
}

// Column is one tactic of the matrix and its covered techniques, in
// technique id order.
type Column struct {
	Tactic *Tactic
	Cells  []*Cell
}

// Unresolved is a technique id a rule claims that the ATT&CK data does not
// know (revoked, deprecated, mistyped, or missing from a fixture snapshot).
type Unresolved struct {
	RuleID    string `json:"ruleId"`
	RuleName  string `json:"ruleName"`
	Technique string `json:"technique"`
}

// Coverage is a rule set laid over the Enterprise matrix.
type Coverage struct {
	Data    *Data
	Columns []*Column // every tactic, in matrix order
	// Rules is the number of rules, Runnable how many of them run,
	// WithoutTechniques how many claim no technique.
	Rules, Runnable, WithoutTechniques int
	Unresolved                         []Unresolved
}

// Compute lays rules over the matrix of d.
func Compute(d *Data, rules []RuleRef) *Coverage {
	cov := &Coverage{Data: d, Rules: len(rules)}
	cells := map[string]*Cell{} // technique id + "/" + tactic
	col := map[string]*Column{}
	for _, t := range d.Tactics {
		c := &Column{Tactic: t}
		cov.Columns = append(cov.Columns, c)
		col[t.ShortName] = c
	}
	for _, r := range rules {
		if r.Runnable {
			cov.Runnable++
		}
		if len(r.Techniques) == 0 {
			cov.WithoutTechniques++
		}
		declared := map[string]bool{}
		for _, name := range r.Tactics {
			if t, ok := d.Tactic(name); ok {
				declared[t.ShortName] = true
			}
		}
		for _, id := range r.Techniques {
			tech, ok := d.Technique(id)
			if !ok {
				cov.Unresolved = append(cov.Unresolved, Unresolved{RuleID: r.ID, RuleName: r.Name, Technique: id})
				continue
			}
			var under []string
			for _, tac := range tech.Tactics {
				if declared[tac] {
					under = append(under, tac)
				}
			}
			if len(under) == 0 {
				under = tech.Tactics
			}
			for _, tac := range under {
				c := col[tac]
				if c == nil {
					continue
				}
				key := tech.ID + "/" + tac
				cell := cells[key]
				if cell == nil {
					cell = &Cell{Technique: tech, Tactic: tac}
					cells[key] = cell
					c.Cells = append(c.Cells, cell)
				}
				if !hasRule(cell.Rules, r.ID) {
					cell.Rules = append(cell.Rules, r)
					if r.Runnable {
						cell.Runnable++
					}
				}
			}
		}
	}
	for _, c := range cov.Columns {
		sort.Slice(c.Cells, func(i, j int) bool { return c.Cells[i].Technique.ID < c.Cells[j].Technique.ID })
	}
	return cov
}

func hasRule(rs []RuleRef, id string) bool {
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// Cells returns every covered (technique, tactic) cell in matrix order.
func (c *Coverage) Cells() []*Cell {
	var out []*Cell
	for _, col := range c.Columns {
		out = append(out, col.Cells...)
	}
	return out
}

// Techniques returns the number of distinct techniques (and
// sub-techniques) claimed by at least one rule, and by at least one
// runnable rule.
func (c *Coverage) Techniques() (claimed, runnable int) {
	seen := map[string]bool{}
	run := map[string]bool{}
	for _, cell := range c.Cells() {
		seen[cell.Technique.ID] = true
		if cell.Runnable > 0 {
			run[cell.Technique.ID] = true
		}
	}
	return len(seen), len(run)
}

func ruleNames(rs []RuleRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// NavigatorLayer is an ATT&CK Navigator layer, format 4.5.
type NavigatorLayer struct {
	Name                          string              `json:"name"`
	Versions                      NavigatorVersions   `json:"versions"`
	Domain                        string              `json:"domain"`
	Description                   string              `json:"description"`
	Sorting                       int                 `json:"sorting"`
	Layout                        NavigatorLayout     `json:"layout"`
	HideDisabled                  bool                `json:"hideDisabled"`
	Techniques                    []NavigatorTech     `json:"techniques"`
	Gradient                      NavigatorGradient   `json:"gradient"`
	LegendItems                   []NavigatorLegend   `json:"legendItems"`
	ShowTacticRowBackground       bool                `json:"showTacticRowBackground"`
	TacticRowBackground           string              `json:"tacticRowBackground"`
	SelectTechniquesAcrossTactics bool                `json:"selectTechniquesAcrossTactics"`
	SelectSubtechniquesWithParent bool                `json:"selectSubtechniquesWithParent"`
	SelectVisibleTechniques       bool                `json:"selectVisibleTechniques"`
	Metadata                      []NavigatorMetadata `json:"metadata"`
}

// NavigatorVersions is the layer's versions object.
type NavigatorVersions struct {
	Attack    string `json:"attack,omitempty"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// NavigatorLayout is the layer's layout object.
type NavigatorLayout struct {
	Layout                string `json:"layout"`
	ShowID                bool   `json:"showID"`
	ShowName              bool   `json:"showName"`
	ShowAggregateScores   bool   `json:"showAggregateScores"`
	CountUnscored         bool   `json:"countUnscored"`
	AggregateFunction     string `json:"aggregateFunction"`
	ExpandedSubtechniques string `json:"expandedSubtechniques"`
}

// NavigatorTech is one technique entry of a layer.
type NavigatorTech struct {
	TechniqueID string `json:"techniqueID"`
	Tactic      string `json:"tactic,omitempty"`
	Score       *int   `json:"score,omitempty"` // nil: unscored

	Comment           string              `json:"comment"`
	Enabled           bool                `json:"enabled"`
	Metadata          []NavigatorMetadata `json:"metadata"`
	ShowSubtechniques bool                `json:"showSubtechniques"`
}

// NavigatorGradient is the layer's score gradient.
type NavigatorGradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

// NavigatorLegend is one legend item.
type NavigatorLegend struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// NavigatorMetadata is a name/value pair.
type NavigatorMetadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// NavigatorVersion is the Navigator version the layers are written for
// (format 4.5 requires at least 4.9.0).
const NavigatorVersion = "5.1.0"

// Navigator returns the coverage as an ATT&CK Navigator layer (format
// 4.5): one technique entry per covered (technique, tactic) cell, score =
// runnable rules, comment = the names of the rules claiming it.
func (c *Coverage) Navigator(name string) *NavigatorLayer {
	attackVersion := c.Data.Version
	if i := strings.IndexByte(attackVersion, '.'); i > 0 {
		attackVersion = attackVersion[:i] // the Navigator wants the major version
	}
	if _, err := strconv.Atoi(attackVersion); err != nil {
		attackVersion = "" // fixture: let the Navigator assume the current version
	}
	layer := &NavigatorLayer{
		Name:     name,
		Versions: NavigatorVersions{Attack: attackVersion, Navigator: NavigatorVersion, Layer: "4.5"},
		Domain:   "enterprise-attack",
		Description: fmt.Sprintf("quarry rule coverage: %d rules, %d runnable on this store. Score = runnable rules; comment = rules claiming the technique.",
			c.Rules, c.Runnable),
		Sorting: 3,
		Layout: NavigatorLayout{Layout: "side", ShowID: true, ShowName: true, AggregateFunction: "sum",
			ExpandedSubtechniques: "annotated"},
		Techniques:                    []NavigatorTech{},
		LegendItems:                   []NavigatorLegend{{Label: "claimed, none runnable", Color: "#ffffff"}, {Label: "runnable rules", Color: "#66b1ff"}},
		TacticRowBackground:           "#dddddd",
		SelectTechniquesAcrossTactics: true,
		SelectSubtechniquesWithParent: false,
		Metadata: []NavigatorMetadata{
			{Name: "generator", Value: "quarry coverage"},
			{Name: "attack data", Value: firstNonEmpty(c.Data.Version, "unknown") + " (" + firstNonEmpty(c.Data.Source, c.Data.Origin) + ")"},
		},
	}
	max := 1
	subParents := map[string]bool{}
	for _, cell := range c.Cells() {
		if cell.Technique.Parent != "" {
			subParents[cell.Technique.Parent+"/"+cell.Tactic] = true
		}
	}
	covered := map[string]bool{}
	for _, cell := range c.Cells() {
		covered[cell.Technique.ID+"/"+cell.Tactic] = true
	}
	for _, cell := range c.Cells() {
		if cell.Runnable > max {
			max = cell.Runnable
		}
		// A parent whose sub-techniques are covered but which no rule
		// claims itself gets an unscored entry that expands them.
		if p := cell.Technique.Parent; p != "" && !covered[p+"/"+cell.Tactic] {
			covered[p+"/"+cell.Tactic] = true
			layer.Techniques = append(layer.Techniques, NavigatorTech{
				TechniqueID: p, Tactic: cell.Tactic, Comment: "sub-techniques claimed by rules", Enabled: true,
				Metadata: []NavigatorMetadata{}, ShowSubtechniques: true,
			})
		}
		score := cell.Runnable
		layer.Techniques = append(layer.Techniques, NavigatorTech{
			TechniqueID: cell.Technique.ID,
			Tactic:      cell.Tactic,
			Score:       &score,
			Comment:     strings.Join(ruleNames(cell.Rules), "; "),
			Enabled:     true,
			Metadata: []NavigatorMetadata{
				{Name: "rules", Value: strconv.Itoa(len(cell.Rules))},
				{Name: "runnable", Value: strconv.Itoa(cell.Runnable)},
			},
			ShowSubtechniques: subParents[cell.Technique.ID+"/"+cell.Tactic],
		})
	}
	layer.Gradient = NavigatorGradient{Colors: []string{"#ffffff", "#66b1ff"}, MinValue: 0, MaxValue: max}
	return layer
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// WriteNavigator writes the Navigator layer as indented JSON.
func (c *Coverage) WriteNavigator(w io.Writer, name string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c.Navigator(name))
}

// JSON shapes of the coverage export.
type (
	jsonCoverage struct {
		Attack            jsonAttack     `json:"attack"`
		Rules             int            `json:"rules"`
		Runnable          int            `json:"runnable"`
		WithoutTechniques int            `json:"rulesWithoutTechniques"`
		Techniques        int            `json:"techniquesClaimed"`
		RunnableTechs     int            `json:"techniquesRunnable"`
		Tactics           []jsonTactic   `json:"tactics"`
		Unresolved        []Unresolved   `json:"unresolved"`
		Cells             map[string]int `json:"-"`
	}
	jsonAttack struct {
		Version string `json:"version"`
		Source  string `json:"source"`
		Fixture bool   `json:"fixture"`
	}
	jsonTactic struct {
		ID         string     `json:"id"`
		ShortName  string     `json:"shortname"`
		Name       string     `json:"name"`
		Techniques []jsonCell `json:"techniques"`
	}
	jsonCell struct {
		ID       string     `json:"id"`
		Name     string     `json:"name"`
		Parent   string     `json:"parent,omitempty"`
		URL      string     `json:"url,omitempty"`
		Rules    []jsonRule `json:"rules"`
		Runnable int        `json:"runnable"`
	}
	jsonRule struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Runnable bool   `json:"runnable"`
	}
)

// WriteJSON writes the coverage as JSON: every tactic in matrix order with
// its covered techniques and their rules, plus totals and the technique
// ids that did not resolve.
func (c *Coverage) WriteJSON(w io.Writer) error {
	claimed, runnable := c.Techniques()
	out := jsonCoverage{
		Attack:            jsonAttack{Version: c.Data.Version, Source: firstNonEmpty(c.Data.Source, c.Data.Origin), Fixture: c.Data.Fixture()},
		Rules:             c.Rules,
		Runnable:          c.Runnable,
		WithoutTechniques: c.WithoutTechniques,
		Techniques:        claimed,
		RunnableTechs:     runnable,
		Unresolved:        c.Unresolved,
		Tactics:           []jsonTactic{},
	}
	if out.Unresolved == nil {
		out.Unresolved = []Unresolved{}
	}
	for _, col := range c.Columns {
		jt := jsonTactic{ID: col.Tactic.ID, ShortName: col.Tactic.ShortName, Name: col.Tactic.Name, Techniques: []jsonCell{}}
		for _, cell := range col.Cells {
			jc := jsonCell{ID: cell.Technique.ID, Name: cell.Technique.Name, Parent: cell.Technique.Parent, URL: cell.Technique.URL, Runnable: cell.Runnable}
			for _, r := range cell.Rules {
				jc.Rules = append(jc.Rules, jsonRule{ID: r.ID, Name: r.Name, Runnable: r.Runnable})
			}
			jt.Techniques = append(jt.Techniques, jc)
		}
		out.Tactics = append(out.Tactics, jt)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteCSV writes one row per (tactic, technique, rule): tactic_id,
// tactic, technique_id, technique, parent, rule_id, rule_name, runnable.
func (c *Coverage) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"tactic_id", "tactic", "technique_id", "technique", "parent", "rule_id", "rule_name", "runnable"})
	for _, col := range c.Columns {
		for _, cell := range col.Cells {
			for _, r := range cell.Rules {
				cw.Write([]string{col.Tactic.ID, col.Tactic.Name, cell.Technique.ID, cell.Technique.Name,
					cell.Technique.Parent, r.ID, r.Name, strconv.FormatBool(r.Runnable)})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteMatrix writes the matrix for a terminal: tactics as columns,
// covered techniques as cells ("T1566 3/59 Phishing": runnable/claiming
// rules). all lists every tactic even when no rule covers it. width is the
// width of one column.
func (c *Coverage) WriteMatrix(w io.Writer, all bool, width int) error {
	if width < 12 {
		width = 12
	}
	var cols []*Column
	for _, col := range c.Columns {
		if all || len(col.Cells) > 0 {
			cols = append(cols, col)
		}
	}
	claimed, runnable := c.Techniques()
	fmt.Fprintf(w, "ATT&CK Enterprise %s: %d rules (%d runnable), %d techniques claimed, %d with a runnable rule\n",
		firstNonEmpty(c.Data.Version, "?"), c.Rules, c.Runnable, claimed, runnable)
	if n := c.Data.Notice(); n != "" {
		fmt.Fprintln(w, "note:", n)
	}
	if len(cols) == 0 {
		fmt.Fprintln(w, "no rule claims an ATT&CK technique")
		return nil
	}
	pad := func(s string) string {
		r := []rune(s)
		if len(r) > width {
			r = append(r[:width-1], '…')
		}
		return string(r) + strings.Repeat(" ", width-len(r))
	}
	var b strings.Builder
	for i, col := range cols {
		if i > 0 {
			b.WriteString(" │ ")
		}
		b.WriteString(pad(col.Tactic.Name))
	}
	fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	b.Reset()
	for i := range cols {
		if i > 0 {
			b.WriteString("─┼─")
		}
		b.WriteString(strings.Repeat("─", width))
	}
	fmt.Fprintln(w, b.String())
	rows := 0
	for _, col := range cols {
		rows = max(rows, len(col.Cells))
	}
	for i := 0; i < rows; i++ {
		b.Reset()
		for j, col := range cols {
			if j > 0 {
				b.WriteString(" │ ")
			}
			s := ""
			if i < len(col.Cells) {
				cell := col.Cells[i]
				s = fmt.Sprintf("%s %d/%d %s", cell.Technique.ID, cell.Runnable, len(cell.Rules), cell.Technique.Name)
			}
			b.WriteString(pad(s))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	if len(c.Unresolved) > 0 {
		fmt.Fprintf(w, "\ntechnique ids not in the ATT&CK data (%d):\n", len(c.Unresolved))
		for _, u := range c.Unresolved {
			fmt.Fprintf(w, "  %s (rule %s)\n", u.Technique, u.RuleName)
		}
	}
	return nil
}
