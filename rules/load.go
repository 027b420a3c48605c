package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadResult is what loading a rule pack produced: the rules, and every
// warning and error with its file and line. A file with an error gives no
// rule; loading continues with the other files.
type LoadResult struct {
	Rules    []*Rule
	Warnings []Diagnostic
	Errors   []Diagnostic
	// Files is the number of candidate files read (YAML and Markdown).
	Files int
	// Skipped counts files that are not rules: YAML without any rule key,
	// Markdown without a kql block.
	Skipped int
}

// LoadOptions describe the rule pack being loaded.
type LoadOptions struct {
	// Source is copied into every rule; Path is set per file (relative to
	// the pack root, or to PathPrefix when given).
	Source Source
	// PathPrefix is prepended to each file's path relative to the root, for
	// a pack that is a subfolder of a repository.
	PathPrefix string
	// Now is the retrieved-at time; zero means time.Now().
	Now time.Time
}

// LoadDir loads every rule file under root: *.yaml, *.yml (any case) as
// Sentinel rules and *.md as Defender hunting queries. Hidden directories
// (.git, .github) are skipped. Files are read in lexical path order so the
// result is deterministic.
func LoadDir(root string, opt LoadOptions) (*LoadResult, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".md":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	sort.Strings(files)
	res := &LoadResult{}
	manifest, err := readManifest(root)
	if err != nil {
		return nil, err
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if opt.PathPrefix != "" {
			rel = strings.TrimSuffix(opt.PathPrefix, "/") + "/" + rel
		}
		src := opt.Source
		src.Path = rel
		src.RetrievedAt = opt.Now
		if m, ok := manifest[filepath.ToSlash(mustRel(root, p))]; ok {
			src.Repo, src.Path, src.Commit = m.SourceRepo, m.Path, m.SourceCommit
		}
		src.URL = blobURL(src)
		res.Files++
		var fr fileResult
		if strings.ToLower(filepath.Ext(p)) == ".md" {
			fr = ParseMarkdown(rel, data)
		} else {
			fr = ParseYAML(rel, data)
		}
		res.add(fr, src)
	}
	res.checkDuplicates()
	return res, nil
}

// ManifestFile is the optional provenance manifest of a rule pack copied
// out of its repository (as ../shared/corpus/sentinel-email is): one JSON
// object per line with the rule file's name relative to the pack
// ("file"), the repository it came from ("source_repo", "owner/name"), its
// path there ("path") and the commit ("source_commit"). Rules loaded from
// a listed file record that provenance instead of the local directory.
const ManifestFile = "index.jsonl"

type manifestEntry struct {
	File         string `json:"file"`
	SourceRepo   string `json:"source_repo"`
	Path         string `json:"path"`
	SourceCommit string `json:"source_commit"`
}

// readManifest reads root/index.jsonl when it exists. Lines without file,
// source_repo and path are ignored; a line that is not JSON is an error
// naming the line.
func readManifest(root string) (map[string]manifestEntry, error) {
	data, err := os.ReadFile(filepath.Join(root, ManifestFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	out := map[string]manifestEntry{}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e manifestEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("rules: %s:%d: %v", filepath.Join(root, ManifestFile), i+1, err)
		}
		if e.File != "" && e.SourceRepo != "" && e.Path != "" {
			out[filepath.ToSlash(e.File)] = e
		}
	}
	return out, nil
}

func mustRel(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return rel
}

func (res *LoadResult) add(fr fileResult, src Source) {
	if fr.skipped {
		res.Skipped++
	}
	res.Errors = append(res.Errors, fr.errors...)
	res.Warnings = append(res.Warnings, fr.warnings...)
	for _, r := range fr.rules {
		r.Source = src
		res.Rules = append(res.Rules, r)
	}
}

// checkDuplicates warns about two files declaring the same rule id; both
// are kept (the catalog key includes the path).
func (res *LoadResult) checkDuplicates() {
	seen := map[string]*Rule{}
	for _, r := range res.Rules {
		if prev, ok := seen[strings.ToLower(r.ID)]; ok {
			d := Diagnostic{File: r.Source.Path, Severity: "warning",
				Message: fmt.Sprintf("rule id %s is also used by %s", r.ID, prev.Source.Path)}
			r.Warnings = append(r.Warnings, d)
			res.Warnings = append(res.Warnings, d)
			continue
		}
		seen[strings.ToLower(r.ID)] = r
	}
}

// fileResult is what one file gave.
type fileResult struct {
	rules    []*Rule
	warnings []Diagnostic
	errors   []Diagnostic
	skipped  bool
}

// ruleKeys are the top-level keys of Sentinel's rule schema that quarry
// models; knownKeys are the others quarry accepts without modelling them.
var ruleKeys = []string{
	"id", "name", "description", "description-detailed", "severity", "kind",
	"requiredDataConnectors", "queryFrequency", "queryPeriod", "triggerOperator",
	"triggerThreshold", "tactics", "relevantTechniques", "query", "entityMappings",
	"customDetails", "alertDetailsOverride", "eventGroupingSettings",
	"incidentConfiguration", "version", "status", "tags", "metadata",
}

var knownKeys = []string{
	"suppressionEnabled", "suppressionDuration", "sentinelEntitiesMappings",
	"techniques", "subTechniques", "alertRuleTemplateName", "displayName",
	"enabled", "templateVersion", "productFilter",
}

// canonicalKey returns the schema spelling of key from list, and whether it
// matched exactly. ok is false when no key folds to the same name.
func canonicalKey(key string, list []string) (canon string, exact, ok bool) {
	for _, k := range list {
		if k == key {
			return k, true, true
		}
	}
	f := foldName(key)
	for _, k := range list {
		if foldName(k) == f {
			return k, false, true
		}
	}
	return "", false, false
}

// ParseYAML reads one Sentinel rule file. path is used in diagnostics.
func ParseYAML(path string, data []byte) fileResult {
	var fr fileResult
	warn := func(line int, format string, args ...any) {
		fr.warnings = append(fr.warnings, Diagnostic{File: path, Line: line, Severity: "warning", Message: fmt.Sprintf(format, args...)})
	}
	fail := func(line int, format string, args ...any) fileResult {
		fr.errors = append(fr.errors, Diagnostic{File: path, Line: line, Severity: "error", Message: fmt.Sprintf(format, args...)})
		fr.warnings = nil
		return fr
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fail(yamlErrorLine(err), "invalid YAML: %s", yamlErrorText(err))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		fr.skipped = true
		return fr
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" && top.Value == "" {
		fr.skipped = true // only "---" or comments: an empty document
		return fr
	}
	if top.Kind != yaml.MappingNode {
		return fail(top.Line, "a rule file must be a YAML mapping (key: value), found a %s", kindName(top))
	}
	r := &Rule{Format: FormatSentinelYAML, Definition: string(data)}
	seen := map[string]int{}
	isRule := false
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		key, exact, ok := canonicalKey(k.Value, ruleKeys)
		if !ok {
			if _, _, known := canonicalKey(k.Value, knownKeys); known {
				continue
			}
			warn(k.Line, "unknown key %q ignored", k.Value)
			continue
		}
		isRule = true
		if !exact {
			warn(k.Line, "key %q should be spelled %q; accepted", k.Value, key)
		}
		if prev, dup := seen[key]; dup {
			warn(k.Line, "key %q repeated (first at line %d); the last one wins", key, prev)
		}
		seen[key] = k.Line
		str := func() string {
			if v.Kind != yaml.ScalarNode {
				warn(v.Line, "%s should be a text value, found a %s", key, kindName(v))
				return ""
			}
			return v.Value
		}
		switch key {
		case "id":
			r.ID = strings.TrimSpace(str())
		case "name":
			r.Name = strings.TrimSpace(str())
		case "description":
			r.Description = strings.TrimSpace(str())
		case "description-detailed":
			r.DescriptionDetailed = strings.TrimSpace(str())
		case "severity":
			r.Severity = strings.TrimSpace(str())
		case "kind":
			r.Kind = strings.TrimSpace(str())
		case "queryFrequency":
			r.QueryFrequency = strings.TrimSpace(str())
		case "queryPeriod":
			r.QueryPeriod = strings.TrimSpace(str())
		case "triggerOperator":
			r.TriggerOperator = strings.TrimSpace(str())
		case "triggerThreshold":
			var n int
			if err := v.Decode(&n); err != nil {
				warn(v.Line, "triggerThreshold should be a whole number, found %q", v.Value)
			} else {
				r.TriggerThreshold = &n
			}
		case "version":
			r.Version = strings.TrimSpace(str())
		case "status":
			r.Status = strings.TrimSpace(str())
		case "query":
			r.Query = str()
			r.QueryLine = v.Line
			if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				r.QueryLine = v.Line + 1
			}
		case "tactics":
			for _, n := range stringList(v, key, warn) {
				t, ok := CanonicalTactic(n.Value)
				switch {
				case !ok:
					warn(n.Line, "unknown tactic %q (Sentinel tactics are %s)", n.Value, strings.Join(sentinelTactics[:14], ", "))
					r.Tactics = appendUnique(r.Tactics, n.Value)
				case t != n.Value:
					warn(n.Line, "tactic %q should be spelled %q; accepted", n.Value, t)
					r.Tactics = appendUnique(r.Tactics, t)
				default:
					r.Tactics = appendUnique(r.Tactics, t)
				}
			}
		case "relevantTechniques":
			for _, n := range stringList(v, key, warn) {
				id := strings.ToUpper(strings.TrimSpace(n.Value))
				if !ValidTechniqueID(id) {
					warn(n.Line, "%q is not an ATT&CK technique id (T1234 or T1234.001)", n.Value)
				} else if id != n.Value {
					warn(n.Line, "technique %q should be written %q; accepted", n.Value, id)
				}
				r.Techniques = appendUnique(r.Techniques, id)
			}
		case "tags":
			for _, n := range stringList(v, key, warn) {
				r.Tags = append(r.Tags, n.Value)
			}
		case "requiredDataConnectors":
			r.RequiredDataConnectors = dataConnectors(v, warn)
		case "metadata":
			var m map[string]any
			if err := v.Decode(&m); err != nil {
				warn(v.Line, "metadata should be a mapping: %s", yamlErrorText(err))
			}
			r.Metadata = m
		default: // free-form structures kept as decoded YAML
			var x any
			if err := v.Decode(&x); err != nil {
				warn(v.Line, "%s: %s", key, yamlErrorText(err))
			}
			switch key {
			case "entityMappings":
				r.EntityMappings = x
			case "customDetails":
				r.CustomDetails = x
			case "alertDetailsOverride":
				r.AlertDetailsOverride = x
			case "eventGroupingSettings":
				r.EventGroupingSettings = x
			case "incidentConfiguration":
				r.IncidentConfiguration = x
			}
		}
	}
	if !isRule {
		fr.skipped = true
		fr.warnings = nil
		return fr
	}
	if strings.TrimSpace(r.Query) == "" {
		line := top.Line
		if l, ok := seen["query"]; ok {
			line = l
		}
		return fail(line, "rule %q has no query", firstNonEmpty(r.Name, r.ID))
	}
	if r.ID == "" {
		r.ID = stableID(path)
		warn(top.Line, "rule has no id; using %s", r.ID)
	} else if !guidRE.MatchString(r.ID) {
		warn(seen["id"], "id %q is not a GUID", r.ID)
	}
	if r.Name == "" {
		r.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		warn(top.Line, "rule has no name; using the file name %q", r.Name)
	}
	if _, ok := seen["relevantTechniques"]; !ok {
		warn(top.Line, "rule has no relevantTechniques; it will not count towards ATT&CK coverage")
	}
	if _, ok := seen["version"]; !ok {
		warn(top.Line, "rule has no version")
	}
	if r.Analytic() {
		if r.QueryPeriod == "" {
			warn(top.Line, "analytic rule has no queryPeriod")
		} else if _, err := ParsePeriod(r.QueryPeriod); err != nil {
			warn(seen["queryPeriod"], "queryPeriod %q: %v", r.QueryPeriod, err)
		}
		if r.Severity == "" {
			warn(top.Line, "analytic rule has no severity")
		}
	}
	r.Warnings = fr.warnings
	fr.rules = []*Rule{r}
	return fr
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// stringList returns the scalar items of a sequence node; a single scalar
// is accepted as a list of one, with a warning.
func stringList(v *yaml.Node, key string, warn func(int, string, ...any)) []*yaml.Node {
	switch v.Kind {
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, n := range v.Content {
			if n.Kind != yaml.ScalarNode {
				warn(n.Line, "%s: expected a text item, found a %s", key, kindName(n))
				continue
			}
			if strings.TrimSpace(n.Value) == "" {
				continue
			}
			out = append(out, n)
		}
		return out
	case yaml.ScalarNode:
		if v.Tag == "!!null" || v.Value == "" {
			return nil
		}
		warn(v.Line, "%s should be a list; read %q as a list of one", key, v.Value)
		return []*yaml.Node{v}
	default:
		warn(v.Line, "%s should be a list, found a %s", key, kindName(v))
		return nil
	}
}

func dataConnectors(v *yaml.Node, warn func(int, string, ...any)) []DataConnector {
	if v.Kind != yaml.SequenceNode {
		if v.Kind == yaml.ScalarNode && (v.Tag == "!!null" || v.Value == "") {
			return nil
		}
		warn(v.Line, "requiredDataConnectors should be a list, found a %s", kindName(v))
		return nil
	}
	var out []DataConnector
	for _, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			warn(item.Line, "requiredDataConnectors: expected connectorId/dataTypes, found a %s", kindName(item))
			continue
		}
		var dc DataConnector
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, val := item.Content[i], item.Content[i+1]
			key, exact, ok := canonicalKey(k.Value, []string{"connectorId", "dataTypes"})
			if !ok {
				warn(k.Line, "requiredDataConnectors: unknown key %q ignored", k.Value)
				continue
			}
			if !exact {
				warn(k.Line, "key %q should be spelled %q; accepted", k.Value, key)
			}
			if key == "connectorId" {
				dc.ConnectorID = val.Value
				continue
			}
			for _, n := range stringList(val, "dataTypes", warn) {
				dc.DataTypes = append(dc.DataTypes, strings.TrimSpace(n.Value))
			}
		}
		out = append(out, dc)
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return fmt.Sprintf("text value %q", n.Value)
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlErrorLine extracts the line number from a yaml.v3 error ("yaml: line
// 12: mapping values are not allowed in this context").
func yamlErrorLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

var yamlPrefixRE = regexp.MustCompile(`^yaml: (line \d+: )?`)

func yamlErrorText(err error) string {
	return yamlPrefixRE.ReplaceAllString(err.Error(), "")
}

// ParseMarkdown reads one Defender hunting-query Markdown file: the first
// heading is the rule name, the prose (outside code blocks) its
// description, and each ```kql (or ```kusto) block a query. A file with
// several blocks gives one rule per block, named "Title (n)". Technique ids
// written in the prose (T1566, T1566.001) become the rules' techniques.
func ParseMarkdown(path string, data []byte) fileResult {
	var fr fileResult
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	type block struct {
		line int
		text string
	}
	var (
		title   string
		prose   []string
		blocks  []block
		tactics []string
	)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trim := strings.TrimSpace(l)
		fence := ""
		switch {
		case strings.HasPrefix(trim, "```"):
			fence = "```"
		case strings.HasPrefix(trim, "~~~"):
			fence = "~~~"
		}
		if fence == "" {
			switch {
			case strings.HasPrefix(trim, "#"):
				if title == "" {
					title = strings.TrimSpace(strings.TrimLeft(trim, "#"))
				}
			case strings.HasPrefix(trim, "|"):
				// The Defender repository's "Technique, tactic, or state |
				// Covered? (v=yes)" table: rows marked v name the tactics.
				cells := strings.Split(strings.Trim(trim, "|"), "|")
				if len(cells) >= 2 {
					mark := strings.ToLower(strings.TrimSpace(cells[1]))
					if t, ok := CanonicalTactic(cells[0]); ok && (mark == "v" || mark == "x" || mark == "yes" || mark == "✓" || mark == "✔") {
						tactics = appendUnique(tactics, t)
					}
				}
			default:
				prose = append(prose, l)
			}
			continue
		}
		lang := strings.ToLower(strings.TrimSpace(strings.TrimLeft(trim, "`~")))
		start := i + 1
		j := start
		for j < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[j]), fence) {
			j++
		}
		if j == len(lines) {
			fr.warnings = append(fr.warnings, Diagnostic{File: path, Line: i + 1, Severity: "warning", Message: "code block is not closed"})
		}
		q := strings.Join(lines[start:min(j, len(lines))], "\n")
		if lang == "kql" || lang == "kusto" || (lang == "" && looksLikeKQL(q)) {
			if strings.TrimSpace(q) != "" {
				blocks = append(blocks, block{line: start + 1, text: q + "\n"})
			} else {
				fr.warnings = append(fr.warnings, Diagnostic{File: path, Line: i + 1, Severity: "warning", Message: "empty kql block ignored"})
			}
		}
		i = j
	}
	if len(blocks) == 0 {
		fr.skipped = true
		fr.warnings = nil
		return fr
	}
	if title == "" {
		title = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		fr.warnings = append(fr.warnings, Diagnostic{File: path, Line: 1, Severity: "warning", Message: fmt.Sprintf("no heading; using the file name %q as the rule name", title)})
	}
	desc := strings.TrimSpace(collapseBlank(strings.Join(prose, "\n")))
	var techniques []string
	for _, m := range mdTechniqueRE.FindAllString(desc, -1) {
		techniques = appendUnique(techniques, m)
	}
	for i, b := range blocks {
		name := title
		idParts := []string{path}
		if len(blocks) > 1 {
			name = fmt.Sprintf("%s (%d)", title, i+1)
			idParts = append(idParts, fmt.Sprint(i+1))
		}
		r := &Rule{
			ID:          stableID(idParts...),
			Name:        name,
			Description: desc,
			Techniques:  techniques,
			Tactics:     tactics,
			Query:       b.text,
			QueryLine:   b.line,
			Format:      FormatDefenderMD,
			Definition:  string(data),
			Warnings:    fr.warnings,
		}
		fr.rules = append(fr.rules, r)
	}
	return fr
}

var kqlStartRE = regexp.MustCompile(`^(let|union|datatable|print|range|search|externaldata|find|evaluate)\b`)

// looksLikeKQL decides whether an unlabelled code block is a query: it
// starts with let, union, datatable, print, ... or has a line starting
// with a pipe.
func looksLikeKQL(q string) bool {
	first := true
	for _, l := range strings.Split(q, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		if strings.HasPrefix(t, "|") {
			return true
		}
		if first && kqlStartRE.MatchString(t) {
			return true
		}
		first = false
	}
	return false
}

var mdTechniqueRE = regexp.MustCompile(`\bT\d{4}(?:\.\d{3})?\b`)

func collapseBlank(s string) string {
	var b bytes.Buffer
	blank := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// blobURL returns the GitHub link to the rule file, or "" when the source
// is not a GitHub repository.
func blobURL(s Source) string {
	repo := GitHubRepo(s.Repo)
	if repo == "" || s.Path == "" {
		return ""
	}
	ref := s.Commit
	if ref == "" {
		ref = "HEAD"
	}
	parts := strings.Split(s.Path, "/")
	for i, p := range parts {
		parts[i] = urlPathEscape(p)
	}
	return "https://github.com/" + repo + "/blob/" + ref + "/" + strings.Join(parts, "/")
}

func urlPathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte("-._~()!*'", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

var githubRE = regexp.MustCompile(`^(?:https?://github\.com/|git@github\.com:|ssh://git@github\.com/)?([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+?)(?:\.git)?/?$`)

// GitHubRepo returns "owner/name" for a GitHub URL or an "owner/name"
// string, and "" otherwise.
func GitHubRepo(s string) string {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "file:") {
		return ""
	}
	if strings.Contains(s, "://") && !strings.Contains(s, "github.com") {
		return ""
	}
	m := githubRE.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
