package parser

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/kql/token"
)

// corpusEntry is one line of corpus/index.jsonl (the fields this test uses).
type corpusEntry struct {
	ID       string   `json:"id"`
	File     string   `json:"file"`
	MSParser string   `json:"ms_parser"`
	MSErrors []string `json:"ms_errors"`
}

func readIndex(t testing.TB, path string) []corpusEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var e corpusEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// knownFailures lists corpus ids where quarry and Microsoft's parser still
// disagree, each with the reason. It must be empty when the work is done.
var knownFailures = map[string]string{}

type corpusQuery struct {
	id, name, src string
	msOK          bool
	msErrors      []string
}

func loadCorpus(t testing.TB) []corpusQuery {
	dir := testenv.Shared(t, "corpus")
	var out []corpusQuery
	for _, e := range readIndex(t, filepath.Join(dir, "index.jsonl")) {
		path := filepath.Join(dir, "queries", e.ID+".kql")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusQuery{id: e.ID, name: path, src: string(b), msOK: e.MSParser == "ok", msErrors: e.MSErrors})
	}
	return out
}

// TestCorpus parses every corpus query and compares accept/reject with
// Microsoft's parser (ms_parser in index.jsonl).
func TestCorpus(t *testing.T) {
	qs := loadCorpus(t)
	agree, accepted, rejected := 0, 0, 0
	var bad []string
	for _, q := range qs {
		s, errs := ParseFile(token.NewFile(q.name, q.src))
		ok := len(errs) == 0
		if msg := checkSpans(s, len(q.src)); msg != "" {
			t.Errorf("%s: %s", q.id, msg)
		}
		if ok {
			accepted++
		} else {
			rejected++
		}
		if ok == q.msOK {
			agree++
			if _, known := knownFailures[q.id]; known {
				t.Errorf("%s: listed in knownFailures but now agrees; remove it", q.id)
			}
			continue
		}
		if _, known := knownFailures[q.id]; known {
			continue
		}
		if q.msOK {
			bad = append(bad, q.id+": Microsoft accepts, quarry rejects: "+errs[0].Error())
		} else {
			bad = append(bad, q.id+": Microsoft rejects ("+q.msErrors[0]+"), quarry accepts")
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("corpus: %d queries, agreement with Microsoft's parser %d/%d (%.2f%%); quarry accepts %d, rejects %d; known failures %d",
		len(qs), agree, len(qs), 100*float64(agree)/float64(len(qs)), accepted, rejected, len(knownFailures))
	if len(qs) != 1893 {
		t.Errorf("corpus has %d queries, want 1893", len(qs))
	}
}

// TestSentinelEmailRules parses the `query` field of the Sentinel email
// hunting rules and compares with their index's ms_parser verdict.
func TestSentinelEmailRules(t *testing.T) {
	dir := testenv.Shared(t, "corpus", "sentinel-email")
	entries := readIndex(t, filepath.Join(dir, "index.jsonl"))
	agree := 0
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		var rule struct {
			Query string `yaml:"query"`
		}
		if err := yaml.Unmarshal(b, &rule); err != nil {
			t.Fatalf("%s: %v", e.File, err)
		}
		if rule.Query == "" {
			t.Errorf("%s: no query field", e.File)
			continue
		}
		_, errs := ParseFile(token.NewFile(e.File, rule.Query))
		ok := len(errs) == 0
		switch {
		case ok == (e.MSParser == "ok"):
			agree++
		case ok:
			t.Errorf("%s: Microsoft rejects (%v), quarry accepts", e.File, e.MSErrors)
		default:
			t.Errorf("%s: Microsoft accepts, quarry rejects: %v", e.File, errs[0])
		}
	}
	t.Logf("sentinel-email: agreement %d/%d", agree, len(entries))
	if len(entries) != 67 {
		t.Errorf("%d rules, want 67", len(entries))
	}
}
