package attack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// stixObject holds the fields of a STIX 2.1 object that quarry reads.
type stixObject struct {
	Type               string   `json:"type"`
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Description        string   `json:"description"`
	Modified           string   `json:"modified"`
	Revoked            bool     `json:"revoked"`
	Deprecated         bool     `json:"x_mitre_deprecated"`
	IsSubtechnique     bool     `json:"x_mitre_is_subtechnique"`
	ShortName          string   `json:"x_mitre_shortname"`
	XPlatforms         []string `json:"x_mitre_platforms"`
	Version            string   `json:"x_mitre_version"`
	TacticRefs         []string `json:"tactic_refs"`
	RelationshipType   string   `json:"relationship_type"`
	SourceRef          string   `json:"source_ref"`
	TargetRef          string   `json:"target_ref"`
	ExternalReferences []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
		URL        string `json:"url"`
	} `json:"external_references"`
	KillChainPhases []struct {
		KillChainName string `json:"kill_chain_name"`
		PhaseName     string `json:"phase_name"`
	} `json:"kill_chain_phases"`
}

func (o *stixObject) attackRef() (id, url string) {
	for _, r := range o.ExternalReferences {
		if r.SourceName == "mitre-attack" {
			return r.ExternalID, r.URL
		}
	}
	return "", ""
}

// ParseSTIX reads MITRE's enterprise-attack.json (a STIX 2.1 bundle) and
// keeps what quarry needs: the tactics of the Enterprise matrix in matrix
// order, and every technique and sub-technique that is neither revoked nor
// deprecated, with the first paragraph of its description (citations
// removed). source names the input in the snapshot.
func ParseSTIX(r io.Reader, source string) (*Data, error) {
	objs, err := readBundle(r, source)
	if err != nil {
		return nil, err
	}
	return fromObjects(objs, source)
}

// ParseSTIXDir reads a tree of STIX bundle files, one object or more per
// file, as MITRE publishes them in the mitre/cti repository
// (enterprise-attack/attack-pattern/*.json, x-mitre-tactic/*.json, ...),
// and keeps the same data as ParseSTIX. Such a tree has no
// x-mitre-collection object: Version stays empty unless the caller sets
// it, and Modified is the latest modification time of the kept objects.
func ParseSTIXDir(dir string) (*Data, error) {
	var objs []stixObject
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.EqualFold(filepath.Ext(path), ".json") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("attack: %w", err)
		}
		defer f.Close()
		o, err := readBundle(f, path)
		objs = append(objs, o...)
		return err
	})
	if err != nil {
		return nil, err
	}
	d, err := fromObjects(objs, filepath.Base(filepath.Clean(dir)))
	if err != nil {
		return nil, err
	}
	if d.Modified == "" {
		for _, o := range objs {
			if !o.Revoked && !o.Deprecated && o.Modified > d.Modified {
				d.Modified = o.Modified
			}
		}
	}
	return d, nil
}

func readBundle(r io.Reader, source string) ([]stixObject, error) {
	var bundle struct {
		Type    string       `json:"type"`
		Objects []stixObject `json:"objects"`
	}
	if err := json.NewDecoder(r).Decode(&bundle); err != nil {
		return nil, fmt.Errorf("attack: %s is not a STIX bundle: %w", source, err)
	}
	if bundle.Type != "bundle" {
		return nil, fmt.Errorf("attack: %s: type is %q, want a STIX \"bundle\"", source, bundle.Type)
	}
	return bundle.Objects, nil
}

// fromObjects builds the snapshot data from STIX objects in bundle order.
func fromObjects(objs []stixObject, source string) (*Data, error) {
	d := &Data{Source: source}
	tacticByRef := map[string]*Tactic{}
	var tacticOrder []*Tactic
	var matrixRefs []string
	parentRef := map[string]string{} // sub-technique STIX id -> parent STIX id
	techByRef := map[string]*Technique{}
	for i := range objs {
		o := &objs[i]
		if o.Revoked || o.Deprecated {
			continue
		}
		switch o.Type {
		case "x-mitre-collection":
			d.Version = o.Version
			d.Modified = o.Modified
		case "x-mitre-matrix":
			if matrixRefs == nil || strings.Contains(strings.ToLower(o.Name), "enterprise") {
				matrixRefs = o.TacticRefs
			}
		case "x-mitre-tactic":
			id, url := o.attackRef()
			t := &Tactic{ID: id, ShortName: o.ShortName, Name: o.Name, Description: firstParagraph(o.Description), URL: url}
			tacticByRef[o.ID] = t
			tacticOrder = append(tacticOrder, t)
		case "attack-pattern":
			id, url := o.attackRef()
			if id == "" {
				continue
			}
			t := &Technique{ID: id, Name: o.Name, Description: firstParagraph(o.Description), URL: url, Platforms: o.XPlatforms}
			for _, k := range o.KillChainPhases {
				if k.KillChainName == "mitre-attack" {
					t.Tactics = append(t.Tactics, k.PhaseName)
				}
			}
			if o.IsSubtechnique {
				if dot := strings.IndexByte(id, '.'); dot > 0 {
					t.Parent = id[:dot]
				}
			}
			techByRef[o.ID] = t
			d.Techniques = append(d.Techniques, t)
		case "relationship":
			if o.RelationshipType == "subtechnique-of" {
				parentRef[o.SourceRef] = o.TargetRef
			}
		}
	}
	// The subtechnique-of relationships are authoritative for parents.
	for sub, parent := range parentRef {
		s, p := techByRef[sub], techByRef[parent]
		if s != nil && p != nil {
			s.Parent = p.ID
		}
	}
	if matrixRefs != nil {
		for _, ref := range matrixRefs {
			if t := tacticByRef[ref]; t != nil {
				d.Tactics = append(d.Tactics, t)
			}
		}
	} else {
		d.Tactics = tacticOrder
	}
	if len(d.Tactics) == 0 || len(d.Techniques) == 0 {
		return nil, fmt.Errorf("attack: %s holds no ATT&CK tactics or techniques", source)
	}
	sortTechniques(d.Techniques)
	d.index()
	return d, nil
}

var (
	citationRE = regexp.MustCompile(`\s*\(Citation:[^)]*\)`)
	mdLinkRE   = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	htmlTagRE  = regexp.MustCompile(`</?code>`)
)

// firstParagraph keeps the first paragraph of an ATT&CK description,
// without citations, Markdown links (their text is kept) or <code> tags.
func firstParagraph(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[:i]
	}
	s = citationRE.ReplaceAllString(s, "")
	s = mdLinkRE.ReplaceAllString(s, "$1")
	s = htmlTagRE.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// CompactFile reads a STIX bundle file, or a directory tree of STIX
// files (mitre/cti's enterprise-attack folder), and writes its compact
// snapshot to out ("-" for standard output). version, when not empty, is
// the ATT&CK release recorded in the snapshot if the input names none.
func CompactFile(in, out, version string) error {
	var d *Data
	if fi, err := os.Stat(in); err == nil && fi.IsDir() {
		d, err = ParseSTIXDir(in)
		if err != nil {
			return err
		}
	} else {
		f, err := os.Open(in)
		if err != nil {
			return fmt.Errorf("attack: %w", err)
		}
		defer f.Close()
		if d, err = ParseSTIX(f, filepath.Base(in)); err != nil {
			return err
		}
	}
	if d.Version == "" {
		d.Version = version
	}
	if out == "-" {
		return d.Write(os.Stdout)
	}
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
