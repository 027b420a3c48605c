// Package rules is quarry's rule feed: it reads Microsoft Sentinel rule YAML
// (hunting queries and analytic rules) and Defender hunting-query Markdown
// into one Rule model, keeps them as a catalog in the store's quarry_meta
// schema with their provenance (repository, path, commit, retrieved-at),
// filters them, and decides for each rule whether it can run on this store,
// giving the reasons when it cannot.
package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Format names the file format a rule came from.
const (
	FormatSentinelYAML = "sentinel-yaml"
	FormatDefenderMD   = "defender-md"
)

// DataConnector is one entry of a Sentinel rule's requiredDataConnectors.
type DataConnector struct {
	ConnectorID string   `json:"connectorId"`
	DataTypes   []string `json:"dataTypes"`
}

// Source records where a rule came from: the seed page's "View original
// rule" link and "Retrieved:" time.
type Source struct {
	// Repo is the repository ("Azure/Azure-Sentinel"), a git URL, or the
	// local directory the rule pack was loaded from.
	Repo string `json:"repo"`
	// Path is the rule file's path inside Repo, with forward slashes.
	Path string `json:"path"`
	// Commit is the git commit the file was read at, when known.
	Commit string `json:"commit,omitempty"`
	// RetrievedAt is when quarry read the file.
	RetrievedAt time.Time `json:"retrievedAt"`
	// URL links to the original file (GitHub blob URL at Commit) when the
	// repository is on GitHub.
	URL string `json:"url,omitempty"`
}

// Rule is one hunting query or analytic rule. The field names follow the
// Sentinel YAML schema; Defender Markdown rules fill Name, Description and
// Query (and any technique ids found in the prose).
type Rule struct {
	ID                     string          `json:"id"`
	Name                   string          `json:"name"`
	Description            string          `json:"description,omitempty"`
	DescriptionDetailed    string          `json:"descriptionDetailed,omitempty"`
	Severity               string          `json:"severity,omitempty"`
	Kind                   string          `json:"kind,omitempty"`
	RequiredDataConnectors []DataConnector `json:"requiredDataConnectors,omitempty"`
	QueryFrequency         string          `json:"queryFrequency,omitempty"`
	QueryPeriod            string          `json:"queryPeriod,omitempty"`
	TriggerOperator        string          `json:"triggerOperator,omitempty"`
	TriggerThreshold       *int            `json:"triggerThreshold,omitempty"`
	// Tactics are Sentinel tactic names in canonical spelling
	// ("InitialAccess"), whatever spelling the file used.
	Tactics []string `json:"tactics,omitempty"`
	// Techniques are the relevantTechniques ids, upper-cased ("T1566",
	// "T1566.001").
	Techniques            []string       `json:"relevantTechniques,omitempty"`
	Query                 string         `json:"query"`
	EntityMappings        any            `json:"entityMappings,omitempty"`
	CustomDetails         any            `json:"customDetails,omitempty"`
	AlertDetailsOverride  any            `json:"alertDetailsOverride,omitempty"`
	EventGroupingSettings any            `json:"eventGroupingSettings,omitempty"`
	IncidentConfiguration any            `json:"incidentConfiguration,omitempty"`
	Version               string         `json:"version,omitempty"`
	Status                string         `json:"status,omitempty"`
	Tags                  []string       `json:"tags,omitempty"`
	Metadata              map[string]any `json:"metadata,omitempty"`

	// Format is FormatSentinelYAML or FormatDefenderMD.
	Format string `json:"format"`
	// QueryLine is the 1-based line of the file where the query text
	// starts, so a compile error at query line L is at file line
	// QueryLine+L-1 (for block scalars and Markdown fences).
	QueryLine int `json:"queryLine,omitempty"`
	// Definition is the rule's original text (the YAML document or the
	// Markdown file), shown as the "Analytic Rule Definition".
	Definition string `json:"definition"`
	Source     Source `json:"source"`
	// Warnings are the loader's remarks on this rule's file.
	Warnings []Diagnostic `json:"warnings,omitempty"`
}

// Analytic reports whether the rule is a scheduled or NRT analytic rule
// rather than a hunting query.
func (r *Rule) Analytic() bool {
	return r.Kind != "" || r.QueryFrequency != "" || r.TriggerOperator != ""
}

// Type is "analytic" or "hunting", for badges and filters.
func (r *Rule) Type() string {
	if r.Analytic() {
		return "analytic"
	}
	return "hunting"
}

// DeclaredTables returns the dataTypes of requiredDataConnectors, in order,
// without duplicates. The runnable check prefers the tables the bound
// query reads; these are the fallback and a cross-check.
func (r *Rule) DeclaredTables() []string {
	var out []string
	for _, dc := range r.RequiredDataConnectors {
		for _, t := range dc.DataTypes {
			out = appendUnique(out, t)
		}
	}
	return out
}

// Diagnostic is a loader warning or error about one file.
type Diagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Severity string `json:"severity"` // "warning" or "error"
	Message  string `json:"message"`
}

func (d Diagnostic) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", d.File, d.Line, d.Severity, d.Message)
	}
	return fmt.Sprintf("%s: %s: %s", d.File, d.Severity, d.Message)
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// sentinelTactics are the tactic names Sentinel's rule schema accepts, in
// ATT&CK Enterprise matrix order, followed by the ICS-only ones.
var sentinelTactics = []string{
	"Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution",
	"Persistence", "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess",
	"Discovery", "LateralMovement", "Collection", "CommandAndControl",
	"Exfiltration", "Impact", "PreAttack", "ImpairProcessControl",
	"InhibitResponseFunction",
}

// foldName lower-cases s and drops everything but letters and digits, so
// "Initial access", "initial-access" and "InitialAccess" compare equal.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CanonicalTactic returns the Sentinel spelling of a tactic name written in
// any case or spacing ("Initial access" -> "InitialAccess"), and false when
// it is not a tactic Sentinel knows. "Command and Control" folds to
// CommandAndControl.
func CanonicalTactic(s string) (string, bool) {
	f := foldName(s)
	for _, t := range sentinelTactics {
		if foldName(t) == f {
			return t, true
		}
	}
	return "", false
}

var techniqueRE = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// ValidTechniqueID reports whether s has the form of an ATT&CK technique
// or sub-technique id (T1566, T1566.001).
func ValidTechniqueID(s string) bool { return techniqueRE.MatchString(s) }

// stableID derives an id for a rule that has none (Markdown rules), from
// its source path and block number, so re-syncing keeps the same id.
func stableID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "md-" + hex.EncodeToString(h[:8])
}
