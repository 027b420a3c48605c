package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, text string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv(EnvConfig, "")
	t.Setenv("MY_KEY", "from-env")
	tests := []struct {
		name, text string
		mode       os.FileMode
		check      func(*File) string
		err        string
	}{
		{name: "full", mode: 0o600, text: "llm:\n  endpoint: http://127.0.0.1:9/v1\n  model: m\n  api_key: k\ngeoip: geo/City.mmdb\norg: /etc/quarry/org.yaml\n",
			check: func(f *File) string {
				if f.LLM.Endpoint != "http://127.0.0.1:9/v1" || f.LLM.Model != "m" || f.LLM.Key() != "k" ||
					f.GeoIP != filepath.Join(dir, "geo/City.mmdb") || f.Org != "/etc/quarry/org.yaml" || f.OrgFile() != "/etc/quarry/org.yaml" {
					return "fields"
				}
				return ""
			}},
		{name: "key from env", mode: 0o644, text: "llm:\n  api_key_env: MY_KEY\n",
			check: func(f *File) string {
				if f.LLM.Key() != "from-env" {
					return "key " + f.LLM.Key()
				}
				return ""
			}},
		{name: "empty", mode: 0o644, text: "", check: func(f *File) string { return "" }},
		{name: "unknown key", mode: 0o644, text: "llm:\n  endpoint: x\n  modle: m\n", err: "line 3: field modle not found"},
		{name: "not yaml", mode: 0o644, text: "llm: [\n", err: "config.yaml"},
		{name: "key readable by others", mode: 0o644, text: "llm:\n  api_key: k\n", err: "readable by others"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, dir, "config.yaml", tc.text, tc.mode)
			os.Chmod(p, tc.mode)
			f, err := Load(p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(f); msg != "" || f.Path != p {
				t.Errorf("%s: %+v", msg, f)
			}
		})
	}
}

func TestLoadDefault(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv(EnvConfig, "")
	// No file at the default place: an empty configuration.
	f, err := Load("")
	if err != nil || f.Path != "" || f.OrgFile() != "" {
		t.Fatalf("%+v %v", f, err)
	}
	// org.yaml next to it is the default organisation file.
	os.MkdirAll(filepath.Join(dir, "quarry"), 0o755)
	org := write(t, filepath.Join(dir, "quarry"), "org.yaml", "accepted_domains: [example.com]\n", 0o644)
	cfg := write(t, filepath.Join(dir, "quarry"), "config.yaml", "geoip: /x.mmdb\n", 0o644)
	if f, err = Load(""); err != nil || f.Path != cfg || f.GeoIP != "/x.mmdb" || f.OrgFile() != org {
		t.Fatalf("%+v %v", f, err)
	}
	// A named file must exist.
	t.Setenv(EnvConfig, filepath.Join(dir, "missing.yaml"))
	if _, err := Load(""); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing named file: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing2.yaml")); err == nil {
		t.Error("missing --config file accepted")
	}
}
