// Package attack holds MITRE ATT&CK Enterprise data for quarry: tactic and
// technique ids, names, descriptions, sub-technique parents and URLs, read
// from MITRE's STIX bundle (enterprise-attack.json from the
// mitre-attack/attack-stix-data repository) and kept as a compact gzipped
// JSON snapshot, plus the coverage of a rule set over the Enterprise matrix
// and its exports (ATT&CK Navigator layer 4.5, JSON, CSV).
//
// The snapshot embedded in the binary is attack/enterprise.json.gz,
// derived from MITRE ATT&CK v18.1; attack/README.md says how it is
// rebuilt (`ATTACK_STIX=/path/to/enterprise-attack.json go generate
// ./attack`, or gen/quarry attack compact on a mitre/cti folder). `quarry
// attack update` downloads the newest bundle at run time and stores its
// compact form next to the database, where Default finds it before the
// embedded one.
package attack

//go:generate go run ./gen -o enterprise.json.gz

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

//go:embed enterprise.json.gz
var embedded []byte

// FixtureThreshold is the technique count under which a snapshot is taken
// to be a test fixture rather than MITRE's Enterprise matrix, which has
// several hundred techniques and sub-techniques.
const FixtureThreshold = 150

// Tactic is one ATT&CK tactic (a matrix column).
type Tactic struct {
	ID          string `json:"id"`        // TA0001
	ShortName   string `json:"shortname"` // initial-access
	Name        string `json:"name"`      // Initial Access
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
}

// Technique is one ATT&CK technique or sub-technique.
type Technique struct {
	ID          string   `json:"id"` // T1566 or T1566.001
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	URL         string   `json:"url,omitempty"`
	Tactics     []string `json:"tactics"`          // tactic short names
	Parent      string   `json:"parent,omitempty"` // T1566 for T1566.001
	Platforms   []string `json:"platforms,omitempty"`
}

// SubTechnique reports whether t is a sub-technique.
func (t *Technique) SubTechnique() bool { return t.Parent != "" }

// Data is an ATT&CK Enterprise snapshot.
type Data struct {
	// Version is the ATT&CK release ("17.1"), Modified the bundle's last
	// modification time, Source the file it was compacted from.
	Version  string `json:"version,omitempty"`
	Modified string `json:"modified,omitempty"`
	Source   string `json:"source,omitempty"`
	// Tactics are in matrix order.
	Tactics    []*Tactic    `json:"tactics"`
	Techniques []*Technique `json:"techniques"`

	// Origin says where this copy was loaded from ("embedded" or a path);
	// it is not part of the file.
	Origin string `json:"-"`

	byID     map[string]*Technique
	tactics  map[string]*Tactic
	children map[string][]*Technique
}

// Fixture reports whether the snapshot is too small to be MITRE's
// Enterprise matrix, such as a test fixture given to `quarry attack
// compact` by mistake.
func (d *Data) Fixture() bool { return len(d.Techniques) < FixtureThreshold }

// Notice is a one-line remark for users about the snapshot, or "" for a
// full one.
func (d *Data) Notice() string {
	if !d.Fixture() {
		return ""
	}
	return fmt.Sprintf("ATT&CK data (%s) is a fixture-sized snapshot with %d techniques and %d tactics, not MITRE's full Enterprise matrix; run `quarry attack update` (or rebuild with ATTACK_STIX=enterprise-attack.json go generate ./attack) for complete names and coverage",
		firstNonEmpty(d.Origin, d.Source), len(d.Techniques), len(d.Tactics))
}

func (d *Data) index() {
	d.byID = map[string]*Technique{}
	d.tactics = map[string]*Tactic{}
	d.children = map[string][]*Technique{}
	for _, t := range d.Techniques {
		d.byID[t.ID] = t
		if t.Parent != "" {
			d.children[t.Parent] = append(d.children[t.Parent], t)
		}
	}
	for _, t := range d.Tactics {
		d.tactics[strings.ToLower(t.ID)] = t
		d.tactics[fold(t.ShortName)] = t
		d.tactics[fold(t.Name)] = t
	}
}

// Technique returns the technique or sub-technique with the given id (any
// case).
func (d *Data) Technique(id string) (*Technique, bool) {
	t, ok := d.byID[strings.ToUpper(strings.TrimSpace(id))]
	return t, ok
}

// SubTechniques returns the sub-techniques of a technique, by id.
func (d *Data) SubTechniques(id string) []*Technique { return d.children[id] }

// Tactic finds a tactic by id (TA0001), short name (initial-access), name
// (Initial Access) or Sentinel spelling (InitialAccess), ignoring case,
// spaces and hyphens.
func (d *Data) Tactic(name string) (*Tactic, bool) {
	if t, ok := d.tactics[strings.ToLower(strings.TrimSpace(name))]; ok {
		return t, true
	}
	t, ok := d.tactics[fold(name)]
	return t, ok
}

func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Read reads a compact snapshot (gzipped JSON, as written by Write).
func Read(r io.Reader) (*Data, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("attack: snapshot is not gzip: %w", err)
	}
	defer zr.Close()
	var d Data
	if err := json.NewDecoder(zr).Decode(&d); err != nil {
		return nil, fmt.Errorf("attack: snapshot: %w", err)
	}
	if len(d.Tactics) == 0 || len(d.Techniques) == 0 {
		return nil, fmt.Errorf("attack: snapshot holds no tactics or techniques")
	}
	d.index()
	return &d, nil
}

// Write writes d as a compact snapshot: gzipped JSON with no timestamp in
// the gzip header, so the same input always gives the same bytes.
func (d *Data) Write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(zw)
	if err := enc.Encode(d); err != nil {
		return err
	}
	return zw.Close()
}

// Embedded returns the snapshot built into the binary.
func Embedded() (*Data, error) {
	d, err := Read(bytes.NewReader(embedded))
	if err != nil {
		return nil, fmt.Errorf("attack: embedded snapshot: %w", err)
	}
	d.Origin = "embedded"
	return d, nil
}

// LoadFile reads a compact snapshot from a file.
func LoadFile(path string) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	defer f.Close()
	d, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.Origin = path
	return d, nil
}

// Default returns the snapshot written by `quarry attack update` at
// cachePath when that file exists, else the embedded one.
func Default(cachePath string) (*Data, error) {
	if cachePath != "" {
		if _, err := os.Stat(cachePath); err == nil {
			return LoadFile(cachePath)
		}
	}
	return Embedded()
}

// sortTechniques orders techniques by id with sub-techniques after their
// parent (T1566, T1566.001, T1566.002, T1567).
func sortTechniques(ts []*Technique) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
}
