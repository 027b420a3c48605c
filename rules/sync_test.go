package rules

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=quarry", "-c", "user.email=quarry@example.invalid", "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

const ruleYAML = "id: %s\nname: %s\nrelevantTechniques: [T1566]\nquery: EmailEvents | take 1\nversion: 1.0.0\n"

// makeRepo builds a bare repository shaped like Azure-Sentinel and returns
// its file:// URL and head commit.
func makeRepo(t *testing.T) (string, string) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	work := t.TempDir()
	files := map[string]string{
		"Hunting Queries/Microsoft 365 Defender/Email/Mailflow.yaml": "6b478186-da3b-4d71-beaa-aa5b42908499 Mailflow",
		"Detections/EmailEvents/Phish.yaml":                          "0b1c2d3e-aaaa-bbbb-cccc-0123456789ab Phish",
		"Solutions/Mail/Analytic Rules/Forward.yaml":                 "0b1c2d3e-aaaa-bbbb-cccc-0123456789ac Forward",
		"Solutions/Mail/Data/NotARule.yaml":                          "0b1c2d3e-aaaa-bbbb-cccc-0123456789ad Outside",
		"Workbooks/Other.yaml":                                       "0b1c2d3e-aaaa-bbbb-cccc-0123456789ae Workbook",
	}
	for p, v := range files {
		full := filepath.Join(work, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		id, name, _ := strings.Cut(v, " ")
		os.WriteFile(full, []byte(strings.Replace(strings.Replace(ruleYAML, "%s", id, 1), "%s", name, 1)), 0o644)
	}
	run(t, work, "init", "-q")
	run(t, work, "add", ".")
	run(t, work, "commit", "-q", "-m", "rules")
	commit := run(t, work, "rev-parse", "HEAD")
	bare := filepath.Join(t.TempDir(), "sentinel.git")
	run(t, work, "clone", "-q", "--bare", work, bare)
	run(t, bare, "config", "uploadpack.allowFilter", "true")
	return "file://" + bare, commit
}

func TestSyncGitSparse(t *testing.T) {
	url, commit := makeRepo(t)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "protocol.file.allow")
	t.Setenv("GIT_CONFIG_VALUE_0", "always")
	keep := filepath.Join(t.TempDir(), "clone")
	res, name, err := Sync(context.Background(), url, SyncOptions{KeepDir: keep, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range res.Rules {
		paths = append(paths, r.Source.Path)
		if r.Source.Commit != commit || r.Source.Repo != url || !r.Source.RetrievedAt.Equal(now) {
			t.Errorf("%s: provenance %+v", r.Source.Path, r.Source)
		}
	}
	sort.Strings(paths)
	want := "Detections/EmailEvents/Phish.yaml,Hunting Queries/Microsoft 365 Defender/Email/Mailflow.yaml,Solutions/Mail/Analytic Rules/Forward.yaml"
	if strings.Join(paths, ",") != want || name != url || len(res.Errors) != 0 {
		t.Errorf("synced %v (name %s, errors %v)\nwant %s", paths, name, res.Errors, want)
	}
	// Only the rule folders were checked out.
	if _, err := os.Stat(filepath.Join(keep, "Workbooks")); !os.IsNotExist(err) {
		t.Error("Workbooks checked out: the checkout is not sparse")
	}
	if shallow, _ := os.ReadFile(filepath.Join(keep, ".git", "shallow")); strings.TrimSpace(string(shallow)) != commit {
		t.Errorf("clone is not shallow at %s: %q", commit, shallow)
	}
	// --path narrows the checkout.
	res, _, err = Sync(context.Background(), url, SyncOptions{Folders: []string{"Detections"}, Now: now})
	if err != nil || len(res.Rules) != 1 || res.Rules[0].Name != "Phish" {
		t.Errorf("folders: %v %v", res, err)
	}
	if _, _, err := Sync(context.Background(), url, SyncOptions{Folders: []string{"Nothing"}}); err == nil || !strings.Contains(err.Error(), "no rule files") {
		t.Errorf("empty checkout: %v", err)
	}
	if _, _, err := Sync(context.Background(), url+"-missing", SyncOptions{}); err == nil || !strings.Contains(err.Error(), "clone") {
		t.Errorf("missing repo: %v", err)
	}
}

func TestSyncLocalDirectory(t *testing.T) {
	url, commit := makeRepo(t)
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "protocol.file.allow")
	t.Setenv("GIT_CONFIG_VALUE_0", "always")
	// A full clone with a GitHub origin: paths are relative to the
	// repository root and the link points at GitHub.
	clone := filepath.Join(t.TempDir(), "Azure-Sentinel")
	run(t, filepath.Dir(clone), "clone", "-q", url, clone)
	run(t, clone, "remote", "set-url", "origin", "https://github.com/Azure/Azure-Sentinel.git")
	res, name, err := Sync(context.Background(), filepath.Join(clone, "Detections"), SyncOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if name != "Azure/Azure-Sentinel" || len(res.Rules) != 1 {
		t.Fatalf("name %s rules %d", name, len(res.Rules))
	}
	r := res.Rules[0]
	if r.Source.Path != "Detections/EmailEvents/Phish.yaml" || r.Source.Commit != commit ||
		r.Source.URL != "https://github.com/Azure/Azure-Sentinel/blob/"+commit+"/Detections/EmailEvents/Phish.yaml" {
		t.Errorf("source %+v", r.Source)
	}
	// A plain directory: its absolute path is the source.
	res, name, err = Sync(context.Background(), testdataDir(t), SyncOptions{Now: now})
	if err != nil || !filepath.IsAbs(name) || len(res.Rules) == 0 {
		t.Errorf("plain dir: %v %s", err, name)
	}
	if _, _, err := Sync(context.Background(), filepath.Join(t.TempDir(), "absent"), SyncOptions{}); err == nil {
		t.Error("absent directory accepted")
	}
}

func testdataDir(t *testing.T) string {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "r.yaml"), []byte("id: 6b478186-da3b-4d71-beaa-aa5b42908499\nname: r\nquery: T\n"), 0o644)
	return dir
}
