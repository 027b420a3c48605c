package attack

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func fixture(t testing.TB) *Data {
	t.Helper()
	f, err := os.Open("testdata/enterprise-attack.fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := ParseSTIX(f, "enterprise-attack.fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseSTIX(t *testing.T) {
	d := fixture(t)
	if len(d.Tactics) != 14 || len(d.Techniques) != 13 || d.Version != "fixture-1" {
		t.Fatalf("tactics %d techniques %d version %q; want 14, 13 (revoked and deprecated dropped), fixture-1", len(d.Tactics), len(d.Techniques), d.Version)
	}
	// Matrix order comes from x-mitre-matrix tactic_refs.
	if d.Tactics[0].ShortName != "reconnaissance" || d.Tactics[2].ID != "TA0001" || d.Tactics[13].Name != "Impact" {
		t.Errorf("tactic order: %v %v %v", d.Tactics[0], d.Tactics[2], d.Tactics[13])
	}
	p, ok := d.Technique("t1566")
	if !ok || p.Name != "Phishing" || p.URL != "https://attack.mitre.org/techniques/T1566" || strings.Join(p.Tactics, ",") != "initial-access" {
		t.Fatalf("T1566: %+v", p)
	}
	if strings.Contains(p.Description, "Second paragraph") {
		t.Errorf("description keeps more than the first paragraph: %q", p.Description)
	}
	s, _ := d.Technique("T1566.001")
	if s == nil || s.Parent != "T1566" || !s.SubTechnique() || s.Description != "Phishing with a file attached to the message." {
		t.Errorf("T1566.001: %+v", s)
	}
	if l, _ := d.Technique("T1566.002"); l.Description != "Phishing with a link in the message body." {
		t.Errorf("markdown link not reduced to its text: %q", l.Description)
	}
	if subs := d.SubTechniques("T1566"); len(subs) != 3 {
		t.Errorf("T1566 has %d sub-techniques, want 3", len(subs))
	}
	for _, id := range []string{"T1999", "T1998"} {
		if _, ok := d.Technique(id); ok {
			t.Errorf("%s is revoked/deprecated and must be dropped", id)
		}
	}
	for _, name := range []string{"InitialAccess", "initial-access", "Initial Access", "TA0001", "initial access"} {
		if tac, ok := d.Tactic(name); !ok || tac.ID != "TA0001" {
			t.Errorf("Tactic(%q) = %v %v", name, tac, ok)
		}
	}
	if tac, ok := d.Tactic("CommandAndControl"); !ok || tac.ID != "TA0011" {
		t.Errorf("CommandAndControl: %v", tac)
	}
	if _, ok := d.Tactic("Persistance"); ok {
		t.Error("misspelled tactic resolved")
	}
}

func TestParseSTIXRejects(t *testing.T) {
	for _, in := range []string{`[1,2]`, `{"type":"indicator"}`, `{"type":"bundle","objects":[]}`, `not json`} {
		if _, err := ParseSTIX(strings.NewReader(in), "x.json"); err == nil {
			t.Errorf("ParseSTIX(%s) accepted", in)
		}
	}
}

func TestSnapshotRoundTripAndEmbedded(t *testing.T) {
	d := fixture(t)
	var a, b bytes.Buffer
	if err := d.Write(&a); err != nil {
		t.Fatal(err)
	}
	d.Write(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("snapshot bytes are not deterministic")
	}
	back, err := Read(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Techniques) != len(d.Techniques) {
		t.Errorf("round trip lost techniques")
	}
	if tt, ok := back.Technique("T1114.003"); !ok || tt.Parent != "T1114" {
		t.Errorf("round trip: %+v", tt)
	}
	// A fixture-sized snapshot says so.
	if !back.Fixture() || !strings.Contains(back.Notice(), "fixture-sized snapshot with 13 techniques and 14 tactics") {
		t.Errorf("notice: %q", back.Notice())
	}
}

// TestEmbeddedIsMITRE checks the snapshot built into quarry: MITRE ATT&CK
// v18.1 Enterprise, as attack/README.md says.
func TestEmbeddedIsMITRE(t *testing.T) {
	d, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	checkMITRE(t, d)
	if d.Version != "18.1" || d.Notice() != "" {
		t.Errorf("version %q notice %q", d.Version, d.Notice())
	}
	for _, id := range []string{"T1566", "T1080", "T1114", "T1020", "T1021", "T1562"} {
		if _, ok := d.Technique(id); !ok {
			t.Errorf("embedded snapshot lacks %s (used by the corpus rules)", id)
		}
	}
}

// checkMITRE checks what any snapshot of MITRE's Enterprise data must hold.
func checkMITRE(t *testing.T, d *Data) {
	t.Helper()
	if d.Fixture() || len(d.Tactics) != 14 {
		t.Errorf("%d tactics, %d techniques", len(d.Tactics), len(d.Techniques))
	}
	order := []string{"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
		"privilege-escalation", "defense-evasion", "credential-access", "discovery", "lateral-movement",
		"collection", "command-and-control", "exfiltration", "impact"}
	for i, tac := range d.Tactics {
		if i < len(order) && tac.ShortName != order[i] {
			t.Errorf("tactic %d is %s, want %s", i, tac.ShortName, order[i])
		}
	}
	if tac, ok := d.Tactic("InitialAccess"); !ok || tac.ID != "TA0001" || tac.URL != "https://attack.mitre.org/tactics/TA0001" {
		t.Errorf("InitialAccess: %+v", tac)
	}
	for id, name := range map[string]string{"T1566": "Phishing", "T1566.001": "Spearphishing Attachment", "T1114": "Email Collection", "T1021": "Remote Services"} {
		if tech, ok := d.Technique(id); !ok || tech.Name != name || tech.Description == "" || !strings.HasPrefix(tech.URL, "https://attack.mitre.org/techniques/") {
			t.Errorf("%s: %+v", id, tech)
		}
	}
	if s, _ := d.Technique("T1566.002"); s == nil || s.Parent != "T1566" {
		t.Errorf("T1566.002 parent: %+v", s)
	}
	for _, tech := range d.Techniques {
		if strings.Contains(tech.Description, "(Citation:") || len(tech.Tactics) == 0 {
			t.Errorf("%s: description %q tactics %v", tech.ID, tech.Description, tech.Tactics)
		}
		if tech.Parent != "" {
			if _, ok := d.Technique(tech.Parent); !ok || !strings.HasPrefix(tech.ID, tech.Parent+".") {
				t.Errorf("%s: parent %s", tech.ID, tech.Parent)
			}
		}
	}
	var buf bytes.Buffer
	Compute(d, sampleRules()).WriteNavigator(&buf, "real")
	validateLayer(t, buf.Bytes(), d)
}

// TestParseSTIXDir: a mitre/cti-style tree (one bundle file per object)
// gives the same data as the single bundle, with Modified taken from the
// objects and no version unless given.
func TestParseSTIXDir(t *testing.T) {
	b, err := os.ReadFile("testdata/enterprise-attack.fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, o := range bundle.Objects {
		if o["type"] == "x-mitre-collection" {
			continue // mitre/cti has none
		}
		if o["type"] == "attack-pattern" && i%2 == 0 {
			o["modified"] = "2025-0" + strconv.Itoa(i%10) + "-01T00:00:00.000Z"
		}
		sub := filepath.Join(dir, o["type"].(string))
		os.MkdirAll(sub, 0o755)
		out, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + strconv.Itoa(i), "objects": []any{o}})
		if err := os.WriteFile(filepath.Join(sub, strconv.Itoa(i)+".json"), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not STIX"), 0o644)
	got, err := ParseSTIXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := fixture(t)
	if got.Version != "" || got.Modified != "2025-06-01T00:00:00.000Z" {
		t.Errorf("version %q modified %q", got.Version, got.Modified)
	}
	got.Version, got.Modified, got.Source = want.Version, want.Modified, want.Source
	var g, w bytes.Buffer
	got.Write(&g)
	want.Write(&w)
	if !bytes.Equal(g.Bytes(), w.Bytes()) {
		t.Error("directory form and bundle form differ")
	}
	out := filepath.Join(t.TempDir(), "s.json.gz")
	if err := CompactFile(dir, out, "9.9"); err != nil {
		t.Fatal(err)
	}
	if d, err := LoadFile(out); err != nil || d.Version != "9.9" {
		t.Errorf("CompactFile of a directory: %v %+v", err, d)
	}
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o644)
	if _, err := ParseSTIXDir(dir); err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("broken file: %v", err)
	}
}

func TestDefaultPrefersUpdatedSnapshot(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "attack.json.gz")
	d, err := Default(p)
	if err != nil || d.Origin != "embedded" {
		t.Fatalf("without a cache file: %v %v", d, err)
	}
	f := fixture(t)
	f.Version = "99.0"
	var buf bytes.Buffer
	f.Write(&buf)
	os.WriteFile(p, buf.Bytes(), 0o644)
	d, err = Default(p)
	if err != nil || d.Origin != p || d.Version != "99.0" {
		t.Fatalf("with a cache file: %+v %v", d, err)
	}
	os.WriteFile(p, []byte("garbage"), 0o644)
	if _, err := Default(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("corrupt cache: error %v should name the file", err)
	}
}

func TestUpdate(t *testing.T) {
	bundle, err := os.ReadFile("testdata/enterprise-attack.fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		switch r.URL.Path {
		case "/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json":
			w.Write(bundle)
		case "/broken.json":
			w.Write([]byte(`{"type":"bundle","objects":[{"type":"attack-pattern"`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "sub", "attack.json.gz")
	raw := filepath.Join(dir, "enterprise-attack.json")
	url := srv.URL + strings.TrimPrefix(EnterpriseURL, "https://raw.githubusercontent.com")
	d, err := Update(context.Background(), srv.Client(), url, out, raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.Origin != out || len(d.Techniques) != 13 || d.Source != "enterprise-attack.json" {
		t.Errorf("updated: origin %s techniques %d source %s", d.Origin, len(d.Techniques), d.Source)
	}
	if got, _ := os.ReadFile(raw); !bytes.Equal(got, bundle) {
		t.Error("raw bundle not kept")
	}
	if back, err := LoadFile(out); err != nil || len(back.Tactics) != 14 {
		t.Errorf("snapshot written: %v", err)
	}
	// Failures leave the previous snapshot alone.
	before, _ := os.ReadFile(out)
	if _, err := Update(context.Background(), srv.Client(), srv.URL+"/missing.json", out, ""); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v", err)
	}
	if _, err := Update(context.Background(), srv.Client(), srv.URL+"/broken.json", out, ""); err == nil {
		t.Error("truncated bundle accepted")
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(before, after) {
		t.Error("a failed update changed the snapshot")
	}
}

func sampleRules() []RuleRef {
	return []RuleRef{
		{ID: "r1", Name: "Mailflow by directionality", Techniques: []string{"T1566"}, Tactics: []string{"InitialAccess"}, Runnable: true},
		{ID: "r2", Name: "Phish link clicked", Techniques: []string{"T1566.002"}, Tactics: []string{"InitialAccess"}, Runnable: false},
		{ID: "r3", Name: "Risky sign-in", Techniques: []string{"T1078"}, Tactics: []string{"InitialAccess"}, Runnable: true},
		{ID: "r4", Name: "Admin sign-in", Techniques: []string{"T1078"}, Runnable: false},
		{ID: "r5", Name: "Forwarding", Techniques: []string{"T1114", "T1020", "T9999"}, Tactics: []string{"Collection", "Exfiltration"}, Runnable: true},
		{ID: "r6", Name: "No techniques", Runnable: true},
	}
}

func TestCompute(t *testing.T) {
	cov := Compute(fixture(t), sampleRules())
	if cov.Rules != 6 || cov.Runnable != 4 || cov.WithoutTechniques != 1 {
		t.Errorf("totals %d %d %d", cov.Rules, cov.Runnable, cov.WithoutTechniques)
	}
	if len(cov.Unresolved) != 1 || cov.Unresolved[0].Technique != "T9999" || cov.Unresolved[0].RuleName != "Forwarding" {
		t.Errorf("unresolved %v", cov.Unresolved)
	}
	got := map[string]string{}
	for _, c := range cov.Cells() {
		got[c.Technique.ID+"/"+c.Tactic] = strconv.Itoa(c.Runnable) + "/" + strconv.Itoa(len(c.Rules))
	}
	want := map[string]string{
		"T1566/initial-access":     "1/1",
		"T1566.002/initial-access": "0/1",
		// r3 declares InitialAccess: counted there only; r4 declares no
		// tactic of T1078: counted under all four.
		"T1078/initial-access":       "1/2",
		"T1078/defense-evasion":      "0/1",
		"T1078/persistence":          "0/1",
		"T1078/privilege-escalation": "0/1",
		"T1114/collection":           "1/1",
		"T1020/exfiltration":         "1/1",
	}
	if len(got) != len(want) {
		t.Errorf("cells %v\nwant %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("cell %s = %q, want %q", k, got[k], v)
		}
	}
	if c, r := cov.Techniques(); c != 5 || r != 4 {
		t.Errorf("techniques claimed %d runnable %d, want 5 and 4", c, r)
	}
}

// validateLayer checks a layer against the required fields and value rules
// of the ATT&CK Navigator layer format 4.5 specification
// (layers/spec/v4.5/layerformat.md in mitre-attack/attack-navigator).
func validateLayer(t *testing.T, raw []byte, d *Data) {
	t.Helper()
	var l map[string]any
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatalf("layer is not JSON: %v", err)
	}
	str := func(m map[string]any, k string, required bool) (string, bool) {
		v, ok := m[k]
		if !ok {
			if required {
				t.Errorf("required field %q missing in %v", k, m)
			}
			return "", false
		}
		s, isStr := v.(string)
		if !isStr {
			t.Errorf("field %q must be a string, is %T", k, v)
		}
		return s, true
	}
	str(l, "name", true)
	if dom, _ := str(l, "domain", true); dom != "enterprise-attack" && dom != "mobile-attack" && dom != "ics-attack" {
		t.Errorf("domain %q", dom)
	}
	str(l, "description", false)
	versions, ok := l["versions"].(map[string]any)
	if !ok {
		t.Fatal("versions object missing")
	}
	if v, _ := str(versions, "layer", true); v != "4.5" {
		t.Errorf("versions.layer = %q, must be 4.5", v)
	}
	nav, _ := str(versions, "navigator", true)
	parts := strings.Split(nav, ".")
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	if len(parts) != 3 || major < 4 || (major == 4 && minor < 9) {
		t.Errorf("versions.navigator = %q, must be at least 4.9.0", nav)
	}
	if s, ok := l["sorting"].(float64); !ok || s < 0 || s > 3 {
		t.Errorf("sorting %v", l["sorting"])
	}
	for _, b := range []string{"hideDisabled", "showTacticRowBackground", "selectTechniquesAcrossTactics", "selectSubtechniquesWithParent", "selectVisibleTechniques"} {
		if _, ok := l[b].(bool); !ok {
			t.Errorf("%s must be a boolean", b)
		}
	}
	layout := l["layout"].(map[string]any)
	if v := layout["layout"]; v != "side" && v != "flat" && v != "mini" {
		t.Errorf("layout.layout %v", v)
	}
	if v := layout["aggregateFunction"]; v != "average" && v != "min" && v != "max" && v != "sum" {
		t.Errorf("layout.aggregateFunction %v", v)
	}
	if v := layout["expandedSubtechniques"]; v != "none" && v != "all" && v != "annotated" {
		t.Errorf("layout.expandedSubtechniques %v", v)
	}
	idRE := regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	checkMeta := func(list any) {
		items, ok := list.([]any)
		if !ok && list != nil {
			t.Errorf("metadata must be an array, is %T", list)
		}
		for _, it := range items {
			m := it.(map[string]any)
			if _, div := m["divider"]; div {
				continue
			}
			str(m, "name", true)
			str(m, "value", true)
		}
	}
	checkMeta(l["metadata"])
	techs, ok := l["techniques"].([]any)
	if !ok {
		t.Fatal("techniques must be an array")
	}
	for _, it := range techs {
		m := it.(map[string]any)
		id, _ := str(m, "techniqueID", true)
		if !idRE.MatchString(id) {
			t.Errorf("techniqueID %q", id)
		}
		if tac, ok := str(m, "tactic", false); ok {
			if _, known := d.Tactic(tac); !known || strings.ToLower(tac) != tac {
				t.Errorf("tactic %q is not a tactic short name", tac)
			}
		}
		if v, ok := m["score"]; ok {
			if _, isNum := v.(float64); !isNum {
				t.Errorf("%s: score must be a number", id)
			}
		}
		if _, ok := m["enabled"].(bool); !ok {
			t.Errorf("%s: enabled must be a boolean", id)
		}
		str(m, "comment", false)
		checkMeta(m["metadata"])
	}
	g := l["gradient"].(map[string]any)
	colors, _ := g["colors"].([]any)
	if len(colors) < 2 {
		t.Errorf("gradient needs at least two colors")
	}
	lo, ok1 := g["minValue"].(float64)
	hi, ok2 := g["maxValue"].(float64)
	if !ok1 || !ok2 || hi <= lo {
		t.Errorf("gradient min %v max %v: maxValue must be > minValue", g["minValue"], g["maxValue"])
	}
	for _, it := range l["legendItems"].([]any) {
		m := it.(map[string]any)
		str(m, "label", true)
		str(m, "color", true)
	}
}

func TestNavigatorLayer(t *testing.T) {
	d := fixture(t)
	cov := Compute(d, sampleRules())
	var buf bytes.Buffer
	if err := cov.WriteNavigator(&buf, "quarry coverage"); err != nil {
		t.Fatal(err)
	}
	validateLayer(t, buf.Bytes(), d)
	var l NavigatorLayer
	json.Unmarshal(buf.Bytes(), &l)
	var found bool
	for _, tech := range l.Techniques {
		if tech.TechniqueID == "T1078" && tech.Tactic == "initial-access" {
			found = true
			if tech.Score == nil || *tech.Score != 1 || tech.Comment != "Risky sign-in; Admin sign-in" {
				t.Errorf("T1078 initial-access: score %v comment %q", tech.Score, tech.Comment)
			}
		}
	}
	if !found || len(l.Techniques) != 8 || l.Gradient.MaxValue != 1 || l.Versions.Attack != "" {
		t.Errorf("layer: found %v techniques %d gradient %+v versions %+v", found, len(l.Techniques), l.Gradient, l.Versions)
	}
	// A sub-technique claimed alone brings an unscored parent entry that
	// expands it.
	buf.Reset()
	Compute(d, []RuleRef{{ID: "s", Name: "Forward rule", Techniques: []string{"T1114.003"}, Runnable: true}}).WriteNavigator(&buf, "sub")
	validateLayer(t, buf.Bytes(), d)
	var sl NavigatorLayer
	json.Unmarshal(buf.Bytes(), &sl)
	if len(sl.Techniques) != 2 || sl.Techniques[0].TechniqueID != "T1114" || sl.Techniques[0].Score != nil || !sl.Techniques[0].ShowSubtechniques ||
		sl.Techniques[1].TechniqueID != "T1114.003" || *sl.Techniques[1].Score != 1 {
		t.Errorf("sub-technique layer: %+v", sl.Techniques)
	}
	// A layer with no coverage is still valid (maxValue > minValue).
	buf.Reset()
	Compute(d, nil).WriteNavigator(&buf, "empty")
	validateLayer(t, buf.Bytes(), d)
}

func TestJSONAndCSV(t *testing.T) {
	cov := Compute(fixture(t), sampleRules())
	var buf bytes.Buffer
	if err := cov.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// 1 header + one row per (cell, rule): T1566 1, T1566.002 1, T1078 ia 2,
	// T1078 x3 others 1 each, T1114 1, T1020 1 = 9.
	if len(rows) != 10 || strings.Join(rows[0], ",") != "tactic_id,tactic,technique_id,technique,parent,rule_id,rule_name,runnable" {
		t.Fatalf("csv rows %d: %v", len(rows), rows)
	}
	if strings.Join(rows[1], ",") != "TA0001,Initial Access,T1078,Valid Accounts,,r3,Risky sign-in,true" {
		t.Errorf("first row %v", rows[1])
	}
	buf.Reset()
	if err := cov.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Attack struct {
			Fixture bool `json:"fixture"`
		} `json:"attack"`
		Rules      int `json:"rules"`
		Runnable   int `json:"runnable"`
		Techniques int `json:"techniquesClaimed"`
		Tactics    []struct {
			ShortName  string `json:"shortname"`
			Techniques []struct {
				ID       string `json:"id"`
				Runnable int    `json:"runnable"`
				Rules    []struct{ Name string }
			} `json:"techniques"`
		} `json:"tactics"`
		Unresolved []Unresolved `json:"unresolved"`
	}
	if err := json.Unmarshal(buf.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if !j.Attack.Fixture || j.Rules != 6 || j.Runnable != 4 || j.Techniques != 5 || len(j.Tactics) != 14 || len(j.Unresolved) != 1 {
		t.Errorf("json: %+v", j)
	}
	if ia := j.Tactics[2]; ia.ShortName != "initial-access" || len(ia.Techniques) != 3 || ia.Techniques[0].ID != "T1078" || len(ia.Techniques[0].Rules) != 2 {
		t.Errorf("initial-access column: %+v", ia)
	}
}

func TestMatrix(t *testing.T) {
	cov := Compute(fixture(t), sampleRules())
	var buf bytes.Buffer
	cov.WriteMatrix(&buf, false, 40)
	out := buf.String()
	for _, want := range []string{
		"6 rules (4 runnable), 5 techniques claimed, 4 with a runnable rule",
		"note: ATT&CK data",
		"Initial Access",
		"T1078 1/2 Valid Accounts",
		"T1566.002 0/1 Spearphishing Link",
		"T9999 (rule Forwarding)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("matrix lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Reconnaissance") {
		t.Error("uncovered tactic shown without --all")
	}
	buf.Reset()
	cov.WriteMatrix(&buf, true, 20)
	if !strings.Contains(buf.String(), "Reconnaissance") {
		t.Error("--all must show every tactic")
	}
}
